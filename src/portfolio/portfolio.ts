import { TradeRecords } from './trade-records.js';
import { addExact, decimalPlaces, mulExact, placesHint, shareExact, pow10, productUnits, subExact } from '../core/decimal.js';
import { InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import { feeInKindFault } from '../model/events.js';
import type { Instrument } from '../model/instrument.js';
import { isMargined } from '../model/instrument.js';
import type { PositionMode, PositionSide } from '../model/order.js';
import type { ClosedTrade } from './trade-book.js';
import { OpenTrade } from './trade-book.js';

/** Which position of an instrument a book holds: the net position (netting) or one side of a hedging account. */
export type LegSide = 'net' | PositionSide;

/**
 * The book of one position: net position, average price, P&L, round trip.
 * A netting account has one per instrument; a hedging account two, a long
 * leg (quantity >= 0) and a short leg (quantity <= 0), which never cross zero.
 */
export class PositionState {
  /** Signed quantity. */
  quantity = 0;
  /** Average entry price of the open position (NaN when flat). */
  averagePrice = NaN;
  realizedPnl = 0;
  /** Fees paid on this instrument. */
  fees = 0;
  /** Funding and other carry paid (-) or received (+) on this instrument. */
  carry = 0;
  /** Latest mark (close, trade or mid); NaN before any data. */
  lastPrice = NaN;
  /** Bars seen for this instrument (for bars held). */
  bars = 0;
  openTrade: OpenTrade | undefined = undefined;
  /** Margined instruments: the price variation margin was last settled at. */
  settlePrice = NaN;
  /** Margined instruments: initial margin held for the open contracts. */
  margin = 0;
  readonly margined: boolean;
  /**
   * What the valuation of every step would otherwise measure again: the
   * decimal places of a quantity (it changes with fills only) and a bound on
   * the marks' places (a price series keeps its precision: checked, not
   * measured; see decimal.ts).
   */
  private placesOfQuantity = NaN;
  private quantityPlaces = 0;
  private markPlaces = 0;
  /** Decimal places the last `notional` has at most (0..15), or -1 when not known. */
  notionalPlaces = 0;
  constructor(
    readonly instrument: Instrument,
    /** 'net' in a netting account; 'long' or 'short' for the legs of a hedging account. */
    readonly side: LegSide = 'net',
    /** Index of the instrument in the account's instruments. */
    readonly index = 0,
  ) {
    this.margined = isMargined(instrument);
  }

  get unrealizedPnl(): number {
    return unrealizedPnlOf(this.quantity, this.averagePrice, this.lastPrice, this.instrument.multiplier);
  }

  /** Value of a cash position at its mark. Margined positions have none: their P&L is already in cash. */
  get marketValue(): number {
    if (this.margined) return 0;
    return this.notional;
  }

  /** Notional at the mark, signed (exposure), for margined and cash positions alike: notionalOf(quantity, lastPrice, multiplier). */
  get notional(): number {
    return this.notionalAt(this.quantity, this.lastPrice);
  }

  /** notionalOf(quantity, price, the multiplier), bit for bit, with the places this position has seen; sets `notionalPlaces`. */
  notionalAt(quantity: number, price: number): number {
    if (quantity === 0) {
      this.notionalPlaces = 0;
      return 0;
    }
    if (quantity !== this.placesOfQuantity) {
      this.quantityPlaces = decimalPlaces(quantity);
      this.placesOfQuantity = quantity;
    }
    const dp = placesHint(price, this.markPlaces);
    if (dp > this.markPlaces) this.markPlaces = dp;
    const dq = this.quantityPlaces;
    const m = this.instrument.multiplier;
    const units = productUnits(quantity, dq, price, dp);
    if (units !== units || m !== 1) {
      this.notionalPlaces = -1;
      return notionalOf(quantity, price, m);
    }
    this.notionalPlaces = dq + dp;
    return units === 0 ? 0 : units / pow10(dq + dp);
  }
}

/** Signed notional of `quantity` at `price` (exact decimals). */
export function notionalOf(quantity: number, price: number, multiplier: number): number {
  if (quantity === 0) return 0;
  return mulExact(mulExact(quantity, price), multiplier);
}

/** Unrealised P&L of `quantity` bought (sold) at `averagePrice`, marked at `price`. */
export function unrealizedPnlOf(quantity: number, averagePrice: number, price: number, multiplier: number): number {
  if (quantity === 0 || Number.isNaN(price)) return 0;
  // Exact decimals, as realised P&L: 100 x (44.970001 - 38.93) is 604.0001, not 604.0001000000004.
  return mulExact(mulExact(quantity, subExact(price, averagePrice)), multiplier);
}

/**
 * An account with net positions (netting) or long and short legs per
 * instrument (hedging), long and short.
 * - Cash instruments (stocks, shorts included): cash changes by
 *   -quantity x price x multiplier - fee on each fill.
 * - Margined instruments (futures): opening a contract moves its initial
 *   margin from cash into margin in use, closing moves it back; P&L flows into
 *   cash as variation margin (price change x quantity x multiplier) at each
 *   fill and each bar close.
 * Equity = cash + margin in use + sum of cash positions x mark x multiplier.
 * In a hedging account every leg is a position of its own in these sums:
 * both legs are valued, margined and carried, and book their own P&L and
 * round trips.
 */
export class Portfolio {
  cash: number;
  fees = 0;
  /** Initial margin held for open margined positions. */
  marginInUse = 0;
  /** Funding, borrow fees and interest received (+) or paid (-). */
  carry = 0;
  /**
   * Traded notional, run to date, in the account currency: the sum of
   * |quantity| x price x multiplier over every fill (what volume-tiered fees
   * read). Changed by fills only.
   */
  tradedVolume = 0;
  /** Balances in currencies other than the account's (instruments quoted in them), in those currencies. */
  readonly balances = new Map<string, number>();
  /** Account currency per unit of a currency, from market data; set by the engine. */
  rate: (currency: string) => number = () => NaN;
  /** Every closed round trip, in the order they closed. */
  readonly closedTrades = new TradeRecords();
  /** Decimal places the last positionValue() has at most (0..15), or -1 when not known. */
  positionValuePlaces = 0;
  /**
   * Every position book: [i] is instrument i's net position (netting) or
   * long leg (hedging); in a hedging account [n + i] is its short leg.
   */
  readonly positions: PositionState[];
  readonly hedging: boolean;
  /** Number of instruments. */
  readonly size: number;
  private readonly bySymbol = new Map<string, PositionState>();
  private nextTradeId = 1;

  constructor(
    readonly initialCash: number,
    instruments: readonly Instrument[],
    /** The account's currency; instruments quoted in another settle into a balance in theirs. */
    readonly currency = 'USD',
    readonly mode: PositionMode = 'netting',
  ) {
    this.cash = initialCash;
    this.hedging = mode === 'hedging';
    this.size = instruments.length;
    this.positions = instruments.map((inst, i) => new PositionState(inst, this.hedging ? 'long' : 'net', i));
    if (this.hedging) for (let i = 0; i < instruments.length; i++) this.positions.push(new PositionState(instruments[i] as Instrument, 'short', i));
    for (let i = 0; i < this.size; i++) {
      const p = this.positions[i] as PositionState;
      this.bySymbol.set(p.instrument.symbol, p);
    }
  }

  /** The net position (netting) or the long leg (hedging) of an instrument. */
  position(symbol: string): PositionState {
    const p = this.bySymbol.get(symbol);
    if (p === undefined) throw new InvariantError(`unknown instrument ${symbol}`);
    return p;
  }

  /**
   * The book an order of instrument `idx` acts on: the net position in a
   * netting account, the leg it names in a hedging one.
   */
  leg(idx: number, positionSide: PositionSide | undefined): PositionState {
    const p = this.positions[positionSide === 'short' && this.hedging ? this.size + idx : idx];
    if (p === undefined) throw new InvariantError(`unknown instrument index ${idx}`);
    return p;
  }

  /** The short leg of instrument `idx` in a hedging account; undefined in a netting one. */
  shortLeg(idx: number): PositionState | undefined {
    return this.hedging ? this.positions[this.size + idx] : undefined;
  }

  /** Net quantity of instrument `idx`: the position, or long leg + short leg. */
  netQuantity(idx: number): number {
    const p = (this.positions[idx] as PositionState).quantity;
    return this.hedging ? addExact(p, (this.positions[this.size + idx] as PositionState).quantity) : p;
  }

  /** Sum of positions at their marks, in the account currency. */
  positionValue(): number {
    let v = 0;
    let places = 0;
    for (let i = 0; i < this.positions.length; i++) {
      const p = this.positions[i] as PositionState;
      if (p.quantity === 0) continue;
      const ccy = p.instrument.currency;
      let value: number;
      if (p.margined) value = 0;
      else if (ccy === this.currency) {
        value = p.notional;
        // The value of one position has the places of its notional; a sum or a conversion is measured when needed.
        places = v === 0 ? p.notionalPlaces : -1;
      } else {
        value = p.marketValue * this.rate(ccy);
        places = -1;
      }
      // 0 + x is x (addExact(0, x) gives x, and 0 for -0): the first position needs no exact sum.
      v = v === 0 ? (value === 0 ? 0 : value) : addExact(v, value);
    }
    this.positionValuePlaces = v === 0 ? 0 : places;
    return v;
  }

  /** Sum of |position x mark x multiplier| of cash instruments, in the account currency (what a margin account lends against). */
  grossExposure(): number {
    let g = 0;
    for (const p of this.positions) {
      if (p.quantity === 0 || p.margined) continue;
      const ccy = p.instrument.currency;
      g += Math.abs(p.notional) * (ccy === this.currency ? 1 : this.rate(ccy));
    }
    return g;
  }

  /** Cash in the account currency plus the other balances at their current rates. */
  cashValue(): number {
    if (this.balances.size === 0) return this.cash;
    let v = this.cash;
    for (const [ccy, amount] of this.balances) v += amount * this.rate(ccy);
    return v;
  }

  /** Adds to the balance of the instrument's currency. */
  private credit(pos: PositionState, amount: number): void {
    const ccy = pos.instrument.currency;
    if (ccy === this.currency) this.cash = addExact(this.cash, amount);
    else this.balances.set(ccy, addExact(this.balances.get(ccy) ?? 0, amount));
  }

  equity(): number {
    const cash = this.cashValue();
    const base = this.marginInUse === 0 ? cash : addExact(cash, this.marginInUse);
    return addExact(base, this.positionValue());
  }

  /**
   * Marks a position to a new price. A margined position settles variation
   * margin into cash: quantity x (price - last settlement) x multiplier.
   */
  mark(pos: PositionState, price: number): void {
    pos.lastPrice = price;
    if (!pos.margined || pos.quantity === 0) return;
    this.settle(pos, price);
  }

  private settle(pos: PositionState, price: number): void {
    if (pos.settlePrice === price) return;
    const vm = mulExact(mulExact(pos.quantity, subExact(price, pos.settlePrice)), pos.instrument.multiplier);
    this.credit(pos, vm);
    pos.settlePrice = price;
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
   *
   * `feeInKind` (> 0): the venue took the commission in units of the
   * instrument (a spot buy's commission in the base asset) and `fee` is its
   * value. Cash pays quantity x price only, and the position and its open
   * trade grow by what was kept, quantity - feeInKind, at the fill's price:
   * equity = cash + position value and equity change = realised + unrealised
   * - fees hold as for a fee in cash. Only a buy of a cash instrument that
   * leaves a long position may carry one.
   */
  applyFill(pos: PositionState, quantity: number, price: number, fee: number, time: Micros, feeInKind = 0): void {
    if (quantity === 0 || !Number.isFinite(quantity)) throw new InvariantError(`fill with quantity ${quantity}`);
    if (!(price > 0) || !Number.isFinite(price)) throw new InvariantError(`fill with price ${price}`);
    // A negative fee is a maker rebate.
    if (!Number.isFinite(fee)) throw new InvariantError(`fill with fee ${fee}`);
    if (feeInKind !== 0) checkFeeInKind(pos, quantity, feeInKind);
    if (pos.side !== 'net') {
      // A leg of a hedging account never crosses zero: the order manager and the venue see to it.
      const after = (pos.side === 'long' ? 1 : -1) * (pos.quantity + quantity);
      if (after < -Math.abs(pos.quantity) * 1e-12) throw new InvariantError(`${pos.instrument.symbol}: a fill of ${quantity} would take the ${pos.side} leg (${pos.quantity}) through zero`);
    }
    const mult = pos.instrument.multiplier;
    if (pos.margined) {
      // Variation margin on what was held, up to the fill price; then margin moves with the contracts.
      if (pos.quantity !== 0) this.settle(pos, price);
      this.credit(pos, -fee);
    } else {
      // A commission in kind was paid in units, not from cash.
      this.credit(pos, -addExact(mulExact(mulExact(quantity, price), mult), feeInKind === 0 ? fee : 0));
    }
    const ccy = pos.instrument.currency;
    this.fees = addExact(this.fees, ccy === this.currency ? fee : fee * this.rate(ccy));
    const traded = mulExact(mulExact(Math.abs(quantity), price), mult);
    this.tradedVolume = addExact(this.tradedVolume, ccy === this.currency ? traded : traded * this.rate(ccy));
    pos.fees = addExact(pos.fees, fee);
    pos.lastPrice = Number.isNaN(pos.lastPrice) ? price : pos.lastPrice;
    // What the position changes by: the traded quantity, less a commission taken from it.
    if (feeInKind !== 0) quantity = subExact(quantity, feeInKind);

    const absQty = Math.abs(quantity);
    const held = pos.quantity;
    let remaining = absQty;
    let closedFee = 0;
    if (held !== 0 && Math.sign(held) !== Math.sign(quantity)) {
      // Reduce or close (and maybe cross).
      const closing = Math.min(absQty, Math.abs(held));
      const direction = held > 0 ? 1 : -1;
      const pnl = mulExact(mulExact(closing, subExact(price, pos.averagePrice)), direction * mult);
      const closeFee = shareExact(fee, closing, absQty);
      closedFee = closeFee;
      pos.realizedPnl = addExact(pos.realizedPnl, pnl);
      const trade = pos.openTrade;
      if (trade === undefined) throw new InvariantError(`${pos.instrument.symbol}: position without an open trade`);
      trade.addExit(closing, price, closeFee, pnl);
      // Exact decimals: a spot position stays the exchange's balance (no float residue of 1e-18 over many fills).
      pos.quantity = subExact(held, direction * closing);
      if (pos.margined) this.moveMargin(pos, -closing);
      // Fractional lots: a residue of float subtraction is zero, not a dust position.
      if (Math.abs(pos.quantity) <= Math.abs(held) * 1e-12) pos.quantity = 0;
      // A leg of a hedging account only reduces here (a residue is float noise).
      remaining = pos.side === 'net' ? subExact(absQty, closing) : 0;
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
      if (pos.margined) {
        this.moveMargin(pos, remaining);
        if (pos.quantity === 0) pos.settlePrice = price;
      }
      if (pos.quantity === 0) {
        pos.openTrade = new OpenTrade(this.nextTradeId++, pos.instrument.symbol, signed > 0 ? 'long' : 'short', time, pos.bars);
        pos.averagePrice = price;
      } else {
        const total = Math.abs(pos.quantity) + remaining;
        pos.averagePrice = (pos.averagePrice * Math.abs(pos.quantity) + price * remaining) / total;
      }
      (pos.openTrade as OpenTrade).addEntry(remaining, price, openFee);
      pos.quantity = addExact(pos.quantity, signed);
    }
  }

  /**
   * Carry on an instrument: funding, borrow fees, interest. Positive amounts
   * are received, negative paid; cash and the position's carry change, and
   * realised P&L with it (so equity change = realised + unrealised - fees holds).
   */
  applyCarry(pos: PositionState | undefined, amount: number): void {
    if (amount === 0 || !Number.isFinite(amount)) return;
    this.cash = addExact(this.cash, amount);
    this.carry = addExact(this.carry, amount);
    if (pos !== undefined) pos.carry = addExact(pos.carry, amount);
  }

  /** Moves initial margin for `contracts` opened (> 0) or closed (< 0) between cash and margin in use. */
  private moveMargin(pos: PositionState, contracts: number): void {
    const amount = mulExact(contracts, pos.instrument.marginInit);
    if (amount === 0) return;
    this.cash = subExact(this.cash, amount);
    pos.margin = addExact(pos.margin, amount);
    this.marginInUse = addExact(this.marginInUse, amount);
    if (Math.abs(pos.margin) < 1e-9) pos.margin = 0;
  }

  /** Round trips still open, for the summary. */
  openTrades(): number {
    let n = 0;
    for (const p of this.positions) if (p.openTrade !== undefined) n++;
    return n;
  }
}

/** A commission in kind: part of a buy's own quantity, on a cash instrument, leaving a long position (spot has no shorts to pay it from). */
function checkFeeInKind(pos: PositionState, quantity: number, feeInKind: number): void {
  const what = `${pos.instrument.symbol}: a commission in kind of ${feeInKind} on a fill of ${quantity}`;
  const fault = feeInKindFault(quantity, feeInKind);
  if (fault !== undefined) throw new InvariantError(`${what} ${fault}`);
  if (pos.margined) throw new InvariantError(`${what}: ${pos.instrument.symbol} is margined, its contracts cannot pay a commission`);
  if (pos.side === 'short') throw new InvariantError(`${what}: only a buy of a long position can pay in the bought asset`);
  if (pos.quantity < 0) throw new InvariantError(`${what}: the position (${pos.quantity}) is short, the fill would cross zero`);
}
