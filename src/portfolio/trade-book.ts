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
  }

  addExit(quantity: number, price: number, fee: number, pnl: number): void {
    this.exitQuantity = addExact(this.exitQuantity, quantity);
    this.exitNotional = addExact(this.exitNotional, mulExact(quantity, price));
    this.fees = addExact(this.fees, fee);
    this.grossPnl = addExact(this.grossPnl, pnl);
    this.exitOnly = this.exitFills++ === 0 ? price : NaN;
  }

  close(exitTime: Micros, exitBar: number): ClosedTrade {
    return {
      tradeId: this.tradeId,
      symbol: this.symbol,
      direction: this.direction,
      quantity: this.entryQuantity,
      entryTime: this.entryTime,
      entryPrice: this.entryFills === 1 ? this.entryOnly : this.entryNotional / this.entryQuantity,
      exitTime,
      exitPrice: this.exitFills === 1 ? this.exitOnly : this.exitNotional / this.exitQuantity,
      grossPnl: this.grossPnl,
      fees: this.fees,
      netPnl: subExact(this.grossPnl, this.fees),
      barsHeld: exitBar - this.entryBar,
    };
  }
}
