import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../backtest/config.js';
import { ThreadPool } from './pool.js';
import type { SweepData } from './sweep-data.js';
import type { TrialOutcome, TrialRequest, TrialRunner } from './trial.js';
import type { TrialWorkerData } from './trial-worker.js';

/** This thread's runner, taking `millis` a trial (busy, as a trial is). */
function inlineTaking(millis: number): TrialRunner {
  const run = (r: TrialRequest): TrialOutcome => {
    const end = performance.now() + millis;
    while (performance.now() < end);
    return { trial: r.trial, status: 'ok', reason: '', params: r.params, metrics: {}, returns: new Float64Array(0), times: new Float64Array(0), millis };
  };
  return { run } as unknown as TrialRunner;
}

// Never read: the workers of these pools are never started (the sweeps are short and of unknown size).
const init = { config: {} as RunConfig, data: {} as SweepData, strategyName: 'x' } satisfies TrialWorkerData;

async function runTrials(pool: ThreadPool, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await pool.run({ trial: i, params: {} });
}

describe('ThreadPool', () => {
  it('hands a worker more trials ahead while trials are short, two while they are long', async () => {
    const short = new ThreadPool(1, init, inlineTaking(0.2));
    // Before a trial has run: one on this thread and two for the worker.
    expect(short.depth).toBe(3);
    await runTrials(short, 5);
    // About 25 ms of 0.2 ms trials, at most 32.
    expect(short.depth).toBeGreaterThan(20);
    expect(short.depth).toBeLessThanOrEqual(33);
    await short.close();

    const long = new ThreadPool(2, init, inlineTaking(30));
    await runTrials(long, 2);
    expect(long.depth).toBe(1 + 2 * 2);
    await long.close();
  });
});
