import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { InputError } from '../core/errors.js';
import type { RunConfig } from '../backtest/config.js';
import { displayPath } from '../backtest/strategy-error.js';
import type { TrialPool } from './pool.js';
import {
  JOB_FORMAT,
  KEEP_SECONDS,
  KEY_PREFIX,
  TRIAL_QUEUE,
  absoluteConfig,
  canonicalJson,
  connectRedis,
  redactedUrl,
  sha256Hex,
  sweepDataHash,
  trialJobId,
  type TrialJobData,
} from './redis-job.js';
import type { SweepData } from './sweep-data.js';
import { decodeOutcome, type EncodedOutcome } from './trial-codec.js';
import type { TrialOutcome, TrialRequest } from './trial.js';

export interface RedisPoolOptions {
  /** redis://HOST:PORT */
  readonly url: string;
  /** Everything of a job but the trial: built once per sweep. */
  readonly job: Omit<TrialJobData, 'trial' | 'params' | 'withTimes'>;
  /**
   * Names this sweep (its settings and search): marks it as begun until it
   * ends, so that a second coordinator of the same sweep is refused unless
   * told to resume it.
   */
  readonly sweepId: string;
  /** Continue a sweep that was begun before (and reuse its finished trials). */
  readonly resume?: boolean;
  /** Trials kept in the queue at once (default 64: enough to keep many workers busy). */
  readonly concurrency?: number;
}

/** How a Redis sweep's trials came out: reused from earlier runs, or computed now by workers. */
export interface RedisPoolStats {
  reused: number;
  computed: number;
}

/**
 * A sweep as a BullMQ queue: each trial is a job whose id is the hash of
 * its whole configuration (redis-job.ts); `quantflow worker` processes run
 * them on any machine. A job already finished (by this sweep before a
 * restart, or by any other sweep) is not run again: its stored result is
 * used. Workers killed mid-trial: BullMQ's stalled-job check hands the job
 * to another worker.
 */
export class RedisPool implements TrialPool {
  readonly concurrency: number;
  readonly stats: RedisPoolStats = { reused: 0, computed: 0 };
  /** Trials answered from Redis without the equity times (a later request may need them computed). */
  private readonly reusedWithoutTimes = new Set<string>();
  private constructor(
    private readonly options: RedisPoolOptions,
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly eventsRedis: Redis,
    private readonly jobClass: typeof Job,
  ) {
    this.concurrency = options.concurrency ?? 64;
    // A listener per trial waiting (runSweep keeps twice the concurrency in flight).
    queue.setMaxListeners(this.concurrency * 2 + 10);
    events.setMaxListeners(this.concurrency * 4 + 10);
  }

  /** Connects (a one-line error when Redis cannot be reached) and marks the sweep as begun. */
  static async open(options: RedisPoolOptions): Promise<RedisPool> {
    const redis = await connectRedis(options.url);
    const mark = `${KEY_PREFIX}:sweep:${options.sweepId}`;
    const fresh = await redis.set(mark, new Date().toISOString(), 'EX', KEEP_SECONDS, 'NX');
    if (fresh === null && options.resume !== true) {
      redis.disconnect();
      throw new InputError({
        code: 'invalid_option',
        field: '--redis',
        value: redactedUrl(options.url),
        message: 'this sweep was begun before and did not finish (or is running now): add --resume to continue it, reusing its finished trials',
      });
    }
    // BullMQ is loaded here, not with the module: only a sweep on Redis pays for it.
    const { Job, Queue, QueueEvents } = await import('bullmq');
    const queue = new Queue(TRIAL_QUEUE, { connection: redis, prefix: KEY_PREFIX });
    const eventsRedis = redis.duplicate();
    eventsRedis.on('error', () => undefined);
    const events = new QueueEvents(TRIAL_QUEUE, { connection: eventsRedis, prefix: KEY_PREFIX });
    // Connection trouble: ioredis reconnects and the waiting trials go on once Redis is back.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    await events.waitUntilReady();
    return new RedisPool(options, redis, queue, events, eventsRedis, Job);
  }

  async run(request: TrialRequest): Promise<TrialOutcome> {
    const data: TrialJobData = { ...this.options.job, trial: request.trial, params: request.params, withTimes: request.withTimes !== false };
    const id = trialJobId(data);
    const encoded = await this.finished(id, data, request.requireTimes === true);
    return decodeOutcome(encoded, request.trial, request.params);
  }

  private async finished(id: string, data: TrialJobData, requireTimes: boolean): Promise<EncodedOutcome> {
    let job = await this.jobClass.fromId<TrialJobData, EncodedOutcome>(this.queue, id);
    const state = job !== undefined ? await job.getState() : 'unknown';
    if (job !== undefined && state !== 'unknown') {
      if (state === 'completed') {
        const stored = job.returnvalue;
        // A stored trial is reused as it is, unless the sweep must have the equity times and it lacks them
        // (then it is computed again under an id of its own): the first ok trial of a sweep brings them.
        if (!requireTimes || stored.status !== 'ok' || stored.times.length > 0) {
          this.stats.reused++;
          if (stored.status === 'ok' && stored.times.length === 0) this.reusedWithoutTimes.add(id);
          return stored;
        }
        // Counted once: as computed, not also as reused when it was first answered without the times.
        if (this.reusedWithoutTimes.delete(id)) this.stats.reused--;
        return this.finished(`${id}-times`, data, false);
      }
      // A job that failed before (a worker that could not read the data, say) gets another go.
      if (state === 'failed') await job.retry('failed');
    } else {
      job = await this.queue.add('trial', data, {
        jobId: id,
        attempts: 1,
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: KEEP_SECONDS },
      });
    }
    try {
      const result = (await job.waitUntilFinished(this.events)) as EncodedOutcome;
      this.stats.computed++;
      return result;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new InputError({ code: 'invalid_option', field: '--redis', value: redactedUrl(this.options.url), message: `trial ${data.trial} failed on a worker: ${reason}` });
    }
  }

  /** The sweep ran to its end: a later run of it is a new sweep (that reuses every trial), not a resumption. */
  async markComplete(): Promise<void> {
    await this.redis.del(`${KEY_PREFIX}:sweep:${this.options.sweepId}`);
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    this.eventsRedis.disconnect();
    this.redis.disconnect();
  }
}

export interface RedisSweepOptions {
  /** redis://HOST:PORT */
  readonly url: string;
  /** The search settings (method, ranges, seed, ...): with the config, strategy and data, they name the sweep (for --resume). */
  readonly search: unknown;
  readonly resume?: boolean;
  readonly concurrency?: number;
}

/** A RedisPool for a sweep of this strategy over this data: the jobs carry the strategy's text and the data's hash. */
export async function openRedisPool(config: RunConfig, data: SweepData, strategyName: string, options: RedisSweepOptions): Promise<RedisPool> {
  const source = readFileSync(config.strategy, 'utf8');
  const strategy = { source, sha256: sha256Hex(source), name: strategyName, display: displayPath(resolve(config.strategy)) };
  const job = { format: JOB_FORMAT, strategy, config: absoluteConfig(config), dataHash: sweepDataHash(data) };
  const sweepId = sha256Hex(canonicalJson({ format: JOB_FORMAT, strategy: strategy.sha256, data: job.dataHash, config: job.config, search: options.search }));
  return RedisPool.open({ url: options.url, job, sweepId, ...(options.resume !== undefined ? { resume: options.resume } : {}), ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}) });
}
