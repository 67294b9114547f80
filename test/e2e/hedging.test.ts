/**
 * A hedging account through the built CLI on ORCL's daily bars (2003 Q1):
 * long 100 and short 50 held side by side, closed one after the other, with
 * fees and a borrow fee on the short leg. Cash, P&L and carry are computed
 * here from the file's prices.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { mulExact } from '../../src/core/decimal.js';
import { openCsvFeed } from '../../src/data/index.js';
import type { Bar } from '../../src/model/market.js';
import type { StrategyContext } from '../../src/strategy/context.js';
import { Strategy } from '../../src/strategy/strategy.js';
import { SAMPLES, cli, tempDir, readCsv, type CsvRow, summaryOf } from '../helpers/cli.js';
import { readYahoo } from '../helpers/sample-bars.js';

type Row = CsvRow;
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');

/** Opens long 100 and short 50 on the first bar, closes the short on bar 10, tries to sell 150 of the long on bar 12, closes the long on bar 20. */
const PAIR = `
import { Strategy, z, type Bar, type StrategyContext } from 'quantflow';
const params = z.object({}).strict();
export default class Pair extends Strategy<z.infer<typeof params>> {
  static params = params;
  private i = -1;
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    this.i++;
    if (this.i === 0) {
      ctx.buy(100, { positionSide: 'long' });
      ctx.sell(50, { positionSide: 'short' });
    } else if (this.i === 10) ctx.buy(50, { positionSide: 'short' });
    else if (this.i === 12) ctx.sell(150, { positionSide: 'long' });
    else if (this.i === 20) ctx.sell(100, { positionSide: 'long' });
  }
}
`;

describe('a hedging account in a CLI run (ORCL 2003 Q1)', () => {
  const dir = tempDir();
  const strategy = join(dir, 'pair.ts');
  writeFileSync(strategy, PAIR);
  const out = join(dir, 'out');
  const args = ['backtest', '--strategy', strategy, '--data', ORCL, '--from', '2003-01-01', '--to', '2003-03-31', '--cash', '100000', '--fee-rate', '0.001', '--borrow-rate', '0.05'];
  const r = cli([...args, '--position-mode', 'hedging', '--out', out]);
  const bars = readYahoo('ORCL-1995-2014.csv', '2003-01-01', '2003-03-31');
  const open = (i: number): number => bars[i]!.open;
  const close = (i: number): number => bars[i]!.close;
  const fee = (q: number, p: number): number => mulExact(mulExact(q, p), 0.001);

  it('runs', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('books a long and a short round trip on their own legs, priced at the next opens', () => {
    const trades = readCsv(join(out, 'trades.csv'));
    expect(trades.map((t) => t.direction)).toEqual(['short', 'long']);
    const [short, long] = trades as [Row, Row];
    // The short: sold 50 at the open of bar 1, bought back at the open of bar 11.
    expect(Number(short.entry_price)).toBe(open(1));
    expect(Number(short.exit_price)).toBe(open(11));
    expect(Number(short.gross_pnl)).toBeCloseTo(50 * (open(1) - open(11)), 9);
    expect(Number(short.fees)).toBeCloseTo(fee(50, open(1)) + fee(50, open(11)), 9);
    // The long: bought 100 at the open of bar 1, sold at the open of bar 21.
    expect(Number(long.entry_price)).toBe(open(1));
    expect(Number(long.exit_price)).toBe(open(21));
    expect(Number(long.gross_pnl)).toBeCloseTo(100 * (open(21) - open(1)), 9);
    expect(Number(long.net_pnl)).toBeCloseTo(100 * (open(21) - open(1)) - fee(100, open(1)) - fee(100, open(21)), 9);
  });

  it('pays the borrow fee on the short leg only, and ends with the cash the trades and the carry make', () => {
    // Borrow: 5% a year (act/365) on the short leg's value at each close, for each day crossed, while it is open (bars 1..10).
    let carry = 0;
    for (let i = 1; i <= 10; i++) {
      const days = (Date.parse(bars[i]!.date) - Date.parse(bars[i - 1]!.date)) / 86_400_000;
      carry += (-50 * close(i) * 0.05 * days) / 365;
    }
    const s = summaryOf(out);
    expect(s.carry as number).toBeCloseTo(carry, 9);
    const legs = (s.instruments as Record<string, { legs: Record<string, { carry: number; realized_pnl: number; fees: number; position: number }> }>).ORCL!.legs;
    expect(legs.short!.carry).toBeCloseTo(carry, 9);
    expect(legs.long!.carry).toBe(0);
    expect(legs.long!.position).toBe(0);
    expect(legs.short!.position).toBe(0);
    const cash = 100_000 - 100 * open(1) + 50 * open(1) - 50 * open(11) + 100 * open(21) - fee(100, open(1)) - fee(50, open(1)) - fee(50, open(11)) - fee(100, open(21)) + carry;
    expect(s.final_cash as number).toBeCloseTo(cash, 9);
    expect(s.final_equity as number).toBeCloseTo(cash, 9);
    expect(s.realized_pnl as number).toBeCloseTo(50 * (open(1) - open(11)) + 100 * (open(21) - open(1)), 9);
    expect(s.position_mode).toBe('hedging');
  });

  it('values both legs while they are open: equity = cash + 100 x close - 50 x close', () => {
    const eq = readCsv(join(out, 'equity.csv'));
    const cashAfterEntry = 100_000 - 100 * open(1) + 50 * open(1) - fee(100, open(1)) - fee(50, open(1));
    // Bar 1: both legs opened at its open; the borrow fee for the day from bar 0 to bar 1 is charged at its close.
    const days = (Date.parse(bars[1]!.date) - Date.parse(bars[0]!.date)) / 86_400_000;
    const carry1 = (-50 * close(1) * 0.05 * days) / 365;
    expect(Number(eq[1]!.cash)).toBeCloseTo(cashAfterEntry + carry1, 9);
    expect(Number(eq[1]!.position_value)).toBeCloseTo(100 * close(1) - 50 * close(1), 9);
    expect(Number(eq[1]!.equity)).toBeCloseTo(cashAfterEntry + carry1 + 50 * close(1), 9);
  });

  it('writes both legs to positions.csv, the leg to fills.csv and orders.csv, and refuses closing more than the leg holds', () => {
    const positions = readCsv(join(out, 'positions.csv'));
    expect(Object.keys(positions[0]!)).toEqual(['time', 'symbol', 'side', 'quantity', 'average_price', 'price', 'market_value', 'unrealized_pnl', 'realized_pnl', 'fees']);
    const entry = positions.filter((p) => p.time!.startsWith(bars[1]!.date)).slice(0, 2);
    expect(entry.map((p) => [p.side, p.quantity, p.average_price])).toEqual([
      ['long', '100', String(open(1))],
      ['short', '-50', String(open(1))],
    ]);
    expect(readCsv(join(out, 'fills.csv')).map((f) => `${f.side} ${f.quantity} ${f.position_side}`)).toEqual(['buy 100 long', 'sell 50 short', 'buy 50 short', 'sell 100 long']);
    const orders = readCsv(join(out, 'orders.csv'));
    expect(orders[3]).toMatchObject({ side: 'sell', quantity: '150', position_side: 'long', status: 'rejected', reason: 'exceeds_position_side', filled_quantity: '0' });
    expect(summaryOf(out).rejections).toEqual({ exceeds_position_side: 1 });
  });

  it('refuses position sides in a netting account, and orders without one in a hedging account', () => {
    const netting = join(dir, 'netting');
    expect(cli([...args, '--out', netting]).status).toBe(0);
    const orders = readCsv(join(netting, 'orders.csv'));
    expect(orders.length).toBeGreaterThan(0);
    for (const o of orders) expect(o).toMatchObject({ status: 'rejected', reason: 'position_side_not_allowed' });
    expect(Object.keys(orders[0]!)).not.toContain('position_side');
    expect(summaryOf(netting).final_equity).toBe(100_000);
    const plain = join(dir, 'plain');
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--position-mode', 'hedging', '--out', plain]).status).toBe(0);
    const refused = readCsv(join(plain, 'orders.csv'));
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) expect(o).toMatchObject({ status: 'rejected', reason: 'position_side_required' });
  });
});

describe('a margin call in a hedging account', () => {
  it('closes both legs at market, each with an order on its own side', () => {
    class BigLong extends Strategy<object> {
      private done = false;
      override onBar(_bar: Bar, ctx: StrategyContext): void {
        if (this.done) return;
        this.done = true;
        ctx.buy(Math.floor((ctx.equity * 1.9) / ctx.bars().close()), { positionSide: 'long' });
        ctx.sell(100, { positionSide: 'short' });
      }
    }
    const feed = openCsvFeed(join(SAMPLES, 'NVDA-1999-2014.csv'), { symbol: 'NVDA', from: Date.parse('2000-06-01T00:00:00Z') * 1000, to: Date.parse('2002-12-31T00:00:00Z') * 1000 });
    const r = runBacktest({ strategy: new BigLong({}), feeds: [feed], cash: 100_000, account: { positionMode: 'hedging', leverage: 2 } });
    expect(r.marginCalls.length).toBe(1);
    const liquidations = r.orders.filter((o) => o.tag === 'liquidation');
    expect(liquidations.map((o) => [o.side, o.positionSide, o.status])).toEqual([
      ['sell', 'long', 'filled'],
      ['buy', 'short', 'filled'],
    ]);
    expect(liquidations[0]!.quantity).toBe(r.orders[0]!.quantity);
    expect(liquidations[1]!.quantity).toBe(100);
    expect(r.instruments[0]?.legs?.long.quantity).toBe(0);
    expect(r.instruments[0]?.legs?.short.quantity).toBe(0);
  });
});

describe('a bracket on a leg of a hedging account', () => {
  it('opens the short leg and arms both exits on it; the stop-loss and the take-profit do not count against each other', () => {
    const bars = readYahoo('ORCL-1995-2014.csv', '2003-01-01', '2003-12-31');
    class ShortBracket extends Strategy<object> {
      private done = false;
      override onBar(bar: Bar, ctx: StrategyContext): void {
        if (this.done) return;
        this.done = true;
        ctx.buy(300, { positionSide: 'long' });
        ctx.bracket({ side: 'sell', quantity: 200, positionSide: 'short', stopLoss: Math.round(bar.close * 110) / 100, takeProfit: Math.round(bar.close * 90) / 100 });
      }
    }
    const feed = openCsvFeed(ORCL, { symbol: 'ORCL', from: Date.parse('2003-01-01T00:00:00Z') * 1000, to: Date.parse('2003-12-31T00:00:00Z') * 1000 });
    const r = runBacktest({ strategy: new ShortBracket({}), feeds: [feed], cash: 100_000, account: { positionMode: 'hedging' } });
    const [, entry, sl, tp] = r.orders;
    expect([entry!.status, entry!.positionSide]).toEqual(['filled', 'short']);
    expect(sl!.positionSide).toBe('short');
    expect(tp!.positionSide).toBe('short');
    // One exit filled (bought back the 200 on the short leg), the other was cancelled by it.
    const statuses = [sl!.status, tp!.status].sort();
    expect(statuses).toEqual(['cancelled', 'filled']);
    expect(r.instruments[0]?.legs?.short.quantity).toBe(0);
    expect(r.instruments[0]?.legs?.long.quantity).toBe(300);
    expect(bars.length).toBeGreaterThan(200);
  });
});
