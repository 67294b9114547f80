import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../../test/helpers/cli.js';
import { runCli } from '../../../test/helpers/run-cli.js';

describe('reconcile --fee-maker/--fee-taker on a run with a fee rate', () => {
  it("replace the run's fee model for the backtest (a run has one): the gap is all fees", async () => {
    // A run folder as paper leaves it: run.json without data files, the market data in market-data/.
    const run = join(tempDir('qf-reconcile-fees-'), 'run');
    const made = await runCli(['backtest', '--strategy', join(ROOT, 'examples/sma-cross.ts'), '--data', join(SAMPLES, 'KO-1997-1998.csv'), '--fee-rate', '0.001', '--out', run, '--no-progress']);
    expect(made.status, made.stderr).toBe(0);
    mkdirSync(join(run, 'market-data'));
    copyFileSync(join(SAMPLES, 'KO-1997-1998.csv'), join(run, 'market-data', 'KO.csv'));
    const settings = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { config: Record<string, unknown> };
    writeFileSync(join(run, 'run.json'), JSON.stringify({ ...settings, config: { ...settings.config, data: [] } }));

    const r = await runCli(['reconcile', run, '--fee-maker', '0', '--fee-taker', '0.002', '--out', join(run, 'reconciled')]);
    expect(r.status, r.stderr).toBe(0);
    const view = JSON.parse(readFileSync(join(run, 'reconciled', 'reconcile.json'), 'utf8')) as { total_gap: string; parts: Record<string, string> };
    expect(Number(view.total_gap)).toBeGreaterThan(0);
    expect(view.parts.fees).toBe(view.total_gap);
  });
});
