import { InvariantError } from '../core/errors.js';
import { CsvFileWriter } from '../report/csv-file-writer.js';
import type { TrialOutcome } from './trial.js';

/**
 * What returns.csv holds: the ok trials' ids and returns (one column each,
 * all of one length) and the equity times (one more than the returns: a
 * return's time is that of the equity point it ends at).
 */
export interface ReturnsTable {
  readonly trialIds: readonly number[];
  readonly returns: readonly Float64Array[];
  /** Empty when there are no ok trials. */
  readonly times: Float64Array;
}

/**
 * The returns table of a sweep's outcomes. Every trial of a sweep runs over
 * the same data, so they share the time column (the times come from the
 * first ok trial that carries them).
 */
export function returnsTable(outcomes: readonly TrialOutcome[]): ReturnsTable {
  const ok = outcomes.filter((o) => o.status === 'ok');
  const first = ok[0];
  if (first === undefined) return { trialIds: [], returns: [], times: new Float64Array(0) };
  const n = first.returns.length;
  const times = ok.find((o) => o.times.length > 0)?.times;
  if (times === undefined || times.length !== n + 1) throw new InvariantError('returns.csv: no trial carries the equity times');
  for (const o of ok) {
    if (o.returns.length !== n) throw new InvariantError(`trial ${o.trial} has ${o.returns.length} returns, trial ${first.trial} has ${n}`);
  }
  return { trialIds: ok.map((o) => o.trial), returns: ok.map((o) => o.returns), times };
}

/**
 * returns.csv: `time`, then one column per ok trial (headed by its number):
 * the simple returns between consecutive equity points. Written row by row
 * in large blocks: a big sweep's file is far larger than anything worth
 * holding as one string.
 */
export function writeReturnsCsv(path: string, outcomes: readonly TrialOutcome[]): void {
  writeReturnsTable(path, returnsTable(outcomes));
}

/** returns.csv from its table (see writeReturnsCsv). */
export function writeReturnsTable(path: string, table: ReturnsTable): void {
  const columns = table.returns;
  const times = table.times;
  const w = new CsvFileWriter(path);
  try {
    w.text('time');
    for (const id of table.trialIds) {
      w.comma();
      w.int(id);
    }
    w.endRow();
    const n = columns.length > 0 ? times.length - 1 : 0;
    for (let i = 0; i < n; i++) {
      w.time(times[i + 1] as number);
      for (let k = 0; k < columns.length; k++) {
        w.comma();
        w.number((columns[k] as Float64Array)[i] as number);
      }
      w.endRow();
    }
  } finally {
    w.close();
  }
}
