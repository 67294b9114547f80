import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { RunConfig } from '../backtest/config.js';
import type { StrategyClass } from '../strategy/strategy.js';
import type { SweepData } from './sweep-data.js';
import { TrialRunner, type TrialOutcome, type TrialRequest } from './trial.js';
import type { TrialWorkerData } from './trial-worker.js';

/** Where trials run: this thread, or a pool of worker threads. */
export interface TrialPool {
  /** Trials it runs at once. */
  readonly concurrency: number;
  run(request: TrialRequest): Promise<TrialOutcome>;
  close(): Promise<void>;
}

/** The default number of worker threads: one per core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Runs trials one at a time on this thread, letting the event loop turn
 * between trials (so a progress bar draws and Ctrl-C is heard).
 */
export class InlinePool implements TrialPool {
  readonly concurrency = 1;
  private readonly runner: TrialRunner;

  constructor(config: RunConfig, strategyClass: StrategyClass<object>, data: SweepData, strategyName: string) {
    this.runner = new TrialRunner(config, strategyClass, data, strategyName);
  }

  async run(request: TrialRequest): Promise<TrialOutcome> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.runner.run(request);
  }

  async close(): Promise<void> {}
}

/**
 * Worker threads (piscina), each loading the strategy once and replaying the
 * sweep's data from shared memory. From the TypeScript sources (tests) the
 * workers load the worker module through tsx.
 */
export class ThreadPool implements TrialPool {
  private readonly pool: Piscina;

  constructor(
    readonly concurrency: number,
    init: TrialWorkerData,
  ) {
    const compiled = import.meta.url.endsWith('.js');
    const filename = new URL(compiled ? './trial-worker.js' : './trial-worker.ts', import.meta.url).href;
    this.pool = new Piscina({
      filename,
      minThreads: concurrency,
      maxThreads: concurrency,
      idleTimeout: 60_000,
      workerData: init,
      ...(compiled ? {} : { execArgv: [...process.execArgv, '--import', 'tsx'] }),
    });
  }

  run(request: TrialRequest): Promise<TrialOutcome> {
    return this.pool.run(request) as Promise<TrialOutcome>;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
