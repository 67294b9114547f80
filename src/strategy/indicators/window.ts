/**
 * Fixed-size windows over a stream, in typed arrays: no allocation per value.
 */

/** The last `size` values; `at(0)` is the newest. */
export class Ring {
  readonly buf: Float64Array;
  /** Slot of the next write. */
  head = 0;
  /** Values written so far (not capped). */
  written = 0;
  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }
  /** Writes x and returns the value it replaced (the one `size` steps back), or NaN while filling. */
  push(x: number): number {
    const h = this.head;
    const old = this.written >= this.size ? (this.buf[h] as number) : NaN;
    this.buf[h] = x;
    this.head = h + 1 === this.size ? 0 : h + 1;
    this.written++;
    return old;
  }
  /** The value `ago` steps back (0 = newest), ago < size. */
  at(ago: number): number {
    let i = this.head - 1 - ago;
    if (i < 0) i += this.size;
    return this.buf[i] as number;
  }
}

/**
 * Rolling maximum (or minimum) of the last `size` values with its position,
 * by a monotonic deque: amortised O(1). Ties go to the newest value.
 */
export class RollingExtreme {
  private readonly vals: Float64Array;
  private readonly idxs: Float64Array;
  private readonly cap: number;
  private front = 0;
  private len = 0;
  /** Values pushed so far; the newest has index n - 1. */
  n = 0;
  constructor(
    readonly size: number,
    readonly isMax: boolean,
  ) {
    this.cap = size + 1;
    this.vals = new Float64Array(this.cap);
    this.idxs = new Float64Array(this.cap);
  }
  push(x: number): void {
    const i = this.n++;
    const cap = this.cap;
    // Drop from the back the values the new one dominates (ties: the newer wins).
    while (this.len > 0) {
      let b = this.front + this.len - 1;
      if (b >= cap) b -= cap;
      const v = this.vals[b] as number;
      if (this.isMax ? v <= x : v >= x) this.len--;
      else break;
    }
    let t = this.front + this.len;
    if (t >= cap) t -= cap;
    this.vals[t] = x;
    this.idxs[t] = i;
    this.len++;
    // Drop from the front what left the window.
    const oldest = i - this.size + 1;
    while ((this.idxs[this.front] as number) < oldest) {
      this.front = this.front + 1 === cap ? 0 : this.front + 1;
      this.len--;
    }
  }
  /** The extreme of the window. */
  get value(): number {
    return this.vals[this.front] as number;
  }
  /** Index (0-based count of pushes) of the extreme. */
  get index(): number {
    return this.idxs[this.front] as number;
  }
}
