import { F_CLEAR, F_LAST, F_SNAPSHOT } from '../../model/market.js';
import { parseDecimal } from '../csv/decimal.js';
import type { LineReader } from './lines.js';
import { RowGuard, fieldCountIssue, fieldIssue, normalizeName, type BookSource, type Reporter } from './source.js';

export interface TardisColumns {
  symbol: number;
  time: number;
  /** Column of level i's price and amount, per side; -1 where the header has none. */
  bidPrice: Int32Array;
  bidAmount: Int32Array;
  askPrice: Int32Array;
  askAmount: Int32Array;
}

const LEVEL = /^(asks|bids)\[(\d+)\]\.(price|amount)$/i;

/**
 * Tardis `book_snapshot_N` files (`exchange,symbol,timestamp,local_timestamp,
 * asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,...`): undefined
 * when the header is not one. Levels must run from 0 without holes, with a
 * price and an amount column each.
 */
export function tardisColumns(names: readonly string[]): TardisColumns | undefined {
  const norm = names.map(normalizeName);
  const time = norm.indexOf('timestamp');
  if (time < 0) return undefined;
  const found = { asks: { price: [] as number[], amount: [] as number[] }, bids: { price: [] as number[], amount: [] as number[] } };
  names.forEach((name, i) => {
    const m = LEVEL.exec(name.trim());
    if (m === null) return;
    const side = m[1]!.toLowerCase() as 'asks' | 'bids';
    const what = m[3]!.toLowerCase() as 'price' | 'amount';
    found[side][what][Number(m[2])] = i;
  });
  const depth = Math.max(found.asks.price.length, found.bids.price.length);
  if (depth === 0) return undefined;
  const col = (a: number[]): Int32Array => {
    const out = new Int32Array(depth).fill(-1);
    for (let i = 0; i < a.length; i++) out[i] = a[i] ?? -1;
    return out;
  };
  const c: TardisColumns = {
    symbol: norm.indexOf('symbol'),
    time,
    bidPrice: col(found.bids.price),
    bidAmount: col(found.bids.amount),
    askPrice: col(found.asks.price),
    askAmount: col(found.asks.amount),
  };
  for (let i = 0; i < depth; i++) {
    // A price without its amount (or the reverse) is not a layout we know.
    if ((c.bidPrice[i]! < 0) !== (c.bidAmount[i]! < 0) || (c.askPrice[i]! < 0) !== (c.askAmount[i]! < 0)) return undefined;
  }
  return c;
}

/**
 * Rows of a Tardis book snapshot file: every line is a full snapshot of the
 * top N levels at `timestamp` (µs since the epoch), read as one event of
 * F_SNAPSHOT rows (bids best first, then asks best first), the first with
 * F_CLEAR and the last with F_LAST. Empty level fields (a thin book) are
 * left out, as are levels with amount 0. A line with any bad field is left
 * out whole: half a snapshot is not a snapshot. A line without any level
 * gives one row that removes nothing (price 0, size 0), so the event still
 * clears the book.
 */
export class TardisSnapshotSource implements BookSource {
  readonly format = 'tardis-book-snapshot' as const;
  readonly symbol: string;
  readonly hasSnapshots = true;
  readonly firstIdColumn = '';
  readonly prevIdColumn = '';
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

  // The current line's levels: rows[0, n) as (side, price, size, level).
  private readonly sides: Int8Array;
  private readonly prices: Float64Array;
  private readonly sizes: Float64Array;
  private readonly levels: Int32Array;
  private n = 0;
  private k = 0;
  private lineTime = 0;
  private lineNo = 0;
  private readonly guard = new RowGuard();

  constructor(
    readonly path: string,
    private readonly reader: LineReader,
    private readonly names: readonly string[],
    private readonly c: TardisColumns,
    private readonly report: Reporter,
    fallbackSymbol: string,
  ) {
    const max = 2 * c.bidPrice.length + 1;
    this.sides = new Int8Array(max);
    this.prices = new Float64Array(max);
    this.sizes = new Float64Array(max);
    this.levels = new Int32Array(max);
    const ok = this.readLine();
    this.symbol = this.guard.firstSymbol ?? fallbackSymbol;
    if (ok) this.emit();
  }

  priceColumn(): string {
    const level = this.levels[this.k]!;
    const col = this.side > 0 ? this.c.bidPrice[level] : this.c.askPrice[level];
    return col === undefined || col < 0 ? 'timestamp' : (this.names[col] ?? '');
  }

  advance(): void {
    if (!this.has) return;
    if (this.k + 1 < this.n) {
      this.k++;
      this.emit();
      return;
    }
    if (this.readLine()) this.emit();
    else this.has = false;
  }

  close(): void {
    this.reader.close();
    this.has = false;
    this.n = this.k = 0;
  }

  private emit(): void {
    const k = this.k;
    this.has = true;
    this.time = this.lineTime;
    this.side = this.sides[k]!;
    this.price = this.prices[k]!;
    this.size = this.sizes[k]!;
    this.line = this.lineNo;
    this.flags = F_SNAPSHOT | (k === 0 ? F_CLEAR : 0) | (k === this.n - 1 ? F_LAST : 0);
  }

  /** Parses the next valid line into the level buffers; false at the end. */
  private readLine(): boolean {
    const r = this.reader;
    const c = this.c;
    const expected = this.names.length;
    next: for (;;) {
      if (!r.nextLine()) return false;
      if (r.fields !== expected) {
        this.report(fieldCountIssue(r, expected));
        continue;
      }
      const b = r.buf;
      const s = r.starts;
      const e = r.ends;
      const t = parseDecimal(b, s[c.time]!, e[c.time]!);
      if (!Number.isSafeInteger(t)) {
        this.bad(c.time, 'unparseable_field', 'time', 'not a time in epoch microseconds');
        continue;
      }
      let n = 0;
      for (let side = 1; side >= -1; side -= 2) {
        const pc = side > 0 ? c.bidPrice : c.askPrice;
        const ac = side > 0 ? c.bidAmount : c.askAmount;
        for (let level = 0; level < pc.length; level++) {
          const cp = pc[level]!;
          const ca = ac[level]!;
          if (cp < 0) continue;
          const noPrice = r.empty(cp);
          const noAmount = r.empty(ca);
          if (noPrice && noAmount) continue;
          if (noPrice || noAmount) {
            const col = noPrice ? ca : cp;
            this.bad(col, 'unparseable_field', noPrice ? 'size' : 'price', `a level needs both a price and an amount`);
            continue next;
          }
          const price = parseDecimal(b, s[cp]!, e[cp]!);
          if (price !== price) {
            this.bad(cp, 'unparseable_field', 'price', 'not a number');
            continue next;
          }
          const amount = parseDecimal(b, s[ca]!, e[ca]!);
          if (amount !== amount) {
            this.bad(ca, 'unparseable_field', 'size', 'not a number');
            continue next;
          }
          if (!(price > 0) || price === Infinity) {
            this.bad(cp, 'non_positive_price', 'price', 'price must be above zero');
            continue next;
          }
          if (amount < 0 || amount === Infinity) {
            this.bad(ca, 'negative_volume', 'size', 'amount must be 0 or more');
            continue next;
          }
          if (amount === 0) continue;
          this.sides[n] = side;
          this.prices[n] = price;
          this.sizes[n] = amount;
          this.levels[n] = level;
          n++;
        }
      }
      if (!this.guard.admit(r, t, c.time, c.symbol, (col, code, field, message) => this.bad(col, code, field, message))) continue;
      if (n === 0) {
        // No level at all: one row that removes nothing, to carry the clear.
        this.sides[0] = 1;
        this.prices[0] = 0;
        this.sizes[0] = 0;
        this.levels[0] = -1;
        n = 1;
      }
      this.guard.accept(t);
      this.lineTime = t;
      this.lineNo = r.line;
      this.n = n;
      this.k = 0;
      return true;
    }
  }

  private bad(column: number, code: Parameters<typeof fieldIssue>[2], field: string, message: string): void {
    this.report(fieldIssue(this.reader, this.names, code, column, field, message));
  }
}
