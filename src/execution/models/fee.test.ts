/**
 * Fee models are pure: a fee is a function of its parameters (the fill and
 * the account's traded volume before it), so quoting a fee for a pre-trade
 * check or a sizer changes nothing that a later fill pays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barFeed, dailyRows } from '../../../test/helpers/feeds.js';
import { runBacktest } from '../../backtest/engine.js';
import type { Bar } from '../../model/market.js';
import { RiskEngine } from '../../risk/engine.js';
import type { StrategyContext } from '../../strategy/context.js';
import { Strategy } from '../../strategy/strategy.js';
import type { FeeModel, FeeParams } from './fee.js';
import { MakerTakerFee, MinimumFee, NoFee, PerUnitFee, PercentFee, TieredFee } from './fee.js';

const tiers = [
  { from: 0, rate: 0.002 },
  { from: 5_000, rate: 0.001 },
  { from: 20_000, rate: 0.0005 },
];

const MODELS: [string, () => FeeModel][] = [
  ['none', () => new NoFee()],
  ['percent', () => new PercentFee(0.001)],
  ['per unit', () => new PerUnitFee(0.5)],
  ['maker/taker', () => new MakerTakerFee(-0.0002, 0.0007)],
  ['tiered', () => new TieredFee(tiers)],
  ['tiered + minimum', () => new MinimumFee(new TieredFee(tiers), 1)],
];

const params: fc.Arbitrary<FeeParams> = fc.record({
  symbol: fc.constantFrom('A', 'B'),
  quantity: fc.integer({ min: 1, max: 10_000 }),
  price: fc.integer({ min: 1, max: 100_000 }).map((c) => c / 100),
  multiplier: fc.constantFrom(1, 10, 50),
  liquidity: fc.constantFrom('maker' as const, 'taker' as const),
  tradedVolume: fc.integer({ min: 0, max: 100_000 }),
});

describe.each(MODELS)('fee model %s', (_name, make) => {
  it('is a pure function of its parameters: quoting any number of fees changes no later fee', () => {
    fc.assert(
      fc.property(params, fc.array(params, { maxLength: 30 }), (p, others) => {
        const model = make();
        const before = model.fee(p);
        for (const o of others) model.fee(o);
        expect(model.fee(p)).toBe(before);
        expect(make().fee(p)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });
});

describe('TieredFee', () => {
  const fee = new TieredFee(tiers);
  const at = (tradedVolume: number): number => fee.fee({ symbol: 'A', quantity: 10, price: 100, multiplier: 1, liquidity: 'taker', tradedVolume });
  it("charges the rate of the highest tier the account's traded volume before the fill has reached", () => {
    expect(at(0)).toBe(2);
    expect(at(4_999.99)).toBe(2);
    expect(at(5_000)).toBe(1);
    expect(at(19_999)).toBe(1);
    expect(at(20_000)).toBe(0.5);
    expect(at(1e12)).toBe(0.5);
  });
});

// Ten days of bars around 100: the strategy buys 30 on days 1, 3, 5 and 7 (fills at the next open, 3,000 or so each).
const days = dailyRows(
  '2021-03-01',
  Array.from({ length: 10 }, (_, i) => [100 + i, 101 + i, 99 + i, 100.5 + i] as const),
);

class Buyer extends Strategy<{ noise: boolean }> {
  private i = 0;
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (this.params.noise) {
      // Sizer previews and orders that are refused before they reach the venue: none of them trades.
      for (let k = 0; k < 50; k++) ctx.size.percentOfEquity(0.5);
      ctx.buy(1_000_000); // insufficient cash
      ctx.buy(500); // above the order quantity limit
    }
    if (this.i % 2 === 0 && this.i < 8) ctx.buy(30);
    this.i++;
  }
}

describe('fees of a run with a tiered schedule', () => {
  it('are the same with and without previews and refused orders in between', () => {
    const run = (noise: boolean) =>
      runBacktest({ strategy: new Buyer({ noise }), feeds: [barFeed('X', days)], cash: 1_000_000, fees: new TieredFee(tiers), risk: new RiskEngine({ maxOrderQuantity: 100 }) });
    const quiet = run(false);
    const noisy = run(true);
    expect(noisy.orders.filter((o) => o.status === 'rejected').length).toBeGreaterThan(0);
    expect(noisy.fills.map((f) => [f.price, f.fee])).toEqual(quiet.fills.map((f) => [f.price, f.fee]));
    // Volume before each fill: 0, 3,030, 6,120 (tier 2), 9,270: rates 0.2%, 0.2%, 0.1%, 0.1%.
    expect(quiet.fills.map((f) => f.price)).toEqual([101, 103, 105, 107]);
    expect(quiet.fills.map((f) => f.fee)).toEqual([6.06, 6.18, 3.15, 3.21]);
    expect(noisy.fees).toBe(quiet.fees);
  });
});
