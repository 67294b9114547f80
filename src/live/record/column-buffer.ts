import { emptyColumns } from '../../data/collect.js';
import type { Columns } from '../../model/market.js';

/** The typed arrays of a Columns object that hold row values (all but `line`/`source`, which a recording does not have). */
function arraysOf(c: Columns): (Float64Array | Int8Array | Uint8Array)[] {
  switch (c.kind) {
    case 'bar':
      return [c.time, c.open, c.high, c.low, c.close, c.volume, c.adjClose];
    case 'quote':
      return [c.time, c.bid, c.ask, c.bidSize, c.askSize];
    case 'trade':
      return [c.time, c.price, c.size, c.side];
    case 'book':
      return [c.time, c.side, c.price, c.size, c.flags, c.sequence];
  }
}

/**
 * Rows of one stream (a kind and a symbol) between flushes, in the columns
 * the catalog import reads. Appending writes into typed arrays that double
 * when full (no allocation per row); `take` hands the first rows out as
 * columns of their own and keeps the rest (a book event not finished yet).
 */
export class ColumnBuffer<C extends Columns> {
  private cols: C;

  constructor(
    readonly kind: C['kind'],
    capacity = 1024,
  ) {
    this.cols = emptyColumns(kind, capacity) as C;
  }

  /** The columns to append to: write row `length` of every array, then call `commit`. Grown when full. */
  row(): C {
    const c = this.cols;
    if (c.length === c.capacity) this.cols = this.grown(c.capacity * 2);
    return this.cols;
  }

  /** Makes the row written at `length` part of the buffer. */
  commit(): void {
    this.cols.length++;
  }

  get length(): number {
    return this.cols.length;
  }

  /** Drops the rows from `length` on (a book event found bad before its end). */
  truncate(length: number): void {
    this.cols.length = Math.min(length, this.cols.length);
  }

  /** The first `n` rows as columns of their own; the buffer keeps the rows after them. */
  take(n: number): C {
    const c = this.cols;
    const out = emptyColumns(this.kind, Math.max(1, n)) as C;
    const from = arraysOf(c);
    const to = arraysOf(out);
    for (let k = 0; k < from.length; k++) {
      const src = from[k] as Float64Array;
      (to[k] as Float64Array).set(src.subarray(0, n));
      src.copyWithin(0, n, c.length);
    }
    out.length = n;
    c.length -= n;
    return out;
  }

  private grown(capacity: number): C {
    const c = this.cols;
    const next = emptyColumns(this.kind, capacity) as C;
    const from = arraysOf(c);
    const to = arraysOf(next);
    for (let k = 0; k < from.length; k++) (to[k] as Float64Array).set((from[k] as Float64Array).subarray(0, c.length));
    next.length = c.length;
    return next;
  }
}
