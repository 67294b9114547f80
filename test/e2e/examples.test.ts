import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceRun } from '../reference/classic-sma.js';
import { ROOT, SAMPLES, cli, tempDir } from '../helpers/cli.js';

const FILES = ['summary.json', 'trades.csv', 'orders.csv', 'equity.csv', 'fills.csv', 'positions.csv'];
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));

/** The runs the README and the acceptance criteria name. Golden outputs live in test/golden/<name>. */
const RUNS = [
  { name: 'orcl-sma-cross', strategy: 'examples/sma-cross.ts', data: 'ORCL-1995-2014.csv', kind: 'cross' as const },
  { name: 'nvda-sma-reversal', strategy: 'examples/sma-reversal.ts', data: 'NVDA-1999-2014.csv', kind: 'reversal' as const },
];

function runExample(strategy: string, data: string, out: string): void {
  const r = cli(['backtest', '--strategy', strategy, '--data', join(SAMPLES, data), '--cash', '100000', '--fee-rate', '0.001',
    '--param', 'fast=10', '--param', 'slow=30', '--param', 'size=100', '--out', out]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

describe.each(RUNS)('example $name', ({ name, strategy, data, kind }) => {
  const out = tempDir();
  runExample(strategy, data, out);

  it('matches the golden outputs byte for byte', () => {
    const golden = join(ROOT, 'test/golden', name);
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(golden, { recursive: true });
      for (const f of FILES) writeFileSync(join(golden, f), readFileSync(join(out, f)));
    }
    for (const f of FILES) {
      expect(existsSync(join(golden, f)), `${golden}/${f}`).toBe(true);
      expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(golden, f), 'utf8'));
    }
  });

  it('agrees trade by trade with an independent implementation of the classic rules', () => {
    const ref = referenceRun(join(SAMPLES, data), kind, { fast: 10, slow: 30, size: 100, cash: 100_000, feeRate: 0.001 });
    const trades = csvRows(join(out, 'trades.csv'));
    expect(trades.length).toBe(ref.trades.length);
    trades.forEach((t, i) => {
      const r = ref.trades[i]!;
      expect(t[2]).toBe(r.direction);
      expect(Number(t[3])).toBe(r.quantity);
      expect(t[4]?.slice(0, 10)).toBe(r.entryDate);
      expect(Number(t[5])).toBe(r.entryPrice);
      expect(t[6]?.slice(0, 10)).toBe(r.exitDate);
      expect(Number(t[7])).toBe(r.exitPrice);
      expect(rel(Number(t[8]), r.grossPnl)).toBeLessThan(1e-9);
      expect(rel(Number(t[9]), r.fees)).toBeLessThan(1e-9);
      expect(rel(Number(t[10]), r.netPnl)).toBeLessThan(1e-9);
    });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
    expect(rel(summary.final_cash!, ref.finalCash)).toBeLessThan(1e-12);
    expect(rel(summary.final_equity!, ref.finalEquity)).toBeLessThan(1e-12);
    expect(rel(summary.fees!, ref.fees)).toBeLessThan(1e-12);
    expect(summary.closed_trades).toBe(ref.trades.length);
  });

  it('writes an equity row per bar whose equity is cash plus position value plus margin', () => {
    const rows = csvRows(join(out, 'equity.csv'));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
    expect(rows.length).toBe(summary.bars);
    for (const [, e, c, v, m] of rows) expect(rel(Number(e), Number(c) + Number(v) + Number(m))).toBeLessThan(1e-12);
  });

  it('is deterministic: a second run writes identical bytes', () => {
    const again = tempDir();
    runExample(strategy, data, again);
    for (const f of FILES) expect(readFileSync(join(again, f)).equals(readFileSync(join(out, f))), f).toBe(true);
  });
});
