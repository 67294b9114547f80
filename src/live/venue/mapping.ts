/**
 * Pure translations between the run's orders and ccxt's unified objects
 * (binance spot as ccxt 4.5 states it), and the session's run id.
 */

import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { Micros } from '../../core/time.js';
import type { Order, OrderSide } from '../../model/order.js';
import type { JournalOrderRequest, VenueFill, VenueOrder, VenueOrderStatus } from '../journal/index.js';

/** The part of a ccxt order the venue reads. */
export interface CcxtOrderLike {
  readonly id?: string | undefined;
  readonly clientOrderId?: string | undefined;
  readonly symbol?: string | undefined;
  readonly side?: string | undefined;
  readonly type?: string | undefined;
  readonly status?: string | undefined;
  readonly amount?: number | undefined;
  readonly filled?: number | undefined;
  readonly price?: number | undefined;
  readonly triggerPrice?: number | undefined;
}

/** The part of a ccxt trade the venue reads. */
export interface CcxtTradeLike {
  readonly id?: string | undefined;
  readonly order?: string | undefined;
  readonly symbol?: string | undefined;
  readonly side?: string | undefined;
  readonly price?: number | undefined;
  readonly amount?: number | undefined;
  readonly timestamp?: number | undefined;
  readonly takerOrMaker?: string | undefined;
  readonly fee?: { readonly cost?: number | undefined; readonly currency?: string | undefined } | undefined;
  readonly info?: unknown;
}

/** What createOrder gets for an order, or why the exchange cannot take it. */
export type CcxtOrderArgs =
  | { readonly ok: true; readonly type: string; readonly price: number | undefined; readonly params: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string };

const TIME_IN_FORCE = { gtc: 'GTC', ioc: 'IOC', fok: 'FOK' } as const;

/**
 * The createOrder arguments for `order` (binance spot): market, limit (GTC,
 * IOC, FOK; post-only as LIMIT_MAKER), stop as STOP_LOSS and stop-limit as
 * STOP_LOSS_LIMIT when the market lists them. Everything else is refused
 * here, before anything is sent.
 */
export function ccxtOrderArgs(order: Order, exchangeOrderTypes: readonly string[] | undefined): CcxtOrderArgs {
  const params: Record<string, unknown> = { newClientOrderId: order.clientOrderId };
  const has = (t: string): boolean => exchangeOrderTypes === undefined || exchangeOrderTypes.includes(t);
  const tif = order.timeInForce;
  if (order.reduceOnly) return { ok: false, reason: 'reduce-only orders are not available on spot markets' };
  if (order.type === 'market') return { ok: true, type: 'market', price: undefined, params };
  if (order.type === 'limit') {
    if (order.postOnly) {
      if (!has('LIMIT_MAKER')) return { ok: false, reason: 'the exchange has no post-only orders' };
      return { ok: true, type: 'LIMIT_MAKER', price: order.price, params };
    }
    if (tif !== 'gtc' && tif !== 'ioc' && tif !== 'fok') return { ok: false, reason: `time in force ${tif} is not available on the exchange` };
    return { ok: true, type: 'limit', price: order.price, params: { ...params, timeInForce: TIME_IN_FORCE[tif] } };
  }
  if (order.type === 'stop' || order.type === 'stop_limit') {
    const exchangeType = order.type === 'stop' ? 'STOP_LOSS' : 'STOP_LOSS_LIMIT';
    if (!has(exchangeType)) return { ok: false, reason: `the exchange has no ${order.type} orders for ${order.symbol}` };
    const trigger = Number.isNaN(order.triggerPrice) ? order.price : order.triggerPrice;
    const withTrigger = { ...params, stopPrice: trigger };
    if (order.type === 'stop') return { ok: true, type: exchangeType, price: undefined, params: withTrigger };
    if (tif !== 'gtc') return { ok: false, reason: `time in force ${tif} is not available for stop-limit orders` };
    return { ok: true, type: exchangeType, price: order.price, params: { ...withTrigger, timeInForce: 'GTC' } };
  }
  return { ok: false, reason: `${order.type} orders are not available through the ccxt venue` };
}

/** The order as the journal records it. */
export function journalRequestOf(order: Order): JournalOrderRequest {
  return {
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    quantity: order.quantity,
    ...(Number.isNaN(order.price) ? {} : { price: order.price }),
    ...(Number.isNaN(order.triggerPrice) ? {} : { triggerPrice: order.triggerPrice }),
    timeInForce: order.timeInForce,
    ...(order.postOnly ? { postOnly: true } : {}),
  };
}

/** The order-request fields of a journalled request that createOrder needs, as an Order-shaped view. */
export function orderOfRequest(clientOrderId: string, request: JournalOrderRequest): Order {
  return {
    clientOrderId,
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    quantity: request.quantity,
    price: request.price ?? NaN,
    triggerPrice: request.triggerPrice ?? NaN,
    timeInForce: request.timeInForce ?? 'gtc',
    postOnly: request.postOnly ?? false,
    reduceOnly: request.reduceOnly ?? false,
  } as Order;
}

const STATUS: Record<string, VenueOrderStatus> = { open: 'open', closed: 'filled', canceled: 'cancelled', expired: 'expired', rejected: 'rejected' };
const TYPE: Record<string, string> = { stop_loss: 'stop', stop_loss_limit: 'stop_limit', limit_maker: 'limit' };

export function venueOrderOf(o: CcxtOrderLike): VenueOrder {
  const type = (o.type ?? 'limit').toLowerCase();
  return {
    clientOrderId: o.clientOrderId ?? '',
    venueOrderId: o.id ?? '',
    symbol: o.symbol ?? '',
    side: o.side === 'sell' ? 'sell' : 'buy',
    type: TYPE[type] ?? type,
    quantity: o.amount ?? 0,
    ...(o.price !== undefined && o.price > 0 ? { price: o.price } : {}),
    ...(o.triggerPrice !== undefined && o.triggerPrice > 0 ? { triggerPrice: o.triggerPrice } : {}),
    filled: o.filled ?? 0,
    status: STATUS[o.status ?? 'open'] ?? 'open',
  };
}

/**
 * The fill a trade of one of the run's orders makes; where the trade leaves
 * out its symbol or side (ccxt fills in what the exchange sent), the order's.
 * Check it with tradeDefect first.
 */
export function venueFillOf(t: CcxtTradeLike, clientOrderId: string, order: { readonly symbol: string; readonly side: OrderSide }): VenueFill {
  return {
    tradeId: String(t.id),
    clientOrderId,
    venueOrderId: t.order ?? '',
    symbol: t.symbol ?? order.symbol,
    side: t.side === 'sell' || t.side === 'buy' ? t.side : order.side,
    price: t.price ?? 0,
    quantity: t.amount ?? 0,
    fee: t.fee?.cost ?? 0,
    ...(t.fee?.currency !== undefined && t.fee.currency !== '' ? { feeCurrency: t.fee.currency } : {}),
    time: Math.round((t.timestamp ?? 0) * 1000) as Micros,
  };
}

/**
 * Why a trade cannot be a fill (no quantity above zero, no price above zero,
 * a commission that is not a number), or undefined when it can: such a trade
 * is an incident, never a fill of the run or a record of its journal.
 */
export function tradeDefect(t: CcxtTradeLike): string | undefined {
  if (!(typeof t.amount === 'number' && Number.isFinite(t.amount) && t.amount > 0)) return `its quantity is ${String(t.amount)}`;
  if (!(typeof t.price === 'number' && Number.isFinite(t.price) && t.price > 0)) return `its price is ${String(t.price)}`;
  const fee = t.fee?.cost;
  if (fee !== undefined && !(typeof fee === 'number' && Number.isFinite(fee))) return `its commission is ${String(fee)}`;
  return undefined;
}

/** The client order id a trade's execution report carries (binance `c`), or ''. */
export function clientIdOfTrade(t: CcxtTradeLike): string {
  const info = t.info as { c?: unknown } | undefined;
  return typeof info?.c === 'string' ? info.c : '';
}

/**
 * The session's run id: up to 10 letters and digits of the run folder's
 * name, 6 hex digits of its absolute path (two runs named alike on one
 * account do not share ids), `s` and the session number. At most 22
 * characters, so `<runId>-<order id>` fits Binance's 36 for any order id
 * below 10^13, and only characters Binance allows in a client order id.
 */
export function sessionRunId(runDir: string, session: number): string {
  const name = basename(resolve(runDir)).replace(/[^A-Za-z0-9]/g, '').slice(0, 10);
  const hash = createHash('sha256').update(resolve(runDir)).digest('hex').slice(0, 6);
  return `${name}${hash}s${session}`;
}

/** `text` with every credential replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}
