import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../backtest/config.js';
import { compiledStrategyModule, loadStrategyFile } from '../backtest/strategy-loader.js';
import { BootedWorkers, ThreadPool } from './pool.js';
import { loadSweepData, type SweepData } from './sweep-data.js';
import { TrialRunner, type TrialOutcome, type TrialRequest } from './trial.js';
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

describe('ThreadPool hand-over before the workers have started', () => {
  /** Finishes the start of the workers made by `starting` (a pool closes only once they have started). */
  const loaded: (() => void)[] = [];
  /** Workers that do not finish starting until told (`loaded`), recording the trials they are handed. */
  const starting = (handed: number[]): BootedWorkers =>
    ({
      threads: 1,
      pool: {
        run: (r: TrialRequest) => {
          handed.push(r.trial);
          return new Promise(() => {});
        },
      },
      started: new Promise<void>((resolve) => loaded.push(resolve)),
      destroy: async () => {},
    }) as unknown as BootedWorkers;

  it('hands long trials (many rows) to workers at once, two ahead; short ones only once they have started', async () => {
    const handed: number[] = [];
    const long = new ThreadPool(1, init, inlineTaking(1), 12, 1_000_000, starting(handed));
    void long.run({ trial: 1, params: {} });
    void long.run({ trial: 2, params: {} });
    // The worker holds two (one to run, one ahead): this thread runs the third.
    expect((await long.run({ trial: 3, params: {} })).trial).toBe(3);
    expect(handed).toEqual([1, 2]);
    for (const done of loaded.splice(0)) done();
    await long.close();

    const shortHanded: number[] = [];
    const short = new ThreadPool(1, init, inlineTaking(0.1), 1000, 5_000, starting(shortHanded));
    for (let i = 1; i <= 5; i++) expect((await short.run({ trial: i, params: {} })).trial).toBe(i);
    expect(shortHanded).toEqual([]);
    for (const done of loaded.splice(0)) done();
    await short.close();
  });
});

describe('ThreadPool close', () => {
  it('waits for workers still loading their modules before it ends them (terminated mid-load, V8 can abort the process)', async () => {
    let load = (): void => undefined;
    const events: string[] = [];
    const booted = {
      threads: 1,
      pool: { run: () => new Promise(() => {}) },
      started: new Promise<void>((resolve) => (load = resolve)).then(() => void events.push('loaded')),
      destroy: async () => void events.push('destroyed'),
    } as unknown as BootedWorkers;
    // Without this thread's help the workers start at once.
    const pool = new ThreadPool(1, init, undefined, undefined, undefined, booted);
    const closed = pool.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual([]);
    load();
    await closed;
    expect(events).toEqual(['loaded', 'destroyed']);
  });
});

describe('BootedWorkers', () => {
  const config = parseRunConfig({ strategy: 'examples/sma-cross.ts', data: ['data/samples/ORCL-1995-2014.csv'], cash: 100000, feeRate: 0.001, params: { size: 50 } });
  const grid = [
    { fast: 5, slow: 20 },
    { fast: 10, slow: 40 },
    { fast: 15, slow: 100 },
  ];

  it('start before the data is read, take it when given (listening already, or asking for it), and run the trials this thread would', async () => {
    const cls = await loadStrategyFile(config.strategy);
    const init = { config, strategyName: 'SmaCross', strategyModule: compiledStrategyModule(config.strategy) };
    // Given the data once they have started (they listen from their start), and given it before they could listen (they ask).
    const listening = new BootedWorkers(1, init, false);
    await listening.started;
    const asking = new BootedWorkers(1, init, false);
    const data = await loadSweepData(config);
    listening.provide(data);
    asking.provide(data);
    const inline = new TrialRunner(config, cls, data, 'SmaCross');
    for (const booted of [listening, asking]) {
      const pool = new ThreadPool(1, { ...init, data }, undefined, undefined, undefined, booted);
      const outcomes = await Promise.all(grid.map((params, i) => pool.run({ trial: i + 1, params })));
      await pool.close();
      for (const [i, o] of outcomes.entries()) {
        const expected = inline.run({ trial: i + 1, params: grid[i] as Record<string, number> });
        expect(o.status).toBe('ok');
        expect(o.metrics).toEqual(expected.metrics);
        expect(Array.from(o.returns)).toEqual(Array.from(expected.returns));
        // The worker's returns and times came in shared memory: received without a copy, and handed on (CSCV's thread) likewise.
        expect(o.returns.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(expected.returns.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(o.times.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(o.times.length).toBe(data.feeds[0]?.columns.length);
      }
    }
  }, 60_000);

  it('are given to a pool of as many workers only', async () => {
    const booted = new BootedWorkers(1, { config, strategyName: 'SmaCross' }, true);
    expect(() => new ThreadPool(2, { config, strategyName: 'SmaCross' }, undefined, undefined, undefined, booted)).toThrow('a pool of 2 worker(s) given 1 started ones');
    await booted.destroy();
  });

  it('close unused (a sweep too small for them, or a read that failed)', async () => {
    const booted = new BootedWorkers(1, { config, strategyName: 'SmaCross' }, true);
    expect(booted.pool.threads.length).toBe(1);
    await booted.destroy();
    await booted.destroy();
    expect(booted.pool.threads.length).toBe(0);
  });
});
