import { describe, expect, it } from 'vitest';
import type { OrderFills } from './decompose.js';
import { exactOf, exactText } from './exact.js';
import { aggregateFills, type FillRecord } from './order-fills.js';
import { pairOrders } from './reconcile-run.js';

const order = (seq: number, side: 'buy' | 'sell', symbol = 'BTC/USDT'): OrderFills => ({
  seq,
  symbol,
  side,
  quantity: exactOf(1),
  notional: exactOf(100),
  fees: exactOf(0.1),
  time: seq * 60_000_000,
  lastPrice: exactOf(100),
  fills: 1,
});

describe('pairing orders by intent', () => {
  it('pairs by sequence number, symbol and side; the rest stand alone, in number order', () => {
    const live = [order(1, 'buy'), order(2, 'sell'), order(4, 'buy'), order(5, 'buy', 'ETH/USDT')];
    const modeled = [order(1, 'buy'), order(2, 'buy'), order(3, 'sell'), order(5, 'buy')];
    const pairs = pairOrders(live, modeled).map(([l, b]) => [l?.seq ?? null, l?.side ?? null, b?.seq ?? null, b?.side ?? null]);
    expect(pairs).toEqual([
      [1, 'buy', 1, 'buy'],
      [2, 'sell', null, null],
      [null, null, 2, 'buy'],
      [null, null, 3, 'sell'],
      [4, 'buy', null, null],
      [5, 'buy', null, null],
      [null, null, 5, 'buy'],
    ]);
  });

  it('aggregates partial fills: summed quantity, notional and fees, first time, last price', () => {
    const fill = (qty: string, price: string, fee: string, time: number): FillRecord => ({
      orderId: '7',
      seq: 7,
      symbol: 'BTC/USDT',
      side: 'sell',
      time,
      quantity: exactOf(Number(qty)),
      price: exactOf(Number(price)),
      fee: exactOf(Number(fee)),
    });
    const [o, ...rest] = aggregateFills([fill('0.1', '100.1', '0.01001', 5), fill('0.2', '100.2', '0.02004', 9)]);
    expect(rest).toHaveLength(0);
    expect([exactText(o!.quantity), exactText(o!.notional), exactText(o!.fees), o!.time, exactText(o!.lastPrice), o!.fills]).toEqual(['0.3', '30.05', '0.03005', 5, '100.2', 2]);
  });
});
