import { InputError } from '../core/errors.js';
import { moduleUrl } from '../core/module-url.js';
import type { CcxtSourceOptions } from './ccxt/ccxt-source.js';
import { startIoThread, type IoThread, type SourceSpec } from './feed/io-thread.js';
import { FileReplaySource } from './replay-source.js';
import type { LiveMarket, MarketEventSink, MarketSource, MarketSubscription } from './source.js';

/** What `--exchange` (with `--url` and `--speed`) names. */
export interface SourceRequest {
  readonly exchange: string;
  /** A local exchange's base URL (`quantflow exchange`), for exchange ids. */
  readonly url?: string | undefined;
  /** Replays: market time per wall time (0: as fast as possible). */
  readonly speed?: number | undefined;
  /** Replays of book files: a sequence gap fails the run (default) or is replayed as written ('warn'). */
  readonly onGap?: 'fail' | 'warn' | undefined;
}

/** A market source ready to run, with what the paper run needs to know of it. */
export interface SourceChoice {
  readonly source: MarketSource;
  /** For summary.json. */
  readonly name: string;
  /** Market time per wall time between events (LiveDriver.timeRate). */
  readonly timeRate: number;
}

export type SourceFactory = (request: SourceRequest) => SourceChoice;

const factories = new Map<string, SourceFactory>();

/**
 * Makes exchange id `id` available to `quantflow paper --exchange id` (the
 * ccxt source registers its exchanges; tests may register their own). The
 * latest registration of an id wins.
 */
export function registerMarketSource(id: string, factory: SourceFactory): void {
  factories.set(id.toLowerCase(), factory);
}

/** The ids registered so far, for messages. */
export function marketSourceIds(): string[] {
  return [...factories.keys()].sort();
}

/**
 * The market source `--exchange` names: `replay:FILE[,FILE...]` replays data
 * files (FileReplaySource; `speed` paces it), an id registered with
 * registerMarketSource is that source, and any other value a ccxt pro exchange
 * id (CcxtSource on an I/O thread; an id ccxt does not know is an input error
 * when the source is first asked for its markets).
 */
export function resolveMarketSource(request: SourceRequest): SourceChoice {
  const { exchange } = request;
  if (exchange.startsWith('replay:')) {
    const files = exchange.slice('replay:'.length).split(',').filter((f) => f !== '');
    if (files.length === 0) throw new InputError({ code: 'invalid_option', field: '--exchange', value: exchange, message: 'replay: needs a data file (replay:FILE)' });
    if (request.url !== undefined) throw new InputError({ code: 'invalid_option', field: '--url', value: request.url, message: 'a replay reads files; --url is for an exchange id' });
    const speed = request.speed ?? 0;
    return { source: new FileReplaySource({ files, speed, onGap: request.onGap }), name: exchange, timeRate: speed };
  }
  const factory = factories.get(exchange.toLowerCase());
  return factory !== undefined ? factory(request) : ccxtSource(request);
}

/**
 * A market source run on an I/O thread (src/live/feed): the source named by
 * `spec` is built on the thread, its events come back through the event
 * ring, so that the source's library (ccxt) is never loaded on the trading
 * thread. The thread that described the markets runs the subscription to
 * the same symbols: one thread, one connection set-up, one markets load.
 */
export class ThreadedSource implements MarketSource {
  /** The thread `markets` started, waiting for `run`. */
  private waiting: { readonly symbols: string; readonly io: IoThread } | undefined;

  constructor(private readonly spec: SourceSpec) {}

  async markets(symbols: readonly string[]): Promise<readonly LiveMarket[]> {
    void this.waiting?.io.close();
    // The paper run measures receive -> strategy itself: the thread records no latency of its own.
    const io = startIoThread({ source: this.spec, subscription: { symbols, channels: [], timeframe: '1m' }, latency: false, awaitRun: true });
    this.waiting = { symbols: symbols.join('\n'), io };
    try {
      return await io.markets;
    } catch (e) {
      this.waiting = undefined;
      await io.close();
      throw e;
    }
  }

  run(subscription: MarketSubscription, sink: MarketEventSink, signal: AbortSignal): Promise<void> {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined && waiting.symbols === subscription.symbols.join('\n')) {
      waiting.io.run(subscription);
      return waiting.io.pump(sink, signal);
    }
    void waiting?.io.close();
    return startIoThread({ source: this.spec, subscription, latency: false }).pump(sink, signal);
  }
}

/** The module of CcxtSource, as the I/O thread imports it (the .ts file when running from the sources). */
const CCXT_SOURCE_MODULE = moduleUrl('live/ccxt/ccxt-source');

/** Any exchange ccxt pro can watch, through CcxtSource on an I/O thread; `--url` points it at a local exchange. */
function ccxtSource(request: SourceRequest): SourceChoice {
  const options: CcxtSourceOptions = { exchange: request.exchange.toLowerCase(), ...(request.url !== undefined ? { urls: request.url } : {}) };
  return { source: new ThreadedSource({ module: CCXT_SOURCE_MODULE, export: 'CcxtSource', options }), name: request.exchange, timeRate: 1 };
}
