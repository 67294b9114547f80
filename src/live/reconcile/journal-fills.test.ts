import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/cli.js';
import { OrderJournal } from '../journal/index.js';
import { exactText } from './exact.js';
import { journalFills } from './journal-fills.js';

const work = tempDir('qf-journal-fills-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const fill = (clientOrderId: string, tradeId: string, time: number, more: { fee?: number; feeCurrency?: string } = {}) =>
  ({ kind: 'fill', time, clientOrderId, tradeId, symbol: 'BTC/USDT', side: 'buy', price: 100.5, quantity: 0.25, fee: more.fee ?? 0.025125, ...(more.feeCurrency !== undefined ? { feeCurrency: more.feeCurrency } : {}) }) as const;

/** Two sessions: the second took over an order of the first (one adopted), a fill of which the start's reconciliation applied. */
function twoSessions(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const { journal } = OrderJournal.open(join(dir, 'journal.qfj'));
  journal.appendNote({ kind: 'session', time: 1, runId: 'runAs1' });
  journal.appendNote({ kind: 'balances', time: 1, balances: { USDT: 1000 } });
  journal.appendReport(fill('runAs1-1', 't1', 10));
  journal.appendReport(fill('runAs1-2', 't2', 20));
  journal.appendNote({ kind: 'session', time: 30, runId: 'runAs2' });
  journal.appendReport(fill('runAs1-2', 't3', 25)); // filled while no session ran: in the opening account
  journal.appendNote({ kind: 'balances', time: 30, balances: { USDT: 900 } });
  journal.appendReport(fill('runAs1-2', 't4', 40)); // the adopted order fills again
  journal.appendReport(fill('runAs2-2', 't5', 50, { fee: 0.0001, feeCurrency: 'BNB' }));
  journal.appendReport(fill('runAs2-2', 't5', 50)); // the same trade reported twice
  journal.appendReport(fill('runAs2-3', 't6', 60));
  journal.close();
}

describe('a live session fills from the journal', () => {
  it("takes the session's fills after its start, numbered as the backtest numbers its intents", () => {
    const dir = join(work, 'two');
    twoSessions(dir);
    const fills = journalFills(dir, { runId: 'runAs2', adopted: 1 });
    expect(fills.map((f) => [f.orderId, f.seq, f.time, exactText(f.price), exactText(f.quantity), exactText(f.fee)])).toEqual([
      ['runAs1-2', 0, 40, '100.5', '0.25', '0.025125'],
      ['runAs2-2', 1, 50, '100.5', '0.25', '0'],
      ['runAs2-3', 2, 60, '100.5', '0.25', '0.025125'],
    ]);
    expect(journalFills(dir, { runId: 'runAs1', adopted: 0 }).map((f) => [f.orderId, f.seq])).toEqual([
      ['runAs1-1', 1],
      ['runAs1-2', 2],
    ]);
  });

  it('refuses a session the journal does not have, and a file that is not a journal, with one line', () => {
    const dir = join(work, 'two');
    expect(() => journalFills(dir, { runId: 'runB', adopted: 0 })).toThrow(`${join(dir, 'journal.qfj')}: field 'session' value 'runB'`);
    const bad = join(work, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'journal.qfj'), 'not a journal');
    expect(() => journalFills(bad, { runId: 'r', adopted: 0 })).toThrow(`${join(bad, 'journal.qfj')}: not a QuantFlow order journal`);
  });
});
