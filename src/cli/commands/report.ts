import type { Command } from 'commander';
import { join } from 'node:path';
import { writeOutputFile } from '../../core/output-file.js';
import { readFileSync } from 'node:fs';
import { incompleteNote, requireRunDir } from '../../report/run-dir.js';
import { refuseReportOutput, writeReport } from '../../report/tearsheet.js';
import type { CliIO } from '../io.js';

interface ReportFlags {
  benchmark?: string;
  out?: string;
}

export function registerReport(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('report')
    .description('write RUN_DIR/report.html: a self-contained performance report of a backtest run (opens from disk, no network)')
    .argument('<run-dir>', 'a directory written by quantflow backtest')
    .option('--benchmark <csv>', 'benchmark prices for alpha, beta and the equity overlay (default: the run\'s own --benchmark)')
    .option('--out <file>', 'where to write the report (default RUN_DIR/report.html)')
    .action((dir: string, flags: ReportFlags) => {
      requireRunDir(dir);
      const out = flags.out ?? join(dir, 'report.html');
      // Before anything is written: the report goes beside its place and is renamed over it.
      refuseReportOutput(dir, out, flags.benchmark);
      const r = writeOutputFile(out, (target) => writeReport(dir, { benchmark: flags.benchmark, out: target }));
      const incomplete = incompleteNote(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>);
      for (const note of [...(incomplete !== undefined ? [incomplete] : []), ...r.notes]) io.stderr.write(`note: ${note}\n`);
      io.stdout.write(`wrote ${out}\n`);
      done(0);
    });
}
