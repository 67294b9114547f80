import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, cli, tempDir } from '../helpers/cli.js';

/** time text -> [open, high, low, close] of a FXCM bar file, read plainly. */
function readBars(file: string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const line of readFileSync(join(SAMPLES, file), 'utf8').trim().split('\n').slice(1)) {
    const [t, ...v] = line.split(',');
    m.set(new Date(t!.replace(' ', 'T')).toISOString().replace('.000Z', 'Z'), v.map(Number));
  }
  return m;
}

describe('bid and ask bar files (GBPUSD 2012)', () => {
  const out = join(tempDir(), 'fx');
  const r = cli(['backtest', '--strategy', 'examples/sma-reversal.ts', '--data', join(SAMPLES, 'GBPUSD-2012-m1-bid.csv'), '--data', join(SAMPLES, 'GBPUSD-2012-m1-ask.csv'),
    '--param', 'size=10000', '--cash', '100000', '--out', out]);
  const bid = readBars('GBPUSD-2012-m1-bid.csv');
  const ask = readBars('GBPUSD-2012-m1-ask.csv');

  it('pairs the two files into one instrument: one bar a minute, at the mid', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(s.symbols).toEqual(['GBPUSD']);
    expect(s.bars).toBe(bid.size);
  });

  it('fills buys at the ask open and sells at the bid open of the next bar', () => {
    const rows = readFileSync(join(out, 'orders.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.length).toBeGreaterThan(100);
    for (const o of rows) {
      const [, , type, side, , , status, , , filled, price] = o;
      if (status !== 'filled' || type !== 'market') continue;
      const book = side === 'buy' ? ask : bid;
      expect(Number(price), `${side} at ${filled}`).toBe(book.get(filled!)![0]);
    }
  });

  it('marks equity at the mid close', () => {
    const eq = readFileSync(join(out, 'equity.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const trades = readFileSync(join(out, 'orders.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // After the first fill (a position of 10,000 either way), position value = qty x (bid close + ask close) / 2.
    const first = trades[0]!;
    const qty = (first[3] === 'buy' ? 1 : -1) * Number(first[4]);
    const row = eq.find((e) => e[0] === first[9])!;
    const [, , , bc] = bid.get(row[0]!)!;
    const [, , , ac] = ask.get(row[0]!)!;
    expect(Number(row[3])).toBeCloseTo((qty * (bc! + ac!)) / 2, 9);
  });
});
