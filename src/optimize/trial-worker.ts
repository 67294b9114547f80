/**
 * A worker thread of the trial pool: loads the strategy once, then runs the
 * trials it is handed over the sweep's shared data. Piscina calls the
 * default export once per task.
 */
// Piscina's `workerData` is this one (its worker hands it on as is); taken from here, a worker need not load piscina's main module.
import { workerData } from 'node:worker_threads';
import type { RunConfig } from '../backtest/config.js';
import { loadStrategyFile } from '../backtest/strategy-loader.js';
import type { SweepData } from './sweep-data.js';
import { TrialRunner, type TrialOutcome, type TrialRequest } from './trial.js';

/** What every worker of a sweep starts with (structured-cloned; the data's SharedArrayBuffers are shared, not copied). */
export interface TrialWorkerData {
  readonly config: RunConfig;
  readonly data: SweepData;
  readonly strategyName: string;
  /** The strategy as the sweep's own thread compiled it (compiledStrategyModule), when it did: imported as it is. */
  readonly strategyModule?: string | undefined;
}

let runner: Promise<TrialRunner> | undefined;

function runnerOf(init: TrialWorkerData): Promise<TrialRunner> {
  runner ??= loadStrategyFile(init.config.strategy, init.strategyModule).then((cls) => new TrialRunner(init.config, cls, init.data, init.strategyName));
  return runner;
}

/** A trial, or (`{ warmUp: true }`) only the loading of the modules and the strategy, answered with null. */
export default async function runTrialTask(request: TrialRequest | { readonly warmUp: true }): Promise<TrialOutcome | null> {
  const runner = await runnerOf(workerData as TrialWorkerData);
  return 'warmUp' in request ? null : inTurn(() => runner.run(request));
}

/**
 * Runs `work` on a turn of the event loop of its own. Trials handed over
 * together reach a worker together (an idle piscina worker reads every
 * waiting task at once), and their promise chains interleave: without a turn
 * each, every one of them ran before the first was answered, so the sweep
 * heard of the worker's progress (and handed it more) only once all were
 * done. With it, each trial's answer is posted before the next trial starts.
 */
export async function inTurn<T>(work: () => T): Promise<T> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  return work();
}
