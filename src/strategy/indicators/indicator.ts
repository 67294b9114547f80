/**
 * One base for every indicator: feed it values one at a time with `update`,
 * read `value` (NaN until `ready`). Streaming is O(1) per value; `runBatch`
 * drives the same code over an array, so batch and streaming cannot disagree.
 */
export abstract class Indicator {
  /** Latest output; NaN while warming up. */
  value = NaN;
  /** True once `value` is meaningful. */
  ready = false;
  /** Number of inputs seen. */
  count = 0;
  /** Inputs needed before the first output (TA-Lib's lookback + 1). */
  abstract readonly warmup: number;
  /** Takes the next input, returns the new value. */
  abstract update(input: number): number;
}

/** Runs an indicator over a whole series; out[i] is the value after input i. */
export function runBatch(indicator: Indicator, input: ArrayLike<number>): Float64Array {
  const out = new Float64Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = indicator.update(input[i] as number);
  return out;
}

export function assertPeriod(name: string, period: number): void {
  if (!Number.isInteger(period) || period < 1) throw new RangeError(`${name}: period must be a positive integer, got ${period}`);
}
