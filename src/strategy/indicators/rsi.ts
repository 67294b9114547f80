import { Indicator, assertPeriod } from './indicator.js';

/**
 * Wilder's RSI, equal to TA-Lib's: average gain and loss start as the simple
 * means of the first `period` changes, then avg = (prev * (period - 1) + x) / period.
 * The first value comes after period + 1 inputs.
 */
export class RSI extends Indicator {
  readonly warmup: number;
  private prev = NaN;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(readonly period: number = 14) {
    super();
    assertPeriod('RSI', period);
    this.warmup = period + 1;
  }

  update(input: number): number {
    this.count++;
    if (this.count === 1) {
      this.prev = input;
      return this.value;
    }
    const change = input - this.prev;
    this.prev = input;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const n = this.period;
    const changes = this.count - 1;
    if (changes <= n) {
      this.avgGain += gain;
      this.avgLoss += loss;
      if (changes < n) return this.value;
      this.avgGain /= n;
      this.avgLoss /= n;
      this.ready = true;
    } else {
      this.avgGain = (this.avgGain * (n - 1) + gain) / n;
      this.avgLoss = (this.avgLoss * (n - 1) + loss) / n;
    }
    const total = this.avgGain + this.avgLoss;
    this.value = total === 0 ? 0 : (100 * this.avgGain) / total;
    return this.value;
  }
}
