import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, summaryOf, tempDir } from '../../../test/helpers/cli.js';
import { runCli } from '../../../test/helpers/run-cli.js';

const SMA = join(ROOT, 'examples/sma-cross.ts');
const KO = join(SAMPLES, 'KO-1997-1998.csv');

describe('a trading window no data falls in: nothing counted, no period, a no_data warning', () => {
  async function windowRun(window: readonly string[]): Promise<{ stderr: string; out: string }> {
    const out = join(tempDir('qf-window-'), 'run');
    const r = await runCli(['backtest', '--strategy', SMA, '--data', KO, '--out', out, '--no-progress', ...window]);
    expect(r.status, r.stderr).toBe(0);
    return { stderr: r.stderr, out };
  }

  function expectEmpty(out: string, message: string, orders: number): void {
    const s = summaryOf(out);
    expect(s).toMatchObject({ bars: 0, quotes: 0, trades: 0, start: '', end: '', final_equity: 100_000, orders_rejected: orders });
    expect(s.warnings).toEqual([
      { code: 'no_data', message },
      { code: 'all_orders_rejected', message: `all ${orders} orders the strategy sent were rejected (outside_trading_window: ${orders})` },
    ]);
    expect(readFileSync(join(out, 'equity.csv'), 'utf8')).toBe('time,equity,cash,position_value,margin\n');
    expect(readFileSync(join(out, 'positions.csv'), 'utf8').trim().split('\n')).toHaveLength(1);
  }

  it('--trade-from after the last bar', async () => {
    const r = await windowRun(['--trade-from', '2030-01-01']);
    const message = 'the run had no data to run over: no data falls in the trading window (--trade-from 2030-01-01)';
    expect(r.stderr.split('\n')[0]).toBe(`warning: ${message}`);
    expectEmpty(r.out, message, 5);
  });

  it('a window between two bars (a weekend)', async () => {
    const r = await windowRun(['--trade-from', '1997-06-07', '--trade-to', '1997-06-08']);
    const message = 'the run had no data to run over: no data falls in the trading window (--trade-from 1997-06-07 --trade-to 1997-06-08)';
    expect(r.stderr.split('\n')[0]).toBe(`warning: ${message}`);
    expectEmpty(r.out, message, 1);
  });

  it('--trade-to before the first bar', async () => {
    const r = await windowRun(['--trade-to', '1990-01-01']);
    const message = 'the run had no data to run over: no data falls in the trading window (--trade-to 1990-01-01)';
    expect(r.stderr).toBe(`warning: ${message}\n`);
    expect(summaryOf(r.out)).toMatchObject({ bars: 0, start: '', end: '', warnings: [{ code: 'no_data', message }] });
  });
});
