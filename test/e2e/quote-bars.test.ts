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

describe('examples on quote ticks and on an L2 book', () => {
  it('quote-reversion on HistData EUR/USD: buys at the ask, sells at the bid of the next quote', () => {
    const out = join(tempDir(), 'qr');
    const r = cli(['backtest', '--strategy', 'examples/quote-reversion.ts', '--data', join(SAMPLES, 'EURUSD-2020-01-ticks-histdata.csv'), '--out', out]);
    expect(r.status).toBe(0);
    // HistData times are EST (UTC-5): key quotes by UTC time.
    const quotes = new Map<string, [number, number]>();
    for (const line of readFileSync(join(SAMPLES, 'EURUSD-2020-01-ticks-histdata.csv'), 'utf8').trim().split('\n')) {
      const [stamp, bid, ask] = line.split(',');
      const [d, t] = stamp!.split(' ');
      const iso = `${d!.slice(0, 4)}-${d!.slice(4, 6)}-${d!.slice(6, 8)}T${t!.slice(0, 2)}:${t!.slice(2, 4)}:${t!.slice(4, 6)}.${t!.slice(6, 9)}-05:00`;
      const utc = new Date(iso).toISOString();
      const key = utc.endsWith('.000Z') ? utc.replace('.000Z', 'Z') : utc.replace('Z', '000Z');
      // Several quotes may share a millisecond: an order fills on the first.
      if (!quotes.has(key)) quotes.set(key, [Number(bid), Number(ask)]);
    }
    const fills = readFileSync(join(out, 'fills.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(fills.length).toBeGreaterThan(20);
    for (const [, , time, side, , price] of fills) {
      const q = quotes.get(time!)!;
      expect(Number(price), `${side} at ${time}`).toBe(side === 'buy' ? q[1] : q[0]);
    }
  });

  it('book-maker on the Tardis top-25 snapshots quotes post-only at the touch', () => {
    const out = join(tempDir(), 'bm');
    const r = cli(['backtest', '--strategy', 'examples/book-maker.ts', '--data', join(SAMPLES, 'tardis-binance-futures-book-snapshot-25.csv'), '--out', out]);
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
    expect(s.book_events).toBe(10);
    const first = readFileSync(join(SAMPLES, 'tardis-binance-futures-book-snapshot-25.csv'), 'utf8').split('\n')[1]!.split(',');
    const orders = readFileSync(join(out, 'orders.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // asks[0].price is field 4, bids[0].price field 6
    expect(orders[0]!.slice(2, 6)).toEqual(['limit', 'buy', '0.01', first[6]]);
    expect(orders[1]!.slice(2, 6)).toEqual(['limit', 'sell', '0.01', first[4]]);
  });
});
