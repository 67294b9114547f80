import { InvariantError } from './errors.js';

/**
 * Rows of a fixed number of doubles, stored in chunks that double in size: a
 * row is written where it belongs and nothing is ever copied as the rows grow.
 *
 * Why: a run keeps every order, fill and closed trade until its end. As
 * objects, each costs several hundred bytes (a header, a slot per field and a
 * 16-byte box per double field), and they are promoted out of the young
 * generation one by one; as rows they cost 8 bytes a field in a few large
 * arrays. A record's strings and flags are numbers in its row too (codes of
 * StringCodes, or indexes into a closed list through ListCodes), not
 * references: a reference to a string made during the run (a venue's order
 * id) keeps that string alive, and every array of references is visited by
 * the garbage collector.
 * Memory the process has not touched before is the dearest part of a long
 * run on some machines (a page fault per 4 KB), so the bytes kept per record
 * are what the run's speed follows.
 */

/** Rows of the first chunk; chunk k < GROWING holds FIRST x 2^k rows, the chunks after that LAST rows each: a run with a few records makes small arrays. */
const FIRST_SHIFT = 6;
const FIRST = 1 << FIRST_SHIFT;
const GROWING = 4;
const LAST = FIRST << GROWING;
/** The first row of the fixed-size chunks. */
const FIXED_FROM = LAST - FIRST;

export class RecordRows {
  private readonly chunks: Float64Array[] = [];
  /** One past the highest row written. */
  length = 0;

  constructor(readonly width: number) {}

  /** The chunk holding `row` (made when missing). */
  private chunkOf(row: number): number {
    const k = chunkIndex(row);
    while (this.chunks.length <= k) this.chunks.push(new Float64Array(chunkRows(this.chunks.length) * this.width));
    if (row >= this.length) this.length = row + 1;
    return k;
  }

  /** Row `row`'s doubles start at num[at] (after seek). */
  num: Float64Array = new Float64Array(0);
  at = 0;

  /** Points num/at at row `row` (its chunk made when missing; the row counts as written). */
  seek(row: number): void {
    const k = this.chunkOf(row);
    this.num = this.chunks[k] as Float64Array;
    this.at = (row - chunkStart(k)) * this.width;
  }
}

/**
 * Strings kept as numbers: each distinct string gets the next code (0, 1,
 * 2, ...) when first seen. A run's symbols, tags and reasons are few and
 * repeat on every record; a record keeps their codes in its row.
 */
export class StringCodes {
  private readonly codes = new Map<string, number>();
  private readonly strings: string[] = [];

  /** `limit`: at most this many strings get codes (see code()). */
  constructor(private readonly limit = Infinity) {}

  // The last string asked for and its code: a record's symbol or tag is most often the one before's, and comparing two
  // references to one string is cheaper than a lookup.
  private last: string | undefined = undefined;
  private lastCode = -1;

  /** The string's code, given when first seen; -1 for a string without one once `limit` strings have codes. */
  code(s: string): number {
    if (s === this.last) return this.lastCode;
    const code = this.lookup(s);
    if (code >= 0) {
      this.last = s;
      this.lastCode = code;
    }
    return code;
  }

  private lookup(s: string): number {
    const known = this.codes.get(s);
    if (known !== undefined) return known;
    const n = this.strings.length;
    if (n >= this.limit) return -1;
    this.codes.set(s, n);
    this.strings.push(s);
    return n;
  }

  /** The string's code, or -1 when it has none (unlike code(), find() gives no new code). */
  find(s: string): number {
    return this.codes.get(s) ?? -1;
  }

  /** The string a code stands for. */
  string(code: number): string {
    const s = this.strings[code];
    if (s === undefined) throw new RangeError(`no string has code ${code}`);
    return s;
  }
}

/**
 * The values of a closed list (a union type's) as their indexes: a field's
 * code in a record's row, `bits` wide where a row packs several codes into
 * one number. Remembers the last value asked for, as most records of a run
 * repeat the one before (comparing two references to one string is cheaper
 * than a search).
 */
export class ListCodes<T> {
  private last: T;
  private lastCode = 0;
  /** The code's bits, as a mask: `(packed >> at) & mask`. */
  readonly mask: number;

  /** A list with more values than `bits` can tell apart is refused (a broken invariant), not packed into its neighbours. */
  constructor(
    readonly list: readonly T[],
    private readonly what: string,
    readonly bits: number,
  ) {
    if (list.length > 2 ** bits) throw new InvariantError(`${what}: ${list.length} values do not fit ${bits} bits`);
    this.mask = 2 ** bits - 1;
    this.last = list[0] as T;
  }

  /** The value's index in the list, which holds it (anything else is a broken invariant). */
  code(value: T): number {
    if (value === this.last) return this.lastCode;
    const i = this.list.indexOf(value);
    if (i < 0) throw new InvariantError(`${this.what} ${String(value)} is not one of ${this.list.join(', ')}`);
    this.last = value;
    this.lastCode = i;
    return i;
  }

  /** The value of a code. */
  value(code: number): T {
    return this.list[code] as T;
  }
}

function chunkIndex(row: number): number {
  return row < FIXED_FROM ? 31 - Math.clz32((row >>> FIRST_SHIFT) + 1) : GROWING + ((row - FIXED_FROM) >>> (FIRST_SHIFT + GROWING));
}

function chunkStart(k: number): number {
  return k < GROWING ? (FIRST << k) - FIRST : FIXED_FROM + (k - GROWING) * LAST;
}

function chunkRows(k: number): number {
  return k < GROWING ? FIRST << k : LAST;
}

/**
 * Records appended one after another and kept as rows (fills, closed
 * trades): a subclass says where each field of a record goes in its row.
 */
export abstract class AppendedRecords<T> {
  protected readonly rows: RecordRows;

  constructor(
    width: number,
    private readonly what: string,
  ) {
    this.rows = new RecordRows(width);
  }

  get length(): number {
    return this.rows.length;
  }

  push(record: T): void {
    const rows = this.rows;
    rows.seek(rows.length);
    this.write(record, rows.num, rows.at);
  }

  /** The i-th record (0-based; a new object each call). */
  at(i: number): T {
    const rows = this.rows;
    if (!(i >= 0 && i < rows.length)) throw new RangeError(`${this.what} ${i} of ${rows.length}`);
    rows.seek(i);
    return this.read(rows.num, rows.at);
  }

  /** Each record in order (new objects). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  /** Writes the record's fields as the doubles from f[n] on. */
  protected abstract write(record: T, f: Float64Array, n: number): void;

  /** The record whose doubles start at f[n]. */
  protected abstract read(f: Float64Array, n: number): T;
}
