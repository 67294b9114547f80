import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../backtest/config.js';
import { runBacktestConfig } from '../backtest/run.js';
import { summarize } from '../report/summary.js';
import { openSweep, optimize } from './optimize.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { trialsCsv, writeReturnsCsv } from './outputs.js';
import { listSampler, type TrialSampler } from './sweep.js';
import { TRIAL_METRICS, numericFields, simpleReturns } from './trial.js';

const ORCL = 'data/samples/ORCL-1995-2014.csv';
const config = parseRunConfig({ strategy: 'examples/sma-cross.ts', data: [ORCL], cash: 100000, feeRate: 0.001, params: { size: 50 } });
const grid = [
  { fast: 5, slow: 20 },
  { fast: 10, slow: 40 },
  { fast: 30, slow: 20 }, // the schema's refine refuses fast >= slow
  { fast: 15, slow: 100 },
  { fast: 20, slow: 60 },
];

describe('optimize', () => {
  it('runs each combination exactly as `backtest` runs it, and skips what the schema refuses', async () => {
    const sweep = await optimize({ config, sampler: listSampler(grid), workers: 0 });
    expect(sweep.outcomes.map((o) => o.trial)).toEqual([1, 2, 3, 4, 5]);
    expect(sweep.outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'skipped', 'ok', 'ok']);
    expect(sweep.outcomes[2]?.reason).toMatch(/fast must be shorter than slow/);
    for (const o of sweep.outcomes.filter((t) => t.status === 'ok')) {
      const run = await runBacktestConfig({ ...config, params: { ...config.params, ...o.params } });
      const summary = summarize(run.result, run.strategyName, run.params);
      expect(o.metrics).toEqual(numericFields(summary));
      expect(Array.from(o.returns)).toEqual(Array.from(simpleReturns(run.result.equity.equity)));
      expect(o.metrics.closed_trades).toBeGreaterThan(0);
    }
    // Different parameters, different results: the trials are not one run repeated.
    const finals = new Set(sweep.outcomes.filter((o) => o.status === 'ok').map((o) => o.metrics.final_equity));
    expect(finals.size).toBe(4);
    const best = sweep.best;
    expect(best).toBeDefined();
    for (const o of sweep.outcomes) if (o.status === 'ok') expect(o.metrics.sharpe ?? -Infinity).toBeLessThanOrEqual(best?.metrics.sharpe ?? Infinity);
  });

  it('gives byte-identical trials and returns whether trials run on this thread or also on two worker threads', async () => {
    const inline = await optimize({ config, sampler: listSampler(grid), workers: 0 });
    const threads = await optimize({ config, sampler: listSampler(grid), workers: 2, workerStart: 'eager' });
    const names = ['fast', 'slow'];
    expect(trialsCsv(names, threads.outcomes)).toBe(trialsCsv(names, inline.outcomes));
    const dir = mkdtempSync(join(tmpdir(), 'qf-returns-'));
    writeReturnsCsv(join(dir, 'a.csv'), threads.outcomes);
    writeReturnsCsv(join(dir, 'b.csv'), inline.outcomes);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe(readFileSync(join(dir, 'b.csv'), 'utf8'));
    const header = trialsCsv(names, inline.outcomes).split('\n')[0];
    expect(header).toBe(['trial', 'status', 'reason', 'fast', 'slow', ...TRIAL_METRICS].join(','));
  }, 60_000);

  it('starts no more threads than trials that can run at once, whatever --workers asks', async () => {
    const threads = async (sampler: TrialSampler, workers: number): Promise<number> => {
      const { pool } = await openSweep({ config, sampler, workers });
      await pool.close();
      return pool.concurrency;
    };
    // 3 trials: this thread and 2 workers, not 63.
    expect(await threads(listSampler(grid.slice(0, 3)), 64)).toBe(3);
    expect(await threads(listSampler(grid.slice(0, 1)), 8)).toBe(1);
    // A learning sampler runs a batch at a time: no more threads than its batch.
    expect(await threads({ total: 100, batch: 8, next: () => undefined }, 64)).toBe(8);
    expect(await threads(listSampler(grid), 2)).toBe(2);
  });

  it('stops asking for trials when aborted and reports the ones that ran', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const sampler = listSampler(grid);
    const next = sampler.next.bind(sampler);
    const stopping = { ...sampler, next: () => (seen.length >= 2 ? (controller.abort(), undefined) : (seen.push(1), next())) };
    const sweep = await optimize({ config, sampler: stopping, workers: 0, signal: controller.signal });
    expect(sweep.outcomes.map((o) => o.trial)).toEqual([1, 2]);
  });
});
