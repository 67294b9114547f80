import { grownCopy, takeFloat64, type Float64Pool } from '../core/growable.js';
import type { Micros } from '../core/time.js';
import { MICROS_PER_DAY } from '../core/time.js';

/** The equity curve: one row per time step (all events sharing a timestamp), or per UTC day. */
export interface EquityCurve {
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  readonly positionValue: Float64Array;
  /** Initial margin in use (margined instruments); equity = cash + margin + position value. */
  readonly margin: Float64Array;
}

/**
 * Records the account's value at the end of each time step: every step, or
 * (daily sampling) the last step of each UTC day, which keeps memory O(days)
 * on very long runs of intraday data. A day's row is known only once a step
 * of a later day comes (or the run ends), so it is held until then.
 */
export class EquityRecorder {
  // Five columns of one length, grown together (one capacity check per row).
  private length = 0;
  private time: Float64Array<ArrayBuffer>;
  private equity: Float64Array<ArrayBuffer>;
  private cash: Float64Array<ArrayBuffer>;
  private positionValue: Float64Array<ArrayBuffer>;
  private margin: Float64Array<ArrayBuffer>;
  // Daily sampling: the latest step of the current day.
  private heldDay = NaN;
  private heldTime = NaN;
  private heldEquity = NaN;
  private heldCash = NaN;
  private heldPositionValue = NaN;
  private heldMargin = NaN;

  /** `capacity`: rows to make room for at once (the steps expected, when known); `pool`: where the columns come from (see `release`). */
  constructor(
    readonly sampling: 'step' | 'day',
    capacity = 1024,
    pool?: Float64Pool,
  ) {
    const n = Math.max(16, Math.min(capacity, 1 << 26));
    this.time = takeFloat64(pool, n);
    this.equity = takeFloat64(pool, n);
    this.cash = takeFloat64(pool, n);
    this.positionValue = takeFloat64(pool, n);
    this.margin = takeFloat64(pool, n);
  }

  /** Gives the columns to `pool`; the recorder and every curve() it returned must not be used after. */
  release(pool: Float64Pool): void {
    for (const a of [this.time, this.equity, this.cash, this.positionValue, this.margin]) pool.give(a);
  }

  record(t: Micros, equity: number, cash: number, positionValue: number, margin: number): void {
    if (this.sampling === 'step') {
      this.push(t, equity, cash, positionValue, margin);
      return;
    }
    const day = Math.floor(t / MICROS_PER_DAY);
    if (day !== this.heldDay && this.heldDay === this.heldDay) this.pushHeld();
    this.heldDay = day;
    this.heldTime = t;
    this.heldEquity = equity;
    this.heldCash = cash;
    this.heldPositionValue = positionValue;
    this.heldMargin = margin;
  }

  /** Whether the row of step `t` is recorded (or held) already. */
  has(t: Micros): boolean {
    if (this.sampling === 'day') return this.heldTime >= t && this.heldDay === this.heldDay;
    const n = this.length;
    return n > 0 && (this.time[n - 1] as number) >= t;
  }

  /** At the end of the run: the last day's held row. */
  finish(): void {
    if (this.sampling === 'day' && this.heldDay === this.heldDay) {
      const n = this.length;
      if (!(n > 0 && (this.time[n - 1] as number) >= this.heldTime)) this.pushHeld();
    }
  }

  /** The curve (views of the recorded rows; they share memory until more rows come). */
  curve(): EquityCurve {
    const n = this.length;
    return {
      time: this.time.subarray(0, n),
      equity: this.equity.subarray(0, n),
      cash: this.cash.subarray(0, n),
      positionValue: this.positionValue.subarray(0, n),
      margin: this.margin.subarray(0, n),
    };
  }

  private pushHeld(): void {
    this.push(this.heldTime, this.heldEquity, this.heldCash, this.heldPositionValue, this.heldMargin);
  }

  private push(t: Micros, equity: number, cash: number, positionValue: number, margin: number): void {
    const n = this.length;
    if (n === this.time.length) this.grow();
    this.time[n] = t;
    this.equity[n] = equity;
    this.cash[n] = cash;
    this.positionValue[n] = positionValue;
    this.margin[n] = margin;
    this.length = n + 1;
  }

  private grow(): void {
    const size = this.time.length * 2;
    this.time = grownCopy(this.time, size);
    this.equity = grownCopy(this.equity, size);
    this.cash = grownCopy(this.cash, size);
    this.positionValue = grownCopy(this.positionValue, size);
    this.margin = grownCopy(this.margin, size);
  }
}
