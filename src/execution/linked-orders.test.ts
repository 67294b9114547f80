/**
 * Linked orders (OCO groups, OTO children, brackets) whose members end in the
 * same pass of the venue: every pass re-checks that an order is still working
 * when its turn comes, so an order withdrawn by its partner earlier in the
 * pass is never reported on again.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { barFeed, dailyRows } from '../../test/helpers/feeds.js';
import { SAMPLES } from '../../test/helpers/cli.js';
import { openCsvFeed } from '../data/index.js';
import { bookFeed, type BookRow } from '../../test/helpers/feeds.js';
import type { OrderBook } from '../model/order-book.js';
import { runBacktest } from '../backtest/engine.js';
import { formatIso } from '../core/time.js';
import type { OrderEvent } from '../model/events.js';
import type { Bar } from '../model/market.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { FixedLatency } from './models/latency.js';

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
]);

describe('OCO partners ending in the same pass', () => {
  it('two OCO orders good for one bar expire on the same bar: the first expires, the second is cancelled by it', () => {
    const s = new Scripted({
      script: {
        0: (ctx) => {
          const a = ctx.buy(1, { limit: 5, validBars: 1 });
          const b = ctx.sell(1, { limit: 20, validBars: 1 });
          ctx.oco(a, b);
        },
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000 });
    expect(r.orders.map((o) => [o.status, o.reason])).toEqual([
      ['expired', ''],
      ['cancelled', 'oco'],
    ]);
    expect(s.events.filter((e) => !e.includes('submitted') && !e.includes('accepted') && !e.includes('updated'))).toEqual(['2020-01-03 1 expired', '2020-01-03 2 cancelled oco']);
  });

  it('two OCO orders good till the same date expire together', () => {
    const s = new Scripted({
      script: {
        0: (ctx) => {
          const a = ctx.buy(1, { limit: 5, expire: '2020-01-02' });
          const b = ctx.buy(1, { stop: 30, expire: '2020-01-02' });
          ctx.oco(a, b);
        },
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000 });
    expect(r.orders.map((o) => o.status)).toEqual(['expired', 'cancelled']);
  });

  it('an OCO group of three with one expiry: one expires, the others are cancelled once each', () => {
    const s = new Scripted({
      script: {
        0: (ctx) => {
          const a = ctx.buy(1, { limit: 5, validBars: 2 });
          const b = ctx.buy(1, { limit: 6, validBars: 2 });
          const c = ctx.sell(1, { limit: 30, validBars: 2 });
          ctx.oco(a, b, c);
        },
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000 });
    expect(r.orders.map((o) => o.status)).toEqual(['expired', 'cancelled', 'cancelled']);
    expect(s.events.filter((e) => / (expired|cancelled)/.test(e))).toEqual(['2020-01-04 1 expired', '2020-01-04 2 cancelled oco', '2020-01-04 3 cancelled oco']);
  });

  it('a delayed cancel that arrives as its OCO partner (earlier in the book) expires', () => {
    // b is submitted first and may trade on one bar; a's cancel leaves on day 2 and reaches the venue before day 3's bar,
    // where it takes b out as a's OCO partner just before b's own expiry comes up in the same pass.
    let a: { id: number } | undefined;
    const s = new Scripted({
      script: {
        0: (ctx) => {
          const b = ctx.sell(1, { limit: 20, validBars: 1 });
          a = ctx.buy(1, { limit: 5 });
          ctx.oco(b, a as never);
        },
        1: (ctx) => ctx.cancel(a?.id as number),
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, latency: new FixedLatency(1_000_000) });
    expect(r.orders.map((o) => [o.status, o.reason])).toEqual([
      ['cancelled', 'oco'],
      ['cancelled', 'user'],
    ]);
  });
});

describe('the engine cancelling many orders at once', () => {
  // Buy 100 on day 1 (fills at 10.6 on day 2), then a bracket's exits and a held child of a working parent.
  // Day 4 closes at 10.1: equity 9,950, more than 1% below the day-2 peak of 10,090, trips the kill switch, which cancels every live order.
  const script = {
    0: (ctx: StrategyContext) => ctx.buy(100),
    1: (ctx: StrategyContext) => {
      const entry = ctx.buy(10, { limit: 1 });
      ctx.sell(10, { limit: 50, parent: entry });
      const exitA = ctx.sell(50, { stop: 2 });
      const exitB = ctx.sell(50, { limit: 40 });
      ctx.oco(exitA, exitB);
    },
  };

  it('a kill-switch halt cancels each live order once, linked ones by their links, and refuses nothing', async () => {
    const { RiskEngine } = await import('../risk/engine.js');
    const s = new Scripted({ script });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, risk: new RiskEngine({ maxDrawdown: 0.01 }) });
    expect(r.riskEvents.map((e) => e.reason)).toEqual(['max_drawdown']);
    expect(s.events.filter((e) => e.includes('cancel'))).toEqual([
      '2020-01-04 2 pending_cancel',
      '2020-01-04 2 cancelled user',
      '2020-01-04 3 cancelled parent_cancelled',
      '2020-01-04 4 pending_cancel',
      '2020-01-04 4 cancelled user',
      '2020-01-04 5 cancelled oco',
    ]);
    expect(r.orders.slice(1).map((o) => o.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
  });
});

describe('a margin call closing a leg with OCO exits working', () => {
  it('cancels the exits once each (the second by the first), then closes the leg', () => {
    class LongWithExits extends Strategy<object> {
      i = 0;
      events: string[] = [];
      override onBar(bar: Bar, ctx: StrategyContext): void {
        if (this.i === 0) ctx.buy(Math.floor((ctx.equity * 1.9) / bar.close), { positionSide: 'long' });
        if (this.i === 1) {
          // Each exit closes half the leg, so that both are accepted before they are linked.
          const q = Math.floor(ctx.position(undefined, 'long') / 2);
          const stop = ctx.sell(q, { positionSide: 'long', stop: Math.round(bar.close * 10) / 100 });
          const target = ctx.sell(q, { positionSide: 'long', limit: Math.round(bar.close * 1000) / 100 });
          ctx.oco(stop, target);
        }
        this.i++;
      }
      override onOrderEvent(e: OrderEvent): void {
        this.events.push(`${e.order.id} ${e.kind}${e.reason ? ` ${e.reason}` : ''}`);
      }
    }
    const feed = openCsvFeed(join(SAMPLES, 'NVDA-1999-2014.csv'), { symbol: 'NVDA', from: Date.parse('2000-06-01T00:00:00Z') * 1000, to: Date.parse('2002-12-31T00:00:00Z') * 1000 });
    const s = new LongWithExits({});
    const r = runBacktest({ strategy: s, feeds: [feed], cash: 100_000, account: { positionMode: 'hedging', leverage: 2 } });
    expect(r.marginCalls.length).toBe(1);
    expect(s.events.filter((e) => e.includes('cancel'))).toEqual(['2 pending_cancel', '2 cancelled user', '3 cancelled oco']);
    expect(r.orders.map((o) => [o.tag, o.status])).toEqual([
      ['', 'filled'],
      ['', 'cancelled'],
      ['', 'cancelled'],
      ['liquidation', 'filled'],
    ]);
  });
});

describe('a delayed modify that arrives after more fills', () => {
  it('is refused when the new quantity is no longer above what has filled, and the order keeps filling', () => {
    // Every request takes a day to reach the venue. 300 to buy, at most 10% of each bar's 1,000 volume: 100 on each of
    // days 3, 4 and 5. The modify to 150 leaves on day 3 (100 filled) and is applied on day 5, after day 4's fill has
    // taken the filled quantity to 200.
    const s = new Scripted({
      script: {
        0: (ctx) => ctx.buy(300),
        2: (ctx) => ctx.modify(1, { quantity: 150 }),
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, volumeLimit: 0.1, latency: new FixedLatency(86_400_000_000) });
    expect(s.events.filter((e) => e.includes('modify') || e.includes('updated'))).toEqual(['2020-01-03 1 pending_modify', '2020-01-05 1 modify_rejected invalid_quantity']);
    const o = r.orders[0];
    expect([o?.status, o?.quantity, o?.filledQuantity]).toEqual(['filled', 300, 300]);
  });
});

describe('a partial fill that empties its OCO partner', () => {
  it('cancels the partner and leaves the order that is filling working', () => {
    // At most 6% of each bar's 1,000 volume fills: a's 100 fill 60 on day 2 (taking b's 50 to nothing) and 40 on day 3.
    const s = new Scripted({
      script: {
        0: (ctx) => {
          const a = ctx.buy(100, { limit: 15 });
          const b = ctx.buy(50, { limit: 5 });
          ctx.oco(a, b);
        },
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, volumeLimit: 0.06 });
    expect(r.orders.map((o) => [o.status, o.reason, o.filledQuantity])).toEqual([
      ['filled', '', 100],
      ['cancelled', 'oco', 0],
    ]);
    expect(r.fills.map((f) => f.quantity)).toEqual([60, 40]);
  });
});

describe('linking orders that already belong to a group', () => {
  it('is refused, so that a fill ends the whole first group', () => {
    let relinked: boolean | undefined;
    const s = new Scripted({
      script: {
        0: (ctx) => {
          const a = ctx.buy(1);
          const b = ctx.buy(1);
          const c = ctx.buy(1);
          ctx.oco(a, b);
          relinked = ctx.oco(b, c);
        },
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000 });
    expect(relinked).toBe(false);
    expect(r.orders.map((o) => [o.status, o.reason])).toEqual([
      ['filled', ''],
      ['cancelled', 'oco'],
      ['filled', ''],
    ]);
  });
});

describe('requests on their way to the venue (latency)', () => {
  it('arrive in the order they were sent, whatever the order of the book', () => {
    // a and b are OCO partners; b's cancel leaves on day 2 and a's on day 3, a day each on the way, and the next data
    // is day 6's: both have arrived by then, b's first, which cancels b and with it a; a's own cancel is refused.
    const gap = [...days.slice(0, 3), ['2020-01-06', 10.2, 10.8, 9.5, 10.6] as const];
    const s = new Scripted({
      script: {
        0: (ctx) => ctx.oco(ctx.buy(1, { limit: 5 }), ctx.buy(1, { limit: 6 })),
        1: (ctx) => ctx.cancel(2),
        2: (ctx) => ctx.cancel(1),
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', gap)], cash: 10_000, latency: new FixedLatency(86_400_000_000) });
    expect(r.orders.map((o) => [o.status, o.reason])).toEqual([
      ['cancelled', 'oco'],
      ['cancelled', 'user'],
    ]);
    expect(s.events.filter((e) => e.includes('cancel'))).toEqual([
      '2020-01-02 2 pending_cancel',
      '2020-01-03 1 pending_cancel',
      '2020-01-06 2 cancelled user',
      '2020-01-06 1 cancelled oco',
      '2020-01-06 1 cancel_rejected not_live',
    ]);
  });

  it('a second cancel while one is on its way is refused at once (cancel_pending), so a loop waiting for it cannot queue them', () => {
    let cancels = 0;
    const s = new Scripted({
      script: {
        0: (ctx) => ctx.buy(1, { limit: 5 }),
        1: (ctx) => {
          // The order stays live until the first cancel arrives: these calls all find it live.
          for (let k = 0; k < 50 && ctx.hasOpenOrders(); k++) if (ctx.cancel(1)) cancels++;
        },
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, latency: new FixedLatency(3_600_000_000) });
    // The first is sent; the order manager refuses the others itself (ctx.cancel answers false).
    expect(cancels).toBe(1);
    expect(s.events.filter((e) => e.includes('cancel'))).toEqual([
      '2020-01-02 1 pending_cancel',
      ...Array.from({ length: 49 }, () => '2020-01-02 1 cancel_rejected cancel_pending'),
      '2020-01-03 1 cancelled user',
    ]);
    expect(r.orders[0]?.status).toBe('cancelled');
  });

  it('two modifies on their way are both applied, in turn', () => {
    const s = new Scripted({
      script: {
        0: (ctx) => ctx.buy(1, { limit: 5 }),
        1: (ctx) => ctx.modify(1, { price: 6 }),
        2: (ctx) => ctx.modify(1, { price: 7 }),
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, latency: new FixedLatency(86_400_000_000) });
    expect(s.events.filter((e) => e.includes('updated'))).toEqual(['2020-01-04 1 updated', '2020-01-05 1 updated']);
    expect(r.orders[0]?.price).toBe(7);
  });

  it('a modify reaches a resting order on L2 data', () => {
    class Steps extends Strategy<object> {
      i = 0;
      override onBook(_book: OrderBook, ctx: StrategyContext): void {
        if (this.i === 0) ctx.buy(1, { limit: 95 });
        if (this.i === 1) ctx.modify(1, { price: 96 });
        this.i++;
      }
    }
    const level: BookRow[] = [
      [1, 99, 5],
      [-1, 101, 5],
    ];
    const r = runBacktest({ strategy: new Steps({}), feeds: [bookFeed('BTC', [level, level, level, level, level], 'every')], cash: 1e6, latency: new FixedLatency(500_000) });
    expect(r.orders[0]?.price).toBe(96);
  });

  it('a cancel that arrived before the data takes effect before a held child arms on it', () => {
    // Day 1: p, with child c held until p fills. Day 2: p filled; x is linked with c and cancelled, the cancel arriving an
    // hour later. Day 3: the cancel came before the data, so x is cancelled with c (OCO) before c could arm on day 3.
    const s = new Scripted({
      script: {
        0: (ctx) => {
          const p = ctx.buy(1);
          ctx.buy(1, { parent: p });
        },
        1: (ctx) => {
          const x = ctx.buy(1, { limit: 5 });
          ctx.oco(ctx.openOrders().find((o) => o.id === 2) as never, x);
          ctx.cancel(x);
        },
      },
    });
    const r = runBacktest({ strategy: s, feeds: [barFeed('X', days)], cash: 10_000, latency: new FixedLatency(3_600_000_000) });
    expect(r.orders.map((o) => [o.status, o.reason])).toEqual([
      ['filled', ''],
      ['cancelled', 'oco'],
      ['cancelled', 'user'],
    ]);
    expect(s.events.filter((e) => e.startsWith('2020-01-03 2'))).toEqual(['2020-01-03 2 cancelled oco']);
  });
});
