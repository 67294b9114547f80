/**
 * A worker thread of the trial pool: loads the strategy once, then runs the
 * trials it is handed over the sweep's shared data. Piscina calls the
 * default export once per task.
 */
// Piscina's `workerData` is this one (its worker hands it on as is); taken from here, a worker need not load piscina's main module.
import { BroadcastChannel, workerData } from 'node:worker_threads';
import type { RunConfig } from '../backtest/config.js';
import { loadStrategyFile } from '../backtest/strategy-loader.js';
import { InvariantError } from '../core/errors.js';
import type { StrategyClass } from '../strategy/strategy.js';
import type { SweepData } from './sweep-data.js';
import { TrialRunner, type TrialOutcome, type TrialRequest } from './trial.js';

/** What every worker of a sweep starts with (structured-cloned; the data's SharedArrayBuffers are shared, not copied). */
export interface TrialWorkerData {
  readonly config: RunConfig;
  /** The sweep's data; absent when the workers start before it is read: it then comes on `dataChannel`. */
  readonly data?: SweepData | undefined;
  /** The BroadcastChannel the data comes on (SweepDataMessage), for workers started without it. */
  readonly dataChannel?: string | undefined;
  readonly strategyName: string;
  /** The strategy as the sweep's own thread compiled it (compiledStrategyModule), when it did: imported as it is. */
  readonly strategyModule?: string | undefined;
}

/** On a sweep's data channel: a worker asks for the data; the sweep's thread sends it (once read, and again when asked). */
export type SweepDataMessage = { readonly kind: 'need' } | { readonly kind: 'data'; readonly data: SweepData };

let strategy: Promise<StrategyClass<object>> | undefined;
let data: Promise<SweepData> | undefined;
let runner: Promise<TrialRunner> | undefined;

function strategyOf(init: TrialWorkerData): Promise<StrategyClass<object>> {
  strategy ??= loadStrategyFile(init.config.strategy, init.strategyModule);
  return strategy;
}

/** The sweep's data: given at the start, or listened for on its channel from the worker's start (the thread sends it once read). */
function dataOf(init: TrialWorkerData): Promise<SweepData> {
  if (data !== undefined) return data;
  const given = init.data;
  const name = init.dataChannel;
  if (given !== undefined) data = Promise.resolve(given);
  else if (name === undefined) throw new InvariantError('a trial worker started with neither the sweep data nor its channel');
  else {
    data = new Promise<SweepData>((resolve) => {
      const channel = new BroadcastChannel(name);
      channel.onmessage = (event: MessageEvent): void => {
        const message = event.data as SweepDataMessage;
        if (message.kind !== 'data') return;
        channel.close();
        resolve(message.data);
      };
      // The data may have gone out before this worker listened: ask for it (the sweep's thread answers when it has it).
      channel.postMessage({ kind: 'need' } satisfies SweepDataMessage);
    });
  }
  return data;
}

function runnerOf(init: TrialWorkerData): Promise<TrialRunner> {
  runner ??= Promise.all([strategyOf(init), dataOf(init)]).then(([cls, sweepData]) => new TrialRunner(init.config, cls, sweepData, init.strategyName));
  return runner;
}

/** A trial, or (`{ warmUp: true }`) only the loading of the modules and the strategy, answered with null. */
export default async function runTrialTask(request: TrialRequest | { readonly warmUp: true }): Promise<TrialOutcome | null> {
  const init = workerData as TrialWorkerData;
  if ('warmUp' in request) {
    // Ready once the strategy is loaded; the data, when it is still being read, is listened for meanwhile.
    void dataOf(init);
    await strategyOf(init);
    return null;
  }
  const runner = await runnerOf(init);
  return inTurn(() => runner.run(request));
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
