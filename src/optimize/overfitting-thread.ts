import { moduleUrl } from '../core/module-url.js';
import { oneShotThread } from '../core/one-shot-thread.js';
import { binomial, DEFAULT_CSCV_SPLITS, overfittingReport, type OverfittingInput, type OverfittingReport } from './overfitting.js';

/**
 * CSCV work (trials x combinations of blocks) from which the statistics are
 * worked out on a thread of their own, while this one writes the sweep's
 * other files. Below it, starting a thread costs more than it saves. 1,000
 * trials at 16 splits are 12.9 M and take about 0.3 s.
 */
export const OFF_THREAD_WORK = 2_000_000;

/**
 * overfittingReport, on a worker thread when the work is large enough to
 * pay for one: the same report either way (a trial's returns are in shared
 * memory, which the thread reads in place; numbers cross it unchanged).
 */
export function overfittingReportAsync(input: OverfittingInput): Promise<OverfittingReport> {
  const splits = input.splits ?? DEFAULT_CSCV_SPLITS;
  if (input.trialIds.length * binomial(splits, splits / 2) < OFF_THREAD_WORK) return Promise.resolve().then(() => overfittingReport(input));
  return oneShotThread<OverfittingReport>(moduleUrl('optimize/overfitting-worker'), input);
}
