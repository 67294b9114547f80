import { describe, expect, it } from 'vitest';
import { barFeed, dailyRows } from '../../test/helpers/feeds.js';
import type { Bar } from '../model/market.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { AppendedRecords } from '../core/record-rows.js';
import { OrderRecords } from '../execution/order-records.js';
import { PositionLog } from '../kernel/position-log.js';
import { EquityRecorder } from '../kernel/recorder.js';
import { BacktestEngine } from './engine.js';

/**
 * Orders of every kind coming and going on every bar: a limit buy that
 * expires unfilled, a market bracket (its two exits linked one-cancels-other)
 * opened every fourth bar, its exits cancelled and the position sold two bars
 * later.
 */
class Churn extends Strategy<Record<string, never>> {
  private i = 0;
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    const step = this.i++ % 4;
    ctx.buy(1, { limit: 50, validBars: 1 });
    if (step === 0 && ctx.position() === 0) ctx.bracket({ quantity: 1, stopLoss: 50, takeProfit: 200 });
    if (step === 2) {
      for (const o of ctx.openOrders()) if (o.type !== 'limit' || o.price !== 50) ctx.cancel(o);
      const p = ctx.position();
      if (p > 0) ctx.sell(p);
    }
  }
}

/** What a run keeps by design, one entry (or row) per order, fill, trade or step: its records. */
const RECORDS = [OrderRecords, AppendedRecords, PositionLog, EquityRecorder];

/** An order on every bar, each filled before the next: buy 1 when flat, else sell the position. */
class Flip extends Strategy<Record<string, never>> {
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (ctx.hasOpenOrders()) return;
    const p = ctx.position();
    if (p === 0) ctx.buy(1);
    else ctx.sell(p);
  }
}

/** Arrays, maps and sets reachable from `root`, outside the run's records, holding more than `limit` entries. */
function largeContainers(root: object, limit: number): string[] {
  const seen = new Set<object>();
  const found: string[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (v === null || typeof v !== 'object' || seen.has(v) || depth > 8 || ArrayBuffer.isView(v) || RECORDS.some((r) => v instanceof r)) return;
    seen.add(v);
    const size = Array.isArray(v) ? v.length : v instanceof Map || v instanceof Set ? v.size : 0;
    if (size > limit) found.push(`${path}: ${size}`);
    if (v instanceof Map) for (const [k, x] of v) walk(x, `${path}.get(${String(k)})`, depth + 1);
    else if (v instanceof Set) for (const x of v) walk(x, `${path}{}`, depth + 1);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    else for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`, depth + 1);
  };
  walk(root, 'engine', 0);
  return found;
}

describe('what a run keeps as it goes', () => {
  const bars = dailyRows(
    '2000-01-03',
    Array.from({ length: 12_000 }, (_, i) => [100 + (i % 7), 102 + (i % 7), 98 + (i % 7), 101 + (i % 7)] as const),
  );

  it('grows with its orders only in its records: no other list, map or set of the engine does (paper and live sessions run for days)', () => {
    const engine = new BacktestEngine({ strategy: new Churn({}), feeds: [barFeed('X', bars, 512)], cash: 1e9 });
    const result = engine.run();
    // Tens of thousands of orders, of every kind of ending.
    const ends = new Map<string, number>();
    for (const o of result.orders) ends.set(o.status, (ends.get(o.status) ?? 0) + 1);
    expect(result.orders.length).toBeGreaterThan(20_000);
    for (const status of ['filled', 'cancelled', 'expired']) expect(ends.get(status) ?? 0).toBeGreaterThan(2_000);
    expect(largeContainers(engine, 1_000)).toEqual([]);
  });

  it('nor when each order ends before the next begins (the tables of live orders empty between them)', () => {
    const engine = new BacktestEngine({ strategy: new Flip({}), feeds: [barFeed('X', bars, 512)], cash: 1e9 });
    expect(engine.run().orders.length).toBeGreaterThan(10_000);
    expect(largeContainers(engine, 1_000)).toEqual([]);
  });
});
