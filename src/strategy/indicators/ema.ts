import { Indicator, assertNumber, assertPeriod } from './indicator.js';
import { SMA } from './sma.js';

/**
 * Exponential moving average as TA-Lib computes it: the first value is the
 * SMA of the first `period` inputs, then ema = (x - prev) * k + prev with
 * k = 2 / (period + 1) (or the `k` given).
 */
export class EMA extends Indicator {
  readonly k: number;
  private readonly seed: SMA;

  constructor(
    readonly period: number,
    k?: number,
  ) {
    super();
    assertPeriod(new.target.name, period);
    if (k !== undefined) assertNumber(new.target.name, 'k', k, { above: 0, max: 1 });
    this.warmup = period;
    this.k = k ?? 2 / (period + 1);
    this.seed = new SMA(period);
  }

  update(input: number): number {
    this.count++;
    if (!this.ready) {
      this.seed.update(input);
      if (this.seed.ready) {
        this.value = this.seed.value;
        this.ready = true;
      }
      return this.value;
    }
    this.value = (input - this.value) * this.k + this.value;
    return this.value;
  }
}
