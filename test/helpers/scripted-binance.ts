import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A loopback stand-in for the Binance spot endpoints ccxt's `binance` class
 * calls, driven step by step by a test (unlike the local exchange, which
 * replays files): the test decides each REST answer and pushes each
 * WebSocket message itself, so faults land exactly where a test wants them.
 */
export interface RestAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: unknown;
}

export class ScriptedBinance {
  readonly requests: string[] = [];
  /** SUBSCRIBE requests seen, as their stream names, in order. */
  readonly subscribes: string[] = [];
  /** Answers for GET /api/v3/depth, used in order (the last one repeats). */
  depth: RestAnswer[] = [{ body: { lastUpdateId: 100, bids: [['100.00', '1.0']], asks: [['101.00', '2.0']] } }];
  klines: RestAnswer = { body: [] };
  /** While set, depth requests wait for it (to hold the snapshot back while messages are buffered). */
  depthGate: Promise<void> | undefined;
  private depthCalls = 0;
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly subscribers = new Map<string, Set<WebSocket>>();
  private readonly waiters: { stream: string; count: number; resolve: () => void }[] = [];

  private constructor() {
    this.server = http.createServer((req, res) => this.rest(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.connection(ws));
    });
  }

  static async start(): Promise<ScriptedBinance> {
    const s = new ScriptedBinance();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Sends a message to every socket subscribed to `stream` (btcusdt@trade, ...). */
  push(stream: string, message: unknown): void {
    const text = JSON.stringify(message);
    for (const ws of this.subscribers.get(stream) ?? []) ws.send(text);
  }

  /** Resolves once `stream` has been subscribed `count` times in all. */
  subscribed(stream: string, count = 1): Promise<void> {
    if (this.subscribes.filter((s) => s === stream).length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ stream, count, resolve }));
  }

  /** Closes every client connection (a server-side disconnect). */
  disconnectAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.subscribers.clear();
  }

  /** WebSocket connections still open. */
  openSockets(): number {
    return this.wss.clients.size;
  }

  async close(): Promise<void> {
    this.disconnectAll();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connection(ws: WebSocket): void {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { method?: string; params?: string[]; id?: number };
      if (msg.method !== 'SUBSCRIBE') return;
      for (const stream of msg.params ?? []) {
        let set = this.subscribers.get(stream);
        if (set === undefined) this.subscribers.set(stream, (set = new Set()));
        set.add(ws);
      }
      ws.send(JSON.stringify({ result: null, id: msg.id }));
      for (const stream of msg.params ?? []) this.subscribes.push(stream);
      for (const w of this.waiters.slice()) {
        if (this.subscribes.filter((s) => s === w.stream).length >= w.count) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    ws.on('close', () => {
      for (const set of this.subscribers.values()) set.delete(ws);
    });
  }

  private rest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    this.requests.push(url);
    const answer = (a: RestAnswer): void => {
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
      res.end(JSON.stringify(a.body));
    };
    if (url.startsWith('/api/v3/exchangeInfo')) return answer({ body: EXCHANGE_INFO });
    if (url.startsWith('/api/v3/time')) return answer({ body: { serverTime: Date.now() } });
    if (url.startsWith('/api/v3/depth')) {
      const a = this.depth[Math.min(this.depthCalls++, this.depth.length - 1)] as RestAnswer;
      if (this.depthGate !== undefined) return void this.depthGate.then(() => answer(a));
      return answer(a);
    }
    if (url.startsWith('/api/v3/klines')) return answer(this.klines);
    answer({ status: 404, body: { code: -1, msg: 'not here' } });
  }
}

const symbolInfo = (symbol: string, base: string, tick: string, step: string): unknown => ({
  symbol,
  status: 'TRADING',
  baseAsset: base,
  baseAssetPrecision: 8,
  quoteAsset: 'USDT',
  quotePrecision: 8,
  quoteAssetPrecision: 8,
  orderTypes: ['LIMIT', 'MARKET'],
  icebergAllowed: true,
  ocoAllowed: true,
  isSpotTradingAllowed: true,
  isMarginTradingAllowed: false,
  permissions: ['SPOT'],
  filters: [
    { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: '1000000', tickSize: tick },
    { filterType: 'LOT_SIZE', minQty: step, maxQty: '9000', stepSize: step },
  ],
});

const EXCHANGE_INFO = {
  timezone: 'UTC',
  serverTime: 0,
  rateLimits: [],
  symbols: [symbolInfo('BTCUSDT', 'BTC', '0.01', '0.00001'), symbolInfo('ETHUSDT', 'ETH', '0.01', '0.0001')],
};

/** A Binance spot trade message. */
export const tradeMessage = (id: number, timeMs: number, price: string, qty: string, buyerIsMaker: boolean, symbol = 'BTCUSDT'): unknown => ({
  e: 'trade',
  E: timeMs,
  s: symbol,
  t: id,
  p: price,
  q: qty,
  T: timeMs,
  m: buyerIsMaker,
  M: true,
});

/** A Binance spot diff-depth message with update ids U..u. */
export const depthMessage = (U: number, u: number, timeMs: number, bids: [string, string][], asks: [string, string][], symbol = 'BTCUSDT'): unknown => ({
  e: 'depthUpdate',
  E: timeMs,
  s: symbol,
  U,
  u,
  b: bids,
  a: asks,
});

/** A Binance kline message; `closed` is the final update of the candle (x). */
export const klineMessage = (startMs: number, o: string, h: string, l: string, c: string, v: string, closed: boolean, symbol = 'BTCUSDT'): unknown => ({
  e: 'kline',
  E: startMs + 1,
  s: symbol,
  k: { t: startMs, T: startMs + 59_999, s: symbol, i: '1m', f: 1, L: 2, o, c, h, l, v, n: 2, x: closed, q: '0', V: '0', Q: '0', B: '0' },
});

export const bookTickerMessage = (u: number, bid: string, bidQty: string, ask: string, askQty: string, symbol = 'BTCUSDT'): unknown => ({
  u,
  s: symbol,
  b: bid,
  B: bidQty,
  a: ask,
  A: askQty,
});
