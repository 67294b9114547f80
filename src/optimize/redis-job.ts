/**
 * What a sweep on Redis puts in the queue: one job per trial, named by a
 * hash of everything that decides its outcome, so that the same trial is
 * computed once whoever asks for it. Shared by the coordinator (RedisPool)
 * and the workers (redis-worker.ts).
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { InputError } from '../core/errors.js';
import type { RunConfig } from '../backtest/config.js';
import type { SweepData } from './sweep-data.js';

/** The queue every coordinator and worker of a Redis server shares: its keys start with `quantflow:trials:`. */
export const TRIAL_QUEUE = 'trials';
export const KEY_PREFIX = 'quantflow';

/** Bumped whenever a job's data or its result's encoding changes: jobs of another format get other ids. */
export const JOB_FORMAT = 1;

/** Finished trials (and the marks of unfinished sweeps) are kept this long for reuse. */
export const KEEP_SECONDS = 7 * 24 * 3600;

export interface TrialJobStrategy {
  /** The strategy file's text: workers need no copy of it. */
  readonly source: string;
  /** SHA-256 of the text. */
  readonly sha256: string;
  /** The strategy's class name (summary.json's `strategy`). */
  readonly name: string;
  /** The file as the coordinator names it in messages (a failed trial's reason names it so on any worker). */
  readonly display: string;
}

/** A job's data: one trial, with all a worker needs to run it. */
export interface TrialJobData {
  readonly format: number;
  readonly strategy: TrialJobStrategy;
  /** The run config, its paths absolute (the workers read the data at the same paths). */
  readonly config: RunConfig;
  /** sweepDataHash of the data as the coordinator read it: a worker that reads other rows refuses the job. */
  readonly dataHash: string;
  /** The trial's number in the sweep that first asked for it (for the workers' log only). */
  readonly trial: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly withTimes: boolean;
}

/** JSON with object keys sorted, so equal values give equal text whatever the order they were built in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The config as workers get it: the data paths absolute (an s3:// catalog stays as it is). */
export function absoluteConfig(config: RunConfig): RunConfig {
  const abs = (p: string): string => (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || isAbsolute(p) ? p : resolve(p));
  return {
    ...config,
    strategy: abs(config.strategy),
    data: config.data.map(abs),
    ...(config.catalog !== undefined ? { catalog: abs(config.catalog) } : {}),
    ...(config.actions !== undefined ? { actions: abs(config.actions) } : {}),
  };
}

/**
 * A trial's job id: SHA-256 of the strategy's text, the data's rows, the run
 * config (less where the outputs go and where the strategy file lies) and
 * the parameters. Equal ids, equal outcomes: a finished job is reused.
 */
export function trialJobId(data: Pick<TrialJobData, 'strategy' | 'config' | 'dataHash' | 'params'>): string {
  const { out: _out, strategy: _file, params: fixed, ...config } = data.config;
  return sha256Hex(canonicalJson({ format: JOB_FORMAT, strategy: data.strategy.sha256, data: data.dataHash, config, params: { ...fixed, ...data.params } }));
}

/** The settings that decide which rows a worker loads (everything else of the config is per trial). */
export function dataConfigKey(config: RunConfig): string {
  return canonicalJson({
    data: config.data,
    catalog: config.catalog,
    cache: config.cache,
    symbol: config.symbol,
    from: config.from,
    to: config.to,
    onInvalid: config.onInvalid,
    onGap: config.onGap,
    format: config.format,
    adjust: config.adjust,
    actions: config.actions,
    timezone: config.timezone,
  });
}

type TypedColumn = Float64Array | Int8Array | Uint8Array | Uint16Array;

function isTypedColumn(v: unknown): v is TypedColumn {
  return v instanceof Float64Array || v instanceof Int8Array || v instanceof Uint8Array || v instanceof Uint16Array;
}

/**
 * SHA-256 of a sweep's rows (every feed's symbol, kind and columns, the
 * adjustment, the count of rows skipped), not of where they were read from:
 * a worker compares it with the coordinator's to know it reads the same data.
 */
export function sweepDataHash(data: SweepData): string {
  const h = createHash('sha256');
  h.update(canonicalJson({ feeds: data.feeds.length, skipped: data.skipped.length, adjustment: data.adjustment ?? null }));
  for (const feed of data.feeds) {
    const cols = feed.columns as unknown as Record<string, unknown>;
    const n = feed.columns.length;
    const plain: Record<string, unknown> = { symbol: feed.symbol, kind: feed.kind, priceSide: feed.priceSide ?? null };
    for (const key of Object.keys(cols).sort()) {
      const value = cols[key];
      if (isTypedColumn(value)) {
        h.update(key);
        const rows = value.subarray(0, n);
        h.update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
      } else if (key !== 'capacity') plain[key] = value;
    }
    h.update(canonicalJson(plain));
  }
  return h.digest('hex');
}

/** The URL for messages: a password in it shown as ***. */
export function redactedUrl(text: string): string {
  try {
    const u = new URL(text);
    if (u.password === '') return text;
    u.password = '***';
    return u.toString();
  } catch {
    return text;
  }
}

/** `redis://HOST:PORT` (or rediss://, with user, password, /db) checked, for messages and connections. */
export function parseRedisUrl(text: string, flag = '--redis'): { url: string; where: string } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'expected a URL such as redis://127.0.0.1:6379' });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new InputError({ code: 'invalid_option', field: flag, value: redactedUrl(text), message: `expected redis:// or rediss://, not ${u.protocol}//` });
  }
  return { url: text, where: `${u.hostname || '127.0.0.1'}:${u.port || '6379'}` };
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * A first contact with the server that fails fast (no retries), so that a
 * wrong URL is a one-line error rather than a command that waits forever.
 * Then the connection BullMQ uses: it reconnects on its own when the
 * server goes away (`maxRetriesPerRequest: null`, as BullMQ requires).
 */
export async function connectRedis(text: string, flag = '--redis'): Promise<Redis> {
  const { url, where } = parseRedisUrl(text, flag);
  // Loaded here, not with the module: only a sweep on Redis pays for it.
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 5000 });
  // The socket's error (ECONNREFUSED, ...) comes as an event; connect() then only says the connection closed.
  let socketError: unknown;
  probe.on('error', (e) => (socketError ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    const err = (socketError ?? e) as NodeJS.ErrnoException;
    const reason = (err.code !== undefined ? REASONS[err.code] : undefined) ?? (err.message || String(e)).split('\n')[0];
    throw new InputError({ code: 'invalid_option', field: flag, value: redactedUrl(text), message: `cannot reach Redis at ${where}: ${reason}` });
  } finally {
    probe.disconnect();
  }
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // reconnects by itself; BullMQ reports what it cannot do
  return redis;
}
