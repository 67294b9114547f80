import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Issue } from '../../core/errors.js';
import { F_CLEAR, F_LAST, F_SNAPSHOT, type BookColumns } from '../../model/market.js';
import { OrderBook } from '../../model/order-book.js';
import { openBookFeed, type BookFeed, type BookFeedOptions } from './book-feed.js';
import { inputIssue } from '../../../test/helpers/input-error.js';

const SAMPLES = join(import.meta.dirname, '../../../data/samples');
const SNAP = join(SAMPLES, 'binance-btcusdt-depth-snap.csv');
const UPDATE = join(SAMPLES, 'binance-btcusdt-depth-update.csv');
const TARDIS = join(SAMPLES, 'tardis-binance-futures-book-snapshot-25.csv');

interface Row {
  time: number;
  side: number;
  price: number;
  size: number;
  flags: number;
  sequence: number;
  line: number;
  source: number;
}

function rowsOf(feed: BookFeed): Row[] {
  const out: Row[] = [];
  try {
    for (let c: BookColumns | null = feed.next(); c !== null; c = feed.next()) {
      expect(c.kind).toBe('book');
      expect(c.length).toBeGreaterThan(0);
      for (let i = 0; i < c.length; i++) {
        out.push({
          time: c.time[i]!,
          side: c.side[i]!,
          price: c.price[i]!,
          size: c.size[i]!,
          flags: c.flags[i]!,
          sequence: c.sequence[i]!,
          line: c.line[i]!,
          source: c.source[i]!,
        });
      }
    }
  } finally {
    feed.close();
  }
  return out;
}

function read(paths: string | string[], options: BookFeedOptions = {}): { rows: Row[]; feed: BookFeed } {
  const feed = openBookFeed(paths, options);
  return { rows: rowsOf(feed), feed };
}


const dir = mkdtempSync(join(tmpdir(), 'qf-book-'));
let fileNo = 0;
function file(text: string, name = `f${++fileNo}.csv`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const BINANCE_HEADER = 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu';
/** Binance rows: [ms, U, u, side, type, price, qty, pu]. */
function binance(rows: (string | number)[][], header = BINANCE_HEADER): string {
  return [header, ...rows.map((r) => ['BTCUSDT', ...r].join(','))].join('\n') + '\n';
}

describe('Binance depth files', () => {
  it('reads the sample snapshot as one event of 100 bid rows: F_CLEAR first, F_LAST last', () => {
    const { rows, feed } = read(SNAP);
    expect(feed.symbol).toBe('BTCUSDT');
    expect(feed.kind).toBe('book');
    expect(feed.sources).toEqual([{ path: SNAP, format: 'binance-depth' }]);
    expect(rows).toHaveLength(100);
    const text = readFileSync(SNAP, 'utf8').trim().split('\n').slice(1);
    rows.forEach((r, i) => {
      const f = text[i]!.split(',');
      expect(r.time).toBe(Number(f[1]) * 1000);
      expect(r.side).toBe(1);
      expect(r.price).toBe(Number(f[6]));
      expect(r.size).toBe(Number(f[7]));
      expect(r.sequence).toBe(Number(f[3]));
      expect(r.line).toBe(i + 2);
      expect(r.flags).toBe(F_SNAPSHOT | (i === 0 ? F_CLEAR : 0) | (i === 99 ? F_LAST : 0));
    });
    expect(feed.stats).toMatchObject({ events: 1, snapshots: 1, updates: 0, rows: 100, gaps: 0, crossedEvents: 0 });
    expect(feed.skipped).toEqual([]);
  });

  it('finds the sample snapshot and update do not connect: a gap, named by file, line, column and id', () => {
    const issue = inputIssue(() => read([SNAP, UPDATE]));
    expect(issue).toMatchObject({ code: 'sequence_gap', file: UPDATE, line: 2, column: 'first_update_id', value: '2098041693435' });
    expect(issue.message).toMatch(/last_update_id 2098021528332.*update ids 2098021528333\.\.2098041693434 \(20165102\) are missing/);

    const seen: Issue[] = [];
    const { rows, feed } = read([SNAP, UPDATE], { onInvalid: 'skip', onIssue: () => expect.unreachable('no row is bad'), onWarning: (i) => seen.push(i) });
    expect(feed.skipped).toHaveLength(0);
    expect(feed.warnings).toHaveLength(1);
    expect(seen).toEqual(feed.warnings);
    // A gap does not fail a feed that fails at bad rows, when gaps are only warned of.
    expect(read([SNAP, UPDATE], { onGap: 'warn' }).feed.warnings).toEqual(feed.warnings);
    expect(feed.stats).toMatchObject({ events: 2, snapshots: 1, updates: 1, rows: 200, gaps: 1, crossedEvents: 0, invalidRows: 0 });
    expect(feed.inSync).toBe(false);
    // The update is one event of 100 rows, from file 1.
    expect(rows.slice(100).every((r) => r.source === 1 && r.sequence === 2098041696700 && r.flags === (r.line === 101 ? F_LAST : 0))).toBe(true);
  });

  it('reports the update file alone: no snapshot to start from', () => {
    const issue = inputIssue(() => read(UPDATE));
    expect(issue).toMatchObject({ code: 'sequence_gap', line: 2 });
    expect(issue.message).toMatch(/no snapshot/);
  });

  it('follows the diff-depth rules: drops covered updates, checks the straddle and pu', () => {
    const snap = file(binance([[1000, 100, 100, 'b', 'snap', 10, 1, -1], [1000, 100, 100, 'a', 'snap', 11, 1, -1]]));
    const upd = file(
      binance([
        [900, 80, 89, 'b', 'set', 10, 2, 79], // before the snapshot in time: left out
        [1001, 90, 95, 'b', 'set', 10, 3, 89], // covered by the snapshot: left out
        [1002, 96, 101, 'b', 'set', 10, 4, 95], // straddles 101: applied
        [1002, 96, 101, 'a', 'set', 11, 0, 95],
        [1002, 96, 101, 'a', 'set', 11.5, 2, 95],
        [1003, 102, 105, 'b', 'set', 10.5, 1, 101], // pu = previous u: applied
        [1004, 110, 112, 'a', 'set', 12, 1, 108], // pu 108 != 105: a gap
      ]),
    );
    const issue = inputIssue(() => read([snap, upd]));
    expect(issue).toMatchObject({ code: 'sequence_gap', file: upd, line: 8, column: 'pu', value: '108' });

    const { rows, feed } = read([upd, snap], { onInvalid: 'skip' });
    expect(feed.stats).toMatchObject({ events: 4, snapshots: 1, updates: 3, beforeSnapshot: 1, staleDropped: 1, gaps: 1 });
    expect(feed.issues.map((i) => [i.code, i.line, i.column])).toEqual([['sequence_gap', 8, 'pu']]);
    const book = new OrderBook();
    const cols = openBookFeed([upd, snap], { onInvalid: 'skip' });
    for (let c = cols.next(); c !== null; c = cols.next()) book.applyRows(c);
    expect([book.bestBid, book.bestBidSize, book.bestAsk, book.bestAskSize]).toEqual([10.5, 1, 11.5, 2]);
    expect(book.sequence).toBe(112);
    expect(rows.map((r) => r.source)).toEqual([1, 1, 0, 0, 0, 0, 0]); // snapshot rows come from the second path
  });

  it('checks spot files (no pu column) by first_update_id = previous last_update_id + 1', () => {
    const header = 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty';
    const rows = (gapAt: number): string =>
      binance(
        [
          [1, 10, 10, 'b', 'snap', 10, 1],
          [2, 9, 12, 'b', 'set', 10, 2],
          [3, 13, 14, 'b', 'set', 10, 3],
          [4, gapAt, 20, 'b', 'set', 10, 4],
        ],
        header,
      );
    expect(read(file(rows(15))).feed.stats.gaps).toBe(0);
    expect(inputIssue(() => read(file(rows(16))))).toMatchObject({ code: 'sequence_gap', line: 5, column: 'first_update_id', value: '16' });
  });

  it('reports and leaves out updates whose ids go back', () => {
    const p = file(
      binance([
        [1, 10, 10, 'b', 'snap', 10, 1, -1],
        [2, 11, 12, 'b', 'set', 10, 2, 10],
        [3, 11, 12, 'b', 'set', 10, 9, 10], // a repeat
        [4, 13, 14, 'b', 'set', 10, 3, 12],
      ]),
    );
    const { rows, feed } = read(p, { onInvalid: 'skip' });
    expect(feed.issues.map((i) => [i.code, i.line])).toEqual([['sequence_gap', 4]]);
    expect(rows.map((r) => r.size)).toEqual([1, 2, 3]);
  });

  it('reports a crossed book once per run, naming the row that crossed it', () => {
    const p = file(
      binance([
        [1, 10, 10, 'b', 'snap', 10, 1, -1],
        [1, 10, 10, 'a', 'snap', 11, 1, -1],
        [2, 11, 11, 'b', 'set', 10.5, 1, 10],
        [2, 11, 11, 'b', 'set', 11.5, 1, 10], // crosses the ask at 11
        [3, 12, 12, 'b', 'set', 11.6, 1, 11], // still crossed: counted, not reported again
        [4, 13, 13, 'a', 'set', 11, 0, 12], // uncrossed
      ]),
    );
    const issue = inputIssue(() => read(p));
    expect(issue).toMatchObject({ code: 'crossed_book', file: p, line: 5, column: 'price', value: '11.5' });
    const { feed } = read(p, { onInvalid: 'skip' });
    expect(feed.stats.crossedEvents).toBe(2);
    expect(feed.warnings).toHaveLength(1);
    expect(feed.book.isCrossed()).toBe(false);
  });

  it('reports issues in file order, even though rows are read one ahead', () => {
    const p = file(
      binance([
        [1, 10, 10, 'b', 'snap', 10, 1, -1],
        [1, 10, 10, 'a', 'snap', 11, 1, -1],
        [2, 11, 11, 'b', 'set', 11.5, 1, 10], // crosses (line 4)
        [3, 12, 12, 'b', 'set', 'x', 1, 11], // bad row (line 5)
        [4, 13, 13, 'b', 'set', 11.5, 0, 12],
      ]),
    );
    expect(inputIssue(() => read(p))).toMatchObject({ code: 'crossed_book', line: 4 });
    expect(read(p, { onInvalid: 'skip' }).feed.issues.map((i) => [i.code, i.line])).toEqual([
      ['crossed_book', 4],
      ['unparseable_field', 5],
      ['sequence_gap', 6], // the left-out row was update 12, which the next one follows
    ]);
  });

  it('does not report a book that crosses only in the middle of an event', () => {
    const p = file(
      binance([
        [1, 10, 10, 'b', 'snap', 10, 1, -1],
        [1, 10, 10, 'a', 'snap', 11, 1, -1],
        [2, 11, 11, 'b', 'set', 11.5, 1, 10], // crossed for a moment...
        [2, 11, 11, 'a', 'set', 11, 0, 10], // ...not after the event
        [2, 11, 11, 'a', 'set', 12, 1, 10],
      ]),
    );
    expect(read(p).feed.stats.crossedEvents).toBe(0);
  });

  it('reports bad rows with file, line, column and value; skip leaves them out', () => {
    const cases: [string[], string, string, string][] = [
      [['2', '10', '10', 'b', 'snap', 'abc', '1', '-1'], 'unparseable_field', 'price', 'abc'],
      [['2', '10', '10', 'x', 'snap', '10', '1', '-1'], 'unparseable_field', 'side', 'x'],
      [['2', '10', '10', 'b', 'upsert', '10', '1', '-1'], 'unparseable_field', 'update_type', 'upsert'],
      [['2', '10', '10', 'b', 'snap', '10', '-1', '-1'], 'negative_volume', 'qty', '-1'],
      [['2', '10', '10', 'b', 'snap', '0', '1', '-1'], 'non_positive_price', 'price', '0'],
      [['5.5', '10', '10', 'b', 'snap', '10', '1', '-1'], 'unparseable_field', 'timestamp', '5.5'],
      [['1', '10', '10', 'b', 'snap', '10', '1', '-1'], 'time_backwards', 'timestamp', '1'],
    ];
    for (const [bad, code, column, value] of cases) {
      const p = file(
        binance([
          [2, 10, 10, 'b', 'snap', 9, 1, -1],
          bad,
          [2, 10, 10, 'b', 'snap', 8, 1, -1],
        ]),
      );
      expect(inputIssue(() => read(p))).toMatchObject({ code, file: p, line: 3, column, value });
      const { rows, feed } = read(p, { onInvalid: 'skip' });
      expect(rows.map((r) => r.price)).toEqual([9, 8]);
      expect(feed.stats.invalidRows).toBe(1);
    }
    const short = file(`${BINANCE_HEADER}\nBTCUSDT,1,10,10,b,snap,10\n`);
    expect(inputIssue(() => read(short))).toMatchObject({ code: 'field_count', line: 2 });
    const sym = file(binance([[1, 10, 10, 'b', 'snap', 9, 1, -1]]) + 'ETHUSDT,1,10,10,b,snap,8,1,-1\n');
    expect(inputIssue(() => read(sym))).toMatchObject({ code: 'unparseable_field', line: 3, column: 'symbol', value: 'ETHUSDT' });
  });

  it('hands out the same rows whatever the chunk size, events split across chunks', () => {
    const all = read([SNAP, UPDATE], { onInvalid: 'skip' }).rows;
    for (const capacity of [1, 3, 7, 99, 100, 101]) {
      expect(read([SNAP, UPDATE], { onInvalid: 'skip', capacity }).rows).toEqual(all);
    }
    expect(read([SNAP, UPDATE], { onInvalid: 'skip', chunkBytes: 64 }).rows).toEqual(all);
  });

  it('stops before the first event after `to`', () => {
    const { rows, feed } = read([SNAP, UPDATE], { to: 1667347199939000 - 1 });
    expect(rows).toHaveLength(100);
    expect(feed.stats.gaps).toBe(0);
    expect(read([SNAP, UPDATE], { to: 1667347199939000, onInvalid: 'skip' }).rows).toHaveLength(200);
  });

  it('merges files in time order: at equal times snapshots first, then the order of the paths', () => {
    const a = file(binance([[5, 11, 11, 'b', 'set', 10, 2, 10], [7, 12, 12, 'b', 'set', 10, 3, 11]]));
    const s = file(binance([[5, 10, 10, 'b', 'snap', 10, 1, -1]]));
    const { rows, feed } = read([a, s]);
    expect(rows.map((r) => [r.source, r.size])).toEqual([
      [1, 1],
      [0, 2],
      [0, 3],
    ]);
    expect(feed.source).toBe(`${a} + ${s}`);
  });
});

describe('Binance depth files as data export writes them', () => {
  const HEADER = 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu,flags';

  it('reads ISO 8601 times to the microsecond beside epoch milliseconds', () => {
    const p = file(
      binance(
        [
          ['2022-11-01T23:49:39.146123Z', 10, 10, 'b', 'snap', 10, 1, -1, 3],
          ['2022-11-01T23:49:39.146123Z', 10, 10, 'a', 'snap', 11, 1, -1, 5],
          [1667346580000, 11, 11, 'b', 'set', 10.5, 1, 10, 4],
        ],
        HEADER,
      ),
    );
    const { rows } = read(p);
    expect(rows.map((r) => r.time)).toEqual([1667346579146123, 1667346579146123, 1667346580000000]);
    const bad = inputIssue(() => read(file(binance([['2022-11-01', 10, 10, 'b', 'snap', 10, 1, -1, 7]], HEADER))));
    expect(bad).toMatchObject({ code: 'unparseable_field', line: 2, column: 'timestamp', value: '2022-11-01', message: 'not a time in epoch milliseconds or ISO 8601 (date and time)' });
  });

  it('takes the event boundaries and clears from the flags column: two snapshots at one time stay two', () => {
    const rowsOfFile = (withFlags: boolean): Row[] => {
      const list = [
        [1000, -1, -1, 'b', 'snap', 10, 1, -1, 3],
        [1000, -1, -1, 'a', 'snap', 11, 1, -1, 5],
        [1000, -1, -1, 'b', 'snap', 10.25, 2, -1, 3],
        [1000, -1, -1, 'a', 'snap', 10.75, 2, -1, 5],
      ];
      return read(file(withFlags ? binance(list, HEADER) : binance(list.map((r) => r.slice(0, 8))))).rows;
    };
    expect(rowsOfFile(true).map((r) => r.flags)).toEqual([F_SNAPSHOT | F_CLEAR, F_SNAPSHOT | F_LAST, F_SNAPSHOT | F_CLEAR, F_SNAPSHOT | F_LAST]);
    // Without the column the rows are one event (same type, ids and time).
    expect(rowsOfFile(false).map((r) => r.flags)).toEqual([F_SNAPSHOT | F_CLEAR, F_SNAPSHOT, F_SNAPSHOT, F_SNAPSHOT | F_LAST]);
  });

  it('refuses flags that disagree with update_type', () => {
    const issue = inputIssue(() => read(file(binance([[1000, 10, 10, 'b', 'set', 10, 1, 9, 1]], HEADER))));
    expect(issue).toMatchObject({ code: 'unparseable_field', line: 2, column: 'flags', value: '1' });
    expect(issue.message).toMatch(/not the flags of a set row/);
    expect(inputIssue(() => read(file(binance([[1000, 10, 10, 'b', 'snap', 10, 1, -1, 9]], HEADER))))).toMatchObject({ column: 'flags', value: '9' });
  });

  it('reads a snapshot of an empty book: one row at price 0 that removes nothing (as a Tardis line without levels)', () => {
    const p = file(binance([[1000, -1, -1, 'b', 'snap', 0, 0, -1, 7]], HEADER));
    const { rows } = read(p);
    expect(rows).toMatchObject([{ price: 0, size: 0, flags: F_SNAPSHOT | F_CLEAR | F_LAST }]);
    // Elsewhere a price of 0 is still bad.
    expect(inputIssue(() => read(file(binance([[1000, 10, 10, 'b', 'set', 0, 0, 9, 4]], HEADER))))).toMatchObject({ code: 'non_positive_price', column: 'price' });
  });

  it('checks nothing where an update has no first id (-1: rows recorded without one)', () => {
    const p = file(
      binance(
        [
          [1, 10, 10, 'b', 'snap', 10, 1, -1, 7],
          [2, -1, 500, 'b', 'set', 10, 2, -1, 4],
          [3, -1, 900, 'b', 'set', 10, 3, -1, 4],
        ],
        HEADER,
      ),
    );
    const { rows, feed } = read(p);
    expect(rows).toHaveLength(3);
    expect(feed.stats.gaps).toBe(0);
  });

  it('hands out each event\'s first and previous ids beside its last', () => {
    const cols = openBookFeed([SNAP, UPDATE], { onGap: 'warn' });
    const seen = new Set<string>();
    for (let c = cols.next(); c !== null; c = cols.next()) {
      for (let i = 0; i < c.length; i++) seen.add(`${c.firstSequence[i]} ${c.sequence[i]} ${c.prevSequence[i]}`);
    }
    expect([...seen]).toEqual(['2098021528332 2098021528332 -1', '2098041693435 2098041696700 2098041693400']);
  });
});

describe('Tardis book_snapshot files', () => {
  /** An independent reading of the file text: each line's levels, bids then asks, best first. */
  function expected(path: string): Row[] {
    const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
    const names = head!.split(',');
    const out: Row[] = [];
    lines.forEach((text, k) => {
      const f = text.split(',');
      const get = (name: string): string => f[names.indexOf(name)]!;
      const levels: [number, number, number][] = [];
      for (const [side, key] of [
        [1, 'bids'],
        [-1, 'asks'],
      ] as const) {
        for (let i = 0; names.includes(`${key}[${i}].price`); i++) {
          const p = get(`${key}[${i}].price`);
          const a = get(`${key}[${i}].amount`);
          if (p !== '' && Number(a) > 0) levels.push([side, Number(p), Number(a)]);
        }
      }
      levels.forEach(([side, price, size], i) =>
        out.push({
          time: Number(get('timestamp')),
          side,
          price,
          size,
          flags: F_SNAPSHOT | (i === 0 ? F_CLEAR : 0) | (i === levels.length - 1 ? F_LAST : 0),
          sequence: -1,
          line: k + 2,
          source: 0,
        }),
      );
    });
    return out;
  }

  it('reads every line of the sample as a full snapshot event', () => {
    const { rows, feed } = read(TARDIS, { capacity: 64 });
    expect(feed.sources).toEqual([{ path: TARDIS, format: 'tardis-book-snapshot' }]);
    expect(feed.symbol).toBe('BTCUSDT');
    expect(rows).toEqual(expected(TARDIS));
    expect(rows).toHaveLength(500);
    expect(feed.stats).toMatchObject({ events: 10, snapshots: 10, gaps: 0, crossedEvents: 0 });
  });

  it('leaves out empty levels, clears on an empty snapshot, reports a crossed snapshot and a half level', () => {
    const header = 'exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,asks[1].price,asks[1].amount,bids[1].price,bids[1].amount';
    const p = file(
      [
        header,
        'x,BTC,10,11,101,1,100,2,,,99,3',
        'x,BTC,20,21,,,,,,,,',
        'x,BTC,30,31,101,1,102,2,102,1,99,1',
        'x,BTC,40,41,101,1,,2,,,,',
      ].join('\n'),
    );
    const { rows, feed } = read(p, { onInvalid: 'skip' });
    expect(rows.filter((r) => r.line === 2).map((r) => [r.side, r.price, r.size, r.flags])).toEqual([
      [1, 100, 2, F_SNAPSHOT | F_CLEAR],
      [1, 99, 3, F_SNAPSHOT],
      [-1, 101, 1, F_SNAPSHOT | F_LAST],
    ]);
    expect(rows.filter((r) => r.line === 3).map((r) => [r.price, r.size, r.flags])).toEqual([[0, 0, F_SNAPSHOT | F_CLEAR | F_LAST]]);
    expect(feed.issues.map((i) => [i.code, i.line, i.column, i.value])).toEqual([
      ['crossed_book', 4, 'bids[0].price', '102'],
      ['unparseable_field', 5, 'bids[0].amount', '2'],
    ]);
    expect(rows.some((r) => r.line === 5)).toBe(false);
  });
});

describe('file encodings', () => {
  it('reads CR LF line ends, a byte order mark and a last line without a line break alike', () => {
    const plain = read(TARDIS).rows;
    const text = readFileSync(TARDIS, 'utf8');
    const variant = file(`\ufeff${text.trim().replaceAll('\n', '\r\n')}`);
    expect(read(variant).rows).toEqual(plain);
    const snap = read(SNAP).rows;
    expect(read(file(readFileSync(SNAP, 'utf8').replaceAll('\n', '\r\n'))).rows).toEqual(snap);
  });
});

describe('openBookFeed', () => {
  it('refuses unknown layouts, missing and empty files, mixed instruments and bad options', () => {
    expect(inputIssue(() => openBookFeed(join(SAMPLES, 'ORCL-1995-2014.csv')))).toMatchObject({ code: 'unknown_format', line: 1 });
    expect(inputIssue(() => openBookFeed(join(dir, 'nope.csv')))).toMatchObject({ code: 'file_not_found' });
    expect(inputIssue(() => openBookFeed(file('')))).toMatchObject({ code: 'empty_file' });
    expect(inputIssue(() => openBookFeed([]))).toMatchObject({ code: 'invalid_option' });
    expect(inputIssue(() => openBookFeed(SNAP, { capacity: 0 }))).toMatchObject({ code: 'invalid_option', field: 'capacity' });
    const eth = file(binance([[1, 10, 10, 'b', 'snap', 9, 1, -1]]).replaceAll('BTCUSDT', 'ETHUSDT'));
    expect(inputIssue(() => openBookFeed([SNAP, eth]))).toMatchObject({ code: 'invalid_option', field: 'symbol' });
    const feed = openBookFeed([SNAP, eth], { symbol: 'BOTH' });
    expect(feed.symbol).toBe('BOTH');
    feed.close();
  });

  it('keeps the MarketFeed contract: chunks in time order, then null for good; close twice is fine', () => {
    for (const paths of [[SNAP], [TARDIS], [SNAP, UPDATE]]) {
      const feed = openBookFeed(paths, { capacity: 33, onInvalid: 'skip' });
      let prev = -Infinity;
      for (let c = feed.next(); c !== null; c = feed.next()) {
        expect(c.length).toBeLessThanOrEqual(c.capacity);
        for (let i = 0; i < c.length; i++) {
          expect(Number.isSafeInteger(c.time[i])).toBe(true);
          expect(c.time[i]!).toBeGreaterThanOrEqual(prev);
          prev = c.time[i]!;
        }
      }
      expect(feed.next()).toBeNull();
      feed.close();
      feed.close();
      expect(feed.next()).toBeNull();
    }
  });
});
