import { BINANCE_INTERVALS } from './dataset.js';
import { klineObject, volumeText, type MarketReplay, type MarketState } from './replay.js';

/** A REST answer: HTTP status and JSON text. */
export interface RestAnswer {
  readonly status: number;
  readonly body: string;
}

const ok = (body: unknown): RestAnswer => ({ status: 200, body: typeof body === 'string' ? body : JSON.stringify(body) });
const fail = (status: number, code: number, msg: string): RestAnswer => ({ status, body: JSON.stringify({ code, msg }) });

/**
 * The Binance spot REST endpoints ccxt's `binance` uses for market data,
 * answered from the replay's state: what the exchange knows at the replay's
 * current time (the book as it stands, the trades and bars replayed so far).
 * Its clock (`serverTime`) is `serverTimeMs`, the server's wall clock, as
 * Binance's: what clients measure their offset against and what signed
 * requests are checked against; the data's time is in what it serves.
 */
export function answerRest(replay: MarketReplay, path: string, query: URLSearchParams, serverTimeMs: number, cancelReplace = true): RestAnswer {
  switch (path) {
    case '/api/v3/ping':
      return ok({});
    case '/api/v3/time':
      return ok({ serverTime: serverTimeMs });
    case '/api/v3/exchangeInfo':
      return exchangeInfo(replay, query, serverTimeMs, cancelReplace);
    case '/api/v3/depth':
      return withMarket(replay, query, (s) => depth(s, query));
    case '/api/v3/klines':
    case '/api/v3/uiKlines':
      return withMarket(replay, query, (s) => klines(s, query));
    case '/api/v3/aggTrades':
      return withMarket(replay, query, (s) => trades(s, query, true));
    case '/api/v3/trades':
    case '/api/v3/historicalTrades':
      return withMarket(replay, query, (s) => trades(s, query, false));
    case '/api/v3/ticker/bookTicker':
      return withMarket(replay, query, (s) => ok(bookTicker(s)));
    default:
      return fail(404, -1000, `Unknown endpoint ${path}: the local exchange serves market data only (see docs/live.md).`);
  }
}

function withMarket(replay: MarketReplay, query: URLSearchParams, answer: (s: MarketState) => RestAnswer): RestAnswer {
  const id = query.get('symbol');
  if (id === null || id === '') return fail(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  const state = replay.states.find((s) => s.market.id === id.toUpperCase());
  if (state === undefined) return fail(400, -1121, 'Invalid symbol.');
  return answer(state);
}

/** An integer query parameter; undefined when absent, NaN when malformed. */
function intParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : NaN;
}

function badParam(name: string): RestAnswer {
  return fail(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);
}

function limitOf(query: URLSearchParams, fallback: number, max: number): number | RestAnswer {
  const limit = intParam(query, 'limit');
  if (limit === undefined) return fallback;
  if (!Number.isFinite(limit) || limit < 1) return badParam('limit');
  return Math.min(limit, max);
}

/** `cancelReplace`: whether POST /api/v3/order/cancelReplace is served (it is said in each symbol's cancelReplaceAllowed). */
function exchangeInfo(replay: MarketReplay, query: URLSearchParams, serverTimeMs: number, cancelReplace: boolean): RestAnswer {
  const wanted = new Set<string>();
  const one = query.get('symbol');
  if (one !== null) wanted.add(one.toUpperCase());
  const many = query.get('symbols');
  if (many !== null) {
    try {
      for (const s of JSON.parse(many) as unknown[]) wanted.add(String(s).toUpperCase());
    } catch {
      return fail(400, -1100, "Illegal characters found in parameter 'symbols'.");
    }
  }
  const states = replay.states.filter((s) => wanted.size === 0 || wanted.has(s.market.id));
  if (wanted.size > 0 && states.length < wanted.size) return fail(400, -1121, 'Invalid symbol.');
  return ok({
    timezone: 'UTC',
    serverTime: serverTimeMs,
    rateLimits: [],
    exchangeFilters: [],
    symbols: states.map(({ market: m }) => ({
      symbol: m.id,
      status: 'TRADING',
      baseAsset: m.base,
      baseAssetPrecision: 8,
      quoteAsset: m.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'],
      icebergAllowed: true,
      ocoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: false,
      cancelReplaceAllowed: cancelReplace,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: m.tickSize, maxPrice: '1000000000.00000000', tickSize: m.tickSize },
        { filterType: 'LOT_SIZE', minQty: m.lotSize, maxQty: '1000000000.00000000', stepSize: m.lotSize },
      ],
      permissions: ['SPOT'],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'NONE',
      allowedSelfTradePreventionModes: ['NONE'],
    })),
  });
}

function depth(s: MarketState, query: URLSearchParams): RestAnswer {
  const limit = limitOf(query, 100, 5000);
  if (typeof limit !== 'number') return limit;
  const side = (levels: MarketState['book']['bids']): string => {
    const out: string[] = [];
    for (let i = 0; i < Math.min(limit, levels.count); i++) out.push(`["${s.price(levels.price(i))}","${s.size(levels.size(i))}"]`);
    return `[${out.join(',')}]`;
  };
  return ok(`{"lastUpdateId":${s.lastUpdateId},"bids":${side(s.book.bids)},"asks":${side(s.book.asks)}}`);
}

function klines(s: MarketState, query: URLSearchParams): RestAnswer {
  const interval = query.get('interval') ?? '';
  if (!BINANCE_INTERVALS.has(interval)) return fail(400, -1120, 'Invalid interval.');
  const index = s.market.bars.findIndex((b) => b.interval === interval);
  if (index < 0) return ok([]); // the data has no bars at this interval
  const served = s.market.bars[index] as NonNullable<(typeof s.market.bars)[number]>;
  const limit = limitOf(query, 500, 1000);
  if (typeof limit !== 'number') return limit;
  const startTime = intParam(query, 'startTime');
  const endTime = intParam(query, 'endTime');
  if (Number.isNaN(startTime)) return badParam('startTime');
  if (Number.isNaN(endTime)) return badParam('endTime');
  const sent = s.barsSent[index] as number;
  const ms = (i: number): number => Math.floor((served.bars.time[i] as number) / 1000);
  let from: number;
  let to = sent; // exclusive
  if (endTime !== undefined) while (to > 0 && ms(to - 1) > endTime) to--;
  if (startTime !== undefined) {
    from = 0;
    while (from < to && ms(from) < startTime) from++;
    to = Math.min(to, from + limit);
  } else {
    from = Math.max(0, to - limit);
  }
  const rows: string[] = [];
  for (let i = from; i < to; i++) {
    const k = JSON.parse(klineObject(s, served, i)) as Record<string, string | number>;
    rows.push(JSON.stringify([k.t, k.o, k.h, k.l, k.c, volumeText(served.bars.volume[i] as number), k.T, '0', 0, '0', '0', '0']));
  }
  return ok(`[${rows.join(',')}]`);
}

function trades(s: MarketState, query: URLSearchParams, aggregated: boolean): RestAnswer {
  const rows = s.market.trades?.rows;
  const limit = limitOf(query, 500, 1000);
  if (typeof limit !== 'number') return limit;
  const fromId = intParam(query, 'fromId');
  const startTime = intParam(query, 'startTime');
  const endTime = intParam(query, 'endTime');
  for (const [name, v] of [['fromId', fromId], ['startTime', startTime], ['endTime', endTime]] as const) if (Number.isNaN(v)) return badParam(name);
  if (rows === undefined) return ok([]);
  const ms = (i: number): number => Math.floor((rows.time[i] as number) / 1000);
  let to = s.tradesSent;
  let from: number;
  if (fromId !== undefined) {
    from = Math.max(0, fromId - 1);
    to = Math.min(to, from + limit);
  } else if (startTime !== undefined) {
    from = 0;
    while (from < to && ms(from) < startTime) from++;
    if (endTime !== undefined) while (to > from && ms(to - 1) > endTime) to--;
    to = Math.min(to, from + limit);
  } else {
    if (endTime !== undefined) while (to > 0 && ms(to - 1) > endTime) to--;
    from = Math.max(0, to - limit);
  }
  const out: unknown[] = [];
  for (let i = from; i < to; i++) {
    const id = i + 1;
    const p = s.price(rows.price[i] as number);
    const q = s.size(rows.size[i] as number);
    const side = rows.side[i] as number;
    const maker = side === -1 ? true : side === 1 ? false : undefined;
    if (aggregated) out.push({ a: id, p, q, f: id, l: id, T: ms(i), ...(maker !== undefined ? { m: maker } : {}), M: true });
    else out.push({ id, price: p, qty: q, quoteQty: '0', time: ms(i), ...(maker !== undefined ? { isBuyerMaker: maker } : {}), isBestMatch: true });
  }
  return ok(out);
}

function bookTicker(s: MarketState): Record<string, string> {
  return { symbol: s.market.id, bidPrice: s.price(s.bid), bidQty: s.size(s.bidSize), askPrice: s.price(s.ask), askQty: s.size(s.askSize) };
}
