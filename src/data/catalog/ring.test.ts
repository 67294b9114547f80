/**
 * The shared ring between a decoding thread and its consumer, under random
 * pauses on both sides: every row arrives once, in order, and a stream always
 * ends (no lost wake-up, no thread that quietly exits while it waits for a
 * free slot, no consumer left waiting on a thread that has gone).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import type { QuoteColumns } from '../../model/market.js';
import type { StressParams } from '../../../test/helpers/ring-stress-worker.js';
import { RingFeed } from './ring-feed.js';

const WORKER = pathToFileURL(join(import.meta.dirname, '../../../test/helpers/ring-stress-worker.ts')).href;

function numberedFeed(params: StressParams, blocks: number, blockRows: number): RingFeed {
  return new RingFeed(
    { kind: 'quote', symbol: 'TEST', source: 'numbered' },
    { type: 'module', module: WORKER, run: 'produceNumbered', params },
    { blocks, blockRows },
  );
}

function busyWait(micros: number): void {
  const end = performance.now() + micros / 1000;
  while (performance.now() < end);
}

/** Reads a numbered stream to its end, pausing at random; returns the rows read. */
function consume(feed: RingFeed, seed: number, maxPauseMicros: number): number {
  let s = seed;
  const random = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  let expected = 0;
  for (let c = feed.next() as QuoteColumns | null; c !== null; c = feed.next() as QuoteColumns | null) {
    for (let i = 0; i < c.length; i++, expected++) {
      if (c.time[i] !== expected || c.bid[i] !== 2 * expected || c.ask[i] !== 2 * expected + 1 || c.bidSize[i] !== expected % 7 || c.askSize[i] !== expected % 11) {
        throw new Error(`row ${expected}: got time ${c.time[i]} bid ${c.bid[i]} ask ${c.ask[i]}`);
      }
    }
    if (random() < 0.5) busyWait(random() * maxPauseMicros);
  }
  return expected;
}

describe('the column ring under random pauses', () => {
  it('delivers every row once and in order, stream after stream, whichever side is slower', () => {
    // 24 streams through rings of 2-3 tiny slots: about 12,000 hand-overs of a slot, each side
    // pausing at random (the producer with timers, so its thread often has nothing else to do while it waits).
    let handovers = 0;
    for (let stream = 0; stream < 24; stream++) {
      const rows = 2_000 + stream * 37;
      const blockRows = 4 + (stream % 5);
      const feed = numberedFeed({ rows, seed: stream + 1, maxChunk: 1 + (stream % 9), maxPauseMs: stream % 3 }, 2 + (stream % 2), blockRows);
      expect(consume(feed, stream + 7, stream % 2 === 0 ? 300 : 20)).toBe(rows);
      handovers += Math.ceil(rows / blockRows);
    }
    expect(handovers).toBeGreaterThan(10_000);
  }, 120_000);

  it('ends the stream with an error when the producing thread goes away mid-stream, instead of waiting for ever', () => {
    const feed = numberedFeed({ rows: 10_000, seed: 3, maxChunk: 50, maxPauseMs: 0, quitAfter: 1_000 }, 2, 64);
    let error: unknown;
    try {
      consume(feed, 1, 0);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(String((error as Error).message)).toMatch(/reader thread ended before the end of the data/);
  }, 60_000);
});
