import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { END_OF_DAY_OFFSET, parseIsoTime } from '../../core/time.js';
import { SIDE_BUY, SIDE_SELL, SIDE_UNKNOWN, type Columns, type DataKind } from '../../model/market.js';
import { collectColumns } from '../collect.js';
import { detectCsvFormat } from './open.js';
import { openCsvFeed } from './open.js';

const SAMPLES = join(import.meta.dirname, '../../../data/samples');
const sample = (file: string): string => join(SAMPLES, file);

/** What each row of a sample must read as, computed from the text independently of the parser. */
interface Expected {
  time: number[];
  values: Record<string, number[]>;
  lines: number[];
}

function iso(text: string): number {
  const t = parseIsoTime(text);
  if (t === undefined) throw new Error(`bad time in fixture: ${text}`);
  return t;
}

/** Splits a sample by hand and derives every expected value with Number() and core's parseIsoTime. */
function expectedRows(file: string, kind: DataKind): Expected {
  const lines = readFileSync(sample(file), 'utf8').split('\n').map((l) => l.replace(/\r$/, ''));
  const header = file.includes('histdata') ? undefined : lines[0]!.split(',').map((h) => h.toLowerCase());
  const out: Expected = { time: [], values: {}, lines: [] };
  const push = (k: string, v: number): void => {
    (out.values[k] ??= []).push(v);
  };
  lines.forEach((line, index) => {
    if (line.trim() === '' || (header !== undefined && index === 0)) return;
    const f = line.split(',');
    out.lines.push(index + 1);
    if (header === undefined) {
      // HistData: YYYYMMDD HHMMSSfff in EST (UTC-5, no DST)
      const s = f[0]!;
      out.time.push(iso(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15)}-05:00`));
      push('bid', Number(f[1]));
      push('ask', Number(f[2]));
      return;
    }
    const col = (name: string): string => {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`${file}: no ${name}`);
      return f[f.length > header.length ? i + 1 : i]!;
    };
    if (f.length > header.length) out.time.push(iso(`${f[0]}T${f[1]}`)); // date, time split
    else if (header[0] === 'date') out.time.push(iso(f[0]!) + END_OF_DAY_OFFSET);
    else if (kind === 'trade') out.time.push(Number(col('timestamp')));
    else out.time.push(iso(f[0]!));
    if (kind === 'bar') {
      for (const k of ['open', 'high', 'low', 'close']) push(k, Number(col(k)));
      push('volume', header.includes('volume') ? Number(col('volume')) : 0);
      push('adjClose', header.includes('adj close') ? Number(col('adj close')) : NaN);
    } else if (kind === 'quote') {
      push('bid', Number(col('bid')));
      push('ask', Number(col('ask')));
    } else {
      push('price', Number(col('price')));
      push('size', Number(col('amount')));
      const side = col('side');
      push('side', side === 'buy' ? SIDE_BUY : side === 'sell' ? SIDE_SELL : SIDE_UNKNOWN);
    }
  });
  return out;
}

function valuesOf(c: Columns): Record<string, number[]> {
  const n = c.length;
  const arr = (a: Float64Array | Int8Array): number[] => Array.from(a.subarray(0, n));
  switch (c.kind) {
    case 'bar':
      return { open: arr(c.open), high: arr(c.high), low: arr(c.low), close: arr(c.close), volume: arr(c.volume), adjClose: arr(c.adjClose) };
    case 'quote':
      return { bid: arr(c.bid), ask: arr(c.ask) };
    case 'trade':
      return { price: arr(c.price), size: arr(c.size), side: arr(c.side) };
    case 'book':
      return { side: arr(c.side), price: arr(c.price), size: arr(c.size) };
  }
}

const CASES: { file: string; name: string; kind: DataKind; symbol: string; rows: number; timeFormat: string }[] = [
  { file: 'ORCL-1995-2014.csv', name: 'yahoo-daily', kind: 'bar', symbol: 'ORCL', rows: 5036, timeFormat: 'iso' },
  { file: 'NVDA-1999-2014.csv', name: 'yahoo-daily', kind: 'bar', symbol: 'NVDA', rows: 4012, timeFormat: 'iso' },
  { file: 'YHOO-1996-2014.csv', name: 'yahoo-daily', kind: 'bar', symbol: 'YHOO', rows: 4713, timeFormat: 'iso' },
  { file: 'KO-1997-1998.csv', name: 'yahoo-daily', kind: 'bar', symbol: 'KO', rows: 356, timeFormat: 'iso' },
  { file: 'FUT-2006-min.csv', name: 'date-time-split-bars', kind: 'bar', symbol: 'FUT', rows: 30889, timeFormat: 'iso' },
  { file: 'FUT-2015-ticks.csv', name: 'tick-bars', kind: 'bar', symbol: 'FUT', rows: 135, timeFormat: 'iso' },
  { file: 'BTC-PERP-2022-01-1m.csv', name: 'generic-bars', kind: 'bar', symbol: 'BTC-PERP', rows: 45031, timeFormat: 'iso' },
  { file: 'GBPUSD-2012-m1-bid.csv', name: 'generic-bars', kind: 'bar', symbol: 'GBPUSD', rows: 30117, timeFormat: 'iso' },
  { file: 'GBPUSD-2012-m1-ask.csv', name: 'generic-bars', kind: 'bar', symbol: 'GBPUSD', rows: 30117, timeFormat: 'iso' },
  { file: 'USDJPY-2013-ticks.csv', name: 'generic-quotes', kind: 'quote', symbol: 'USDJPY', rows: 1000, timeFormat: 'iso' },
  { file: 'EURUSD-2020-01-ticks-histdata.csv', name: 'histdata-quotes', kind: 'quote', symbol: 'EURUSD', rows: 9500, timeFormat: 'compact' },
  { file: 'tardis-bitmex-trades-XBTUSD.csv', name: 'tardis-trades', kind: 'trade', symbol: 'XBTUSD', rows: 10, timeFormat: 'epoch_us' },
];

describe('sample files', () => {
  describe.each(CASES)('$file', ({ file, name, kind, symbol, rows, timeFormat }) => {
    it(`is detected as ${name} ${kind}s of ${symbol}`, () => {
      const format = detectCsvFormat(sample(file));
      expect(format).toMatchObject({ name, kind, symbol, timeFormat });
    });

    it(`reads all ${rows} rows with no invalid row, every value as written`, () => {
      const feed = openCsvFeed(sample(file));
      const cols = collectColumns(feed);
      expect(feed.skipped).toEqual([]);
      expect(feed.rowsRead).toBe(rows);
      expect(cols.length).toBe(rows);
      const expected = expectedRows(file, kind);
      expect(Array.from(cols.time.subarray(0, rows))).toEqual(expected.time);
      expect(valuesOf(cols)).toEqual(expected.values);
      expect(Array.from(cols.line.subarray(0, rows))).toEqual(expected.lines);
    });

    it('reads the same with tiny chunks and tiny column capacity', () => {
      const reference = collectColumns(openCsvFeed(sample(file)));
      for (const [chunkBytes, capacity] of [
        [1, 1],
        [7, 3],
        [64, 1000],
        [4099, 17],
      ] as const) {
        const cols = collectColumns(openCsvFeed(sample(file), { chunkBytes, capacity }));
        expect(cols.length).toBe(reference.length);
        expect(Array.from(cols.time.subarray(0, cols.length))).toEqual(Array.from(reference.time.subarray(0, reference.length)));
        expect(valuesOf(cols)).toEqual(valuesOf(reference));
      }
    });
  });

  it('ORCL: first bar is 1995-01-03 at the end of the day, closing at 2.117284; last is 2014-12-31', () => {
    const cols = collectColumns(openCsvFeed(sample('ORCL-1995-2014.csv')));
    if (cols.kind !== 'bar') throw new Error('bars expected');
    expect(cols.time[0]).toBe(Date.UTC(1995, 0, 3) * 1000 + END_OF_DAY_OFFSET);
    expect([cols.open[0], cols.high[0], cols.low[0], cols.close[0], cols.volume[0]]).toEqual([2.179012, 2.191358, 2.117284, 2.117284, 36301200]);
    const last = cols.length - 1;
    expect(cols.time[last]).toBe(Date.UTC(2014, 11, 31) * 1000 + END_OF_DAY_OFFSET);
    expect([cols.open[last], cols.close[last], cols.volume[last]]).toEqual([45.450001, 44.970001, 13269200]);
    expect(cols.line[last]).toBe(5037);
  });

  it('ORCL: from/to keep 1996 only, and reading stops after it', () => {
    const text = readFileSync(sample('ORCL-1995-2014.csv'), 'utf8');
    const in1996 = text.split('\n').filter((l) => l.startsWith('1996-')).length;
    const feed = openCsvFeed(sample('ORCL-1995-2014.csv'), { from: parseIsoTime('1996-01-01')!, to: parseIsoTime('1996-12-31', 'end')!, capacity: 100 });
    const cols = collectColumns(feed);
    expect(cols.length).toBe(in1996);
    expect(cols.time[0]).toBe(parseIsoTime('1996-01-02', 'end'));
    expect(cols.time[cols.length - 1]).toBe(parseIsoTime('1996-12-31', 'end'));
    expect(feed.rowsRead).toBeLessThan(5036);
    expect(feed.skipped).toEqual([]);
  });

  it('ORCL: Adj Close is kept in the adjClose column, row for row', () => {
    const feed = openCsvFeed(sample('ORCL-1995-2014.csv'), { capacity: 1000 });
    const cols = feed.next();
    if (cols?.kind !== 'bar') throw new Error('bars expected');
    expect(cols.adjClose[0]).toBe(1.883304);
    expect(feed.adjClose).toBe(cols.adjClose);
    feed.close();
    const all = collectColumns(openCsvFeed(sample('ORCL-1995-2014.csv'), { capacity: 700 }));
    if (all.kind !== 'bar') throw new Error('bars expected');
    const last = readFileSync(sample('ORCL-1995-2014.csv'), 'utf8').trim().split('\n').at(-1)!.split(',');
    expect(all.adjClose[all.length - 1]).toBe(Number(last[5]));
    expect(all.adjClose.subarray(0, all.length).every((a) => a > 0)).toBe(true);
  });

  it('KO: columns are mapped by name (Volume before Adj Close)', () => {
    const feed = openCsvFeed(sample('KO-1997-1998.csv'));
    const cols = feed.next();
    if (cols?.kind !== 'bar') throw new Error('bars expected');
    expect([cols.open[0], cols.close[0], cols.volume[0], cols.adjClose[0]]).toEqual([52.5, 51.875, 7161800, 16.206907]);
    feed.close();
  });

  it('files without an Adj Close column leave the column NaN', () => {
    const cols = collectColumns(openCsvFeed(sample('BTC-PERP-2022-01-1m.csv')));
    if (cols.kind !== 'bar') throw new Error('bars expected');
    expect(Number.isNaN(cols.adjClose[0])).toBe(true);
    expect(Number.isNaN(cols.adjClose[cols.length - 1])).toBe(true);
  });

  it('FUT-2006: first bar at 2006-01-02T09:01:00Z, open interest kept aside, CRLF lines', () => {
    const feed = openCsvFeed(sample('FUT-2006-min.csv'));
    const cols = feed.next();
    if (cols?.kind !== 'bar') throw new Error('bars expected');
    expect(cols.time[0]).toBe(parseIsoTime('2006-01-02T09:01:00Z'));
    expect([cols.open[0], cols.high[0], cols.low[0], cols.close[0], cols.volume[0]]).toEqual([3602, 3603, 3597, 3599, 5699]);
    expect(feed.openInterest?.[0]).toBe(0);
    expect(feed.format.columnNames.slice(0, 3)).toEqual(['Date', 'Time', 'Open']);
    feed.close();
  });

  it('FUT-2015 tick bars: two prints in one millisecond are both kept', () => {
    const cols = collectColumns(openCsvFeed(sample('FUT-2015-ticks.csv')));
    expect(cols.time[0]).toBe(parseIsoTime('2015-09-23T20:57:42.146Z'));
    expect(cols.time[21]).toBe(cols.time[22]);
  });

  it('GBPUSD bid bars have no volume column and read volume 0', () => {
    const cols = collectColumns(openCsvFeed(sample('GBPUSD-2012-m1-bid.csv')));
    if (cols.kind !== 'bar') throw new Error('bars expected');
    expect(cols.time[0]).toBe(parseIsoTime('2012-02-01T00:00:00Z'));
    expect(cols.open[0]).toBe(1.57597);
    expect(cols.volume.subarray(0, cols.length).every((v) => v === 0)).toBe(true);
  });

  it('HistData: first quote at 17:00:00.065 EST is 22:00:00.065Z', () => {
    const cols = collectColumns(openCsvFeed(sample('EURUSD-2020-01-ticks-histdata.csv')));
    if (cols.kind !== 'quote') throw new Error('quotes expected');
    expect(cols.time[0]).toBe(parseIsoTime('2020-01-01T22:00:00.065Z'));
    expect([cols.bid[0], cols.ask[0]]).toEqual([1.1212, 1.12172]);
    expect(cols.bidSize[0]).toBeNaN();
    expect(cols.line[0]).toBe(1);
  });

  it('TrueFX quotes: sizes are NaN', () => {
    const cols = collectColumns(openCsvFeed(sample('USDJPY-2013-ticks.csv')));
    if (cols.kind !== 'quote') throw new Error('quotes expected');
    expect(cols.time[0]).toBe(parseIsoTime('2013-01-01T22:00:00.295Z'));
    expect([cols.bid[0], cols.ask[0]]).toEqual([86.655, 86.728]);
    expect(cols.askSize[0]).toBeNaN();
  });

  it('Tardis trades: first at 1583020803145000 us, a sell of 2152 at 8531.5', () => {
    const cols = collectColumns(openCsvFeed(sample('tardis-bitmex-trades-XBTUSD.csv')));
    if (cols.kind !== 'trade') throw new Error('trades expected');
    expect(cols.time[0]).toBe(1583020803145000);
    expect([cols.price[0], cols.size[0], cols.side[0]]).toEqual([8531.5, 2152, SIDE_SELL]);
  });

  it.each(['binance-btcusdt-depth-snap.csv', 'binance-btcusdt-depth-update.csv', 'tardis-binance-futures-book-snapshot-25.csv'])(
    'order book file %s is not taken for bars, quotes or trades',
    (file) => {
      try {
        detectCsvFormat(sample(file));
        expect.fail('expected unknown_format');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).issues[0]).toMatchObject({ code: 'unknown_format', file: sample(file), line: 1 });
      }
    },
  );
});
