import type { Account, ApiError } from './accounts.js';
import { hasLimitPrice, type ExchangeOrder, type NewOrder, type ExchangeTrade, type OrderMatcher, type OrderSide, type OrderType, type TimeInForce } from './matcher.js';
import type { MarketReplay, MarketState } from './replay.js';
import type { RestAnswer } from './rest.js';

/** The signed endpoints the local exchange answers (Binance spot's, as ccxt's binance uses them). */
export const PRIVATE_PATHS: ReadonlySet<string> = new Set(['/api/v3/order', '/api/v3/order/cancelReplace', '/api/v3/openOrders', '/api/v3/allOrders', '/api/v3/myTrades', '/api/v3/account']);

/** Binance writes amounts with 8 decimals. */
export function amount(x: number): string {
  return Number.isFinite(x) ? x.toFixed(8) : '0.00000000';
}

export function apiError(e: ApiError): RestAnswer {
  return { status: e.status, body: JSON.stringify({ code: e.code, msg: e.msg }) };
}

export const ok = (body: unknown): RestAnswer => ({ status: 200, body: JSON.stringify(body) });
export const fail = (code: number, msg: string, status = 400): RestAnswer => ({ status, body: JSON.stringify({ code, msg }) });
const ORDER_TYPES: ReadonlySet<string> = new Set(['MARKET', 'LIMIT', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT']);
export const missing = (name: string): RestAnswer => fail(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);

/** Answers one signed request of an authenticated account. */
export function answerPrivate(replay: MarketReplay, matcher: OrderMatcher, account: Account, method: string, path: string, q: URLSearchParams): RestAnswer {
  if (path === '/api/v3/account' && method === 'GET') return ok(accountBody(account));
  const symbol = q.get('symbol');
  const state = symbol === null ? undefined : replay.states.find((s) => s.market.id === symbol.toUpperCase());
  if (symbol !== null && state === undefined) return fail(-1121, 'Invalid symbol.');
  const mine = (o: ExchangeOrder): boolean => o.account === account && (state === undefined || o.state === state);
  switch (`${method} ${path}`) {
    case 'POST /api/v3/order':
      return newOrder(matcher, account, state, q);
    case 'DELETE /api/v3/order': {
      if (state === undefined) return missing('symbol');
      const order = findOrder(matcher, account, state, q);
      if (typeof order === 'string') return fail(-1102, order);
      if (order === undefined || !matcher.cancel(order)) return fail(-2011, 'Unknown order sent.');
      return ok({ ...orderFields(order), origClientOrderId: order.clientId, transactTime: order.updateTime });
    }
    case 'GET /api/v3/order': {
      if (state === undefined) return missing('symbol');
      const order = findOrder(matcher, account, state, q);
      if (typeof order === 'string') return fail(-1102, order);
      if (order === undefined) return fail(-2013, 'Order does not exist.');
      return ok(queryFields(order));
    }
    case 'GET /api/v3/openOrders':
      return ok(matcher.orders.filter((o) => mine(o) && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')).map(queryFields));
    case 'GET /api/v3/allOrders': {
      if (state === undefined) return missing('symbol');
      const fromId = Number(q.get('orderId') ?? 0);
      const rows = matcher.orders.filter((o) => mine(o) && o.id >= fromId && inTime(o.time, q));
      return ok(rows.slice(0, limitOf(q)).map(queryFields));
    }
    case 'GET /api/v3/myTrades': {
      if (state === undefined) return missing('symbol');
      const fromId = Number(q.get('fromId') ?? 0);
      const orderId = q.get('orderId');
      const rows = matcher.trades.filter((t) => mine(t.order) && t.id >= fromId && (orderId === null || t.order.id === Number(orderId)) && inTime(t.time, q));
      return ok(rows.slice(0, limitOf(q)).map(tradeFields));
    }
    default:
      return fail(-1000, `${method} ${path} is not served by the local exchange.`, 405);
  }
}

function newOrder(matcher: OrderMatcher, account: Account, state: MarketState | undefined, q: URLSearchParams): RestAnswer {
  if (state === undefined) return missing('symbol');
  const request = newOrderOf(state, q);
  if ('status' in request) return request;
  const placed = matcher.place(account, request);
  if ('code' in placed) return apiError(placed);
  return ok(newOrderResponse(matcher, placed, q));
}

/** A new order's parameters (POST /api/v3/order, and the new order of a cancel-replace), or the error answer. */
export function newOrderOf(state: MarketState, q: URLSearchParams): NewOrder | RestAnswer {
  const side = q.get('side');
  if (side !== 'BUY' && side !== 'SELL') return side === null ? missing('side') : fail(-1100, "Illegal characters found in parameter 'side'; legal range is 'BUY, SELL'.");
  const type = q.get('type');
  if (type === null) return missing('type');
  if (!ORDER_TYPES.has(type)) return fail(-1116, 'Invalid orderType.');
  if (q.has('quoteOrderQty')) return fail(-1013, 'quoteOrderQty is not supported by the local exchange: give quantity.');
  const qtyText = q.get('quantity');
  if (qtyText === null) return missing('quantity');
  const qty = Number(qtyText);
  if (!(qty > 0)) return fail(-1013, 'Invalid quantity.');
  let price = NaN;
  let stopPrice = NaN;
  let timeInForce: TimeInForce = 'GTC';
  if (type !== 'MARKET' && type !== 'LIMIT') {
    const stopText = q.get('stopPrice');
    if (stopText === null) return missing('stopPrice');
    stopPrice = Number(stopText);
    if (!(stopPrice > 0)) return fail(-1013, 'Invalid stopPrice.');
  }
  if (hasLimitPrice(type as OrderType)) {
    const priceText = q.get('price');
    if (priceText === null) return missing('price');
    price = Number(priceText);
    if (!(price > 0)) return fail(-1013, 'Invalid price.');
    const tif = q.get('timeInForce');
    if (tif === null) return missing('timeInForce');
    if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK') return fail(-1115, 'Invalid timeInForce.');
    timeInForce = tif;
  }
  const clientId = q.get('newClientOrderId') ?? undefined;
  return { state, side: side as OrderSide, type: type as OrderType, timeInForce, price, stopPrice, qty, clientId };
}

/** The answer to a placed order in the asked `newOrderRespType` (ACK, RESULT, FULL with its fills). */
export function newOrderResponse(matcher: OrderMatcher, placed: ExchangeOrder, q: URLSearchParams, defaultType = 'FULL'): Record<string, unknown> {
  const respType = q.get('newOrderRespType') ?? defaultType;
  const base = { ...orderFields(placed), transactTime: placed.time, workingTime: placed.time, origQuoteOrderQty: '0.00000000', selfTradePreventionMode: 'NONE' };
  if (respType === 'ACK') return { symbol: placed.state.market.id, orderId: placed.id, orderListId: -1, clientOrderId: placed.clientId, transactTime: placed.time };
  if (respType === 'RESULT') return base;
  const fills = matcher.trades
    .filter((t) => t.order === placed)
    .map((t) => ({ price: amount(t.price), qty: amount(t.qty), commission: amount(t.commission), commissionAsset: t.commissionAsset, tradeId: t.id }));
  return { ...base, fills };
}

/** The order by orderId or origClientOrderId, or the message when neither is given. */
export function findOrder(matcher: OrderMatcher, account: Account, state: MarketState, q: URLSearchParams): ExchangeOrder | undefined | string {
  const id = q.get('orderId');
  const clientId = q.get('origClientOrderId');
  if (id === null && clientId === null) return "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!";
  return matcher.orders.find((o) => o.account === account && o.state === state && (id !== null ? o.id === Number(id) : o.clientId === clientId));
}

export function orderFields(o: ExchangeOrder): Record<string, unknown> {
  return {
    symbol: o.state.market.id,
    orderId: o.id,
    orderListId: -1,
    clientOrderId: o.clientId,
    price: amount(Number.isFinite(o.price) ? o.price : 0),
    origQty: amount(o.qty),
    executedQty: amount(o.filled),
    cummulativeQuoteQty: amount(o.quoteFilled),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
  };
}

function queryFields(o: ExchangeOrder): Record<string, unknown> {
  return {
    ...orderFields(o),
    stopPrice: amount(Number.isFinite(o.stopPrice) ? o.stopPrice : 0),
    icebergQty: amount(0),
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    workingTime: o.time,
    origQuoteOrderQty: amount(0),
    selfTradePreventionMode: 'NONE',
  };
}

function tradeFields(t: ExchangeTrade): Record<string, unknown> {
  return {
    symbol: t.order.state.market.id,
    id: t.id,
    orderId: t.order.id,
    orderListId: -1,
    price: amount(t.price),
    qty: amount(t.qty),
    quoteQty: amount(t.quoteQty),
    commission: amount(t.commission),
    commissionAsset: t.commissionAsset,
    time: t.time,
    isBuyer: t.order.side === 'BUY',
    isMaker: false,
    isBestMatch: true,
  };
}

export function accountBody(a: Account): Record<string, unknown> {
  return {
    makerCommission: 0,
    takerCommission: 0,
    buyerCommission: 0,
    sellerCommission: 0,
    canTrade: true,
    canWithdraw: false,
    canDeposit: false,
    brokered: false,
    requireSelfTradePrevention: false,
    preventSor: false,
    updateTime: a.updateTime,
    accountType: 'SPOT',
    balances: a.assets().map((asset) => ({ asset, free: amount(a.freeOf(asset)), locked: amount(a.lockedOf(asset)) })),
    permissions: ['SPOT'],
  };
}

function limitOf(q: URLSearchParams): number {
  const n = Number(q.get('limit') ?? 500);
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, 1000) : 500;
}

function inTime(ms: number, q: URLSearchParams): boolean {
  const from = q.get('startTime');
  const to = q.get('endTime');
  return (from === null || ms >= Number(from)) && (to === null || ms <= Number(to));
}

/** Execution report of one order change (Binance spot user data stream). */
export function executionReport(o: ExchangeOrder, execution: string, t: ExchangeTrade | undefined, eventMs: number): string {
  return JSON.stringify({
    e: 'executionReport',
    E: eventMs,
    s: o.state.market.id,
    c: o.clientId,
    S: o.side,
    o: o.type,
    f: o.timeInForce,
    q: amount(o.qty),
    p: amount(Number.isFinite(o.price) ? o.price : 0),
    P: amount(Number.isFinite(o.stopPrice) ? o.stopPrice : 0),
    F: amount(0),
    g: -1,
    C: execution === 'CANCELED' ? o.clientId : '',
    x: execution,
    X: o.status,
    r: 'NONE',
    i: o.id,
    l: amount(t?.qty ?? 0),
    z: amount(o.filled),
    L: amount(t?.price ?? 0),
    n: amount(t?.commission ?? 0),
    N: t?.commissionAsset ?? null,
    T: o.updateTime,
    t: t?.id ?? -1,
    I: 0,
    w: o.status === 'NEW' || o.status === 'PARTIALLY_FILLED',
    m: false,
    M: false,
    O: o.time,
    Z: amount(o.quoteFilled),
    Y: amount(t?.quoteQty ?? 0),
    Q: amount(0),
    W: o.time,
    V: 'NONE',
  });
}

/** The account's balances of some assets (outboundAccountPosition). */
export function accountPosition(a: Account, assets: readonly string[], eventMs: number): string {
  return JSON.stringify({ e: 'outboundAccountPosition', E: eventMs, u: a.updateTime, B: assets.map((asset) => ({ a: asset, f: amount(a.freeOf(asset)), l: amount(a.lockedOf(asset)) })) });
}
