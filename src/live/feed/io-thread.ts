import { MessageChannel, Worker } from 'node:worker_threads';
import { InputError, InvariantError, type Issue } from '../../core/errors.js';
import { moduleUrl, tsxRegistration } from '../../core/module-url.js';
import type { LiveMarket, MarketEventSink, MarketSubscription } from '../source.js';
import { CLOSED, DEFAULT_CAPACITY, READ, EventRing, STATE, STATE_DONE, STATE_FAILED, STATE_RUNNING, STAT_EVENTS, STAT_LONGEST_WAIT_MICROS, STAT_WAITED_MICROS, STAT_WAITS } from './event-ring.js';
import { FeedLatency } from './latency.js';
import type { IoThreadCommand, IoThreadMessage } from './messages.js';
import type { IoWorkerData, SourceSpec } from './io-worker.js';
import { EventRingReader } from './ring-reader.js';

export type { SourceSpec } from './io-worker.js';

export interface IoThreadOptions {
  readonly source: SourceSpec;
  readonly subscription: MarketSubscription;
  /** Events the ring holds (rounded up to a power of two; default 65,536: 5 MiB). */
  readonly capacity?: number;
  /** Record the feed's latencies (exchange -> receive, receive -> sink) as events are handed over (default true). */
  readonly latency?: boolean;
  /** A producer wait for ring space this long (ms) or longer is reported as an incident (default 1,000). */
  readonly slowConsumerMs?: number;
  /**
   * Describe the markets, then wait for `run(subscription)` (the thread does
   * not hold the process open while it waits): one thread for a source's
   * markets and its run.
   */
  readonly awaitRun?: boolean;
}

/** The market source failed on the I/O thread (its own message), or the thread ended before its source did. */
export class MarketSourceError extends Error {
  override readonly name = 'MarketSourceError';
}

export interface IoThreadStats {
  /** Events handed to sinks on this thread (incidents included). */
  readonly events: number;
  /** Events the I/O thread wrote (exact once it has ended). */
  readonly written: number;
  /** Times the I/O thread found the ring full and waited, the total and the longest wait (µs). */
  readonly producerWaits: number;
  readonly producerWaitedMicros: number;
  readonly longestProducerWaitMicros: number;
  readonly capacity: number;
}

/** The thread ended while its ring was still running; the exit code is appended. */
export const IO_THREAD_ENDED = 'the I/O thread ended before its market source finished';

/**
 * The worker runs a small CommonJS bootstrap that imports the worker module
 * (its entry point of the build or, running from the TypeScript sources,
 * the .ts file through tsx, also used for a source module written in
 * TypeScript). A thread that ends for any reason while its ring is still
 * running marks the ring failed on its way out, so a main thread that only
 * drains (never yielding to see the worker's exit event) cannot wait forever.
 */
function bootstrap(source: SourceSpec): string {
  const entry = moduleUrl('live/feed/io-worker');
  const needsTsx = entry.endsWith('.ts') || /\.(c|m)?ts$/.test(source.module);
  return `
const { workerData } = require('node:worker_threads');
const fail = (message) => {
  const control = new Int32Array(workerData.buffer, 0, 8);
  if (Atomics.load(control, ${STATE}) !== ${STATE_RUNNING}) return;
  try { workerData.port.postMessage({ type: 'failure', message }); } catch {}
  Atomics.store(control, ${STATE}, ${STATE_FAILED});
  Atomics.notify(control, 0);
};
process.on('uncaughtException', (e) => {
  fail('an uncaught exception on the I/O thread: ' + String((e && e.message) || e));
  process.exit(1);
});
process.on('exit', (code) => fail(${JSON.stringify(IO_THREAD_ENDED)} + ' (exit code ' + code + ')'));
(async () => {
  ${tsxRegistration(needsTsx)}
  await (await import(${JSON.stringify(entry)})).runIoWorker(workerData);
})().catch((e) => { process.exitCode = 1; throw e; });
`;
}

/**
 * A market source running on an I/O worker thread, its events coming to
 * this thread through an EventRing. Call `drain(sink)` from the main loop
 * (it never waits) and `waitForEvents()` to sleep until there is something
 * to drain without blocking the event loop; or `pump(sink)` for a loop that
 * does both until the end. `stop()` asks the source to close; the events it
 * produced before it closed are still delivered, then `finished` is true. A
 * failure of the source (or of the thread) is thrown by `drain` once every
 * event before it has been delivered.
 */
export class IoThread {
  /** The markets the source described (symbol order of the subscription). */
  readonly markets: Promise<readonly LiveMarket[]>;
  readonly latency: FeedLatency | undefined;
  private readonly ring: EventRing;
  private readonly reader: EventRingReader;
  private readonly worker: Worker;
  private done = false;
  /** run() was called (threads started with `awaitRun`). */
  private running = false;
  private threadFailure: string | undefined;
  private exited = false;
  private readonly exitedPromise: Promise<void>;

  constructor(private readonly options: IoThreadOptions) {
    this.ring = EventRing.allocate(options.capacity ?? DEFAULT_CAPACITY);
    this.latency = options.latency === false ? undefined : new FeedLatency();
    const channel = new MessageChannel();
    this.reader = new EventRingReader(this.ring, channel.port1, this.latency);
    const data: IoWorkerData = {
      buffer: this.ring.buffer,
      capacity: this.ring.capacity,
      port: channel.port2,
      source: options.source,
      subscription: { symbols: [...options.subscription.symbols], channels: [...options.subscription.channels], timeframe: options.subscription.timeframe },
      slowConsumerMicros: (options.slowConsumerMs ?? 1000) * 1000,
      awaitRun: options.awaitRun === true,
    };
    this.worker = new Worker(bootstrap(options.source), { eval: true, workerData: data, transferList: [channel.port2] });
    let gotMarkets: (markets: readonly LiveMarket[]) => void = () => {};
    let noMarkets: (e: Error) => void = () => {};
    this.markets = new Promise((resolve, reject) => {
      gotMarkets = resolve;
      noMarkets = reject;
    });
    this.markets.catch(() => {}); // a caller that never asks for the markets is told of the failure by drain()
    // Waiting for run() after the markets, the thread does not hold the process open.
    if (options.awaitRun === true) {
      this.markets.then(
        () => {
          if (!this.running) this.worker.unref();
        },
        () => {},
      );
    }
    this.worker.on('message', (message: IoThreadMessage) => {
      if (message.type === 'markets') gotMarkets(message.markets);
      // A source refusing its settings (an unknown exchange or symbol) is the user's mistake: an InputError, as on this thread.
      else if (message.issues !== undefined && message.issues.length > 0) noMarkets(new InputError(message.issues as Issue[]));
      else noMarkets(new MarketSourceError(`${this.sourceName()} failed: ${message.message}`));
    });
    // An uncaught error on the thread (outside the source's run) ends it: fail the ring with its message.
    this.worker.on('error', (e) => {
      this.threadFailure ??= e instanceof Error ? e.message : String(e);
      this.ring.settle(STATE_FAILED);
    });
    this.exitedPromise = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.exited = true;
        if (this.ring.settle(STATE_FAILED)) this.threadFailure ??= `${IO_THREAD_ENDED} (exit code ${code})`;
        noMarkets(this.failureError() ?? new MarketSourceError(`${this.sourceName()}: the I/O thread ended before the source described its markets`));
        resolve();
      });
    });
  }

  /** True once every event has been handed over and the source has ended (not failed). */
  get finished(): boolean {
    return this.done;
  }

  /**
   * Hands up to `maxEvents` waiting events to `sink` in order (incidents at
   * their place); returns how many. Never waits. Throws the source's failure
   * (MarketSourceError, or InputError for an input mistake it reported) once
   * the events before it have all been handed over.
   */
  drain(sink: MarketEventSink, maxEvents = Infinity): number {
    if (this.done) return 0;
    const state = this.reader.state(); // before looking at the ring: an ended ring's last events are already there
    const n = this.reader.drain(sink, maxEvents);
    if (n > 0 || state === STATE_RUNNING || this.reader.available() > 0) return n;
    for (const incident of this.reader.takeMessages()) sink.incident(incident);
    if (state === STATE_DONE) {
      this.done = true;
      return 0;
    }
    this.done = true;
    throw this.failureError() ?? new MarketSourceError(`${this.sourceName()}: the I/O thread failed`);
  }

  /** Resolves once events are waiting, the source has ended, or `timeoutMs` has passed (default 1 s); never blocks the thread. */
  async waitForEvents(timeoutMs = 1000): Promise<void> {
    if (this.done) return;
    await this.reader.waitForEvents(timeoutMs);
  }

  /**
   * Drains into `sink` until the source ends; rejects with its failure. When
   * `signal` aborts, the source is stopped and its last events still arrive.
   */
  async pump(sink: MarketEventSink, signal?: AbortSignal): Promise<void> {
    const stop = (): void => this.stop();
    if (signal?.aborted) this.stop();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      while (!this.done) {
        await this.waitForEvents();
        this.drain(sink);
      }
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  /** A thread started with `awaitRun`: runs the source on `subscription` (its symbols those the markets were asked for). */
  run(subscription: MarketSubscription): void {
    if (this.options.awaitRun !== true) throw new InvariantError('IoThread.run: the thread was started with its subscription');
    this.running = true;
    this.worker.ref();
    this.worker.postMessage({ type: 'run', subscription: { symbols: [...subscription.symbols], channels: [...subscription.channels], timeframe: subscription.timeframe } } satisfies IoThreadCommand);
  }

  /** Asks the source to stop (it closes its connections); keep draining to get its last events and the end. */
  stop(): void {
    if (this.exited) return;
    this.worker.postMessage({ type: 'stop' } satisfies IoThreadCommand);
  }

  /**
   * Ends everything now: events not yet drained are discarded, the thread is
   * terminated. For errors and tests; a clean stop is stop() then draining.
   */
  async close(): Promise<void> {
    this.done = true;
    Atomics.store(this.ring.control, CLOSED, 1);
    Atomics.notify(this.ring.control, READ);
    if (!this.exited) await this.worker.terminate();
    await this.exitedPromise;
  }

  /** Resolves once the thread has exited. */
  exit(): Promise<void> {
    return this.exitedPromise;
  }

  stats(): IoThreadStats {
    const s = this.ring.stats;
    return {
      events: this.reader.events,
      written: s[STAT_EVENTS]!,
      producerWaits: s[STAT_WAITS]!,
      producerWaitedMicros: s[STAT_WAITED_MICROS]!,
      longestProducerWaitMicros: s[STAT_LONGEST_WAIT_MICROS]!,
      capacity: this.ring.capacity,
    };
  }

  private sourceName(): string {
    return `market source '${this.options.source.export}'`;
  }

  private failureError(): Error | undefined {
    const failure = this.reader.failure;
    if (failure !== undefined) {
      if (failure.issues !== undefined && failure.issues.length > 0) return new InputError(failure.issues as Issue[]);
      return new MarketSourceError(`${this.sourceName()} failed: ${failure.message}`);
    }
    if (this.threadFailure !== undefined) return new MarketSourceError(`${this.sourceName()} failed: ${this.threadFailure}`);
    return undefined;
  }
}

/** Starts a market source on an I/O worker thread; see IoThread. */
export function startIoThread(options: IoThreadOptions): IoThread {
  return new IoThread(options);
}
