import type { Logger } from 'pino';
import { InputError } from '../../core/errors.js';
import { lazyPackage } from '../../core/lazy-package.js';
import type { Micros } from '../../core/time.js';
import { WallClock } from '../../kernel/clock.js';
import { SIDE_BUY, SIDE_SELL, SIDE_UNKNOWN } from '../../model/market.js';
import type { DataChannel, IncidentKind, LiveMarket, MarketEventSink, MarketSource, MarketSubscription } from '../source.js';
import { BarCloser, type Candle } from './bar-closer.js';
import { Backoff, backoffOptionsOf, type BackoffOptions } from './backoff.js';
import { BookDiffer } from './book-differ.js';
import { createExchange, overrideBaseUrl, type CcxtMarket, type CcxtProExchange, type CcxtTicker, type ClosedCandles } from './exchange.js';
import { classifyFault } from './faults.js';
import { StaleWatchdog } from './stale-watchdog.js';

export interface CcxtSourceOptions {
  /** A ccxt pro exchange id: binance, kraken, ... */
  readonly exchange: string;
  /** Base URL that replaces the exchange's origin (a local exchange: http://127.0.0.1:PORT). */
  readonly urls?: string;
  /** ccxt exchange options, merged over the source's defaults (see exchange.ts). */
  readonly options?: Record<string, unknown>;
  /** Where incidents and errors are logged; JSON lines on stderr by default. */
  readonly log?: Logger;
  /** A stream silent this long is reported stale (`stale_feed`); default 30 s. */
  readonly staleAfterMs?: number;
  /** Reconnect schedule; defaults in DEFAULT_BACKOFF. */
  readonly backoff?: Partial<BackoffOptions>;
  /** Uniform [0, 1) for the backoff's jitter: a seeded generator's nextFloat in tests; Math.random by default. */
  readonly random?: () => number;
  /** Book levels kept per side (ccxt's watchOrderBook limit, also the REST snapshot's); ccxt's default (1000 on binance) when not given. */
  readonly bookDepth?: number;
}

export const DEFAULT_STALE_AFTER_MS = 30_000;

const CHANNELS: readonly DataChannel[] = ['trades', 'quotes', 'book', 'bars'];

/** One stream's watch step: one await of its watch method and the events of what it returned. */
interface Step {
  watch(): Promise<void>;
  /** A fault interrupted the stream (before the loop waits and watches again). */
  onFault(): void;
  /** The next watch() makes a REST request (a book snapshot, missed bars), so it must respect a rate limit's hold. */
  needsRest(): boolean;
}

/** One watch loop's identity and state, shared by its steps and its fault handling. */
interface Stream {
  readonly index: number;
  readonly symbolIndex: number;
  readonly symbol: string;
  readonly channel: DataChannel;
  /** A fault happened since data last flowed: the next data reports `connected`. */
  down: boolean;
  /** Data has flowed at least once. */
  up: boolean;
  /** A book gap was reported and the resync not yet seen. */
  gap: boolean;
}

/** Loaded when a source without a logger of its own is made (the I/O thread's), not by importing the package. */
const pinoLib = lazyPackage<typeof import('pino')>('pino');

/**
 * Live market data through ccxt pro's watch methods (MarketSource): per
 * symbol and channel a loop that awaits the watch method, takes what is new
 * and pushes it into the sink. Faults are incidents (see docs/live.md,
 * "Market data through ccxt"): reconnects with backoff and jitter, book gaps
 * resynchronized from a REST snapshot, rate limits honoured, stale streams.
 */
export class CcxtSource implements MarketSource {
  private readonly exchange: CcxtProExchange & { readonly closedCandles: ClosedCandles };
  private readonly log: Logger;
  private readonly staleAfterMs: number;
  private readonly backoffOptions: BackoffOptions;
  private readonly random: () => number;
  private readonly bookDepth: number | undefined;
  private readonly clock = new WallClock();
  private loaded: Promise<Record<string, CcxtMarket>> | undefined;
  private urlsDone = false;
  /** Date.now() before which no REST request may go out (a rate limit's Retry-After). */
  private restNotBefore = 0;

  constructor(private readonly options: CcxtSourceOptions) {
    const stale = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    if (!(stale > 0 && stale < Infinity)) {
      throw new InputError({ code: 'invalid_option', field: 'staleAfterMs', value: String(stale), message: 'must be a number of milliseconds > 0' });
    }
    const depth = options.bookDepth;
    if (depth !== undefined && !(Number.isInteger(depth) && depth >= 1)) {
      throw new InputError({ code: 'invalid_option', field: 'bookDepth', value: String(depth), message: 'must be an integer >= 1' });
    }
    this.staleAfterMs = stale;
    this.bookDepth = depth;
    this.backoffOptions = backoffOptionsOf(options.backoff);
    this.random = options.random ?? Math.random;
    this.log = options.log ?? pinoLib().pino({ base: null }, pinoLib().destination(2));
    this.exchange = createExchange(options.exchange, options.options);
  }

  /** The ccxt exchange the source watches (for REST history, or to inspect it in tests). */
  get ccxt(): CcxtProExchange {
    return this.exchange;
  }

  async markets(symbols: readonly string[]): Promise<readonly LiveMarket[]> {
    let markets: Record<string, CcxtMarket>;
    try {
      markets = await this.loadMarkets();
    } catch (e) {
      // Nothing was running yet: an exchange that cannot be reached at the start is the settings' problem (a wrong --url, no network), one line.
      if (classifyFault(e, false).kind !== 'network') throw e;
      const url = this.options.urls;
      throw new InputError({
        code: 'invalid_option',
        field: url !== undefined ? '--url' : '--exchange',
        value: url ?? this.options.exchange,
        message: `cannot reach ${this.options.exchange} to load its markets: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
    return symbols.map((s) => this.liveMarket(this.marketOf(markets, s)));
  }

  async run(subscription: MarketSubscription, sink: MarketEventSink, signal: AbortSignal): Promise<void> {
    this.checkSubscription(subscription);
    if (signal.aborted) return;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const report = (kind: IncidentKind, symbol: string, channel: string, detail: string): void => this.report(sink, kind, symbol, channel, detail);
    const streams: Stream[] = [];
    for (let s = 0; s < subscription.symbols.length; s++) {
      for (const channel of CHANNELS) {
        if (!subscription.channels.includes(channel)) continue;
        const symbol = subscription.symbols[s] as string;
        streams.push({ index: streams.length, symbolIndex: s, symbol, channel, down: false, up: false, gap: false });
      }
    }
    const watchdog = new StaleWatchdog(
      streams.length,
      this.staleAfterMs,
      () => this.clock.now() / 1000,
      (i, silent) => {
        const st = streams[i] as Stream;
        report('stale_feed', st.symbol, st.channel, `no ${st.channel} data for ${Math.round(silent)} ms (stale after ${this.staleAfterMs} ms)`);
      },
      (i, silent) => {
        const st = streams[i] as Stream;
        report('feed_resumed', st.symbol, st.channel, `${st.channel} data again after ${Math.round(silent)} ms`);
      },
    );
    let failure: unknown;
    let failed = false;
    const closing = new Promise<void>((resolve) => {
      stop.signal.addEventListener('abort', () => void this.exchange.close().then(resolve, resolve), { once: true });
    });
    try {
      const markets = await this.loadWithRetries(report, stop.signal);
      if (markets === undefined) return;
      const marketsBySymbol = subscription.symbols.map((s) => this.marketOf(markets, s));
      watchdog.start();
      await Promise.all(
        streams.map((st) =>
          this.loop(st, marketsBySymbol[st.symbolIndex] as CcxtMarket, subscription.timeframe, sink, watchdog, report, stop.signal).catch((e: unknown) => {
            if (!failed) {
              failed = true;
              failure = e;
              this.log.error({ symbol: st.symbol, channel: st.channel, err: e }, `${st.channel} ${st.symbol}: stopping on ${errorText(e)}`);
            }
            stop.abort();
          }),
        ),
      );
    } finally {
      watchdog.stop();
      signal.removeEventListener('abort', onAbort);
      stop.abort();
      await closing;
      // Anything a loop opened while the first close ran.
      await this.exchange.close();
    }
    if (failed) throw failure;
  }

  private async loop(
    st: Stream,
    market: CcxtMarket,
    timeframe: string,
    sink: MarketEventSink,
    watchdog: StaleWatchdog,
    report: (kind: IncidentKind, symbol: string, channel: string, detail: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const backoff = new Backoff(this.backoffOptions, this.random);
    const received = (): Micros => {
      const now = this.clock.now();
      watchdog.touch(st.index);
      if (!st.up || st.down) {
        report('connected', st.symbol, st.channel, st.up ? `${st.channel} flowing again after ${backoff.attempts} retries` : `${st.channel} flowing`);
        st.up = true;
        st.down = false;
        backoff.reset();
      }
      return now;
    };
    const step = this.stepOf(st, market, timeframe, sink, received, report);
    let lastError: unknown;
    while (!signal.aborted) {
      try {
        if (step.needsRest()) await this.restHold(signal);
        if (signal.aborted) return;
        await step.watch();
      } catch (e) {
        const fault = classifyFault(e, signal.aborted);
        if (fault.kind === 'aborted') return;
        if (fault.kind === 'fatal') throw e;
        step.onFault();
        if (e === lastError) {
          // The same error object again: ccxt handing back a fault already
          // reported, not a new one. Wait and watch again.
          const delay = backoff.next();
          this.log.debug({ symbol: st.symbol, channel: st.channel }, `${st.channel} ${st.symbol}: same fault again, watching again in ${delay} ms`);
          await sleep(delay, signal);
          continue;
        }
        lastError = e;
        if (fault.kind === 'book_gap') {
          // A gap while the last one is still being resynced (updates lost
          // during the snapshot's round trip) waits like a reconnect, so
          // repeated gaps cannot turn into a storm of snapshot requests.
          const delay = st.gap ? backoff.next() : 0;
          st.gap = true;
          report('book_gap', st.symbol, st.channel, `${fault.message}; resynchronizing from a REST snapshot${delay > 0 ? ` in ${delay} ms` : ''}`);
          if (delay > 0) await sleep(delay, signal);
          continue;
        }
        st.down = true;
        if (fault.kind === 'rate_limited') {
          const delay = backoff.next();
          const wait = fault.retryAfterMs === fault.retryAfterMs ? Math.max(fault.retryAfterMs, delay) : delay;
          const given = fault.retryAfterMs === fault.retryAfterMs ? `Retry-After ${fault.retryAfterMs} ms` : 'no Retry-After';
          this.holdRest(wait);
          report('rate_limited', st.symbol, st.channel, `${fault.message} (${given}); retrying in ${wait} ms`);
          await sleep(wait, signal);
        } else {
          report('disconnected', st.symbol, st.channel, fault.message);
          const delay = backoff.next();
          report('reconnecting', st.symbol, st.channel, `attempt ${backoff.attempts} in ${delay} ms`);
          await sleep(delay, signal);
        }
      }
    }
  }

  /** The watch step of one stream: one await of its watch method and the events of what it returned. */
  private stepOf(
    st: Stream,
    market: CcxtMarket,
    timeframe: string,
    sink: MarketEventSink,
    received: () => Micros,
    report: (kind: IncidentKind, symbol: string, channel: string, detail: string) => void,
  ): Step {
    const ex = this.exchange;
    const symbol = st.symbol;
    const i = st.symbolIndex;
    switch (st.channel) {
      case 'trades': {
        // Trades are sent in time order; one seen again (a replay after a
        // reconnect) is recognized by its time and id and skipped.
        let lastTime = -Infinity;
        const idsAtLastTime = new Set<string>();
        return {
          onFault: () => {},
          needsRest: () => false,
          watch: async () => {
            const trades = await ex.watchTrades(symbol);
            const rt = received();
            for (const t of trades) {
              const et = t.timestamp !== undefined ? t.timestamp * 1000 : rt;
              if (et < lastTime) continue;
              if (et > lastTime) {
                lastTime = et;
                idsAtLastTime.clear();
              }
              if (t.id !== undefined) {
                if (idsAtLastTime.has(t.id)) continue;
                idsAtLastTime.add(t.id);
              }
              const side = t.side === 'buy' ? SIDE_BUY : t.side === 'sell' ? SIDE_SELL : SIDE_UNKNOWN;
              sink.trade(i, et, rt, t.price, t.amount, side);
            }
          },
        };
      }
      case 'quotes': {
        // The latest quote when the watch returns (quotes that came in the
        // same read are superseded by it); the same ticker object is never sent twice.
        const viaBidsAsks = ex.has['watchBidsAsks'] === true;
        let lastSent: CcxtTicker | undefined;
        return {
          onFault: () => {},
          needsRest: () => false,
          watch: async () => {
            let ticker: CcxtTicker | undefined;
            if (viaBidsAsks) {
              const got = await ex.watchBidsAsks([symbol]);
              ticker = ex.bidsasks[symbol] ?? got[symbol];
            } else {
              const got = await ex.watchTicker(symbol);
              ticker = ex.tickers[symbol] ?? got;
            }
            const rt = received();
            if (ticker === undefined || ticker === lastSent) return;
            lastSent = ticker;
            const bid = ticker.bid ?? NaN;
            const ask = ticker.ask ?? NaN;
            if (bid !== bid && ask !== ask) return;
            const et = ticker.timestamp !== undefined ? ticker.timestamp * 1000 : rt;
            sink.quote(i, et, rt, bid, ask, ticker.bidVolume ?? NaN, ticker.askVolume ?? NaN);
          },
        };
      }
      case 'book': {
        const differ = new BookDiffer();
        const depth = this.bookDepth;
        return {
          // After any fault ccxt rebuilds the book from a REST snapshot: send it whole.
          onFault: () => {
            differ.restart();
            ex.forgetFuture(`orderbook::${symbol}`); // binance's (and most ccxt pro classes') hash of the book's future
          },
          // a (re)subscription starts with a REST snapshot
          needsRest: () => !st.up || st.down || st.gap,
          watch: async () => {
            const book = depth === undefined ? await ex.watchOrderBook(symbol) : await ex.watchOrderBook(symbol, depth);
            const rt = received();
            const sequence = book.nonce ?? -1;
            if (st.gap) {
              st.gap = false;
              report('book_resync', symbol, 'book', `book rebuilt from a REST snapshot at update id ${sequence} (${book.bids.length} bids, ${book.asks.length} asks); sent whole`);
            }
            const et = book.timestamp !== undefined ? book.timestamp * 1000 : rt;
            differ.picture(sink, i, et, rt, book.bids, book.asks, sequence);
          },
        };
      }
      case 'bars': {
        const closer = new BarCloser();
        const key = `${market.id}|${String(ex.timeframes[timeframe])}`;
        let rt = 0;
        const out = (t: number, o: number, h: number, l: number, c: number, v: number): void => sink.bar(i, t * 1000, rt, o, h, l, c, v);
        const closedByExchange = (t: number): boolean => ex.closedCandles.get(key)?.delete(t) === true;
        const notClosed = (): boolean => false;
        // After a fault the forming bar's updates may have been missed: it is
        // dropped, and the bars since the last one sent come from REST.
        let backfillFrom = NaN;
        return {
          onFault: () => {
            const dropped = closer.dropPending();
            const from = closer.lastSent > -Infinity ? closer.lastSent + 1 : dropped;
            if (backfillFrom !== backfillFrom) backfillFrom = from;
          },
          needsRest: () => backfillFrom === backfillFrom,
          watch: async () => {
            const candles = await ex.watchOHLCV(symbol, timeframe);
            rt = received();
            if (backfillFrom === backfillFrom) {
              const history = await ex.fetchOHLCV(symbol, timeframe, backfillFrom);
              backfillFrom = NaN;
              closer.push(history as Candle[], notClosed, out);
            }
            closer.push(candles as Candle[], closedByExchange, out);
            const closed = ex.closedCandles.get(key);
            if (closed !== undefined) for (const t of closed) if (t <= closer.lastSent) closed.delete(t);
          },
        };
      }
    }
  }

  /**
   * A rate limit applies to the client, not to one stream: after a 429/418
   * every stream's next REST request waits until the hold is over.
   */
  private holdRest(ms: number): void {
    this.restNotBefore = Math.max(this.restNotBefore, Date.now() + ms);
  }

  private async restHold(signal: AbortSignal): Promise<void> {
    const wait = this.restNotBefore - Date.now();
    if (wait > 0) await sleep(wait, signal);
  }

  private report(sink: MarketEventSink, kind: IncidentKind, symbol: string, channel: string, detail: string): void {
    sink.incident({ time: this.clock.now(), kind, symbol, channel, detail });
    const fields = { incident: kind, exchange: this.options.exchange, symbol, channel };
    const text = symbol !== '' ? `${kind} ${symbol} ${channel}: ${detail}` : `${kind}: ${detail}`;
    if (kind === 'connected' || kind === 'feed_resumed' || kind === 'book_resync') this.log.info(fields, text);
    else this.log.warn(fields, text);
  }

  private async loadMarkets(): Promise<Record<string, CcxtMarket>> {
    if (!this.urlsDone && this.options.urls !== undefined) {
      await overrideBaseUrl(this.exchange, this.options.urls);
    }
    this.urlsDone = true;
    if (this.loaded === undefined) {
      const loading = this.exchange.loadMarkets();
      this.loaded = loading;
      loading.catch(() => {
        if (this.loaded === loading) this.loaded = undefined;
      });
    }
    return this.loaded;
  }

  /** loadMarkets, retried like a stream (incidents on channel `rest`); undefined when aborted. */
  private async loadWithRetries(
    report: (kind: IncidentKind, symbol: string, channel: string, detail: string) => void,
    signal: AbortSignal,
  ): Promise<Record<string, CcxtMarket> | undefined> {
    const backoff = new Backoff(this.backoffOptions, this.random);
    while (!signal.aborted) {
      try {
        await this.restHold(signal);
        return await this.loadMarkets();
      } catch (e) {
        const fault = classifyFault(e, signal.aborted);
        if (fault.kind === 'aborted') return undefined;
        if (fault.kind === 'fatal' || fault.kind === 'book_gap') throw e;
        const delay = backoff.next();
        if (fault.kind === 'rate_limited') {
          const wait = fault.retryAfterMs === fault.retryAfterMs ? Math.max(fault.retryAfterMs, delay) : delay;
          this.holdRest(wait);
          report('rate_limited', '', 'rest', `loading markets: ${fault.message}; retrying in ${wait} ms`);
          await sleep(wait, signal);
        } else {
          report('reconnecting', '', 'rest', `loading markets: ${fault.message}; attempt ${backoff.attempts} in ${delay} ms`);
          await sleep(delay, signal);
        }
      }
    }
    return undefined;
  }

  private marketOf(markets: Record<string, CcxtMarket>, symbol: string): CcxtMarket {
    const m = Object.prototype.hasOwnProperty.call(markets, symbol) ? markets[symbol] : undefined;
    if (m === undefined) {
      throw new InputError({ code: 'invalid_option', field: 'symbol', value: symbol, message: `${this.options.exchange} has no market ${symbol} (symbols are ccxt's unified ones, like BTC/USDT)` });
    }
    return m;
  }

  private liveMarket(m: CcxtMarket): LiveMarket {
    return { symbol: m.symbol, id: m.id, base: m.base, quote: m.quote, tickSize: this.increment(m.precision.price), lotSize: this.increment(m.precision.amount) };
  }

  /** A market's price or amount precision as a decimal increment string ('0.01'); '0' when unknown. */
  private increment(p: number | undefined): string {
    if (p === undefined || !(p >= 0 && p < Infinity)) return '0';
    const mode = this.exchange.precisionMode;
    if (mode === TICK_SIZE) return this.exchange.numberToString(p);
    if (mode === DECIMAL_PLACES && Number.isInteger(p)) return p === 0 ? '1' : `0.${'0'.repeat(p - 1)}1`;
    return '0'; // significant digits: no fixed increment
  }

  private checkSubscription(sub: MarketSubscription): void {
    const bad = (field: string, value: string, message: string): InputError => new InputError({ code: 'invalid_option', field, value, message });
    if (sub.symbols.length === 0) throw bad('symbol', '', 'at least one symbol is needed');
    if (sub.channels.length === 0) throw bad('data', '', 'at least one of trades, quotes, book, bars is needed');
    const has = this.exchange.has;
    const id = this.options.exchange;
    for (const c of sub.channels) {
      if (!CHANNELS.includes(c)) throw bad('data', String(c), 'expected trades, quotes, book or bars');
      const ok =
        c === 'trades' ? has['watchTrades'] === true : c === 'book' ? has['watchOrderBook'] === true : c === 'bars' ? has['watchOHLCV'] === true : has['watchBidsAsks'] === true || has['watchTicker'] === true;
      if (!ok) throw bad('data', c, `${id} has no WebSocket stream for ${c} in ccxt`);
    }
    if (sub.channels.includes('bars') && !Object.prototype.hasOwnProperty.call(this.exchange.timeframes, sub.timeframe)) {
      throw bad('timeframe', sub.timeframe, `${id} has no such bar timeframe (it has ${Object.keys(this.exchange.timeframes).join(', ')})`);
    }
  }
}

// ccxt's precision modes (ccxt.DECIMAL_PLACES, ccxt.TICK_SIZE)
const DECIMAL_PLACES = 2;
const TICK_SIZE = 4;

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer behind. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
