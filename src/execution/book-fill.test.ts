import { describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/engine.js';
import type { OrderBook } from '../model/order-book.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { bookFeed, type BookRow } from '../../test/helpers/feeds.js';

type Row = BookRow;

class Scripted extends Strategy<{ steps: Record<number, (ctx: StrategyContext, book: OrderBook) => void> }> {
  i = 0;
  override onBook(book: OrderBook, ctx: StrategyContext): void {
    this.params.steps[this.i++]?.(ctx, book);
  }
}

const snapshot: Row[] = [
  [1, 100, 5],
  [1, 99, 10],
  [-1, 101, 3],
  [-1, 102, 4],
  [-1, 103, 10],
];

describe('L2 book fills', () => {
  it('a market order walks the levels: a fill per level, at their prices', () => {
    const r = runBacktest({
      strategy: new Scripted({ steps: { 0: (ctx) => ctx.buy(5) } }),
      feeds: [bookFeed('BTC', [snapshot, [[1, 99, 11]]])],
      cash: 1e6,
    });
    expect(r.fills.map((f) => [f.quantity, f.price, f.liquidity])).toEqual([
      [3, 101, 'taker'],
      [2, 102, 'taker'],
    ]);
    expect(r.orders[0]).toMatchObject({ status: 'filled', fillPrice: (3 * 101 + 2 * 102) / 5 });
    expect(r.bookEvents).toBe(2);
  });

  it('fok takes all or nothing; ioc what is displayed', () => {
    const r = runBacktest({
      strategy: new Scripted({ steps: { 0: (ctx) => { ctx.buy(20, { timeInForce: 'fok' }); ctx.buy(20, { timeInForce: 'ioc' }); } } }),
      feeds: [bookFeed('BTC', [snapshot, [[1, 99, 11]]])],
      cash: 1e6,
    });
    expect(r.orders[0]).toMatchObject({ status: 'cancelled', reason: 'fok_unfilled', filledQuantity: 0 });
    expect(r.orders[1]).toMatchObject({ status: 'cancelled', reason: 'ioc_remainder', filledQuantity: 17 });
  });

  it('a marketable limit takes up to its price, then rests in the queue behind what was displayed', () => {
    const r = runBacktest({
      strategy: new Scripted({ steps: { 0: (ctx) => ctx.buy(6, { limit: 101 }) } }),
      feeds: [
        bookFeed('BTC', [
          snapshot,
          [[1, 99, 11]], // takes 3 @ 101; the rest (3) rests at 101, an empty bid level: nothing ahead
          [[1, 101, 2]], // others join behind
          [[1, 101, 1]], // 1 leaves the level: nothing was ahead, so it traded against us
          [[-1, 101, 0], [-1, 100.5, 1]], // the ask moves through our price: hit at our price
        ]),
      ],
      cash: 1e6,
    });
    expect(r.fills.map((f) => [f.quantity, f.price, f.liquidity])).toEqual([
      [3, 101, 'taker'],
      [1, 101, 'maker'],
      [1, 101, 'maker'],
    ]);
    expect(r.orders[0]!.filledQuantity).toBe(5);
  });

  it('a resting limit fills only after the volume ahead of it has gone', () => {
    const r = runBacktest({
      strategy: new Scripted({ steps: { 0: (ctx) => ctx.buy(4, { limit: 100 }) } }),
      feeds: [
        bookFeed('BTC', [
          snapshot,
          [[1, 99, 11]], // joins behind 5 at 100
          [[1, 100, 2]], // 3 leave: still 2 ahead
          [[1, 100, 7]], // 5 join behind
          [[1, 100, 3]], // 4 leave: 2 ahead gone, 2 reach us
        ]),
      ],
      cash: 1e6,
    });
    expect(r.fills.map((f) => [f.quantity, f.price, f.liquidity])).toEqual([[2, 100, 'maker']]);
    expect(r.orders[0]).toMatchObject({ status: 'partially_filled', filledQuantity: 2 });
  });

  it('a stop reads the touch, then walks the book', () => {
    const r = runBacktest({
      strategy: new Scripted({ steps: { 0: (ctx) => ctx.buy(4, { stop: 102 }) } }),
      feeds: [bookFeed('BTC', [snapshot, [[-1, 101, 0]], [[-1, 102, 2]]])],
      cash: 1e6,
    });
    // Event 2: best ask 102 >= 102 triggers; walks 4 @ 102 (ask 102 x 4).  Event 3 never needed.
    expect(r.fills.map((f) => [f.quantity, f.price])).toEqual([[4, 102]]);
  });
});
