/**
 * Rows of a fixed number of doubles and of references (strings, booleans,
 * small shared arrays), stored in chunks that double in size: a row is
 * written where it belongs and nothing is ever copied as the rows grow.
 *
 * Why: a run keeps every order, fill and closed trade until its end. As
 * objects, each costs several hundred bytes (a header, a slot per field and a
 * 16-byte box per double field), and they are promoted out of the young
 * generation one by one; as rows they cost 8 bytes a field in a few large
 * arrays. Memory the process has not touched before is the dearest part of a
 * long run on some machines (a page fault per 4 KB), so the bytes kept per
 * record are what the run's speed follows.
 */

/**
 * Rows of the first chunk; chunk k < GROWING holds FIRST x 2^k rows, the
 * chunks after that LAST rows each: a run with a few records makes small
 * arrays, and no array of references reaches V8's large-object size (128 KB),
 * whose memory is mapped afresh each time.
 */
const FIRST_SHIFT = 6;
const FIRST = 1 << FIRST_SHIFT;
const GROWING = 4;
const LAST = FIRST << GROWING;
/** The first row of the fixed-size chunks. */
const FIXED_FROM = LAST - FIRST;

export class RecordRows {
  private readonly numberChunks: Float64Array[] = [];
  private readonly refChunks: unknown[][] = [];
  /** One past the highest row written. */
  length = 0;

  constructor(
    readonly numberWidth: number,
    readonly refWidth: number,
  ) {
    if (LAST * refWidth * 8 > 128_000) throw new RangeError(`RecordRows: ${refWidth} references a row make chunks too large`);
  }

  /** The chunk holding `row` (made when missing). */
  private chunkOf(row: number): number {
    const k = chunkIndex(row);
    while (this.numberChunks.length <= k) {
      const rows = chunkRows(this.numberChunks.length);
      this.numberChunks.push(new Float64Array(rows * this.numberWidth));
      this.refChunks.push(new Array<unknown>(rows * this.refWidth).fill(undefined));
    }
    if (row >= this.length) this.length = row + 1;
    return k;
  }

  /** Row `row`'s doubles start at num[numAt] and its references at ref[refAt] (after seek). */
  num: Float64Array = new Float64Array(0);
  numAt = 0;
  ref: unknown[] = [];
  refAt = 0;

  /** Points num/numAt and ref/refAt at row `row` (its chunk made when missing; the row counts as written). */
  seek(row: number): void {
    const k = this.chunkOf(row);
    this.num = this.numberChunks[k] as Float64Array;
    this.numAt = (row - chunkStart(k)) * this.numberWidth;
    this.ref = this.refChunks[k] as unknown[];
    this.refAt = (row - chunkStart(k)) * this.refWidth;
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
    numberWidth: number,
    refWidth: number,
    private readonly what: string,
  ) {
    this.rows = new RecordRows(numberWidth, refWidth);
  }

  get length(): number {
    return this.rows.length;
  }

  push(record: T): void {
    const rows = this.rows;
    rows.seek(rows.length);
    this.write(record, rows.num, rows.numAt, rows.ref, rows.refAt);
  }

  /** The i-th record (0-based; a new object each call). */
  at(i: number): T {
    const rows = this.rows;
    if (!(i >= 0 && i < rows.length)) throw new RangeError(`${this.what} ${i} of ${rows.length}`);
    rows.seek(i);
    return this.read(rows.num, rows.numAt, rows.ref, rows.refAt);
  }

  /** Each record in order (new objects). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  /** Writes the record's doubles from f[n] on and its references from r[b] on. */
  protected abstract write(record: T, f: Float64Array, n: number, r: unknown[], b: number): void;

  /** The record whose doubles start at f[n] and references at r[b]. */
  protected abstract read(f: Float64Array, n: number, r: unknown[], b: number): T;
}
