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
  chunkOf(row: number): number {
    const k = chunkIndex(row);
    while (this.numberChunks.length <= k) {
      const rows = chunkRows(this.numberChunks.length);
      this.numberChunks.push(new Float64Array(rows * this.numberWidth));
      this.refChunks.push(new Array<unknown>(rows * this.refWidth).fill(undefined));
    }
    if (row >= this.length) this.length = row + 1;
    return k;
  }

  /** The chunk holding `row` when it was made, else -1 (nothing written there). */
  existingChunkOf(row: number): number {
    if (!(row >= 0 && row < this.length)) return -1;
    return chunkIndex(row);
  }

  /** The doubles of chunk k; row r's start at numberBase(r, k). */
  numbers(k: number): Float64Array {
    return this.numberChunks[k] as Float64Array;
  }

  /** The references of chunk k; row r's start at refBase(r, k). */
  refs(k: number): unknown[] {
    return this.refChunks[k] as unknown[];
  }

  numberBase(row: number, k: number): number {
    return (row - chunkStart(k)) * this.numberWidth;
  }

  refBase(row: number, k: number): number {
    return (row - chunkStart(k)) * this.refWidth;
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
