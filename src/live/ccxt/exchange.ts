import { ccxtLib } from './ccxt-lib.js';
import { InputError } from '../../core/errors.js';
import { pointCcxtAt, type CcxtUrlTarget } from '../local-exchange/ccxt-urls.js';
import { RETRY_AFTER_MS, retryAfterMs } from './faults.js';

/**
 * The part of a ccxt pro exchange that CcxtSource uses, typed loosely on
 * purpose: ccxt's own typings differ between exchanges, and the source only
 * reads plain fields of what the watch methods return.
 */
export interface CcxtProExchange {
  readonly id: string;
  readonly has: Record<string, unknown>;
  readonly timeframes: Record<string, unknown>;
  readonly precisionMode: number;
  urls: { api: Record<string, unknown> } & Record<string, unknown>;
  loadMarkets(): Promise<Record<string, CcxtMarket>>;
  loadHttpProxyAgent(): Promise<unknown>;
  numberToString(n: number): string;
  watchTrades(symbol: string): Promise<CcxtTrade[]>;
  watchOrderBook(symbol: string, limit?: number): Promise<CcxtOrderBook>;
  watchOHLCV(symbol: string, timeframe: string): Promise<(number | undefined)[][]>;
  fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<(number | undefined)[][]>;
  watchBidsAsks(symbols: string[]): Promise<Record<string, CcxtTicker>>;
  watchTicker(symbol: string): Promise<CcxtTicker>;
  close(): Promise<void>;
  /** See instrumentedClass. */
  forgetFuture(messageHash: string): void;
  bidsasks: Record<string, CcxtTicker | undefined>;
  tickers: Record<string, CcxtTicker | undefined>;
}

export interface CcxtMarket {
  readonly symbol: string;
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  readonly precision: { readonly price?: number | undefined; readonly amount?: number | undefined };
}

export interface CcxtTrade {
  readonly id?: string | undefined;
  readonly timestamp?: number | undefined;
  readonly price: number;
  readonly amount: number;
  readonly side?: string | undefined;
}

export interface CcxtTicker {
  readonly timestamp?: number | undefined;
  readonly bid?: number | undefined;
  readonly ask?: number | undefined;
  readonly bidVolume?: number | undefined;
  readonly askVolume?: number | undefined;
}

export interface CcxtOrderBook {
  readonly bids: ArrayLike<ArrayLike<number>>;
  readonly asks: ArrayLike<ArrayLike<number>>;
  readonly timestamp?: number | undefined;
  readonly nonce?: number | undefined;
}

/** Candles the exchange marked final, by `<exchange market id>|<exchange interval>` and start (ms). */
export type ClosedCandles = Map<string, Set<number>>;

type AnyClass = new (config?: Record<string, unknown>) => Record<string, unknown>;

/**
 * The exchange's ccxt pro class with two additions:
 * - handleOHLCV also records candles the message marks final (Binance kline
 *   `k.x === true`) in `closedCandles`, so a closed bar is sent when the
 *   exchange closes it rather than when the next one starts;
 * - handleErrors puts the Retry-After header (as ms) on the rate-limit error
 *   it raises, and raises one for HTTP 429/418 when the class does not;
 * - forgetFuture(hash) removes a rejected future ccxt left behind. When a book
 *   gap is found while no watch is waiting, ccxt stores the error, hands it to
 *   the next watch, but keeps that rejected future under the hash, so every
 *   later watch of the book fails at once with the same error until ccxt
 *   settles the hash again (and that settlement is lost on the dead future).
 */
function instrumentedClass(Base: AnyClass): AnyClass {
  return class extends Base {
    readonly closedCandles: ClosedCandles = new Map();

    handleOHLCV(client: unknown, message: unknown): unknown {
      const base = Base.prototype as Record<string, unknown>;
      const result = (base['handleOHLCV'] as (c: unknown, m: unknown) => unknown).call(this, client, message);
      const k = (message as { k?: { x?: unknown; s?: unknown; i?: unknown; t?: unknown } } | undefined)?.k;
      if (k !== undefined && k.x === true && typeof k.s === 'string' && typeof k.i === 'string' && typeof k.t === 'number') {
        const key = `${k.s}|${k.i}`;
        let set = this.closedCandles.get(key);
        if (set === undefined) this.closedCandles.set(key, (set = new Set()));
        set.add(k.t);
      }
      return result;
    }

    forgetFuture(messageHash: string): void {
      const clients = (this['clients'] ?? {}) as Record<string, { futures?: Record<string, unknown> }>;
      for (const client of Object.values(clients)) if (client.futures !== undefined) delete client.futures[messageHash];
    }

    handleErrors(code: number, reason: string, url: string, method: string, headers: Record<string, unknown>, body: string, ...rest: unknown[]): unknown {
      const base = Base.prototype as Record<string, unknown>;
      const wait = code === 429 || code === 418 ? retryAfterMs(headerOf(headers, 'retry-after'), Date.now()) : NaN;
      let result: unknown;
      try {
        result = (base['handleErrors'] as (...a: unknown[]) => unknown).call(this, code, reason, url, method, headers, body, ...rest);
      } catch (e) {
        if (e !== null && typeof e === 'object' && wait === wait) (e as Record<string, unknown>)[RETRY_AFTER_MS] = wait;
        throw e;
      }
      if (code === 429 || code === 418) {
        const ccxt = ccxtLib();
        const e = code === 429 ? new ccxt.RateLimitExceeded(`${String(this['id'])} ${code} ${reason} ${body}`) : new ccxt.DDoSProtection(`${String(this['id'])} ${code} ${reason} ${body}`);
        if (wait === wait) (e as unknown as Record<string, unknown>)[RETRY_AFTER_MS] = wait;
        throw e;
      }
      return result;
    }
  };
}

function headerOf(headers: Record<string, unknown> | undefined, name: string): unknown {
  if (headers === undefined) return undefined;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

/** Option defaults CcxtSource needs, under the user's options except where noted. */
function defaultOptions(id: string): Record<string, unknown> {
  return {
    // only the spot markets: loadMarkets calls GET /api/v3/exchangeInfo alone
    ...(id === 'binance' ? { fetchMarkets: { types: ['spot'] } } : {}),
    // the source's own backoff schedules reconnects; ccxt's would add to it
    ws: { backoff: { base: 0 } },
  };
}

/**
 * A ccxt pro exchange by id, instrumented (see instrumentedClass), with
 * `options` deep-merged over the source's defaults. Two options are forced:
 * `newUpdates` (watch methods return only what is new) and the book's
 * `checksum` and `maxRetries: 1` (gaps must raise, and a rate-limited REST
 * snapshot must come back to the source, which honours Retry-After, instead
 * of being retried at once by ccxt).
 */
/** Trades ccxt may hold between two reads of a trade stream. */
export const TRADES_LIMIT = 50_000;

export function createExchange(id: string, options: Record<string, unknown> | undefined): CcxtProExchange & { readonly closedCandles: ClosedCandles } {
  const ccxt = ccxtLib();
  const pro = ccxt.pro as unknown as Record<string, AnyClass | undefined>;
  const Base = Object.prototype.hasOwnProperty.call(pro, id) && /^[a-z0-9]+$/.test(id) ? pro[id] : undefined;
  if (Base === undefined) {
    throw new InputError({ code: 'invalid_option', field: 'exchange', value: id, message: `not an exchange ccxt ${ccxt.version} can watch (ccxt.pro.exchanges lists them)` });
  }
  const Instrumented = instrumentedClass(Base);
  const user = options ?? {};
  const userBook = (user['watchOrderBook'] as Record<string, unknown> | undefined) ?? {};
  const exchange = new Instrumented({
    enableRateLimit: true,
    // ccxt keeps the trades that came since the last watch in a cache of
    // `tradesLimit` (1,000 by default) and drops the oldest beyond it: a burst
    // larger than that between two reads would lose prints silently.
    options: deepMerge({ ...defaultOptions(id), tradesLimit: TRADES_LIMIT }, {
      ...user,
      newUpdates: true,
      watchOrderBook: { ...userBook, checksum: true, maxRetries: 1 },
    }),
  });
  exchange['newUpdates'] = true;
  return exchange as unknown as CcxtProExchange & { readonly closedCandles: ClosedCandles };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] = isPlain(old) && isPlain(v) ? deepMerge(old, v) : v;
  }
  return out;
}

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Points the exchange at another origin (a local exchange) with the local
 * exchange's pointCcxtAt, after checking the URL as a user's input.
 */
export async function overrideBaseUrl(exchange: CcxtProExchange, base: string): Promise<void> {
  let url: URL | undefined;
  try {
    url = new URL(base);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InputError({ code: 'invalid_option', field: '--url', value: base, message: 'expected an http:// or https:// base URL such as http://127.0.0.1:8080' });
  }
  await pointCcxtAt(exchange as unknown as CcxtUrlTarget, base);
}
