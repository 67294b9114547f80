import { describe, expect, it } from 'vitest';
import { MICROS_PER_SECOND } from '../../core/time.js';
import { connectSimulatedExchange } from '../../backtest/engine.js';
import { TradingKernel } from '../../kernel/kernel.js';
import type { FeedStatus, OrderEvent, TimerEvent } from '../../model/events.js';
import { makeInstrument } from '../../model/instrument.js';
import { F_CLEAR, F_LAST, F_SNAPSHOT, type Bar } from '../../model/market.js';
import type { StrategyContext } from '../../strategy/context.js';
import { Strategy } from '../../strategy/strategy.js';
import type { Incident } from '../source.js';
import { LiveDriver } from './live-driver.js';

const T0 = Date.UTC(2024, 0, 2) * 1000;
const S = MICROS_PER_SECOND;

/** What the strategy saw, in order. */
class Recorder extends Strategy<Record<string, unknown>> {
  readonly seen: string[] = [];
  timerAt = NaN;
  buyOnBar = false;
  throwOnBar = false;
  override onStart(ctx: StrategyContext): void {
    if (this.timerAt === this.timerAt) ctx.setTimer('wake', this.timerAt);
  }
  override onBar(bar: Bar, ctx: StrategyContext): void {
    this.seen.push(`bar ${bar.time - T0} at ${ctx.time - T0}`);
    if (this.throwOnBar) throw new Error('boom');
    if (this.buyOnBar) ctx.buy(1);
  }
  override onTimer(timer: TimerEvent, ctx: StrategyContext): void {
    this.seen.push(`timer ${timer.name} ${timer.time - T0} at ${ctx.time - T0}`);
  }
  override onFeedStatus(status: FeedStatus): void {
    this.seen.push(`feed ${status.state}`);
  }
  override onOrderEvent(e: OrderEvent): void {
    if (e.kind === 'filled') this.seen.push(`filled at ${(e.fill?.time ?? NaN) - T0}`);
  }
}

function setup(strategy: Recorder, options: { timeRate?: number; staleAfter?: number } = {}) {
  let wall = T0 + 1000 * S; // the machine's clock, far from the data's on purpose
  const instruments = [makeInstrument('BTC/USDT')];
  const kernel = new TradingKernel({ strategy, instruments, cash: 1_000_000, books: [true] });
  strategy.callOnBarBeforeReady = true;
  connectSimulatedExchange(kernel, instruments, {});
  kernel.start();
  const incidents: Incident[] = [];
  const failures: unknown[] = [];
  const driver = new LiveDriver({
    kernel,
    symbols: ['BTC/USDT'],
    wallNow: () => wall,
    onIncident: (i) => incidents.push(i),
    onFailure: (e) => failures.push(e),
    ...options,
  });
  return {
    kernel,
    driver,
    incidents,
    failures,
    advanceWall: (us: number) => {
      wall += us;
    },
    wall: () => wall,
  };
}

describe('LiveDriver', () => {
  it('fires a timer from the wall clock while the feed is quiet, and runs later data after it', () => {
    const s = new Recorder({});
    s.timerAt = T0 + 90 * S;
    const { driver, kernel, advanceWall, wall } = setup(s);
    driver.bar(0, T0 + 60 * S, wall(), 100, 101, 99, 100, 5);
    advanceWall(20 * S);
    driver.tick();
    expect(s.seen).toEqual(['bar 60000000 at 60000000']); // 80 s of market time: not due yet
    advanceWall(15 * S);
    driver.tick();
    expect(s.seen).toEqual(['bar 60000000 at 60000000', 'timer wake 90000000 at 90000000']);
    // The bar step was valued when the timer's time came, once.
    expect([...kernel.equity.curve().time].map((t) => t - T0)).toEqual([60 * S]);
    // A bar stamped before the timer (a slow stream) runs at the kernel's time, counted late.
    driver.bar(0, T0 + 85 * S, wall(), 100, 102, 99, 101, 5);
    driver.bar(0, T0 + 120 * S, wall(), 101, 103, 100, 102, 5);
    driver.finish();
    expect(s.seen.slice(2)).toEqual(['bar 90000000 at 90000000', 'bar 120000000 at 120000000']);
    expect(driver.counts).toMatchObject({ bars: 3, late: 1 });
    expect([...kernel.equity.curve().time].map((t) => t - T0)).toEqual([60 * S, 90 * S, 120 * S]);
  });

  it('moves no time between events when the time rate is 0 (a replay as fast as possible)', () => {
    const s = new Recorder({});
    s.timerAt = T0 + 61 * S;
    const { driver, advanceWall, wall } = setup(s, { timeRate: 0 });
    driver.bar(0, T0 + 60 * S, wall(), 100, 101, 99, 100, 5);
    advanceWall(3600 * S);
    driver.tick();
    expect(s.seen).toEqual(['bar 60000000 at 60000000']);
    driver.bar(0, T0 + 120 * S, wall(), 100, 101, 99, 100, 5);
    expect(s.seen).toEqual(['bar 60000000 at 60000000', 'timer wake 61000000 at 61000000', 'bar 120000000 at 120000000']);
  });

  it('reports a stale feed to the strategy and as incidents, and its return', () => {
    const s = new Recorder({});
    const { driver, incidents, advanceWall, wall } = setup(s, { staleAfter: 5 * S });
    driver.bar(0, T0 + 60 * S, wall(), 100, 101, 99, 100, 5);
    advanceWall(4 * S);
    driver.tick();
    expect(incidents).toEqual([]);
    advanceWall(2 * S);
    driver.tick();
    driver.tick(); // once only
    expect(incidents.map((i) => i.kind)).toEqual(['stale_feed']);
    expect(incidents[0]?.detail).toBe('no market data for 5 s');
    expect(s.seen.at(-1)).toBe('feed stale');
    advanceWall(10 * S);
    driver.bar(0, T0 + 120 * S, wall(), 100, 101, 99, 100, 5);
    expect(incidents.map((i) => i.kind)).toEqual(['stale_feed', 'feed_resumed']);
    expect(s.seen.slice(-2)).toEqual(['feed live', 'bar 120000000 at 120000000']);
    expect(driver.incidents).toBe(2);
  });

  it('applies a book update at its last row and fills on the book', () => {
    const s = new Recorder({});
    const { driver, kernel, wall } = setup(s);
    const t = T0 + S;
    driver.bookLevel(0, t, wall(), 1, 99, 2, F_SNAPSHOT | F_CLEAR, 10);
    driver.bookLevel(0, t, wall(), -1, 101, 3, F_SNAPSHOT | F_LAST, 10);
    expect(kernel.books[0]?.bestAsk).toBe(101);
    kernel.ctx.buy(1);
    driver.bookLevel(0, t + S, wall(), -1, 101, 1, F_LAST, 11);
    driver.finish();
    expect(driver.counts.book).toBe(2);
    expect([...kernel.orders.fills].map((f) => [f.price, f.quantity, f.time - T0])).toEqual([[101, 1, 2 * S]]);
  });

  it('stops at a strategy error: the failure is kept, later events are dropped', () => {
    const s = new Recorder({});
    s.throwOnBar = true;
    const { driver, failures, wall, kernel } = setup(s);
    driver.bar(0, T0 + 60 * S, wall(), 100, 101, 99, 100, 5);
    driver.bar(0, T0 + 120 * S, wall(), 100, 101, 99, 100, 5);
    expect(failures).toHaveLength(1);
    expect((driver.failure as Error).message).toBe('boom');
    expect(driver.counts.bars).toBe(1);
    driver.finish();
    expect([...kernel.equity.curve().time].map((t) => t - T0)).toEqual([60 * S]);
  });

  it('measures exchange-to-receive latency on ticks and books, not on bars', () => {
    const s = new Recorder({});
    const { driver, wall } = setup(s);
    driver.trade(0, T0 + S, T0 + S + 2500, 100, 1, 1);
    driver.quote(0, T0 + 2 * S, T0 + 2 * S + 2500, 99, 101, 1, 1);
    driver.bar(0, T0 + 3 * S, wall(), 100, 101, 99, 100, 5);
    expect(driver.feedLatency.count).toBe(2);
    expect(driver.feedLatency.percentile(0.5)).toBeCloseTo(2500, -2);
    expect(driver.handlingLatency.count).toBe(3);
  });
});
