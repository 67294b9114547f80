import type { Command } from 'commander';
import { basename, join } from 'node:path';
import { writeOutputFiles } from '../../core/output-file.js';
import { readFileSync } from 'node:fs';
import { writeCompare } from '../../report/compare.js';
import { incompleteNote } from '../../report/run-dir.js';
import type { CliIO } from '../io.js';

interface CompareFlags {
  out?: string;
}

export function registerCompare(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('compare')
    .description('compare backtest runs side by side: print a table, write compare.csv and compare.html (an overlay chart)')
    .argument('<run-dirs...>', 'two or more directories written by quantflow backtest')
    .option('--out <dir>', 'where to write compare.csv and compare.html (default runs/compare)')
    .action((dirs: string[], flags: CompareFlags) => {
      const out = flags.out ?? 'runs/compare';
      // Written into a staging folder inside --out, then moved in: never half a comparison.
      const r = writeOutputFiles(out, (staging) => writeCompare(dirs, staging));
      for (const d of dirs) {
        const note = incompleteNote(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Record<string, unknown>);
        if (note !== undefined) io.stderr.write(`note: ${d}: ${note}\n`);
      }
      io.stdout.write(r.table);
      io.stdout.write(`wrote ${r.files.map((f) => join(out, basename(f))).join(', ')}\n`);
      done(0);
    });
}
