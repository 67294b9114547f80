import type { Issue } from '../../core/errors.js';
import { parseIsoTime } from '../../core/time.js';
import { F_CLEAR, F_LAST, F_SNAPSHOT } from '../../model/market.js';
import { parseDecimal } from '../csv/decimal.js';
import type { LineReader } from './lines.js';
import { RowGuard, fieldCountIssue, fieldIssue, normalizeName, type BookSource, type Reporter } from './source.js';

/** Columns of a Binance depth file, as normalised header names. */
const REQUIRED = ['timestamp', 'firstupdateid', 'lastupdateid', 'side', 'updatetype', 'price', 'qty'] as const;

export interface BinanceColumns {
  symbol: number;
  time: number;
  first: number;
  last: number;
  side: number;
  type: number;
  price: number;
  qty: number;
  /** -1 when the file has no `pu` column (spot data). */
  pu: number;
  /** -1 when the file has no `flags` column (files from Binance; `data export` writes one). */
  flags: number;
}

/**
 * Binance depth files (`symbol,timestamp,first_update_id,last_update_id,side,
 * update_type,price,qty,pu`, any column order): undefined when the header is
 * not one.
 */
export function binanceColumns(names: readonly string[]): BinanceColumns | undefined {
  const norm = names.map(normalizeName);
  const at = (n: string): number => norm.indexOf(n);
  if (REQUIRED.some((n) => at(n) < 0)) return undefined;
  return {
    symbol: at('symbol'),
    time: at('timestamp'),
    first: at('firstupdateid'),
    last: at('lastupdateid'),
    side: at('side'),
    type: at('updatetype'),
    price: at('price'),
    qty: at('qty'),
    pu: at('pu'),
    flags: at('flags'),
  };
}

const MICROS_PER_MS = 1000;

/**
 * Rows of a Binance depth file. Timestamps are milliseconds since the epoch
 * or ISO 8601 times (to the microsecond, as `data export` writes them); side
 * `b`/`a` (or `bid`/`ask`); update_type `snap` (a row of a snapshot) or
 * `set` (the level's new size; 0 removes it). Consecutive rows with the same
 * update_type, update ids and timestamp form one event. One row of lookahead
 * tells whether the current row ends its event. An optional `flags` column
 * (the BookColumns flags, as `data export` writes them) also ends an event
 * where a row says F_LAST and clears the book where it says F_CLEAR, so that
 * an exported book reads back event for event.
 */
export class BinanceDepthSource implements BookSource {
  readonly format = 'binance-depth' as const;
  readonly symbol: string;
  readonly hasSnapshots: boolean;
  readonly firstIdColumn: string;
  readonly prevIdColumn: string;
  has = false;
  time = 0;
  side = 0;
  price = 0;
  size = 0;
  flags = 0;
  firstId = -1;
  lastId = -1;
  prevId = -1;
  line = 0;

  // The row after the current one (lookahead).
  private nHas = false;
  private nTime = 0;
  private nSide = 0;
  private nPrice = 0;
  private nSize = 0;
  private nSnap = false;
  private nFirst = 0;
  private nLast = 0;
  private nPrev = -1;
  /** The row's flags column, -1 without one. */
  private nFlags = -1;
  private nLine = 0;
  private eventStart = true;
  private readonly guard = new RowGuard();
  private readonly priceName: string;
  /** Issues met while reading ahead, reported when the cursor moves past the current row. */
  private pending: Issue[] = [];

  constructor(
    readonly path: string,
    private readonly reader: LineReader,
    private readonly names: readonly string[],
    private readonly c: BinanceColumns,
    private readonly report: Reporter,
    fallbackSymbol: string,
  ) {
    this.priceName = names[c.price] ?? 'price';
    this.firstIdColumn = names[c.first] ?? 'first_update_id';
    this.prevIdColumn = c.pu >= 0 ? (names[c.pu] ?? 'pu') : this.firstIdColumn;
    this.readNext();
    this.hasSnapshots = this.nHas && this.nSnap;
    this.symbol = this.guard.firstSymbol ?? fallbackSymbol;
    this.advance();
  }

  priceColumn(): string {
    return this.priceName;
  }

  advance(): void {
    if (this.pending.length > 0) {
      const issues = this.pending;
      this.pending = [];
      for (const issue of issues) this.report(issue);
    }
    if (!this.nHas) {
      this.has = false;
      return;
    }
    this.has = true;
    this.time = this.nTime;
    this.side = this.nSide;
    this.price = this.nPrice;
    this.size = this.nSize;
    this.firstId = this.nFirst;
    this.lastId = this.nLast;
    this.prevId = this.nPrev;
    this.line = this.nLine;
    const snap = this.nSnap;
    const written = this.nFlags;
    this.readNext();
    const last =
      !this.nHas ||
      this.nSnap !== snap ||
      this.nFirst !== this.firstId ||
      this.nLast !== this.lastId ||
      this.nTime !== this.time ||
      (written >= 0 && (written & F_LAST) !== 0);
    const clear = written >= 0 ? (written & F_CLEAR) !== 0 : snap && this.eventStart;
    this.flags = (snap ? F_SNAPSHOT : 0) | (clear ? F_CLEAR : 0) | (last ? F_LAST : 0);
    this.eventStart = last;
  }

  close(): void {
    this.reader.close();
    this.nHas = false;
    this.has = false;
  }

  /** Reads the next valid row into the lookahead slot (nHas false at the end). */
  private readNext(): void {
    const r = this.reader;
    const c = this.c;
    const expected = this.names.length;
    for (;;) {
      if (!r.nextLine()) {
        this.nHas = false;
        return;
      }
      if (r.fields !== expected) {
        this.pending.push(fieldCountIssue(r, expected));
        continue;
      }
      const b = r.buf;
      const s = r.starts;
      const e = r.ends;
      const ms = parseDecimal(b, s[c.time]!, e[c.time]!);
      let t: number | undefined;
      if (Number.isSafeInteger(ms)) t = ms * MICROS_PER_MS;
      else {
        // An ISO 8601 date and time (a date alone is no event's time).
        const text = r.text(c.time);
        t = /\d[T ]\d/i.test(text) ? parseIsoTime(text) : undefined;
      }
      if (t === undefined) {
        this.bad(c.time, 'unparseable_field', 'time', 'not a time in epoch milliseconds or ISO 8601 (date and time)');
        continue;
      }
      const first = parseDecimal(b, s[c.first]!, e[c.first]!);
      if (!Number.isSafeInteger(first)) {
        this.bad(c.first, 'unparseable_field', 'first_update_id', 'not an update id (a whole number)');
        continue;
      }
      const last = parseDecimal(b, s[c.last]!, e[c.last]!);
      if (!Number.isSafeInteger(last)) {
        this.bad(c.last, 'unparseable_field', 'last_update_id', 'not an update id (a whole number)');
        continue;
      }
      let prev = -1;
      if (c.pu >= 0) {
        prev = parseDecimal(b, s[c.pu]!, e[c.pu]!);
        if (!Number.isSafeInteger(prev)) {
          this.bad(c.pu, 'unparseable_field', 'pu', 'not an update id (a whole number; -1 for none)');
          continue;
        }
      }
      let side: number;
      if (r.is(c.side, 'b') || r.is(c.side, 'bid')) side = 1;
      else if (r.is(c.side, 'a') || r.is(c.side, 'ask')) side = -1;
      else {
        this.bad(c.side, 'unparseable_field', 'side', 'not a book side: use b (bid) or a (ask)');
        continue;
      }
      let snap: boolean;
      if (r.is(c.type, 'snap')) snap = true;
      else if (r.is(c.type, 'set')) snap = false;
      else {
        this.bad(c.type, 'unparseable_field', 'update_type', 'not an update type: use snap or set');
        continue;
      }
      const price = parseDecimal(b, s[c.price]!, e[c.price]!);
      if (price !== price) {
        this.bad(c.price, 'unparseable_field', 'price', 'not a number');
        continue;
      }
      const qty = parseDecimal(b, s[c.qty]!, e[c.qty]!);
      if (qty !== qty) {
        this.bad(c.qty, 'unparseable_field', 'qty', 'not a number');
        continue;
      }
      // A snapshot of an empty book is one row that removes nothing (price 0, qty 0), as a Tardis line without levels reads.
      if ((!(price > 0) || price === Infinity) && !(snap && price === 0 && qty === 0)) {
        this.bad(c.price, 'non_positive_price', 'price', 'price must be above zero');
        continue;
      }
      if (qty < 0 || qty === Infinity) {
        this.bad(c.qty, 'negative_volume', 'qty', 'qty must be 0 (remove the level) or more');
        continue;
      }
      if (first > last) {
        this.bad(c.first, 'unparseable_field', 'first_update_id', `first_update_id is above last_update_id ${last}`);
        continue;
      }
      let flags = -1;
      if (c.flags >= 0) {
        flags = parseDecimal(b, s[c.flags]!, e[c.flags]!);
        if (!Number.isInteger(flags) || flags < 0 || flags > 7 || ((flags & F_SNAPSHOT) !== 0) !== snap || ((flags & F_CLEAR) !== 0 && !snap)) {
          this.bad(c.flags, 'unparseable_field', 'flags', `not the flags of a ${snap ? 'snap' : 'set'} row: ${snap ? '1 (snapshot), + 2 (clear the book first)' : '0'}, + 4 (last row of its event)`);
          continue;
        }
      }
      if (!this.guard.admit(r, t, c.time, c.symbol, (col, code, field, message) => this.bad(col, code, field, message))) continue;
      this.guard.accept(t);
      this.nHas = true;
      this.nTime = t;
      this.nSide = side;
      this.nPrice = price;
      this.nSize = qty;
      this.nSnap = snap;
      this.nFirst = first;
      this.nLast = last;
      this.nPrev = prev;
      this.nFlags = flags;
      this.nLine = r.line;
      return;
    }
  }

  private bad(column: number, code: Parameters<typeof fieldIssue>[2], field: string, message: string): void {
    this.pending.push(fieldIssue(this.reader, this.names, code, column, field, message));
  }
}
