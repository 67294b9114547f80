import { Command, CommanderError } from 'commander';
import { InputError, formatIssue } from '../core/errors.js';
import { OutputError, systemCode } from '../core/output-file.js';
import { StrategyError } from '../backtest/strategy-error.js';
import { registerBacktest } from './commands/backtest.js';
import { registerBook } from './commands/book.js';
import { registerCompare } from './commands/compare.js';
import { registerData } from './commands/data.js';
import { registerExchange } from './commands/exchange.js';
import { registerIndicator } from './commands/indicator.js';
import { registerOptimize } from './commands/optimize.js';
import { registerRecord } from './commands/record.js';
import { registerPaper } from './commands/paper.js';
import { registerLive } from './commands/live.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerReport } from './commands/report.js';
import { registerWalkForward } from './commands/walkforward.js';
import { registerWorker } from './commands/worker.js';
import { MarketSourceError } from '../live/feed/io-thread.js';
import { LiveVenueStopError } from '../live/live-run/run-live.js';
import type { CliIO } from './io.js';

/**
 * Exit statuses: 0 done; 1 a bug (with its stack), or the disk or device
 * failed (one line); 2 the user's mistake: bad data, flags, parameters,
 * config, a strategy that throws, an output path that cannot be written
 * (a message, no engine stack).
 */
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
  registerOptimize(program, io, done);
  registerWalkForward(program, io, done);
  registerData(program, io, done);
  registerIndicator(program, io, done);
  registerBook(program, io, done);
  registerReport(program, io, done);
  registerCompare(program, io, done);
  registerRecord(program, io, done);
  registerWorker(program, io, done);
  registerExchange(program, io, done);
  registerPaper(program, io, done);
  registerLive(program, io, done);
  registerReconcile(program, io, done);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_INPUT;
    }
    return reportFailure(e, io);
  }
}

/** What the user sees of an exception, and the exit status: one line for their mistakes, a stack only for bugs. */
function reportFailure(e: unknown, io: CliIO): number {
  if (e instanceof StrategyError) {
    const input = e.inputError;
    if (input !== undefined) {
      // A context call refused its arguments: that input error, at the strategy's call site.
      const at = e.frames.length > 0 ? ` (called at ${e.location}, ${e.stage})` : ` (in ${e.stage})`;
      input.issues.forEach((issue, i) => io.stderr.write(`error: ${formatIssue(issue)}${i === 0 ? at : ''}\n`));
    } else {
      io.stderr.write(`error: ${e.headline()}\n`);
      // A bug in the strategy: its own frames (a refused context call names its call site, which is enough).
      for (const f of e.frames) io.stderr.write(`    ${f.text}\n`);
    }
    for (const n of e.notes) io.stderr.write(`note: ${n}\n`);
    return EXIT_INPUT;
  }
  if (e instanceof InputError) {
    for (const issue of e.issues) io.stderr.write(`error: ${formatIssue(issue)}\n`);
    return EXIT_INPUT;
  }
  if (e instanceof OutputError) {
    io.stderr.write(`error: ${e.message}\n`);
    return e.diskFull || e.code === 'EIO' ? EXIT_BUG : EXIT_INPUT;
  }
  if (e instanceof LiveVenueStopError) {
    // The exchange holds what the run cannot account for: the run did not trade; its files say what was found.
    io.stderr.write(`error: ${e.message}\n`);
    return EXIT_BUG;
  }
  if (e instanceof MarketSourceError) {
    // Live market data that failed for good (the source's own words): not a bug, and the run's outputs are complete.
    io.stderr.write(`error: ${e.message}\n`);
    return EXIT_BUG;
  }
  const code = systemCode(e);
  if (code !== undefined && typeof (e as { syscall?: unknown }).syscall === 'string') {
    // A file operation failed: the system's own words, on one line.
    const fault = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EIO' || code === 'ENOMEM' || code === 'EMFILE' || code === 'ENFILE';
    io.stderr.write(`error: ${(e as Error).message}\n`);
    return fault ? EXIT_BUG : EXIT_INPUT;
  }
  io.stderr.write(`internal error (a bug, please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT_BUG;
}
