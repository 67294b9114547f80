/**
 * The event ring on one thread: writer and reader interleaved at random,
 * through tiny rings and across the wrap of the Int32 indices, hand over
 * every event once, in order, bit for bit, incidents at their place.
 */
import fc from 'fast-check';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { MarketSubscription } from '../source.js';
import { EventRing, READ, STATE, STATE_DONE, WRITE, ringCapacity } from './event-ring.js';
import { EventRingReader } from './ring-reader.js';
import { EventRingWriter } from './ring-writer.js';
import { EventLog, SyntheticSource } from './synthetic-source.js';

const SUBSCRIPTION: MarketSubscription = { symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], channels: ['trades', 'quotes', 'bars', 'book'], timeframe: '1m' };

/** The events of a synthetic source, in-process, straight into a log (the reference). */
async function direct(events: number, seed: number, incidentEvery?: number): Promise<EventLog> {
  const log = new EventLog();
  await new SyntheticSource({ seed, events, batch: 1 << 20, ...(incidentEvery !== undefined ? { incidentEvery } : {}) }).run(SUBSCRIPTION, log, new AbortController().signal);
  return log;
}

/** The producer's calls of a reference log, one record each: incidents (negative: -1 - index) before the event they preceded. */
function calls(log: EventLog): number[] {
  const out: number[] = [];
  let k = 0;
  for (let e = 0; e <= log.length; e++) {
    while (k < log.incidents.length && log.incidents[k]!.after === e) out.push(-1 - k++);
    if (e < log.length) out.push(e);
  }
  return out;
}

/** Makes calls [from, to) of `calls(log)` on a sink. */
function replay(log: EventLog, order: readonly number[], sink: EventRingWriter, from: number, to: number): void {
  const r = log.rows();
  for (let c = from; c < to; c++) {
    const e = order[c]!;
    if (e < 0) {
      sink.incident(log.incidents[-1 - e]!.incident);
      continue;
    }
    const o = e * 10;
    const kind = r[o];
    if (kind === 1) sink.trade(r[o + 1]!, r[o + 2]!, r[o + 3]!, r[o + 4]!, r[o + 5]!, r[o + 6]!);
    else if (kind === 2) sink.quote(r[o + 1]!, r[o + 2]!, r[o + 3]!, r[o + 4]!, r[o + 5]!, r[o + 6]!, r[o + 7]!);
    else if (kind === 3) sink.bar(r[o + 1]!, r[o + 2]!, r[o + 3]!, r[o + 4]!, r[o + 5]!, r[o + 6]!, r[o + 7]!, r[o + 8]!);
    else sink.bookLevel(r[o + 1]!, r[o + 2]!, r[o + 3]!, r[o + 4]!, r[o + 5]!, r[o + 6]!, r[o + 7]!, r[o + 8]!);
  }
}

function expectSameLog(got: EventLog, want: EventLog): void {
  expect(got.length).toBe(want.length);
  expect(Buffer.from(got.rows().buffer, got.rows().byteOffset, got.rows().byteLength).equals(Buffer.from(want.rows().buffer, want.rows().byteOffset, want.rows().byteLength))).toBe(true);
  expect(got.incidents).toEqual(want.incidents);
}

describe('the event ring', () => {
  it('rounds capacities up to a power of two and refuses impossible ones', () => {
    expect([1, 2, 3, 5, 64, 65].map(ringCapacity)).toEqual([1, 2, 4, 8, 64, 128]);
    expect(() => ringCapacity(0)).toThrow(/ring capacity/);
    expect(() => ringCapacity(1.5)).toThrow(/ring capacity/);
  });

  it('hands every event over once, in order, bit-identical, with incidents in place, under random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 1500 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        async (capacityLog, events, seed, nearWrap, steps) => {
          const want = await direct(events, seed, 37);
          const ring = EventRing.allocate(1 << capacityLog);
          if (nearWrap) {
            // Start a few events short of the Int32 wrap of both indices.
            Atomics.store(ring.control, WRITE, 0x7fffffff - 20);
            Atomics.store(ring.control, READ, 0x7fffffff - 20);
          }
          const channel = new MessageChannel();
          try {
            const writer = new EventRingWriter(ring, channel.port2);
            const reader = new EventRingReader(ring, channel.port1);
            const order = calls(want);
            const got = new EventLog();
            let written = 0;
            let step = 0;
            // Write as much as fits (never more: one thread cannot wait for itself), drain a random amount.
            while (written < order.length || reader.available() > 0) {
              const n = Math.min(ring.capacity - reader.available(), order.length - written, steps[step % steps.length]!);
              replay(want, order, writer, written, written + n);
              written += n;
              reader.drain(got, steps[(step + 1) % steps.length]!);
              step++;
            }
            writer.end();
            expect(Atomics.load(ring.control, STATE)).toBe(STATE_DONE);
            expect(reader.available()).toBe(0);
            expectSameLog(got, want);
          } finally {
            channel.port1.close();
            channel.port2.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
