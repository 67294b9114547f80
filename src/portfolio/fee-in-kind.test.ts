import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addExact, mulExact, subExact } from '../core/decimal.js';
import { InvariantError } from '../core/errors.js';
import { makeInstrument } from '../model/instrument.js';
import { Portfolio } from './portfolio.js';
import type { PositionState } from './portfolio.js';

// Commissions the venue took in units of the instrument (a spot buy's commission in the base asset).
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));

function spot(cash = 100_000): { pf: Portfolio; pos: PositionState } {
  const pf = new Portfolio(cash, [makeInstrument('BTC/USDT')]);
  return { pf, pos: pf.positions[0] as PositionState };
}

describe('a commission in kind', () => {
  it('keeps quantity - commission in the position and its trade, pays quantity x price from cash, and books the commission x price as the fee', () => {
    const { pf, pos } = spot();
    const fee = mulExact(0.0005, 40_000);
    pf.applyFill(pos, 0.5, 40_000, fee, 1, 0.0005);
    expect(pos.quantity).toBe(0.4995);
    expect(pos.averagePrice).toBe(40_000);
    expect(pf.cash).toBe(100_000 - 20_000);
    expect([pf.fees, pos.fees, pos.openTrade?.fees]).toEqual([20, 20, 20]);
    expect(pos.openTrade?.entryQuantity).toBe(0.4995);
    expect(pf.tradedVolume).toBe(20_000);
    pos.lastPrice = 40_000;
    // Equity fell by the commission's value, as it would had cash paid it.
    expect(pf.equity()).toBe(100_000 - 20);
    // Selling what was kept closes the round trip; its net P&L is gross - fees over the kept quantity.
    pf.applyFill(pos, -0.4995, 41_000, 0, 2);
    expect(pos.quantity).toBe(0);
    const [trade] = pf.closedTrades;
    expect(trade).toMatchObject({ quantity: 0.4995, entryPrice: 40_000, exitPrice: 41_000, grossPnl: 499.5, fees: 20, netPnl: 479.5 });
    expect(pf.cash).toBe(subExact(80_000 + mulExact(0.4995, 41_000), 0));
    expect(pf.equity() - pf.initialCash).toBe(trade?.netPnl);
  });

  it('adds to a long position at the average of what was kept', () => {
    const { pf, pos } = spot();
    pf.applyFill(pos, 1, 100, 0, 1);
    pf.applyFill(pos, 1, 200, 0.5, 2, 0.0025);
    expect(pos.quantity).toBe(1.9975);
    expect(pos.averagePrice).toBeCloseTo((100 + 200 * 0.9975) / 1.9975, 10);
    expect(pf.cash).toBe(100_000 - 300);
  });

  it('throws InvariantError for a sell, a short position, a commission not less than the quantity, and a margined instrument', () => {
    const { pf, pos } = spot();
    expect(() => pf.applyFill(pos, -1, 100, 0.1, 1, 0.001)).toThrow(InvariantError);
    expect(() => pf.applyFill(pos, 1, 100, 100, 1, 1)).toThrow(InvariantError);
    expect(() => pf.applyFill(pos, 1, 100, 200, 1, 2)).toThrow(InvariantError);
    expect(() => pf.applyFill(pos, 1, 100, -1, 1, -0.01)).toThrow(InvariantError);
    pf.applyFill(pos, -2, 100, 0, 1);
    expect(() => pf.applyFill(pos, 3, 100, 0.3, 2, 0.003)).toThrow(/short, the fill would cross zero/);
    expect(() => pf.applyFill(pos, 1, 100, 0.1, 2, 0.001)).toThrow(InvariantError);
    const future = new Portfolio(100_000, [makeInstrument('ES', { kind: 'future', multiplier: 50, marginInit: 1000 })]);
    expect(() => future.applyFill(future.positions[0] as PositionState, 1, 100, 5, 1, 0.001)).toThrow(/margined/);
    // Nothing moved on a refused fill.
    expect(pos.quantity).toBe(-2);
  });

  it('keeps equity = cash + position value, equity change = realised + unrealised - fees, and trade fees = fees over random buys paying in kind', () => {
    const step = fc.record({
      buy: fc.boolean(),
      // Quantities on an 8-decimal grid, as an exchange's base balance.
      units: fc.integer({ min: 1, max: 50_000_000 }),
      price: fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100),
      rate: fc.constantFrom(0, 0.001, 0.00075, 0.01),
      inKind: fc.boolean(),
      mark: fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const { pf, pos } = spot(1_000_000);
        // The exchange's base balance: what each fill left after its commission in kind.
        let balance = 0;
        let t = 0;
        for (const s of steps) {
          const q = s.units / 1e8;
          if (s.buy || pos.quantity <= 0) {
            // Binance: the commission on the quantity received, to 8 decimals.
            const commission = Math.floor(q * s.rate * 1e8) / 1e8;
            if (s.inKind && commission > 0 && pos.quantity >= 0) {
              pf.applyFill(pos, q, s.price, mulExact(commission, s.price), ++t, commission);
              balance = addExact(balance, subExact(q, commission));
            } else {
              pf.applyFill(pos, q, s.price, mulExact(mulExact(q, s.price), s.rate), ++t);
              balance = addExact(balance, q);
            }
          } else {
            // Sell at most what is held: spot has no shorts.
            const sold = Math.min(q, pos.quantity);
            pf.applyFill(pos, -sold, s.price, mulExact(mulExact(sold, s.price), s.rate), ++t);
            balance = subExact(balance, sold);
          }
          // Exactly: the position is the balance, not a float sum near it.
          expect(pos.quantity).toBe(balance);
          pos.lastPrice = s.mark;
          const equity = pf.equity();
          expect(rel(equity, pf.cash + pf.positionValue())).toBeLessThan(1e-12);
          expect(rel(equity - pf.initialCash, pf.realizedPnl() + pf.unrealizedPnl() - pf.fees)).toBeLessThan(1e-9);
        }
        let tradeFees = pos.openTrade?.fees ?? 0;
        let tradeNet = 0;
        for (const tr of pf.closedTrades) {
          tradeFees += tr.fees;
          tradeNet += tr.netPnl;
          expect(rel(tr.netPnl, tr.grossPnl - tr.fees)).toBeLessThan(1e-12);
        }
        expect(rel(tradeFees, pf.fees)).toBeLessThan(1e-9);
        // Flat at the end: the closed trades' net P&L is the whole equity change.
        if (pos.quantity === 0) expect(rel(tradeNet, pf.equity() - pf.initialCash)).toBeLessThan(1e-9);
      }),
    );
  });
});
