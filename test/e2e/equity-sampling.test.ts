import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCsvFeed } from '../../src/data/index.js';
import { MICROS_PER_DAY } from '../../src/core/time.js';
import { SAMPLES, cli, tempDir, summaryOf } from '../helpers/cli.js';

const FUT = join(SAMPLES, 'FUT-2006-min.csv');
const ARGS = ['--strategy', 'examples/sma-reversal.ts', '--data', FUT, '--cash', '100000', '--multiplier', '10', '--margin', '2000',
  '--fee-per-unit', '2', '--param', 'fast=10', '--param', 'slow=30', '--param', 'size=1'];

const equityRows = (dir: string): string[][] => readFileSync(join(dir, 'equity.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

/** The UTC days of the file's bars, from the file itself. */
function utcDays(): number[] {
  const feed = openCsvFeed(FUT);
  const days: number[] = [];
  for (let c = feed.next(); c !== null; c = feed.next()) {
    for (let i = 0; i < c.length; i++) {
      const d = Math.floor((c.time[i] as number) / MICROS_PER_DAY);
      if (days[days.length - 1] !== d) days.push(d);
    }
  }
  return days;
}

describe('--equity-sampling day', () => {
  const steps = tempDir();
  const daily = tempDir();
  const a = cli(['backtest', ...ARGS, '--out', steps]);
  const b = cli(['backtest', ...ARGS, '--equity-sampling', 'day', '--out', daily]);

  it('keeps one equity row per UTC day of data: the last step of that day, as in the per-step curve', () => {
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    const full = equityRows(steps);
    const perDay = equityRows(daily);
    expect(perDay.length).toBe(utcDays().length);
    const lastOfDay = new Map<string, string[]>();
    for (const r of full) lastOfDay.set(r[0]!.slice(0, 10), r);
    expect(perDay).toEqual([...lastOfDay.values()]);
  });

  it('changes no trade, order or final figure, and says so in the summary', () => {
    for (const f of ['trades.csv', 'orders.csv', 'fills.csv']) {
      expect(readFileSync(join(daily, f), 'utf8')).toBe(readFileSync(join(steps, f), 'utf8'));
    }
    const s = summaryOf(daily);
    const t = summaryOf(steps);
    expect(s.final_equity).toBe(t.final_equity);
    expect(s.closed_trades).toBe(t.closed_trades);
    expect(s.equity_sampling).toBe('day');
    expect(t).not.toHaveProperty('equity_sampling');
    expect(s.periods_per_year).not.toBe(t.periods_per_year);
  });

  it('rejects another value with exit status 2', () => {
    const r = cli(['backtest', ...ARGS, '--equity-sampling', 'hour', '--out', tempDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/equitySampling.*expected step or day/);
  });
});
