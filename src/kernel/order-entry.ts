import { argumentError } from '../core/arguments.js';
import type { Micros } from '../core/time.js';
import { parseIsoTime } from '../core/time.js';
import { NEW_ORDER_DEFAULTS, type NewOrder, type OrderManager } from '../execution/order-manager.js';
import type { Instrument } from '../model/instrument.js';
import type { Order, OrderRequest, OrderType, PositionSide } from '../model/order.js';
import { sideSign } from '../model/order.js';
import type { Portfolio, PositionState } from '../portfolio/portfolio.js';
import type { OrderOptions } from '../strategy/context.js';

/** What order entry reads of the kernel. */
export interface OrderEntryHost {
  readonly instruments: readonly Instrument[];
  readonly portfolio: Portfolio;
  readonly orders: OrderManager;
  now(): Micros;
  /** Prices to the tick and quantity to the lot, when the run asks for rounding, and an order for all of `held` (the position it acts on) down to the lot; else unchanged. */
  round(order: NewOrder, instrument: Instrument, held: number): NewOrder;
}

/**
 * Turns order requests into the order manager's resolved orders, priced for
 * the cash check at the instrument's last price. The strategy's context
 * uses it after checking a strategy's arguments; the kernel's own account
 * modules (a margin call's liquidation) use it directly, so the engine never
 * acts through the strategy's context.
 */
export class OrderEntry {
  constructor(private readonly host: OrderEntryHost) {}

  /** Sends a request for instrument `idx` (a child of `parent` when given). */
  place(idx: number, request: OrderRequest, parent: Order | undefined, call = 'order'): Order {
    const pos = this.host.portfolio.positions[idx] as PositionState;
    // The order manager copies what it needs of the request as it records the order: one reused object serves every order.
    const order = this.round(this.fill(this.scratch, request, idx, call), idx, request.positionSide);
    return this.host.orders.submit(order, this.host.now(), pos.lastPrice, parent);
  }

  /** The resolved request of `place` (see there). */
  private readonly scratch: Writable<NewOrder> = { ...NEW_ORDER_DEFAULTS };

  /**
   * Moves instrument `idx` (or one leg of a hedging account) to `quantity`
   * with a market order, counting market orders already working; undefined
   * when nothing needs to be sent.
   */
  targetPosition(idx: number, quantity: number, options: { readonly tag?: string | undefined; readonly positionSide?: PositionSide | undefined } = {}): Order | undefined {
    const symbol = (this.host.instruments[idx] as Instrument).symbol;
    const side = options.positionSide;
    const pf = this.host.portfolio;
    let planned = side !== undefined && pf.hedging ? pf.leg(idx, side).quantity : (pf.positions[idx] as PositionState).quantity;
    for (const o of this.host.orders.liveOrders()) {
      if (o.symbol === symbol && o.type === 'market' && o.positionSide === side) planned += sideSign(o.side) * o.quantity;
    }
    const diff = quantity - planned;
    if (diff === 0) return undefined;
    const base: OrderOptions = { symbol, ...(options.tag !== undefined ? { tag: options.tag } : {}), ...(side !== undefined ? { positionSide: side } : {}) };
    return this.place(idx, orderRequest(diff > 0 ? 'buy' : 'sell', diff > 0 ? diff : -diff, base), undefined);
  }

  /** A request in the order manager's terms: times in µs, NaN for absent prices, defaults filled in, rounded to the grid if asked (and `round`). */
  resolve(request: OrderRequest, idx: number, call = 'order', round = true): NewOrder {
    const order = this.fill({ ...NEW_ORDER_DEFAULTS }, request, idx, call);
    return round ? this.round(order, idx, request.positionSide) : order;
  }

  /** Sets every field of `order` from the request (resolve's work without rounding); returns it. */
  private fill(order: Writable<NewOrder>, request: OrderRequest, idx: number, call: string): NewOrder {
    const instrument = this.host.instruments[idx] as Instrument;
    const expireTime = resolveTime(request.expire, call, call === 'ctx.submit' ? 'request.expire' : 'options.expire');
    // A plain stop given only a price: that price is its trigger.
    const trigger = request.triggerPrice ?? (request.type === 'stop' ? request.price : undefined);
    order.symbol = instrument.symbol;
    order.side = request.side;
    order.type = request.type;
    order.quantity = request.quantity;
    order.price = request.type === 'stop' ? NaN : (request.price ?? NaN);
    order.triggerPrice = trigger ?? NaN;
    order.trailOffset = request.trailOffset ?? 0;
    order.trailPercent = request.trailPercent ?? 0;
    order.timeInForce = request.timeInForce ?? (Number.isFinite(expireTime) ? 'gtd' : 'gtc');
    order.expireTime = expireTime;
    order.validBars = request.validBars ?? 0;
    order.reduceOnly = request.reduceOnly ?? false;
    order.postOnly = request.postOnly ?? false;
    order.tag = request.tag ?? '';
    order.multiplier = instrument.multiplier;
    order.positionSide = request.positionSide;
    return order;
  }

  /** The order rounded to the instrument's grids as the run asks (a copy when anything moved). */
  private round(order: NewOrder, idx: number, positionSide: PositionSide | undefined): NewOrder {
    return this.host.round(order, this.host.instruments[idx] as Instrument, this.host.portfolio.leg(idx, positionSide).quantity);
  }
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A time given as µs since the epoch or as ISO text; NaN when absent. */
export function resolveTime(t: Micros | string | undefined, call: string, name: string): Micros {
  if (t === undefined) return NaN;
  if (typeof t === 'number') return t;
  const parsed = parseIsoTime(t, 'end');
  if (parsed === undefined) throw argumentError(call, name, t, 'not an ISO 8601 date or time', 'invalid_strategy');
  return parsed;
}

/** The request that `ctx.buy` / `ctx.sell` options describe: the type follows from the prices given. */
export function orderRequest(side: 'buy' | 'sell', quantity: number, o: OrderOptions): OrderRequest {
  const trailing = o.trailOffset !== undefined || o.trailPercent !== undefined;
  const type: OrderType =
    o.type ?? (trailing ? 'trailing_stop' : o.limit !== undefined && o.stop !== undefined ? 'stop_limit' : o.limit !== undefined ? 'limit' : o.stop !== undefined ? 'stop' : 'market');
  // Assigned field by field (no spread of a temporary object per option): this runs for every order.
  const r: Writable<OrderRequest> = { side, type, quantity };
  if (o.limit !== undefined) r.price = o.limit;
  if (o.stop !== undefined) r.triggerPrice = o.stop;
  if (o.trailOffset !== undefined) r.trailOffset = o.trailOffset;
  if (o.trailPercent !== undefined) r.trailPercent = o.trailPercent;
  if (o.timeInForce !== undefined) r.timeInForce = o.timeInForce;
  if (o.symbol !== undefined) r.symbol = o.symbol;
  if (o.expire !== undefined) r.expire = o.expire;
  if (o.validBars !== undefined) r.validBars = o.validBars;
  if (o.reduceOnly !== undefined) r.reduceOnly = o.reduceOnly;
  if (o.postOnly !== undefined) r.postOnly = o.postOnly;
  if (o.tag !== undefined) r.tag = o.tag;
  if (o.positionSide !== undefined) r.positionSide = o.positionSide;
  return r;
}
