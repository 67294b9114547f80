import type { Command } from 'commander';
import { basename, join } from 'node:path';
import { writeOutputFiles } from '../../core/output-file.js';
import { compareRuns, refuseCompareOutput, writeComparedRuns } from '../../report/compare.js';
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
      // Every run is read, and --out checked against what was read, before anything is written.
      const runs = compareRuns(dirs);
      refuseCompareOutput(runs, out);
      // Written into a staging folder inside --out, then moved in: never half a comparison.
      const r = writeOutputFiles(out, (staging) => writeComparedRuns(runs, staging));
      for (const run of runs) {
        const incomplete = incompleteNote(run.run.summary);
        for (const note of [...(incomplete !== undefined ? [incomplete] : []), ...(run.note !== undefined ? [run.note] : [])]) io.stderr.write(`note: ${run.dir}: ${note}\n`);
      }
      io.stdout.write(r.table);
      io.stdout.write(`wrote ${r.files.map((f) => join(out, basename(f))).join(', ')}\n`);
      done(0);
    });
}
