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
