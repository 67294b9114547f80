/**
 * CheckedBookFeed: book rows as a catalog stores them (the book feed's rows
 * with their update ids), checked again as the book feed checks files.
 * Each case reads a file with openBookFeed under 'warn', keeps its rows in
 * memory (as an import stores them) and checks those: the same gaps and
 * crossed books, with the same words, and the same rows out.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, type Issue } from '../../core/errors.js';
import { BookColumns, F_CLEAR, F_LAST, F_SNAPSHOT, type Columns } from '../../model/market.js';
import { collectColumns } from '../collect.js';
import { ColumnsFeed } from '../memory-feed.js';
import { openBookFeed } from './book-feed.js';
import { CheckedBookFeed } from './checked-feed.js';
import { inputIssue } from '../../../test/helpers/input-error.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-checked-book-'));
let fileNo = 0;

/** A Binance depth file of rows [ms, first, last, side, type, price, qty, pu] (pu '' for a spot file without the column). */
function binance(rows: (string | number)[][], pu = true): string {
  const header = `symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty${pu ? ',pu' : ''}`;
  const path = join(dir, `book-${++fileNo}.csv`);
  writeFileSync(path, [header, ...rows.map((r) => ['BTCUSDT', ...(pu ? r : r.slice(0, 7))].join(','))].join('\n') + '\n');
  return path;
}

/** The stored rows of a file (read under 'warn', as an import reads it) and the feed's warnings. */
function stored(path: string): { columns: Columns; warnings: readonly Issue[] } {
  const feed = openBookFeed(path, { onGap: 'warn' });
  const columns = collectColumns(feed);
  // A catalog read numbers its rows from 1.
  for (let i = 0; i < columns.length; i++) columns.line[i] = i + 1;
  return { columns, warnings: feed.warnings };
}

/** A row of the columns as text: what a consumer sees. */
function rowsOf(feed: { next(): Columns | null; close(): void }): string[] {
  const out: string[] = [];
  for (let c = feed.next(); c !== null; c = feed.next()) {
    if (c.kind !== 'book') throw new Error('not a book');
    for (let i = 0; i < c.length; i++) out.push([c.time[i], c.side[i], c.price[i], c.size[i], c.flags[i], c.sequence[i], c.firstSequence[i], c.prevSequence[i]].join(' '));
  }
  feed.close();
  return out;
}

/** An issue without its place (the file and line of a file, the data set and row of stored rows). */
function placeless(i: Issue): string {
  return formatIssue({ ...i, file: 'X', line: 1, column: 'C' });
}

const checked = (columns: Columns, onGap: 'fail' | 'warn'): CheckedBookFeed => new CheckedBookFeed(new ColumnsFeed('BTCUSDT', columns, 'cat (book BTCUSDT)'), { onGap });

const CASES: Record<string, () => string> = {
  'a gap between snapshot and first update': () =>
    binance([
      [1000, 10, 10, 'b', 'snap', 100, 1, -1],
      [1000, 10, 10, 'a', 'snap', 101, 1, -1],
      [2000, 15, 16, 'b', 'set', 100.5, 2, 14],
    ]),
  'a futures gap: pu is not the previous last id': () =>
    binance([
      [1000, 10, 10, 'b', 'snap', 100, 1, -1],
      [1000, 10, 10, 'a', 'snap', 101, 1, -1],
      [2000, 9, 12, 'b', 'set', 100.5, 2, 8],
      [3000, 13, 14, 'a', 'set', 101.5, 2, 12],
      [4000, 17, 18, 'a', 'set', 101.25, 1, 16],
    ]),
  'a spot gap: first id does not follow': () =>
    binance(
      [
        [1000, 10, 10, 'b', 'snap', 100, 1],
        [1000, 10, 10, 'a', 'snap', 101, 1],
        [2000, 11, 12, 'b', 'set', 100.5, 2],
        [3000, 14, 15, 'a', 'set', 101.5, 2],
      ],
      false,
    ),
  'updates without a snapshot': () =>
    binance([
      [2000, 11, 12, 'b', 'set', 100.5, 2, 10],
      [3000, 13, 14, 'a', 'set', 101.5, 2, 12],
    ]),
  'a crossed book': () =>
    binance([
      [1000, 10, 10, 'b', 'snap', 100, 1, -1],
      [1000, 10, 10, 'a', 'snap', 101, 1, -1],
      [2000, 11, 12, 'b', 'set', 101.5, 2, 10],
      [3000, 13, 13, 'b', 'set', 102, 2, 12],
      [4000, 14, 14, 'b', 'set', 101.5, 0, 13],
      [4000, 14, 14, 'b', 'set', 102, 0, 13],
    ]),
};

describe('CheckedBookFeed over the rows an import stores', () => {
  it.each(Object.keys(CASES))('%s: the book feed\'s warnings, in its words, and its rows', (name) => {
    const { columns, warnings } = stored(CASES[name]!());
    expect(warnings.length).toBeGreaterThan(0);
    const feed = checked(columns, 'warn');
    const rows = rowsOf(feed);
    expect(rows).toEqual(rowsOf(new ColumnsFeed('BTCUSDT', columns)));
    expect(feed.warnings.map(placeless)).toEqual(warnings.map(placeless));
    // Placed in the stored rows: the data set and the row's number.
    for (const w of feed.warnings) expect(formatIssue(w)).toMatch(/^cat \(book BTCUSDT\):\d+: column '(first_sequence|prev_sequence|price)' field '(sequence|price)' value '/);
  });

  it.each(Object.keys(CASES))('%s: fails at the first under onGap fail (the default), as the book feed does', (name) => {
    const path = CASES[name]!();
    const { columns } = stored(path);
    const fromFile = inputIssue(() => rowsOf(openBookFeed(path)));
    const fromStore = inputIssue(() => rowsOf(new CheckedBookFeed(new ColumnsFeed('BTCUSDT', columns, 'cat (book BTCUSDT)'))));
    expect(placeless(fromStore)).toBe(placeless(fromFile));
  });

  it('names the row of the gap (its number in the stored rows) and the stored column', () => {
    const { columns } = stored(CASES['a gap between snapshot and first update']!());
    const feed = checked(columns, 'warn');
    rowsOf(feed);
    expect(formatIssue(feed.warnings[0]!)).toBe(
      "cat (book BTCUSDT):3: column 'first_sequence' field 'sequence' value '15': sequence gap at 1970-01-01T00:00:02Z: the first update after the snapshot (last_update_id 10) must cover update id 11, but it starts at 15: update ids 11..14 (4) are missing; the book is out of sync until the next snapshot",
    );
  });

  it('passes a continuous book without a word', () => {
    const { columns, warnings } = stored(
      binance([
        [1000, 10, 10, 'b', 'snap', 100, 1, -1],
        [1000, 10, 10, 'a', 'snap', 101, 1, -1],
        [2000, 9, 12, 'b', 'set', 100.5, 2, 8],
        [3000, 13, 14, 'a', 'set', 101.5, 2, 12],
      ]),
    );
    expect(warnings).toEqual([]);
    const feed = checked(columns, 'fail');
    expect(rowsOf(feed)).toHaveLength(4);
    expect(feed.warnings).toEqual([]);
  });

  /** Stored rows made by hand: [time, side, price, size, flags, last id, first id, previous id]. */
  function rows(list: number[][]): BookColumns {
    const c = new BookColumns(list.length);
    list.forEach((r, i) => {
      [c.time[i], c.side[i], c.price[i], c.size[i], c.flags[i], c.sequence[i], c.firstSequence[i], c.prevSequence[i]] = r as [number, number, number, number, number, number, number, number];
      c.line[i] = i + 1;
    });
    c.length = list.length;
    return c;
  }

  it('leaves out what the rules leave out: an update the snapshot covers, a snapshot older than the book', () => {
    const SNAP_FIRST = F_SNAPSHOT | F_CLEAR;
    const c = rows([
      [1, 1, 100, 1, SNAP_FIRST | F_LAST, 10, 10, -1],
      [2, 1, 99, 5, F_LAST, 9, 8, 7], // stale: the snapshot is past it
      [3, -1, 101, 1, F_LAST, 12, 10, -1],
      [4, 1, 98, 1, SNAP_FIRST | F_LAST, 11, 11, -1], // a snapshot older than the book
      [5, -1, 102, 1, F_LAST, 13, 13, -1],
    ]);
    const feed = checked(c, 'fail');
    expect(rowsOf(feed).map((r) => Number(r.split(' ')[0]))).toEqual([1, 3, 5]);
    expect(feed.warnings).toEqual([]);
  });

  it('checks nothing where the stored rows have no first ids (recorded, or stored before they were kept)', () => {
    const c = rows([
      [1, 1, 100, 1, F_SNAPSHOT | F_CLEAR | F_LAST, 10, -1, -1],
      [2, -1, 101, 1, F_LAST, 500, -1, -1],
      [3, -1, 102, 1, F_LAST, 900, -1, -1],
    ]);
    const feed = checked(c, 'fail');
    expect(rowsOf(feed)).toHaveLength(3);
  });

  it('takes the next snapshot after an update without a first id, whatever its id (the book is not known to be in sync)', () => {
    const c = rows([
      [1, 1, 100, 1, F_SNAPSHOT | F_CLEAR | F_LAST, 100, 100, -1],
      [2, -1, 101, 1, F_LAST, 500, -1, -1],
      [3, 1, 99, 1, F_SNAPSHOT | F_CLEAR | F_LAST, 10, 10, -1],
      [4, -1, 101.5, 1, F_LAST, 12, 11, 10],
    ]);
    const feed = checked(c, 'fail');
    expect(rowsOf(feed).map((r) => Number(r.split(' ')[0]))).toEqual([1, 2, 3, 4]);
  });

  it('sees events across chunks', () => {
    const { columns, warnings } = stored(CASES['a futures gap: pu is not the previous last id']!());
    // The same rows in chunks of one row.
    let at = 0;
    const inner = {
      kind: 'book' as const,
      symbol: 'BTCUSDT',
      source: 'cat (book BTCUSDT)',
      skipped: [],
      next(): Columns | null {
        if (at >= columns.length) return null;
        const c = new BookColumns(1);
        const src = columns as BookColumns;
        [c.time[0], c.side[0], c.price[0], c.size[0], c.flags[0], c.sequence[0], c.firstSequence[0], c.prevSequence[0], c.line[0]] = [
          src.time[at]!, src.side[at]!, src.price[at]!, src.size[at]!, src.flags[at]!, src.sequence[at]!, src.firstSequence[at]!, src.prevSequence[at]!, at + 1,
        ];
        c.length = 1;
        at++;
        return c;
      },
      close(): void {},
    };
    const feed = new CheckedBookFeed(inner, { onGap: 'warn' });
    rowsOf(feed);
    expect(feed.warnings.map(placeless)).toEqual(warnings.map(placeless));
  });
});
