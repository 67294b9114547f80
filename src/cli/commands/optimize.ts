import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { resolve } from 'node:path';
import { parseRunConfig, type RunConfig } from '../../backtest/config.js';
import { coerceParamText } from '../../backtest/strategy-loader.js';
import { InputError, formatIssue } from '../../core/errors.js';
import { outputError } from '../../core/output-file.js';
import { openSweep, sweepEnded } from '../../optimize/optimize.js';
import type { SweepData } from '../../optimize/sweep-data.js';
import { bestTrial, runSweep, sweepOverfittingAsync, withEquityTimes } from '../../optimize/sweep.js';
import { checkOutputFolder, removeTrialRuns, writeSweepFilesAsync, type BestTrial } from '../../optimize/outputs.js';
import type { TrialOutcome } from '../../optimize/trial.js';
import { buildSearch } from '../../optimize/search.js';
import type { SpaceSpec } from '../../optimize/space.js';
import { RedisPool } from '../../optimize/redis-pool.js';
import { overfittingVerdict } from '../../optimize/overfitting.js';
import { sha256File } from '../../data/index.js';
import { optimizeReportHtml } from '../../optimize/report.js';
import { mergeSettings } from '../backtest-flags.js';
import { addSweepFlags, checkSweepFlags, sweepSettings, type SweepFlags } from '../sweep-flags.js';
import type { CliIO } from '../io.js';

interface OptimizeFlags extends SweepFlags {
  keepRuns?: boolean;
  redis?: string;
  resume?: boolean;
}

/**
 * Flags of optimize that `backtest` does not take (and its outputs), left out
 * of the command that reproduces the best trial. `--seed` seeds both the
 * sampling and the random execution models, so it stays.
 */
const SWEEP_FLAGS = new Set(['range', 'values', 'method', 'trials', 'objective', 'minimize', 'constraint', 'workers', 'cscvSplits', 'keepRuns', 'redis', 'resume', 'out', 'param', 'report', 'progress']);

/** A value as a POSIX shell reads it back. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A parameter's value as `--param NAME=VALUE` text that backtest reads back
 * as exactly that value: backtest trims the text and reads it as JSON where
 * it can, so a string that would read as something else (`true`, `5`,
 * `null`, `"a"`) or that has spaces at either end is given as JSON.
 */
function paramText(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  return value === value.trim() && coerceParamText(value) === value ? value : JSON.stringify(value);
}

/** Flags that name files or folders: written absolute, as run.json records them, so that the command runs from any folder. */
const PATH_FLAGS = new Set(['strategy', 'data', 'catalog', 'config', 'benchmark', 'actions']);

/** A path made absolute; a URL (s3://...) as it is. */
function absolutePath(path: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path) ? path : resolve(path);
}

/** The `quantflow backtest` command that runs the best trial: the sweep's own backtest flags, its fixed and chosen parameters. */
function backtestCommand(cmd: Command, flags: OptimizeFlags, config: RunConfig, params: Readonly<Record<string, unknown>>): string {
  const words = ['quantflow', 'backtest'];
  // The files a --config names may be relative to the folder the sweep ran in: given as flags, absolute (flags override the file).
  const fromConfig: Readonly<Record<string, string | readonly string[] | undefined>> = flags.config !== undefined ? { strategy: config.strategy, data: config.data, catalog: config.catalog, actions: config.actions } : {};
  for (const option of cmd.options) {
    const key = option.attributeName();
    if (SWEEP_FLAGS.has(key)) continue;
    const fromCli = cmd.getOptionValueSource(key) === 'cli';
    const value = fromCli ? (flags as Record<string, unknown>)[key] : fromConfig[key];
    if (value === undefined || (!fromCli && !(key in fromConfig))) continue;
    const flag = option.long ?? '';
    const text = (v: unknown): string => shellWord(PATH_FLAGS.has(key) ? absolutePath(String(v)) : String(v));
    if (option.negate) words.push(flag);
    else if (value === true) words.push(flag);
    else if (Array.isArray(value)) for (const v of value) words.push(flag, text(v));
    else words.push(flag, text(value));
  }
  for (const [name, value] of Object.entries({ ...config.params, ...params })) words.push('--param', shellWord(`${name}=${paramText(value)}`));
  return words.join(' ');
}

/** Where the trials ran: the pool's threads, which may be fewer than --workers (no more than the trials to run). */
function threadsLine(threads: number): string {
  return `on ${threads <= 1 ? 'this thread' : `up to ${threads} threads (this one and ${threads - 1} worker${threads === 2 ? '' : 's'})`}`;
}

/** The most memory the trials' returns may take (they are all held for returns.csv and the overfitting statistics). */
const RETURNS_BUDGET_BYTES = 4 * 2 ** 30;

/** Refuses a sweep whose returns would not fit: a return per equity point per trial. */
function checkReturnsMemory(config: RunConfig, data: SweepData, trials: number | undefined): void {
  if (config.equitySampling === 'day' || trials === undefined) return;
  let points = 0;
  for (const f of data.feeds) points += f.columns.length;
  const bytes = trials * points * 8;
  if (bytes <= RETURNS_BUDGET_BYTES) return;
  throw new InputError({
    code: 'invalid_option',
    field: '--equity-sampling',
    value: 'step',
    message: `${trials} trials x up to ${points} equity points would hold ${(bytes / 2 ** 30).toFixed(1)} GiB of returns: use --equity-sampling day (a point per day) or fewer trials`,
  });
}

export function registerOptimize(program: Command, io: CliIO, done: (code: number) => void): void {
  // --range and --values in the order given, whichever flag: the grid's order.
  const specs: SpaceSpec[] = [];
  const cmd = program
    .command('optimize')
    .description('run a strategy over a grid or a search of its parameters and write trials.csv, best.json, returns.csv');
  addSweepFlags(cmd, specs, (c) =>
    c
      .option('--keep-runs', "also write each trial's backtest outputs into OUT/runs/trial-N")
      .option('--redis <url>', 'run the trials as jobs of a Redis queue (redis://HOST:PORT), on `quantflow worker` processes')
      .option('--resume', 'with --redis: continue this sweep after an interruption, reusing its finished trials'),
  );
  cmd.action(async (flags: OptimizeFlags) => {
    checkSweepFlags(flags);
    const settings = mergeSettings(flags);
    if (flags.out === undefined && settings.out === undefined) settings.out = 'runs/optimize';
    const config = parseRunConfig(settings, flags.config);
    checkOutputFolder(config.out);
    if (flags.redis !== undefined && flags.workers !== undefined) {
      throw new InputError({ code: 'invalid_option', field: '--workers', value: flags.workers, message: 'with --redis the trials run on `quantflow worker` processes: give their number there (--concurrency)' });
    }
    if (flags.resume === true && flags.redis === undefined) {
      throw new InputError({ code: 'invalid_option', field: '--resume', message: 'needs --redis: the finished trials of a sweep are kept in Redis' });
    }
    const sweepFlags = sweepSettings(flags, config, specs);
    const { method, objective, minimize, workers, trials, seed, splits } = sweepFlags;
    const search = await buildSearch(sweepFlags.search);
    const skipped: string[] = [];
    const { pool, data, strategyName } = await openSweep({
      config,
      sampler: search.sampler,
      workers,
      ...(flags.redis !== undefined
        ? { redis: { url: flags.redis, resume: flags.resume === true, search: { method, specs, constraints: flags.constraint ?? [], seed, trials: trials ?? null, objective, minimize } } }
        : {}),
      onIssue: (issue) => {
        const line = `skipped: ${formatIssue(issue)}`;
        skipped.push(line);
        io.stderr.write(`${line}\n`);
      },
    });
    const total = search.sampler.total;
    try {
      checkReturnsMemory(config, data, total);
    } catch (e) {
      await pool.close();
      throw e;
    }
    const controller = new AbortController();
    const onSigint = (): void => {
      if (controller.signal.aborted) return;
      controller.abort();
      io.stderr.write('\nstopping: the trials running finish, then every finished trial is written (Ctrl-C again does not wait)\n');
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSigint);
    const bar =
      flags.progress !== false && io.stderr.isTTY === true && process.env.CI === undefined
        ? new cliProgress.SingleBar(
            {
              stream: io.stderr as NodeJS.WritableStream,
              format: total !== undefined ? 'optimize [{bar}] {value}/{total} trials | {rate} trials/s | ETA {eta_formatted}' : 'optimize {value} trials | {rate} trials/s | {duration_formatted}',
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
    const started = performance.now();
    const outcomes: TrialOutcome[] = [];
    bar?.start(total ?? 0, 0, { rate: '0.0' });
    try {
      const keepDir = flags.keepRuns === true ? resolve(config.out, 'runs') : undefined;
      // An earlier sweep's kept trials would read as this one's (a trial skipped now has no folder of its own to replace them).
      if (keepDir !== undefined) removeTrialRuns(config.out);
      for await (const o of runSweep({
        sampler: search.sampler,
        pool,
        objective,
        minimize,
        signal: controller.signal,
        ...(trials !== undefined ? { maxTrials: trials } : {}),
        ...(keepDir !== undefined ? { keepDir } : {}),
      })) {
        outcomes.push(o);
        bar?.update(outcomes.length, { rate: (outcomes.length / ((performance.now() - started) / 1000)).toFixed(1) });
      }
      await sweepEnded(pool, controller.signal);
    } finally {
      bar?.stop();
      process.removeListener('SIGINT', onSigint);
      await pool.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const best = bestTrial(outcomes, objective, minimize);
    const bestJson: BestTrial | undefined =
      best === undefined
        ? undefined
        : {
            trial: best.trial,
            objective,
            minimize,
            value: best.metrics[objective] as number,
            params: best.params,
            metrics: best.metrics,
            command: backtestCommand(cmd, flags, config, best.params),
          };
    const run = {
      command: 'optimize',
      strategy: { file: resolve(config.strategy), name: strategyName, sha256: sha256File(config.strategy) },
      data: config.data.map((path) => ({ file: resolve(path), sha256: sha256File(path) })),
      ...(config.catalog !== undefined ? { catalog: resolve(config.catalog) } : {}),
      search: { method, ranges: flags.range ?? [], values: flags.values ?? [], constraints: flags.constraint ?? [], seed, trials: trials ?? null, parameters: search.paramNames },
      objective,
      minimize,
      complete: !controller.signal.aborted,
      config: { ...config, out: resolve(config.out) },
      rows_skipped: data.skipped.length,
    };
    // Worked out (on a thread of its own for a large sweep) while returns.csv is written.
    const overfittingAhead = sweepOverfittingAsync(outcomes, best, splits);
    void overfittingAhead.catch(() => undefined); // awaited below; a write that fails first must not leave it unhandled
    try {
      await writeSweepFilesAsync(config.out, { paramNames: search.paramNames, outcomes }, async () => {
        const overfitting = await overfittingAhead;
        const withTimes = best === undefined ? undefined : withEquityTimes(best, outcomes);
        const report = optimizeReportHtml({
          strategyName,
          paramNames: search.paramNames,
          outcomes,
          objective,
          minimize,
          best: withTimes,
          initialCash: config.cash,
          ...(overfitting.report !== undefined ? { overfitting: overfitting.report as unknown as Record<string, unknown>, verdict: overfittingVerdict(overfitting.report) } : {}),
          settings: { method, ranges: flags.range ?? [], values: flags.values ?? [], constraints: flags.constraint ?? [], seed, trials: outcomes.length, objective: `${minimize ? 'minimize' : 'maximize'} ${objective}` },
        });
        return {
          best: bestJson,
          run: { ...run, overfitting: overfitting.note ?? 'overfitting.json' },
          extra: { 'report.html': report, ...(overfitting.report !== undefined ? { 'overfitting.json': JSON.stringify(overfitting.report, null, 2) + '\n' } : {}) },
        };
      }, { keptRuns: flags.keepRuns === true });
    } catch (e) {
      throw outputError(config.out, e);
    }
    const overfitting = await overfittingAhead;
    const count = (s: string): number => outcomes.filter((o) => o.status === s).length;
    io.stdout.write(
      `${outcomes.length} trials in ${seconds.toFixed(1)} s (${count('ok')} ok, ${count('skipped')} skipped, ${count('failed')} failed) ${pool instanceof RedisPool ? `with Redis workers (${pool.stats.computed} computed, ${pool.stats.reused} reused)` : threadsLine(pool.concurrency)}\n`,
    );
    if (bestJson !== undefined) {
      io.stdout.write(`best: trial ${bestJson.trial} ${JSON.stringify(bestJson.params)} ${objective} ${bestJson.value}\n`);
      io.stdout.write(`reproduce: ${bestJson.command}\n`);
    } else io.stdout.write(`best: none (no trial has a ${objective})\n`);
    if (overfitting.report !== undefined) io.stdout.write(`overfitting: ${overfittingVerdict(overfitting.report)} (overfitting.json)\n`);
    else io.stderr.write(`note: no overfitting statistics: ${overfitting.note}\n`);
    io.stdout.write(`outputs: ${config.out} (report.html)\n`);
    if (controller.signal.aborted) {
      io.stderr.write(`stopped by Ctrl-C after ${outcomes.length} trials; run.json says complete: false\n`);
      done(130);
      return;
    }
    done(0);
  });
}
