/**
 * Ring producers for the ring's stress tests, run on a worker thread as a
 * `module` worker source. Rows are quotes numbered 0, 1, 2, ...: time = i,
 * bid = 2i, ask = 2i + 1, sizes = i % 7 and i % 11, so the consumer can check
 * that every row arrives once, in order, intact.
 */
import { ColumnRing } from '../../src/data/catalog/ring.js';
import { RingWriter, settleRing, type ReadWorkerData } from '../../src/data/catalog/read-worker.js';

export interface StressParams {
  readonly rows: number;
  readonly seed: number;
  /** Rows per write: 1 .. maxChunk. */
  readonly maxChunk: number;
  /** Milliseconds of the longest pause between writes. */
  readonly maxPauseMs: number;
  /** Stop (without ending the ring) after this many rows: a thread that goes away mid-stream. */
  readonly quitAfter?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A pause of one of three kinds: none, a microtask, or a timer, so waits meet every state of the ring. */
async function pause(random: () => number, maxMs: number): Promise<void> {
  const r = random();
  if (r < 0.4) return;
  if (r < 0.7) return Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * (maxMs + 1))));
}

export async function produceNumbered(data: ReadWorkerData): Promise<void> {
  const p = (data.source as { params: StressParams }).params;
  const ring = new ColumnRing(data.buffer, data.layout);
  const writer = new RingWriter(ring);
  const random = rng(p.seed);
  const cols = Array.from({ length: data.layout.columns }, () => new Float64Array(p.maxChunk));
  const body = async (): Promise<void> => {
    let i = 0;
    while (i < p.rows) {
      if (p.quitAfter !== undefined && i >= p.quitAfter) return new Promise(() => {}); // never settles: the thread just ends
      const n = Math.min(p.rows - i, 1 + Math.floor(random() * p.maxChunk));
      for (let k = 0; k < n; k++) {
        const v = i + k;
        cols[0]![k] = v;
        cols[1]![k] = 2 * v;
        cols[2]![k] = 2 * v + 1;
        cols[3]![k] = v % 7;
        cols[4]![k] = v % 11;
      }
      if (!(await writer.write(cols, n))) return;
      i += n;
      await pause(random, p.maxPauseMs);
    }
    await writer.finish();
  };
  await settleRing(data, ring, body);
}
