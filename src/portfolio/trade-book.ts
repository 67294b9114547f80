import { addExact, mulExact, subExact } from '../core/decimal.js';
import type { Micros } from '../core/time.js';

/** A round trip: from flat (or a zero crossing) back to flat (or the next crossing). */
export interface ClosedTrade {
  readonly tradeId: number;
  readonly symbol: string;
  readonly direction: 'long' | 'short';
  /** Total quantity entered over the trade. */
  readonly quantity: number;
  readonly entryTime: Micros;
  /** Quantity-weighted average of the entry fills. */
  readonly entryPrice: number;
  readonly exitTime: Micros;
  /** Quantity-weighted average of the exit fills. */
  readonly exitPrice: number;
  readonly grossPnl: number;
  /** Entry and exit fees, including this trade's share of a fill that crossed zero. */
  readonly fees: number;
  readonly netPnl: number;
  /** Bars of the instrument from the entry fill to the exit fill. */
  readonly barsHeld: number;
  /**
   * Maximum adverse and favourable excursion, in account currency: the worst
   * and best open P&L the trade saw, from the prices it lived through (fills,
   * and the high and low of each bar it was open for after its entry fill).
   * MAE <= 0 <= MFE.
   */
  readonly mae: number;
  readonly mfe: number;
}

/** The open part of a round trip, accumulated fill by fill. */
export class OpenTrade {
  /** Price of the only fill so far, so a one-fill side reports it as is (no notional / quantity round trip). */
  private entryOnly = NaN;
  private exitOnly = NaN;
  private entryFills = 0;
  private exitFills = 0;
  entryQuantity = 0;
  entryNotional = 0;
  exitQuantity = 0;
  exitNotional = 0;
  grossPnl = 0;
  fees = 0;
  /** Extreme prices seen while the trade was open. */
  private low = Infinity;
  private high = -Infinity;
  constructor(
    readonly tradeId: number,
    readonly symbol: string,
    readonly direction: 'long' | 'short',
    readonly entryTime: Micros,
    readonly entryBar: number,
  ) {}

  addEntry(quantity: number, price: number, fee: number): void {
    this.entryQuantity = addExact(this.entryQuantity, quantity);
    this.entryNotional = addExact(this.entryNotional, mulExact(quantity, price));
    this.fees = addExact(this.fees, fee);
    this.entryOnly = this.entryFills++ === 0 ? price : NaN;
    this.observe(price, price);
  }

  /** Prices the open trade lived through (a bar's high and low, a tick). */
  observe(high: number, low: number): void {
    if (high > this.high) this.high = high;
    if (low < this.low) this.low = low;
  }

  addExit(quantity: number, price: number, fee: number, pnl: number): void {
    this.exitQuantity = addExact(this.exitQuantity, quantity);
    this.exitNotional = addExact(this.exitNotional, mulExact(quantity, price));
    this.fees = addExact(this.fees, fee);
    this.grossPnl = addExact(this.grossPnl, pnl);
    this.exitOnly = this.exitFills++ === 0 ? price : NaN;
    this.observe(price, price);
  }

  close(exitTime: Micros, exitBar: number, multiplier: number): ClosedTrade {
    const entry = this.entryFills === 1 ? this.entryOnly : this.entryNotional / this.entryQuantity;
    const size = this.entryQuantity * multiplier;
    const up = mulExact(subExact(this.high, entry), size);
    const down = mulExact(subExact(this.low, entry), size);
    const long = this.direction === 'long';
    return {
      tradeId: this.tradeId,
      symbol: this.symbol,
      direction: this.direction,
      quantity: this.entryQuantity,
      entryTime: this.entryTime,
      entryPrice: entry,
      exitTime,
      exitPrice: this.exitFills === 1 ? this.exitOnly : this.exitNotional / this.exitQuantity,
      grossPnl: this.grossPnl,
      fees: this.fees,
      netPnl: subExact(this.grossPnl, this.fees),
      barsHeld: exitBar - this.entryBar,
      mae: Math.min(0, long ? down : -up),
      mfe: Math.max(0, long ? up : -down),
    };
  }
}
