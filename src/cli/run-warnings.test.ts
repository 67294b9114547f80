import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, summaryOf, tempDir } from '../../test/helpers/cli.js';
import { runCli } from '../../test/helpers/run-cli.js';

const KO = join(SAMPLES, 'KO-1997-1998.csv');
const SMA = join(ROOT, 'examples/sma-cross.ts');

/** A KO file with its header and no rows. */
function headerOnly(): string {
  const path = join(tempDir('qf-warn-'), 'EMPTY.csv');
  writeFileSync(path, `${readFileSync(KO, 'utf8').split('\n')[0]}\n`);
  return path;
}

async function backtest(args: readonly string[]): Promise<{ status: number; stderr: string; summary: Record<string, unknown> }> {
  const out = join(tempDir('qf-warn-out-'), 'run');
  const r = await runCli(['backtest', '--strategy', SMA, '--out', out, '--no-progress', ...args]);
  return { status: r.status, stderr: r.stderr, summary: summaryOf(out) };
}

describe('runs over nothing, or with nothing to trade with, say so on stderr and in summary.json', () => {
  it('a header-only file', async () => {
    const file = headerOnly();
    const r = await backtest(['--data', file]);
    expect(r.status).toBe(0);
    const message = `the run had no data to run over: ${file} has no data rows`;
    expect(r.stderr).toBe(`warning: ${message}\n`);
    expect(r.summary).toMatchObject({ complete: true, bars: 0, warnings: [{ code: 'no_data', message }] });
  });

  it('--from after the last row', async () => {
    const r = await backtest(['--data', KO, '--from', '2001-01-01']);
    expect(r.status).toBe(0);
    const message = `the run had no data to run over: no row of ${KO} falls within --from 2001-01-01`;
    expect(r.stderr).toBe(`warning: ${message}\n`);
    expect(r.summary.warnings).toEqual([{ code: 'no_data', message }]);
  });

  it('one of two files gives nothing, the other runs', async () => {
    const empty = headerOnly();
    const r = await backtest(['--data', KO, '--data', empty]);
    expect(r.status).toBe(0);
    expect(r.summary.warnings).toEqual([{ code: 'feed_without_data', message: `${empty} has no data rows: the run went on with the other data` }]);
    expect(r.summary.bars).toBe(356);
  });

  it('--cash 0: every order refused for cash', async () => {
    const r = await backtest(['--data', KO, '--cash', '0']);
    expect(r.status).toBe(0);
    const message = 'the starting cash is 0 (--cash 0): orders that need cash or margin are rejected; all 5 orders were rejected (insufficient_cash: 5)';
    expect(r.stderr).toBe(`warning: ${message}\n`);
    expect(r.summary).toMatchObject({ orders: 5, orders_rejected: 5, warnings: [{ code: 'zero_cash', message }] });
  });

  it('a cash too small for any order', async () => {
    const r = await backtest(['--data', KO, '--cash', '10']);
    expect(r.summary.warnings).toEqual([
      { code: 'all_orders_rejected', message: 'all 5 orders the strategy sent were rejected (insufficient_cash: 5) (is --cash 10 enough for one order?)' },
    ]);
  });

  it('a run that trades has no warning, and a strategy that never orders is not warned about', async () => {
    const traded = await backtest(['--data', KO]);
    expect(traded.stderr).toBe('');
    expect(traded.summary).toMatchObject({ complete: true, warnings: [] });
    const idle = await backtest(['--data', KO, '--to', '1997-01-20']);
    expect(idle.summary).toMatchObject({ orders: 0, warnings: [] });
    expect(idle.stderr).toBe('');
  });

  it('data check, indicator and data resample warn about a file without rows', async () => {
    const file = headerOnly();
    const check = await runCli(['data', 'check', file]);
    expect(check.status).toBe(0);
    expect(check.stderr).toBe(`warning: ${file} has no data rows\n`);
    const ind = await runCli(['indicator', 'SMA', '--data', file]);
    expect(ind.status).toBe(0);
    expect(ind.stderr).toBe(`warning: ${file} has no data rows\n`);
    const res = await runCli(['data', 'resample', '--data', file, '--to', '1d', '--out', join(tempDir('qf-warn-'), 'x.csv')]);
    expect(res.status).toBe(0);
    expect(res.stderr).toBe(`warning: no bars: ${file} has no rows\n`);
  });
});
