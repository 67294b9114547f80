import { grownCopy } from '../core/growable.js';
import { MICROS_PER_DAY } from '../core/time.js';
import type { Micros } from '../core/time.js';
import { unrealizedPnlOf, type PositionState } from '../portfolio/portfolio.js';

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
  /**
   * The ten columns of PositionRows, grown together (one capacity check a
   * row); none when disabled (an optimizer's trial makes one log per run).
   */
  private readonly cols: Float64Array<ArrayBuffer>[];
  private length = 0;
  /**
   * The row being added, written here by the caller and copied into the
   * columns by `append`: a double passed to a call that V8 does not inline
   * becomes a heap number (docs/architecture.md, "No double crosses a call"),
   * and a row passed as arguments was ten of them a fill.
   */
  private readonly next = new Float64Array(COLUMNS);
  private lastDay = NaN;
  private lastStep = NaN;
  /**
   * The positions as they stood at the end of the latest step (FIELDS values
   * each): the day's closing snapshot when that step turns out to be the
   * day's last, which is known only once a step or a fill of a later day
   * comes.
   */
  private readonly held: Float64Array;
  private holding = false;

  /** `enabled` false: records nothing (rows() is empty), for runs that write no positions.csv. */
  constructor(
    private readonly positions: readonly PositionState[],
    private readonly enabled = true,
  ) {
    this.held = new Float64Array(positions.length * FIELDS);
    this.cols = Array.from({ length: enabled ? COLUMNS : 0 }, () => new Float64Array(256));
  }

  /** After a fill of position `idx` (an index into the portfolio's positions). */
  onFill(idx: number, time: Micros): void {
    if (!this.enabled) return;
    if (this.holding && Math.floor(time / MICROS_PER_DAY) !== this.lastDay) this.flush();
    this.push(idx, time);
  }

  /**
   * The time of the step `onStep` records, written there by the caller: a
   * double passed to a call that V8 does not inline becomes a heap number,
   * one per step (docs/architecture.md, "No double crosses a call").
   */
  readonly stepTime = new Float64Array(1);

  /** At the end of each time step (at `stepTime`): the previous day's closing snapshot goes out when a new day begins; this step's is held. */
  onStep(): void {
    if (!this.enabled) return;
    const time = this.stepTime[0] as number;
    const day = Math.floor(time / MICROS_PER_DAY);
    if (this.holding && day !== this.lastDay) this.flush();
    this.lastDay = day;
    this.lastStep = time;
    this.hold();
  }

  /**
   * Copies the positions into `held` (out of onStep, which stays small
   * enough for V8 to inline into the step: a call it does not inline boxes
   * the time passed to it).
   */
  private hold(): void {
    const h = this.held;
    for (let i = 0, k = 0; i < this.positions.length; i++, k += FIELDS) {
      const p = this.positions[i] as PositionState;
      // The raw figures only: market value and unrealised P&L follow from them when a row is written.
      h[k] = p.quantity;
      h[k + 1] = p.averagePrice;
      h[k + 2] = p.lastPrice;
      h[k + 3] = p.realizedPnl;
      h[k + 4] = p.fees;
    }
    this.holding = true;
  }

  /** At the end of the run: the last day's snapshot. */
  finish(): void {
    if (this.holding) this.flush();
  }

  /** The held snapshot of the last step of a day, stamped with that step's time. */
  private flush(): void {
    const h = this.held;
    const r = this.next;
    for (let i = 0, k = 0; i < this.positions.length; i++, k += FIELDS) {
      const p = this.positions[i] as PositionState;
      const q = h[k] as number;
      const avg = h[k + 1] as number;
      const price = h[k + 2] as number;
      r[TIME] = this.lastStep;
      r[QUANTITY] = q;
      r[AVERAGE_PRICE] = avg;
      r[PRICE] = price;
      r[MARKET_VALUE] = p.notionalAt(q, price);
      r[UNREALIZED] = unrealizedPnlOf(q, avg, price, p.instrument.multiplier);
      r[REALIZED] = h[k + 3] as number;
      r[FEES] = h[k + 4] as number;
      this.append(p);
    }
    this.holding = false;
  }

  rows(): PositionRows {
    if (this.cols.length === 0) return EMPTY_ROWS;
    const n = this.length;
    const [time, symbol, quantity, averagePrice, price, marketValue, unrealizedPnl, realizedPnl, fees, side] = this.cols.map((c) => c.subarray(0, n)) as [
      Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array,
    ];
    return { length: time.length, time, symbol, quantity, averagePrice, price, marketValue, unrealizedPnl, realizedPnl, fees, side };
  }

  private push(idx: number, time: Micros): void {
    const p = this.positions[idx] as PositionState;
    const r = this.next;
    r[TIME] = time;
    r[QUANTITY] = p.quantity;
    r[AVERAGE_PRICE] = p.averagePrice;
    r[PRICE] = p.lastPrice;
    r[MARKET_VALUE] = p.notional;
    r[UNREALIZED] = p.unrealizedPnl;
    r[REALIZED] = p.realizedPnl;
    r[FEES] = p.fees;
    this.append(p);
  }

  /** `next` as a row of position `p` (its symbol and leg filled in here). */
  private append(p: PositionState): void {
    const n = this.length;
    if (n === (this.cols[0] as Float64Array).length) this.grow();
    const r = this.next;
    r[SYMBOL] = p.index;
    r[SIDE] = p.side === 'long' ? 1 : p.side === 'short' ? -1 : 0;
    const c = this.cols;
    for (let k = 0; k < COLUMNS; k++) (c[k] as Float64Array)[n] = r[k] as number;
    this.length = n + 1;
  }

  private grow(): void {
    const c = this.cols;
    for (let k = 0; k < COLUMNS; k++) c[k] = grownCopy(c[k] as Float64Array<ArrayBuffer>, (c[k] as Float64Array).length * 2);
  }
}

// The columns in PositionRows' order.
const TIME = 0;
const SYMBOL = 1;
const QUANTITY = 2;
const AVERAGE_PRICE = 3;
const PRICE = 4;
const MARKET_VALUE = 5;
const UNREALIZED = 6;
const REALIZED = 7;
const FEES = 8;
const SIDE = 9;

/** Values held per position: quantity, average price, price, realised P&L, fees. */
const FIELDS = 5;

/** Columns of PositionRows. */
const COLUMNS = 10;

const NO_VALUES = new Float64Array(0);
const EMPTY_ROWS: PositionRows = {
  length: 0,
  time: NO_VALUES,
  symbol: NO_VALUES,
  quantity: NO_VALUES,
  averagePrice: NO_VALUES,
  price: NO_VALUES,
  marketValue: NO_VALUES,
  unrealizedPnl: NO_VALUES,
  realizedPnl: NO_VALUES,
  fees: NO_VALUES,
  side: NO_VALUES,
};
