/** A typed array's contents in a new array of `length` elements (the rest zero): how a buffer grows. */
export function grownCopy<T extends Float64Array | Int8Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/** An append-only Float64Array that doubles when full. */
export class GrowableFloat64 {
  private buf: Float64Array;
  length = 0;
  constructor(initialCapacity = 1024) {
    this.buf = new Float64Array(Math.max(16, initialCapacity));
  }
  push(v: number): void {
    if (this.length === this.buf.length) {
      this.buf = grownCopy(this.buf, this.buf.length * 2);
    }
    this.buf[this.length++] = v;
  }
  get(i: number): number {
    return this.buf[i] as number;
  }
  /** A view of the filled part (shares memory until the next growth). */
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Float64Arrays given back after a run, for the next run on the same thread
 * to take: an optimizer's trials allocate the same sizes again and again,
 * and a new array is zeroed memory the system hands over page by page (and
 * the garbage collector counts against its limits). What is taken is zeroed
 * as a new array would be.
 */
export class Float64Pool {
  private readonly free: Float64Array[] = [];

  /** A zeroed array of `length` doubles: one given back, or a new one. */
  take(length: number): Float64Array {
    const free = this.free;
    for (let i = free.length - 1; i >= 0; i--) {
      const a = free[i] as Float64Array;
      if (a.length !== length) continue;
      free[i] = free[free.length - 1] as Float64Array;
      free.pop();
      return a.fill(0);
    }
    return new Float64Array(length);
  }

  /** Gives an array back; whoever gave it must not use it again. */
  give(a: Float64Array): void {
    if (this.free.length < MAX_POOLED) this.free.push(a);
  }
}

/** A zeroed array of `length` doubles from `pool`, or a new one without a pool. */
export function takeFloat64(pool: Float64Pool | undefined, length: number): Float64Array<ArrayBuffer> {
  return (pool !== undefined ? pool.take(length) : new Float64Array(length)) as Float64Array<ArrayBuffer>;
}

/** Arrays a Float64Pool keeps at most (a run's history and equity curve take eleven). */
const MAX_POOLED = 64;

/**
 * A buffer of doubles used again by each call of a synchronous computation
 * (a run's summary, one trial after another): `view(n)` gives `n` doubles
 * whose contents are whatever the last use left, for code that writes every
 * element before reading it. A long run's summary would otherwise take tens
 * of megabytes of new, zeroed pages on every call. Buffers over `keepAtMost`
 * doubles are not kept (a view of one is a new array).
 */
export class ScratchFloat64 {
  private buf = new Float64Array(0);

  constructor(private readonly keepAtMost = 1 << 22) {}

  /** `n` doubles (not zeroed); valid until the next view() of this scratch. */
  view(n: number): Float64Array<ArrayBuffer> {
    if (n > this.keepAtMost) return new Float64Array(n);
    if (n > this.buf.length) this.buf = new Float64Array(Math.min(this.keepAtMost, Math.max(n, this.buf.length * 2)));
    return this.buf.subarray(0, n);
  }
}

/**
 * A zeroed array of `length` doubles in shared memory (a SharedArrayBuffer):
 * posted to another thread it is shared, not copied. An optimizer trial's
 * returns and times are made so: a worker's outcome reaches the sweep's
 * thread without a copy, and the sweep hands them on (to the threads that
 * write returns.csv and work out the overfitting statistics) likewise.
 * Copied, each trial's returns were fresh memory on both sides, paged in
 * one 4 KB page at a time.
 */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}
