import { describe, expect, it } from 'vitest';
import type { TrialPool } from './pool.js';
import { runSweep, type TrialSampler } from './sweep.js';
import type { TrialOutcome, TrialRequest } from './trial.js';

/** Trials 1..n of one parameter, in order. */
function counting(n: number): TrialSampler {
  let i = 0;
  return { batch: 0, total: n, next: () => (i < n ? { x: ++i } : undefined) };
}

const outcome = (r: TrialRequest): TrialOutcome => ({ trial: r.trial, status: 'ok', reason: '', params: r.params, metrics: { sharpe: 0 }, returns: Float64Array.of(0), times: Float64Array.of(0, 1), millis: 0 });

/** A pool of `concurrency` whose trial 1 finishes only when released; the others at once. */
function slowFirst(concurrency: number): { pool: TrialPool; started: number[]; release: () => void } {
  const started: number[] = [];
  let release = (): void => undefined;
  const pool: TrialPool = {
    concurrency,
    run: (r) => {
      started.push(r.trial);
      if (r.trial !== 1) return Promise.resolve(outcome(r));
      return new Promise((resolve) => (release = () => resolve(outcome(r))));
    },
    close: async () => undefined,
  };
  return { pool, started, release: () => release() };
}

describe('runSweep', () => {
  it('keeps asking for trials while an earlier one runs long: finished ones wait for their turn without idling the pool', async () => {
    const { pool, started, release } = slowFirst(1);
    const sweep = runSweep({ sampler: counting(20), pool });
    const first = sweep.next();
    // Let the fast trials finish while trial 1 runs.
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    // Two may be asked at once (2 x concurrency); those that finished wait for trial 1, up to four times that in all.
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    release();
    const trials = [(await first).value as TrialOutcome];
    for await (const o of sweep) trials.push(o);
    expect(trials.map((o) => o.trial)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(started).toHaveLength(20);
  });

  it("asks a pool for as many trials as its depth says, read as the sweep goes", async () => {
    const { pool, started, release } = slowFirst(1);
    let depth = 3;
    Object.defineProperty(pool, 'depth', { get: () => depth });
    const sweep = runSweep({ sampler: counting(40), pool });
    const first = sweep.next();
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    // Three at once; finished ones wait for trial 1 up to four times that.
    expect(started).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    depth = 5;
    release();
    const trials = [(await first).value as TrialOutcome];
    for await (const o of sweep) trials.push(o);
    expect(trials.map((o) => o.trial)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('reports a sampler that fails while trials run, from the sweep', async () => {
    const { pool, release } = slowFirst(1);
    let i = 0;
    const sampler: TrialSampler = {
      batch: 0,
      next: () => {
        if (++i === 3) throw new Error('sampler broke');
        return { x: i };
      },
    };
    const sweep = runSweep({ sampler, pool });
    const first = sweep.next();
    for (let k = 0; k < 10; k++) await new Promise((r) => setImmediate(r));
    release();
    await expect(
      (async () => {
        await first;
        for await (const _ of sweep) void _;
      })(),
    ).rejects.toThrow('sampler broke');
  });
});
