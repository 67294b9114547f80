import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../core/random.js';
import { binomial, overfittingReport, type OverfittingInput } from './overfitting.js';
import { OFF_THREAD_WORK, overfittingReportAsync } from './overfitting-thread.js';

/** `trials` seeded noise series of `rows` returns, the first with an edge. */
function sweepReturns(trials: number, rows: number): OverfittingInput {
  const random = new Xoshiro128(11);
  const returns = Array.from({ length: trials }, (_, j) => {
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) out[i] = (j === 0 ? 0.002 : 0) + 0.01 * random.nextNormal();
    return out;
  });
  // Ids out of order: the report sorts its columns by id.
  return { trialIds: returns.map((_, j) => (j * 7919) % 10_007), returns, bestTrial: 0, splits: 16 };
}

describe('overfittingReportAsync', () => {
  it('gives the same report on a thread of its own as on this one', async () => {
    const input = sweepReturns(200, 400);
    expect(input.trialIds.length * binomial(16, 8)).toBeGreaterThanOrEqual(OFF_THREAD_WORK); // the thread's path
    const here = overfittingReport(input);
    const there = await overfittingReportAsync(input);
    expect(JSON.stringify(there, null, 2)).toBe(JSON.stringify(here, null, 2));
    expect(there.pbo).toBeGreaterThanOrEqual(0);
  });

  it('gives the same report for a small sweep (worked out on this thread)', async () => {
    const input = sweepReturns(20, 200);
    expect(input.trialIds.length * binomial(16, 8)).toBeLessThan(OFF_THREAD_WORK);
    expect(JSON.stringify(await overfittingReportAsync(input))).toBe(JSON.stringify(overfittingReport(input)));
  });

  it('rejects, and does not hang, when the thread fails', async () => {
    const input = sweepReturns(200, 400);
    const bad = { ...input, trialIds: input.trialIds.map((id, j) => (j === 3 ? Number.NaN : id)) };
    await expect(overfittingReportAsync(bad)).rejects.toThrow(/trial id NaN is not a number/);
  });
});
