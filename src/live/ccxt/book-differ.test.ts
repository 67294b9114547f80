import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F_CLEAR, F_LAST, F_SNAPSHOT } from '../../model/market.js';
import { RecordingSink, levelsOf } from '../../../test/helpers/recording-sink.js';
import { BookDiffer } from './book-differ.js';

/** A ccxt-like book side from a price -> size map: best first. */
function side(levels: Map<number, number>, bids: boolean): number[][] {
  const rows = [...levels].filter(([, s]) => s > 0).map(([p, s]) => [p, s]);
  return rows.sort((a, b) => (bids ? (b[0] as number) - (a[0] as number) : (a[0] as number) - (b[0] as number)));
}

describe('BookDiffer', () => {
  it('sends nothing when the picture did not change, and only what changed otherwise', () => {
    const sink = new RecordingSink();
    const d = new BookDiffer();
    const bids = [[10, 1], [9, 2]];
    const asks = [[11, 1]];
    expect(d.picture(sink, 0, 1, 1, bids, asks, 5)).toBe(3);
    expect(d.picture(sink, 0, 2, 2, bids.map((l) => [...l]), asks, 6)).toBe(0);
    expect(d.picture(sink, 0, 3, 3, [[10, 1], [9.5, 4]], [[11, 2], [12, 1]], 7)).toBe(4);
    expect(sink.rows.map((r) => [r.side, r.price, r.size, r.flags, r.sequence])).toEqual([
      [1, 10, 1, F_SNAPSHOT | F_CLEAR, 5],
      [1, 9, 2, F_SNAPSHOT, 5],
      [-1, 11, 1, F_SNAPSHOT | F_LAST, 5],
      [1, 9.5, 4, 0, 7],
      [1, 9, 0, 0, 7],
      [-1, 11, 2, 0, 7],
      [-1, 12, 1, F_LAST, 7],
    ]);
  });

  it('sends the whole book again, clearing, after restart()', () => {
    const sink = new RecordingSink();
    const d = new BookDiffer();
    d.picture(sink, 0, 1, 1, [[10, 1]], [[11, 1]], 1);
    d.restart();
    d.picture(sink, 0, 2, 2, [[10, 1]], [], 9);
    expect(sink.rows.slice(2).map((r) => [r.side, r.price, r.size, r.flags])).toEqual([[1, 10, 1, F_SNAPSHOT | F_CLEAR | F_LAST]]);
    expect(levelsOf(sink.books.get(0))).toEqual({ bids: [[10, 1]], asks: [] });
  });

  it('an empty first picture still clears the consumer book', () => {
    const sink = new RecordingSink();
    new BookDiffer().picture(sink, 0, 1, 1, [], [], 1);
    expect(sink.rows.map((r) => r.flags)).toEqual([F_SNAPSHOT | F_CLEAR | F_LAST]);
    expect(levelsOf(sink.books.get(0))).toEqual({ bids: [], asks: [] });
  });

  it('a consumer applying the rows always has the last picture (random books, random changes, restarts)', () => {
    const change = fc.record({ bid: fc.boolean(), price: fc.integer({ min: 1, max: 60 }), size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })) });
    const step = fc.record({ changes: fc.array(change, { maxLength: 12 }), restart: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const sink = new RecordingSink();
        const d = new BookDiffer();
        const bids = new Map<number, number>();
        const asks = new Map<number, number>();
        let seq = 0;
        for (const s of steps) {
          // bids below 30.5, asks above: an uncrossed book like an exchange's
          for (const c of s.changes) (c.bid ? bids : asks).set(c.bid ? c.price / 2 : 30 + c.price / 2, c.size);
          if (s.restart) d.restart();
          const before = sink.rows.length;
          d.picture(sink, 0, seq, seq, side(bids, true), side(asks, false), seq++);
          const rows = sink.rows.slice(before);
          // every update ends with F_LAST, only there
          if (rows.length > 0) expect(rows.map((r) => (r.flags & F_LAST) !== 0)).toEqual(rows.map((_, i) => i === rows.length - 1));
          expect(levelsOf(sink.books.get(0))).toEqual({ bids: side(bids, true), asks: side(asks, false) });
        }
      }),
      { numRuns: 300 },
    );
  });
});
