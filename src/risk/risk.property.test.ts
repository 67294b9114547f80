import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { barFeed } from '../../test/helpers/feeds.js';
import { runBacktest } from '../backtest/engine.js';
import { PercentFee } from '../execution/models/fee.js';
import type { Bar } from '../model/market.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { mulExact } from '../core/decimal.js';
import type { Order, OrderSide, OrderType } from '../model/order.js';
import { ORDER_TYPES, RISK_REJECT_REASONS, draftOrder } from '../model/order.js';
import { RiskEngine, type TradingState } from './engine.js';
import { isOnGrid } from './grid.js';
import type { RiskLimitsInput } from './limits.js';
import { MapRiskView, type RiskInstrument, type RiskView } from './view.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
import { cappedKelly, fixedFractional, fixedNotional, fixedQuantity, percentOfEquity, volatilityTarget } from './sizers.js';

/** Positive numbers, both short decimals (exact paths) and arbitrary doubles (fallback paths). */
const positive = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: Math.max(1, Math.ceil(min * 100)), max: Math.floor(max * 100) }).map((c) => c / 100),
  );
const lots = fc.constantFrom(0, 1, 100, 0.01, 0.05, 0.25, 0.001, 1e-8, 3);
const multipliers = fc.constantFrom(1, 10, 50, 0.1, 1000, 2.5);
const caps = fc.record(
  {
    lotSize: lots,
    multiplier: multipliers,
    maxQuantity: positive(1e-6, 1e9),
    maxNotional: positive(1e-3, 1e12),
  },
  { requiredKeys: ['lotSize'] },
);

describe('sizers (property)', () => {
  const checkSize = (q: number, c: { lotSize: number; multiplier?: number; maxQuantity?: number; maxNotional?: number }, price: number): void => {
    expect(Number.isFinite(q)).toBe(true);
    expect(q).toBeGreaterThanOrEqual(0);
    expect(isOnGrid(q, c.lotSize)).toBe(true);
    if (c.maxQuantity !== undefined) expect(q).toBeLessThanOrEqual(c.maxQuantity);
    if (c.maxNotional !== undefined) {
      const m = c.multiplier ?? 1;
      expect(q * price * m).toBeLessThanOrEqual(c.maxNotional);
      expect(mulExact(mulExact(q, price), m)).toBeLessThanOrEqual(c.maxNotional);
    }
  };

  it('never return a quantity off the lot grid or above a cap', () => {
    fc.assert(
      fc.property(
        caps,
        positive(1e-4, 1e6),
        positive(0, 1e9),
        fc.double({ min: 0, max: 1, noNaN: true }),
        positive(1e-4, 1e4),
        positive(1e-6, 1),
        (c, price, equity, p, stop, frac) => {
          checkSize(fixedQuantity({ quantity: equity, price, ...c }), c, price);
          checkSize(fixedNotional({ notional: equity, price, ...c }), c, price);
          checkSize(percentOfEquity({ equity, fraction: frac * 3, price, ...c }), c, price);
          checkSize(fixedFractional({ equity, riskFraction: frac, stopDistance: stop, price, ...c }), c, price);
          checkSize(volatilityTarget({ equity, targetVolatility: frac, atr: stop, price, ...c }), c, price);
          checkSize(cappedKelly({ equity, price, winRate: p, payoffRatio: stop, maxFraction: frac, ...c }), c, price);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// ------------------------------------------------------------ check

const SYMBOLS = ['A', 'B', 'C'] as const;

const finite = fc.oneof(
  fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -100_000_000, max: 100_000_000 }).map((c) => c / 100),
  fc.constantFrom(0, -0, 1, -1, 1e-12),
);
const priceLike = fc.oneof(finite, fc.constant(NaN));

const limitsArb: fc.Arbitrary<RiskLimitsInput> = fc.record(
  {
    maxOrderQuantity: positive(1e-3, 1e7),
    maxOrderNotional: positive(1e-3, 1e9),
    maxPosition: fc.oneof(positive(1e-3, 1e7), fc.record({ default: positive(1e-3, 1e7), symbols: fc.constant({ B: 0, C: 5 }) })),
    maxGrossExposure: positive(1e-3, 1e10),
    maxNetExposure: positive(1e-3, 1e10),
    maxLeverage: positive(1e-3, 100),
    priceBand: positive(1e-4, 5),
    orderRate: fc.record({ count: fc.integer({ min: 1, max: 5 }), windowMicros: fc.integer({ min: 1, max: 1000 }) }),
    maxDrawdown: fc.double({ min: 0.01, max: 1, noNaN: true }),
    maxDailyLoss: fc.oneof(positive(1, 1e6), fc.record({ fraction: fc.double({ min: 0.01, max: 1, noNaN: true }) })),
    enforceTick: fc.constantFrom('reject', 'round', 'off'),
    enforceLot: fc.constantFrom('reject', 'round', 'off'),
    killSwitchState: fc.constantFrom('halted', 'reducing'),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<RiskLimitsInput>;

interface ViewData {
  time: number;
  equity: number;
  gross: number;
  net: number;
  positions: number[];
  prices: number[];
  instruments: (RiskInstrument | undefined)[];
  open: number[];
  conversion: number;
}

const viewArb: fc.Arbitrary<ViewData> = fc.record({
  time: fc.integer({ min: 0, max: 10_000 }),
  equity: finite,
  gross: finite,
  net: finite,
  positions: fc.array(finite, { minLength: 3, maxLength: 3 }),
  prices: fc.array(priceLike, { minLength: 3, maxLength: 3 }),
  instruments: fc.array(
    fc.option(fc.record({ tickSize: fc.constantFrom(0, 0.01, 0.05, 1, 0.015625), lotSize: fc.constantFrom(0, 1, 100, 0.001), multiplier: fc.constantFrom(1, 10, 0.5, 0) }), { nil: undefined }),
    { minLength: 3, maxLength: 3 },
  ),
  open: fc.array(finite, { minLength: 6, maxLength: 6 }),
  conversion: fc.constantFrom(1, 0.9, 110, 0),
});

/** A view that returns whatever it was given, consistent or not. */
function rawView(d: ViewData): RiskView {
  const idx = (s: string): number => SYMBOLS.indexOf(s as (typeof SYMBOLS)[number]);
  return {
    now: () => d.time,
    equity: () => d.equity,
    position: (s) => d.positions[idx(s)] ?? 0,
    lastPrice: (s) => d.prices[idx(s)] ?? NaN,
    instrument: (s) => d.instruments[idx(s)],
    grossExposure: () => d.gross,
    netExposure: () => d.net,
    openQuantity: (s: string, side: OrderSide) => d.open[idx(s) * 2 + (side === 'buy' ? 0 : 1)] ?? 0,
    conversion: () => d.conversion,
  };
}

const orderArb: fc.Arbitrary<Order> = fc
  .record({
    symbol: fc.constantFrom(...SYMBOLS),
    side: fc.constantFrom<OrderSide>('buy', 'sell'),
    type: fc.constantFrom<OrderType>(...ORDER_TYPES),
    quantity: finite,
    price: priceLike,
    triggerPrice: priceLike,
    referencePrice: priceLike,
  })
  .map((o) => draftOrder({ id: 1, createdTime: 0, ...o }) as Order);

type Step =
  | { kind: 'check'; order: Order; view: ViewData; fee: number; useCost: boolean; costPrice: number }
  | { kind: 'equity'; time: number; equity: number }
  | { kind: 'state'; symbol: string | undefined; state: TradingState };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('check' as const), order: orderArb, view: viewArb, fee: finite, useCost: fc.boolean(), costPrice: priceLike }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('equity' as const), time: fc.integer({ min: 0, max: 10 * 86_400_000_000 }), equity: finite }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('state' as const),
      symbol: fc.option(fc.constantFrom(...SYMBOLS), { nil: undefined }),
      state: fc.constantFrom<TradingState>('active', 'reducing', 'halted'),
    }),
  },
);

describe('RiskEngine.check (property)', () => {
  it('is deterministic, never throws on finite inputs, and only gives risk reasons', () => {
    const reasons = new Set<string>(RISK_REJECT_REASONS);
    fc.assert(
      fc.property(limitsArb, fc.array(stepArb, { minLength: 1, maxLength: 40 }), (limits, steps) => {
        const a = new RiskEngine(limits);
        const b = new RiskEngine(limits);
        const outA: unknown[] = [];
        const outB: unknown[] = [];
        for (const s of steps) {
          for (const [engine, out] of [
            [a, outA],
            [b, outB],
          ] as const) {
            if (s.kind === 'check') {
              const view = rawView(s.view);
              const cost = s.useCost ? { price: s.costPrice, fee: s.fee } : undefined;
              const pure1 = engine.evaluate(s.order, view, cost);
              const pure2 = engine.evaluate(s.order, view, cost);
              expect(pure2).toBe(pure1);
              const r = engine.check(s.order, view, cost);
              expect(r).toBe(pure1);
              if (r !== undefined) expect(reasons.has(r)).toBe(true);
              out.push(r);
              out.push(engine.roundOrder(s.order, s.view.instruments[0]));
            } else if (s.kind === 'equity') {
              out.push(engine.onEquity(s.time, s.equity));
            } else {
              out.push(engine.setState(s.symbol === undefined ? 'account' : { symbol: s.symbol }, s.state));
            }
          }
        }
        expect(outB).toEqual(outA);
        expect(b.events).toEqual(a.events);
      }),
      { numRuns: 500 },
    );
  });
});

// ------------------------------------------------------------ hedging

const BASE_ORDER: Order = {
  id: 1, clientOrderId: 'T-1', venueOrderId: '', activatedTime: 0, symbol: 'A', side: 'buy', type: 'market', quantity: 1, price: NaN, triggerPrice: NaN, trailOffset: 0, trailPercent: 0, timeInForce: 'gtc',
  expireTime: NaN, validBars: 0, reduceOnly: false, postOnly: false, tag: '', positionSide: undefined, status: 'submitted', reason: '', createdTime: 0,
  referencePrice: 1, filledTime: NaN, filledQuantity: 0, cancelledQuantity: 0, fillPrice: NaN, fee: 0, contingency: 'none', parentId: 0, ocoIds: [], triggered: false,
};

describe('RiskEngine.check in a hedging account (property)', () => {
  const qty = fc.integer({ min: 0, max: 5_000 });
  it('checks an order on a leg as a netting order on a position equal to that leg, the other leg counted in the exposures', () => {
    fc.assert(
      fc.property(
        limitsArb,
        qty,
        qty,
        fc.integer({ min: -3_000, max: 3_000 }),
        fc.integer({ min: 1, max: 100_000 }).map((c) => c / 100),
        fc.constantFrom<OrderSide>('buy', 'sell'),
        fc.constantFrom<'long' | 'short'>('long', 'short'),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (limits, longQty, shortQty, other, price, side, leg, quantity, equity) => {
          const hedged = new MapRiskView({ equity });
          const netted = new MapRiskView({ equity });
          for (const v of [hedged, netted]) {
            v.prices.set('A', price).set('A2', price).set('B', 50);
            v.positions.set('B', other);
          }
          hedged.legs.set('A', [longQty, -shortQty]);
          // The netting twin: the order's leg as A's position, the other leg as a second instrument at the same price.
          netted.positions.set('A', leg === 'long' ? longQty : -shortQty).set('A2', leg === 'long' ? -shortQty : longQty);
          expect(hedged.grossExposure()).toBe(netted.grossExposure());
          expect(hedged.netExposure()).toBe(netted.netExposure());
          const base = { ...BASE_ORDER, side, quantity, referencePrice: price };
          const a = new RiskEngine({ ...limits, orderRate: undefined });
          const b = new RiskEngine({ ...limits, orderRate: undefined });
          expect(a.evaluate({ ...base, positionSide: leg }, hedged)).toBe(b.evaluate(base, netted));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('a hedging account under risk limits: random orders on ORCL 2003 (property)', () => {
  const action = fc.record({
    side: fc.constantFrom<OrderSide>('buy', 'sell'),
    leg: fc.constantFrom<'long' | 'short'>('long', 'short'),
    quantity: fc.integer({ min: 1, max: 4_000 }),
    limitOffset: fc.option(fc.integer({ min: -50, max: 50 }).map((c) => c / 100), { nil: undefined }),
  });
  const bars = (() => {
    const text = readFileSync(new URL('../../data/samples/ORCL-1995-2014.csv', import.meta.url), 'utf8');
    return text.split(/\r?\n/).filter((l) => l.startsWith('2003-'));
  })();

  it('keeps legs on their side of zero, equity = cash + position value + margin, equity change = realised + unrealised - fees, and denied orders change nothing', () => {
    const reasons = new Set<string>();
    fc.assert(
      fc.property(
        fc.record({ maxPosition: fc.integer({ min: 100, max: 6_000 }), maxGrossExposure: fc.integer({ min: 5_000, max: 200_000 }), maxNetExposure: fc.integer({ min: 5_000, max: 200_000 }) }, { requiredKeys: [] }),
        fc.array(fc.array(action, { maxLength: 3 }), { minLength: 20, maxLength: 60 }),
        fc.constantFrom(1, 2),
        (limits, plan, leverage) => {
          const state = (ctx: StrategyContext): number[] => [ctx.cash, ctx.equity, ctx.position('ORCL', 'long'), ctx.position('ORCL', 'short')];

          class Random extends Strategy<object> {
            i = -1;
            override onBar(bar: Bar, ctx: StrategyContext): void {
              this.i++;
              expect(ctx.position('ORCL', 'long')).toBeGreaterThanOrEqual(0);
              expect(ctx.position('ORCL', 'short')).toBeLessThanOrEqual(0);
              for (const a of plan[this.i % plan.length] ?? []) {
                const before = state(ctx);
                const options = { positionSide: a.leg, ...(a.limitOffset !== undefined ? { limit: Math.round((bar.close + a.limitOffset) * 100) / 100 } : {}) };
                const o = a.side === 'buy' ? ctx.buy(a.quantity, options) : ctx.sell(a.quantity, options);
                if (o.status === 'rejected') {
                  reasons.add(o.reason);
                  expect(state(ctx)).toEqual(before);
                }
              }
            }
          }
          const feed = barFeed('ORCL', bars.map((l) => { const f = l.split(','); return [f[0] as string, Number(f[1]), Number(f[2]), Number(f[3]), Number(f[4]), Number(f[6])] as const; }), 64);
          const r = runBacktest({ strategy: new Random({}), feeds: [feed], cash: 100_000, fees: new PercentFee(0.001), risk: new RiskEngine(limits), account: { positionMode: 'hedging', leverage } });
          const e = r.equity;
          for (let i = 0; i < e.time.length; i++) expect(rel(e.equity[i] as number, (e.cash[i] as number) + (e.positionValue[i] as number) + (e.margin[i] as number))).toBeLessThan(1e-12);
          expect(rel(r.finalEquity - r.initialCash, r.realizedPnl + r.unrealizedPnl - r.fees)).toBeLessThan(1e-9);
          const legs = r.instruments[0]?.legs;
          expect(legs).toBeDefined();
          expect(r.instruments[0]?.quantity).toBe((legs?.long.quantity ?? 0) + (legs?.short.quantity ?? 0));
        },
      ),
      { numRuns: 40 },
    );
    // The runs met the leg rule and the limits.
    expect(reasons.has('exceeds_position_side')).toBe(true);
    expect(reasons.has('max_position') || reasons.has('max_gross_exposure') || reasons.has('max_net_exposure')).toBe(true);
  });
});
