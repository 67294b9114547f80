import { addExact, mulExact } from '../core/decimal.js';
import type { Micros } from '../core/time.js';
import type { Instrument } from '../model/instrument.js';
import type { OrderSide, PositionSide } from '../model/order.js';

/** What the risk layer needs to know about an instrument. */
export type RiskInstrument = Pick<Instrument, 'tickSize' | 'lotSize' | 'multiplier'>;

/**
 * The account as the risk engine sees it, implemented by the engine. Amounts
 * are in account currency. Exposures must agree with the other methods:
 * grossExposure() = sum over instruments of |position x lastPrice x multiplier x conversion|,
 * netExposure()   = sum over instruments of  position x lastPrice x multiplier x conversion.
 * In a hedging account the sums run over both legs of each instrument: gross
 * exposure counts the long and the short leg, net exposure their difference.
 */
export interface RiskView {
  /** The current time (µs UTC): the rate limit's window ends here. */
  now(): Micros;
  equity(): number;
  /**
   * Signed position (filled quantity) of an instrument; 0 when none. With a
   * `positionSide` (orders of a hedging account), the quantity of that leg:
   * long >= 0, short <= 0. The position limit, the reducing state and the
   * exposure arithmetic of such an order apply to its leg.
   */
  position(symbol: string, positionSide?: PositionSide): number;
  /** Last market price of an instrument (close, trade or mid); NaN when none yet. */
  lastPrice(symbol: string): number;
  /** Tick, lot and multiplier; undefined means no grid and a multiplier of 1. */
  instrument(symbol: string): RiskInstrument | undefined;
  grossExposure(): number;
  netExposure(): number;
  /**
   * Optional: the open (unfilled) quantity of live orders of the instrument
   * on one side. When given, position and exposure limits count these orders
   * as filled (the worst case in the order's direction). When absent, only
   * filled positions count.
   */
  openQuantity?(symbol: string, side: OrderSide): number;
  /** Optional: account currency per unit of the instrument's quote currency; 1 when absent. */
  conversion?(symbol: string): number;
}

/**
 * A RiskView over plain maps, for tests, tools and simple set-ups: set the
 * fields, and the exposures follow from positions, prices and instruments.
 */
export class MapRiskView implements RiskView {
  time: Micros = 0;
  equityValue = 0;
  readonly positions = new Map<string, number>();
  readonly prices = new Map<string, number>();
  readonly instruments = new Map<string, RiskInstrument>();
  /** Open quantity of live orders by symbol: [buy, sell]. */
  readonly open = new Map<string, [number, number]>();
  /** Hedging accounts: the legs of an instrument, [long (>= 0), short (<= 0)]; they count in the exposures next to `positions`. */
  readonly legs = new Map<string, [number, number]>();

  constructor(init: { time?: Micros; equity?: number } = {}) {
    this.time = init.time ?? 0;
    this.equityValue = init.equity ?? 0;
  }

  now(): Micros {
    return this.time;
  }
  equity(): number {
    return this.equityValue;
  }
  position(symbol: string, positionSide?: PositionSide): number {
    if (positionSide !== undefined) {
      const l = this.legs.get(symbol);
      return l === undefined ? 0 : positionSide === 'long' ? l[0] : l[1];
    }
    return this.positions.get(symbol) ?? 0;
  }
  lastPrice(symbol: string): number {
    return this.prices.get(symbol) ?? NaN;
  }
  instrument(symbol: string): RiskInstrument | undefined {
    return this.instruments.get(symbol);
  }
  openQuantity(symbol: string, side: OrderSide): number {
    const o = this.open.get(symbol);
    return o === undefined ? 0 : side === 'buy' ? o[0] : o[1];
  }
  /** Signed exposure of one instrument's position, or of one of its legs (position x last price x multiplier). */
  exposure(symbol: string, positionSide?: PositionSide): number {
    const q = this.position(symbol, positionSide);
    const p = this.lastPrice(symbol);
    if (q === 0 || !Number.isFinite(p)) return 0;
    return mulExact(mulExact(q, p), this.instruments.get(symbol)?.multiplier ?? 1);
  }
  grossExposure(): number {
    let sum = 0;
    for (const s of this.positions.keys()) sum = addExact(sum, Math.abs(this.exposure(s)));
    for (const s of this.legs.keys()) sum = addExact(addExact(sum, Math.abs(this.exposure(s, 'long'))), Math.abs(this.exposure(s, 'short')));
    return sum;
  }
  netExposure(): number {
    let sum = 0;
    for (const s of this.positions.keys()) sum = addExact(sum, this.exposure(s));
    for (const s of this.legs.keys()) sum = addExact(addExact(sum, this.exposure(s, 'long')), this.exposure(s, 'short'));
    return sum;
  }
}
