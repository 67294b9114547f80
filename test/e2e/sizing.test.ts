/**
 * ctx.size on real daily bars (ORCL 2003): sizes on the lot grid, from the
 * run's prices and equity, within the run's limits and cash, so that the
 * sized orders pass the pre-trade checks. Expectations are computed here
 * from the file's prices.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestOptions } from '../../src/backtest/engine.js';
import { mulExact } from '../../src/core/decimal.js';
import { openCsvFeed } from '../../src/data/index.js';
import { PercentFee } from '../../src/execution/models/fee.js';
import type { Bar } from '../../src/model/market.js';
import { makeInstrument } from '../../src/model/instrument.js';
import type { Order, RejectReason } from '../../src/model/order.js';
import { RiskEngine } from '../../src/risk/engine.js';
import type { RiskLimitsInput } from '../../src/risk/limits.js';
import type { StrategyContext } from '../../src/strategy/context.js';
import { Strategy } from '../../src/strategy/strategy.js';
import { SAMPLES } from '../helpers/cli.js';
import { readYahoo, type RawBar } from '../helpers/sample-bars.js';

const FROM = '2003-01-01';
const TO = '2003-12-31';
const bars: RawBar[] = readYahoo('ORCL-1995-2014.csv', FROM, TO);
const b = (i: number): RawBar => bars[i] as RawBar;

type Step = (ctx: StrategyContext, s: Scripted) => void;
class Scripted extends Strategy<{ steps: Record<number, Step> }> {
  i = -1;
  sizes: number[] = [];
  orders: Order[] = [];
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    this.i++;
    this.params.steps[this.i]?.(ctx, this);
  }
}

function run(steps: Record<number, Step>, options: Partial<BacktestOptions> & { limits?: RiskLimitsInput; lot?: number } = {}): { s: Scripted; r: ReturnType<typeof runBacktest> } {
  const s = new Scripted({ steps });
  const feed = openCsvFeed(join(SAMPLES, 'ORCL-1995-2014.csv'), { symbol: 'ORCL', from: Date.parse(`${FROM}T00:00:00Z`) * 1000, to: Date.parse(`${TO}T23:59:59.999Z`) * 1000 + 999 });
  const r = runBacktest({
    strategy: s,
    feeds: [feed],
    cash: 100_000,
    instruments: [makeInstrument('ORCL', { lotSize: options.lot ?? 100 })],
    risk: new RiskEngine(options.limits ?? {}),
    ...options,
  });
  return { s, r };
}

/** Sizes, records and submits a buy (or sell) of the size. */
const sized =
  (size: (ctx: StrategyContext) => number, side: 'buy' | 'sell' = 'buy', positionSide?: 'long' | 'short'): Step =>
  (ctx, s) => {
    const q = size(ctx);
    s.sizes.push(q);
    if (q > 0) s.orders.push(side === 'buy' ? ctx.buy(q, positionSide !== undefined ? { positionSide } : {}) : ctx.sell(q, positionSide !== undefined ? { positionSide } : {}));
  };

const SIZE_REASONS = new Set<RejectReason>([
  'max_order_quantity',
  'max_order_notional',
  'max_position',
  'max_gross_exposure',
  'max_net_exposure',
  'max_leverage',
  'insufficient_cash',
  'insufficient_margin',
  'off_lot',
  'exceeds_position_side',
]);

describe('ctx.size on ORCL 2003', () => {
  it('percent of equity: lots of 100 within the order notional limit, then the position limit with the position held', () => {
    // Bar 0: 50,000 / close would be about 4,500 shares; 30,000 / close caps it; down to the lot.
    const q0 = Math.floor(30_000 / b(0).close / 100) * 100;
    const maxPosition = q0 + 1_050;
    const { s, r } = run(
      {
        0: sized((ctx) => ctx.size.percentOfEquity(0.5)),
        5: sized((ctx) => ctx.size.percentOfEquity(0.5)),
        10: sized((ctx) => ctx.size.percentOfEquity(0.5)),
      },
      { limits: { maxOrderNotional: 30_000, maxPosition } },
    );
    expect(s.sizes[0]).toBe(q0);
    // Bar 5: the position limit leaves 1,050 more shares, 1,000 in whole lots.
    expect(Math.floor(30_000 / b(5).close / 100) * 100).toBeGreaterThan(1_000);
    expect(s.sizes[1]).toBe(1_000);
    // Bar 10: 50 shares of room is less than a lot: nothing fits.
    expect(s.sizes[2]).toBe(0);
    expect(s.orders.map((o) => o.status)).toEqual(['filled', 'filled']);
    expect(r.instruments[0]?.quantity).toBe(q0 + 1_000);
  });

  it('steps down by whole lots until cash pays for the order and its fee', () => {
    // Cash for exactly 100 lots at the close: with a 0.1% fee, 99 lots fit.
    const c = b(0).close;
    const cash = mulExact(10_000, c);
    const { s } = run({ 0: sized((ctx) => ctx.size.percentOfEquity(1)) }, { cash, fees: new PercentFee(0.001) });
    expect(9_900 * c * 1.001).toBeLessThanOrEqual(cash);
    expect(s.sizes[0]).toBe(9_900);
    expect(s.orders[0]?.status).toBe('filled');
  });

  it('fixed fractional and volatility target use the stop distance and the ATR of the kept bars', () => {
    const seen: { equity: number; cash: number }[] = [];
    const look = (step: Step): Step => (ctx, st) => {
      seen.push({ equity: ctx.equity, cash: ctx.cash });
      step(ctx, st);
    };
    const { s } = run(
      {
        0: look(sized((ctx) => ctx.size.fixedFractional(0.01, 0.5))),
        20: look(sized((ctx) => ctx.size.volatilityTarget(0.002, { atr: 0.4 }))),
        30: look(sized((ctx) => ctx.size.volatilityTarget(0.002))),
      },
      { lot: 1, cash: 1_000_000 },
    );
    // 1% of 1,000,000 at a stop 0.5 away: 20,000 shares.
    expect(s.sizes[0]).toBe(20_000);
    // 0.2% of equity per 0.4 of ATR, in whole shares.
    expect(s.sizes[1]).toBe(Math.floor((seen[1]!.equity * 0.002) / 0.4));
    // Wilder's ATR(14) after the 31 bars so far, computed here from the file.
    const tr = (i: number): number => Math.max(b(i).high - b(i).low, Math.abs(b(i).high - b(i - 1).close), Math.abs(b(i).low - b(i - 1).close));
    let atr = 0;
    for (let i = 1; i <= 14; i++) atr += tr(i);
    atr /= 14;
    for (let i = 15; i <= 30; i++) atr = (atr * 13 + tr(i)) / 14;
    expect(Math.abs(s.sizes[2]! - (seen[2]!.equity * 0.002) / atr)).toBeLessThan(1);
    expect(s.orders.map((o) => o.status)).toEqual(['filled', 'filled', 'filled']);
  });

  it('an order that reduces may go through zero to the limit on the other side; a halted account sizes 0', () => {
    const { s } = run(
      {
        0: sized((ctx) => ctx.size.fixed(800)),
        2: sized((ctx) => ctx.size.fixed(10_000, { side: 'sell' }), 'sell'),
        4: (ctx, st) => {
          ctx.setTradingState('halted');
          st.sizes.push(ctx.size.fixed(100));
        },
      },
      { limits: { maxPosition: 1_000 } },
    );
    expect(s.sizes).toEqual([800, 1_800, 0]);
    expect(s.orders.map((o) => o.status)).toEqual(['filled', 'filled']);
  });

  it('a hedging account: a closing order is capped at the leg, gross exposure counts both legs', () => {
    const { s, r } = run(
      {
        0: sized((ctx) => ctx.size.fixed(1_000, { positionSide: 'long' }), 'buy', 'long'),
        2: sized((ctx) => ctx.size.percentOfEquity(1, { side: 'sell', positionSide: 'short' }), 'sell', 'short'),
        4: sized((ctx) => ctx.size.fixed(5_000, { side: 'sell', positionSide: 'long' }), 'sell', 'long'),
      },
      { account: { positionMode: 'hedging' }, limits: { maxGrossExposure: 25_000 } },
    );
    expect(s.sizes[0]).toBe(1_000);
    // Bar 2: the long leg is worth 1,000 x close; the short may add up to 25,000 less that.
    const room = 25_000 - 1_000 * b(2).close;
    expect(s.sizes[1]).toBe(Math.floor(room / b(2).close / 100) * 100);
    // Bar 4: selling the long leg closes at most its 1,000.
    expect(s.sizes[2]).toBe(1_000);
    expect(s.orders.map((o) => o.status)).toEqual(['filled', 'filled', 'filled']);
    expect(r.instruments[0]?.legs?.short.quantity).toBe(-s.sizes[1]!);
    expect(() => run({ 0: (ctx) => ctx.size.fixed(1) }, { account: { positionMode: 'hedging' } })).toThrow(/positionSide/);
    expect(() => run({ 0: (ctx) => ctx.size.fixed(1, { positionSide: 'long' }) })).toThrow(/positionSide/);
  });

  it('sized orders are never refused for their size, whatever the limits (property)', () => {
    const limits = fc.record(
      {
        maxOrderQuantity: fc.integer({ min: 50, max: 20_000 }),
        maxOrderNotional: fc.integer({ min: 500, max: 200_000 }),
        maxPosition: fc.integer({ min: 100, max: 30_000 }),
        maxGrossExposure: fc.integer({ min: 1_000, max: 400_000 }),
        maxNetExposure: fc.integer({ min: 1_000, max: 400_000 }),
        maxLeverage: fc.double({ min: 0.1, max: 4, noNaN: true }),
      },
      { requiredKeys: [] },
    );
    const plan = fc.array(
      fc.record({
        bar: fc.integer({ min: 0, max: 250 }),
        kind: fc.constantFrom('fixed', 'notional', 'percent', 'fractional', 'kelly'),
        side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
        leg: fc.constantFrom<'long' | 'short'>('long', 'short'),
        x: fc.double({ min: 0.01, max: 3, noNaN: true }),
      }),
      { minLength: 1, maxLength: 25 },
    );
    fc.assert(
      fc.property(limits, plan, fc.boolean(), fc.constantFrom(0, 1, 100), fc.constantFrom(1, 2), (lim, steps, hedging, lot, leverage) => {
        const byBar: Record<number, Step> = {};
        for (const st of steps) {
          const options = { side: st.side, ...(hedging ? { positionSide: st.leg } : {}) };
          byBar[st.bar] = sized(
            (ctx) => {
              switch (st.kind) {
                case 'fixed':
                  return ctx.size.fixed(st.x * 3_000, options);
                case 'notional':
                  return ctx.size.notional(st.x * 40_000, options);
                case 'percent':
                  return ctx.size.percentOfEquity(st.x, options);
                case 'fractional':
                  return ctx.size.fixedFractional(Math.min(1, st.x / 10), 0.25, options);
                default:
                  return ctx.size.kelly(0.55, st.x, 1, options);
              }
            },
            st.side,
            hedging ? st.leg : undefined,
          );
        }
        const { s } = run(byBar, { limits: lim, lot, fees: new PercentFee(0.001), account: { positionMode: hedging ? 'hedging' : 'netting', leverage } });
        for (const o of s.orders) {
          if (o.status === 'rejected') expect(SIZE_REASONS.has(o.reason as RejectReason), `order ${o.id} ${o.side} ${o.quantity}: ${o.reason}`).toBe(false);
          if (lot > 0) expect(Number.isInteger(o.quantity / lot)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
