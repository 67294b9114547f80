/**
 * Fixed-memory latency recording: a log-linear histogram in one typed array
 * (HDR histogram's layout), so recording allocates nothing and costs a few
 * arithmetic operations. Values are kept in nanoseconds: exact below 64 ns,
 * then 32 buckets per power of two, so a reported percentile is within 1/64
 * (1.6 %) of the true value. The range reaches 2^62 ns (146 years), enough
 * for exchange times far in the past (a replayed file).
 */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
const MAX_EXPONENT = 62;
const BUCKETS = 2 * SUB + (MAX_EXPONENT - SUB_BITS) * SUB;
/** The largest value kept (the top of the last bucket; exact in a double). */
const MAX_NANOS = 2 ** (MAX_EXPONENT + 1) - 2 ** (MAX_EXPONENT - SUB_BITS);

/** 2^-k, so that bucketing multiplies instead of calling Math.pow. */
const INVERSE_POWERS = Float64Array.from({ length: MAX_EXPONENT + 2 }, (_, k) => 2 ** -k);

function bucketOf(nanos: number): number {
  if (nanos < 2 * SUB) return nanos;
  if (nanos < 0x1_0000_0000) {
    const exponent = 31 - Math.clz32(nanos);
    return 2 * SUB + (exponent - SUB_BITS - 1) * SUB + ((nanos >>> (exponent - SUB_BITS)) - SUB);
  }
  // Beyond 32 bits (seconds and more): rare, log2 may round up just below a power of two.
  let exponent = Math.floor(Math.log2(nanos));
  let mantissa = Math.floor(nanos * INVERSE_POWERS[exponent - SUB_BITS]!);
  if (mantissa < SUB) mantissa = Math.floor(nanos * INVERSE_POWERS[--exponent - SUB_BITS]!);
  return 2 * SUB + (exponent - SUB_BITS - 1) * SUB + (mantissa - SUB);
}

/** The middle of a bucket's range of nanoseconds. */
function bucketMiddle(bucket: number): number {
  if (bucket < 2 * SUB) return bucket;
  const k = bucket - 2 * SUB;
  const shift = Math.floor(k / SUB) + 1;
  const mantissa = (k % SUB) + SUB;
  return mantissa * 2 ** shift + (2 ** shift - 1) / 2;
}

export interface LatencySummary {
  /** Values recorded (negative ones included, as 0). */
  readonly count: number;
  /** Microseconds; NaN when nothing was recorded. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  /** Values below 0 (clocks out of step), recorded as 0. */
  readonly negative: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private largest = 0;
  private below = 0;

  /** Records one latency in microseconds (fractions kept to the nanosecond). NaN is ignored. */
  record(micros: number): void {
    if (!(micros === micros)) return;
    let nanos = Math.round(micros * 1000);
    if (nanos < 0) {
      this.below++;
      nanos = 0;
    } else if (nanos > MAX_NANOS) nanos = MAX_NANOS;
    this.counts[bucketOf(nanos)]! += 1;
    this.total++;
    this.sum += nanos;
    if (nanos > this.largest) this.largest = nanos;
  }

  get count(): number {
    return this.total;
  }

  /** The value (µs) at or below which `q` (0..1) of the recorded values lie; NaN when empty. */
  percentile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.min(bucketMiddle(b), this.largest) / 1000;
    }
    return this.largest / 1000;
  }

  summary(): LatencySummary {
    const empty = this.total === 0;
    return {
      count: this.total,
      p50: this.percentile(0.5),
      p99: this.percentile(0.99),
      max: empty ? NaN : this.largest / 1000,
      mean: empty ? NaN : this.sum / this.total / 1000,
      negative: this.below,
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.largest = 0;
    this.below = 0;
  }
}

/**
 * A live feed's two latencies: exchange -> receive (the network and the
 * exchange's own delay, as far as the two clocks agree) and receive ->
 * handed to the sink (the I/O thread, the ring and the main thread's wait).
 */
export class FeedLatency {
  readonly exchangeToReceive = new LatencyHistogram();
  readonly receiveToSink = new LatencyHistogram();

  record(exchangeTime: number, receiveTime: number, handedTime: number): void {
    this.exchangeToReceive.record(receiveTime - exchangeTime);
    this.receiveToSink.record(handedTime - receiveTime);
  }

  summary(): { readonly exchangeToReceive: LatencySummary; readonly receiveToSink: LatencySummary } {
    return { exchangeToReceive: this.exchangeToReceive.summary(), receiveToSink: this.receiveToSink.summary() };
  }
}
