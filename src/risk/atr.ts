import { InputError } from '../core/errors.js';

/** max(high - low, |high - previous close|, |low - previous close|). */
export function trueRange(high: number, low: number, prevClose: number): number {
  let out = high - low;
  let t = Math.abs(high - prevClose);
  if (t > out) out = t;
  t = Math.abs(low - prevClose);
  if (t > out) out = t;
  return out;
}

function checkPeriod(period: number): void {
  if (!Number.isInteger(period) || period < 1 || period > 100_000) {
    throw new InputError({ code: 'invalid_option', field: 'period', value: String(period), message: `ATR period must be an integer from 1 to 100000, got ${period}` });
  }
}

/**
 * Average true range with Wilder's smoothing, as TA-Lib computes it: the
 * first bar only gives a previous close; true ranges start at the second
 * bar; the first ATR (after period + 1 bars) is the mean of the first
 * `period` true ranges; then atr = (atr x (period - 1) + tr) / period.
 */
export class WilderAtr {
  /** The ATR after the last bar; NaN until `ready`. */
  value = NaN;
  ready = false;
  private count = 0;
  private prevClose = NaN;
  private sum = 0;

  constructor(readonly period = 14) {
    checkPeriod(period);
  }

  /** Adds a bar and returns the ATR (NaN during the first `period` bars). */
  update(high: number, low: number, close: number): number {
    const c = ++this.count;
    const yc = this.prevClose;
    this.prevClose = close;
    if (c === 1) return this.value;
    const tr = trueRange(high, low, yc);
    const n = this.period;
    if (c <= n + 1) {
      this.sum += tr;
      if (c <= n) return this.value;
      this.ready = true;
      return (this.value = this.sum / n);
    }
    return (this.value = (this.value * (n - 1) + tr) / n);
  }
}

/** The ATR after each bar (NaN during the first `period` bars). */
export function atrSeries(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, period = 14): Float64Array {
  const n = close.length;
  if (high.length !== n || low.length !== n) {
    throw new InputError({ code: 'invalid_option', field: 'bars', message: `ATR: high, low and close must have the same length (${high.length}, ${low.length}, ${n})` });
  }
  const atr = new WilderAtr(period);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = atr.update(high[i] as number, low[i] as number, close[i] as number);
  return out;
}

/** The ATR after the last bar, or NaN when there are not more than `period` bars. */
export function lastAtr(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, period = 14): number {
  const s = atrSeries(high, low, close, period);
  return s.length > 0 ? (s[s.length - 1] as number) : NaN;
}
