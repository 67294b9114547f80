import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { BroadcastChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { InvariantError } from '../core/errors.js';
import { lazyPackage } from '../core/lazy-package.js';
import { RUNNING_BUILD, moduleUrl } from '../core/module-url.js';
import type { RunConfig } from '../backtest/config.js';
import type { StrategyClass } from '../strategy/strategy.js';
import type { SweepData } from './sweep-data.js';
import { TrialRunner, type TrialOutcome, type TrialRequest } from './trial.js';
import type { SweepDataMessage, TrialWorkerData } from './trial-worker.js';

/** Where trials run: this thread, or a pool of worker threads. */
export interface TrialPool {
  /** Trials it runs at once. */
  readonly concurrency: number;
  /**
   * Trials worth asking it for at once (running, or waiting at a thread):
   * read before each hand-over, so it may change as the pool learns how
   * long trials take. Without it, twice the concurrency.
   */
  readonly depth?: number;
  run(request: TrialRequest): Promise<TrialOutcome>;
  close(): Promise<void>;
}

/** The default number of threads that run trials: one per core. */
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

interface QueuedTrial {
  readonly request: TrialRequest;
  resolve(outcome: TrialOutcome): void;
  reject(error: unknown): void;
}

/**
 * Trials on this thread and on worker threads (piscina), each worker loading
 * the strategy once and replaying the sweep's data from shared memory. From
 * the TypeScript sources (tests) the workers load the worker module through
 * tsx.
 *
 * Trials wait in one queue. This thread (`inline`) takes the next whenever it
 * has none: it is ready at once and has little else to do. A worker takes
 * about half a second to start (its modules, the strategy), which a small
 * sweep would only wait for: the workers start at once when the sweep's size
 * (trials x rows of data) shows it long, else once this thread's trials show
 * it to be longer than that (the fastest trial's time x the trials left).
 * `--workers N` thus runs trials on up to N threads: this one and N - 1
 * workers. Where a trial runs changes nothing in its outcome.
 *
 * A trial on this thread blocks it, and with it the hand-over of the next
 * trial to a worker that finishes meanwhile: each worker is therefore handed
 * trials ahead (posted to it at once), so it never waits for this thread:
 * one ahead while trials are long, more while they are short (enough for
 * about HAND_AHEAD_MILLIS of work, as this thread's trials last), since one
 * slow trial here would otherwise leave a worker idle for the length of
 * several of its own. Before they start, workers are handed nothing: this
 * thread runs the trials meanwhile, and a worker's first trials (its code not
 * yet optimized) hold up no more of the sweep than the ones it has. Long
 * trials (LONG_TRIAL_ROWS) are the exception: handed over at once, they wait
 * for the worker's start, where this thread, busy with one of them, would
 * leave the worker idle as long. Workers may also have started before the
 * data was read (BootedWorkers, for large files): the pool then uses them.
 */
export class ThreadPool implements TrialPool {
  readonly concurrency: number;
  private pool: Piscina | undefined;
  private readonly queue: QueuedTrial[] = [];
  private inlineBusy = false;
  private inlineTrials = 0;
  private inlineMillis = 0;
  private fastestMillis = Infinity;
  /** This thread's recent trial time (a moving average), for how many trials a worker is handed ahead. */
  private recentMillis = NaN;
  /** Workers take trials once they have started (at once when they are the whole pool: they take them as they start). */
  private workersReady = false;
  private workersBusy = 0;

  constructor(
    private readonly threads: number,
    private readonly init: TrialWorkerData,
    private readonly inline?: TrialRunner,
    /** Trials the sweep expects (when known): with this thread's trials, whether workers are worth starting. */
    private readonly expectedTrials?: number,
    /** Rows of market data each trial replays (when known): a sweep of enough trials x rows starts its workers at once. */
    rowsPerTrial?: number,
    /** Workers started before the data was read (`threads` of them, given the data by now): used instead of starting new ones. */
    private readonly booted?: BootedWorkers,
  ) {
    if (booted !== undefined && booted.threads !== threads) throw new InvariantError(`a pool of ${threads} worker(s) given ${booted.threads} started ones`);
    this.concurrency = threads + (inline !== undefined ? 1 : 0);
    // Without this thread's help the workers are the pool: they start at once and take trials as soon as they are given.
    // A sweep known to be long starts them at once too, this thread running trials until they are ready; long trials are
    // handed to them at once (they begin them when ready: this thread, busy with one, would hand them nothing for as long).
    if (inline === undefined || (rowsPerTrial ?? 0) >= LONG_TRIAL_ROWS) this.workersReady = true;
    if (inline === undefined || (expectedTrials ?? 0) * (rowsPerTrial ?? 0) >= EAGER_START_ROWS) this.startWorkers();
  }

  get depth(): number {
    if (this.inline === undefined) return 2 * this.threads;
    // Workers may hold more than they are now handed ahead (trials got longer): this thread's turn is still one more.
    return 1 + Math.max(this.workersBusy, this.threads * this.ahead());
  }

  /** Trials each worker holds at once beside this thread: one running, and the ones handed ahead (see the class). */
  private ahead(): number {
    const t = this.recentMillis;
    return t === t ? Math.min(MAX_AHEAD, Math.max(2, Math.ceil(HAND_AHEAD_MILLIS / Math.max(t, 0.01)))) : 2;
  }

  /** Settles once the workers have loaded (or failed to): close waits for it. */
  private workersLoaded: Promise<unknown> = Promise.resolve();

  private startWorkers(): void {
    if (this.pool !== undefined || this.threads === 0) return;
    const { pool, started } = this.booted ?? startTrialWorkers(this.threads, this.init, this.inline !== undefined);
    this.pool = pool;
    this.workersLoaded = started.catch(() => undefined);
    // Trials are handed over once the workers have loaded their modules and the strategy (this thread runs them meanwhile),
    // unless they take them already (see the constructor). A worker that cannot start fails the trials it is given, which
    // reports the error.
    const ready = (): void => {
      this.workersReady = true;
      this.pump();
    };
    started.then(ready, ready);
    this.pump();
  }

  /**
   * After each of this thread's trials until the workers start: start them
   * once the trials left (at the pace of the fastest one so far; the first
   * ones run before the code is optimized) would take longer than a
   * worker's start.
   */
  private considerWorkers(trialMillis: number): void {
    this.inlineMillis += trialMillis;
    if (trialMillis < this.fastestMillis) this.fastestMillis = trialMillis;
    // A trial as long as a worker's start settles it. Short ones are judged once this thread has run for a while, at the pace
    // of the fastest so far: the first trials run before the code is optimized, several times slower than the rest.
    if (trialMillis < WORKER_START_MILLIS && this.inlineMillis < WORKER_START_MILLIS / 2) return;
    const rest = this.expectedTrials === undefined ? Infinity : this.expectedTrials - this.inlineTrials;
    if ((this.fastestMillis * rest) / (this.threads + 1) > WORKER_START_MILLIS) this.startWorkers();
  }

  run(request: TrialRequest): Promise<TrialOutcome> {
    return new Promise<TrialOutcome>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  /** Hands queued trials to whoever is free: the workers (once started; trials ahead each beside this thread), then this thread. */
  private pump(): void {
    const pool = this.pool;
    const ahead = this.inline === undefined ? 1 : this.ahead();
    while (pool !== undefined && this.workersReady && this.workersBusy < this.threads * ahead && this.queue.length > 0) {
      const job = this.queue.shift() as QueuedTrial;
      this.workersBusy++;
      (pool.run(job.request) as Promise<TrialOutcome>)
        .then(job.resolve, job.reject)
        .finally(() => {
          this.workersBusy--;
          this.pump();
        });
    }
    const inline = this.inline;
    if (inline === undefined || this.inlineBusy || this.queue.length === 0) return;
    this.inlineBusy = true;
    // On a later turn of the event loop: a trial blocks this thread while it runs.
    setImmediate(() => {
      const job = this.queue.shift();
      try {
        if (job !== undefined) {
          const started = performance.now();
          try {
            job.resolve(inline.run(job.request));
          } catch (e) {
            job.reject(e);
          }
          this.inlineTrials++;
          const millis = performance.now() - started;
          this.recentMillis = this.recentMillis === this.recentMillis ? this.recentMillis + (millis - this.recentMillis) / 8 : millis;
          if (this.pool === undefined) this.considerWorkers(millis);
        }
      } finally {
        this.inlineBusy = false;
        this.pump();
      }
    });
  }

  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.reject(new Error('the trial pool was closed'));
    // A worker terminated while it loads its modules can abort the whole process in V8 (a module torn down mid-instantiation):
    // a sweep that ends while its workers are still starting waits for them.
    await this.workersLoaded;
    if (this.booted !== undefined) await this.booted.destroy();
    else await this.pool?.destroy();
  }
}

/** Worker threads of a sweep, and when they have all loaded their modules and the strategy. */
interface TrialWorkers {
  readonly pool: Piscina;
  readonly started: Promise<unknown>;
}

/** Starts `threads` trial workers (see ThreadPool: with `inline`, each is handed trials ahead beside this thread). */
function startTrialWorkers(threads: number, init: TrialWorkerData, inline: boolean): TrialWorkers {
  const pool = new (piscinaLib().Piscina)({
    filename: moduleUrl('optimize/trial-worker'),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    // The trials handed over ahead go to the worker itself: piscina's own queue waits for this thread's event loop.
    concurrentTasksPerWorker: inline ? MAX_AHEAD : 1,
    workerData: init,
    ...(RUNNING_BUILD ? {} : { execArgv: [...process.execArgv, '--import', 'tsx'] }),
  });
  // Each worker loads its modules and the strategy at once.
  const started = Promise.all(Array.from({ length: threads }, () => pool.run(WARM_UP) as Promise<unknown>));
  started.catch(() => {});
  return { pool, started };
}

/**
 * Trial workers started before the sweep's data is read: they load their
 * modules and the strategy (about a second here) while this thread reads a
 * large data set, instead of after. The data reaches them once read
 * (`provide`) on a BroadcastChannel: its columns are shared memory, sent
 * without a copy. A ThreadPool given them runs its trials on them as on
 * workers it started itself, and closes them; unused, `destroy` closes them.
 */
export class BootedWorkers implements TrialWorkers {
  readonly pool: Piscina;
  readonly started: Promise<unknown>;
  private readonly channel: BroadcastChannel;
  private data: SweepData | undefined;
  private destroyed = false;

  constructor(
    readonly threads: number,
    init: Omit<TrialWorkerData, 'data' | 'dataChannel'>,
    /** Whether the sweep's own thread runs trials beside them (ThreadPool's `inline`). */
    inline: boolean,
  ) {
    const dataChannel = `quantflow-sweep-data-${randomUUID()}`;
    this.channel = new BroadcastChannel(dataChannel);
    // A worker that started listening after the data went out asks for it.
    this.channel.onmessage = (event: MessageEvent): void => {
      if ((event.data as SweepDataMessage).kind === 'need' && this.data !== undefined) this.send(this.data);
    };
    this.channel.unref();
    ({ pool: this.pool, started: this.started } = startTrialWorkers(threads, { ...init, dataChannel }, inline));
  }

  /** The sweep's data, read: every worker gets it (the skipped rows stay here: trials do not need them). */
  provide(data: SweepData): void {
    this.data = { ...data, skipped: [] };
    this.send(this.data);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    // Not while they load their modules (see ThreadPool.close).
    await this.started.catch(() => undefined);
    this.channel.close();
    await this.pool.destroy();
  }

  private send(data: SweepData): void {
    this.channel.postMessage({ kind: 'data', data } satisfies SweepDataMessage);
  }
}

/** Loaded when workers start: a sweep on this thread alone, and every process importing the package, never needs it. */
const piscinaLib = lazyPackage<typeof import('piscina')>('piscina');

/** About how long a worker thread takes to start (modules, tsx, the strategy) on the development machine. */
const WORKER_START_MILLIS = 500;

/** Work a worker is handed ahead of what it runs, in this thread's trial time (see ThreadPool). */
const HAND_AHEAD_MILLIS = 25;

/** Trials a worker is handed at most. */
const MAX_AHEAD = 32;

/** Rows of data from which a trial is long (a tenth of a second or more): workers are handed such trials before they have started. */
const LONG_TRIAL_ROWS = 250_000;

/** Trials x rows of data from which a sweep starts its workers at once (about a second of trials on one thread). */
const EAGER_START_ROWS = 4_000_000;

/** The task that makes a worker load its modules and the strategy (see trial-worker.ts). */
export const WARM_UP = { warmUp: true } as const;
