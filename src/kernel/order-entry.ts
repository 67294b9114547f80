import { argumentError } from '../core/arguments.js';
import type { Micros } from '../core/time.js';
import { parseIsoTime } from '../core/time.js';
import type { NewOrder, OrderManager } from '../execution/order-manager.js';
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
    return this.host.orders.submit(this.resolve(request, idx, call), this.host.now(), pos.lastPrice, parent);
  }

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
    const instrument = this.host.instruments[idx] as Instrument;
    const expireTime = resolveTime(request.expire, call, call === 'ctx.submit' ? 'request.expire' : 'options.expire');
    // A plain stop given only a price: that price is its trigger.
    const trigger = request.triggerPrice ?? (request.type === 'stop' ? request.price : undefined);
    const order: NewOrder = {
      symbol: instrument.symbol,
      side: request.side,
      type: request.type,
      quantity: request.quantity,
      price: request.type === 'stop' ? NaN : (request.price ?? NaN),
      triggerPrice: trigger ?? NaN,
      trailOffset: request.trailOffset ?? 0,
      trailPercent: request.trailPercent ?? 0,
      timeInForce: request.timeInForce ?? (Number.isFinite(expireTime) ? 'gtd' : 'gtc'),
      expireTime,
      validBars: request.validBars ?? 0,
      reduceOnly: request.reduceOnly ?? false,
      postOnly: request.postOnly ?? false,
      tag: request.tag ?? '',
      multiplier: instrument.multiplier,
      positionSide: request.positionSide,
    };
    return round ? this.host.round(order, instrument, this.host.portfolio.leg(idx, request.positionSide).quantity) : order;
  }
}

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
  const r: { -readonly [K in keyof OrderRequest]: OrderRequest[K] } = { side, type, quantity };
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
