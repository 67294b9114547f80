import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { defaultWorkers } from '../../optimize/pool.js';
import { parseRedisUrl } from '../../optimize/redis-job.js';
import { DEFAULT_LOCK_MS, RedisTrialWorker, defaultStrategyCache } from '../../optimize/redis-worker.js';
import { integerFlag } from '../args.js';
import type { CliIO } from '../io.js';

interface WorkerFlags {
  redis: string;
  concurrency?: string;
  lockDuration?: string;
  cacheDir?: string;
}

function atLeast(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = integerFlag(flag, text);
  if (n < min) throw new InputError({ code: 'invalid_option', field: flag, value: text, message: `${flag} must be an integer >= ${min}` });
  return n;
}

export function registerWorker(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('worker')
    .description('run the trials of `quantflow optimize --redis` sweeps, from a Redis queue, until stopped (Ctrl-C or SIGTERM)')
    .requiredOption('--redis <url>', 'the Redis server of the sweeps (redis://HOST:PORT)')
    .option('--concurrency <n>', `trials at once, on worker threads (default: one per core, here ${defaultWorkers()})`)
    .option('--lock-duration <ms>', `how long a trial stays with a worker that stopped answering before another worker takes it (default ${DEFAULT_LOCK_MS})`)
    .option('--cache-dir <dir>', `where the strategies' texts are written (default ${defaultStrategyCache()})`)
    .action(async (flags: WorkerFlags) => {
      const concurrency = atLeast('--concurrency', flags.concurrency, 1) ?? defaultWorkers();
      const lockDuration = atLeast('--lock-duration', flags.lockDuration, 1000) ?? DEFAULT_LOCK_MS;
      const worker = await RedisTrialWorker.start({
        url: flags.redis,
        concurrency,
        lockDuration,
        ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
        log: (line) => io.stdout.write(`${line}\n`),
      });
      // The server, not the URL: it may hold a password.
      io.stdout.write(`worker: waiting for trials on ${parseRedisUrl(flags.redis).where} (${concurrency} at once)\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      io.stderr.write(`\nstopping (${signal}): the trials running finish first (Ctrl-C again does not wait)\n`);
      process.once('SIGINT', () => process.exit(130));
      await worker.close();
      done(0);
    });
}
