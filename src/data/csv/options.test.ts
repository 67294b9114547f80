import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { parseIsoTime } from '../../core/time.js';
import type { Columns } from '../../model/market.js';
import { collectColumns } from '../collect.js';
import { openCsvFeed } from './open.js';
import { detectCsvFormat } from './open.js';
import { parseCsvFeedOptions, parseCsvFormatOptions, safeParseCsvFeedOptions, safeParseCsvFormatOptions, type CsvFeedOptions } from './options.js';

const SAMPLES = join(import.meta.dirname, '../../../data/samples');
const dir = mkdtempSync(join(tmpdir(), 'quantflow-csv-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixture(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function rowsOf(c: Columns): unknown[] {
  const rows: unknown[] = [];
  for (let i = 0; i < c.length; i++) {
    switch (c.kind) {
      case 'bar':
        rows.push([c.time[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i], c.line[i]]);
        break;
      case 'quote':
        rows.push([c.time[i], c.bid[i], c.ask[i], c.bidSize[i], c.askSize[i], c.line[i]]);
        break;
      case 'trade':
        rows.push([c.time[i], c.price[i], c.size[i], c.side[i], c.line[i]]);
        break;
    }
  }
  return rows;
}

function issueOf(fn: () => unknown): { code: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.issues[0]!;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('options validation', () => {
  it('parse and safeParse', () => {
    expect(parseCsvFormatOptions({ kind: 'bar', columns: { time: 'Date', open: 1 } })).toEqual({ kind: 'bar', columns: { time: 'Date', open: 1 } });
    const bad = safeParseCsvFormatOptions({ kind: 'candles', delimiter: ',,', columns: { opne: 1 }, timezone: 'Mars/Olympus' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues.every((i) => i.code === 'invalid_option')).toBe(true);
      expect(bad.issues.map((i) => i.field).sort()).toEqual(['columns', 'delimiter', 'kind', 'timezone']);
    }
    expect(() => parseCsvFeedOptions({ onInvalid: 'ignore' })).toThrow(InputError);
    expect(safeParseCsvFeedOptions({ onInvalid: 'skip', from: 0, chunkBytes: 16 }).ok).toBe(true);
    expect(issueOf(() => openCsvFeed(join(SAMPLES, 'ORCL-1995-2014.csv'), { capacity: 0 })).code).toBe('invalid_option');
  });

  it('a column option naming no column is a missing_column error', () => {
    const issue = issueOf(() => detectCsvFormat(join(SAMPLES, 'ORCL-1995-2014.csv'), { columns: { volume: 'Shares' } }));
    expect(issue).toMatchObject({ code: 'missing_column', field: 'volume', value: 'Shares' });
  });
});

describe('explicit options read the same as detection', () => {
  const cases: [string, CsvFeedOptions][] = [
    [
      'ORCL-1995-2014.csv',
      {
        kind: 'bar',
        hasHeader: true,
        delimiter: ',',
        columns: { time: 'date', open: 'OPEN', high: 'High', low: 'Low', close: 'Close', volume: 'Volume' },
        timeFormat: 'iso',
        timezone: 'UTC',
        symbol: 'ORCL',
      },
    ],
    ['FUT-2006-min.csv', { kind: 'bar', columns: { date: 0, timeOfDay: 1, open: 2, high: 3, low: 4, close: 5, volume: 6 }, timeFormat: 'iso' }],
    ['BTC-PERP-2022-01-1m.csv', { kind: 'bar', columns: { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 } }],
    ['EURUSD-2020-01-ticks-histdata.csv', { kind: 'quote', hasHeader: false, columns: { time: 0, bid: 1, ask: 2 }, timeFormat: 'compact', timezone: '-05:00' }],
    ['USDJPY-2013-ticks.csv', { kind: 'quote', columns: { time: 'timestamp', bid: 'bid', ask: 'ask' } }],
    ['tardis-bitmex-trades-XBTUSD.csv', { kind: 'trade', columns: { time: 'timestamp', price: 'price', size: 'amount', side: 'side' }, timeFormat: 'epoch_us' }],
  ];
  it.each(cases)('%s', (file, options) => {
    const path = join(SAMPLES, file);
    const detected = openCsvFeed(path);
    const described = openCsvFeed(path, options);
    expect(described.format.kind).toBe(detected.format.kind);
    expect(described.symbol).toBe(detected.symbol);
    expect(rowsOf(collectColumns(described))).toEqual(rowsOf(collectColumns(detected)));
  });
});

describe('layouts only options can describe', () => {
  it('headerless bars with epoch milliseconds and semicolons', () => {
    const path = fixture('ES_2020.txt', '1577836860000;10;11;9;10.5;7\n1577836920000;10.5;12;10;11;8\n');
    expect(issueOf(() => openCsvFeed(path)).code).toBe('unknown_format');
    const feed = openCsvFeed(path, { kind: 'bar', hasHeader: false, delimiter: ';', columns: { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 } });
    expect(feed.format).toMatchObject({ name: 'custom', timeFormat: 'epoch_ms', symbol: 'ES', columnNames: ['time', 'open', 'high', 'low', 'close', 'volume'] });
    const cols = collectColumns(feed);
    expect(rowsOf(cols)[0]).toEqual([parseIsoTime('2020-01-01T00:01:00Z'), 10, 11, 9, 10.5, 7, 1]);
  });

  it('odd header names mapped by option, times in a named zone', () => {
    const path = fixture('odd.csv', 'when,first,top,bottom,last_px\n2020-07-01 09:31,1,2,1,2\n');
    const feed = openCsvFeed(path, {
      kind: 'bar',
      columns: { time: 'when', open: 'first', high: 'top', low: 'bottom', close: 'last_px' },
      timezone: 'America/New_York',
      symbol: 'XYZ',
    });
    const cols = collectColumns(feed);
    expect(feed.symbol).toBe('XYZ');
    expect(rowsOf(cols)).toEqual([[parseIsoTime('2020-07-01T13:31:00Z'), 1, 2, 1, 2, 0, 2]]);
  });

  it('a required column that cannot be found is named', () => {
    const path = fixture('short.csv', 'time,open,high,low\n2020-01-01,1,2,1\n');
    expect(issueOf(() => openCsvFeed(path, { kind: 'bar' }))).toMatchObject({ code: 'missing_column', file: path });
  });

  it('generic header in any letter case with separate date and time columns, epoch-free', () => {
    const path = fixture('SPY-2020.csv', 'DATE,TIME,OPEN,HIGH,LOW,CLOSE,VOLUME,OPENINTEREST\n2020-01-02,09:31:00,1,2,1,2,10,0\n');
    const feed = openCsvFeed(path);
    expect(feed.format).toMatchObject({ name: 'generic-bars', kind: 'bar', symbol: 'SPY' });
    expect(rowsOf(collectColumns(feed))).toEqual([[parseIsoTime('2020-01-02T09:31:00Z'), 1, 2, 1, 2, 10, 2]]);
  });

  it('generic header with epoch seconds', () => {
    const path = fixture('ETH-1.csv', 'timestamp,open,high,low,close,volume\n1577836860,1,2,1,2,10\n');
    const feed = openCsvFeed(path);
    expect(feed.format).toMatchObject({ name: 'generic-bars', timeFormat: 'epoch_s', symbol: 'ETH' });
    expect(collectColumns(feed).time[0]).toBe(parseIsoTime('2020-01-01T00:01:00Z'));
  });
});
