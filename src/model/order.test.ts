import { describe, expect, it } from 'vitest';
import type { MutableOrder, OrderStatus } from './order.js';
import { ORDER_TRANSITIONS, OrderStateError, draftOrder, isLive, transition } from './order.js';

function order(status: OrderStatus): MutableOrder {
  return {
    id: 1, clientOrderId: 'T-1', venueOrderId: '', activatedTime: 0, symbol: 'X', side: 'buy', type: 'market', quantity: 1, price: NaN, triggerPrice: NaN, trailOffset: 0, trailPercent: 0,
    timeInForce: 'gtc', expireTime: NaN, validBars: 0, reduceOnly: false, postOnly: false, tag: '', positionSide: undefined, status, reason: '',
    createdTime: 0, referencePrice: 1, filledTime: NaN, filledQuantity: 0, cancelledQuantity: 0, fillPrice: NaN, fee: 0,
    contingency: 'none', parentId: 0, ocoIds: [], triggered: false,
  };
}

describe('order state machine', () => {
  const all = Object.keys(ORDER_TRANSITIONS) as OrderStatus[];
  it('allows exactly the transitions in the table and throws on every other', () => {
    for (const from of all) {
      for (const to of all) {
        const o = order(from);
        if (ORDER_TRANSITIONS[from].includes(to)) {
          transition(o, to);
          expect(o.status).toBe(to);
        } else {
          expect(() => transition(o, to)).toThrow(OrderStateError);
          expect(o.status).toBe(from);
        }
      }
    }
  });
  it('final states have no way out; every other state is live', () => {
    for (const s of all) expect(ORDER_TRANSITIONS[s].length === 0).toBe(!isLive(s));
  });
});

describe('draftOrder', () => {
  it('gives a new order each call, the fields given over the defaults, the keys always in one order (records.test.ts: the order OrderManager makes them in)', () => {
    const a = draftOrder({ symbol: 'X', side: 'sell', quantity: 5, status: 'filled', positionSide: 'long' });
    expect(a).toMatchObject({ symbol: 'X', side: 'sell', quantity: 5, status: 'filled', positionSide: 'long', type: 'market', timeInForce: 'gtc', reason: '' });
    a.reason = 'changed';
    a.quantity = 7;
    const b = draftOrder({ symbol: 'Y', side: 'buy', quantity: 1 });
    expect(b).not.toBe(a);
    expect(b.reason).toBe('');
    expect(b.status).toBe('submitted');
    expect(b.positionSide).toBeUndefined();
    expect(Object.keys(b)).toEqual(Object.keys(a));
  });
});
