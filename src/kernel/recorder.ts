import { GrowableFloat64 } from '../core/growable.js';
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
  private readonly time = new GrowableFloat64();
  private readonly equity = new GrowableFloat64();
  private readonly cash = new GrowableFloat64();
  private readonly positionValue = new GrowableFloat64();
  private readonly margin = new GrowableFloat64();
  // Daily sampling: the latest step of the current day.
  private heldDay = NaN;
  private heldTime = NaN;
  private heldEquity = NaN;
  private heldCash = NaN;
  private heldPositionValue = NaN;
  private heldMargin = NaN;

  constructor(readonly sampling: 'step' | 'day') {}

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
    const n = this.time.length;
    return n > 0 && this.time.get(n - 1) >= t;
  }

  /** At the end of the run: the last day's held row. */
  finish(): void {
    if (this.sampling === 'day' && this.heldDay === this.heldDay) {
      const n = this.time.length;
      if (!(n > 0 && this.time.get(n - 1) >= this.heldTime)) this.pushHeld();
    }
  }

  curve(): EquityCurve {
    return {
      time: this.time.view(),
      equity: this.equity.view(),
      cash: this.cash.view(),
      positionValue: this.positionValue.view(),
      margin: this.margin.view(),
    };
  }

  private pushHeld(): void {
    this.push(this.heldTime, this.heldEquity, this.heldCash, this.heldPositionValue, this.heldMargin);
  }

  private push(t: Micros, equity: number, cash: number, positionValue: number, margin: number): void {
    this.time.push(t);
    this.equity.push(equity);
    this.cash.push(cash);
    this.positionValue.push(positionValue);
    this.margin.push(margin);
  }
}
