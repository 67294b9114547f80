import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../model/instrument.js';
import { Portfolio } from './portfolio.js';
import type { PositionState } from './portfolio.js';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));

describe('Portfolio accounting', () => {
  const step = fc.record({
    inst: fc.integer({ min: 0, max: 2 }),
    qty: fc.integer({ min: -500, max: 500 }).filter((q) => q !== 0),
    price: fc.integer({ min: 1, max: 1_000_000 }).map((c) => c / 100),
    feeRate: fc.constantFrom(0, 0.001, 0.0025),
    mark: fc.integer({ min: 1, max: 1_000_000 }).map((c) => c / 100),
  });

  it('keeps equity = cash + position value and equity change = realised + unrealised - fees', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), fc.constantFrom(1, 1, 10, 50), (steps, mult) => {
        const instruments = ['A', 'B', 'C'].map((s, i) => makeInstrument(s, { multiplier: i === 1 ? mult : 1 }));
        const pf = new Portfolio(1_000_000, instruments);
        let t = 0;
        for (const s of steps) {
          const pos = pf.positions[s.inst] as PositionState;
          const fee = Math.abs(s.qty) * s.price * pos.instrument.multiplier * s.feeRate;
          pf.applyFill(pos, s.qty, s.price, fee, ++t);
          pos.lastPrice = s.mark;
          const equity = pf.equity();
          expect(rel(equity, pf.cash + pf.positionValue())).toBeLessThan(1e-12);
          const change = equity - pf.initialCash;
          expect(rel(change, pf.realizedPnl() + pf.unrealizedPnl() - pf.fees)).toBeLessThan(1e-9);
        }
        // Closed trades account for all realised P&L of flat instruments plus fees paid on them.
        let tradeGross = 0;
        for (const tr of pf.closedTrades) tradeGross += tr.grossPnl;
        let openRealised = 0;
        for (const p of pf.positions) openRealised += p.openTrade?.grossPnl ?? 0;
        expect(rel(tradeGross + openRealised, pf.realizedPnl())).toBeLessThan(1e-9);
        let tradeFees = 0;
        for (const tr of pf.closedTrades) tradeFees += tr.fees;
        for (const p of pf.positions) tradeFees += p.openTrade?.fees ?? 0;
        expect(rel(tradeFees, pf.fees)).toBeLessThan(1e-9);
      }),
    );
  });

  it('splits the fee of a fill that crosses zero between the closed and the new trade', () => {
    const pf = new Portfolio(100_000, [makeInstrument('X')]);
    const pos = pf.positions[0] as PositionState;
    pf.applyFill(pos, 100, 10, 1, 1); // buy 100 @ 10, fee 1
    pos.bars = 5;
    pf.applyFill(pos, -200, 12, 2.4, 2); // sell 200 @ 12, fee 2.4 -> 1.2 each side
    expect(pf.closedTrades).toHaveLength(1);
    const tr = pf.closedTrades.at(0);
    expect(tr).toMatchObject({ direction: 'long', quantity: 100, entryPrice: 10, exitPrice: 12, grossPnl: 200, fees: 2.2, barsHeld: 5 });
    expect(tr?.netPnl).toBeCloseTo(197.8, 12);
    expect(pos.quantity).toBe(-100);
    expect(pos.averagePrice).toBe(12);
    expect(pos.openTrade?.fees).toBeCloseTo(1.2, 12);
    expect(pos.openTrade?.direction).toBe('short');
    // Short sale credits its proceeds: 100000 - 1000 - 1 + 2400 - 2.4
    expect(pf.cash).toBeCloseTo(101_396.6, 9);
    pos.lastPrice = 11;
    expect(pf.equity()).toBeCloseTo(101_396.6 - 1100, 9);
  });

  it('averages entries and realises P&L on partial exits within one round trip', () => {
    const pf = new Portfolio(0, [makeInstrument('X', { multiplier: 10 })]);
    const pos = pf.positions[0] as PositionState;
    pf.applyFill(pos, -2, 100, 0, 1);
    pf.applyFill(pos, -2, 110, 0, 2);
    expect(pos.averagePrice).toBe(105);
    pf.applyFill(pos, 1, 95, 0, 3);
    expect(pos.realizedPnl).toBe(100); // (105 - 95) x 1 x 10
    expect(pf.closedTrades).toHaveLength(0);
    pf.applyFill(pos, 3, 100, 0, 4);
    expect(pf.closedTrades).toHaveLength(1);
    expect(pf.closedTrades.at(0)).toMatchObject({ direction: 'short', quantity: 4, entryPrice: 105, exitPrice: 98.75, grossPnl: 250 });
  });

  it('throws on an impossible fill', () => {
    const pf = new Portfolio(0, [makeInstrument('X')]);
    const pos = pf.positions[0] as PositionState;
    expect(() => pf.applyFill(pos, 0, 1, 0, 1)).toThrow(/quantity/);
    expect(() => pf.applyFill(pos, 1, -1, 0, 1)).toThrow(/price/);
    expect(() => pf.applyFill(pos, 1, 1, NaN, 1)).toThrow(/fee/);
  });
});

describe('excursions', () => {
  it('records MAE and MFE from the prices a trade lived through', () => {
    const pf = new Portfolio(100_000, [makeInstrument('X', { multiplier: 2 })]);
    const pos = pf.positions[0] as PositionState;
    pf.applyFill(pos, -10, 50, 0, 1); // short 10 @ 50
    pos.openTrade?.observe(53, 49); // worst 53 (-30 x 2), best 49
    pos.openTrade?.observe(51, 45.5); // best 45.5 (+4.5 x 10 x 2 = 90)
    pf.applyFill(pos, 10, 47, 0, 2);
    expect(pf.closedTrades.at(0)).toMatchObject({ mae: -60, mfe: 90, grossPnl: 60 });
  });
});

describe('hedging account: a long and a short leg per instrument', () => {
  it('holds long 100 and short 50 at once, each with its own price, P&L, fees and round trip', () => {
    const pf = new Portfolio(100_000, [makeInstrument('X')], 'USD', 'hedging');
    const long = pf.leg(0, 'long');
    const short = pf.leg(0, 'short');
    expect(pf.positions).toHaveLength(2);
    expect(pf.shortLeg(0)).toBe(short);
    pf.applyFill(long, 100, 10, 1, 1); // buy 100 @ 10 on the long leg, fee 1
    pf.applyFill(short, -50, 10.5, 0.5, 2); // sell 50 @ 10.5 on the short leg, fee 0.5
    expect([long.quantity, short.quantity, pf.netQuantity(0)]).toEqual([100, -50, 50]);
    expect([long.averagePrice, short.averagePrice]).toEqual([10, 10.5]);
    // 100,000 - 1,000 - 1 + 525 - 0.5
    expect(pf.cash).toBe(99_523.5);
    for (const leg of [long, short]) leg.lastPrice = 11;
    expect(pf.positionValue()).toBe(1_100 - 550);
    expect(pf.equity()).toBe(99_523.5 + 550);
    expect(long.unrealizedPnl).toBe(100);
    expect(short.unrealizedPnl).toBe(-25);
    expect(pf.grossExposure()).toBe(1_650);
    expect(pf.equity() - pf.initialCash).toBeCloseTo(pf.realizedPnl() + pf.unrealizedPnl() - pf.fees, 9);
    // Buying 50 on the short leg closes it, and only it.
    pf.applyFill(short, 50, 11, 0.55, 3);
    expect([long.quantity, short.quantity]).toEqual([100, 0]);
    expect(pf.closedTrades).toHaveLength(1);
    expect(pf.closedTrades.at(0)).toMatchObject({ direction: 'short', quantity: 50, entryPrice: 10.5, exitPrice: 11, grossPnl: -25, fees: 1.05 });
    expect(long.openTrade?.direction).toBe('long');
    expect(pf.cash).toBe(99_523.5 - 550 - 0.55);
    expect(pf.equity() - pf.initialCash).toBeCloseTo(pf.realizedPnl() + pf.unrealizedPnl() - pf.fees, 9);
  });

  it('never takes a leg through zero', () => {
    const pf = new Portfolio(100_000, [makeInstrument('X')], 'USD', 'hedging');
    pf.applyFill(pf.leg(0, 'long'), 10, 10, 0, 1);
    const before = pf.cash;
    expect(() => pf.applyFill(pf.leg(0, 'long'), -11, 10, 0, 2)).toThrow(/through zero/);
    expect(() => pf.applyFill(pf.leg(0, 'short'), 1, 10, 0, 2)).toThrow(/through zero/);
    expect(pf.cash).toBe(before);
    expect(pf.leg(0, 'long').quantity).toBe(10);
  });

  it('margins each leg of a future: long 3 and short 2 contracts hold margin for 5', () => {
    const fut = makeInstrument('F', { kind: 'future', multiplier: 10, marginInit: 1_000 });
    const pf = new Portfolio(50_000, [fut], 'USD', 'hedging');
    pf.applyFill(pf.leg(0, 'long'), 3, 100, 0, 1);
    pf.applyFill(pf.leg(0, 'short'), -2, 100, 0, 1);
    expect(pf.marginInUse).toBe(5_000);
    expect(pf.cash).toBe(45_000);
    // The price rises by 2: variation margin +60 on the long leg, -40 on the short leg.
    pf.mark(pf.leg(0, 'long'), 102);
    pf.mark(pf.leg(0, 'short'), 102);
    expect(pf.cash).toBe(45_020);
    expect(pf.equity()).toBe(50_020);
  });

  const legStep = fc.record({
    inst: fc.integer({ min: 0, max: 1 }),
    short: fc.boolean(),
    qty: fc.integer({ min: -300, max: 300 }).filter((q) => q !== 0),
    price: fc.integer({ min: 1, max: 100_000 }).map((c) => c / 100),
    feeRate: fc.constantFrom(0, 0.001),
    mark: fc.integer({ min: 1, max: 100_000 }).map((c) => c / 100),
  });

  it('keeps equity = cash + position value and equity change = realised + unrealised - fees over random fills on both legs', () => {
    fc.assert(
      fc.property(fc.array(legStep, { minLength: 1, maxLength: 80 }), fc.constantFrom(1, 10), (steps, mult) => {
        const instruments = [makeInstrument('A'), makeInstrument('B', { multiplier: mult })];
        const pf = new Portfolio(1_000_000, instruments, 'USD', 'hedging');
        let t = 0;
        for (const s of steps) {
          const leg = pf.leg(s.inst, s.short ? 'short' : 'long');
          // A fill that would cross the leg is cut to close it (what the venue does).
          const sign = s.short ? -1 : 1;
          const qty = sign * (leg.quantity + s.qty) < 0 ? -leg.quantity : s.qty;
          if (qty !== 0) pf.applyFill(leg, qty, s.price, Math.abs(qty) * s.price * leg.instrument.multiplier * s.feeRate, ++t);
          pf.leg(s.inst, 'long').lastPrice = s.mark;
          pf.leg(s.inst, 'short').lastPrice = s.mark;
          expect(pf.leg(s.inst, 'long').quantity).toBeGreaterThanOrEqual(0);
          expect(pf.leg(s.inst, 'short').quantity).toBeLessThanOrEqual(0);
          const equity = pf.equity();
          expect(rel(equity, pf.cash + pf.positionValue())).toBeLessThan(1e-12);
          expect(rel(equity - pf.initialCash, pf.realizedPnl() + pf.unrealizedPnl() - pf.fees)).toBeLessThan(1e-9);
          let net = 0;
          for (const p of pf.positions) if (p.index === s.inst) net += p.quantity;
          expect(pf.netQuantity(s.inst)).toBe(net);
        }
        // Round trips are per leg: a closed trade's direction is its leg's.
        let gross = 0;
        for (const tr of pf.closedTrades) gross += tr.grossPnl;
        for (const p of pf.positions) gross += p.openTrade?.grossPnl ?? 0;
        expect(rel(gross, pf.realizedPnl())).toBeLessThan(1e-9);
        for (const p of pf.positions) if (p.openTrade !== undefined) expect(p.openTrade.direction).toBe(p.side);
      }),
    );
  });
});
