import { describe, expect, it } from 'vitest';
import type { Columns, MarketFeed } from '../model/market.js';
import { appendColumns, collectColumns, emptyColumns } from './collect.js';
import { openCsvFeed } from './csv/open.js';

const ORCL = 'data/samples/ORCL-1995-2014.csv';

/** A feed over given rows, handed out `chunk` rows at a time in one reused chunk (as a CSV feed does), claiming `rowsHint`. */
function chunkedFeed(all: Columns, chunk: number, rowsHint: number | undefined): MarketFeed {
  const buffer = emptyColumns(all.kind, chunk);
  let at = 0;
  return {
    symbol: 'X',
    kind: all.kind,
    source: 'test',
    skipped: [],
    rowsHint,
    next: () => {
      if (at >= all.length) return null;
      const n = Math.min(chunk, all.length - at);
      buffer.length = 0;
      const part = emptyColumns(all.kind, n);
      // The rows at..at+n of `all` into the reused chunk.
      for (const [key, value] of Object.entries(all)) if (ArrayBuffer.isView(value)) ((part as unknown as Record<string, Float64Array>)[key] as Float64Array).set((value as Float64Array).subarray(at, at + n));
      part.length = n;
      appendColumns(buffer, part);
      at += n;
      return buffer;
    },
    close: () => {},
  };
}

function rows(cols: Columns): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [key, value] of Object.entries(cols)) if (ArrayBuffer.isView(value)) out[key] = Array.from(value as Float64Array);
  return out;
}

describe('collectColumns', () => {
  const orcl = collectColumns(openCsvFeed(ORCL));

  it('reads a CSV file (about as many rows as its size says) into columns holding exactly its rows', () => {
    expect(orcl.length).toBe(5036);
    expect(orcl.capacity).toBe(5036);
    for (const value of Object.values(orcl)) if (ArrayBuffer.isView(value)) expect(value.byteLength).toBe(5036 * 8);
  });

  it('gives the same rows whatever the hint: none, short (grown), about right, far too large (copied to size)', () => {
    const hints = [undefined, 100, 5000, 5036, 5300, 50_000];
    for (const hint of hints) {
      const got = collectColumns(chunkedFeed(orcl, 512, hint));
      expect([hint, got.length, got.capacity]).toEqual([hint, 5036, 5036]);
      expect(rows(got)).toEqual(rows(orcl));
    }
  });

  it('takes its columns from the allocator given, every one of them', () => {
    const collect = (hint: number): { made: number[]; got: Columns } => {
      const made: number[] = [];
      const got = collectColumns(chunkedFeed(orcl, 1000, hint), (kind, capacity) => {
        made.push(capacity);
        return emptyColumns(kind, capacity);
      });
      return { made, got };
    };
    // 2,000 x 1.02 rows, grown by half three times, then copied to size (more than a quarter left over).
    const short = collect(2000);
    expect(short.made).toEqual([2040, 3060, 4590, 6885, 5036]);
    expect(rows(short.got)).toEqual(rows(orcl));
    // 5,000 x 1.02 rows: no growth, the rows held seen through views of them.
    const close = collect(5000);
    expect(close.made).toEqual([5100]);
    expect(rows(close.got)).toEqual(rows(orcl));
    expect(close.got.time.buffer.byteLength).toBe(5100 * 8);
  });
});
