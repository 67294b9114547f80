import { basename, extname } from 'node:path';
import type { Issue } from '../core/errors.js';
import type { RunConfig } from '../backtest/config.js';
import { loadStrategyFile } from '../backtest/strategy-loader.js';
import { InlinePool, ThreadPool, defaultWorkers, type TrialPool } from './pool.js';
import { RedisPool, openRedisPool, type RedisSweepOptions } from './redis-pool.js';
import { loadSweepData, type SweepData } from './sweep-data.js';
import { bestTrial, runSweep, type TrialSampler } from './sweep.js';
import type { TrialMetric, TrialOutcome } from './trial.js';

export interface OptimizeOptions {
  /** The backtest every trial runs (strategy file, data, cash, execution, risk, ...); its params are the fixed ones. */
  readonly config: RunConfig;
  readonly sampler: TrialSampler;
  /** Worker threads (default: one per core); 0 runs the trials on this thread. */
  readonly workers?: number;
  readonly objective?: TrialMetric;
  readonly minimize?: boolean;
  readonly maxTrials?: number;
  readonly signal?: AbortSignal;
  /** Each skipped bad data row as the data is read (once per sweep). */
  readonly onIssue?: (issue: Issue) => void;
  /** Data read already (e.g. by an earlier sweep over the same files). */
  readonly data?: SweepData;
  /** Run the trials as jobs of a Redis queue, on `quantflow worker` processes (then `workers` is not used). */
  readonly redis?: RedisSweepOptions;
}

export interface OptimizeResult {
  readonly outcomes: readonly TrialOutcome[];
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
  return { outcomes, best: bestTrial(outcomes, options.objective ?? 'sharpe', options.minimize === true), data, strategyName };
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
  const data = options.data ?? (await loadSweepData(config, options.onIssue));
  const workers = options.workers ?? defaultWorkers();
  const pool =
    options.redis !== undefined
      ? await openRedisPool(config, data, strategyName, options.redis)
      : workers === 0
        ? new InlinePool(config, cls, data, strategyName)
        : new ThreadPool(workers, { config, data, strategyName });
  return { pool, data, strategyName };
}
