import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderFills, PairMarket } from './decompose.js';
import { PART_NAMES, decomposePair, partsTotal, sumParts } from './decompose.js';
import type { Exact } from './exact.js';
import { ZERO, add, exactText, isZero, parseExact, sum } from './exact.js';

/** Decimals as order data has them: a few integer digits, up to 8 places, signed when asked. */
const decimal = (maxUnits: number, maxScale: number, signed = false): fc.Arbitrary<Exact> =>
  fc.record({ units: fc.bigInt({ min: signed ? BigInt(-maxUnits) : 0n, max: BigInt(maxUnits) }), scale: fc.integer({ min: 0, max: maxScale }) }).map(({ units, scale }) => parseExact(`${units}e-${scale}`) as Exact);

const fills = (seq: number): fc.Arbitrary<OrderFills> =>
  fc.record({
    side: fc.constantFrom('buy' as const, 'sell' as const),
    quantity: decimal(1_000_000, 6),
    notional: decimal(10_000_000_000, 8),
    fees: decimal(1_000_000, 8, true),
    lastPrice: decimal(100_000_000, 4),
    time: fc.integer({ min: 0, max: 2 ** 40 }),
  }).map((r) => ({ seq, symbol: 'BTC/USDT', fills: 1, ...r }));

const market: fc.Arbitrary<PairMarket> = fc.record({
  multiplier: decimal(1000, 2),
  mark: decimal(100_000_000, 4),
  atLive: decimal(100_000_000, 4),
  atModel: decimal(100_000_000, 4),
});

describe('the P&L gap decomposition', () => {
  it('parts sum exactly to each pair gap and to the total, whatever the pairs', () => {
    const pair = fc.record({ live: fc.option(fills(1), { nil: undefined }), backtest: fc.option(fills(1), { nil: undefined }), market });
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 20 }), (pairs) => {
        const gaps = pairs.map((p) => decomposePair(p.live, p.backtest === undefined || p.live === undefined ? p.backtest : { ...p.backtest, side: p.live.side }, p.market));
        for (const g of gaps) expect(exactText(partsTotal(g.parts))).toBe(exactText(g.gap));
        const total = sum(gaps.map((g) => g.gap));
        expect(exactText(partsTotal(sumParts(gaps.map((g) => g.parts))))).toBe(exactText(total));
      }),
      { numRuns: 500 },
    );
  });

  it('a pair with no differences has every part zero', () => {
    fc.assert(
      fc.property(fills(3), market, decimal(100_000_000, 4), (order, m, price) => {
        const g = decomposePair(order, { ...order }, { ...m, atLive: price, atModel: price });
        expect(exactText(g.gap)).toBe('0');
        for (const name of PART_NAMES) expect(isZero(g.parts[name])).toBe(true);
      }),
    );
  });

  it('a later, worse buy: the market move is latency, the rest slippage', () => {
    const d = (s: string): Exact => parseExact(s) as Exact;
    const order = (price: string, qty: string, fee: string): OrderFills => ({ seq: 1, symbol: 'X', side: 'buy', quantity: d(qty), notional: d(String(Number(price) * Number(qty))), fees: d(fee), time: 0, lastPrice: d(price), fills: 1 });
    // Modeled: 2 at 100, fee 0.2. Live: 2 at 101.5 (market moved 100 -> 101, then 0.5 slippage), fee 0.203. Mark 110.
    const g = decomposePair(order('101.5', '2', '0.203'), order('100', '2', '0.2'), { multiplier: d('1'), mark: d('110'), atLive: d('101'), atModel: d('100') });
    expect(exactText(g.parts.latency)).toBe('-2');
    expect(exactText(g.parts.slippage)).toBe('-1');
    expect(exactText(g.parts.fees)).toBe('-0.003');
    expect(exactText(g.gap)).toBe('-3.003');
    // A missed buy of 1 at 100 valued at 110: 10 missed, its fee given back.
    const missed = decomposePair(undefined, order('100', '1', '0.1'), { multiplier: d('1'), mark: d('110'), atLive: ZERO, atModel: ZERO });
    expect(exactText(missed.parts.missed)).toBe('-10');
    expect(exactText(add(missed.parts.missed, missed.parts.fees))).toBe(exactText(missed.gap));
  });
});
