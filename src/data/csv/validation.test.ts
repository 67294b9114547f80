import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, type Issue } from '../../core/errors.js';
import { parseIsoTime } from '../../core/time.js';
import { collectColumns } from '../collect.js';
import { openCsvFeed } from './open.js';
import type { CsvFeedOptions } from './options.js';

const dir = mkdtempSync(join(tmpdir(), 'quantflow-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

function fixture(text: string, name = `FIX-${++fileNo}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The issue thrown under onInvalid 'fail'. */
function failure(path: string, options: CsvFeedOptions = {}): Issue {
  try {
    collectColumns(openCsvFeed(path, options));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    expect(e.issues).toHaveLength(1);
    return e.issues[0]!;
  }
  throw new Error('expected an InputError');
}

const BAR_HEADER = 'datetime,open,high,low,close,volume\n';
const GOOD_1 = '2020-01-01T00:01:00Z,10,11,9,10.5,100\n';
const GOOD_4 = '2020-01-01T00:04:00Z,10,11,9,10.5,100\n';

describe('values shown in messages are the text the file holds (UTF-8)', () => {
  it.each([
    ['a number', '2020-01-01T00:02:00Z,10,11,9,10é,5', 'value', '10é'],
    ['a time', '2020-01-0é,10,11,9,10,5', 'value', '2020-01-0é'],
    ['a line with too many fields', '2020-01-01T00:02:00Z,10,11,9,10,5,ü', 'value', '2020-01-01T00:02:00Z,10,11,9,10,5,ü'],
  ])('%s', (_what, row, key, shown) => {
    const issue = failure(fixture(BAR_HEADER + GOOD_1 + row + '\n' + GOOD_4));
    expect(issue[key as 'value']).toBe(shown);
  });
});

describe('bad bar rows', () => {
  it.each([
    ['unparseable_field', '2020-01-01T00:02:00Z,abc,11,9,10,5', 'open', 'abc'],
    ['unparseable_field', '2020-01-01T00:02:00Z,10,11,9,10,', 'volume', ''],
    ['unparseable_field', 'yesterday,10,11,9,10,5', 'datetime', 'yesterday'],
    ['high_below_low', '2020-01-01T00:02:00Z,10,9,11,10,5', 'high', '9'],
    ['open_outside_range', '2020-01-01T00:02:00Z,12,11,9,10,5', 'open', '12'],
    ['close_outside_range', '2020-01-01T00:02:00Z,10,11,9,8.5,5', 'close', '8.5'],
    ['non_positive_price', '2020-01-01T00:02:00Z,0,11,0,10,5', 'open', '0'],
    ['non_positive_price', '2020-01-01T00:02:00Z,-1,-1,-1,-1,5', 'open', '-1'],
    ['negative_volume', '2020-01-01T00:02:00Z,10,11,9,10,-5', 'volume', '-5'],
    ['invalid_date', '2019-02-30T00:02:00Z,10,11,9,10,5', 'datetime', '2019-02-30T00:02:00Z'],
    ['invalid_date', '2020-01-01T25:00:00Z,10,11,9,10,5', 'datetime', '2020-01-01T25:00:00Z'],
    ['time_backwards', '2019-12-31T23:59:00Z,10,11,9,10,5', 'datetime', '2019-12-31T23:59:00Z'],
    ['duplicate_time', '2020-01-01T00:01:00Z,10,11,9,10,5', 'datetime', '2020-01-01T00:01:00Z'],
  ])('%s: %s', (code, row, column, value) => {
    const path = fixture(BAR_HEADER + GOOD_1 + row + '\n' + GOOD_4);
    const issue = failure(path);
    expect(issue).toMatchObject({ code, file: path, line: 3, column, value });
    expect(issue.message.length).toBeGreaterThan(0);

    // Under 'skip' the bad row is dropped, listed, passed to onIssue, and reading goes on.
    const seen: Issue[] = [];
    const feed = openCsvFeed(path, { onInvalid: 'skip', onIssue: (i) => seen.push(i) });
    const cols = collectColumns(feed);
    expect(cols.length).toBe(2);
    expect(Array.from(cols.line.subarray(0, 2))).toEqual([2, 4]);
    expect(feed.skipped).toEqual([issue]);
    expect(seen).toEqual([issue]);
    expect(feed.rowsRead).toBe(3);
  });

  it('field_count: too few and too many fields', () => {
    const few = fixture(BAR_HEADER + GOOD_1 + '2020-01-01T00:02:00Z,10,11,9,10\n');
    expect(failure(few)).toMatchObject({ code: 'field_count', file: few, line: 3, value: '2020-01-01T00:02:00Z,10,11,9,10' });
    const many = fixture(BAR_HEADER + GOOD_1 + GOOD_4.trim() + ',7\r\n');
    expect(failure(many)).toMatchObject({ code: 'field_count', line: 3, value: '2020-01-01T00:04:00Z,10,11,9,10.5,100,7' });
  });

  it('names the column from the header as written, and the line counts blank lines', () => {
    const path = fixture('Date,Open,High,Low,Close,Volume\n\n2020-01-02,10,9,11,10,5\n');
    expect(failure(path)).toMatchObject({ code: 'high_below_low', line: 3, column: 'High', field: 'high', value: '9' });
  });

  it("'skip' lists every bad row of a file with its line, and keeps the good ones", () => {
    const rows = [
      '2020-01-01T00:01:00Z,10,11,9,10,5', // 2 ok
      '2020-01-01T00:02:00Z,10,9,11,10,5', // 3 high_below_low
      '2020-01-01T00:03:00Z,10,11,9,10', // 4 field_count
      '2020-01-01T00:04:00Z,10,11,9,10,5', // 5 ok
      '2020-01-01T00:04:00Z,10,11,9,10,6', // 6 duplicate_time
      '2020-01-01T00:03:30Z,10,11,9,10,5', // 7 time_backwards
      '2020-02-30T00:00:00Z,10,11,9,10,5', // 8 invalid_date
      '2020-01-01T00:05:00Z,x,11,9,10,5', // 9 unparseable_field
      '2020-01-01T00:06:00Z,10,11,9,10,5', // 10 ok
    ];
    const feed = openCsvFeed(fixture(BAR_HEADER + rows.join('\n')), { onInvalid: 'skip' });
    const cols = collectColumns(feed);
    expect(Array.from(cols.line.subarray(0, cols.length))).toEqual([2, 5, 10]);
    expect(feed.skipped.map((i) => [i.code, i.line])).toEqual([
      ['high_below_low', 3],
      ['field_count', 4],
      ['duplicate_time', 6],
      ['time_backwards', 7],
      ['invalid_date', 8],
      ['unparseable_field', 9],
    ]);
  });

  it('Adj Close is validated like the other prices: file:line, column, field and value', () => {
    const header = 'Date,Open,High,Low,Close,Adj Close,Volume\n';
    const good = '2020-01-02,10,11,9,10.5,10.25,100\n';
    const bad = fixture(header + good + '2020-01-03,10,11,9,10.5,n/a,100\n');
    expect(failure(bad)).toMatchObject({ code: 'unparseable_field', file: bad, line: 3, column: 'Adj Close', field: 'adjClose', value: 'n/a' });
    const zero = fixture(header + good + '2020-01-03,10,11,9,10.5,0,100\n');
    expect(failure(zero)).toMatchObject({ code: 'non_positive_price', file: zero, line: 3, column: 'Adj Close', field: 'adjClose', value: '0' });
    const cols = collectColumns(openCsvFeed(zero, { onInvalid: 'skip' }));
    if (cols.kind !== 'bar') throw new Error('bars expected');
    expect([cols.length, cols.adjClose[0]]).toEqual([1, 10.25]);
  });

  it('a bar with high == low == open == close is valid', () => {
    const cols = collectColumns(openCsvFeed(fixture(BAR_HEADER + '2020-01-01T00:01:00Z,10,10,10,10,0\n')));
    expect(cols.length).toBe(1);
  });

  it('allowDuplicateTime lets bars share a time', () => {
    const path = fixture(BAR_HEADER + GOOD_1 + GOOD_1);
    expect(failure(path).code).toBe('duplicate_time');
    expect(collectColumns(openCsvFeed(path, { allowDuplicateTime: true })).length).toBe(2);
  });
});

describe('bad quote and trade rows', () => {
  const QUOTE_HEADER = 'timestamp,bid,ask\n';

  it('crossed_quote when bid > ask; bid == ask is fine', () => {
    const path = fixture(QUOTE_HEADER + '2020-01-01T00:00:00Z,1.1,1.2\n2020-01-01T00:00:01Z,1.2,1.2\n2020-01-01T00:00:02Z,1.3,1.2\n');
    expect(failure(path)).toMatchObject({ code: 'crossed_quote', line: 4, column: 'bid', value: '1.3' });
  });

  it('quotes may share a time but not go backwards', () => {
    const dup = fixture(QUOTE_HEADER + '2020-01-01T00:00:00Z,1.1,1.2\n2020-01-01T00:00:00Z,1.1,1.3\n');
    expect(collectColumns(openCsvFeed(dup)).length).toBe(2);
    const back = fixture(QUOTE_HEADER + '2020-01-01T00:00:01Z,1.1,1.2\n2020-01-01T00:00:00Z,1.1,1.3\n');
    expect(failure(back)).toMatchObject({ code: 'time_backwards', line: 3, column: 'timestamp' });
  });

  it('non_positive_price and negative sizes for quotes', () => {
    const header = 'timestamp,bid,ask,bid_size,ask_size\n';
    expect(failure(fixture(header + '2020-01-01T00:00:00Z,0,1.2,1,1\n'))).toMatchObject({ code: 'non_positive_price', column: 'bid' });
    expect(failure(fixture(header + '2020-01-01T00:00:00Z,1.1,1.2,1,-1\n'))).toMatchObject({ code: 'negative_volume', column: 'ask_size', value: '-1' });
  });

  const TRADE_HEADER = 'timestamp,price,amount,side\n';

  it('trades may share a time; going backwards is an error', () => {
    const dup = fixture(TRADE_HEADER + '1583020803145000,10,1,buy\n1583020803145000,10,2,sell\n1583020803145001,10,2,unknown\n');
    const cols = collectColumns(openCsvFeed(dup));
    expect(cols.length).toBe(3);
    if (cols.kind !== 'trade') throw new Error('trades expected');
    expect(Array.from(cols.side.subarray(0, 3))).toEqual([1, -1, 0]);
    const back = fixture(TRADE_HEADER + '1583020803145000,10,1,buy\n1583020803144999,10,2,sell\n');
    expect(failure(back)).toMatchObject({ code: 'time_backwards', line: 3, column: 'timestamp', value: '1583020803144999' });
  });

  it('bad side, non-positive price, negative size', () => {
    expect(failure(fixture(TRADE_HEADER + '1583020803145000,10,1,long\n'))).toMatchObject({ code: 'unparseable_field', column: 'side', value: 'long' });
    expect(failure(fixture(TRADE_HEADER + '1583020803145000,-10,1,buy\n'))).toMatchObject({ code: 'non_positive_price', column: 'price' });
    expect(failure(fixture(TRADE_HEADER + '1583020803145000,10,-1,buy\n'))).toMatchObject({ code: 'negative_volume', column: 'amount' });
  });

  it('a trade file naming two instruments is refused', () => {
    const path = fixture('exchange,symbol,timestamp,local_timestamp,id,side,price,amount\nx,AAA,1,2,a,buy,1,1\nx,BBB,3,4,b,buy,1,1\n');
    expect(failure(path)).toMatchObject({ line: 3, column: 'symbol', value: 'BBB' });
  });
});

describe('file shapes', () => {
  const rows = ['2020-01-01T00:01:00Z,10,11,9,10,1', '2020-01-01T00:02:00Z,10,11,9,10,2', '2020-01-01T00:03:00Z,10,11,9,10,3'];

  it.each([
    ['LF with a final newline', BAR_HEADER + rows.join('\n') + '\n'],
    ['no final newline', BAR_HEADER + rows.join('\n')],
    ['CRLF', (BAR_HEADER + rows.join('\n') + '\n').replace(/\n/g, '\r\n')],
    ['CRLF, no final newline', (BAR_HEADER + rows.join('\n')).replace(/\n/g, '\r\n')],
    ['a UTF-8 BOM', '\uFEFF' + BAR_HEADER + rows.join('\n') + '\n'],
    ['blank trailing lines', BAR_HEADER + rows.join('\n') + '\n\n\r\n\n'],
    ['quoted fields', '"datetime","open","high","low","close","volume"\n' + rows.map((r) => r.split(',').map((f) => `"${f}"`).join(',')).join('\n')],
    ['semicolons', BAR_HEADER.replace(/,/g, ';') + rows.map((r) => r.replace(/,/g, ';')).join('\n')],
  ])('reads %s', (_, text) => {
    for (const chunkBytes of [1, 5, 1 << 20]) {
      const feed = openCsvFeed(fixture(text), { chunkBytes });
      const cols = collectColumns(feed);
      expect(cols.length).toBe(3);
      if (cols.kind !== 'bar') throw new Error('bars expected');
      expect(Array.from(cols.volume.subarray(0, 3))).toEqual([1, 2, 3]);
      expect(cols.time[0]).toBe(parseIsoTime('2020-01-01T00:01:00Z'));
      expect(feed.format.name).toBe('generic-bars');
    }
  });

  it('a header alone is an empty feed', () => {
    const feed = openCsvFeed(fixture(BAR_HEADER));
    expect(feed.next()).toBeNull();
    expect(feed.rowsRead).toBe(0);
  });

  it('an empty file, a missing file', () => {
    expect(failure(fixture(''))).toMatchObject({ code: 'empty_file' });
    expect(failure(join(dir, 'nope.csv'))).toMatchObject({ code: 'file_not_found', file: join(dir, 'nope.csv') });
  });

  it('an unknown format names the file, shows the header and the options to give', () => {
    const path = fixture('foo,bar,baz\n1,2,3\n');
    const issue = failure(path);
    expect(issue).toMatchObject({ code: 'unknown_format', file: path, line: 1, value: 'foo,bar,baz' });
    expect(issue.message).toMatch(/kind/);
    expect(issue.message).toMatch(/columns/);
    expect(failure(fixture('1,2,3\n4,5,6\n')).code).toBe('unknown_format');
  });

  it('drops rows outside from/to without calling them errors', () => {
    const path = fixture(BAR_HEADER + rows.join('\n'));
    const feed = openCsvFeed(path, { from: parseIsoTime('2020-01-01T00:02:00Z')!, to: parseIsoTime('2020-01-01T00:02:00Z')! });
    const cols = collectColumns(feed);
    expect(Array.from(cols.line.subarray(0, cols.length))).toEqual([3]);
    expect(feed.skipped).toEqual([]);
    expect(feed.rowsOutsideWindow).toBe(2);
  });

  it('a line longer than the chunk grows the buffer', () => {
    const path = fixture(BAR_HEADER + rows[0] + '\n');
    expect(collectColumns(openCsvFeed(path, { chunkBytes: 2 })).length).toBe(1);
  });

  it('next() after close() or after the end returns null', () => {
    const feed = openCsvFeed(fixture(BAR_HEADER + rows.join('\n')));
    expect(feed.next()?.length).toBe(3);
    expect(feed.next()).toBeNull();
    expect(feed.next()).toBeNull();
    const closed = openCsvFeed(fixture(BAR_HEADER + rows.join('\n')));
    closed.close();
    expect(closed.next()).toBeNull();
  });
});
