import { Worker } from 'node:worker_threads';
import { InvariantError } from '../core/errors.js';
import { moduleUrl, tsxApiUrl } from '../core/module-url.js';
import { binomial, DEFAULT_CSCV_SPLITS, overfittingReport, type OverfittingInput, type OverfittingReport } from './overfitting.js';

/**
 * CSCV work (trials x combinations of blocks) from which the statistics are
 * worked out on a thread of their own, while this one writes the sweep's
 * other files (returns.csv above all). Below it, starting a thread costs more
 * than it saves. 1,000 trials at 16 splits are 12.9 M and take about 0.3 s.
 */
export const OFF_THREAD_WORK = 2_000_000;

/**
 * overfittingReport, on a worker thread when the work is large enough to
 * pay for one: the same report either way (the input is copied to the
 * thread; numbers cross it unchanged).
 */
export function overfittingReportAsync(input: OverfittingInput): Promise<OverfittingReport> {
  const splits = input.splits ?? DEFAULT_CSCV_SPLITS;
  if (input.trialIds.length * binomial(splits, splits / 2) < OFF_THREAD_WORK) return Promise.resolve().then(() => overfittingReport(input));
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript(moduleUrl('optimize/overfitting-worker')), { eval: true, workerData: input });
    let report: OverfittingReport | undefined;
    worker.once('message', (m: OverfittingReport) => (report = m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (report !== undefined) resolve(report);
      else reject(new InvariantError(`the overfitting thread ended (exit code ${code}) without a report`));
    });
  });
}

/** The worker's script: imports the entry (through tsx when it is a TypeScript source); a failure ends the thread with an error event. */
function workerScript(entry: string): string {
  const register = entry.endsWith('.ts') ? `(await import(${JSON.stringify(tsxApiUrl())})).register();` : '';
  return `(async () => { ${register} await import(${JSON.stringify(entry)}); })();`;
}
