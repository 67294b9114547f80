import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { InputError, formatIssue, type Issue } from '../../core/errors.js';
import { formatIso } from '../../core/time.js';
import { buildAccounts, verifySigned, withoutSignature, type AccountSpec } from './accounts.js';
import { loadExchangeDataset, type ExchangeDataFile } from './dataset.js';
import { OrderMatcher, type FeeAsset } from './matcher.js';
import { cancelReplace } from './cancel-replace.js';
import { PRIVATE_PATHS, accountPosition, answerPrivate, apiError, executionReport } from './private-rest.js';
import { RestRateLimiter } from './rate-limit.js';
import { MarketReplay } from './replay.js';
import { answerRest } from './rest.js';
import { StreamConnection } from './stream-connection.js';
import { UserStreams } from './user-stream.js';

export interface LocalExchangeOptions {
  /** The data files, each with the market it is served as (default: the market its own symbol names). */
  readonly data: readonly (string | ExchangeDataFile)[];
  /** Default 127.0.0.1. Anything but a loopback address needs `allowRemote`. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  readonly allowRemote?: boolean;
  /** Replay speed, times real time; 0 (default 1): as fast as the clients read. */
  readonly speed?: number;
  /**
   * When the replay starts: 'subscribe' (default) at the first stream
   * subscription, 'listen' at once, 'manual' on `start()` or POST
   * /quantflow/start. A 'manual' replay not started can instead be stepped:
   * `step(n)` or POST /quantflow/step?events=N releases the next N events
   * (`step(n, { holdMarketData: true })`, `&hold=market-data`: their fills
   * now, their market data on `releaseMarketData()`, POST /quantflow/release).
   */
  readonly start?: 'subscribe' | 'listen' | 'manual';
  /** Drop every Nth stream message of each connection (0: none). */
  readonly dropEvery?: number;
  /** Close every WebSocket every this many seconds of replayed data time (0: never). */
  readonly disconnectEverySeconds?: number;
  /** Delay every message and REST answer by this many ms. */
  readonly delayMs?: number;
  /** REST requests per window per client; over it 429, and 418 for a client that keeps going. */
  readonly rateLimit?: { readonly requests: number; readonly windowSeconds: number };
  /** Price and quantity increments for exchangeInfo (default: the finest grid of the data's own decimals). */
  readonly tickSize?: string;
  readonly lotSize?: string;
  /** Trading accounts: API key, secret, and optionally their own starting balances. */
  readonly accounts?: readonly AccountSpec[];
  /** Starting balances of every account that gives none (asset -> amount). */
  readonly balances?: Readonly<Record<string, string | number>>;
  /** Commission per fill as a fraction of the fill's amount (default 0.001). */
  readonly feeRate?: number;
  /**
   * The asset commissions are charged in: 'quote' (default) for every fill,
   * or 'base' as Binance without BNB: a buy pays in the bought base asset
   * (its quantity times the rate), a sell in the quote asset.
   */
  readonly feeAsset?: FeeAsset;
  /** The server's clock is the wall clock plus this many ms (may be negative): `/api/v3/time` and every signed-request check. */
  readonly clockSkewMs?: number;
  /** New and cancel requests reach the matcher this many ms (wall clock) after they arrive. */
  readonly orderLatencyMs?: number;
  /** Reject every Nth new order with -2010 and a reason (0: none). */
  readonly rejectEvery?: number;
  /** Split every fill into two trades. */
  readonly partialFills?: boolean;
  /** Every fill this many basis points (a whole number) worse for the account than the classic rule's price, rounded to the tick against it; never past a limit. */
  readonly slippageBps?: number;
  /** Drop every Nth user data stream report of each connection (0: none); REST stays right. */
  readonly dropReportsEvery?: number;
  /**
   * Serve POST /api/v3/order/cancelReplace (default true). False: the
   * endpoint answers 404 as an unknown one does, as on an exchange without
   * cancel-replace (clients modify by cancel, then a new order).
   */
  readonly cancelReplace?: boolean;
  /** Called once, when the last event of the data has been replayed. */
  readonly onReplayDone?: () => void;
}

export interface LocalExchangeStatus {
  readonly started: boolean;
  /** Every event of the data has been replayed. */
  readonly done: boolean;
  /** Events replayed, of `events`. */
  readonly position: number;
  readonly events: number;
  /** The replay's current data time (µs, and ISO): the time of what it serves (not its clock: `/api/v3/time` is the wall clock plus the skew). */
  readonly timeMicros: number;
  readonly time: string;
  readonly connections: number;
  readonly subscriptions: number;
  readonly messagesSent: number;
  readonly messagesDropped: number;
  readonly disconnects: number;
  readonly restRequests: number;
  readonly rateLimited: number;
  readonly banned: number;
  /** Orders accepted and fills (trades) made for the accounts; user data reports sent and dropped. */
  readonly orders: number;
  readonly fills: number;
  /** New-order requests (signed, new or cancel-replace) that reached the exchange, counted on arrival, before any order latency or reject. */
  readonly ordersReceived: number;
  /** Requests to POST /api/v3/order/cancelReplace, served or not (`cancelReplace: false`). */
  readonly cancelReplaceRequests: number;
  /** Events released by `step()` (0 for a replay that runs on its own). */
  readonly stepped: number;
  /** Market data stream messages a `step` held, waiting for `releaseMarketData()`. */
  readonly heldMessages: number;
  readonly reportsSent: number;
  readonly reportsDropped: number;
  /** User data stream subscriptions open (userDataStream.subscribe.signature). */
  readonly userSubscriptions: number;
  readonly markets: readonly { symbol: string; id: string; tickSize: string; lotSize: string; channels: string[] }[];
  /** Facts about the data (sequence gaps, crossed books), one line each. */
  readonly warnings: readonly string[];
}

export interface LocalExchangeStepOptions {
  /**
   * Match the open orders against the events and send their reports now,
   * but hold the events' market data stream messages until
   * `releaseMarketData()` (or the next step, or `start()`). A client waits
   * until the fills have reached it, then has the data released: it takes
   * in an event's fills before the event, as a backtest's strategy does,
   * however its market data and its reports travel (another socket, another
   * thread). REST answers as of the replay's time meanwhile.
   */
  readonly holdMarketData?: boolean;
}

export interface LocalExchange {
  /** http://HOST:PORT */
  readonly url: string;
  /** ws://HOST:PORT/ws */
  readonly wsUrl: string;
  readonly port: number;
  /** Starts the replay (when started 'manual'; no-op once started). */
  start(): void;
  /**
   * A 'manual' replay not started: replays the next `events` events now,
   * whatever the speed, and their fills; the replay waits again after them.
   * Returns the number replayed (fewer at the end of the data).
   */
  step(events: number, options?: LocalExchangeStepOptions): number;
  /** Sends the market data messages a step held (`holdMarketData`); returns how many. */
  releaseMarketData(): number;
  status(): LocalExchangeStatus;
  /** Closes every socket and the server; resolves when all are closed. */
  close(): Promise<void>;
}

/** Back-pressure at `speed` 0: the replay waits while any subscriber has more than this many bytes queued. */
const HIGH_WATER = 1 << 20;
/** Events per turn of the event loop at `speed` 0, so REST requests are answered meanwhile. */
const BATCH = 256;

const CANCEL_REPLACE_PATH = '/api/v3/order/cancelReplace';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts the local exchange: reads the files, listens, and replays them as Binance spot streams and REST. */
export async function startLocalExchange(options: LocalExchangeOptions): Promise<LocalExchange> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !/^127\./.test(host) && options.allowRemote !== true) {
    throw new InputError({ code: 'invalid_option', field: '--host', value: host, message: 'not a loopback address: the local exchange serves this machine only unless --allow-remote is given' });
  }
  const speed = options.speed ?? 1;
  check(Number.isFinite(speed) && speed >= 0, '--speed', String(speed), 'must be 0 (as fast as the clients read) or a positive number');
  const dropEvery = options.dropEvery ?? 0;
  check(Number.isSafeInteger(dropEvery) && (dropEvery === 0 || dropEvery >= 2), '--drop-every', String(dropEvery), 'must be an integer of at least 2 (0: no drops)');
  const disconnectEvery = options.disconnectEverySeconds ?? 0;
  check(Number.isFinite(disconnectEvery) && disconnectEvery >= 0, '--disconnect-every', String(disconnectEvery), 'must be a number of seconds >= 0');
  const delayMs = options.delayMs ?? 0;
  check(Number.isFinite(delayMs) && delayMs >= 0, '--delay-ms', String(delayMs), 'must be a number of ms >= 0');
  const port = options.port ?? 0;
  check(Number.isSafeInteger(port) && port >= 0 && port <= 65535, '--port', String(port), 'must be a port number 0..65535');
  const startMode = options.start ?? 'subscribe';
  if (options.rateLimit !== undefined) {
    const { requests, windowSeconds } = options.rateLimit;
    check(Number.isSafeInteger(requests) && requests >= 1 && Number.isFinite(windowSeconds) && windowSeconds > 0, '--rate-limit', `${requests}/${windowSeconds}`, 'expected N/S: N >= 1 requests per S > 0 seconds');
  }
  for (const [field, v] of [['--tick-size', options.tickSize], ['--lot-size', options.lotSize]] as const) {
    if (v !== undefined) check(/^(?:0\.0*[1-9]\d*|[1-9]\d*(?:\.\d+)?)$/.test(v), field, v, 'expected a positive decimal (0.01)');
  }

  const feeRate = options.feeRate ?? 0.001;
  check(Number.isFinite(feeRate) && feeRate >= 0 && feeRate < 1, '--fee-rate', String(feeRate), 'must be a fraction >= 0 and < 1 (0.001)');
  const feeAsset = options.feeAsset ?? 'quote';
  check(feeAsset === 'quote' || feeAsset === 'base', '--fee-asset', String(feeAsset), 'expected quote or base');
  const clockSkewMs = options.clockSkewMs ?? 0;
  check(Number.isSafeInteger(clockSkewMs), '--clock-skew-ms', String(clockSkewMs), 'must be a whole number of ms (may be negative)');
  /** The server's clock (ms): the wall clock, skewed as asked; the replay's data time is only in what it serves. */
  const serverNowMs = (): number => Date.now() + clockSkewMs;
  const orderLatencyMs = options.orderLatencyMs ?? 0;
  check(Number.isFinite(orderLatencyMs) && orderLatencyMs >= 0, '--order-latency-ms', String(orderLatencyMs), 'must be a number of ms >= 0');
  const rejectEvery = options.rejectEvery ?? 0;
  check(Number.isSafeInteger(rejectEvery) && rejectEvery >= 0, '--reject-every', String(rejectEvery), 'must be an integer >= 1 (0: no rejects)');
  const dropReportsEvery = options.dropReportsEvery ?? 0;
  check(Number.isSafeInteger(dropReportsEvery) && (dropReportsEvery === 0 || dropReportsEvery >= 2), '--drop-reports-every', String(dropReportsEvery), 'must be an integer of at least 2 (0: no drops)');
  const slippageBps = options.slippageBps ?? 0;
  check(Number.isSafeInteger(slippageBps) && slippageBps >= 0 && slippageBps < 10_000, '--slippage-bps', String(slippageBps), 'must be a whole number of basis points from 0 to 9999');
  const accounts = buildAccounts(options.accounts ?? [], options.balances ?? {});

  const files = options.data.map((d) => (typeof d === 'string' ? { path: d } : d));
  const dataset = loadExchangeDataset(files, {
    ...(options.tickSize !== undefined ? { tickSize: options.tickSize } : {}),
    ...(options.lotSize !== undefined ? { lotSize: options.lotSize } : {}),
  });
  const replay = new MarketReplay(dataset);
  const userStreams = new UserStreams(accounts, { dropEvery: dropReportsEvery, delayMs }, serverNowMs);
  const matcher = new OrderMatcher(
    replay,
    { feeRate, feeAsset, rejectEvery, partialFills: options.partialFills === true, slippageBps },
    {
      orderUpdate: (order, execution, trade) => userStreams.publish(order.account, executionReport(order, execution, trade, Math.floor(replay.now / 1000))),
      balanceUpdate: (account, assets) => userStreams.publish(account, accountPosition(account, assets, Math.floor(replay.now / 1000))),
    },
  );
  const limiter = options.rateLimit === undefined ? undefined : new RestRateLimiter(options.rateLimit.requests, options.rateLimit.windowSeconds * 1000);

  const connections = new Set<StreamConnection>();
  const subscribers = new Map<string, Set<StreamConnection>>();
  const counters = { ordersReceived: 0, cancelReplaceRequests: 0, stepped: 0, restRequests: 0, rateLimited: 0, banned: 0, disconnects: 0, sentByClosed: 0, droppedByClosed: 0 };
  const pendingRest = new Set<NodeJS.Timeout>();
  let started = false;
  let doneReported = false;
  let closed = false;
  let pumpTimer: NodeJS.Timeout | undefined;
  let pumpImmediate: NodeJS.Immediate | undefined;
  let startWall = 0;
  let startData = 0;
  let nextDisconnect = Infinity;

  const send = (stream: string, payload: string): void => {
    const set = subscribers.get(stream);
    if (set !== undefined) for (const c of set) c.deliver(stream, payload);
  };
  // Market data a step held (LocalExchangeStepOptions.holdMarketData): stream, payload, stream, ...
  const heldData: string[] = [];
  let holding = false;
  const publish = (stream: string, payload: string): void => {
    if (holding) heldData.push(stream, payload);
    else send(stream, payload);
  };
  function releaseMarketData(): number {
    const n = heldData.length / 2;
    for (let i = 0; i < heldData.length; i += 2) send(heldData[i] as string, heldData[i + 1] as string);
    heldData.length = 0;
    return n;
  }
  const subscriptionCount = (): number => {
    let n = 0;
    for (const c of connections) n += c.streams.size;
    return n;
  };

  const schedule = (ms: number): void => {
    if (closed || pumpTimer !== undefined || pumpImmediate !== undefined) return;
    if (ms <= 0) pumpImmediate = setImmediate(pump);
    else pumpTimer = setTimeout(pump, ms);
  };

  function pump(): void {
    pumpTimer = undefined;
    pumpImmediate = undefined;
    if (closed) return;
    for (let n = 0; n < BATCH && !replay.done; n++) {
      const t = replay.nextTime();
      if (speed === 0) {
        // As fast as the clients read: nobody subscribed, nothing goes; a full socket, wait.
        if (subscriptionCount() === 0) return; // resumed by the next SUBSCRIBE
        for (const c of connections) {
          if (c.streams.size > 0 && c.backlog > HIGH_WATER) {
            schedule(2);
            return;
          }
        }
      } else {
        const due = startWall + (t - startData) / 1000 / speed;
        const wait = due - performance.now();
        if (wait > 0) {
          schedule(Math.ceil(wait));
          return;
        }
      }
      if (t >= nextDisconnect) {
        disconnectAll();
        while (nextDisconnect <= t) nextDisconnect += disconnectEvery * 1e6;
        if (speed === 0) return; // goes on when a client subscribes again
      }
      replay.step(publish);
      matcher.onEvent();
    }
    if (!replay.done) schedule(0);
    else reportDone();
  }

  function reportDone(): void {
    if (doneReported || !replay.done) return;
    doneReported = true;
    options.onReplayDone?.();
  }

  function step(events: number, stepOptions: LocalExchangeStepOptions = {}): number {
    check(Number.isSafeInteger(events) && events >= 1, 'events', String(events), 'must be a whole number of events >= 1');
    if (started) throw new InputError({ code: 'invalid_option', field: 'events', value: String(events), message: 'the replay runs on its own: only a manual replay not started can be stepped' });
    if (closed) return 0;
    // What an earlier step held goes first: the messages stay in time order.
    releaseMarketData();
    holding = stepOptions.holdMarketData === true;
    let n = 0;
    try {
      if (counters.stepped === 0 && disconnectEvery > 0 && !replay.done) nextDisconnect = replay.nextTime() + disconnectEvery * 1e6;
      while (n < events && !replay.done) {
        const t = replay.nextTime();
        if (t >= nextDisconnect) {
          disconnectAll();
          while (nextDisconnect <= t) nextDisconnect += disconnectEvery * 1e6;
        }
        replay.step(publish);
        matcher.onEvent();
        n++;
      }
    } finally {
      holding = false;
    }
    counters.stepped += n;
    reportDone();
    return n;
  }

  function start(): void {
    if (started || closed) return;
    started = true;
    releaseMarketData();
    startWall = performance.now();
    startData = replay.nextTime();
    if (disconnectEvery > 0 && Number.isFinite(startData)) nextDisconnect = startData + disconnectEvery * 1e6;
    schedule(0);
  }

  function forget(c: StreamConnection): void {
    if (!connections.delete(c)) return;
    for (const s of c.streams) subscribers.get(s)?.delete(c);
    counters.sentByClosed += c.sent;
    counters.droppedByClosed += c.dropped;
    c.dispose();
  }

  function disconnectAll(): void {
    for (const c of [...connections]) {
      counters.disconnects++;
      forget(c);
      c.ws.terminate(); // a dropped connection, as a network fault looks to the client
    }
  }

  const subscribe = (c: StreamConnection, names: readonly string[]): void => {
    for (const raw of names) {
      const name = raw.toLowerCase();
      c.streams.add(name);
      let set = subscribers.get(name);
      if (set === undefined) subscribers.set(name, (set = new Set()));
      set.add(c);
    }
  };

  const onMessage = (c: StreamConnection, data: RawData): void => {
    let msg: { method?: unknown; params?: unknown; id?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      c.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON: the request is not JSON' }, id: null }));
      return;
    }
    const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
    const params = Array.isArray(msg.params) ? msg.params.filter((p): p is string => typeof p === 'string') : [];
    switch (msg.method) {
      case 'SUBSCRIBE':
        subscribe(c, params);
        c.send(JSON.stringify({ result: null, id }));
        if (startMode === 'subscribe') start();
        if (started) schedule(0); // a replay waiting for a reader goes on
        return;
      case 'UNSUBSCRIBE':
        for (const p of params) {
          c.streams.delete(p.toLowerCase());
          subscribers.get(p.toLowerCase())?.delete(c);
        }
        c.send(JSON.stringify({ result: null, id }));
        return;
      case 'LIST_SUBSCRIPTIONS':
        c.send(JSON.stringify({ result: [...c.streams], id }));
        return;
      default:
        c.send(JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown method ${String(msg.method)}` }, id }));
    }
  };

  // Loaded here, not with the module: importing the package must not pay for it.
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ noServer: true });
  const onConnection = (ws: WebSocket, req: IncomingMessage): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const combined = url.pathname === '/stream' || url.pathname.startsWith('/stream/');
    const c = new StreamConnection(ws, combined, { dropEvery, delayMs });
    connections.add(c);
    ws.on('message', (data) => onMessage(c, data));
    ws.on('close', () => forget(c));
    ws.on('error', () => forget(c));
    // Binance's raw streams: /ws/<stream>; combined: /stream?streams=a/b. ccxt's /ws/<n> names no stream.
    const named = combined ? (url.searchParams.get('streams') ?? '').split('/') : [url.pathname.slice('/ws/'.length)];
    const streams = named.filter((s) => s.includes('@'));
    if (streams.length > 0) {
      subscribe(c, streams);
      if (startMode === 'subscribe') start();
      if (started) schedule(0);
    }
  };

  const server = createServer((req, res) => onRequest(req, res));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/ws-api/v3') {
      wss.handleUpgrade(req, socket, head, (ws) => userStreams.accept(ws));
      return;
    }
    if (!(path === '/ws' || path.startsWith('/ws/') || path === '/stream' || path.startsWith('/stream/'))) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  });

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status: number, body: string, headers: Record<string, string> = {}): void => {
      const write = (): void => {
        res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
        res.end(body);
      };
      if (delayMs <= 0) return write();
      const timer = setTimeout(() => {
        pendingRest.delete(timer);
        write();
      }, delayMs);
      pendingRest.add(timer);
    };
    if (url.pathname === '/quantflow/status') return reply(200, JSON.stringify(status()));
    if (url.pathname === '/quantflow/start') {
      if (req.method !== 'POST') return reply(405, JSON.stringify({ code: -1, msg: 'POST to start the replay' }));
      start();
      return reply(200, JSON.stringify(status()));
    }
    if (url.pathname === '/quantflow/release') {
      if (req.method !== 'POST') return reply(405, JSON.stringify({ code: -1, msg: 'POST to release the market data a step held' }));
      releaseMarketData();
      return reply(200, JSON.stringify(status()));
    }
    if (url.pathname === '/quantflow/step') {
      if (req.method !== 'POST') return reply(405, JSON.stringify({ code: -1, msg: 'POST to step the replay' }));
      const given = url.searchParams.get('events') ?? '1';
      const events = /^\d+$/.test(given) ? Number(given) : NaN;
      const hold = url.searchParams.get('hold');
      if (hold !== null && hold !== 'market-data') return reply(400, JSON.stringify({ code: -1, msg: `hold: value '${hold}': the one thing a step holds is 'market-data'` }));
      try {
        step(events, { holdMarketData: hold === 'market-data' });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        return reply(started ? 409 : 400, JSON.stringify({ code: -1, msg: e.message }));
      }
      return reply(200, JSON.stringify(status()));
    }
    counters.restRequests++;
    if (limiter !== undefined) {
      const ip = req.socket.remoteAddress ?? '';
      const verdict = limiter.check(ip);
      if (verdict.status === 429) {
        counters.rateLimited++;
        const { requests, windowSeconds } = options.rateLimit as NonNullable<LocalExchangeOptions['rateLimit']>;
        return reply(
          429,
          JSON.stringify({ code: -1003, msg: `Too many requests; current limit of IP(${ip}) is ${requests} requests per ${windowSeconds} seconds. Please use WebSocket Streams for live updates to avoid polling the API.` }),
          { 'retry-after': String(verdict.retryAfterSeconds) },
        );
      }
      if (verdict.status === 418) {
        counters.banned++;
        return reply(418, JSON.stringify({ code: -1003, msg: `Way too many requests; IP(${ip}) banned until ${verdict.until}. Please use WebSocket Streams for live updates to avoid bans.` }), {
          'retry-after': String(verdict.retryAfterSeconds),
        });
      }
    }
    if (url.pathname === CANCEL_REPLACE_PATH) {
      counters.cancelReplaceRequests++;
      if (options.cancelReplace === false) return reply(404, JSON.stringify({ code: -1000, msg: `Unknown endpoint ${url.pathname}: this exchange has no cancel-replace (--no-cancel-replace).` }));
    }
    if (PRIVATE_PATHS.has(url.pathname)) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const query = url.search.slice(1);
        const params = new URLSearchParams(query);
        for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
        const header = req.headers['x-mbx-apikey'];
        const verdict = verifySigned(accounts, Array.isArray(header) ? header[0] : header, withoutSignature(query) + withoutSignature(body), {
          signature: params.get('signature') ?? undefined,
          timestamp: params.get('timestamp') ?? undefined,
          recvWindow: params.get('recvWindow') ?? undefined,
        }, serverNowMs());
        if ('code' in verdict) {
          const e = apiError(verdict);
          return reply(e.status, e.body);
        }
        if (req.method === 'POST' && (url.pathname === '/api/v3/order' || url.pathname === '/api/v3/order/cancelReplace')) counters.ordersReceived++;
        const answer = (): void => {
          if (closed) return;
          const a =
            url.pathname === '/api/v3/order/cancelReplace' && req.method === 'POST'
              ? cancelReplace(replay, matcher, verdict, params)
              : answerPrivate(replay, matcher, verdict, req.method ?? 'GET', url.pathname, params);
          reply(a.status, a.body);
        };
        // New and cancel requests reach the matcher late; queries answer at once.
        if (orderLatencyMs > 0 && url.pathname.startsWith('/api/v3/order') && req.method !== 'GET') {
          const timer = setTimeout(() => {
            pendingRest.delete(timer);
            answer();
          }, orderLatencyMs);
          pendingRest.add(timer);
        } else answer();
      });
      return;
    }
    if (req.method !== 'GET') return reply(405, JSON.stringify({ code: -1000, msg: 'The local exchange serves market data only (GET).' }));
    const answer = answerRest(replay, url.pathname, url.searchParams, serverNowMs(), options.cancelReplace !== false);
    reply(answer.status, answer.body);
  }

  function status(): LocalExchangeStatus {
    let sent = counters.sentByClosed;
    let dropped = counters.droppedByClosed;
    for (const c of connections) {
      sent += c.sent;
      dropped += c.dropped;
    }
    return {
      started,
      done: replay.done,
      position: replay.position,
      events: replay.total,
      timeMicros: replay.now,
      time: formatIso(replay.now),
      connections: connections.size,
      subscriptions: subscriptionCount(),
      messagesSent: sent,
      messagesDropped: dropped,
      disconnects: counters.disconnects,
      restRequests: counters.restRequests,
      rateLimited: counters.rateLimited,
      banned: counters.banned,
      orders: matcher.orders.length,
      fills: matcher.trades.length,
      ordersReceived: counters.ordersReceived,
      cancelReplaceRequests: counters.cancelReplaceRequests,
      stepped: counters.stepped,
      heldMessages: heldData.length / 2,
      reportsSent: userStreams.counts.sent,
      reportsDropped: userStreams.counts.dropped,
      userSubscriptions: userStreams.counts.subscriptions,
      markets: replay.states.map(({ market: m }) => ({
        symbol: m.symbol,
        id: m.id,
        tickSize: m.tickSize,
        lotSize: m.lotSize,
        channels: [
          ...(m.trades !== null ? ['trades'] : []),
          ...(m.book !== null ? ['book'] : []),
          ...(m.quotes !== null || m.book !== null ? ['quotes'] : []),
          ...m.bars.map((b) => `bars ${b.interval}`),
        ],
      })),
      warnings: dataset.warnings.map((w: Issue) => formatIssue(w)),
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL' ? new InputError({ code: 'invalid_option', field: '--port', value: `${host}:${port}`, message: `cannot listen there: ${e.code}` }) : e),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  if (startMode === 'listen') start();

  return {
    url: `http://${hostInUrl}:${boundPort}`,
    wsUrl: `ws://${hostInUrl}:${boundPort}/ws`,
    port: boundPort,
    start,
    step,
    releaseMarketData,
    status,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (pumpTimer !== undefined) clearTimeout(pumpTimer);
      if (pumpImmediate !== undefined) clearImmediate(pumpImmediate);
      for (const t of pendingRest) clearTimeout(t);
      pendingRest.clear();
      for (const c of [...connections]) {
        forget(c);
        c.ws.terminate();
      }
      userStreams.closeAll();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await done;
    },
  };
}

function check(ok: boolean, field: string, value: string, message: string): void {
  if (!ok) throw new InputError({ code: 'invalid_option', field, value, message });
}
