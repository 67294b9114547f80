import { describe, expect, it } from 'vitest';
import { barFeed, dailyRows, quoteFeed } from '../../test/helpers/feeds.js';
import { formatIso, parseIsoTime } from '../core/time.js';
import { PercentFee } from '../execution/models/fee.js';
import type { Bar, QuoteTick } from '../model/market.js';
import type { OrderEvent, TimerEvent } from '../model/events.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { Float64Pool } from '../index.js';
import { BacktestEngine, runBacktest } from './engine.js';

/** A strategy scripted per bar index: run `script[i]` on the i-th bar. */
class Scripted extends Strategy<{ script: Record<number, (ctx: StrategyContext, bar: Bar) => void> }> {
  i = 0;
  events: string[] = [];
  override onBar(bar: Bar, ctx: StrategyContext): void {
    this.params.script[this.i]?.(ctx, bar);
    this.i++;
  }
  override onOrderEvent(e: OrderEvent, ctx: StrategyContext): void {
    this.events.push(`${formatIso(ctx.time).slice(0, 10)} ${e.order.id} ${e.kind}${e.reason ? ` ${e.reason}` : ''}`);
  }
}

const days = dailyRows('2020-01-01', [
  [10, 11, 9, 10.5],
  [10.6, 12, 10.2, 11.5],
  [11.4, 11.8, 10.9, 11],
  [11.2, 11.4, 10, 10.1],
  [10.2, 10.8, 9.5, 10.6],
  [10.7, 11.9, 10.6, 11.8],
]);

describe('BacktestEngine, classic fills', () => {
  it('fills a market order at the next bar open and books fees, cash and equity', () => {
    const s = new Scripted({ script: { 0: (ctx) => ctx.buy(100), 2: (ctx) => ctx.sell(100) } });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, fees: new PercentFee(0.001) });
    expect(r.orders.map((o) => [o.status, o.fillPrice, o.fee])).toEqual([
      ['filled', 10.6, 100 * 10.6 * 0.001],
      ['filled', 11.2, 100 * 11.2 * 0.001],
    ]);
    expect(formatIso(r.orders[0]?.filledTime as number)).toBe('2020-01-02T23:59:59.999999Z');
    expect(r.closedTrades).toHaveLength(1);
    const tr = r.closedTrades[0];
    expect(tr).toMatchObject({ direction: 'long', quantity: 100, entryPrice: 10.6, exitPrice: 11.2, barsHeld: 2 });
    expect(tr?.grossPnl).toBeCloseTo(60, 9);
    expect(tr?.netPnl).toBeCloseTo(60 - 1.06 - 1.12, 9);
    expect(r.finalCash).toBeCloseTo(10_000 + 60 - 1.06 - 1.12, 9);
    // equity per bar: bar 1 holds 100 at close 11.5
    expect(r.equity.equity[1]).toBeCloseTo(10_000 - 1060 - 1.06 + 1150, 9);
    expect(Array.from(r.equity.positionValue.slice(0, 4))).toEqual([0, 1150, 1100, 0]);
    expect(s.events).toEqual([
      '2020-01-01 1 submitted', '2020-01-01 1 accepted', '2020-01-02 1 filled',
      '2020-01-03 2 submitted', '2020-01-03 2 accepted', '2020-01-04 2 filled',
    ]);
  });

  it('fills limits and stops at their price, or at the open when it gapped through', () => {
    const s = new Scripted({
      script: {
        0: (ctx) => {
          ctx.buy(10, { limit: 10.3 }); // bar 1 low 10.2 <= 10.3, open 10.6 > 10.3 -> 10.3
          ctx.buy(10, { limit: 12 }); // bar 1 open 10.6 <= 12 -> open
          ctx.buy(10, { stop: 11.9 }); // bar 1 high 12 >= 11.9 -> 11.9
        },
        2: (ctx) => {
          ctx.sell(10, { stop: 11.3 }); // bar 3 open 11.2 <= 11.3 -> gapped, open 11.2
          ctx.sell(10, { limit: 11.4 }); // bar 3 high 11.4 >= 11.4 -> 11.4
        },
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000 });
    expect(r.orders.map((o) => o.fillPrice)).toEqual([10.3, 10.6, 11.9, 11.2, 11.4]);
  });

  it('expires an order on the first bar stamped after its expiry (a daily bar is stamped at the end of its day)', () => {
    const s = new Scripted({
      script: {
        // Valid until the 3rd bar after the signal: can fill on bars 1..3, expires at the start of bar 4.
        0: (ctx) => ctx.buy(1, { limit: 9.9, expire: '2020-01-04' }),
        1: (ctx) => ctx.buy(1, { limit: 10.1, expire: '2020-01-05' }),
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000 });
    expect(r.orders[0]).toMatchObject({ status: 'expired' });
    expect(s.events).toContain('2020-01-05 1 expired');
    // Bar 4 (2020-01-04) has low 10 <= 10.1: the second order fills on its last valid bar.
    expect(r.orders[1]).toMatchObject({ status: 'filled', fillPrice: 10.1 });
    expect(formatIso(r.orders[1]?.filledTime as number).slice(0, 10)).toBe('2020-01-04');
  });

  it('rejects an order that cash cannot pay for at the creating bar close, changing nothing else', () => {
    const s = new Scripted({ script: { 0: (ctx) => ctx.buy(1000), 1: (ctx) => ctx.buy(90) } });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 1000, fees: new PercentFee(0.001) });
    expect(r.orders[0]).toMatchObject({ status: 'rejected', reason: 'insufficient_cash' });
    expect(s.events.slice(0, 2)).toEqual(['2020-01-01 1 submitted', '2020-01-01 1 rejected insufficient_cash']);
    expect(r.equity.cash[0]).toBe(1000);
    // 90 x 11.5 + fee = 1036.035 > 1000: also rejected, at the creating bar's close.
    expect(r.orders[1]).toMatchObject({ status: 'rejected', reason: 'insufficient_cash' });
    expect(r.finalCash).toBe(1000);
    expect(r.closedTrades).toHaveLength(0);
  });

  it('commits cash for live orders so two orders cannot spend it twice', () => {
    const s = new Scripted({ script: { 0: (ctx) => { ctx.buy(60); ctx.buy(60); } } });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 1000 });
    expect(r.orders.map((o) => o.status)).toEqual(['filled', 'rejected']);
  });

  it('reverses with targetPosition in one order whose fee is split across the two trades', () => {
    const s = new Scripted({ script: { 0: (ctx) => ctx.targetPosition(100), 2: (ctx) => ctx.targetPosition(-100), 4: (ctx) => ctx.targetPosition(0) } });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, fees: new PercentFee(0.01) });
    expect(r.orders.map((o) => [o.side, o.quantity, o.fillPrice])).toEqual([
      ['buy', 100, 10.6],
      ['sell', 200, 11.2],
      ['buy', 100, 10.7],
    ]);
    const [long, short] = r.closedTrades;
    expect(long).toMatchObject({ direction: 'long', entryPrice: 10.6, exitPrice: 11.2 });
    expect(long?.fees).toBeCloseTo(10.6 + 11.2, 9);
    expect(short).toMatchObject({ direction: 'short', entryPrice: 11.2, exitPrice: 10.7, barsHeld: 2 });
    expect(short?.grossPnl).toBeCloseTo(50, 9);
    expect(short?.fees).toBeCloseTo(11.2 + 10.7, 9);
  });

  it('merges feeds in time order, ties by feed order, and never fills on data stamped at the order time', () => {
    const seen: string[] = [];
    class Two extends Strategy {
      override onBar(bar: Bar, ctx: StrategyContext): void {
        seen.push(`${bar.symbol}@${formatIso(bar.time).slice(0, 10)}`);
        // On A's second bar, order B: B's bar at the same time must not fill it.
        if (bar.symbol === 'A' && ctx.bars('A').length === 2) ctx.buy(1, { symbol: 'B' });
        // Before B has any data, a market order for it cannot be costed.
        if (bar.symbol === 'A' && ctx.bars('A').length === 1) ctx.buy(1, { symbol: 'B' });
      }
    }
    const a = barFeed('A', days.slice(0, 3));
    const b = barFeed('B', dailyRows('2020-01-01', [[50, 51, 49, 50], [52, 53, 51, 52], [54, 55, 53, 54]]));
    const r = runBacktest({ strategy: new Two({}), feeds: [a, b], cash: 10_000 });
    expect(seen).toEqual(['A@2020-01-01', 'B@2020-01-01', 'A@2020-01-02', 'B@2020-01-02', 'A@2020-01-03', 'B@2020-01-03']);
    expect(r.orders[0]).toMatchObject({ symbol: 'B', status: 'rejected', reason: 'no_market_data' });
    expect(r.orders[1]).toMatchObject({ symbol: 'B', status: 'filled', fillPrice: 54 });
    expect(r.equity.time).toHaveLength(3);
    expect(r.bars).toBe(6);
  });

  it('fires timers in time order between data, after the data of the same instant', () => {
    const log: string[] = [];
    class Timed extends Strategy {
      override onStart(ctx: StrategyContext): void {
        ctx.setTimer('noon', '2020-01-02T12:00:00Z');
        ctx.setTimer('close', (parseIsoTime('2020-01-03', 'end') as number));
      }
      override onBar(bar: Bar): void {
        log.push(`bar ${formatIso(bar.time).slice(0, 10)}`);
      }
      override onTimer(t: TimerEvent, ctx: StrategyContext): void {
        log.push(`timer ${t.name} ${formatIso(ctx.time)}`);
        if (t.name === 'noon') ctx.buy(1);
      }
    }
    const r = runBacktest({ strategy: new Timed({}), feeds: [barFeed('X', days.slice(0, 4))], cash: 10_000 });
    expect(log).toEqual([
      'bar 2020-01-01', 'timer noon 2020-01-02T12:00:00Z', 'bar 2020-01-02', 'bar 2020-01-03',
      'timer close 2020-01-03T23:59:59.999999Z', 'bar 2020-01-04',
    ]);
    // Bought at noon of the 2nd: the 2nd's bar closes later, so it fills at that bar's open.
    expect(r.orders[0]).toMatchObject({ status: 'filled', fillPrice: 10.6 });
  });

  it('fills against quotes at the ask for buys and the bid for sells', () => {
    const log: number[] = [];
    class Q extends Strategy {
      n = 0;
      override onQuote(q: QuoteTick, ctx: StrategyContext): void {
        log.push(q.bid);
        if (this.n === 0) ctx.buy(1000);
        if (this.n === 2) ctx.sell(1000);
        this.n++;
      }
    }
    const r = runBacktest({
      strategy: new Q({}),
      feeds: [quoteFeed('EURUSD', [['2020-01-01T00:00:00Z', 1.1, 1.1002], ['2020-01-01T00:00:01Z', 1.1001, 1.1003], ['2020-01-01T00:00:02Z', 1.1004, 1.1006], ['2020-01-01T00:00:03Z', 1.1005, 1.1007]])],
      cash: 10_000,
    });
    expect(r.orders.map((o) => o.fillPrice)).toEqual([1.1003, 1.1005]);
    expect(r.quotes).toBe(4);
    expect(r.closedTrades[0]?.grossPnl).toBeCloseTo(1000 * (1.1005 - 1.1003), 12);
  });

  it('is deterministic: the same run twice gives identical results', () => {
    const make = (): string => {
      const s = new Scripted({ script: { 0: (ctx) => ctx.buy(5), 1: (ctx) => ctx.sell(7, { limit: 11.3 }), 3: (ctx) => ctx.targetPosition(3) } });
      return JSON.stringify(runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 1000, fees: new PercentFee(0.002) }), (_k, v: unknown) =>
        v instanceof Float64Array ? Array.from(v) : v,
      );
    };
    expect(make()).toBe(make());
  });
});

describe('indicator warm-up and the registry', () => {
  const rows = dailyRows('2020-01-01', Array.from({ length: 40 }, (_, i) => [10 + i, 11 + i, 9 + i, 10.5 + i] as const));

  it('holds onBar until every indicator of the series is ready, unless the strategy asks otherwise', () => {
    class Warm extends Strategy<{ early: boolean }> {
      calls = 0;
      firstReady = false;
      macd!: ReturnType<StrategyContext['indicator']>;
      override onStart(ctx: StrategyContext): void {
        this.callOnBarBeforeReady = this.params.early;
        ctx.sma(5);
        this.macd = ctx.indicator('MACD', { fastperiod: 3, slowperiod: 6, signalperiod: 2 });
      }
      override onBar(): void {
        if (this.calls++ === 0) this.firstReady = this.macd.ready;
      }
    }
    const late = new Warm({ early: false });
    runBacktest({ strategy: late, feeds: [barFeed('X', rows)], cash: 1000 });
    // MACD(3, 6, 2) has TA-Lib lookback 6: the first value comes with the 7th bar.
    expect(late.macd.warmup).toBe(7);
    expect(late.calls).toBe(40 - 6);
    expect(late.firstReady).toBe(true);
    const early = new Warm({ early: true });
    runBacktest({ strategy: early, feeds: [barFeed('X', rows)], cash: 1000 });
    expect(early.calls).toBe(40);
  });

  it('refuses an unknown indicator name or parameter with a clear error', () => {
    class Bad extends Strategy {
      override onStart(ctx: StrategyContext): void {
        ctx.indicator('MACD', { fastperoid: 3 });
      }
    }
    expect(() => runBacktest({ strategy: new Bad({}), feeds: [barFeed('X', rows)], cash: 1000 })).toThrow(/MACD/);
  });
});

describe('BacktestEngine, progress', () => {
  const noop = (): Scripted => new Scripted({ script: {} });

  it('reports after every `progressEvery` events and once at the end, from one feed and from merged feeds', () => {
    const one: number[] = [];
    runBacktest({ strategy: noop(), feeds: [barFeed('X', days)], cash: 10_000, onProgress: (n) => one.push(n), progressEvery: 2 });
    expect(one).toEqual([2, 4, 6, 6]);
    const merged: number[] = [];
    // Two feeds go through the merging loop: 12 events.
    runBacktest({ strategy: noop(), feeds: [barFeed('X', days), barFeed('Y', days)], cash: 10_000, onProgress: (n) => merged.push(n), progressEvery: 5 });
    expect(merged).toEqual([5, 10, 12]);
  });

  it('refuses a progressEvery that is not a whole number of events', () => {
    for (const every of [0, 2.5, Number.NaN, -3]) {
      expect(() => runBacktest({ strategy: noop(), feeds: [barFeed('X', days)], cash: 10_000, onProgress: () => undefined, progressEvery: every })).toThrow(/progressEvery must be a whole number/);
    }
  });
});

describe('BacktestEngine, buffers from a pool', () => {
  it('a run on buffers another run gave back has the result of a run on new ones', () => {
    const pool = new Float64Pool();
    const script = (buyAt: number, sellAt: number) => new Scripted({ script: { [buyAt]: (ctx) => ctx.buy(100), [sellAt]: (ctx) => ctx.sell(100) } });
    const first = new BacktestEngine({ strategy: script(0, 2), feeds: [barFeed('X', days)], cash: 10_000, bufferPool: pool, historyCapacity: days.length });
    const firstEquity = Array.from(first.run().equity.equity);
    first.releaseBuffers();
    const pooled = new BacktestEngine({ strategy: script(1, 4), feeds: [barFeed('X', days)], cash: 10_000, bufferPool: pool, historyCapacity: days.length }).run();
    const fresh = runBacktest({ strategy: script(1, 4), feeds: [barFeed('X', days)], cash: 10_000, historyCapacity: days.length });
    expect(Array.from(pooled.equity.equity)).toEqual(Array.from(fresh.equity.equity));
    expect(Array.from(pooled.equity.time)).toEqual(Array.from(fresh.equity.time));
    expect(Array.from(pooled.equity.equity)).not.toEqual(firstEquity);
    expect(pooled.closedTrades).toEqual(fresh.closedTrades);
  });
});
