import { describe, expect, it } from 'vitest';
import type { JournalRecord } from './records.js';
import { inFlightIntents, kernelFeeOf, orderStatus, ordersToLookUp, replayJournal } from './replay.js';

const request = { symbol: 'BTC/USDT', side: 'buy', type: 'limit', quantity: 2, price: 100 } as const;
const base: JournalRecord[] = [
  { kind: 'balances', time: 0, balances: { USDT: 1000 } },
  { kind: 'submit', time: 1, clientOrderId: 'r-1', request },
  { kind: 'accepted', time: 2, clientOrderId: 'r-1', venueOrderId: 'v1' },
  { kind: 'fill', time: 3, clientOrderId: 'r-1', tradeId: 't1', symbol: 'BTC/USDT', side: 'buy', price: 100, quantity: 0.5, fee: 0.25 },
  { kind: 'fill', time: 4, clientOrderId: 'r-1', tradeId: 't2', symbol: 'BTC/USDT', side: 'buy', price: 99, quantity: 1.5, fee: 0.5 },
  { kind: 'submit', time: 5, clientOrderId: 'r-2', request: { ...request, side: 'sell', price: 120 } },
  { kind: 'accepted', time: 6, clientOrderId: 'r-2', venueOrderId: 'v2' },
  { kind: 'cancel', time: 7, clientOrderId: 'r-2' },
  { kind: 'submit', time: 8, clientOrderId: 'r-3', request },
];

describe('replayJournal', () => {
  it('gives orders by client order id with their last state, fills by trade id and the balances', () => {
    const state = replayJournal(base);
    expect([...state.orders.keys()]).toEqual(['r-1', 'r-2', 'r-3']);
    expect(orderStatus(state.orders.get('r-1')!)).toBe('filled');
    expect(orderStatus(state.orders.get('r-2')!)).toBe('accepted');
    expect(orderStatus(state.orders.get('r-3')!)).toBe('sent');
    expect([...state.fills.keys()]).toEqual(['t1', 't2']);
    // 1000 - 50 - 0.25 - 148.5 - 0.5
    expect(Object.fromEntries(state.balances)).toEqual({ USDT: 800.75, BTC: 2 });
    expect(inFlightIntents(state)).toEqual([
      { kind: 'cancel', clientOrderId: 'r-2', time: 7 },
      { kind: 'submit', clientOrderId: 'r-3', time: 8 },
    ]);
    expect(ordersToLookUp(state)).toEqual(['r-2', 'r-3']);
  });

  it('counts a fill reported twice once', () => {
    const fill = base[3] as JournalRecord;
    const state = replayJournal([...base, fill, { ...(fill as object), time: 99 } as JournalRecord]);
    expect(state.fills.size).toBe(2);
    expect(state.orders.get('r-1')!.filledQuantity).toBe(2);
    expect(Object.fromEntries(state.balances)).toEqual({ USDT: 800.75, BTC: 2 });
  });

  it('reaches the same state whatever order the reports came in', () => {
    const reports: JournalRecord[] = [
      { kind: 'fill', time: 3, clientOrderId: 'r-2', tradeId: 't3', symbol: 'BTC/USDT', side: 'sell', price: 120, quantity: 1, fee: 0 },
      { kind: 'cancelled', time: 9, clientOrderId: 'r-2' },
      { kind: 'accepted', time: 2, clientOrderId: 'r-3', venueOrderId: 'v3' },
      { kind: 'fill', time: 10, clientOrderId: 'r-3', tradeId: 't4', symbol: 'BTC/USDT', side: 'buy', price: 100, quantity: 2, fee: 0 },
      { kind: 'expired', time: 11, clientOrderId: 'r-3' },
    ];
    const forward = replayJournal([...base, ...reports]);
    const backward = replayJournal([...base, ...reports.slice().reverse()]);
    for (const state of [forward, backward]) {
      expect(orderStatus(state.orders.get('r-2')!)).toBe('cancelled');
      expect(state.orders.get('r-2')!.filledQuantity).toBe(1);
      expect(orderStatus(state.orders.get('r-3')!)).toBe('filled');
      expect(state.orders.get('r-3')!.venueOrderId).toBe('v3');
      expect(inFlightIntents(state)).toEqual([]);
    }
    expect(Object.fromEntries(backward.balances)).toEqual(Object.fromEntries(forward.balances));
  });

  it('applies a confirmed modification and forgets a refused one', () => {
    const state = replayJournal([
      ...base,
      { kind: 'modify', time: 9, clientOrderId: 'r-2', changes: { price: 125 } },
      { kind: 'cancelRejected', time: 10, clientOrderId: 'r-2', reason: 'too late' },
      { kind: 'modified', time: 11, clientOrderId: 'r-2', changes: { price: 125 } },
      { kind: 'modify', time: 12, clientOrderId: 'r-2', changes: { quantity: 1 } },
    ]);
    const order = state.orders.get('r-2')!;
    expect(order.request.price).toBe(125);
    expect(order.request.quantity).toBe(2);
    expect(inFlightIntents(state)).toEqual([
      { kind: 'modify', clientOrderId: 'r-2', time: 12, changes: { quantity: 1 } },
      { kind: 'submit', clientOrderId: 'r-3', time: 8 },
    ]);
  });

  it('starts the balances again from each balances note', () => {
    const state = replayJournal([...base, { kind: 'balances', time: 20, balances: { USDT: 500, BTC: 1 } }]);
    expect(Object.fromEntries(state.balances)).toEqual({ USDT: 500, BTC: 1 });
  });
});

describe('kernelFeeOf: how a fill pays its commission in the run', () => {
  const fill = (side: 'buy' | 'sell', fee: number, feeCurrency?: string) => ({ symbol: 'BTC/USDT', side, price: 40000, quantity: 0.5, fee, ...(feeCurrency !== undefined ? { feeCurrency } : {}) });
  it("a buy's commission in the base asset, in kind; in the quote (or unnamed), as charged", () => {
    expect(kernelFeeOf(fill('buy', 0.0005, 'BTC'))).toEqual({ fee: undefined, feeInKind: 0.0005 });
    expect(kernelFeeOf(fill('sell', 20, 'USDT'))).toEqual({ fee: 20, feeInKind: undefined });
    expect(kernelFeeOf(fill('buy', 20))).toEqual({ fee: 20, feeInKind: undefined });
  });
  it('a base commission it cannot take in kind, at its value from cash, with a note; a third currency, none (the fee model), with a note', () => {
    expect(kernelFeeOf(fill('sell', 0.0005, 'BTC'))).toEqual({ fee: 20, feeInKind: undefined, note: { kind: 'fee_from_cash', text: expect.stringMatching(/is on a sell/) } });
    expect(kernelFeeOf(fill('buy', 0.5, 'BTC'))).toMatchObject({ fee: 20000, feeInKind: undefined, note: { kind: 'fee_from_cash' } });
    expect(kernelFeeOf(fill('buy', 0.01, 'BNB'))).toEqual({ fee: undefined, feeInKind: undefined, note: { kind: 'fee_estimated', text: expect.stringMatching(/0\.01 BNB is in neither currency of BTC\/USDT/) } });
    expect(kernelFeeOf(fill('buy', 0, 'BNB'))).toEqual({ fee: undefined, feeInKind: undefined });
  });
});
