/**
 * The max-orders kill switch: a run keeps at most `maxOrders` order records.
 * The submission that would go beyond trips the kill switch (reason
 * max_orders: the account halts, working orders are cancelled); later
 * submissions are refused without a record or an event (counted by reason),
 * so memory stays bounded; a strategy that keeps submitting long after the
 * trip is stopped with an input error.
 */
import { formatIso } from '../core/time.js';
import { runWarnings } from '../backtest/warnings.js';
import { describe, expect, it } from 'vitest';
import { barFeed, dailyRows } from '../../test/helpers/feeds.js';
import { runBacktest } from '../backtest/engine.js';
import { InputError } from '../core/errors.js';
import type { OrderEvent } from '../model/events.js';
import type { Order } from '../model/order.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { RiskEngine } from './engine.js';
import { parseRiskLimits } from './limits.js';

const days = dailyRows(
  '2021-01-04',
  Array.from({ length: 20 }, (_, i) => [100 + i, 101 + i, 99 + i, 100.5 + i] as const),
);

/** Submits `perBar` limit orders far below the market on every bar. */
class Spammer extends Strategy<{ perBar: number }> {
  events = 0;
  readonly returned: Order[] = [];
  override onBar(_bar: unknown, ctx: StrategyContext): void {
    for (let k = 0; k < this.params.perBar; k++) this.returned.push(ctx.buy(1, { limit: 1 }));
  }
  override onOrderEvent(_e: OrderEvent): void {
    this.events++;
  }
}

describe('maxOrders', () => {
  it('defaults to 1,000,000 and takes only whole numbers >= 1', () => {
    expect(parseRiskLimits({}).maxOrders).toBe(1_000_000);
    expect(parseRiskLimits({ maxOrders: 5 }).maxOrders).toBe(5);
    for (const bad of [0, -1, 1.5, 'x']) expect(() => parseRiskLimits({ maxOrders: bad })).toThrow(InputError);
  });

  it('the order beyond the limit trips the kill switch: account halted, working orders cancelled, later orders refused without a record', () => {
    const s = new Spammer({ perBar: 2 });
    const logged: string[] = [];
    const r = runBacktest({
      strategy: s,
      feeds: [barFeed('X', days)],
      cash: 1_000_000,
      risk: new RiskEngine({ maxOrders: 5 }),
      log: { info: () => {}, warn: (m) => logged.push(m) },
    });
    // 5 records: orders 1-5 (bars 1-3), the sixth submission (bar 3) trips the switch.
    expect(r.orders.length).toBe(5);
    expect(r.riskEvents.map((e) => [e.reason, e.from, e.to])).toEqual([['max_orders', 'active', 'halted']]);
    expect(r.orders.map((o) => [o.status, o.reason])).toEqual(Array.from({ length: 5 }, () => ['cancelled', 'user']));
    // 40 submissions over 20 bars: 35 refused without a record.
    expect(r.ordersNotRecorded).toEqual({ max_orders: 35 });
    expect(s.returned.slice(5).every((o) => o.id === 0 && o.status === 'rejected' && o.reason === 'max_orders')).toBe(true);
    expect(s.returned.slice(5).map((o) => o.quantity)).toEqual(Array.from({ length: 35 }, () => 1));
    // Events only for the 5 records (submitted, accepted, pending_cancel, cancelled): none for the refused ones.
    expect(s.events).toBe(20);
    // Said once, as a run warning (backtest/warnings.ts), not through the strategy's log.
    expect(logged).toHaveLength(0);
    expect(runWarnings(r, [], { cash: 1_000_000 }).map((w) => w.message)).toEqual([
      `the run reached --max-orders (5 orders) at ${formatIso(r.riskEvents[0]!.time)}: the kill switch halted trading and cancelled the working orders; 35 later orders were refused without a record`,
    ]);
  });

  it('a bracket needs room for its three orders', () => {
    class Brackets extends Strategy<object> {
      readonly got: string[] = [];
      override onBar(bar: { close: number }, ctx: StrategyContext): void {
        const b = ctx.bracket({ quantity: 1, limit: 1, stopLoss: 0.5, takeProfit: bar.close * 2 });
        this.got.push(`${b.entry.id}/${b.stopLoss.id}/${b.takeProfit.id} ${b.entry.status}`);
      }
    }
    const s = new Brackets({});
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days.slice(0, 3))], cash: 1_000_000, risk: new RiskEngine({ maxOrders: 4 }) });
    expect(s.got).toEqual(['1/2/3 accepted', '0/0/0 rejected', '0/0/0 rejected']);
    expect(r.orders.length).toBe(3);
    expect(r.ordersNotRecorded).toEqual({ max_orders: 6 });
  });

  it('a strategy that keeps submitting after the trip is stopped with an input error, in bounded time and memory', () => {
    class Flood extends Strategy<object> {
      calls = 0;
      override onBar(_bar: unknown, ctx: StrategyContext): void {
        for (let k = 0; k < 1e9; k++) {
          this.calls++;
          ctx.buy(1, { limit: 1 });
        }
      }
    }
    const s = new Flood({});
    let error: unknown;
    try {
      runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 1_000_000, risk: new RiskEngine({ maxOrders: 100 }) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^strategy keeps submitting orders after the max-orders kill switch: stopped/);
    // 100 recorded, then at most the margin (10,000 here) refused before the stop.
    expect(s.calls).toBe(100 + 10_000 + 1);
  });

  it('a hook that never stops making requests (modifying an order in an endless loop) is stopped once its events pass a bound', () => {
    class Fidget extends Strategy<object> {
      calls = 0;
      override onBar(_bar: unknown, ctx: StrategyContext): void {
        const o = ctx.buy(1, { limit: 1 });
        for (;;) {
          this.calls++;
          ctx.modify(o, { price: 1 + (this.calls % 2) });
        }
      }
    }
    const s = new Fidget({});
    let error: unknown;
    try {
      runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 1_000_000, risk: new RiskEngine({ maxOrders: 100 }) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^strategy keeps making order requests within one call \(more than 10400 order events/);
    // submitted + accepted, then 'pending_modify' and 'updated' per modify: stopped at the 10,401st event.
    expect(s.calls).toBe((10_401 - 2 + 1) / 2);
  });

  it('a run under the limit is unchanged: no event, nothing refused', () => {
    const s = new Spammer({ perBar: 1 });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 1_000_000, risk: new RiskEngine({ maxOrders: 20 }) });
    expect(r.orders.length).toBe(20);
    expect(r.riskEvents).toEqual([]);
    expect(r.ordersNotRecorded).toEqual({});
  });
});
