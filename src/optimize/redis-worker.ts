/**
 * The worker side of a sweep on Redis (`quantflow worker`): takes trial jobs
 * from the queue, runs them on worker threads and hands the outcomes back
 * through the queue. Each job carries the strategy's text (cached here by
 * its hash) and the run config (the data is read from the same paths, once
 * per distinct data settings, and checked against the coordinator's hash).
 */
import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { extname, join, relative, sep } from 'node:path';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunConfig } from '../backtest/config.js';
import { ThreadPool } from './pool.js';
import { JOB_FORMAT, KEY_PREFIX, TRIAL_QUEUE, canonicalJson, connectRedis, dataConfigKey, sha256Hex, sweepDataHash, type TrialJobData, type TrialJobStrategy } from './redis-job.js';
import { loadSweepData, type SweepData } from './sweep-data.js';
import { encodeOutcome, type EncodedOutcome } from './trial-codec.js';
import type { TrialOutcome } from './trial.js';

export interface RedisWorkerOptions {
  /** redis://HOST:PORT */
  readonly url: string;
  /** Trials run at once (worker threads). */
  readonly concurrency: number;
  /** Where strategies' texts are written (default: a folder under the system's temporary folder). */
  readonly cacheDir?: string;
  /** How long (ms) a job stays with a worker that stopped answering before it goes back to the queue (default 30000). */
  readonly lockDuration?: number;
  /** A line per trial run, per data set read, per failure. */
  readonly log?: (line: string) => void;
}

/** Sweeps' data and thread pools kept at once (a worker serving several coordinators in turn keeps the latest). */
const KEEP = 2;

export const DEFAULT_LOCK_MS = 30_000;

export function defaultStrategyCache(): string {
  let user = 'user';
  try {
    user = String(userInfo().uid);
  } catch {
    // no user entry (some containers): one folder for all
  }
  return join(tmpdir(), `quantflow-${user}`, 'strategies');
}

/**
 * The node_modules folder quantflow's own dependencies resolve from: a
 * strategy written into the cache imports packages (zod, ...) from there, as
 * it would next to quantflow. `quantflow` itself resolves to this running
 * copy through the loader's hook.
 */
function dependencyFolder(): string | undefined {
  try {
    const zod = createRequire(import.meta.url).resolve('zod');
    const at = zod.lastIndexOf(`${sep}node_modules${sep}`);
    return at < 0 ? undefined : zod.slice(0, at + `${sep}node_modules`.length);
  } catch {
    return undefined;
  }
}

interface LoadedData {
  readonly data: SweepData;
  readonly hash: string;
}

interface SweepPool {
  readonly pool: ThreadPool;
  active: number;
}

export class RedisTrialWorker {
  private readonly data = new Map<string, Promise<LoadedData>>();
  private readonly pools = new Map<string, SweepPool>();
  private readonly cacheDir: string;
  private readonly log: (line: string) => void;
  private worker: Worker | undefined;

  private constructor(
    private readonly options: RedisWorkerOptions,
    private readonly redis: Redis,
    /** BullMQ's error for a job that must not be tried again. */
    private readonly Unrecoverable: new (message: string) => Error,
  ) {
    this.cacheDir = options.cacheDir ?? defaultStrategyCache();
    this.log = options.log ?? (() => undefined);
  }

  /** Connects (a one-line error when Redis cannot be reached) and starts taking jobs. */
  static async start(options: RedisWorkerOptions): Promise<RedisTrialWorker> {
    const redis = await connectRedis(options.url);
    // BullMQ is loaded here, not with the module: only a worker pays for it.
    const bullmq = await import('bullmq');
    const self = new RedisTrialWorker(options, redis, bullmq.UnrecoverableError);
    const lock = options.lockDuration ?? DEFAULT_LOCK_MS;
    const worker = new bullmq.Worker<TrialJobData, EncodedOutcome>(TRIAL_QUEUE, (job) => self.process(job), {
      connection: redis,
      prefix: KEY_PREFIX,
      concurrency: options.concurrency,
      lockDuration: lock,
      stalledInterval: lock,
      // A job whose worker died is handed on twice before it counts as failed.
      maxStalledCount: 2,
    });
    worker.on('error', (e) => self.log(`redis: ${e.message}`));
    worker.on('failed', (job, e) => self.log(`failed: trial ${job?.data.trial ?? '?'} (job ${job?.id?.slice(0, 12) ?? '?'}): ${e.message}`));
    self.worker = worker;
    await worker.waitUntilReady();
    return self;
  }

  /** Finishes the trials running, then stops. */
  async close(): Promise<void> {
    await this.worker?.close();
    for (const { pool } of this.pools.values()) await pool.close();
    this.pools.clear();
    this.redis.disconnect();
  }

  private async process(job: Job<TrialJobData, EncodedOutcome>): Promise<EncodedOutcome> {
    const d = job.data;
    if (d.format !== JOB_FORMAT) throw new this.Unrecoverable(`a job of format ${d.format}; this worker reads format ${JOB_FORMAT}: run the same quantflow version everywhere`);
    const file = this.strategyFile(d.strategy);
    const loaded = await this.dataOf(d.config);
    if (loaded.hash !== d.dataHash) {
      throw new this.Unrecoverable(`the data this worker reads (${describeData(d.config)}) differs from the coordinator's: give every machine the same files, catalog or object store`);
    }
    const key = sha256Hex(canonicalJson({ strategy: d.strategy.sha256, config: { ...d.config, out: '' } }));
    const entry = this.poolOf(key, { ...d.config, strategy: file }, loaded.data, d.strategy.name);
    entry.active++;
    let outcome: TrialOutcome;
    try {
      outcome = await entry.pool.run({ trial: d.trial, params: d.params, withTimes: d.withTimes });
    } finally {
      entry.active--;
    }
    const reason = renameFile(outcome.reason, file, d.strategy.display);
    this.log(`trial ${d.trial} ${outcome.status} in ${outcome.millis.toFixed(0)} ms (job ${String(job.id).slice(0, 12)})`);
    return encodeOutcome({ ...outcome, reason });
  }

  /** The strategy's text as a file of the cache, written once per hash. */
  private strategyFile(s: TrialJobStrategy): string {
    if (sha256Hex(s.source) !== s.sha256) throw new this.Unrecoverable(`the strategy's text does not match its SHA-256 ${s.sha256}`);
    const ext = extname(s.display) || '.ts';
    const path = join(this.cacheDir, `${s.sha256}${ext}`);
    if (existsSync(path)) return path;
    mkdirSync(this.cacheDir, { recursive: true, mode: 0o700 });
    const deps = dependencyFolder();
    const link = join(this.cacheDir, 'node_modules');
    if (deps !== undefined && !existsSync(link)) {
      try {
        symlinkSync(deps, link, 'dir');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, s.source);
    renameSync(tmp, path);
    return path;
  }

  private dataOf(config: RunConfig): Promise<LoadedData> {
    const key = dataConfigKey(config);
    let loaded = this.data.get(key);
    if (loaded === undefined) {
      const started = performance.now();
      loaded = loadSweepData(config).then((data) => {
        this.log(`data: ${describeData(config)} read in ${(performance.now() - started).toFixed(0)} ms`);
        return { data, hash: sweepDataHash(data) };
      });
      loaded.catch(() => this.data.delete(key));
      this.data.set(key, loaded);
      while (this.data.size > KEEP) this.data.delete(this.data.keys().next().value as string);
    } else {
      // Most recently used last.
      this.data.delete(key);
      this.data.set(key, loaded);
    }
    return loaded;
  }

  private poolOf(key: string, config: RunConfig, data: SweepData, strategyName: string): SweepPool {
    let entry = this.pools.get(key);
    if (entry === undefined) {
      entry = { pool: new ThreadPool(this.options.concurrency, { config, data, strategyName }), active: 0 };
      for (const [k, e] of this.pools) {
        if (this.pools.size < KEEP) break;
        if (e.active > 0) continue;
        this.pools.delete(k);
        void e.pool.close();
      }
    } else this.pools.delete(key);
    this.pools.set(key, entry);
    return entry;
  }
}

function describeData(config: RunConfig): string {
  return config.catalog !== undefined ? `catalog ${config.catalog} ${(config.symbol ?? []).join(' ')}` : config.data.join(' ');
}

/** A failed trial's reason names the strategy file as the coordinator does, not by its place in this worker's cache. */
function renameFile(reason: string, file: string, display: string): string {
  if (reason === '') return reason;
  const rel = relative(process.cwd(), file);
  return reason.split(file).join(display).split(rel).join(display);
}
