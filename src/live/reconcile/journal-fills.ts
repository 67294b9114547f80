import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { JOURNAL_FILE, quoteFeeOf, readJournal, type JournalRecord } from '../journal/index.js';
import type { FillRecord } from './order-fills.js';
import { ZERO, exactOf } from './exact.js';

/** The session of a live run that reconcile holds against the backtest: the last one (its summary.json, fills.csv and market-data/ are that session's). */
export interface LiveSession {
  /** The session's client order id prefix (`summary.json` live.venue.run_id). */
  readonly runId: string;
  /** Orders working at the exchange when the session started, taken into it before its own (they hold order ids 1..adopted). */
  readonly adopted: number;
}

/**
 * A live session's fills as the exchange reported them, from the run's
 * journal (read only: a torn tail is left as it is and not read): every fill
 * journalled after the session's start (its `session` note and the
 * reconciliation that follows it up to the last `balances` note), with the
 * exchange's trade time, price, quantity and fee. The session's own orders
 * (`<runId>-<n>`) get the number the backtest gives the same intent, `n -
 * adopted`; fills of orders the session did not place (taken over at its
 * start) get number 0 and pair with nothing. A fee charged in another
 * currency than the symbol's quote counts as 0 here (the difference ends in
 * the `other` part).
 */
export function journalFills(dir: string, session: LiveSession): FillRecord[] {
  const file = join(dir, JOURNAL_FILE);
  const records = readJournal(file);
  let start = -1;
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i] as JournalRecord;
    if (r.kind === 'session' && r.runId === session.runId) {
      start = i;
      break;
    }
  }
  if (start < 0) throw new InputError({ code: 'invalid_config', file, field: 'session', value: session.runId, message: "the journal has no session of the run's summary.json (live.venue.run_id)" });
  // The start's reconciliation ends with its (last) balances note; fills before it are in the session's opening account.
  let from = start + 1;
  for (let i = start + 1; i < records.length; i++) {
    const r = records[i] as JournalRecord;
    if (r.kind === 'session') break;
    if (r.kind === 'balances') from = i + 1;
  }
  const prefix = `${session.runId}-`;
  const fills: FillRecord[] = [];
  const seen = new Set<string>();
  for (let i = from; i < records.length; i++) {
    const r = records[i] as JournalRecord;
    if (r.kind === 'session') break;
    if (r.kind !== 'fill' || seen.has(r.tradeId)) continue;
    seen.add(r.tradeId);
    const n = r.clientOrderId.startsWith(prefix) ? Number(r.clientOrderId.slice(prefix.length)) : NaN;
    const seq = Number.isInteger(n) && n > session.adopted ? n - session.adopted : 0;
    const quoteFee = quoteFeeOf(r);
    const fee = quoteFee !== undefined ? exactOf(quoteFee) : ZERO;
    fills.push({ orderId: r.clientOrderId, seq, symbol: r.symbol, side: r.side, time: r.time, quantity: exactOf(r.quantity), price: exactOf(r.price), fee });
  }
  return fills;
}
