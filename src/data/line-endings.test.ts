import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, tempDir } from '../../test/helpers/cli.js';
import { parseActions } from './adjust/actions.js';
import { openBookFeed } from './book/book-feed.js';
import { openCsvFeed } from './csv/open.js';
import type { Columns, MarketFeed } from '../model/market.js';

/** Every column of every chunk a feed hands out, as plain arrays (line numbers included). */
function drain(feed: MarketFeed): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  try {
    for (let cols = feed.next(); cols !== null; cols = feed.next()) {
      for (const [name, value] of Object.entries(cols as Columns)) {
        if (!(value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array || value instanceof Float32Array || value instanceof Uint32Array)) continue;
        (out[name] ??= []).push(...Array.from(value.subarray(0, cols.length)));
      }
    }
  } finally {
    feed.close();
  }
  return out;
}

/** The same file with other line ends: 'cr' (old Mac), 'crlf' (Windows). */
function rewrite(src: string, ends: 'cr' | 'crlf', dir: string): string {
  const text = readFileSync(src, 'latin1').replace(/\r\n/g, '\n');
  const path = join(dir, src.split('/').pop() as string);
  writeFileSync(path, ends === 'cr' ? text.replace(/\n/g, '\r') : text.replace(/\n/g, '\r\n'), 'latin1');
  return path;
}

const CSV_SAMPLES = [
  'KO-1997-1998.csv',
  'FUT-2006-min.csv',
  'FUT-2015-ticks.csv',
  'BTC-PERP-2022-01-1m.csv',
  'GBPUSD-2012-m1-bid.csv',
  'USDJPY-2013-ticks.csv',
  'EURUSD-2020-01-ticks-histdata.csv',
  'tardis-bitmex-trades-XBTUSD.csv',
];

describe('line endings: CR alone (old Mac files) and CR LF read exactly like LF', () => {
  for (const name of CSV_SAMPLES) {
    it(`${name}, in 64-byte chunks and whole`, () => {
      const src = join(SAMPLES, name);
      const expected = drain(openCsvFeed(src));
      expect(expected.time!.length).toBeGreaterThan(0);
      for (const ends of ['cr', 'crlf'] as const) {
        const path = rewrite(src, ends, tempDir('qf-eol-'));
        expect(drain(openCsvFeed(path)), ends).toEqual(expected);
        // Small chunks: line ends found across many refills, the CR mode decided in the first.
        expect(drain(openCsvFeed(path, { chunkBytes: 64, capacity: 7 })), `${ends}, 64-byte chunks`).toEqual(expected);
      }
    });
  }

  it('a CR-only file with a bad row reports that row at its own line', () => {
    const dir = tempDir('qf-eol-');
    const path = join(dir, 'X.csv');
    writeFileSync(path, 'Date,Open,High,Low,Close,Volume\r2020-01-02,1,2,0.5,1.5,10\r2020-01-03,1,0.4,0.5,1.5,10\r');
    expect(() => drain(openCsvFeed(path))).toThrow("X.csv:3: column 'High' field 'high' value '0.4': high 0.4 is below low 0.5");
  });

  it('order-book files (Binance depth, Tardis snapshots)', () => {
    for (const files of [['binance-btcusdt-depth-snap.csv'], ['tardis-binance-futures-book-snapshot-25.csv']]) {
      const src = files.map((f) => join(SAMPLES, f));
      const expected = drain(openBookFeed(src));
      expect(expected.time!.length).toBeGreaterThan(0);
      for (const ends of ['cr', 'crlf'] as const) {
        const dir = tempDir('qf-eol-');
        const paths = src.map((p) => rewrite(p, ends, dir));
        expect(drain(openBookFeed(paths)), ends).toEqual(expected);
        expect(drain(openBookFeed(paths, { chunkBytes: 100 })), `${ends}, small chunks`).toEqual(expected);
      }
    }
  });

  it('actions files', () => {
    const text = 'date,symbol,type,value\n2000-03-20,ORCL,split,2\n# a comment\n2004-09-01,ORCL,dividend,0.1\n';
    const expected = parseActions(text, 'a.csv');
    expect(expected).toHaveLength(2);
    expect(parseActions(text.replace(/\n/g, '\r'), 'a.csv')).toEqual(expected);
    expect(parseActions(text.replace(/\n/g, '\r\n'), 'a.csv')).toEqual(expected);
  });
});
