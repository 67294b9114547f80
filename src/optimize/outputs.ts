import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeOutputFiles, writeOutputFilesAsync } from '../core/output-file.js';
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

/** Writes a sweep's files into `dir` (staged: a failed write leaves the folder as it was). */
export function writeSweepFiles(dir: string, files: SweepFiles): void {
  writeOutputFiles(dir, (staging) => {
    writeTrialFiles(staging, files);
    writeSummaryFiles(staging, files);
  });
}

/**
 * writeSweepFiles with best.json, run.json and the further files worked out
 * by `summary` while the trial files (returns.csv, the big one) are written.
 */
export async function writeSweepFilesAsync(dir: string, files: Pick<SweepFiles, 'paramNames' | 'outcomes'>, summary: () => Promise<Omit<SweepFiles, 'paramNames' | 'outcomes'>>): Promise<void> {
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
