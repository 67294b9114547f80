/**
 * A market source on the I/O thread, its events drained on this thread:
 * completeness and order across many wraps of a small ring, back-pressure
 * from a slow consumer, shutdown with events in flight, failures and crashes
 * of the source and its thread, incidents in place.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { MarketEventSink, MarketSubscription } from '../source.js';
import { IoThread, MarketSourceError, startIoThread, type IoThreadOptions } from './io-thread.js';
import { EventLog, SyntheticSource, type SyntheticSourceOptions } from './synthetic-source.js';

const MODULE = pathToFileURL(join(import.meta.dirname, 'synthetic-source.ts')).href;
const SUBSCRIPTION: MarketSubscription = { symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], channels: ['trades', 'quotes', 'bars', 'book'], timeframe: '1m' };

const started: IoThread[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((io) => io.close()));
});

function start(options: SyntheticSourceOptions, more: Partial<IoThreadOptions> = {}): IoThread {
  const io = startIoThread({ source: { module: MODULE, export: 'SyntheticSource', options }, subscription: SUBSCRIPTION, ...more });
  started.push(io);
  return io;
}

/** The same source run in-process straight into a log: what the thread must deliver. */
async function direct(options: SyntheticSourceOptions): Promise<EventLog> {
  const log = new EventLog();
  await new SyntheticSource({ ...options, batch: 1 << 20 }).run(SUBSCRIPTION, log, new AbortController().signal);
  return log;
}

function bytes(log: EventLog): Buffer {
  const r = log.rows();
  return Buffer.from(r.buffer, r.byteOffset, r.byteLength);
}

function expectSameEvents(got: EventLog, want: EventLog): void {
  expect(got.length).toBe(want.length);
  expect(bytes(got).equals(bytes(want))).toBe(true);
}

/** Drains until the end (or a failure, returned), `maxEvents` per drain, waiting between drains. */
async function drainAll(io: IoThread, sink: MarketEventSink, maxEvents = Infinity, pause?: () => Promise<void>): Promise<unknown> {
  try {
    while (!io.finished) {
      await io.waitForEvents(200);
      io.drain(sink, maxEvents);
      if (pause !== undefined) await pause();
    }
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('the I/O thread', () => {
  it('delivers every event once, in order, bit-identical, across many wraps of a small ring, incidents in place', async () => {
    const options = { seed: 7, events: 60_000, incidentEvery: 997 };
    const io = start(options, { capacity: 64 });
    expect((await io.markets).map((m) => m.id)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    const got = new EventLog();
    await io.pump(got);
    const want = await direct(options);
    expectSameEvents(got, want);
    expect(want.incidents.length).toBe(60);
    expect(got.incidents).toEqual(want.incidents);
    const stats = io.stats();
    expect(stats.events).toBe(60_060);
    expect(stats.written).toBe(60_060);
    expect(stats.capacity).toBe(64);
    // Sampled: at least one event in 8, every event when drains take one at a time (next test).
    expect(io.latency!.receiveToSink.count).toBeGreaterThanOrEqual(60_000 / 8);
    expect(io.latency!.receiveToSink.count).toBeLessThanOrEqual(60_000);
    expect(io.latency!.exchangeToReceive.count).toBe(io.latency!.receiveToSink.count);
  });

  it('records the latencies of every event when events are drained one at a time, from the records\' own times', async () => {
    const io = start({ seed: 8, events: 400, clock: 'wall' }, { capacity: 16 });
    const got = new EventLog();
    expect(await drainAll(io, got, 1)).toBeUndefined();
    const latency = io.latency!.summary();
    expect(latency.receiveToSink.count).toBe(400);
    expect(latency.receiveToSink.negative).toBe(0);
    // The synthetic source puts its exchange times 100 to 4,999 µs before the receive times.
    const rows = got.rows();
    const delays = Array.from({ length: 400 }, (_, i) => rows[i * 10 + 3]! - rows[i * 10 + 2]!).sort((a, b) => a - b);
    expect(latency.exchangeToReceive.count).toBe(400);
    expect(Math.abs(latency.exchangeToReceive.p50 - delays[199]!)).toBeLessThanOrEqual(delays[199]! / 64 + 1);
  });

  it("carries the bench's numbered trades (the 'sequence' pattern) intact", async () => {
    const io = start({ events: 5000, pattern: 'sequence', batch: 4096 }, { capacity: 32 });
    const got = new EventLog();
    await io.pump(got);
    const rows = got.rows();
    expect(got.length).toBe(5000);
    for (let n = 0; n < 5000; n++) expect([rows[n * 10], rows[n * 10 + 1], rows[n * 10 + 4]]).toEqual([1, n % 3, n]);
  });

  it('makes a fast source wait for a slow consumer through a tiny ring: nothing lost, the waits counted and reported', async () => {
    const options = { seed: 11, events: 300 };
    const io = start(options, { capacity: 4, slowConsumerMs: 1 });
    const got = new EventLog();
    // At most 3 events per drain, then 5 ms asleep: the producer fills 4 records in microseconds and waits.
    expect(await drainAll(io, got, 3, () => new Promise((resolve) => setTimeout(resolve, 5)))).toBeUndefined();
    const want = await direct(options);
    expectSameEvents(got, want);
    const stats = io.stats();
    expect(stats.producerWaits).toBeGreaterThan(0);
    expect(stats.producerWaitedMicros).toBeGreaterThan(0);
    const waits = got.incidents.filter((x) => /event ring was full/.test(x.incident.detail));
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]!.incident.detail).toMatch(/nothing was dropped/);
    expect(stats.events).toBe(300 + got.incidents.length);
  });

  it('on stop, delivers the events already produced, then ends: none lost, none made up', async () => {
    const io = start({ seed: 3 }, { capacity: 256 });
    const got = new EventLog();
    while (got.length < 20_000) {
      await io.waitForEvents(200);
      io.drain(got, 100);
    }
    // The ring is full and the producer waits on it: events are in flight when the stop goes out.
    io.stop();
    expect(await drainAll(io, got)).toBeUndefined();
    expect(io.finished).toBe(true);
    expect(got.length).toBeGreaterThanOrEqual(20_000);
    expect(io.stats().written).toBe(got.length);
    expectSameEvents(got, await direct({ seed: 3, events: got.length }));
    await io.exit();
  });

  it('stops through pump() when its signal aborts', async () => {
    const io = start({ seed: 5, ratePerSecond: 20_000 });
    const got = new EventLog();
    const controller = new AbortController();
    const pumping = io.pump(
      {
        ...sinkOf(got),
        trade: (...args) => {
          got.trade(...args);
          if (got.length >= 500) controller.abort();
        },
      },
      controller.signal,
    );
    await pumping;
    expect(io.finished).toBe(true);
    expect(io.stats().written).toBe(got.length);
    expectSameEvents(got, await direct({ seed: 5, events: got.length }));
  });

  it("reports a source's failure with its message, after the events before it", async () => {
    const io = start({ seed: 9, events: 10_000, failAfter: 1234 }, { capacity: 128 });
    const got = new EventLog();
    const error = await drainAll(io, got);
    expect(error).toBeInstanceOf(MarketSourceError);
    expect((error as Error).message).toBe("market source 'SyntheticSource' failed: synthetic failure after 1234 events");
    expectSameEvents(got, await direct({ seed: 9, events: 1234 }));
    await io.exit();
  });

  it('reports a thread that exits in the middle of its source', async () => {
    const io = start({ seed: 2, events: 10_000, exitAfter: 500 }, { capacity: 64 });
    const got = new EventLog();
    const error = await drainAll(io, got);
    expect(error).toBeInstanceOf(MarketSourceError);
    expect((error as Error).message).toMatch(/the I\/O thread ended before its market source finished \(exit code 3\)/);
    expectSameEvents(got, await direct({ seed: 2, events: 500 }));
  });

  it('reports an uncaught exception on the thread', async () => {
    const io = start({ seed: 4, events: 10_000, throwUncaughtAfter: 300 }, { capacity: 64 });
    const got = new EventLog();
    const error = await drainAll(io, got);
    expect(error).toBeInstanceOf(MarketSourceError);
    expect((error as Error).message).toMatch(/synthetic uncaught exception after 300 events/);
    expectSameEvents(got, await direct({ seed: 4, events: 300 }));
  });

  it('reports a source that cannot be built, in drain and in markets', async () => {
    const io = startIoThread({ source: { module: MODULE, export: 'NoSuchSource' }, subscription: SUBSCRIPTION });
    started.push(io);
    await expect(io.markets).rejects.toThrow(/has no export 'NoSuchSource' that builds a market source/);
    const error = await drainAll(io, new EventLog());
    expect(error).toBeInstanceOf(MarketSourceError);
    expect((error as Error).message).toMatch(/has no export 'NoSuchSource'/);
  });

  it('delivers everything for any ring size, source batch and drain size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 1, max: 1000 }),
        async (capacityLog, batch, maxEvents, events, seed) => {
          const options = { seed, events, batch, incidentEvery: 101 };
          const io = start(options, { capacity: 1 << capacityLog });
          const got = new EventLog();
          expect(await drainAll(io, got, maxEvents)).toBeUndefined();
          const want = await direct(options);
          expectSameEvents(got, want);
          expect(got.incidents).toEqual(want.incidents);
          await io.close();
        },
      ),
      { numRuns: 8 },
    );
  });
});

/** A sink forwarding to a log (to override one method in a test). */
function sinkOf(log: EventLog): MarketEventSink {
  return {
    trade: (...a) => log.trade(...a),
    quote: (...a) => log.quote(...a),
    bar: (...a) => log.bar(...a),
    bookLevel: (...a) => log.bookLevel(...a),
    incident: (x) => log.incident(x),
  };
}
