import { GrowableFloat64 } from '../core/growable.js';
import { MICROS_PER_DAY } from '../core/time.js';
import type { Micros } from '../core/time.js';
import type { PositionState } from '../portfolio/portfolio.js';

/** Positions over time, column by column: one row per instrument after each fill and at each day's last time step. */
export interface PositionRows {
  readonly length: number;
  readonly time: Float64Array;
  /** Index into the run's symbols. */
  readonly symbol: Float64Array;
  readonly quantity: Float64Array;
  readonly averagePrice: Float64Array;
  readonly price: Float64Array;
  readonly marketValue: Float64Array;
  readonly unrealizedPnl: Float64Array;
  readonly realizedPnl: Float64Array;
  readonly fees: Float64Array;
  /** The leg: 0 the net position (netting), 1 the long leg, -1 the short leg (hedging). */
  readonly side: Float64Array;
}

/**
 * Records positions compactly: every change (after a fill) and a daily
 * snapshot of every instrument (at the last time step of each UTC day), so a
 * multi-year minute run does not write a row per bar per instrument. In a
 * hedging account each leg is a position of its own: a fill records its
 * leg, a snapshot every leg.
 */
export class PositionLog {
  private readonly cols = Array.from({ length: 10 }, () => new GrowableFloat64(256));
  private lastDay = NaN;
  private lastStep = NaN;

  constructor(private readonly positions: readonly PositionState[]) {}

  /** After a fill of position `idx` (an index into the portfolio's positions). */
  onFill(idx: number, time: Micros): void {
    this.push(idx, time);
  }

  /** At each time step; emits the previous day's closing snapshot when a new day begins. */
  onStep(time: Micros): void {
    const day = Math.floor(time / MICROS_PER_DAY);
    if (day !== this.lastDay && !Number.isNaN(this.lastDay)) this.snapshot(this.lastStep);
    this.lastDay = day;
    this.lastStep = time;
  }

  /** At the end of the run: the last day's snapshot. */
  finish(): void {
    if (!Number.isNaN(this.lastStep)) this.snapshot(this.lastStep);
  }

  rows(): PositionRows {
    const [time, symbol, quantity, averagePrice, price, marketValue, unrealizedPnl, realizedPnl, fees, side] = this.cols.map((c) => c.view()) as [
      Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array,
    ];
    return { length: time.length, time, symbol, quantity, averagePrice, price, marketValue, unrealizedPnl, realizedPnl, fees, side };
  }

  private snapshot(time: Micros): void {
    for (let i = 0; i < this.positions.length; i++) this.push(i, time);
  }

  private push(idx: number, time: Micros): void {
    const p = this.positions[idx] as PositionState;
    const c = this.cols;
    (c[0] as GrowableFloat64).push(time);
    (c[1] as GrowableFloat64).push(p.index);
    (c[2] as GrowableFloat64).push(p.quantity);
    (c[3] as GrowableFloat64).push(p.averagePrice);
    (c[4] as GrowableFloat64).push(p.lastPrice);
    (c[5] as GrowableFloat64).push(p.notional);
    (c[6] as GrowableFloat64).push(p.unrealizedPnl);
    (c[7] as GrowableFloat64).push(p.realizedPnl);
    (c[8] as GrowableFloat64).push(p.fees);
    (c[9] as GrowableFloat64).push(p.side === 'long' ? 1 : p.side === 'short' ? -1 : 0);
  }
}
