import type { Command } from 'commander';
import { writeCompare } from '../../report/compare.js';
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
      const r = writeCompare(dirs, flags.out ?? 'runs/compare');
      io.stdout.write(r.table);
      io.stdout.write(`wrote ${r.files.join(', ')}\n`);
      done(0);
    });
}
