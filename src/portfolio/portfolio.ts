import { addExact, mulExact, subExact } from '../core/decimal.js';
import { InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import type { Instrument } from '../model/instrument.js';
import type { ClosedTrade } from './trade-book.js';
import { OpenTrade } from './trade-book.js';

/** The book of one instrument: net position, average price, P&L, round trip. */
export class PositionState {
  /** Signed quantity. */
  quantity = 0;
  /** Average entry price of the open position (NaN when flat). */
  averagePrice = NaN;
  realizedPnl = 0;
  /** Latest mark (close, trade or mid); NaN before any data. */
  lastPrice = NaN;
  /** Bars seen for this instrument (for bars held). */
  bars = 0;
  openTrade: OpenTrade | undefined = undefined;
  constructor(readonly instrument: Instrument) {}

  get unrealizedPnl(): number {
    if (this.quantity === 0 || Number.isNaN(this.lastPrice)) return 0;
    return this.quantity * (this.lastPrice - this.averagePrice) * this.instrument.multiplier;
  }

  get marketValue(): number {
    if (this.quantity === 0) return 0;
    return mulExact(mulExact(this.quantity, this.lastPrice), this.instrument.multiplier);
  }
}

/**
 * A single-currency cash account with net positions, long and short.
 * Stocks (shorts included): cash changes by -quantity x price x multiplier - fee
 * on each fill; equity = cash + sum(position x mark x multiplier).
 */
export class Portfolio {
  cash: number;
  fees = 0;
  readonly closedTrades: ClosedTrade[] = [];
  readonly positions: PositionState[];
  private readonly bySymbol = new Map<string, PositionState>();
  private nextTradeId = 1;

  constructor(
    readonly initialCash: number,
    instruments: readonly Instrument[],
  ) {
    this.cash = initialCash;
    this.positions = instruments.map((i) => new PositionState(i));
    for (const p of this.positions) this.bySymbol.set(p.instrument.symbol, p);
  }

  position(symbol: string): PositionState {
    const p = this.bySymbol.get(symbol);
    if (p === undefined) throw new InvariantError(`unknown instrument ${symbol}`);
    return p;
  }

  /** Sum of positions at their marks. */
  positionValue(): number {
    let v = 0;
    for (let i = 0; i < this.positions.length; i++) {
      const p = this.positions[i] as PositionState;
      if (p.quantity !== 0) v = addExact(v, p.marketValue);
    }
    return v;
  }

  equity(): number {
    return addExact(this.cash, this.positionValue());
  }

  realizedPnl(): number {
    let r = 0;
    for (const p of this.positions) r += p.realizedPnl;
    return r;
  }

  unrealizedPnl(): number {
    let u = 0;
    for (const p of this.positions) u += p.unrealizedPnl;
    return u;
  }

  /**
   * Applies one fill (signed quantity). A fill that crosses zero closes the
   * current round trip and opens another; its fee is split in proportion to
   * the closing and opening quantities.
   */
  applyFill(pos: PositionState, quantity: number, price: number, fee: number, time: Micros): void {
    if (quantity === 0 || !Number.isFinite(quantity)) throw new InvariantError(`fill with quantity ${quantity}`);
    if (!(price > 0) || !Number.isFinite(price)) throw new InvariantError(`fill with price ${price}`);
    if (!(fee >= 0)) throw new InvariantError(`fill with fee ${fee}`);
    const mult = pos.instrument.multiplier;
    this.cash = subExact(subExact(this.cash, mulExact(mulExact(quantity, price), mult)), fee);
    this.fees = addExact(this.fees, fee);
    pos.lastPrice = Number.isNaN(pos.lastPrice) ? price : pos.lastPrice;

    const absQty = Math.abs(quantity);
    const held = pos.quantity;
    let remaining = absQty;
    let closedFee = 0;
    if (held !== 0 && Math.sign(held) !== Math.sign(quantity)) {
      // Reduce or close (and maybe cross).
      const closing = Math.min(absQty, Math.abs(held));
      const direction = held > 0 ? 1 : -1;
      const pnl = mulExact(mulExact(closing, subExact(price, pos.averagePrice)), direction * mult);
      const closeFee = closing === absQty ? fee : (fee * closing) / absQty;
      closedFee = closeFee;
      pos.realizedPnl = addExact(pos.realizedPnl, pnl);
      const trade = pos.openTrade;
      if (trade === undefined) throw new InvariantError(`${pos.instrument.symbol}: position without an open trade`);
      trade.addExit(closing, price, closeFee, pnl);
      pos.quantity = held - direction * closing;
      // Fractional lots: a residue of float subtraction is zero, not a dust position.
      if (Math.abs(pos.quantity) <= Math.abs(held) * 1e-12) pos.quantity = 0;
      remaining = absQty - closing;
      if (pos.quantity === 0) {
        this.closedTrades.push(trade.close(time, pos.bars, mult));
        pos.openTrade = undefined;
        pos.averagePrice = NaN;
      }
    }
    if (remaining > 0) {
      // The two parts of a crossing fill's fee add up to the fee exactly.
      const openFee = remaining === absQty ? fee : subExact(fee, closedFee);
      const signed = quantity > 0 ? remaining : -remaining;
      if (pos.quantity === 0) {
        pos.openTrade = new OpenTrade(this.nextTradeId++, pos.instrument.symbol, signed > 0 ? 'long' : 'short', time, pos.bars);
        pos.averagePrice = price;
      } else {
        const total = Math.abs(pos.quantity) + remaining;
        pos.averagePrice = (pos.averagePrice * Math.abs(pos.quantity) + price * remaining) / total;
      }
      (pos.openTrade as OpenTrade).addEntry(remaining, price, openFee);
      pos.quantity += signed;
    }
  }

  /** Round trips still open, for the summary. */
  openTrades(): number {
    let n = 0;
    for (const p of this.positions) if (p.openTrade !== undefined) n++;
    return n;
  }
}
