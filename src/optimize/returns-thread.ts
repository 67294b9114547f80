import { moduleUrl } from '../core/module-url.js';
import { oneShotThread } from '../core/one-shot-thread.js';
import { returnsTable, writeReturnsTable, type ReturnsTable } from './returns-csv.js';
import type { TrialOutcome } from './trial.js';

/**
 * Cells of returns.csv (trials x rows) from which it is written on a thread
 * of its own. Below it, the thread's start (about 60 ms here) costs more
 * than the writing: 250,000 numbers take about 40 ms. The ORCL grid's file
 * (80 trials x 5,035 rows) is 400,000; 1,000 random trials, 4.3 million.
 */
export const OFF_THREAD_CELLS = 250_000;

/** What the returns-csv worker is given. */
export interface ReturnsCsvJob {
  readonly path: string;
  readonly table: ReturnsTable;
}

/**
 * writeReturnsCsv, on a worker thread when the file is large, while the
 * caller goes on (the overfitting statistics, the report, the other
 * files); the same bytes either way. The returns are read in place: a
 * trial's are in shared memory (trial.ts); other arrays are copied to the
 * thread. Rejects as the write would throw (a system error keeps its code).
 */
export function writeReturnsCsvAsync(path: string, outcomes: readonly TrialOutcome[]): Promise<void> {
  let table: ReturnsTable;
  try {
    table = returnsTable(outcomes);
  } catch (e) {
    return Promise.reject(e);
  }
  const cells = table.trialIds.length * table.times.length;
  if (cells < OFF_THREAD_CELLS) return Promise.resolve().then(() => writeReturnsTable(path, table));
  return oneShotThread<'written'>(moduleUrl('optimize/returns-worker'), { path, table } satisfies ReturnsCsvJob).then(() => undefined);
}
