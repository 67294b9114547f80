/** The part of a ccxt exchange object that pointing it elsewhere touches. */
export interface CcxtUrlTarget {
  urls: { api?: unknown };
  options?: unknown;
  loadHttpProxyAgent?: () => Promise<unknown>;
}

/**
 * Points a ccxt `binance` (pro) instance at another server, the local
 * exchange for one: every REST base URL in `exchange.urls.api` gets `url`'s
 * origin (https://api.binance.com/api/v3 -> http://127.0.0.1:PORT/api/v3),
 * the spot WebSocket base becomes `<url as ws>/ws` and the WebSocket API
 * (the user data stream) `<url as ws>/ws-api/v3`, markets are loaded from
 * spot only (one GET /api/v3/exchangeInfo; no /sapi currency or margin
 * calls even with API keys), and for a ws:// (non-TLS) URL
 * ccxt's HTTP agent is loaded first (ccxt refuses plain ws:// without it).
 * Call before loadMarkets.
 */
export async function pointCcxtAt(exchange: CcxtUrlTarget, url: string): Promise<void> {
  const base = new URL(url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`pointCcxtAt: expected an http(s) URL, got ${url}`);
  const origin = base.origin;
  const api = exchange.urls.api;
  if (typeof api !== 'object' || api === null) throw new TypeError('pointCcxtAt: the exchange has no urls.api to override');
  const table = api as Record<string, unknown>;
  for (const [key, value] of Object.entries(table)) {
    if (typeof value === 'string') table[key] = value.replace(/^[a-z]+:\/\/[^/]+/i, origin);
  }
  const wsBase = `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/ws`;
  // Spot's user data stream goes through the WebSocket API (userDataStream.subscribe.signature).
  table.ws = { spot: wsBase, 'ws-api': { spot: `${wsBase}-api/v3` } };
  if (typeof exchange.options === 'object' && exchange.options !== null) {
    const options = exchange.options as Record<string, unknown>;
    const fetchMarkets = typeof options.fetchMarkets === 'object' && options.fetchMarkets !== null ? (options.fetchMarkets as Record<string, unknown>) : {};
    options.fetchMarkets = { ...fetchMarkets, types: ['spot'] };
    // Currencies come from the markets: with API keys ccxt would ask /sapi for them, which the local exchange does not serve.
    options.fetchCurrencies = false;
    options.fetchMargins = false;
  }
  if (wsBase.startsWith('ws:') && exchange.loadHttpProxyAgent !== undefined) await exchange.loadHttpProxyAgent();
}
