import { Indicator, assertPeriod, isZero } from './indicator.js';

/**
 * Wilder's RSI, equal to TA-Lib's: average gain and loss start as the simple
 * means of the first `period` changes, then avg = (prev * (period - 1) + x) / period.
 * The first value comes after period + 1 inputs.
 */
export class RSI extends Indicator {
  private prev = NaN;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(readonly period: number = 14) {
    super();
    assertPeriod('RSI', period);
    this.warmup = period + 1;
  }

  update(input: number): number {
    const c = ++this.count;
    if (c === 1) {
      this.prev = input;
      return this.value;
    }
    const change = input - this.prev;
    this.prev = input;
    const n = this.period;
    if (c <= n + 1) {
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      if (c <= n) return this.value;
      this.avgGain /= n;
      this.avgLoss /= n;
      this.ready = true;
    } else {
      let g = this.avgGain * (n - 1);
      let l = this.avgLoss * (n - 1);
      if (change < 0) l -= change;
      else g += change;
      this.avgGain = g / n;
      this.avgLoss = l / n;
    }
    const total = this.avgGain + this.avgLoss;
    this.value = isZero(total) ? 0 : 100 * (this.avgGain / total);
    return this.value;
  }
}

/** Chande momentum oscillator (TA-Lib CMO): RSI's Wilder averages, 100 * (gain - loss) / (gain + loss). */
export class CMO extends Indicator {
  private prev = NaN;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(readonly period: number = 14) {
    super();
    assertPeriod('CMO', period);
    this.warmup = period + 1;
  }

  update(input: number): number {
    const c = ++this.count;
    if (c === 1) {
      this.prev = input;
      return this.value;
    }
    const change = input - this.prev;
    this.prev = input;
    const n = this.period;
    if (c <= n + 1) {
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      if (c <= n) return this.value;
      this.avgGain /= n;
      this.avgLoss /= n;
      this.ready = true;
    } else {
      let g = this.avgGain * (n - 1);
      let l = this.avgLoss * (n - 1);
      if (change < 0) l -= change;
      else g += change;
      this.avgGain = g / n;
      this.avgLoss = l / n;
    }
    const total = this.avgGain + this.avgLoss;
    this.value = isZero(total) ? 0 : 100 * ((this.avgGain - this.avgLoss) / total);
    return this.value;
  }
}
