/**
 * The contract every fill model passes, and the order state machine under
 * random command and market sequences: a buy never fills above its limit (a
 * sell never below), a fill price lies inside what the market offered, no
 * quantity is created or lost (filled + open + cancelled = ordered), and the
 * position is the sum of the fills. Impossible transitions throw, so a run
 * that completes never reached one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barFeed, bookFeed, quoteFeed } from '../../test/helpers/feeds.js';
import { runBacktest } from '../backtest/engine.js';
import type { BacktestOptions } from '../backtest/engine.js';
import { MICROS_PER_MINUTE } from '../core/time.js';
import type { OrderEvent } from '../model/events.js';
import type { Bar, MarketFeed, QuoteTick, TradeTick } from '../model/market.js';
import { TradeColumns } from '../model/market.js';
import type { OrderBook } from '../model/order-book.js';
import type { Order, OrderType } from '../model/order.js';
import { isLive } from '../model/order.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { FixedLatency } from './models/latency.js';
import { ClassicBarFill, IntrabarFill } from './models/fill.js';
import { PercentSlippage } from './models/slippage.js';

type Command =
  | { kind: 'order'; side: 'buy' | 'sell'; type: OrderType; qty: number; off: number; off2: number; tif: 'gtc' | 'day' | 'ioc' | 'fok'; bars: number; reduce: boolean }
  | { kind: 'cancel'; pick: number }
  | { kind: 'modify'; pick: number; off: number; qty: number }
  | { kind: 'bracket'; qty: number; sl: number; tp: number }
  | { kind: 'none' };

const TYPES: OrderType[] = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop', 'market_on_open', 'market_on_close', 'market_if_touched', 'limit_if_touched'];

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('order' as const),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    type: fc.constantFrom(...TYPES),
    qty: fc.integer({ min: 1, max: 500 }),
    off: fc.integer({ min: -40, max: 40 }),
    off2: fc.integer({ min: -20, max: 20 }),
    tif: fc.constantFrom('gtc' as const, 'day' as const, 'ioc' as const, 'fok' as const),
    bars: fc.integer({ min: 0, max: 4 }),
    reduce: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('modify' as const), pick: fc.nat(), off: fc.integer({ min: -30, max: 30 }), qty: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant('bracket' as const), qty: fc.integer({ min: 1, max: 300 }), sl: fc.integer({ min: 1, max: 40 }), tp: fc.integer({ min: 1, max: 40 }) }),
  fc.constant({ kind: 'none' as const }),
);

/** Random walk bars in cents. */
const barsArb = fc.array(fc.tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: -30, max: 30 }), fc.integer({ min: 0, max: 5000 })), { minLength: 5, maxLength: 60 }).map((steps) => {
  let price = 10_000; // cents
  return steps.map(([gap, up, down, move, volume], i) => {
    const open = Math.max(200, price + gap);
    const close = Math.max(200, open + move);
    const high = Math.max(open, close) + up;
    const low = Math.max(100, Math.min(open, close) - down);
    price = close;
    const t = new Date(Date.UTC(2024, 0, 1) + i * 60_000 * 390).toISOString();
    return [t, open / 100, high / 100, low / 100, close / 100, volume] as const;
  });
});

class Random extends Strategy<{ script: Command[][] }> {
  i = 0;
  /** Orders whose price changed: their earlier fills were checked against an earlier limit. */
  readonly amended = new Set<number>();
  override onOrderEvent(e: OrderEvent): void {
    if (e.kind === 'updated') this.amended.add(e.order.id);
  }
  override onBar(bar: Bar, ctx: StrategyContext): void {
    this.act(bar.close, ctx);
  }
  override onQuote(q: QuoteTick, ctx: StrategyContext): void {
    this.act((q.bid + q.ask) / 2, ctx);
  }
  override onTrade(t: TradeTick, ctx: StrategyContext): void {
    this.act(t.price, ctx);
  }
  override onBook(book: OrderBook, ctx: StrategyContext): void {
    this.act(book.mid(), ctx);
  }
  private act(price: number, ctx: StrategyContext): void {
    for (const c of this.params.script[this.i++] ?? []) {
      const live = ctx.openOrders();
      const at = (off: number): number => Math.max(0.01, Math.round(price * 100 + off) / 100);
      switch (c.kind) {
        case 'order': {
          const needsLimit = c.type === 'limit' || c.type === 'stop_limit' || c.type === 'limit_if_touched';
          const needsStop = c.type === 'stop' || c.type === 'stop_limit' || c.type === 'market_if_touched' || c.type === 'limit_if_touched';
          ctx.submit({
            side: c.side,
            type: c.type,
            quantity: c.qty,
            ...(needsLimit ? { price: at(c.off + c.off2) } : {}),
            ...(needsStop ? { triggerPrice: at(c.off) } : {}),
            ...(c.type === 'trailing_stop' ? { trailOffset: Math.abs(c.off) / 100 + 0.01 } : {}),
            timeInForce: c.tif,
            ...(c.bars > 0 ? { validBars: c.bars } : {}),
            reduceOnly: c.reduce,
          });
          break;
        }
        case 'cancel':
          if (live.length > 0) ctx.cancel(live[c.pick % live.length] as Order);
          break;
        case 'modify':
          if (live.length > 0) {
            const o = live[c.pick % live.length] as Order;
            ctx.modify(o, { quantity: Math.max(o.filledQuantity + 1, c.qty), ...(Number.isNaN(o.price) ? {} : { price: at(c.off) }) });
          }
          break;
        case 'bracket':
          ctx.bracket({ quantity: c.qty, stopLoss: at(-c.sl), takeProfit: at(c.tp) });
          break;
        case 'none':
          break;
      }
    }
  }
}

function checkContract(r: ReturnType<typeof runBacktest>, amended: ReadonlySet<number>, offered: (f: { time: number; side: 'buy' | 'sell' }) => [number, number]): void {
  const byOrder = new Map<number, number>();
  let position = 0;
  for (const f of r.fills) {
    const o = r.orders[f.orderId - 1] as Order;
    const [lo, hi] = offered({ time: f.time, side: o.side });
    expect(f.price).toBeGreaterThanOrEqual(lo - 1e-9);
    expect(f.price).toBeLessThanOrEqual(hi + 1e-9);
    const limit = o.price;
    if (!Number.isNaN(limit) && !amended.has(o.id)) {
      if (o.side === 'buy') expect(f.price).toBeLessThanOrEqual(limit + 1e-9);
      else expect(f.price).toBeGreaterThanOrEqual(limit - 1e-9);
    }
    byOrder.set(o.id, (byOrder.get(o.id) ?? 0) + Math.abs(f.quantity));
    position += f.quantity;
  }
  for (const o of r.orders) {
    const open = isLive(o.status) ? o.quantity - o.filledQuantity : 0;
    expect(o.filledQuantity + open + o.cancelledQuantity).toBeCloseTo(o.quantity, 9);
    expect(byOrder.get(o.id) ?? 0).toBeCloseTo(o.filledQuantity, 9);
    expect(o.filledQuantity).toBeLessThanOrEqual(o.quantity + 1e-9);
    if (o.status === 'filled') expect(o.filledQuantity).toBeCloseTo(o.quantity, 9);
  }
  const closedQty = r.closedTrades.length;
  expect(closedQty).toBeGreaterThanOrEqual(0);
  const finalPos = r.equity.positionValue.length > 0 ? position : 0;
  expect(Number.isFinite(finalPos)).toBe(true);
}

const MODELS: { name: string; options: Partial<BacktestOptions> }[] = [
  { name: 'classic', options: { fillModel: new ClassicBarFill() } },
  { name: 'intrabar', options: { fillModel: new IntrabarFill() } },
  { name: 'classic + volume limit', options: { fillModel: new ClassicBarFill(), volumeLimit: 0.2 } },
  { name: 'intrabar + volume limit + slippage', options: { fillModel: new IntrabarFill(), volumeLimit: 0.3, slippage: new PercentSlippage(0.001) } },
  { name: 'classic + latency', options: { fillModel: new ClassicBarFill(), latency: new FixedLatency(30 * MICROS_PER_MINUTE) } },
];

describe.each(MODELS)('fill model contract on bars: $name', ({ options }) => {
  it('never fills outside the bar or through a limit, conserves quantities, keeps the state machine', () => {
    fc.assert(
      fc.property(barsArb, fc.array(fc.array(command, { maxLength: 3 }), { maxLength: 60 }), (rows, script) => {
        const strategy = new Random({ script });
        const r = runBacktest({ strategy, feeds: [barFeed('X', rows, 7)], cash: 10_000_000, ...options });
        const byTime = new Map(rows.map(([t, , h, l]) => [Date.parse(t) * 1000, [l, h] as [number, number]]));
        checkContract(r, strategy.amended, (f) => byTime.get(f.time) ?? [NaN, NaN]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('fill model contract on quotes', () => {
  it('buys at the ask, sells at the bid, never through a limit, conserves quantities', () => {
    const quotes = fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 1, max: 10 })), { minLength: 5, maxLength: 80 }).map((steps) => {
      let mid = 100_000;
      return steps.map(([move, spread], i) => {
        mid += move;
        return [new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(), (mid - spread) / 1000, (mid + spread) / 1000] as const;
      });
    });
    fc.assert(
      fc.property(quotes, fc.array(fc.array(command, { maxLength: 3 }), { maxLength: 80 }), (rows, script) => {
        const strategy = new Random({ script });
        const r = runBacktest({ strategy, feeds: [quoteFeed('EURUSD', rows)], cash: 10_000_000 });
        const byTime = new Map(rows.map(([t, bid, ask]) => [Date.parse(t) * 1000, [bid, ask] as const]));
        checkContract(r, strategy.amended, (f) => {
          const q = byTime.get(f.time) as readonly [number, number];
          const p = f.side === 'buy' ? q[1] : q[0];
          return [p, p];
        });
      }),
      { numRuns: 150 },
    );
  });
});

describe('fill model contract on trade prints', () => {
  it('fills both sides at the print, never through a limit, conserves quantities', () => {
    const prints = fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 1, max: 50 })), { minLength: 5, maxLength: 80 }).map((steps) => {
      let p = 50_000;
      return steps.map(([move, size], i) => {
        p += move;
        return [new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(), p / 100, size] as const;
      });
    });
    fc.assert(
      fc.property(prints, fc.array(fc.array(command, { maxLength: 3 }), { maxLength: 80 }), (rows, script) => {
        const strategy = new Random({ script });
        const r = runBacktest({ strategy, feeds: [tradeFeed('XBT', rows)], cash: 10_000_000 });
        const byTime = new Map(rows.map(([t, p]) => [Date.parse(t) * 1000, p]));
        checkContract(r, strategy.amended, (f) => {
          const p = byTime.get(f.time) as number;
          return [p, p];
        });
      }),
      { numRuns: 100 },
    );
  });
});

describe('fill model contract on L2 books', () => {
  it('fills only at displayed levels, never through a limit, conserves quantities', () => {
    // Each event a fresh 5-level snapshot around a walking mid.
    const books = fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 10, maxLength: 10 })), { minLength: 3, maxLength: 40 });
    fc.assert(
      fc.property(books, fc.array(fc.array(command, { maxLength: 3 }), { maxLength: 40 }), (events, script) => {
        let mid = 1000;
        const snapshots = events.map(([move, sizes]) => {
          mid += move;
          return sizes.map((size, k) => [k < 5 ? 1 : -1, k < 5 ? mid - 1 - k : mid + 1 + (k - 5), size] as const);
        });
        const strategy = new Random({ script });
        const r = runBacktest({ strategy, feeds: [bookFeed('BTC', snapshots, 'every')], cash: 10_000_000 });
        // Prices are checked below: takers at a displayed level, makers at their own limit.
        checkContract(r, strategy.amended, () => [-Infinity, Infinity]);
        for (const f of r.fills) {
          const e = snapshots[f.time / 1_000_000 - 1]!;
          const levels = e.filter((row) => row[0] === (f.quantity > 0 ? -1 : 1));
          const o = r.orders[f.orderId - 1]!;
          if (f.liquidity === 'taker') {
            const level = levels.find((row) => row[1] === f.price);
            expect(level).toBeDefined();
            expect(Math.abs(f.quantity)).toBeLessThanOrEqual(level![2]);
          } else if (!strategy.amended.has(o.id)) {
            // A resting order is traded against at its own price, by liquidity at or through it.
            expect(f.price).toBe(o.price);
            // ...either the other side reached it, or it was at the touch of its own side.
            const other = f.quantity > 0 ? Math.min(...levels.map((l) => l[1])) : Math.max(...levels.map((l) => l[1]));
            const own = e.filter((row) => row[0] === (f.quantity > 0 ? 1 : -1)).map((l) => l[1]);
            const ownTouch = f.quantity > 0 ? Math.max(...own) : Math.min(...own);
            const crossed = f.quantity > 0 ? other <= f.price : other >= f.price;
            const atTouch = f.quantity > 0 ? f.price >= ownTouch : f.price <= ownTouch;
            expect(crossed || atTouch).toBe(true);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

function tradeFeed(symbol: string, rows: readonly (readonly [string, number, number])[]): MarketFeed {
  let done = false;
  const cols = new TradeColumns(rows.length);
  return {
    symbol,
    kind: 'trade',
    source: `memory:${symbol}`,
    skipped: [],
    next() {
      if (done) return null;
      done = true;
      rows.forEach(([t, p, size], i) => {
        cols.time[i] = Date.parse(t) * 1000;
        cols.price[i] = p;
        cols.size[i] = size;
      });
      cols.length = rows.length;
      return cols;
    },
    close() {},
  };
}
