/**
 * Sweeps on Redis: a real redis-server (the Debian package) on a loopback
 * port, `quantflow worker` processes and the coordinator, all as a user runs
 * them. Without redis-server the file is skipped with a warning, except
 * under CI, where it runs (and fails): CI must test this.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/backtest/config.js';
import { optimize as optimizeSweep } from '../../src/optimize/optimize.js';
import { listSampler } from '../../src/optimize/sweep.js';
import { ROOT, SAMPLES, cli, readCsv, tempDir } from '../helpers/cli.js';

const inCI = process.env.CI !== undefined && process.env.CI !== '';
const which = spawnSync('which', ['redis-server'], { encoding: 'utf8' });
const REDIS_SERVER = which.status === 0 ? which.stdout.trim() : 'redis-server';
const noRedis = which.status !== 0 && !inCI;
if (noRedis) {
  console.warn(
    '\n!!!!!!!!!! optimize-redis.test.ts: SKIPPED: redis-server not found (apt-get install redis-server). ' +
      'The sweeps on Redis are NOT tested here; under CI this file runs and fails without it. !!!!!!!!!!\n',
  );
}

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const BASE = ['--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--cash', '100000', '--fee-rate', '0.001', '--no-progress'];
const GRID = ['--range', 'fast=5:50:5', '--range', 'slow=20:200:20'];
const OUTPUTS = ['trials.csv', 'returns.csv', 'best.json'];

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** A free loopback port (nothing listens on it once this returns). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Every process started here, killed at the end if still running (a test that failed or timed out). */
const started: ChildProcess[] = [];

/** A started process of the built CLI whose output is collected as it comes. */
class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Run>;
  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: 'true' } });
    started.push(this.child);
    this.child.stdout?.on('data', (b: Buffer) => (this.stdout += b.toString()));
    this.child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ status: code ?? (signal !== null ? -1 : 0), stdout: this.stdout, stderr: this.stderr })));
  }

  /** Waits until the output has `count` lines matching `pattern`. */
  async waitFor(pattern: RegExp, count = 1, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (this.lines(pattern).length < count) {
      if (this.child.exitCode !== null) throw new Error(`exited (${this.child.exitCode}) before ${pattern}: ${this.stdout}${this.stderr}`);
      if (Date.now() > end) throw new Error(`no ${count} x ${pattern} after ${ms} ms: ${this.stdout}${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  lines(pattern: RegExp): string[] {
    return this.stdout.split('\n').filter((l) => pattern.test(l));
  }
}

/** The trials a worker ran (one log line each). */
const TRIAL_LINE = /^trial \d+ (ok|skipped|failed) in /;
/** The lock of the workers of the test that kills one mid-trial: its job goes to the other within seconds. */
const SHORT_LOCK_MS = 1500;
const trialsRun = (workers: readonly Proc[]): number => workers.reduce((n, w) => n + w.lines(TRIAL_LINE).length, 0);

describe.skipIf(noRedis)('quantflow optimize --redis with quantflow worker processes', () => {
  let server: ChildProcess;
  let url = '';
  const workers: Proc[] = [];
  const tmp = tempDir('qf-redis-');

  const startWorker = async (lockMs = 30_000): Promise<Proc> => {
    // With a short lock a worker killed mid-trial loses its job to another within seconds. But a worker that misses
    // renewing its lock (its thread busy longer than that on a loaded machine) loses its job the same way, and the
    // trial runs twice (BullMQ hands a job out at least once): so only the test that kills a worker takes a short one.
    const w = new Proc(['worker', '--redis', url, '--concurrency', '1', '--lock-duration', String(lockMs), '--cache-dir', join(tmp, 'strategies')]);
    workers.push(w);
    await w.waitFor(/^worker: waiting for trials/);
    return w;
  };
  const stopWorkers = async (): Promise<void> => {
    for (const w of workers.splice(0)) {
      w.child.kill('SIGTERM');
      await w.exited;
    }
  };
  const optimize = (args: readonly string[]): Proc => new Proc(['optimize', ...args]);

  beforeAll(async () => {
    if (which.status !== 0) throw new Error('redis-server not found: under CI the sweeps on Redis must be tested (.ci/run installs the redis-server package)');
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    server = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp, '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    const end = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        break;
      } catch (e) {
        probe.disconnect();
        if (Date.now() > end) throw new Error(`redis-server did not start on port ${port}: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  afterEach(async () => {
    await stopWorkers();
    const redis = new Redis(url);
    await redis.flushall();
    redis.disconnect();
  });

  afterAll(async () => {
    await stopWorkers();
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    server?.kill('SIGKILL');
  });

  const reference = new Map<string, string[]>();
  /** The sweep's outputs on this thread (--workers 0), run once per sweep. */
  const referenceOf = (args: readonly string[]): string[] => {
    const key = args.join(' ');
    const cached = reference.get(key);
    if (cached !== undefined) return cached;
    const out = join(tmp, `ref-${reference.size}`);
    const r = cli(['optimize', ...args, '--workers', '0', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const files = OUTPUTS.map((f) => readFileSync(join(out, f), 'utf8'));
    reference.set(key, files);
    return files;
  };
  const outputsOf = (out: string): string[] => OUTPUTS.map((f) => readFileSync(join(out, f), 'utf8'));

  it('runs the ORCL grid on 2 workers: trials.csv, returns.csv and best.json byte-identical to --workers 0, each trial computed once', async () => {
    const pair = [await startWorker(), await startWorker()];
    const out = join(tmp, 'grid');
    const r = await optimize([...BASE, ...GRID, '--redis', url, '--out', out]).exited;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^100 trials in .* with Redis workers \(100 computed, 0 reused\)$/m);
    expect(outputsOf(out)).toEqual(referenceOf([...BASE, ...GRID]));
    expect(trialsRun(pair)).toBe(100);
    // Both workers took part.
    for (const w of pair) expect(w.lines(TRIAL_LINE).length).toBeGreaterThan(0);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { complete: boolean };
    expect(run.complete).toBe(true);

    // A repeated trial is never computed again: the same sweep, and a smaller one inside it, take every result from Redis.
    const again = await optimize([...BASE, ...GRID, '--redis', url, '--out', join(tmp, 'again')]).exited;
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/with Redis workers \(0 computed, 100 reused\)/);
    expect(outputsOf(join(tmp, 'again'))).toEqual(outputsOf(out));
    const part = await optimize([...BASE, '--values', 'fast=10,25', '--values', 'slow=60,140', '--redis', url, '--out', join(tmp, 'part')]).exited;
    expect(part.status, part.stderr).toBe(0);
    expect(part.stdout).toMatch(/with Redis workers \(0 computed, 4 reused\)/);
    const full = new Map(readCsv(join(out, 'trials.csv')).map((row) => [`${row.fast}/${row.slow}`, row]));
    for (const row of readCsv(join(tmp, 'part', 'trials.csv'))) expect({ ...row, trial: '' }).toEqual({ ...full.get(`${row.fast}/${row.slow}`), trial: '' });
    expect(trialsRun(pair)).toBe(100);
  }, 60_000);

  it("sends the strategy's text with the jobs: a failed trial's reason names the coordinator's file, as on this thread", async () => {
    const dir = tempDir('qf-redis-strategy-');
    const file = join(dir, 'throws-at.ts');
    writeFileSync(
      file,
      [
        "import { Strategy, z, type Bar, type StrategyContext } from 'quantflow';",
        '',
        'const params = z.object({ at: z.number().int().default(0) });',
        '',
        'export default class ThrowsAt extends Strategy<z.infer<typeof params>> {',
        '  static params = params;',
        '  private n = 0;',
        '  override onBar(_bar: Bar, _ctx: StrategyContext): void {',
        '    if (++this.n === this.params.at) throw new Error(`bar ${this.n}`);',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const w = await startWorker();
    const args = ['--strategy', file, '--data', ORCL, '--no-progress', '--values', 'at=0,10,20'];
    const out = join(tmp, 'throws');
    const r = await optimize([...args, '--redis', url, '--out', out]).exited;
    expect(r.status, r.stderr).toBe(0);
    expect(outputsOf(out)[0]).toBe(referenceOf(args)[0]);
    const rows = readCsv(join(out, 'trials.csv'));
    expect(rows.map((row) => row.status)).toEqual(['ok', 'failed', 'failed']);
    expect(rows[1]?.reason).toBe(`strategy error in ${file}:9: bar 10 (in onBar)`);
    // The worker ran the text it was sent, cached under its hash.
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(readdirSync(join(tmp, 'strategies'))).toContain(`${sha}.ts`);
    expect(w.lines(TRIAL_LINE)).toHaveLength(3);
  }, 60_000);

  it("reuses stored trials run without the equity times, and computes one again only when no trial of the sweep brings them (returns.csv's time column)", async () => {
    await startWorker();
    // 150 trials: those asked after the first result came back are run without the times (every trial has the same).
    const wide = [...BASE, '--range', 'fast=2:16:1', '--range', 'slow=20:200:20'];
    const r = await optimize([...wide, '--redis', url, '--out', join(tmp, 'wide')]).exited;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(150 computed, 0 reused\)/);
    // A sweep whose first trial brings the times reuses the others as stored, with or without them.
    const corners = [...BASE, '--values', 'fast=2,16', '--values', 'slow=20,200'];
    const reuse = await optimize([...corners, '--redis', url, '--out', join(tmp, 'corners')]).exited;
    expect(reuse.status, reuse.stderr).toBe(0);
    expect(reuse.stdout).toMatch(/\(0 computed, 4 reused\)/);
    expect(outputsOf(join(tmp, 'corners'))).toEqual(referenceOf(corners));
    // The last trial alone: its stored result has no times, so it is computed once more, with them.
    const last = [...BASE, '--values', 'fast=16', '--values', 'slow=200'];
    const one = await optimize([...last, '--redis', url, '--out', join(tmp, 'last')]).exited;
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/\(1 computed, 0 reused\)/);
    expect(outputsOf(join(tmp, 'last'))).toEqual(referenceOf(last));
    const again = await optimize([...last, '--redis', url, '--out', join(tmp, 'last-again')]).exited;
    expect(again.stdout).toMatch(/\(0 computed, 1 reused\)/);
  }, 60_000);

  it('runs a sweep on Redis from the library: one that ran to its end is run again without resume, every trial reused', async () => {
    await startWorker();
    const config = parseRunConfig({ strategy: 'examples/sma-cross.ts', data: [ORCL], cash: 100_000 });
    const sweep = () => optimizeSweep({ config, sampler: listSampler([{ fast: 5, slow: 20 }, { fast: 30, slow: 20 }]), redis: { url, search: 'library test' } });
    const first = await sweep();
    expect(first.outcomes.map((o) => o.status)).toEqual(['ok', 'skipped']);
    const second = await sweep();
    expect(second.outcomes).toEqual(first.outcomes);
  }, 60_000);

  it('stops the sweep with status 2 and one line when a worker reads other data at the same path', async () => {
    const dir = tempDir('qf-redis-moved-');
    const file = join(dir, 'orcl.csv');
    writeFileSync(file, readFileSync(ORCL));
    const coordinator = optimize(['--strategy', 'examples/sma-cross.ts', '--data', file, '--no-progress', '--values', 'fast=5', '--values', 'slow=20,40', '--redis', url, '--out', join(dir, 'out')]);
    // Once both jobs wait in the queue, the file changes under the coordinator's feet.
    const redis = new Redis(url);
    const end = Date.now() + 20_000;
    while ((await redis.llen('quantflow:trials:wait')) < 2) {
      if (Date.now() > end || coordinator.child.exitCode !== null) throw new Error(`the jobs were not queued: ${coordinator.stdout}${coordinator.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    redis.disconnect();
    writeFileSync(file, readFileSync(ORCL, 'utf8').split('\n').slice(0, 3000).join('\n') + '\n');
    await startWorker();
    const r = await coordinator.exited;
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: field '--redis' value '[^']+': trial \d failed on a worker: the data this worker reads \(\S+orcl\.csv\) differs from the coordinator's: give every machine the same files, catalog or object store\n$/);
  }, 60_000);

  // Trials of about half a second each: long enough to kill a process in the middle of one.
  const big = join(tempDir('qf-redis-data-'), 'big.csv');
  const SLOW = () => ['--strategy', 'examples/sma-cross.ts', '--data', big, '--equity-sampling', 'day', '--no-progress', '--values', 'fast=5,10', '--values', 'slow=50,100,150,200'];
  const makeBig = (): void => {
    if (reference.has('big')) return;
    const r = cli(['data', 'generate', '--bars', '1000000', '--seed', '7', '--out', big]);
    expect(r.status, r.stderr).toBe(0);
    reference.set('big', []);
  };

  it('finishes with identical results when a worker is killed in the middle of a trial: the job goes to another worker', async () => {
    makeBig();
    const first = await startWorker(SHORT_LOCK_MS);
    const out = join(tmp, 'killed-worker');
    const coordinator = optimize([...SLOW(), '--redis', url, '--out', out]);
    // The worker has read the data and started its first trial.
    await first.waitFor(/^data: /);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.lines(TRIAL_LINE)).toEqual([]);
    const second = await startWorker(SHORT_LOCK_MS);
    const r = await coordinator.exited;
    expect(r.status, r.stderr).toBe(0);
    expect(outputsOf(out)).toEqual(referenceOf(SLOW()));
    // The trial the killed worker held was handed to the other one, which ran all eight.
    expect(second.lines(TRIAL_LINE)).toHaveLength(8);
  }, 60_000);

  it('resumes a sweep whose coordinator was killed: finished trials are reused, and the outputs are those of an uninterrupted sweep', async () => {
    makeBig();
    const pair = [await startWorker(), await startWorker()];
    const out = join(tmp, 'killed-coordinator');
    const args = [...SLOW(), '--redis', url, '--out', out];
    const killed = optimize(args);
    await pair[0]!.waitFor(TRIAL_LINE);
    killed.child.kill('SIGKILL');
    await killed.exited;

    // Started again as it was: refused, the sweep was begun and did not finish.
    const refused = await optimize(args).exited;
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^error: field '--redis' value 'redis:\/\/127\.0\.0\.1:\d+': this sweep was begun before and did not finish .*add --resume/);

    const resumed = await optimize([...args, '--resume']).exited;
    expect(resumed.status, resumed.stderr).toBe(0);
    const [, computed, reused] = /with Redis workers \((\d+) computed, (\d+) reused\)/.exec(resumed.stdout) ?? [];
    expect(Number(computed) + Number(reused)).toBe(8);
    expect(Number(reused)).toBeGreaterThan(0);
    expect(outputsOf(out)).toEqual(referenceOf(SLOW()));
    // Every trial was computed once, over both coordinators.
    expect(trialsRun(pair)).toBe(8);
    // Finished: the same sweep again is a new sweep, taken whole from Redis without --resume.
    const again = await optimize(args).exited;
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/\(0 computed, 8 reused\)/);
  }, 60_000);

  it('exits with status 2 and one line when Redis cannot be reached, and refuses --resume without --redis', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const r = cli(['optimize', ...BASE, '--values', 'fast=5', '--values', 'slow=20', '--redis', closed, '--out', join(tmp, 'unreachable')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: field '--redis' value '${closed}': cannot reach Redis at 127.0.0.1:${closed.split(':')[2]}: connection refused\n`);
    const w = cli(['worker', '--redis', closed]);
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/^error: field '--redis' value .*: cannot reach Redis at 127\.0\.0\.1:\d+: connection refused\n$/);
    const bad = cli(['worker', '--redis', 'http://127.0.0.1:6379']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expected redis:\/\/ or rediss:\/\//);
    const resume = cli(['optimize', ...BASE, '--values', 'fast=5', '--values', 'slow=20', '--resume', '--out', join(tmp, 'resume')]);
    expect(resume.status).toBe(2);
    expect(resume.stderr).toBe("error: field '--resume': needs --redis: the finished trials of a sweep are kept in Redis\n");
  });
});
