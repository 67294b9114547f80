import { describe, expect, it } from 'vitest';
import { reconcile, journalRecordsFor, type ExchangeSnapshot, type ReconcileOptions, type VenueFill, type VenueOrder } from './reconcile.js';
import { decodeRecord, type JournalRecord } from './records.js';
import { applyRecord, inFlightIntents, replayJournal } from './replay.js';

const SECOND = 1_000_000;
const request = { symbol: 'BTC/USDT', side: 'buy', type: 'limit', quantity: 2, price: 100 } as const;
const options: ReconcileOptions = { unknownOrders: 'adopt', resubmitWithinMicros: 60 * SECOND };

const journal: JournalRecord[] = [
  { kind: 'balances', time: 0, balances: { USDT: 1000, BTC: 0 } },
  { kind: 'submit', time: 1, clientOrderId: 'r-1', request },
  { kind: 'accepted', time: 2, clientOrderId: 'r-1', venueOrderId: 'v1' },
];
const open = (o: Partial<VenueOrder> = {}): VenueOrder => ({
  clientOrderId: 'r-1',
  venueOrderId: 'v1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  quantity: 2,
  price: 100,
  filled: 0,
  status: 'open',
  ...o,
});
const fill = (tradeId: string, quantity: number, o: Partial<VenueFill> = {}): VenueFill => ({
  tradeId,
  clientOrderId: 'r-1',
  venueOrderId: 'v1',
  symbol: 'BTC/USDT',
  side: 'buy',
  price: 100,
  quantity,
  fee: 0,
  time: 5,
  ...o,
});
const snapshot = (s: Partial<ExchangeSnapshot> = {}): ExchangeSnapshot => ({ time: 10 * SECOND, orders: [open()], fills: [], balances: { USDT: 1000, BTC: 0 }, ...s });
const kinds = (records: readonly JournalRecord[], snap: ExchangeSnapshot, opts = options) => reconcile(replayJournal(records), snap, opts).actions.map((a) => a.kind);

describe('reconcile', () => {
  it('has nothing to do when the journal and the exchange agree', () => {
    const r = reconcile(replayJournal(journal), snapshot(), options);
    expect(r.actions).toEqual([]);
    expect(r.stop).toBe(false);
    expect(r.balances).toEqual({ BTC: 0, USDT: 1000 });
  });

  it('applies the fills the journal lacks, each trade id once, and then agrees with the balances', () => {
    const withOne: JournalRecord[] = [...journal, { kind: 'fill', time: 4, clientOrderId: 'r-1', tradeId: 't1', symbol: 'BTC/USDT', side: 'buy', price: 100, quantity: 0.5, fee: 0 }];
    const snap = snapshot({ orders: [open({ filled: 2, status: 'filled' })], fills: [fill('t1', 0.5), fill('t2', 1.5), fill('t2', 1.5)], balances: { USDT: 800, BTC: 2 } });
    const r = reconcile(replayJournal(withOne), snap, options);
    expect(r.actions.map((a) => [a.kind, a.kind === 'applyFill' ? a.fill.tradeId : ''])).toEqual([['applyFill', 't2']]);
    expect(r.journalBalances).toEqual({ BTC: 2, USDT: 800 });
  });

  it('applies the acknowledgement and the end the journal missed', () => {
    const sent = journal.slice(0, 2);
    expect(kinds(sent, snapshot({ orders: [open({ status: 'cancelled' })] }))).toEqual(['applyAccepted', 'applyEnd']);
    expect(kinds(journal, snapshot({ orders: [open({ status: 'expired' })] }))).toEqual(['applyEnd']);
  });

  it('re-sends a submit the exchange never received while it is young and valid, else drops it', () => {
    const sent = [...journal.slice(0, 1), { kind: 'submit', time: 9 * SECOND, clientOrderId: 'r-1', request } as const];
    expect(kinds(sent, snapshot({ orders: [] }))).toEqual(['resubmit']);
    expect(kinds(sent, snapshot({ orders: [], time: 100 * SECOND }))).toEqual(['dropIntent']);
    const expiring = [...journal.slice(0, 1), { kind: 'submit', time: 9 * SECOND, clientOrderId: 'r-1', request: { ...request, expire: 9.5 * SECOND } } as const];
    const dropped = reconcile(replayJournal(expiring), snapshot({ orders: [] }), options).actions;
    expect(dropped).toEqual([{ kind: 'dropIntent', intent: 'submit', clientOrderId: 'r-1', reason: 'the exchange never received it and it is no longer valid' }]);
    // Never re-sent once the exchange traded it, even when its acknowledgement is lost and the lookup missed it.
    expect(kinds(sent, snapshot({ orders: [], fills: [fill('t1', 2)], balances: { USDT: 800, BTC: 2 } }))).toEqual(['applyFill']);
  });

  it('re-sends a cancel whose order is still open and drops one whose order is gone', () => {
    const cancelling: JournalRecord[] = [...journal, { kind: 'cancel', time: 3, clientOrderId: 'r-1' }];
    expect(kinds(cancelling, snapshot())).toEqual(['resendCancel']);
    expect(kinds(cancelling, snapshot({ orders: [open({ status: 'cancelled' })] }))).toEqual(['applyEnd']);
    expect(kinds(cancelling, snapshot({ orders: [open({ status: 'filled', filled: 2 })], fills: [fill('t1', 2)], balances: { USDT: 800, BTC: 2 } }))).toEqual([
      'applyFill',
      'dropIntent',
    ]);
    expect(kinds(cancelling, snapshot({ orders: [] }))).toEqual(['dropIntent', 'applyEnd']);
  });

  it('applies a modification the exchange shows, re-sends a young one it lacks, drops an old one', () => {
    const modifying: JournalRecord[] = [...journal, { kind: 'modify', time: 9 * SECOND, clientOrderId: 'r-1', changes: { price: 101 } }];
    expect(kinds(modifying, snapshot({ orders: [open({ price: 101 })] }))).toEqual(['applyModified']);
    expect(kinds(modifying, snapshot())).toEqual(['resendModify']);
    expect(kinds(modifying, snapshot({ time: 100 * SECOND }))).toEqual(['dropIntent']);
  });

  describe('a modify by cancel-replace in flight when the run stopped', () => {
    // r-1 partly filled (0.5 of 2), then changed to 3 at 101: the replacement r-1m1 is for 2.5.
    const replacing: JournalRecord[] = [
      ...journal,
      { kind: 'fill', time: 5, clientOrderId: 'r-1', tradeId: 't1', symbol: 'BTC/USDT', side: 'buy', price: 100, quantity: 0.5, fee: 0 },
      { kind: 'modify', time: 9 * SECOND, clientOrderId: 'r-1', changes: { price: 101, quantity: 3 }, replacement: { clientOrderId: 'r-1m1', quantity: 2.5 } },
    ];
    const balances = { USDT: 950, BTC: 0.5 };
    const original = (status: VenueOrder['status']) => open({ filled: 0.5, status });
    const replacement = open({ clientOrderId: 'r-1m1', venueOrderId: 'v2', quantity: 2.5, price: 101 });

    it('the exchange has the replacement: the order goes on as it, one order, never unknown', () => {
      const state = replayJournal(replacing);
      const result = reconcile(state, snapshot({ orders: [original('cancelled'), replacement], balances }), options);
      expect(result.actions.map((a) => a.kind)).toEqual(['applyModified']);
      for (const a of result.actions) for (const r of journalRecordsFor(a, 11 * SECOND)) applyRecord(state, r);
      const order = state.orders.get('r-1');
      expect(order).toMatchObject({ venueOrderId: 'v2', exchangeClientOrderId: 'r-1m1', replacedVenueOrderIds: ['v1'], legBase: 0.5, filledQuantity: 0.5, pendingModify: undefined });
      expect(order?.request).toMatchObject({ price: 101, quantity: 3 });
      expect(inFlightIntents(state)).toEqual([]);
      // Journalled, the state replays to the same.
      const again = replayJournal([...replacing, ...result.actions.flatMap((a) => journalRecordsFor(a, 11 * SECOND))]);
      expect(again.orders.get('r-1')).toEqual(order);
    });

    it('the replacement ended at the exchange: the order ends with it', () => {
      const ended = open({ clientOrderId: 'r-1m1', venueOrderId: 'v2', quantity: 2.5, price: 101, status: 'cancelled' });
      expect(kinds(replacing, snapshot({ orders: [original('cancelled'), ended], balances }))).toEqual(['applyModified', 'applyEnd']);
    });

    it('no replacement and the original still open: the modify is dropped, never sent again', () => {
      const result = reconcile(replayJournal(replacing), snapshot({ orders: [original('open')], balances }), options);
      expect(result.actions.map((a) => [a.kind, 'intent' in a ? a.intent : ''])).toEqual([['dropIntent', 'modify']]);
    });

    it('no replacement and the original cancelled (the new order failed): the modify is dropped and the order ends', () => {
      expect(kinds(replacing, snapshot({ orders: [original('cancelled')], balances }))).toEqual(['dropIntent', 'applyEnd']);
      expect(kinds(replacing, snapshot({ orders: [], balances }))).toEqual(['dropIntent', 'applyEnd']);
    });

    it('a replacement journalled as modified is looked up by its own client order id later', () => {
      const done = [...replacing, { kind: 'modified', time: 10 * SECOND, clientOrderId: 'r-1', changes: { price: 101, quantity: 3 }, replacement: { clientOrderId: 'r-1m1', quantity: 2.5 }, venueOrderId: 'v2' } as const];
      // Open at the exchange under its replacement's ids: the run's, not unknown; filled 1 of 2.5 there is 1.5 of 3 for the run.
      const filled = reconcile(replayJournal(done), snapshot({ orders: [open({ clientOrderId: 'r-1m1', venueOrderId: 'v2', quantity: 2.5, price: 101, filled: 1 })], fills: [fill('t2', 1, { venueOrderId: 'v2' })], balances: { USDT: 850, BTC: 1.5 } }), options);
      expect(filled.actions.map((a) => a.kind)).toEqual(['applyFill']);
    });
  });

  describe('a modify by hand (cancel, then the replacement) in flight when the run stopped', () => {
    // r-1 (2 at 100, 0.5 filled) changed to 3 at 101 by hand: the replacement r-1m1 for what remains.
    const intent: JournalRecord[] = [
      ...journal,
      { kind: 'fill', time: 5, clientOrderId: 'r-1', tradeId: 't1', symbol: 'BTC/USDT', side: 'buy', price: 100, quantity: 0.5, fee: 0 },
      { kind: 'modify', time: 9 * SECOND, clientOrderId: 'r-1', changes: { price: 101, quantity: 3 }, replacement: { clientOrderId: 'r-1m1', quantity: 2.5 }, modifyBy: 'cancel-replace' },
    ];
    const balances = { USDT: 950, BTC: 0.5 };
    const original = (status: VenueOrder['status'], filled = 0.5) => open({ filled, status });
    const replacementOf = (quantity: number) => open({ clientOrderId: 'r-1m1', venueOrderId: 'v2', quantity, price: 101 });
    const actionsOf = (records: readonly JournalRecord[], snap: ExchangeSnapshot) => reconcile(replayJournal(records), snap, options).actions;

    it('the cancel never sent or never landed (the original open, no replacement): the modify is dropped, the order works as it was', () => {
      const actions = actionsOf(intent, snapshot({ orders: [original('open')], balances }));
      expect(actions.map((a) => [a.kind, 'intent' in a ? a.intent : ''])).toEqual([['dropIntent', 'modify']]);
      const state = replayJournal(intent);
      for (const a of actions) for (const r of journalRecordsFor(a, 11 * SECOND)) applyRecord(state, r);
      expect(state.orders.get('r-1')).toMatchObject({ venueOrderId: 'v1', pendingModify: undefined, terminal: undefined, request: request });
    });

    it('the cancel landed and the replacement never reached the exchange: the replacement is sent for what remains, fills the journal lacks counted', () => {
      // 0.3 more traded before the cancel landed; the run never heard of it.
      const snap = snapshot({ orders: [original('cancelled', 0.8)], fills: [fill('t1', 0.5), fill('t2', 0.3)], balances: { USDT: 920, BTC: 0.8 } });
      const state = replayJournal(intent);
      const actions = reconcile(state, snap, options).actions;
      expect(actions.map((a) => a.kind)).toEqual(['applyFill', 'sendReplacement']);
      expect(actions[1]).toMatchObject({ kind: 'sendReplacement', clientOrderId: 'r-1', changes: { price: 101, quantity: 3 }, replacement: { clientOrderId: 'r-1m1', quantity: 2.2 } });
      const records = actions.flatMap((a) => journalRecordsFor(a, 11 * SECOND));
      expect(records.at(-1)).toEqual({ kind: 'replace', time: 11 * SECOND, clientOrderId: 'r-1', replacement: { clientOrderId: 'r-1m1', quantity: 2.2 } });
      for (const r of records) applyRecord(state, r);
      // Not ended: the order goes on through its replacement.
      expect(state.orders.get('r-1')).toMatchObject({ terminal: undefined, filledQuantity: 0.8, pendingModify: { replacement: { clientOrderId: 'r-1m1', quantity: 2.2 }, replacing: true } });
      expect(state.replacementIds.get('r-1m1')).toBe('r-1');
    });

    it('the replacement sent and no answer: found by its client order id it is the order (its quantity as the exchange has it); not found it is sent again under the same id', () => {
      const sent: JournalRecord[] = [...intent, { kind: 'replace', time: 10 * SECOND, clientOrderId: 'r-1', replacement: { clientOrderId: 'r-1m1', quantity: 2.5 } }];
      const found = actionsOf(sent, snapshot({ orders: [original('cancelled'), replacementOf(2.5)], balances }));
      expect(found).toEqual([
        { kind: 'applyModified', clientOrderId: 'r-1', changes: { price: 101, quantity: 3 }, replacement: { clientOrderId: 'r-1m1', quantity: 2.5, venueOrderId: 'v2' }, reason: 'the exchange has the replacement r-1m1 (order v2)' },
      ]);
      const state = replayJournal(sent);
      for (const a of found) for (const r of journalRecordsFor(a, 11 * SECOND)) applyRecord(state, r);
      expect(state.orders.get('r-1')).toMatchObject({ venueOrderId: 'v2', exchangeClientOrderId: 'r-1m1', legBase: 0.5, pendingModify: undefined });
      expect(inFlightIntents(state)).toEqual([]);
      expect(actionsOf(sent, snapshot({ orders: [original('cancelled')], balances })).map((a) => a.kind)).toEqual(['sendReplacement']);
    });

    it('the original filled completely before the cancel landed: its fills applied, the modify dropped, no replacement', () => {
      const snap = snapshot({ orders: [original('filled', 2)], fills: [fill('t1', 0.5), fill('t2', 1.5)], balances: { USDT: 800, BTC: 2 } });
      expect(actionsOf(intent, snap).map((a) => [a.kind, 'intent' in a ? a.intent : ''])).toEqual([
        ['applyFill', ''],
        ['dropIntent', 'modify'],
      ]);
    });

    it('not sent when too old, when nothing remains, or when a cancel of the order followed: the modify dropped and the order ends cancelled', () => {
      const cancelled = snapshot({ orders: [original('cancelled')], balances });
      expect(kinds(intent, { ...cancelled, time: 100 * SECOND })).toEqual(['dropIntent', 'applyEnd']);
      const shrunk: JournalRecord[] = [...journal, { kind: 'fill', time: 5, clientOrderId: 'r-1', tradeId: 't1', symbol: 'BTC/USDT', side: 'buy', price: 100, quantity: 0.5, fee: 0 }, { kind: 'modify', time: 9 * SECOND, clientOrderId: 'r-1', changes: { quantity: 0.5 }, replacement: { clientOrderId: 'r-1m1', quantity: 0.1 }, modifyBy: 'cancel-replace' }];
      expect(actionsOf(shrunk, cancelled)[0]).toMatchObject({ kind: 'dropIntent', reason: 'the order was cancelled and nothing remains to replace (filled 0.5 of 0.5)' });
      expect(kinds([...intent, { kind: 'cancel', time: 9.5 * SECOND, clientOrderId: 'r-1' }], cancelled)).toEqual(['dropIntent', 'applyEnd']);
    });

    it('journals and decodes: the modify keeps modifyBy, the replace intent round-trips', () => {
      const replace: JournalRecord = { kind: 'replace', time: 10 * SECOND, clientOrderId: 'r-1', replacement: { clientOrderId: 'r-1m1', quantity: 2.5 } };
      for (const record of [intent.at(-1) as JournalRecord, replace]) expect(decodeRecord(JSON.stringify(record))).toEqual({ ok: true, record });
      expect(replayJournal(intent).orders.get('r-1')?.pendingModify).toMatchObject({ modifyBy: 'cancel-replace', replacement: { clientOrderId: 'r-1m1', quantity: 2.5 } });
    });
  });

  it('adopts, cancels or stops on an open order the run does not know', () => {
    const stranger = open({ clientOrderId: 'web-7', venueOrderId: 'v9', side: 'sell', quantity: 1, price: 130 });
    const snap = snapshot({ orders: [open(), stranger] });
    const adopt = reconcile(replayJournal(journal), snap, options);
    expect(adopt.actions).toEqual([{ kind: 'adoptOrder', order: stranger, reason: "open order v9 (client id web-7): sell 1 BTC/USDT is not the run's; adopted" }]);
    expect(kinds(journal, snap, { ...options, unknownOrders: 'cancel' })).toEqual(['cancelUnknownOrder']);
    const stop = reconcile(replayJournal(journal), snap, { ...options, unknownOrders: 'stop' });
    expect(stop.stop).toBe(true);
    // Once adopted and journalled, the order is the run's.
    const state = replayJournal(journal);
    for (const record of journalRecordsFor(adopt.actions[0]!, 11)) applyRecord(state, record);
    expect(reconcile(state, snap, options).actions).toEqual([]);
  });

  it('sets balances the fills do not explain to the exchange\'s, with the difference', () => {
    const r = reconcile(replayJournal(journal), snapshot({ balances: { USDT: 1250, BTC: 0 } }), options);
    expect(r.actions).toEqual([{ kind: 'adjustBalance', currency: 'USDT', journal: 1000, exchange: 1250, reason: "USDT: the journal's fills give 1000, the exchange holds 1250 (difference 250); set to the exchange's" }]);
    expect(r.balances).toEqual({ BTC: 0, USDT: 1250 });
  });

  it("a new run's journal (no balances note) takes the exchange's balances without an adjustment", () => {
    const r = reconcile(replayJournal([]), snapshot({ orders: [], balances: { USDT: 100000, BTC: 1 } }), options);
    expect(r.actions).toEqual([]);
    expect(r.balances).toEqual({ BTC: 1, USDT: 100000 });
  });

  it('leaves nothing in flight once its records are journalled', () => {
    const records: JournalRecord[] = [...journal.slice(0, 1), { kind: 'submit', time: 9 * SECOND, clientOrderId: 'r-1', request }, { kind: 'submit', time: 9 * SECOND, clientOrderId: 'r-2', request }, { kind: 'cancel', time: 9 * SECOND, clientOrderId: 'r-1' }];
    const state = replayJournal(records);
    const r = reconcile(state, snapshot({ orders: [open({ status: 'cancelled' })], time: 100 * SECOND }), options);
    for (const action of r.actions) for (const record of journalRecordsFor(action, 100 * SECOND)) applyRecord(state, record);
    expect(inFlightIntents(state)).toEqual([]);
  });
});
