import { Indicator, assertPeriod } from './indicator.js';

const MAX_DECIMALS = 12;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, i) => 10 ** i);

/**
 * Simple moving average, exact: the mean of the last n inputs taken as the
 * decimal numbers they were written as, rounded once to a double.
 *
 * A float running sum drifts and turns ties into false crosses, so the window
 * is kept in integer units of the inputs' decimal places (found from the
 * values and widened when a value needs more places). Integer sums are exact
 * in a double below 2^53; the one division at the end is the only rounding.
 */
export class SMA extends Indicator {
  readonly warmup: number;
  private readonly window: Float64Array;
  private head = 0;
  private sum = 0;
  private decimals = 0;
  private scale = 1;

  constructor(readonly period: number) {
    super();
    assertPeriod('SMA', period);
    this.warmup = period;
    this.window = new Float64Array(period);
  }

  update(input: number): number {
    let units = input * this.scale;
    let whole = Math.round(units);
    if (whole !== units && Math.abs(units - whole) > Math.abs(units) * 1e-14) {
      this.widen(input);
      units = input * this.scale;
      whole = Math.round(units);
    }
    const n = this.period;
    if (this.count >= n) this.sum -= this.window[this.head] as number;
    this.window[this.head] = whole;
    this.sum += whole;
    this.head = this.head + 1 === n ? 0 : this.head + 1;
    this.count++;
    if (this.count >= n) {
      this.ready = true;
      this.value = this.sum / (n * this.scale);
    }
    return this.value;
  }

  /** Raises the scale to the decimals `input` needs and rescales the window (exactly: integers times a power of ten). */
  private widen(input: number): void {
    let d = this.decimals;
    while (d < MAX_DECIMALS) {
      d++;
      const u = input * (POW10[d] as number);
      if (Math.abs(u - Math.round(u)) <= Math.abs(u) * 1e-14) break;
    }
    const factor = POW10[d - this.decimals] as number;
    for (let i = 0; i < this.window.length; i++) this.window[i] = (this.window[i] as number) * factor;
    this.sum *= factor;
    this.decimals = d;
    this.scale = POW10[d] as number;
  }
}
