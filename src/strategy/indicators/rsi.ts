import { Indicator, assertPeriod, isZero } from './indicator.js';

/**
 * Wilder's smoothed average gain and loss of a series' changes, as TA-Lib
 * computes them: simple means of the first `period` changes, then
 * avg = (prev * (period - 1) + x) / period. Ready after period + 1 inputs;
 * subclasses turn the two averages into their value.
 */
abstract class WilderGainLoss extends Indicator {
  private prev = NaN;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(readonly period: number) {
    super();
    assertPeriod(new.target.name, period);
    this.warmup = period + 1;
  }

  protected abstract fromAverages(gain: number, loss: number): number;

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
    this.value = this.fromAverages(this.avgGain, this.avgLoss);
    return this.value;
  }
}

/** Wilder's RSI, equal to TA-Lib's: 100 * gain / (gain + loss) of the Wilder averages. */
export class RSI extends WilderGainLoss {
  constructor(period = 14) {
    super(period);
  }
  protected fromAverages(gain: number, loss: number): number {
    const total = gain + loss;
    return isZero(total) ? 0 : 100 * (gain / total);
  }
}

/** Chande momentum oscillator (TA-Lib CMO): RSI's Wilder averages, 100 * (gain - loss) / (gain + loss). */
export class CMO extends WilderGainLoss {
  constructor(period = 14) {
    super(period);
  }
  protected fromAverages(gain: number, loss: number): number {
    const total = gain + loss;
    return isZero(total) ? 0 : 100 * ((gain - loss) / total);
  }
}
