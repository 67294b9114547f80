import { readdirSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OutputError, outputError, systemCode, writeOutputFiles, writeOutputFilesAsync } from '../core/output-file.js';
import { InvariantError } from '../core/errors.js';
import { CsvFileWriter } from '../report/csv-file-writer.js';
import { csvField, formatNumber } from '../report/format.js';
import { TRIAL_METRICS, type MetricValue, type TrialMetric, type TrialOutcome } from './trial.js';
import { writeReturnsCsvAsync } from './returns-thread.js';
import { writeReturnsCsv } from './returns-csv.js';

export { writeReturnsCsv } from './returns-csv.js';

/** A parameter value as trials.csv writes it: numbers in full, texts quoted when they must be. */
export function formatParam(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (v === undefined || v === null) return '';
  return csvField(typeof v === 'string' ? v : JSON.stringify(v));
}

function formatMetric(v: MetricValue | undefined): string {
  return v === null || v === undefined ? '' : formatNumber(v);
}

/**
 * trials.csv: one row per trial in trial order: trial, status, reason, the
 * parameters by name, then every metric of TRIAL_METRICS. Nothing in it
 * depends on where or how fast a trial ran (timings: trialsTimingCsv).
 */
export function trialsCsv(paramNames: readonly string[], outcomes: readonly TrialOutcome[]): string {
  const lines = [['trial', 'status', 'reason', ...paramNames.map(csvField), ...TRIAL_METRICS].join(',')];
  for (const o of outcomes) {
    const metrics = o.metrics as Partial<Record<TrialMetric, MetricValue>>;
    lines.push(
      [String(o.trial), o.status, csvField(o.reason), ...paramNames.map((n) => formatParam(o.params[n])), ...TRIAL_METRICS.map((m) => formatMetric(metrics[m]))].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** trials-timing.csv: how long each trial took (machine-dependent, kept apart from trials.csv). */
export function trialsTimingCsv(outcomes: readonly TrialOutcome[]): string {
  return ['trial,millis', ...outcomes.map((o) => `${o.trial},${o.millis.toFixed(3)}`)].join('\n') + '\n';
}

/** What best.json says of the best trial. */
export interface BestTrial {
  readonly trial: number;
  readonly objective: TrialMetric;
  readonly minimize: boolean;
  readonly value: number;
  /** The trial's parameters (the sampled ones). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, MetricValue>>;
  /** The `quantflow backtest` command that reproduces it. */
  readonly command: string;
}

export interface SweepFiles {
  readonly paramNames: readonly string[];
  readonly outcomes: readonly TrialOutcome[];
  readonly best: BestTrial | undefined;
  /** run.json: the sweep's settings (whatever the caller records: flags, data hashes, strategy hash). */
  readonly run: Readonly<Record<string, unknown>>;
  /** Further files by name (overfitting.json, report.html, ...). */
  readonly extra?: Readonly<Record<string, string>>;
}

/** Every file a sweep may write into its folder (besides `runs/`, the trials' own outputs with --keep-runs). */
export const SWEEP_FILES = ['trials.csv', 'trials-timing.csv', 'best.json', 'returns.csv', 'overfitting.json', 'report.html', 'run.json'] as const;

/** A trial's folder under OUT/runs (`--keep-runs`). */
const TRIAL_RUN = /^trial-[0-9]+$/;

/**
 * Refuses an output folder that cannot be one (it, or a folder above it,
 * is a file) before a sweep runs, rather than after all its trials. Other
 * problems (permissions, a full disk) are reported when writing.
 */
export function checkOutputFolder(dir: string): void {
  for (let p = resolve(dir); ; p = dirname(p)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(p).isDirectory();
    } catch (e) {
      // Not there (or under a file): the nearest that is there says.
      if ((systemCode(e) === 'ENOENT' || systemCode(e) === 'ENOTDIR') && dirname(p) !== p) continue;
      return;
    }
    if (isFolder) return;
    throw new OutputError(dir, 'ENOTDIR', `cannot write ${dir}: ${p === resolve(dir) ? 'it' : p} is a file, not a folder`);
  }
}

/**
 * Removes the trials' folders an earlier sweep kept in `dir`/runs
 * (`runs/trial-N`), and `runs` itself when that leaves it empty; anything
 * else there is left alone. A sweep calls it before its first trial when it
 * keeps its own (so that none of an earlier sweep is mistaken for one of
 * its trials), else when it writes its files.
 */
export function removeTrialRuns(dir: string): void {
  const runs = join(dir, 'runs');
  let entries: string[];
  try {
    entries = readdirSync(runs);
  } catch (e) {
    if (systemCode(e) === 'ENOENT' || systemCode(e) === 'ENOTDIR') return;
    throw outputError(runs, e);
  }
  try {
    for (const name of entries) if (TRIAL_RUN.test(name)) rmSync(join(runs, name), { recursive: true, force: true });
    if (readdirSync(runs).length === 0) rmdirSync(runs);
  } catch (e) {
    throw outputError(runs, e);
  }
}

/** Removes the files of SWEEP_FILES that an earlier sweep left in `dir` and this one does not write (`written`). */
function removeStaleFiles(dir: string, written: readonly string[]): void {
  for (const name of SWEEP_FILES) {
    if (written.includes(name)) continue;
    try {
      rmSync(join(dir, name), { force: true });
    } catch (e) {
      throw outputError(join(dir, name), e);
    }
  }
}

export interface SweepWriteOptions {
  /** This sweep kept its trials' outputs in `dir`/runs (`--keep-runs`): they stay; else any there are an earlier sweep's and go. */
  readonly keptRuns?: boolean;
}

/**
 * Writes a sweep's files into `dir` (staged: a failed write leaves the
 * folder as it was). What an earlier sweep left there and this one does not
 * write (overfitting.json when this sweep has no statistics, the trials'
 * folders in runs/) is removed once the new files are ready, before they
 * replace the old ones: the folder never mixes two sweeps.
 */
export function writeSweepFiles(dir: string, files: SweepFiles, options: SweepWriteOptions = {}): void {
  writeOutputFiles(dir, (staging) => {
    writeTrialFiles(staging, files);
    writeSummaryFiles(staging, files);
    removeEarlierSweep(dir, staging, options);
  });
}

function removeEarlierSweep(dir: string, staging: string, options: SweepWriteOptions): void {
  removeStaleFiles(dir, readdirSync(staging));
  if (options.keptRuns !== true) removeTrialRuns(dir);
}

/**
 * writeSweepFiles with best.json, run.json and the further files worked out
 * by `summary` while the trial files (returns.csv, the big one) are written.
 */
export async function writeSweepFilesAsync(
  dir: string,
  files: Pick<SweepFiles, 'paramNames' | 'outcomes'>,
  summary: () => Promise<Omit<SweepFiles, 'paramNames' | 'outcomes'>>,
  options: SweepWriteOptions = {},
): Promise<void> {
  await writeOutputFilesAsync(dir, async (staging) => {
    // returns.csv (a large sweep's: on a thread of its own) while this thread writes the rest and works out the summary.
    const returns = writeReturnsCsvAsync(join(staging, 'returns.csv'), files.outcomes);
    void returns.catch(() => undefined); // awaited below; a failure while the summary is worked out must not go unhandled
    try {
      writeTrialTables(staging, files);
      writeSummaryFiles(staging, await summary());
    } finally {
      // Whatever failed here, the thread is done with the staging folder before it is removed.
      await returns.catch(() => undefined);
    }
    await returns;
    removeEarlierSweep(dir, staging, options);
  });
}

/** trials.csv, trials-timing.csv and returns.csv. */
function writeTrialFiles(staging: string, files: Pick<SweepFiles, 'paramNames' | 'outcomes'>): void {
  writeTrialTables(staging, files);
  writeReturnsCsv(join(staging, 'returns.csv'), files.outcomes);
}

/** trials.csv and trials-timing.csv. */
function writeTrialTables(staging: string, files: Pick<SweepFiles, 'paramNames' | 'outcomes'>): void {
  writeFileSync(join(staging, 'trials.csv'), trialsCsv(files.paramNames, files.outcomes));
  writeFileSync(join(staging, 'trials-timing.csv'), trialsTimingCsv(files.outcomes));
}

/** best.json, run.json and the further files. */
function writeSummaryFiles(staging: string, files: Omit<SweepFiles, 'paramNames' | 'outcomes'>): void {
  writeFileSync(join(staging, 'best.json'), JSON.stringify(files.best ?? null, null, 2) + '\n');
  writeFileSync(join(staging, 'run.json'), JSON.stringify(files.run, null, 2) + '\n');
  for (const [name, text] of Object.entries(files.extra ?? {})) writeFileSync(join(staging, name), text);
}
