/** Buckets per doubling: a quantile is read within about 2% of its value. */
const PER_DOUBLING = 32;
/** Up to 2^40 µs (12.7 days): anything slower lands in the last bucket. */
const BUCKETS = 40 * PER_DOUBLING + 2;

/**
 * Counts of durations (µs) in logarithmic buckets, for p50/p99 of feed
 * latencies over a run of any length: fixed memory, nothing allocated per
 * value. Bucket 0 holds values below 1 µs (and negative ones, clock skew
 * between the exchange and this machine, which are counted apart too).
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  /** Values below zero (the exchange's clock ahead of this machine's). */
  negative = 0;
  max = -Infinity;

  add(micros: number): void {
    if (micros !== micros) return;
    this.count++;
    if (micros > this.max) this.max = micros;
    if (micros < 1) {
      if (micros < 0) this.negative++;
      this.counts[0]!++;
      return;
    }
    const b = 1 + Math.floor(Math.log2(micros) * PER_DOUBLING);
    this.counts[b < BUCKETS ? b : BUCKETS - 1]!++;
  }

  /** The q-quantile (0..1) in µs, NaN without values: the geometric middle of its bucket, at most the largest value seen. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b] as number;
      if (seen < rank) continue;
      if (b === 0) return 0;
      const mid = 2 ** ((b - 0.5) / PER_DOUBLING);
      return Math.min(mid, this.max);
    }
    return this.max;
  }
}
