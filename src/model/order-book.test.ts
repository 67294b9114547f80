import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookColumns, F_CLEAR, F_LAST, F_SNAPSHOT } from './market.js';
import { BOOK_ASK, BOOK_BID, BookWalk, OrderBook, QueuePosition, walkBook } from './order-book.js';

/** Both sides of a book as [price, size] pairs, best first. */
function levelsOf(book: OrderBook): { bids: number[][]; asks: number[][] } {
  const side = (s: typeof book.bids): number[][] => Array.from({ length: s.count }, (_, i) => [s.price(i), s.size(i)]);
  return { bids: side(book.bids), asks: side(book.asks) };
}

/** A plain reference: a Map per side, sorted on demand. */
class MapBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  update(side: number, price: number, size: number): void {
    const m = side > 0 ? this.bids : this.asks;
    if (size === 0) m.delete(price);
    else m.set(price, size);
  }
  levels(): { bids: number[][]; asks: number[][] } {
    return {
      bids: [...this.bids].sort((a, b) => b[0]! - a[0]!),
      asks: [...this.asks].sort((a, b) => a[0]! - b[0]!),
    };
  }
  bestBid(): number {
    return this.bids.size === 0 ? NaN : Math.max(...this.bids.keys());
  }
  bestAsk(): number {
    return this.asks.size === 0 ? NaN : Math.min(...this.asks.keys());
  }
}

describe('OrderBook', () => {
  it('inserts, changes and deletes levels, keeping each side best first', () => {
    const b = new OrderBook('X', 2); // tiny capacity: growth is exercised
    b.update(BOOK_BID, 100, 1);
    b.update(BOOK_BID, 99.5, 2);
    b.update(BOOK_BID, 100.5, 3);
    b.update(BOOK_ASK, 101, 4);
    b.update(BOOK_ASK, 102, 5);
    b.update(BOOK_ASK, 100.75, 6);
    expect(levelsOf(b)).toEqual({
      bids: [
        [100.5, 3],
        [100, 1],
        [99.5, 2],
      ],
      asks: [
        [100.75, 6],
        [101, 4],
        [102, 5],
      ],
    });
    b.update(BOOK_BID, 100, 7); // change
    b.update(BOOK_ASK, 100.75, 0); // delete the best ask
    b.update(BOOK_ASK, 50, 0); // delete of a level that is not there: nothing
    expect(b.bestBid).toBe(100.5);
    expect(b.bestBidSize).toBe(3);
    expect(b.bestAsk).toBe(101);
    expect(b.bestAskSize).toBe(4);
    expect(b.sizeAt(BOOK_BID, 100)).toBe(7);
    expect(b.sizeAt(BOOK_ASK, 100.75)).toBe(0);
    expect(b.bids.count).toBe(3);
    expect(b.asks.count).toBe(2);
    b.bids.assertValid();
    b.asks.assertValid();
  });

  it('gives spread and mid as exact decimals, NaN with an empty side', () => {
    const b = new OrderBook();
    expect(b.spread()).toBeNaN();
    expect(b.mid()).toBeNaN();
    expect(b.bestBid).toBeNaN();
    expect(b.bestBidSize).toBe(0);
    b.update(BOOK_BID, 20472.1, 1);
    expect(b.spread()).toBeNaN();
    b.update(BOOK_ASK, 20472.2, 1);
    expect(20472.2 - 20472.1).not.toBe(0.1); // what plain floats give
    expect(b.spread()).toBe(0.1);
    expect(b.mid()).toBe(20472.15);
  });

  it('says when the book is crossed or locked', () => {
    const b = new OrderBook();
    b.update(BOOK_BID, 10, 1);
    b.update(BOOK_ASK, 11, 1);
    expect(b.isCrossed()).toBe(false);
    b.update(BOOK_BID, 11, 1);
    expect(b.isCrossed()).toBe(true); // locked
    b.update(BOOK_BID, 11, 0);
    b.update(BOOK_BID, 12, 1);
    expect(b.isCrossed()).toBe(true);
    b.clear(BOOK_ASK);
    expect(b.isCrossed()).toBe(false);
    expect(b.bids.count).toBe(2);
    b.clear();
    expect(b.bids.count).toBe(0);
  });

  it('copies the best n levels and counts levels at or better than a price', () => {
    const b = new OrderBook();
    for (let i = 1; i <= 5; i++) {
      b.update(BOOK_BID, 100 - i, i);
      b.update(BOOK_ASK, 100 + i, 10 * i);
    }
    const d = b.depth(3);
    expect(d.bids).toBe(3);
    expect(Array.from(d.bidPrices.subarray(0, 3))).toEqual([99, 98, 97]);
    expect(Array.from(d.askSizes.subarray(0, 3))).toEqual([10, 20, 30]);
    const again = b.depth(10, d); // too small: a new one
    expect(again).not.toBe(d);
    expect(again.asks).toBe(5);
    expect(b.depth(2, d)).toBe(d);
    expect(b.levelsAtOrBetter(BOOK_BID, 97)).toBe(3);
    expect(b.levelsAtOrBetter(BOOK_BID, 96.5)).toBe(3);
    expect(b.levelsAtOrBetter(BOOK_BID, 99.5)).toBe(0);
    expect(b.levelsAtOrBetter(BOOK_ASK, 103)).toBe(3);
    expect(b.levelsAtOrBetter(BOOK_ASK, 1000)).toBe(5);
    expect(b.levelsAtOrBetter(BOOK_ASK, 100)).toBe(0);
    expect(b.bids.price(5)).toBeNaN();
    expect(b.bids.size(-1)).toBe(0);
  });

  it('loads a snapshot in any order, leaving out zero sizes; the last of a repeated price wins', () => {
    const b = new OrderBook();
    b.update(BOOK_BID, 1, 1);
    b.applySnapshot([98, 100, 99, 99, 97], [1, 2, 3, 4, 0], [102, 101, 103], [5, 6, 0], 42, 1000);
    expect(levelsOf(b)).toEqual({
      bids: [
        [100, 2],
        [99, 4],
        [98, 1],
      ],
      asks: [
        [101, 6],
        [102, 5],
      ],
    });
    expect(b.sequence).toBe(42);
    expect(b.time).toBe(1000);
    b.applySnapshot([], [], [], []);
    expect(b.bids.count + b.asks.count).toBe(0);
  });

  it('applies BookColumns rows: F_CLEAR empties the book first, sequence and time follow', () => {
    const cols = new BookColumns(8);
    const rows: [number, number, number, number, number, number][] = [
      // time, side, price, size, flags, sequence
      [1, BOOK_BID, 10, 1, F_SNAPSHOT | F_CLEAR, 5],
      [1, BOOK_ASK, 11, 2, F_SNAPSHOT | F_LAST, 5],
      [2, BOOK_BID, 10.5, 3, F_LAST, 6],
      [3, BOOK_ASK, 11, 0, 0, 7],
      [3, BOOK_ASK, 12, 4, F_LAST, 7],
      [4, BOOK_BID, 9, 9, F_SNAPSHOT | F_CLEAR | F_LAST, 8],
    ];
    rows.forEach(([t, side, p, q, f, s], i) => {
      cols.time[i] = t;
      cols.side[i] = side;
      cols.price[i] = p;
      cols.size[i] = q;
      cols.flags[i] = f;
      cols.sequence[i] = s;
    });
    cols.length = rows.length;
    const b = new OrderBook();
    b.applyRows(cols, 0, 5);
    expect(levelsOf(b)).toEqual({
      bids: [
        [10.5, 3],
        [10, 1],
      ],
      asks: [[12, 4]],
    });
    expect(b.sequence).toBe(7);
    expect(b.time).toBe(3);
    b.applyRows(cols, 5);
    expect(levelsOf(b)).toEqual({ bids: [[9, 9]], asks: [] });
    expect(b.sequence).toBe(8);
  });

  it('refuses NaN, negative or infinite sizes and prices as bugs', () => {
    const b = new OrderBook();
    expect(() => b.update(BOOK_BID, 1, -1)).toThrow(/invalid book update/);
    expect(() => b.update(BOOK_BID, NaN, 1)).toThrow(/invalid book update/);
    expect(() => b.update(BOOK_BID, 1, Infinity)).toThrow(/invalid book update/);
    expect(() => b.update(0, 1, 1)).toThrow(/invalid book side/);
  });

  it('matches a plain map after many random updates near the top, with deep books (long moves)', () => {
    const b = new OrderBook('X', 4);
    const ref = new MapBook();
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 20000; i++) {
      const side = rand() < 0.5 ? BOOK_BID : BOOK_ASK;
      const ticks = Math.floor(rand() * rand() * 400); // mostly near the top, up to 400 levels deep
      const price = side === BOOK_BID ? 10000 - ticks : 10001 + ticks;
      const size = rand() < 0.3 ? 0 : Math.floor(rand() * 1000) / 100;
      b.update(side, price, size);
      ref.update(side, price, size);
    }
    expect(levelsOf(b)).toEqual(ref.levels());
    b.bids.assertValid();
    b.asks.assertValid();
  });
});

// ---------------------------------------------------------------- properties

/** A raw delta: which side, ticks away from a moving centre, size in thousandths (0 deletes). */
const rawDelta = fc.record({
  bid: fc.boolean(),
  ticks: fc.integer({ min: -20, max: 60 }),
  size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })),
  drift: fc.integer({ min: -3, max: 3 }),
});

/**
 * Turns raw deltas into a stream that never crosses: the centre drifts, a
 * bid at or above the best ask (or an ask at or below the best bid) is left
 * out, as a well-behaved exchange feed would never send it.
 */
function validDeltas(raw: { bid: boolean; ticks: number; size: number; drift: number }[]): [number, number, number][] {
  const ref = new MapBook();
  const out: [number, number, number][] = [];
  let centre = 10000;
  for (const r of raw) {
    centre += r.drift;
    const side = r.bid ? BOOK_BID : BOOK_ASK;
    const price = (r.bid ? centre - r.ticks : centre + r.ticks) / 10; // tick 0.1
    const size = r.size / 1000;
    if (size > 0 && side === BOOK_BID && price >= ref.bestAsk()) continue;
    if (size > 0 && side === BOOK_ASK && price <= ref.bestBid()) continue;
    ref.update(side, price, size);
    out.push([side, price, size]);
  }
  return out;
}

describe('OrderBook properties', () => {
  it('keeps levels sorted, unique and positive, equal to a plain map, never crossed for a feed that never crosses', () => {
    fc.assert(
      fc.property(fc.array(rawDelta, { minLength: 1, maxLength: 300 }), (raw) => {
        const book = new OrderBook('P', 4);
        const ref = new MapBook();
        for (const [side, price, size] of validDeltas(raw)) {
          book.update(side, price, size);
          ref.update(side, price, size);
          expect(book.isCrossed()).toBe(false);
        }
        book.bids.assertValid();
        book.asks.assertValid();
        const { bids, asks } = levelsOf(book);
        for (let i = 1; i < bids.length; i++) expect(bids[i]![0]!).toBeLessThan(bids[i - 1]![0]!);
        for (let i = 1; i < asks.length; i++) expect(asks[i]![0]!).toBeGreaterThan(asks[i - 1]![0]!);
        for (const [, s] of [...bids, ...asks]) expect(s!).toBeGreaterThan(0);
        expect({ bids, asks }).toEqual(ref.levels());
      }),
      { numRuns: 300 },
    );
  });

  it('walking never fills more than asked or displayed, keeps the average between the best and worst level touched, and leaves the book alone', () => {
    fc.assert(
      fc.property(
        fc.array(rawDelta, { minLength: 1, maxLength: 150 }),
        fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
        fc.integer({ min: 0, max: 40000 }),
        fc.option(fc.integer({ min: -30, max: 60 }), { nil: undefined }),
        (raw, side, qtyMilli, limitTicks) => {
          const book = new OrderBook();
          for (const [s, p, q] of validDeltas(raw)) book.update(s, p, q);
          const before = levelsOf(book);
          const levels = side === 'buy' ? before.asks : before.bids;
          const qty = qtyMilli / 1000;
          const best = levels[0]?.[0];
          const limit = limitTicks === undefined || best === undefined ? NaN : best + (side === 'buy' ? 1 : -1) * limitTicks * 0.1;
          const w = walkBook(book, side, qty, limit, new BookWalk(1));
          expect(levelsOf(book)).toEqual(before);
          // Displayed size within the limit, in exact thousandths.
          let displayedMilli = 0;
          for (const [p, s] of levels) {
            if (limit === limit && (side === 'buy' ? p! > limit : p! < limit)) break;
            displayedMilli += Math.round(s! * 1000);
          }
          expect(w.filled).toBeLessThanOrEqual(qty);
          expect(Math.round(w.filled * 1000)).toBeLessThanOrEqual(displayedMilli);
          expect(w.filled).toBe(Math.min(qtyMilli, displayedMilli) / 1000); // exact: no float residue
          expect(w.unfilled).toBe((qtyMilli - Math.min(qtyMilli, displayedMilli)) / 1000);
          let sum = 0;
          for (let i = 0; i < w.levels; i++) {
            expect(w.prices[i]).toBe(levels[i]![0]);
            expect(w.sizes[i]!).toBeLessThanOrEqual(levels[i]![1]!);
            expect(w.sizes[i]!).toBeGreaterThan(0);
            sum += Math.round(w.sizes[i]! * 1000);
          }
          expect(sum).toBe(Math.round(w.filled * 1000));
          if (w.levels === 0) {
            expect(w.filled).toBe(0);
            expect(w.averagePrice).toBeNaN();
          } else {
            const lo = Math.min(w.bestPrice, w.worstPrice);
            const hi = Math.max(w.bestPrice, w.worstPrice);
            expect(w.averagePrice).toBeGreaterThanOrEqual(lo);
            expect(w.averagePrice).toBeLessThanOrEqual(hi);
            expect(w.bestPrice).toBe(levels[0]![0]);
            if (side === 'buy') expect(w.worstPrice).toBeGreaterThanOrEqual(w.bestPrice);
            else expect(w.worstPrice).toBeLessThanOrEqual(w.bestPrice);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('walkBook', () => {
  it('fills level by level with an exact average', () => {
    const b = new OrderBook();
    b.applySnapshot([99.9, 99.8], [0.3, 1], [100.1, 100.2, 100.3], [0.1, 0.2, 5]);
    const w = walkBook(b, 'buy', 0.5);
    expect(w.levels).toBe(3);
    expect(Array.from(w.sizes.subarray(0, 3))).toEqual([0.1, 0.2, 0.2]);
    expect(w.filled).toBe(0.5);
    expect(w.notional).toBe(50.11); // 10.01 + 20.04 + 20.06
    expect(w.averagePrice).toBe(100.22);
    expect(w.unfilled).toBe(0);
    const s = walkBook(b, 'sell', 2);
    expect(s.filled).toBe(1.3);
    expect(s.unfilled).toBe(0.7);
    expect(s.worstPrice).toBe(99.8);
    const lim = walkBook(b, 'buy', 10, 100.2);
    expect(lim.filled).toBe(0.3);
    expect(lim.levels).toBe(2);
    const none = walkBook(b, 'buy', 1, 100);
    expect(none.levels).toBe(0);
    expect(none.averagePrice).toBeNaN();
  });

  it('keeps a one-level average at the level price (0.1 x 3 / 3 rounds below 0.1 in floats)', () => {
    const b = new OrderBook();
    b.update(BOOK_ASK, 0.1, 10);
    b.update(BOOK_ASK, 0.2, 10);
    const w = walkBook(b, 'buy', 3);
    expect(w.averagePrice).toBe(0.1);
  });
});

describe('QueuePosition', () => {
  it("joins behind what is displayed; trades consume the queue ahead first, then reach the order", () => {
    const q = new QueuePosition(BOOK_BID, 100, 5);
    expect(q.ahead).toBe(5);
    expect(q.onTrade(2)).toBe(0);
    expect(q.ahead).toBe(3);
    expect(q.levelSize).toBe(3);
    q.onLevelSize(3); // the book update showing the same trade: not counted twice
    expect(q.ahead).toBe(3);
    expect(q.onTrade(4.5)).toBe(1.5);
    expect(q.ahead).toBe(0);
    expect(q.atFront).toBe(true);
  });

  it("rule 'ahead' (default): a size decrease consumes the queue ahead first; increases join behind", () => {
    const q = new QueuePosition(BOOK_ASK, 101, 1.0);
    q.onLevelSize(1.7); // 0.7 joins behind
    expect(q.ahead).toBe(1);
    q.onLevelSize(1.4); // 0.3 leaves: taken from ahead
    expect(q.ahead).toBe(0.7); // exact, not 0.7000000000000001
    q.onLevelSize(0.2);
    expect(q.ahead).toBe(0);
    q.onLevelSize(5);
    expect(q.ahead).toBe(0);
  });

  it("rule 'behind': cancellations come from behind; ahead shrinks only below the level's size", () => {
    const q = new QueuePosition(BOOK_ASK, 101, 1.0, 'behind');
    q.onLevelSize(1.7);
    q.onLevelSize(1.4);
    expect(q.ahead).toBe(1);
    q.onLevelSize(0.6);
    expect(q.ahead).toBe(0.6);
    expect(q.onTrade(0.5)).toBe(0);
    expect(q.ahead).toBe(0.1);
    q.onLevelSize(0); // the level is gone: nothing ahead
    expect(q.ahead).toBe(0);
  });

  it('starts at the front of an empty level', () => {
    const q = new QueuePosition(BOOK_BID, 99, 0);
    expect(q.atFront).toBe(true);
    expect(q.onTrade(1)).toBe(1);
  });
});
