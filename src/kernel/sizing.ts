import { mulExact } from '../core/decimal.js';
import { argumentError, integerArg, numberArg, oneOfArg } from '../core/arguments.js';
import { InputError } from '../core/errors.js';
import type { Instrument } from '../model/instrument.js';
import type { Order, OrderSide, PositionSide, RejectReason } from '../model/order.js';
import { closesPositionSide, draftOrder } from '../model/order.js';
import type { RiskEngine } from '../risk/engine.js';
import { cappedKelly, fixedFractional, fixedNotional, fixedQuantity, percentOfEquity, volatilityTarget } from '../risk/sizers.js';
import { lastAtr } from '../risk/atr.js';
import type { SizeCaps } from '../risk/sizers.js';
import type { BarHistory, SizeOptions, Sizer } from '../strategy/context.js';

/** What the run's sizer reads from the engine. */
export interface SizingHost {
  readonly hedging: boolean;
  readonly risk: RiskEngine;
  indexOf(symbol: string | undefined): number;
  instrument(idx: number): Instrument;
  lastPrice(idx: number): number;
  equity(): number;
  /** Signed position an order acts on: the instrument's net position, or the leg it names. */
  position(idx: number, positionSide: PositionSide | undefined): number;
  /** An order that reduces a leg of a hedging account: what it may still close. */
  closable(order: Order): number;
  grossExposure(): number;
  netExposure(): number;
  /** Account currency per unit of the instrument's currency. */
  conversion(idx: number): number;
  bars(idx: number): BarHistory;
  /** The pre-trade checks (risk rules, cash or margin) for an order costed at `price`, committing nothing. */
  preview(order: Order, price: number): RejectReason | undefined;
}

/** Denials that do not depend on the quantity: a sized order meets them whatever its size. */
const NOT_SIZE: ReadonlySet<RejectReason> = new Set<RejectReason>(['rate_limit', 'price_band', 'off_tick']);

interface Sizing {
  readonly idx: number;
  readonly side: OrderSide;
  readonly positionSide: PositionSide | undefined;
  readonly price: number;
  readonly equity: number;
  /** Caps for the pure sizer: lot, multiplier, quantity and notional limits. */
  readonly caps: SizeCaps;
  /** The quantity cap from the limits is 0: no order fits. */
  readonly none: boolean;
}

/**
 * The strategy context's sizers (`ctx.size`): the pure sizers of
 * src/risk/sizers.ts fed with the run's price, equity and instrument, and
 * capped by the run's limits and cash. The caps that follow from the limits
 * in closed form (order quantity and notional, position, exposures,
 * leverage, what a leg can close) bound the size first; then the size is
 * checked as an order against the pre-trade checks, and stepped down by
 * bisection on the lot grid if a size-dependent check (cash, margin, the fee
 * in the leverage rule) still refuses it.
 */
export class RunSizer implements Sizer {
  constructor(private readonly host: SizingHost) {}

  fixed(quantity: number, options?: SizeOptions): number {
    numberArg('ctx.size.fixed', 'quantity', quantity, { min: 0 });
    const k = this.prepare('ctx.size.fixed', options);
    return this.finish(k, fixedQuantity({ quantity, price: k.price, ...k.caps }));
  }

  notional(amount: number, options?: SizeOptions): number {
    numberArg('ctx.size.notional', 'amount', amount, { min: 0 });
    const k = this.prepare('ctx.size.notional', options);
    return this.finish(k, fixedNotional({ notional: amount, price: k.price, ...k.caps }));
  }

  percentOfEquity(fraction: number, options?: SizeOptions): number {
    numberArg('ctx.size.percentOfEquity', 'fraction', fraction, { above: 0 });
    const k = this.prepare('ctx.size.percentOfEquity', options);
    return this.finish(k, percentOfEquity({ equity: k.equity, fraction, price: k.price, ...k.caps }));
  }

  fixedFractional(riskFraction: number, stopDistance: number, options?: SizeOptions): number {
    numberArg('ctx.size.fixedFractional', 'riskFraction', riskFraction, { above: 0, max: 1 });
    numberArg('ctx.size.fixedFractional', 'stopDistance', stopDistance, { above: 0 });
    const k = this.prepare('ctx.size.fixedFractional', options);
    return this.finish(k, fixedFractional({ equity: k.equity, riskFraction, stopDistance, price: k.price, ...k.caps }));
  }

  volatilityTarget(targetVolatility: number, options?: SizeOptions & { readonly atr?: number; readonly period?: number }): number {
    const call = 'ctx.size.volatilityTarget';
    numberArg(call, 'targetVolatility', targetVolatility, { above: 0, max: 1 });
    if (options?.atr !== undefined) numberArg(call, 'options.atr', options.atr, { above: 0 });
    if (options?.period !== undefined) integerArg(call, 'options.period', options.period, 1, 100_000);
    const k = this.prepare(call, options, ['atr', 'period']);
    let atr = options?.atr;
    if (atr === undefined) {
      const period = options?.period ?? 14;
      const h = this.host.bars(k.idx);
      const n = h.length;
      if (n <= period) return 0;
      const high = new Array<number>(n);
      const low = new Array<number>(n);
      const close = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        high[i] = h.high(n - 1 - i);
        low[i] = h.low(n - 1 - i);
        close[i] = h.close(n - 1 - i);
      }
      atr = lastAtr(high, low, close, period);
      if (!(atr > 0)) return 0;
    }
    return this.finish(k, volatilityTarget({ equity: k.equity, targetVolatility, atr, price: k.price, ...k.caps }));
  }

  kelly(winRate: number, payoffRatio: number, maxFraction: number, options?: SizeOptions): number {
    const call = 'ctx.size.kelly';
    numberArg(call, 'winRate', winRate, { min: 0, max: 1 });
    numberArg(call, 'payoffRatio', payoffRatio, { above: 0 });
    numberArg(call, 'maxFraction', maxFraction, { above: 0, max: 1 });
    const k = this.prepare(call, options);
    return this.finish(k, cappedKelly({ equity: k.equity, price: k.price, winRate, payoffRatio, maxFraction, ...k.caps }));
  }

  /** The order's figures and the caps the limits set in closed form; bad options are InputErrors naming `call`. */
  private prepare(call: string, o: SizeOptions = {}, more: readonly string[] = []): Sizing {
    checkSizeOptions(call, o, more);
    const h = this.host;
    const idx = h.indexOf(o.symbol);
    const inst = h.instrument(idx);
    const side = o.side ?? 'buy';
    const positionSide = o.positionSide;
    if (h.hedging ? positionSide === undefined : positionSide !== undefined) {
      throw new InputError({
        code: 'invalid_strategy',
        field: 'positionSide',
        value: String(positionSide),
        message: h.hedging ? 'a hedging account sizes orders for a position side: give positionSide' : 'a netting account has no position sides: leave positionSide out',
      });
    }
    const last = h.lastPrice(idx);
    const price = o.limit ?? last;
    const m = inst.multiplier;
    const fx = h.conversion(idx);
    const equity = Math.max(0, h.equity());
    const lot = inst.lotSize;
    if (!(price > 0) || !Number.isFinite(price) || !(fx > 0)) {
      return { idx, side, positionSide, price: 1, equity, caps: { lotSize: lot, multiplier: m }, none: true };
    }
    const L = h.risk.limits;
    const s = side === 'buy' ? 1 : -1;
    const P = h.position(idx, positionSide);
    let cap = Infinity;
    if (L.maxOrderQuantity !== undefined) cap = Math.min(cap, L.maxOrderQuantity);
    // Position: an order that adds may go up to the limit; one that reduces, through zero to the limit on the other side.
    const maxPos = h.risk.maxPositionFor(inst.symbol);
    if (Number.isFinite(maxPos)) cap = Math.min(cap, s * P >= 0 ? Math.max(0, maxPos - Math.abs(P)) : Math.abs(P) + Math.max(maxPos, Math.abs(P)));
    // A leg of a hedging account is reduced at most to zero.
    if (positionSide !== undefined && closesPositionSide(side, positionSide)) cap = Math.min(cap, h.closable(probe(inst.symbol, side, 1, o.limit, last, positionSide)));
    // Exposures: |E + q x u| <= max(limit, |E|) with E the exposure now and u the order's exposure per unit.
    const mark = last > 0 ? last : price;
    const unit = price * m * fx;
    const own = P * mark * m * fx;
    const gross = h.grossExposure();
    const rest = gross - Math.abs(own);
    if (L.maxGrossExposure !== undefined) cap = Math.min(cap, exposureCap(L.maxGrossExposure, own, rest, s, unit));
    if (L.maxLeverage !== undefined) cap = Math.min(cap, exposureCap(L.maxLeverage * equity, own, rest, s, unit));
    if (L.maxNetExposure !== undefined) cap = Math.min(cap, exposureCap(L.maxNetExposure, h.netExposure(), 0, s, unit));
    const caps: SizeCaps = {
      lotSize: lot,
      multiplier: m,
      ...(Number.isFinite(cap) && cap > 0 ? { maxQuantity: cap } : {}),
      ...(L.maxOrderNotional !== undefined ? { maxNotional: fx === 1 ? L.maxOrderNotional : L.maxOrderNotional / fx } : {}),
    };
    return { idx, side, positionSide, price, equity, caps, none: !(cap > 0) };
  }

  /** The largest quantity up to `q` (on the lot grid) that the pre-trade checks accept; 0 when none. */
  private finish(k: Sizing, q: number): number {
    if (k.none || !(q > 0)) return 0;
    const h = this.host;
    const inst = h.instrument(k.idx);
    const last = h.lastPrice(k.idx);
    const limit = k.price === last ? undefined : k.price;
    if (this.passes(k, inst.symbol, q, limit, last)) return q;
    const lot = inst.lotSize;
    if (lot > 0) {
      // Largest whole number of lots in [0, q / lot) that passes.
      let lo = 0;
      let hi = Math.round(q / lot);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.passes(k, inst.symbol, mulExact(mid, lot), limit, last)) lo = mid;
        else hi = mid;
      }
      return lo === 0 ? 0 : mulExact(lo, lot);
    }
    let lo = 0;
    let hi = q;
    for (let i = 0; i < 64 && hi - lo > hi * 1e-12; i++) {
      const mid = (lo + hi) / 2;
      if (this.passes(k, inst.symbol, mid, limit, last)) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** Whether the pre-trade checks accept `quantity` of the sized order (a refusal for its size does not count). */
  private passes(k: Sizing, symbol: string, quantity: number, limit: number | undefined, last: number): boolean {
    const r = this.host.preview(probe(symbol, k.side, quantity, limit, last, k.positionSide), k.price);
    return r === undefined || NOT_SIZE.has(r);
  }
}

/** The quantity an exposure limit leaves for an order of side sign `s` and exposure `unit` per unit: |E + q x u| <= max(limit, |E|). */
function exposureCap(limit: number, e: number, restOf: number, s: number, unit: number): number {
  const k = Math.max(limit - restOf, Math.abs(e));
  return Math.max(0, (k - s * e) / unit);
}

const SIZE_OPTIONS = ['symbol', 'side', 'positionSide', 'limit'];

function checkSizeOptions(call: string, o: unknown, more: readonly string[]): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw argumentError(call, 'options', o, 'options must be an object');
  const x = o as Record<string, unknown>;
  for (const key of Object.keys(x)) {
    if (!SIZE_OPTIONS.includes(key) && !more.includes(key)) throw argumentError(call, `options.${key}`, x[key], `unknown option; options takes ${[...SIZE_OPTIONS, ...more].join(', ')}`);
  }
  if (x.symbol !== undefined && typeof x.symbol !== 'string') throw argumentError(call, 'options.symbol', x.symbol, 'options.symbol must be text');
  if (x.side !== undefined) oneOfArg(call, 'options.side', x.side, ['buy', 'sell']);
  if (x.positionSide !== undefined) oneOfArg(call, 'options.positionSide', x.positionSide, ['long', 'short']);
  if (x.limit !== undefined) numberArg(call, 'options.limit', x.limit, { above: 0 });
}

/** An order as the checks read it: a market order at the last price, or a limit order. */
function probe(symbol: string, side: OrderSide, quantity: number, limit: number | undefined, last: number, positionSide: PositionSide | undefined): Order {
  return draftOrder({ symbol, side, quantity, type: limit === undefined ? 'market' : 'limit', price: limit ?? NaN, positionSide, referencePrice: last });
}
