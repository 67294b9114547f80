import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Issue } from '../core/errors.js';
import type { RunConfig } from '../backtest/config.js';
import { compiledStrategyModule, loadStrategyFile } from '../backtest/strategy-loader.js';
import { BootedWorkers, InlinePool, ThreadPool, defaultWorkers, type TrialPool } from './pool.js';
import { RedisPool, openRedisPool, type RedisSweepOptions } from './redis-pool.js';
import { loadSweepData, type SweepData } from './sweep-data.js';
import { bestTrial, runSweep, withEquityTimes, type TrialSampler } from './sweep.js';
import { TrialRunner, type TrialMetric, type TrialOutcome } from './trial.js';

export interface OptimizeOptions {
  /** The backtest every trial runs (strategy file, data, cash, execution, risk, ...); its params are the fixed ones. */
  readonly config: RunConfig;
  readonly sampler: TrialSampler;
  /** Threads that run trials (default: one per core): this one and N - 1 worker threads; 0 and 1 run them on this thread only. */
  readonly workers?: number;
  readonly objective?: TrialMetric;
  readonly minimize?: boolean;
  readonly maxTrials?: number;
  readonly signal?: AbortSignal;
  /** Each skipped bad data row as the data is read (once per sweep). */
  readonly onIssue?: (issue: Issue) => void;
  /**
   * 'adaptive' (default): this thread runs trials, and the workers start once the sweep shows it is worth it;
   * 'eager': N worker threads start at once and run every trial (this thread only coordinates).
   */
  readonly workerStart?: 'adaptive' | 'eager';
  /** Data read already (e.g. by an earlier sweep over the same files). */
  readonly data?: SweepData;
  /** Run the trials as jobs of a Redis queue, on `quantflow worker` processes (then `workers` is not used). */
  readonly redis?: RedisSweepOptions;
}

export interface OptimizeResult {
  readonly outcomes: readonly TrialOutcome[];
  /** The best trial by the objective, with the sweep's equity times. */
  readonly best: TrialOutcome | undefined;
  readonly data: SweepData;
  readonly strategyName: string;
}

/**
 * A sweep as a stream: the data is read once, the strategy loaded once per
 * worker, and each trial's outcome comes out in trial order.
 */
export async function* optimizeTrials(options: OptimizeOptions): AsyncGenerator<TrialOutcome, void, undefined> {
  const { pool } = await openSweep(options);
  try {
    yield* runSweep({ ...options, pool });
    await sweepEnded(pool, options.signal);
  } finally {
    await pool.close();
  }
}

/** Runs a whole sweep and returns every trial and the best one by the objective. */
export async function optimize(options: OptimizeOptions): Promise<OptimizeResult> {
  const { pool, data, strategyName } = await openSweep(options);
  const outcomes: TrialOutcome[] = [];
  try {
    for await (const o of runSweep({ ...options, pool })) outcomes.push(o);
    await sweepEnded(pool, options.signal);
  } finally {
    await pool.close();
  }
  const best = bestTrial(outcomes, options.objective ?? 'sharpe', options.minimize === true);
  return { outcomes, best: best === undefined ? undefined : withEquityTimes(best, outcomes), data, strategyName };
}

/** A sweep on Redis that ran to its end is no longer one to resume. */
export async function sweepEnded(pool: TrialPool, signal: AbortSignal | undefined): Promise<void> {
  if (pool instanceof RedisPool && signal?.aborted !== true) await pool.markComplete();
}

/** The strategy, its data and the pool a sweep runs on. */
export async function openSweep(options: OptimizeOptions): Promise<{ pool: TrialPool; data: SweepData; strategyName: string }> {
  const { config } = options;
  const cls = await loadStrategyFile(config.strategy);
  const strategyName = cls.name || basename(config.strategy, extname(config.strategy));
  const eager = options.workerStart === 'eager';
  // No more threads than trials that can run at once (all of them, or a learning sampler's batch): each worker costs its
  // start (about half a second of work) and its memory, and one with no trial to run only slows the others down.
  const runnable = Math.min(options.sampler.total ?? Infinity, options.sampler.batch > 0 ? options.sampler.batch : Infinity, options.maxTrials ?? Infinity);
  const workers = Math.max(0, Math.min(options.workers ?? defaultWorkers(), runnable));
  // N threads run trials: this one and N - 1 workers (0 and 1: this thread only); 'eager': N workers.
  const threads = options.redis !== undefined ? 0 : eager ? workers : Math.max(0, workers - 1);
  // Workers import the strategy as this thread compiled it.
  const init = { config, strategyName, strategyModule: compiledStrategyModule(config.strategy) };
  // Large files take a while to read: the workers start meanwhile (whether the sweep then uses them is decided as usual).
  const booted = options.data === undefined && threads > 0 && dataFileBytes(config) >= BOOT_WORKERS_EARLY_BYTES ? new BootedWorkers(threads, init, !eager) : undefined;
  let data: SweepData;
  try {
    data = options.data ?? (await loadSweepData(config, options.onIssue));
  } catch (e) {
    await booted?.destroy();
    throw e;
  }
  booted?.provide(data);
  let pool: TrialPool;
  if (options.redis !== undefined) pool = await openRedisPool(config, data, strategyName, options.redis);
  else if (eager && workers > 0) pool = new ThreadPool(workers, { ...init, data }, undefined, undefined, undefined, booted);
  else if (workers <= 1) pool = new InlinePool(config, cls, data, strategyName);
  else pool = new ThreadPool(workers - 1, { ...init, data }, new TrialRunner(config, cls, data, strategyName), options.sampler.total, rowsOf(data), booted);
  return { pool, data, strategyName };
}

/** Data files of this size or more (about a third of a second of reading) start the workers before they are read. */
const BOOT_WORKERS_EARLY_BYTES = 16 * 1024 * 1024;

/** Bytes of the data files a config names (a catalog's, and folders, count 0: their size is not known before reading). */
function dataFileBytes(config: RunConfig): number {
  let bytes = 0;
  for (const path of config.data) {
    try {
      const stat = statSync(path);
      if (stat.isFile()) bytes += stat.size;
    } catch {
      // Not there: the read reports it.
    }
  }
  return bytes;
}

/** Rows of market data a trial replays. */
function rowsOf(data: SweepData): number {
  let rows = 0;
  for (const f of data.feeds) rows += f.columns.length;
  return rows;
}
