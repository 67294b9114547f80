import { Command, CommanderError } from 'commander';
import { InputError, formatIssue } from '../core/errors.js';
import { registerBacktest } from './commands/backtest.js';
import { registerBook } from './commands/book.js';
import { registerCompare } from './commands/compare.js';
import { registerData } from './commands/data.js';
import { registerIndicator } from './commands/indicator.js';
import { registerReport } from './commands/report.js';
import type { CliIO } from './io.js';

/** Exit statuses: 0 done, 1 a bug (with its stack), 2 bad input (a message, no stack). */
export const EXIT_OK = 0;
export const EXIT_BUG = 1;
export const EXIT_INPUT = 2;

/**
 * The whole command line as a function: parses argv (without the node and
 * script entries), runs the command, returns the exit status. Never exits
 * the process itself, so tests call it directly.
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let code = EXIT_OK;
  const program = new Command('quantflow')
    .description('Event-driven backtesting: strategies in TypeScript over real market data')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  const done = (c: number): void => {
    code = c;
  };
  registerBacktest(program, io, done);
  registerData(program, io, done);
  registerIndicator(program, io, done);
  registerBook(program, io, done);
  registerReport(program, io, done);
  registerCompare(program, io, done);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_INPUT;
    }
    if (e instanceof InputError) {
      for (const issue of e.issues) io.stderr.write(`error: ${formatIssue(issue)}\n`);
      return EXIT_INPUT;
    }
    io.stderr.write(`internal error (a bug, please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_BUG;
  }
}
