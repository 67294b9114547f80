/**
 * The execution examples, checked against the daily files read plainly:
 * rsi-bracket on YHOO 1996-2014 and limit-entry on ORCL 2003-2005, with
 * classic fills, --cash 100000 --fee-rate 0.001.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulExact } from '../../src/core/decimal.js';
import { SAMPLES, cli, tempDir, readCsv, type CsvRow } from '../helpers/cli.js';
import { readYahoo, type RawBar } from '../helpers/sample-bars.js';

type Row = CsvRow;
const day = (iso: string | undefined): string => (iso ?? '').slice(0, 10);

/** Wilder's RSI computed plainly. */
function rsi(closes: number[], n: number): number[] {
  const out = closes.map(() => NaN);
  let g = 0;
  let l = 0;
  for (let i = 1; i < closes.length; i++) {
    const d = closes[i]! - closes[i - 1]!;
    const up = Math.max(d, 0);
    const down = Math.max(-d, 0);
    if (i <= n) {
      g += up;
      l += down;
      if (i === n) {
        g /= n;
        l /= n;
      } else continue;
    } else {
      g = (g * (n - 1) + up) / n;
      l = (l * (n - 1) + down) / n;
    }
    out[i] = g + l === 0 ? 0 : (100 * g) / (g + l);
  }
  return out;
}

describe('examples/rsi-bracket.ts on YHOO 1996-2014', () => {
  const out = join(tempDir(), 'rb');
  const r = cli(['backtest', '--strategy', 'examples/rsi-bracket.ts', '--data', join(SAMPLES, 'YHOO-1996-2014.csv'), '--cash', '100000', '--fee-rate', '0.001', '--out', out]);
  const bars = readYahoo('YHOO-1996-2014.csv');
  const index = new Map(bars.map((b, i) => [b.date, i]));
  const orders = r.status === 0 ? readCsv(join(out, 'orders.csv')) : [];
  const summary = r.status === 0 ? (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>) : {};

  it('runs', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(orders.length % 3).toBe(0);
    expect(orders.length / 3).toBeGreaterThan(30);
  });

  it('enters at the next open on RSI(14) < 30, with exits at close x 0.97 and close x 1.05 of the signal bar', () => {
    const values = rsi(bars.map((b) => b.close), 14);
    for (let k = 0; k < orders.length; k += 3) {
      const [entry, sl, tp] = [orders[k]!, orders[k + 1]!, orders[k + 2]!];
      const s = index.get(day(entry.created_time))!;
      expect(values[s]!).toBeLessThan(30);
      expect(entry).toMatchObject({ type: 'market', side: 'buy', status: 'filled' });
      expect(day(entry.filled_time)).toBe(bars[s + 1]!.date);
      expect(Number(entry.fill_price)).toBe(bars[s + 1]!.open);
      expect(Number(sl!.trigger_price)).toBe(mulExact(bars[s]!.close, 0.97));
      expect(Number(tp!.price)).toBe(mulExact(bars[s]!.close, 1.05));
      expect(sl!.parent_id).toBe(entry.id);
    }
  });

  it('fills the first exit the market reaches from the bar after the entry, by the classic rule; the other is cancelled', () => {
    let gapsThroughStop = 0;
    let bothInOneBar = 0;
    for (let k = 0; k < orders.length; k += 3) {
      const [entry, sl, tp] = [orders[k]!, orders[k + 1]!, orders[k + 2]!];
      const e = index.get(day(entry.filled_time))!;
      const stop = Number(sl.trigger_price);
      const target = Number(tp.price);
      let j = e + 1;
      const hitStop = (b: RawBar): boolean => b.open <= stop || b.low <= stop;
      const hitTarget = (b: RawBar): boolean => b.open >= target || b.high >= target;
      while (j < bars.length && !hitStop(bars[j]!) && !hitTarget(bars[j]!)) j++;
      if (j === bars.length) {
        expect(sl.status).toBe('accepted');
        continue;
      }
      const b = bars[j]!;
      // Both could fill: the stop-loss, submitted first, wins.
      const stopWins = hitStop(b);
      // Both could fill and the bar cannot tell which came first (a stop gapped through at the open certainly came first).
      if (hitStop(b) && hitTarget(b) && !(b.open <= stop)) bothInOneBar++;
      const [won, lost] = stopWins ? [sl, tp] : [tp, sl];
      expect(won.status).toBe('filled');
      expect(day(won.filled_time)).toBe(b.date);
      const price = stopWins ? (b.open <= stop ? b.open : stop) : b.open >= target ? b.open : target;
      if (stopWins && b.open <= stop) gapsThroughStop++;
      expect(Number(won.fill_price)).toBe(price);
      expect(lost).toMatchObject({ status: 'cancelled', reason: 'oco' });
    }
    expect(gapsThroughStop).toBeGreaterThan(0);
    expect(bothInOneBar).toBeGreaterThan(0);
    expect(summary.ambiguous_fills).toBe(bothInOneBar);
  });

  it('books each round trip at its entry and exit with fees of 0.1% on both fills', () => {
    const trades = readCsv(join(out, 'trades.csv'));
    for (const t of trades) {
      const gross = Number(t.gross_pnl);
      expect(gross).toBeCloseTo(100 * (Number(t.exit_price) - Number(t.entry_price)), 9);
      expect(Number(t.fees)).toBeCloseTo(100 * (Number(t.entry_price) + Number(t.exit_price)) * 0.001, 9);
    }
  });
});

describe('examples/limit-entry.ts on ORCL 2003-2005', () => {
  const out = join(tempDir(), 'le');
  const r = cli(['backtest', '--strategy', 'examples/limit-entry.ts', '--data', join(SAMPLES, 'ORCL-1995-2014.csv'), '--from', '2003-01-01', '--to', '2005-12-31',
    '--cash', '100000', '--fee-rate', '0.001', '--out', out]);
  const all = readYahoo('ORCL-1995-2014.csv', '2003-01-01', '2005-12-31');
  const index = new Map(all.map((b, i) => [b.date, i]));
  const orders = r.status === 0 ? readCsv(join(out, 'orders.csv')) : [];

  it('runs', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('buys with a limit at close x 0.99 below SMA(20) x 0.97, good for 3 bars; sells 5 bars after the entry bar', () => {
    let expired = 0;
    let filled = 0;
    for (const o of orders) {
      const s = index.get(day(o.created_time))!;
      if (o.side === 'buy') {
        const sma = all.slice(s - 19, s + 1).reduce((a, b) => a + b.close, 0) / 20;
        expect(all[s]!.close).toBeLessThan(sma * 0.97 + 1e-9);
        const limit = mulExact(all[s]!.close, 0.99);
        expect(Number(o.price)).toBe(limit);
        let j = s + 1;
        for (; j <= s + 3 && j < all.length; j++) if (all[j]!.open <= limit || all[j]!.low <= limit) break;
        if (j <= s + 3 && j < all.length) {
          filled++;
          expect(o.status).toBe('filled');
          expect(day(o.filled_time)).toBe(all[j]!.date);
          expect(Number(o.fill_price)).toBe(all[j]!.open <= limit ? all[j]!.open : limit);
        } else {
          expired++;
          expect(o.status).toBe('expired');
        }
      } else {
        // The sell: submitted on the 5th bar after the entry bar, filled at the next open.
        const entry = orders.filter((b) => b.side === 'buy' && b.status === 'filled' && Number(b.id) < Number(o.id)).at(-1)!;
        const e = index.get(day(entry.filled_time))!;
        expect(s - e).toBe(5);
        expect(Number(o.fill_price)).toBe(all[s + 1]!.open);
      }
    }
    expect(filled).toBeGreaterThan(10);
    expect(expired).toBeGreaterThan(0);
  });
});
