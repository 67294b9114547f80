import { Indicator, assertPeriod } from './indicator.js';

const MAX_DECIMALS = 10;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, i) => 10 ** i);
/** A product x * 10^d of a decimal read from text lies within a few ulps of an integer. */
const ULPS = 4 * Number.EPSILON;
/** 1.5 x 2^52: adding and subtracting it rounds a double below 2^51 to an integer. */
const ROUNDER = 6755399441055744.0;

/**
 * Simple moving average (TA-Lib SMA), exact for decimal inputs: the mean of
 * the last n inputs taken as the decimal numbers they were written as,
 * rounded once to a double.
 *
 * A float running sum drifts and turns ties into false crosses, so the window
 * is kept in integer units of the inputs' decimal places (found from the
 * values and widened when a value needs more places). Integer sums are exact
 * in a double below 2^53; the one division at the end is the only rounding.
 * Inputs that are not short decimals (more than 10 places, e.g. the output of
 * another indicator) or too large for exact sums switch the average, for
 * good, to TA-Lib's float running sum (add the new value, divide, subtract
 * the oldest), so it then equals TA-Lib's SMA bit for bit.
 */
export class SMA extends Indicator {
  private readonly window: Float64Array;
  private head = 0;
  private sum = 0;
  private decimals = 0;
  private scale = 1;
  private readonly limit: number;
  /** period * scale */
  private divisor: number;
  /** True once in float mode. */
  private float: boolean;

  /** `exact` false: TA-Lib's float running sum from the start (as TA-Lib's MA(matype 0) inside other indicators). */
  constructor(
    readonly period: number,
    exact = true,
  ) {
    super();
    assertPeriod('SMA', period);
    this.float = !exact;
    this.warmup = period;
    this.window = new Float64Array(period);
    this.limit = Math.min(Math.floor(2 ** 53 / period), 2 ** 51);
    this.divisor = period;
  }

  update(input: number): number {
    if (this.float) return this.updateFloat(input);
    let units = input * this.scale;
    // Round to the nearest integer (valid below 2^51, which `limit` keeps).
    let whole = units + ROUNDER - ROUNDER;
    const size = Math.abs(units);
    if (!(Math.abs(units - whole) <= size * ULPS && size <= this.limit)) {
      if (!this.rescale(input)) return this.updateFloat(input);
      units = input * this.scale;
      whole = units + ROUNDER - ROUNDER;
    }
    // Empty slots hold 0, so the oldest can be subtracted before the window is full.
    const w = this.window;
    const h = this.head;
    const old = w[h] as number;
    w[h] = whole;
    this.sum += whole - old;
    this.head = h + 1 === this.period ? 0 : h + 1;
    const c = ++this.count;
    if (c >= this.period) {
      this.value = this.sum / this.divisor;
      if (c === this.period) this.ready = true;
    }
    return this.value;
  }

  /**
   * A value that needs more decimal places, or too large for exact sums:
   * widens the scale and returns true, or switches to float mode and returns false.
   */
  private rescale(input: number): boolean {
    const units = input * this.scale;
    const whole = Math.round(units);
    if (!(Math.abs(units - whole) <= Math.abs(units) * ULPS) && this.widen(input)) {
      if (Math.abs(Math.round(input * this.scale)) <= this.limit) return true;
    }
    this.toFloat();
    return false;
  }

  private updateFloat(input: number): number {
    const n = this.period;
    this.sum += input;
    this.window[this.head] = input;
    this.head = this.head + 1 === n ? 0 : this.head + 1;
    this.count++;
    if (this.count >= n) {
      this.ready = true;
      this.value = this.sum / n;
      this.sum -= this.window[this.head] as number;
    }
    return this.value;
  }

  /** Raises the scale to the decimals `input` needs and rescales the window (exactly). False if it needs too many. */
  private widen(input: number): boolean {
    let d = this.decimals;
    for (;;) {
      d++;
      if (d > MAX_DECIMALS) return false;
      const u = input * (POW10[d] as number);
      if (Math.abs(u - Math.round(u)) <= Math.abs(u) * ULPS) break;
    }
    const factor = POW10[d - this.decimals] as number;
    for (let i = 0; i < this.window.length; i++) this.window[i] = (this.window[i] as number) * factor;
    this.sum *= factor;
    this.decimals = d;
    this.scale = POW10[d] as number;
    this.divisor = this.period * this.scale;
    if (!(Math.abs(this.sum) <= 2 ** 53)) return false;
    return true;
  }

  /** Converts the window to plain values and the sum to TA-Lib's running sum of the newest n - 1 values. */
  private toFloat(): void {
    const n = this.period;
    for (let i = 0; i < n; i++) this.window[i] = (this.window[i] as number) / this.scale;
    this.float = true;
    const have = Math.min(this.count, n - 1);
    let s = 0;
    for (let ago = have; ago >= 1; ago--) {
      let i = this.head - ago;
      if (i < 0) i += n;
      s += this.window[i] as number;
    }
    this.sum = s;
  }
}
