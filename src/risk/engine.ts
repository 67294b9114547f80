import { addExact, mulExact, subExact } from '../core/decimal.js';
import { MICROS_PER_DAY, type Micros } from '../core/time.js';
import type { Order, OrderSide, OrderType, RejectReason } from '../model/order.js';
import { needsLimit } from '../model/order.js';
import { isOnGrid, roundToGrid } from './grid.js';
import { parseRiskLimits, type RiskLimits, type RiskLimitsInput } from './limits.js';
import type { RiskInstrument, RiskView } from './view.js';

/**
 * - active: every order is checked against the limits;
 * - reducing: only orders that reduce the position of their instrument pass (others: trading_reducing);
 * - halted: every new order is denied (trading_halted), reducing ones included.
 */
export type TradingState = 'active' | 'reducing' | 'halted';

/** The account, or one instrument. */
export type RiskScope = 'account' | { readonly symbol: string };

/**
 * Why a trading state changed: the kill switch (max_drawdown,
 * max_daily_loss, max_orders), the end of a daily-loss halt at the next UTC
 * day (new_day), or a call of setState (manual).
 */
export type TradingStateReason = 'max_drawdown' | 'max_daily_loss' | 'max_orders' | 'new_day' | 'manual';

/** One change of a trading state, for the run's report. */
export interface TradingStateEvent {
  readonly time: Micros;
  /** 'account', or the instrument's symbol in `symbol`. */
  readonly scope: 'account' | 'instrument';
  readonly symbol?: string;
  readonly from: TradingState;
  readonly to: TradingState;
  readonly reason: TradingStateReason;
  /** Kill switch: the equity that crossed the threshold. */
  readonly equity?: number;
  /** Kill switch: the equity peak (max_drawdown) or the day's baseline (max_daily_loss). */
  readonly reference?: number;
  /** Kill switch: the equity level below which it trips. */
  readonly threshold?: number;
}

/** The price an order is costed at and its fee there (PreTradeCheck's costPrice and fee). */
export interface OrderCost {
  readonly price: number;
  readonly fee?: number;
}

/** An order or request as `roundOrder` reads it: NaN or absent prices are left alone. */
export interface RoundableOrder {
  readonly side: OrderSide;
  readonly type?: OrderType;
  readonly quantity: number;
  readonly price?: number;
  readonly triggerPrice?: number;
}

/** Prices and quantity after `roundOrder`; an absent price is NaN. */
export interface RoundedOrder {
  readonly quantity: number;
  readonly price: number;
  readonly triggerPrice: number;
  /** Whether anything moved. */
  readonly changed: boolean;
}

/** The order in which `check` applies its rules; the first denial is returned. */
export const RISK_RULE_ORDER = [
  'trading_state',
  'off_tick',
  'off_lot',
  'price_band',
  'max_order_quantity',
  'max_order_notional',
  'max_position',
  'max_gross_exposure',
  'max_net_exposure',
  'max_leverage',
  'rate_limit',
] as const;

const RANK: Readonly<Record<TradingState, number>> = { active: 0, reducing: 1, halted: 2 };
const NO_EVENTS: readonly TradingStateEvent[] = Object.freeze([]);

/** The price an order is costed at, as the order manager does: its limit, else its trigger (stop, market-if-touched), else the reference price. */
export function costPriceOf(order: Order): number {
  switch (order.type) {
    case 'limit':
    case 'stop_limit':
    case 'limit_if_touched':
      return order.price;
    case 'stop':
    case 'market_if_touched':
      return order.triggerPrice;
    default:
      return order.referencePrice;
  }
}

const finiteOr = (x: number, fallback: number): number => (Number.isFinite(x) ? x : fallback);
const positiveOr = (x: number | undefined, fallback: number): number => (x !== undefined && x > 0 && Number.isFinite(x) ? x : fallback);

/** Whether an order of `quantity` on side `sign` reduces `position` without crossing zero. */
function reduces(position: number, sign: 1 | -1, quantity: number): boolean {
  return position * sign < 0 && quantity <= Math.abs(position);
}

/**
 * Pre-trade risk between strategy and execution: limits on each order
 * (`check`), trading states per account and instrument (`setState`), and a
 * kill switch on the equity path (`onEquity`). See docs/risk.md.
 */
export class RiskEngine {
  readonly limits: RiskLimits;
  private accountState: TradingState = 'active';
  private readonly symbolStates = new Map<string, TradingState>();
  private readonly log: TradingStateEvent[] = [];

  // Rate limit: times of accepted orders, oldest first, from `head` on.
  private readonly acceptedTimes: Micros[] = [];
  private head = 0;

  // Kill switch.
  private peak = NaN;
  private day = NaN;
  private dayBase = NaN;
  private lastEquity = NaN;
  private rearm = false;
  private tripped: 'max_drawdown' | 'max_daily_loss' | 'max_orders' | undefined;
  private stateBeforeTrip: TradingState = 'active';
  private lastTime: Micros = NaN;

  private readonly positionDefault: number;
  /**
   * No limit past the tick and lot grids is set (the default): rules 4 to 11
   * cannot refuse an order, and `evaluate` ends after the grids.
   */
  private readonly gridChecksOnly: boolean;
  private readonly positionBySymbol: ReadonlyMap<string, number>;
  private readonly dailyAmount: number;
  private readonly dailyFraction: number;

  /** Validates the limits (an InputError names each bad field). */
  constructor(limits: RiskLimitsInput = {}) {
    this.limits = parseRiskLimits(limits);
    const mp = this.limits.maxPosition;
    if (typeof mp === 'number') {
      this.positionDefault = mp;
      this.positionBySymbol = new Map();
    } else {
      this.positionDefault = mp?.default ?? Infinity;
      this.positionBySymbol = new Map(Object.entries(mp?.symbols ?? {}));
    }
    const L = this.limits;
    this.gridChecksOnly =
      L.priceBand === undefined &&
      L.maxOrderQuantity === undefined &&
      L.maxOrderNotional === undefined &&
      this.positionDefault === Infinity &&
      this.positionBySymbol.size === 0 &&
      L.maxGrossExposure === undefined &&
      L.maxNetExposure === undefined &&
      L.maxLeverage === undefined &&
      L.orderRate === undefined;
    const dl = this.limits.maxDailyLoss;
    this.dailyAmount = typeof dl === 'number' ? dl : dl !== undefined && 'amount' in dl ? dl.amount : NaN;
    this.dailyFraction = dl !== undefined && typeof dl === 'object' && 'fraction' in dl ? dl.fraction : NaN;
  }

  // ------------------------------------------------------------ states

  /** The state set for a scope (for an instrument: its own, without the account's). */
  state(scope: RiskScope = 'account'): TradingState {
    return scope === 'account' ? this.accountState : (this.symbolStates.get(scope.symbol) ?? 'active');
  }

  /** The state an order of `symbol` meets: the stricter of the account's and the instrument's. */
  effectiveState(symbol: string): TradingState {
    const a = this.accountState;
    const s = this.symbolStates.get(symbol) ?? 'active';
    return RANK[s] > RANK[a] ? s : a;
  }

  /** Every state change so far, in order. */
  get events(): readonly TradingStateEvent[] {
    return this.log;
  }

  /**
   * Sets the trading state of the account or of one instrument, at `time`
   * (default: the time of the last onEquity call). Returns the change, or
   * undefined when the state was already so. Moving the account out of a
   * kill-switch state re-arms the kill switch from the next equity: the
   * peak and the day's baseline start again there.
   */
  setState(scope: RiskScope, state: TradingState, time: Micros = this.lastTime): TradingStateEvent | undefined {
    const from = this.state(scope);
    if (from === state) return undefined;
    if (scope === 'account') {
      this.accountState = state;
      if (this.tripped !== undefined) {
        this.tripped = undefined;
        this.rearm = true;
      }
      return this.record({ time, scope: 'account', from, to: state, reason: 'manual' });
    }
    if (state === 'active') this.symbolStates.delete(scope.symbol);
    else this.symbolStates.set(scope.symbol, state);
    return this.record({ time, scope: 'instrument', symbol: scope.symbol, from, to: state, reason: 'manual' });
  }

  private record(e: TradingStateEvent): TradingStateEvent {
    this.log.push(e);
    return e;
  }

  // ------------------------------------------------------------ kill switch

  /**
   * The kill switch: called by the engine with the account's equity at each
   * time step, in time order. Trips (moves the account to the kill-switch
   * state, 'halted' by default) the first time the equity falls below
   * peak x (1 - maxDrawdown) or below the day's baseline less maxDailyLoss.
   * A daily-loss trip ends at the first equity of the next UTC day (back to
   * the state before it); a drawdown trip lasts until setState. Returns the
   * changes this call made (usually none). Non-finite values are ignored.
   */
  onEquity(time: Micros, equity: number): readonly TradingStateEvent[] {
    if (!Number.isFinite(time)) return NO_EVENTS;
    this.lastTime = time;
    if (!Number.isFinite(equity)) return NO_EVENTS;
    let out: TradingStateEvent[] | undefined;
    const day = Math.floor(time / MICROS_PER_DAY);
    if (this.rearm || Number.isNaN(this.day)) {
      this.rearm = false;
      this.peak = equity;
      this.day = day;
      this.dayBase = equity;
    } else if (day !== this.day) {
      this.day = day;
      this.dayBase = this.limits.dailyLossBaseline === 'first_of_day' ? equity : this.lastEquity;
      if (this.tripped === 'max_daily_loss') {
        const from = this.accountState;
        this.accountState = this.stateBeforeTrip;
        this.tripped = undefined;
        out = [this.record({ time, scope: 'account', from, to: this.accountState, reason: 'new_day' })];
      }
    }
    if (equity > this.peak) this.peak = equity;
    this.lastEquity = equity;

    const target = this.limits.killSwitchState ?? 'halted';
    if (this.tripped !== undefined || RANK[this.accountState] >= RANK[target]) return out ?? NO_EVENTS;

    const dd = this.limits.maxDrawdown;
    if (dd !== undefined && this.peak > 0) {
      const threshold = mulExact(this.peak, subExact(1, dd));
      if (equity < threshold) return this.trip(out, time, target, 'max_drawdown', equity, this.peak, threshold);
    }
    if (!Number.isNaN(this.dailyAmount) || !Number.isNaN(this.dailyFraction)) {
      const base = this.dayBase;
      const threshold = !Number.isNaN(this.dailyAmount) ? subExact(base, this.dailyAmount) : base > 0 ? mulExact(base, subExact(1, this.dailyFraction)) : NaN;
      if (equity < threshold) return this.trip(out, time, target, 'max_daily_loss', equity, base, threshold);
    }
    return out ?? NO_EVENTS;
  }

  /**
   * The run reached `maxOrders` orders (the order manager counts them): the
   * account halts (whatever `killSwitchState` says: no further order can be
   * recorded, reducing ones included) and the change is recorded. Returns it.
   */
  tripMaxOrders(time: Micros): TradingStateEvent {
    const from = this.accountState;
    this.stateBeforeTrip = from;
    this.accountState = 'halted';
    this.tripped = 'max_orders';
    return this.record({ time, scope: 'account', from, to: 'halted', reason: 'max_orders' });
  }

  private trip(
    out: TradingStateEvent[] | undefined,
    time: Micros,
    to: TradingState,
    reason: 'max_drawdown' | 'max_daily_loss',
    equity: number,
    reference: number,
    threshold: number,
  ): readonly TradingStateEvent[] {
    const from = this.accountState;
    this.stateBeforeTrip = from;
    this.accountState = to;
    this.tripped = reason;
    const e = this.record({ time, scope: 'account', from, to, reason, equity, reference, threshold });
    if (out === undefined) return [e];
    out.push(e);
    return out;
  }

  // ------------------------------------------------------------ checks

  /** The position limit of an instrument (Infinity when none). */
  maxPositionFor(symbol: string): number {
    return this.positionBySymbol.get(symbol) ?? this.positionDefault;
  }

  /**
   * Checks an order before acceptance, as if filled in full at its cost
   * price (`cost.price`, default `costPriceOf(order)`; `cost.fee` only
   * matters for leverage). Rules run in RISK_RULE_ORDER; the first denial is
   * returned. An order that passes counts towards the rate limit: call this
   * last among pre-trade checks, so that passing means accepted (or use
   * `evaluate` and `recordAccepted`).
   */
  check(order: Order, view: RiskView, cost?: OrderCost): RejectReason | undefined {
    const reason = this.evaluate(order, view, cost);
    if (reason === undefined) this.recordAccepted(view.now());
    return reason;
  }

  /** As `check`, without counting the order towards the rate limit: pure. */
  evaluate(order: Order, view: RiskView, cost?: OrderCost): RejectReason | undefined {
    const L = this.limits;
    const symbol = order.symbol;
    const q = order.quantity;
    const sign: 1 | -1 = order.side === 'buy' ? 1 : -1;
    const inst = view.instrument(symbol);

    // 1. Trading state.
    const st = this.effectiveState(symbol);
    if (st === 'halted') return 'trading_halted';
    // A hedging account's order acts on its leg: the limits and the reducing state apply to that leg.
    if (st === 'reducing' && !reduces(this.positionOf(order, view), sign, q)) return 'trading_reducing';

    // 2-3. Grids.
    const checkTrigger = order.type !== 'trailing_stop';
    const tick = inst?.tickSize ?? 0;
    if ((L.enforceTick === 'reject' || L.enforceTick === 'round') && tick > 0) {
      if (Number.isFinite(order.price) && !isOnGrid(order.price, tick)) return 'off_tick';
      if (checkTrigger && Number.isFinite(order.triggerPrice) && !isOnGrid(order.triggerPrice, tick)) return 'off_tick';
    }
    if ((L.enforceLot === 'reject' || L.enforceLot === 'round') && (inst?.lotSize ?? 0) > 0 && !isOnGrid(q, inst?.lotSize ?? 0)) return 'off_lot';
    if (this.gridChecksOnly) return undefined;
    const position = this.positionOf(order, view);

    // 4. Price band around the last price (skipped without one).
    const last = view.lastPrice(symbol);
    const hasLast = last > 0 && Number.isFinite(last);
    if (L.priceBand !== undefined && hasLast) {
      const bound = mulExact(L.priceBand, last);
      if (Number.isFinite(order.price) && Math.abs(subExact(order.price, last)) > bound) return 'price_band';
      if (checkTrigger && Number.isFinite(order.triggerPrice) && Math.abs(subExact(order.triggerPrice, last)) > bound) return 'price_band';
    }

    // 5. Order size.
    if (L.maxOrderQuantity !== undefined && q > L.maxOrderQuantity) return 'max_order_quantity';

    const price = positiveOr(cost?.price, positiveOr(costPriceOf(order), hasLast ? last : NaN));
    const hasPrice = !Number.isNaN(price);
    const m = positiveOr(inst?.multiplier, 1);
    const fx = positiveOr(view.conversion?.(symbol), 1);

    // 6. Order notional.
    if (L.maxOrderNotional !== undefined && hasPrice && valueAt(q, price, m, fx) > L.maxOrderNotional) return 'max_order_notional';

    // 7. Position after the order (with same-side live orders when the view gives them).
    const pending = finiteOr(view.openQuantity?.(symbol, order.side) ?? 0, 0);
    const before = addExact(position, sign * pending);
    const after = addExact(before, sign * q);
    const maxPos = this.maxPositionFor(symbol);
    if (Math.abs(after) > maxPos && Math.abs(after) > Math.abs(before)) return 'max_position';

    // 8-10. Exposures and leverage after the order: the instrument's part of
    // the view's exposures is replaced by its position after the order (the
    // position at the last price, the order at its cost price).
    if (!hasPrice || (L.maxGrossExposure === undefined && L.maxNetExposure === undefined && L.maxLeverage === undefined)) {
      return this.rateCheck(view);
    }
    const mark = hasLast ? last : price;
    const symNow = valueAt(position, mark, m, fx);
    const symBefore = valueAt(before, mark, m, fx);
    const symAfter = addExact(symBefore, valueAt(sign * q, price, m, fx));
    const gross = finiteOr(view.grossExposure(), 0);
    const net = finiteOr(view.netExposure(), 0);
    const grossRest = subExact(gross, Math.abs(symNow));
    const grossBefore = addExact(grossRest, Math.abs(symBefore));
    const grossAfter = addExact(grossRest, Math.abs(symAfter));
    const grossUp = grossAfter > grossBefore;
    if (L.maxGrossExposure !== undefined && grossUp && grossAfter > L.maxGrossExposure) return 'max_gross_exposure';
    if (L.maxNetExposure !== undefined) {
      const netRest = subExact(net, symNow);
      const netBefore = Math.abs(addExact(netRest, symBefore));
      const netAfter = Math.abs(addExact(netRest, symAfter));
      if (netAfter > netBefore && netAfter > L.maxNetExposure) return 'max_net_exposure';
    }
    if (L.maxLeverage !== undefined && grossUp) {
      const equityAfter = subExact(finiteOr(view.equity(), 0), finiteOr(cost?.fee ?? 0, 0));
      if (!(equityAfter > 0) || grossAfter > mulExact(L.maxLeverage, equityAfter)) return 'max_leverage';
    }

    // 11. Rate.
    return this.rateCheck(view);
  }

  /** The position the order acts on: the instrument's, or its leg in a hedging account. */
  private positionOf(order: Order, view: RiskView): number {
    return finiteOr(order.positionSide === undefined ? view.position(order.symbol) : view.position(order.symbol, order.positionSide), 0);
  }

  private rateCheck(view: RiskView): RejectReason | undefined {
    const rate = this.limits.orderRate;
    if (rate === undefined) return undefined;
    const since = view.now() - rate.windowMicros;
    let n = 0;
    const times = this.acceptedTimes;
    for (let i = times.length - 1; i >= this.head && (times[i] as number) > since; i--) n++;
    return n >= rate.count ? 'rate_limit' : undefined;
  }

  /** Counts an accepted order at `time` towards the rate limit (done by `check` itself when the order passes). */
  recordAccepted(time: Micros): void {
    const rate = this.limits.orderRate;
    if (rate === undefined || !Number.isFinite(time)) return;
    const times = this.acceptedTimes;
    times.push(time);
    const since = time - rate.windowMicros;
    while (this.head < times.length && (times[this.head] as number) <= since) this.head++;
    if (this.head > 1024 && this.head * 2 > times.length) {
      times.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Orders counted in the rate window ending at `time`. */
  ordersInWindow(time: Micros): number {
    const rate = this.limits.orderRate;
    if (rate === undefined) return 0;
    let n = 0;
    for (let i = this.acceptedTimes.length - 1; i >= this.head && (this.acceptedTimes[i] as number) > time - rate.windowMicros; i--) n++;
    return n;
  }

  // ------------------------------------------------------------ rounding

  /**
   * With enforceTick 'round': the limit price to the tick, buy limits down
   * and sell limits up (never more aggressive), trigger prices to the
   * nearest tick (ties away from zero). With enforceLot 'round': the
   * quantity down to the lot (it may become 0: refuse such an order). In
   * other modes, values pass unchanged. For a type that has no limit price,
   * `price` is read as a trigger. The engine applies this before checks.
   *
   * `held`, the position the order acts on: an order for exactly all of it
   * that is off the lot grid (a position that paid commissions in kind is)
   * goes down to the lot with enforceLot 'reject' too, so selling the whole
   * position sells what can be sold; the rest stays as dust, as on an
   * exchange.
   */
  roundOrder(order: RoundableOrder, instrument: RiskInstrument | undefined, held?: number): RoundedOrder {
    const out = { quantity: 0, price: 0, triggerPrice: 0 };
    const changed = this.roundInto(order, instrument, held, out);
    return { quantity: out.quantity, price: out.price, triggerPrice: out.triggerPrice, changed };
  }

  /**
   * roundOrder into `out` (quantity, price, trigger price); returns whether
   * anything moved. The engine rounds every order through it: no result
   * object per order.
   */
  roundInto(order: RoundableOrder, instrument: RiskInstrument | undefined, held: number | undefined, out: { quantity: number; price: number; triggerPrice: number }): boolean {
    const price = order.price ?? NaN;
    const trigger = order.triggerPrice ?? NaN;
    let rp = price;
    let rt = trigger;
    let rq = order.quantity;
    const tick = instrument?.tickSize ?? 0;
    if (this.limits.enforceTick === 'round' && tick > 0) {
      const limitLike = order.type === undefined || needsLimit(order.type);
      rp = limitLike ? roundToGrid(price, tick, order.side === 'buy' ? 'down' : 'up') : roundToGrid(price, tick, 'nearest');
      rt = roundToGrid(trigger, tick, 'nearest');
    }
    const lot = instrument?.lotSize ?? 0;
    if (lot > 0 && rq > 0 && (this.limits.enforceLot === 'round' || (this.limits.enforceLot === 'reject' && closesAll(order, held)))) rq = roundToGrid(rq, lot, 'down');
    out.quantity = rq;
    out.price = rp;
    out.triggerPrice = rt;
    return !(sameOrBothNaN(rp, price) && sameOrBothNaN(rt, trigger) && rq === order.quantity);
  }

  // ------------------------------------------------------------ wiring

  /**
   * A function of the order manager's PreTradeCheck shape
   * `(order, signedQuantity, costPrice, fee)` over a view: `check` with that
   * cost price and fee.
   */
  preTradeCheck(view: RiskView): (order: Order, signedQuantity: number, costPrice: number, fee: number) => RejectReason | undefined {
    return (order, _signedQuantity, costPrice, fee) => this.check(order, view, { price: costPrice, fee });
  }
}

/** Whether `order` is for exactly all of position `held` (the side that closes it). */
/** The account-currency value of `quantity` at price `p`: quantity x price x multiplier x conversion, exact. */
function valueAt(quantity: number, p: number, multiplier: number, fx: number): number {
  return mulExact(mulExact(mulExact(quantity, p), multiplier), fx);
}

function sameOrBothNaN(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function closesAll(order: RoundableOrder, held: number | undefined): boolean {
  if (held === undefined || held === 0) return false;
  return order.side === (held > 0 ? 'sell' : 'buy') && order.quantity === Math.abs(held);
}
