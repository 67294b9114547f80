import { isMainThread } from 'node:worker_threads';
import { grownCopy } from '../../core/growable.js';
import { moduleUrl } from '../../core/module-url.js';
import { Xoshiro128 } from '../../core/random.js';
import type { Micros } from '../../core/time.js';
import { F_CLEAR, F_LAST, F_SNAPSHOT } from '../../model/market.js';
import type { DataChannel, Incident, LiveMarket, MarketEventSink, MarketSource, MarketSubscription } from '../source.js';
import { wallMicros } from './clock.js';

/** Plain data (it crosses to the I/O thread as JSON-like options). */
export interface SyntheticSourceOptions {
  /** Seed of the generator (default 1): the same seed and options give the same events. */
  readonly seed?: number;
  /** Market events to send, then `run` resolves; absent: until the signal aborts. */
  readonly events?: number;
  /** Events per second, paced on the wall clock; absent or 0: as fast as the sink takes them. */
  readonly ratePerSecond?: number;
  /** Events sent per turn of the event loop (default 1,024). */
  readonly batch?: number;
  /**
   * `synthetic` (default): exchange and receive times follow from the seed
   * (reproducible); `wall`: the receive time is the machine's clock when the
   * event is sent, the exchange time a generated 0.1-5 ms before it.
   */
  readonly clock?: 'synthetic' | 'wall';
  /** First exchange time of the synthetic clock (µs; default 2023-11-14T22:13:20Z). */
  readonly startTime?: Micros;
  /**
   * `random` (default): the mix described on SyntheticSource; `sequence`:
   * trades numbered 0, 1, 2, ... (price n, size 1, symbols in turn), no
   * random draws, so that a bench measures the path and not the generator.
   */
  readonly pattern?: 'random' | 'sequence';
  /** An incident (kind `reconnecting`) after every this many events. */
  readonly incidentEvery?: number;
  /** `run` rejects with an error after this many events (a source that fails). */
  readonly failAfter?: number;
  /** The thread exits (process.exit(3)) after this many events (a crash; on an I/O thread only). */
  readonly exitAfter?: number;
  /** An exception thrown outside `run`'s promise after this many events (uncaught; on an I/O thread only). */
  readonly throwUncaughtAfter?: number;
}

const BOOK_DEPTH = 5;

/** This module's URL: with the export `SyntheticSource`, what names the source to an I/O thread. */
export const SYNTHETIC_SOURCE_MODULE = moduleUrl('live/feed/synthetic-source');

/**
 * A seeded MarketSource for tests and benches: trades, quotes, closed bars
 * and L2 book rows (a snapshot per symbol, then updates of one to three
 * levels, each ending with F_LAST) of the subscription's symbols and
 * channels, mixed at random, with full-precision doubles and a NaN size now
 * and then. Runs in-process or on an I/O thread (module + export
 * `SyntheticSource`).
 */
export class SyntheticSource implements MarketSource {
  constructor(private readonly options: SyntheticSourceOptions = {}) {}

  async markets(symbols: readonly string[]): Promise<readonly LiveMarket[]> {
    return symbols.map((symbol) => {
      const [base = symbol, quote = ''] = symbol.split('/');
      return { symbol, id: `${base}${quote}`, base, quote, tickSize: '0.01', lotSize: '0.001' };
    });
  }

  async run(subscription: MarketSubscription, sink: MarketEventSink, signal: AbortSignal): Promise<void> {
    const o = this.options;
    const generator = new EventGenerator(subscription, o);
    const total = o.events ?? Infinity;
    const batch = Math.max(1, o.batch ?? 1024);
    const rate = o.ratePerSecond ?? 0;
    const started = performance.now();
    const every = o.incidentEvery ?? 0;
    let nextIncident = every > 0 ? every : Infinity;
    // The next count at which something other than an event happens (an incident, a failure, a crash).
    const nextStop = (n: number): number => Math.min(nextIncident, ...[o.failAfter, o.exitAfter, o.throwUncaughtAfter].map((x) => (x !== undefined && x > n ? x : Infinity)));
    let stop = nextStop(0);
    while (!signal.aborted && generator.sent < total) {
      let quota = batch;
      if (rate > 0) quota = Math.min(batch, Math.floor(((performance.now() - started) / 1000) * rate) - generator.sent);
      const end = Math.min(total, generator.sent + Math.max(0, quota));
      while (generator.sent < end) {
        generator.next(sink, Math.min(total, stop)); // a book update may run past the batch, never past a stop
        const n = generator.sent;
        if (n < stop) continue;
        if (n === nextIncident) {
          sink.incident(generator.incident());
          nextIncident += every;
        }
        if (n === o.failAfter) throw new Error(`synthetic failure after ${n} events`);
        if (n === o.exitAfter) {
          if (isMainThread) throw new Error('exitAfter ends a thread: run this source on an I/O thread');
          process.exit(3);
        }
        if (n === o.throwUncaughtAfter) {
          if (isMainThread) throw new Error('throwUncaughtAfter needs an I/O thread');
          setImmediate(() => {
            throw new Error(`synthetic uncaught exception after ${n} events`);
          });
          return new Promise(() => {}); // never settles: the exception ends the thread
        }
        stop = nextStop(n);
      }
      // Let the thread's messages (stop) in; wait for the pace when ahead of it.
      await new Promise<void>((resolve) => (quota < batch && rate > 0 ? setTimeout(resolve, 1) : setImmediate(resolve)));
    }
  }
}

/** The events of a SyntheticSource, one or a few (a book update's rows) per call. */
class EventGenerator {
  sent = 0;
  private readonly random: Xoshiro128;
  private readonly channels: DataChannel[];
  private readonly prices: Float64Array;
  private readonly booked: Uint8Array;
  private readonly sequences: Float64Array;
  private exchangeTime: Micros;
  private incidents = 0;

  constructor(
    private readonly subscription: MarketSubscription,
    private readonly options: SyntheticSourceOptions,
  ) {
    this.random = new Xoshiro128(options.seed ?? 1);
    this.channels = subscription.channels.length > 0 ? [...subscription.channels] : ['trades'];
    const n = Math.max(1, subscription.symbols.length);
    this.prices = new Float64Array(n).map((_, i) => 100 * (i + 1));
    this.booked = new Uint8Array(n);
    this.sequences = new Float64Array(n).fill(1000);
    this.exchangeTime = options.startTime ?? 1_700_000_000_000_000;
  }

  /** Sends the next event (a book update: its rows, no more than up to `limit` events in all). */
  next(sink: MarketEventSink, limit: number): void {
    if (this.options.pattern === 'sequence') {
      const n = this.sent++;
      const exchangeTime = this.exchangeTime + n;
      sink.trade(n % this.prices.length, exchangeTime, this.options.clock === 'wall' ? wallMicros() : exchangeTime + 5, n, 1, 1);
      return;
    }
    const r = this.random;
    const symbol = r.nextUint32() % this.prices.length;
    const channel = this.channels[r.nextUint32() % this.channels.length]!;
    this.exchangeTime += 1 + (r.nextUint32() % 1000);
    const delay = 100 + (r.nextUint32() % 4900);
    let exchangeTime = this.exchangeTime;
    let receiveTime = exchangeTime + delay;
    if (this.options.clock === 'wall') {
      receiveTime = wallMicros();
      exchangeTime = Math.floor(receiveTime) - delay;
    }
    const price = (this.prices[symbol] = Math.max(1, this.prices[symbol]! * (1 + (r.nextFloat() - 0.5) * 1e-3)));
    switch (channel) {
      case 'trades':
        sink.trade(symbol, exchangeTime, receiveTime, price, r.nextFloat() * 2, (r.nextUint32() % 3) - 1);
        this.sent++;
        break;
      case 'quotes': {
        const half = price * 1e-4 * r.nextFloat();
        const bidSize = r.nextUint32() % 16 === 0 ? NaN : r.nextFloat() * 10;
        sink.quote(symbol, exchangeTime, receiveTime, price - half, price + half, bidSize, r.nextFloat() * 10);
        this.sent++;
        break;
      }
      case 'bars': {
        const a = price * (1 + (r.nextFloat() - 0.5) * 1e-3);
        sink.bar(symbol, exchangeTime, receiveTime, a, Math.max(a, price) * 1.001, Math.min(a, price) * 0.999, price, r.nextFloat() * 1e4);
        this.sent++;
        break;
      }
      case 'book':
        this.book(sink, symbol, exchangeTime, receiveTime, price, limit);
        break;
    }
  }

  private book(sink: MarketEventSink, symbol: number, exchangeTime: Micros, receiveTime: Micros, price: number, limit: number): void {
    const r = this.random;
    const snapshot = this.booked[symbol] === 0;
    this.booked[symbol] = 1;
    const rows = Math.min(limit - this.sent, snapshot ? 2 * BOOK_DEPTH : 1 + (r.nextUint32() % 3));
    const sequence = (this.sequences[symbol] = this.sequences[symbol]! + 1 + (r.nextUint32() % 3));
    for (let k = 0; k < rows; k++) {
      const side = snapshot ? (k < BOOK_DEPTH ? 1 : -1) : r.nextUint32() % 2 === 0 ? 1 : -1;
      const level = snapshot ? (k % BOOK_DEPTH) + 1 : 1 + (r.nextUint32() % BOOK_DEPTH);
      const size = snapshot || r.nextUint32() % 4 !== 0 ? r.nextFloat() * 5 : 0;
      let flags = snapshot ? F_SNAPSHOT : 0;
      if (snapshot && k === 0) flags |= F_CLEAR;
      if (k === rows - 1) flags |= F_LAST;
      sink.bookLevel(symbol, exchangeTime, receiveTime, side, price - side * level * 0.01, size, flags, sequence);
      this.sent++;
    }
  }

  incident(): Incident {
    this.incidents++;
    const symbol = this.subscription.symbols[this.incidents % Math.max(1, this.subscription.symbols.length)] ?? '';
    return { time: Math.floor(this.exchangeTime), kind: 'reconnecting', symbol, channel: 'trades', detail: `synthetic incident ${this.incidents} after ${this.sent} events` };
  }
}

/**
 * A MarketEventSink that keeps everything it is given, for tests: each
 * event as a row of `EVENT_LOG_WIDTH` numbers (kind 1-4 as in the event
 * ring, symbol, exchange time, receive time, values, NaN-padded), and each
 * incident with the number of events before it.
 */
export const EVENT_LOG_WIDTH = 10;

export class EventLog implements MarketEventSink {
  private data = new Float64Array(EVENT_LOG_WIDTH * 1024);
  length = 0;
  readonly incidents: { readonly after: number; readonly incident: Incident }[] = [];

  /** The rows so far, `length` x EVENT_LOG_WIDTH numbers. */
  rows(): Float64Array {
    return this.data.subarray(0, this.length * EVENT_LOG_WIDTH);
  }

  trade(symbol: number, exchangeTime: Micros, receiveTime: Micros, price: number, size: number, aggressor: number): void {
    this.push(1, symbol, exchangeTime, receiveTime, price, size, aggressor, NaN, NaN, NaN);
  }

  quote(symbol: number, exchangeTime: Micros, receiveTime: Micros, bid: number, ask: number, bidSize: number, askSize: number): void {
    this.push(2, symbol, exchangeTime, receiveTime, bid, ask, bidSize, askSize, NaN, NaN);
  }

  bar(symbol: number, exchangeTime: Micros, receiveTime: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    this.push(3, symbol, exchangeTime, receiveTime, open, high, low, close, volume, NaN);
  }

  bookLevel(symbol: number, exchangeTime: Micros, receiveTime: Micros, side: number, price: number, size: number, flags: number, sequence: number): void {
    this.push(4, symbol, exchangeTime, receiveTime, side, price, size, flags, sequence, NaN);
  }

  incident(incident: Incident): void {
    this.incidents.push({ after: this.length, incident });
  }

  private push(a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number): void {
    if ((this.length + 1) * EVENT_LOG_WIDTH > this.data.length) {
      this.data = grownCopy(this.data, this.data.length * 2);
    }
    const o = this.length++ * EVENT_LOG_WIDTH;
    const d0 = this.data;
    d0[o] = a;
    d0[o + 1] = b;
    d0[o + 2] = c;
    d0[o + 3] = d;
    d0[o + 4] = e;
    d0[o + 5] = f;
    d0[o + 6] = g;
    d0[o + 7] = h;
    d0[o + 8] = i;
    d0[o + 9] = j;
  }
}
