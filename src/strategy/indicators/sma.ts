import { booleanArg } from '../../core/arguments.js';
import { Indicator, assertPeriod } from './indicator.js';

const MAX_DECIMALS = 10;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, i) => 10 ** i);
/** A product x * 10^d of a decimal read from text lies within a few ulps of an integer. */
const ULPS = 4 * Number.EPSILON;
/** 1.5 x 2^52: adding and subtracting it rounds a double below 2^51 to an integer. */
const ROUNDER = 6755399441055744.0;

/** n zeros in a packed array of doubles (V8 stores them unboxed, with no hole checks). */
function zeros(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0.5);
  return a.fill(0);
}

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
 *
 * The steady state (exact mode, a value that fits the scale) is one
 * multiplication, a rounding, the check, the ring update and the division:
 * float mode and values that need a wider scale fail the check (float mode
 * has a NaN scale) and take the slow path; the warm-up divides by a NaN
 * divisor, which keeps `value` NaN without a test per value.
 */
export class SMA extends Indicator {
  // Every field starts with a value of its final kind (a small integer, a
  // double, a boolean, an array of doubles): a field declared without one
  // starts as undefined, and V8 then keeps it as a tagged value of any type
  // that the hot path re-checks (small integer or boxed double?) on each read.
  readonly period: number = 0;
  /** The last `period` values (integer units in exact mode); slot (k + 1) mod period holds the k-th value. */
  private readonly window: number[] = [];
  /**
   * `count` of the last wrap of the ring: the next value goes to slot
   * count - base, or 0 when that is `period`. Starts at -1 (the first value
   * goes to slot 1), so that the ring first wraps on the period-th value,
   * when the average becomes ready.
   */
  private base = -1;
  /** Float mode's next slot (set when switching to float mode). */
  private head = 0;
  private sum = NaN;
  private decimals = 0;
  /** 10^decimals; NaN in float mode. */
  private scale = NaN;
  private readonly limit: number = NaN;
  /** period * scale once ready; NaN while warming up. */
  private divisor = NaN;
  /** True once in float mode. */
  private float = false;

  /** `exact` false: TA-Lib's float running sum from the start (as TA-Lib's MA(matype 0) inside other indicators). */
  constructor(period: number, exact = true) {
    super();
    assertPeriod(new.target.name, period);
    this.period = period;
    this.float = !booleanArg(`new ${new.target.name}`, 'exact', exact, true);
    this.warmup = period;
    this.window = zeros(period);
    this.sum = 0;
    this.scale = exact ? 1 : NaN;
    this.limit = Math.min(Math.floor(2 ** 53 / period), 2 ** 51);
  }

  update(input: number): number {
    let units = input * this.scale;
    // Round to the nearest integer (valid below 2^51, which `limit` keeps).
    let whole = units + ROUNDER - ROUNDER;
    const size = Math.abs(units);
    if (!(Math.abs(units - whole) <= size * ULPS && size <= this.limit)) {
      // Float mode (NaN scale), or a value that needs a wider scale or float mode.
      if (this.float || !this.rescale(input)) return this.updateFloat(input);
      units = input * this.scale;
      whole = units + ROUNDER - ROUNDER;
    }
    const c = this.count;
    let i = c - this.base;
    if (i === this.period) i = this.wrap(c);
    // Empty slots hold 0, so the oldest can be subtracted before the window is full.
    const w = this.window;
    const old = w[i] as number;
    w[i] = whole;
    const sum = this.sum + (whole - old);
    this.sum = sum;
    this.count = c + 1;
    return (this.value = sum / this.divisor);
  }

  /** The ring wraps (once per `period` values): the next slot is 0; the first time, the average becomes ready. */
  private wrap(c: number): number {
    this.base = c;
    if (!this.ready) {
      this.ready = true;
      this.divisor = this.period * this.scale;
    }
    return 0;
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
    if (this.ready) this.divisor = this.period * this.scale;
    if (!(Math.abs(this.sum) <= 2 ** 53)) return false;
    return true;
  }

  /** Converts the window to plain values and the sum to TA-Lib's running sum of the newest n - 1 values. */
  private toFloat(): void {
    const n = this.period;
    for (let i = 0; i < n; i++) this.window[i] = (this.window[i] as number) / this.scale;
    this.float = true;
    this.scale = NaN;
    const next = this.count - this.base;
    this.head = next === n ? 0 : next;
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
