/**
 * The I/O thread's body (started by io-thread.ts): builds the market source
 * named by module + export + options, reports its markets, runs it into the
 * event ring until the main thread says stop, then ends the ring (done, or
 * failed with the source's message).
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { InputError } from '../../core/errors.js';
import type { MarketSource, MarketSubscription } from '../source.js';
import { EventRing } from './event-ring.js';
import type { IoThreadCommand, IoThreadMessage } from './messages.js';
import { EventRingWriter } from './ring-writer.js';

/** Names a MarketSource so that a thread can build it: `export` of the ES module `module` (a URL). */
export interface SourceSpec {
  readonly module: string;
  /**
   * A class (`new X(options)`) or a factory function (`X(options)`, may
   * return a promise) that builds the MarketSource.
   */
  readonly export: string;
  /** Plain data (structured-cloned to the thread). */
  readonly options?: unknown;
}

export interface IoWorkerData {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  readonly port: MessagePort;
  readonly source: SourceSpec;
  readonly subscription: MarketSubscription;
  readonly slowConsumerMicros: number;
  /** After describing the markets, wait for a `run` command (with the subscription to run) instead of running `subscription` at once. */
  readonly awaitRun?: boolean;
}

/** Builds the source: a class is constructed, any other function called. */
export async function buildSource(spec: SourceSpec): Promise<MarketSource> {
  const module = (await import(spec.module)) as Record<string, unknown>;
  const make = module[spec.export];
  if (typeof make !== 'function') throw new Error(`${spec.module} has no export '${spec.export}' that builds a market source`);
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(make));
  const source = (isClass ? new (make as new (o: unknown) => unknown)(spec.options) : await (make as (o: unknown) => unknown)(spec.options)) as Partial<MarketSource> | null;
  if (source === null || typeof source !== 'object' || typeof source.run !== 'function' || typeof source.markets !== 'function') {
    throw new Error(`'${spec.export}' of ${spec.module} did not give a market source (an object with markets() and run())`);
  }
  return source as MarketSource;
}

export async function runIoWorker(data: IoWorkerData): Promise<void> {
  const ring = new EventRing(data.buffer, data.capacity);
  const writer = new EventRingWriter(ring, data.port, { slowConsumerMicros: data.slowConsumerMicros });
  const controller = new AbortController();
  // Held while the source runs (a source waiting on nothing but the signal would otherwise let the thread end).
  let runWith: (subscription: MarketSubscription | undefined) => void = () => {};
  const runCommand = new Promise<MarketSubscription | undefined>((resolve) => (runWith = resolve));
  const onCommand = (command: IoThreadCommand): void => {
    if (command.type === 'stop') {
      controller.abort();
      runWith(undefined);
    } else runWith(command.subscription);
  };
  parentPort?.on('message', onCommand);
  let describedMarkets = false;
  try {
    const source = await buildSource(data.source);
    const markets = await source.markets(data.subscription.symbols);
    parentPort?.postMessage({ type: 'markets', markets } satisfies IoThreadMessage);
    describedMarkets = true;
    const subscription = data.awaitRun === true ? await runCommand : data.subscription;
    if (subscription !== undefined && !controller.signal.aborted) await source.run(subscription, writer, controller.signal);
    writer.end();
  } catch (e) {
    if (!describedMarkets) {
      const message = e instanceof Error ? e.message : String(e);
      parentPort?.postMessage((e instanceof InputError ? { type: 'no-markets', message, issues: e.issues } : { type: 'no-markets', message }) satisfies IoThreadMessage);
    }
    if (e instanceof InputError) writer.fail({ type: 'failure', message: e.message, issues: e.issues });
    else writer.fail({ type: 'failure', message: e instanceof Error ? e.message : String(e) });
  } finally {
    parentPort?.off('message', onCommand);
    data.port.close();
  }
}
