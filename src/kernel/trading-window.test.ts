import { describe, expect, it } from 'vitest';
import { barFeed, dailyRows, type BarRow } from '../../test/helpers/feeds.js';
import { formatIso, parseIsoTime } from '../core/time.js';
import { PercentFee } from '../execution/models/fee.js';
import type { OrderEvent } from '../model/events.js';
import type { Bar } from '../model/market.js';
import type { StrategyContext } from '../strategy/context.js';
import type { Indicator } from '../strategy/indicators/indicator.js';
import { Strategy } from '../strategy/strategy.js';
import { runBacktest, type BacktestOptions } from '../backtest/engine.js';

// 20 daily bars from 2020-01-01, closes moving up and down (no two alike).
const rows = dailyRows(
  '2020-01-01',
  Array.from({ length: 20 }, (_, i) => {
    const c = 100 + 5 * Math.sin(i / 2) + i * 0.25;
    const close = Math.round(c * 100) / 100;
    const open = Math.round((close - 0.5) * 100) / 100;
    return [open, close + 1, open - 1, close] as const;
  }),
);
const day = (i: number): number => parseIsoTime((rows[i] as BarRow)[0], 'end') as number;

/** Records its SMA each bar; buys `size` on every bar while flat (sells it again after `hold` bars) and counts its order events. */
class Probe extends Strategy<{ size: number; hold: number }> {
  sma!: Indicator;
  smaAt = new Map<number, number>();
  historyAt = new Map<number, number>();
  rejected: string[] = [];
  held = 0;
  override onStart(ctx: StrategyContext): void {
    this.sma = ctx.sma(5);
  }
  override onBar(bar: Bar, ctx: StrategyContext): void {
    this.smaAt.set(bar.time, this.sma.value);
    this.historyAt.set(bar.time, ctx.bars().length);
    if (ctx.hasOpenOrders()) return;
    if (ctx.position() === 0) ctx.buy(this.params.size);
    else if (++this.held >= this.params.hold) {
      ctx.sell(ctx.position());
      this.held = 0;
    }
  }
  override onOrderEvent(e: OrderEvent): void {
    if (e.kind === 'rejected') this.rejected.push(`${formatIso(e.time).slice(0, 10)} ${e.reason}`);
  }
}

function run(strategy: Probe, window: Pick<BacktestOptions, 'tradeFrom' | 'tradeTo'> = {}) {
  return runBacktest({ strategy, feeds: [barFeed('X', rows)], cash: 10_000, fees: new PercentFee(0.001), ...window });
}

describe('the trading window', () => {
  it('warms the strategy up before tradeFrom: its indicators and history at and after T1 are those of a run without the window', () => {
    const plain = new Probe({ size: 10, hold: 3 });
    run(plain);
    const windowed = new Probe({ size: 10, hold: 3 });
    run(windowed, { tradeFrom: day(8) });
    for (let i = 8; i < rows.length; i++) {
      expect(windowed.smaAt.get(day(i))).toBe(plain.smaAt.get(day(i)));
      expect(windowed.historyAt.get(day(i))).toBe(plain.historyAt.get(day(i)));
    }
    expect(windowed.smaAt.get(day(8))).toBeGreaterThan(0); // warm at T1
  });

  it('refuses every order before tradeFrom as a rejected event (outside_trading_window), and records from the first step at or after T1', () => {
    const s = new Probe({ size: 10, hold: 3 });
    // T1 between two bars: the first step at or after it is day 8.
    const r = run(s, { tradeFrom: day(8) - 3_600_000_000 });
    const refused = r.orders.filter((o) => o.reason === 'outside_trading_window');
    expect(refused).toHaveLength(8 - 4); // the SMA(5) is ready from the 5th bar: bars 4..7 send an order each
    expect(refused.every((o) => o.status === 'rejected' && o.createdTime < day(8))).toBe(true);
    expect(s.rejected).toEqual(refused.map((o) => `${formatIso(o.createdTime).slice(0, 10)} outside_trading_window`));
    expect(r.fills.every((f) => f.time > day(8))).toBe(true);
    expect(r.fills.length).toBeGreaterThan(0);
    expect(r.equity.time[0]).toBe(day(8));
    expect(r.equity.time.length).toBe(rows.length - 8);
    expect(r.equity.equity[0]).toBe(10_000);
    expect(r.equity.cash[0]).toBe(10_000);
    expect(r.start).toBe(day(8));
    expect(r.bars).toBe(rows.length - 8);
    expect(Math.min(...r.positions.time)).toBeGreaterThanOrEqual(day(8));
  });

  it('replays nothing after tradeTo and closes what is open at the last close, by a fill with its fee', () => {
    const s = new Probe({ size: 10, hold: 100 });
    const r = run(s, { tradeFrom: day(5), tradeTo: day(12) + 1000 });
    expect(r.end).toBe(day(12));
    expect(r.equity.time[r.equity.time.length - 1]).toBe(day(12));
    expect(Math.max(...s.smaAt.keys())).toBe(day(12));
    const close = (rows[12] as readonly number[])[4] as number;
    const last = r.orders[r.orders.length - 1];
    expect(last).toMatchObject({ status: 'filled', side: 'sell', quantity: 10, tag: 'window_end', fillPrice: close, filledTime: day(12) });
    expect(last?.fee).toBeCloseTo(10 * close * 0.001, 12);
    expect(r.instruments[0]?.quantity).toBe(0);
    expect(r.openTrades).toBe(0);
    const trade = r.closedTrades[r.closedTrades.length - 1];
    expect(trade).toMatchObject({ exitTime: day(12), exitPrice: close, quantity: 10 });
    expect(r.equity.positionValue[r.equity.positionValue.length - 1]).toBe(0);
    expect(r.equity.equity[r.equity.equity.length - 1]).toBe(r.finalCash);
    expect(r.fills[r.fills.length - 1]).toMatchObject({ time: day(12), price: close, quantity: -10 });
  });

  it('closes a short position with a buy at the last close', () => {
    class Short extends Strategy<object> {
      override onBar(_bar: Bar, ctx: StrategyContext): void {
        if (ctx.position() === 0 && !ctx.hasOpenOrders()) ctx.sell(5);
      }
    }
    const r = runBacktest({ strategy: new Short({}), feeds: [barFeed('X', rows)], cash: 10_000, tradeFrom: day(2), tradeTo: day(6) });
    const last = r.orders[r.orders.length - 1];
    expect(last).toMatchObject({ status: 'filled', side: 'buy', quantity: 5, tag: 'window_end', fillPrice: (rows[6] as readonly number[])[4] });
    expect(r.instruments[0]?.quantity).toBe(0);
  });

  it('closes both legs of a hedging account, each with an order naming its leg', () => {
    class BothWays extends Strategy<object> {
      override onBar(_bar: Bar, ctx: StrategyContext): void {
        if (ctx.hasOpenOrders() || ctx.position('X', 'long') !== 0) return;
        ctx.buy(3, { positionSide: 'long' });
        ctx.sell(2, { positionSide: 'short' });
      }
    }
    const r = runBacktest({ strategy: new BothWays({}), feeds: [barFeed('X', rows)], cash: 10_000, account: { positionMode: 'hedging' }, tradeFrom: day(1), tradeTo: day(7) });
    const settled = r.orders.filter((o) => o.tag === 'window_end');
    const close = (rows[7] as readonly number[])[4];
    expect(settled.map((o) => [o.side, o.quantity, o.positionSide, o.fillPrice, o.filledTime])).toEqual([
      ['sell', 3, 'long', close, day(7)],
      ['buy', 2, 'short', close, day(7)],
    ]);
    expect(r.instruments[0]?.legs).toMatchObject({ long: { quantity: 0 }, short: { quantity: 0 } });
  });

  it('stops merged feeds at tradeTo too', () => {
    const s = new Probe({ size: 1, hold: 2 });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', rows), barFeed('Y', rows)], cash: 10_000, tradeTo: day(9) });
    expect(r.end).toBe(day(9));
    expect(r.bars).toBe(2 * 10);
    expect(r.instruments.every((i) => i.quantity === 0)).toBe(true);
  });
});
