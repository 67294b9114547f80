import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, cli, readCsv, tempDir } from '../helpers/cli.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const BASE = ['--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--cash', '100000', '--fee-rate', '0.001', '--no-progress'];
const GRID = ['--values', 'fast=10,20', '--values', 'slow=50,100'];
const WINDOWS = ['--train', '2000', '--test', '500'];

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** The times of the data's bars, as the CLI writes them (daily bars: the day's last microsecond). */
function barTimes(): string[] {
  return readFileSync(ORCL, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => `${l.split(',')[0] as string}T23:59:59.999999Z`)
    .sort();
}

describe('quantflow walkforward', () => {
  const runs = new Map<number, string>();
  const walk = (workers: number): string => {
    const cached = runs.get(workers);
    if (cached !== undefined) return cached;
    const out = join(tempDir(), `wf${workers}`);
    const r = cli(['walkforward', ...BASE, ...GRID, ...WINDOWS, '--workers', String(workers), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    runs.set(workers, out);
    return out;
  };

  it('plans rolling windows of 2000 + 500 bars moving by 500, dropping a short last one', () => {
    const times = barTimes();
    const rows = readCsv(join(walk(2), 'windows.csv'));
    const expected = Math.floor((times.length - 2500) / 500) + 1;
    expect(rows).toHaveLength(expected);
    rows.forEach((r, k) => {
      const s = 500 * k;
      expect(r).toMatchObject({ window: String(k + 1), is_start: times[s], is_end: times[s + 1999], oos_start: times[s + 2000], oos_end: times[s + 2499], trials_ok: '4' });
    });
  }, 120_000);

  it("chooses in each window the best trial of an optimize over that window's in-sample part", () => {
    const rows = readCsv(join(walk(2), 'windows.csv'));
    for (const w of [rows[0], rows[rows.length - 1]]) {
      if (w === undefined) throw new Error('no window');
      const out = join(tempDir(), `is${w.window}`);
      const r = cli(['optimize', ...BASE, ...GRID, '--workers', '0', '--trade-from', w.is_start as string, '--trade-to', w.is_end as string, '--out', out]);
      expect(r.status).toBe(0);
      const best = json(join(out, 'best.json'));
      expect(best.params).toEqual({ fast: Number(w.fast), slow: Number(w.slow) });
      expect(String(best.value)).toBe(w.is_sharpe);
    }
  }, 120_000);

  it('runs the chosen parameters out of sample exactly as backtest --trade-from/--trade-to does', () => {
    const rows = readCsv(join(walk(2), 'windows.csv'));
    for (const w of [rows[0], rows[2]]) {
      if (w === undefined) throw new Error('no window');
      const out = join(tempDir(), `oos${w.window}`);
      const r = cli(['backtest', ...BASE, '--param', `fast=${w.fast}`, '--param', `slow=${w.slow}`, '--trade-from', w.oos_start as string, '--trade-to', w.oos_end as string, '--out', out]);
      expect(r.status).toBe(0);
      const s = json(join(out, 'summary.json'));
      expect(s.start).toBe(w.oos_start);
      expect(s.end).toBe(w.oos_end);
      for (const m of ['final_equity', 'total_return', 'sharpe', 'max_drawdown', 'closed_trades', 'fees', 'bars', 'open_trades']) {
        expect(`${m}=${String(s[m])}`).toBe(`${m}=${w[`oos_${m}`]}`);
      }
      expect(s.open_trades).toBe(0); // closed at the window's last close
    }
  }, 120_000);

  it('stitches the out-of-sample equity: each window starts where the previous one ended', () => {
    const dir = walk(2);
    const rows = readCsv(join(dir, 'windows.csv'));
    const equity = readCsv(join(dir, 'equity.csv'));
    expect(equity).toHaveLength(500 * rows.length);
    expect(equity[0]).toMatchObject({ time: rows[0]?.oos_start, equity: '100000' });
    for (let k = 1; k < rows.length; k++) {
      const first = equity.findIndex((e) => e.time === rows[k]?.oos_start);
      expect(first).toBe(500 * k);
      expect(equity[first - 1]?.time).toBe(rows[k - 1]?.oos_end);
      expect(Number(equity[first]?.equity)).toBeCloseTo(Number(equity[first - 1]?.equity), 6);
    }
    // Chained returns: the stitched total return compounds the windows' own.
    const compounded = rows.reduce((a, r) => a * (1 + Number(r.oos_total_return)), 1) - 1;
    const summary = json(join(dir, 'summary.json'));
    expect(summary.total_return as number).toBeCloseTo(compounded, 10);
    expect(summary.start).toBe(rows[0]?.oos_start);
    expect(summary.end).toBe(rows[rows.length - 1]?.oos_end);
    expect((summary.walk_forward_efficiency as { per_window: unknown[] }).per_window).toHaveLength(rows.length);
    expect(Object.keys((summary.parameter_stability as { parameters: object }).parameters)).toEqual(['fast', 'slow']);
    const trades = readCsv(join(dir, 'trades.csv'));
    expect(trades.length).toBe(summary.closed_trades);
    expect(trades.every((t) => rows.some((r) => (t.entry_time as string) >= (r.oos_start as string) && (t.exit_time as string) <= (r.oos_end as string)))).toBe(true);
    const overfitting = json(join(dir, 'overfitting.json'));
    expect((overfitting.windows as unknown[]).length).toBe(rows.length);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('Walk-forward');
  }, 120_000);

  it('writes the same bytes with 0 and 2 workers', () => {
    for (const f of ['windows.csv', 'equity.csv', 'trades.csv', 'summary.json', 'overfitting.json', 'report.html']) {
      expect(readFileSync(join(walk(0), f), 'utf8')).toBe(readFileSync(join(walk(2), f), 'utf8'));
    }
  }, 120_000);

  it('refuses a bad length or windows that do not fit with exit 2 and one line', () => {
    const bad = cli(['walkforward', ...BASE, ...GRID, '--train', '3x', '--test', '500', '--out', join(tempDir(), 'bad')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("error: field '--train' value '3x': expected a number of bars (1000) or a calendar length (3y, 6m, 30d)\n");
    const big = cli(['walkforward', ...BASE, ...GRID, '--train', '5000', '--test', '500', '--out', join(tempDir(), 'big')]);
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/^error: field '--train' value '5000': no walk-forward window fits: .*\n$/);
    const mixed = cli(['walkforward', ...BASE, ...GRID, '--train', '3y', '--test', '500', '--out', join(tempDir(), 'mixed')]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain('all in bars');
  }, 60_000);
});
