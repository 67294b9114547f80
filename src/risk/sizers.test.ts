import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { atrSeries } from './atr.js';
import { cappedKelly, fixedFractional, fixedNotional, fixedQuantity, kellyFraction, percentOfEquity, volatilityTarget } from './sizers.js';

/** Rows of a sample CSV, split plainly (header dropped). */
function sampleRows(name: string): string[][] {
  const text = readFileSync(new URL(`../../data/samples/${name}`, import.meta.url), 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
}

const orclRows = sampleRows('ORCL-1995-2014.csv');
const orclDay = (date: string): string[] => orclRows.find((r) => r[0] === date) as string[];
const futRows = sampleRows('FUT-2006-min.csv');

// Real prices: ORCL on 2000-01-03 (close 29.53125, low 27.90625) and 2002-12-31 (close 10.80); FUT's first close 3599.
const ORCL_2000_CLOSE = Number(orclDay('2000-01-03')[4]);
const ORCL_2000_LOW = Number(orclDay('2000-01-03')[3]);
const ORCL_2002_CLOSE = Number(orclDay('2002-12-31')[4]);
const FUT_CLOSE = Number((futRows[0] as string[])[5]);

/** The InputError a call throws (fails the test when it does not throw one). */
function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('no InputError');
}

describe('sizers, each against a hand computation on real prices', () => {
  it('uses the prices it says it uses', () => {
    expect([ORCL_2000_CLOSE, ORCL_2000_LOW, ORCL_2002_CLOSE, FUT_CLOSE]).toEqual([29.53125, 27.90625, 10.8, 3599]);
  });

  it('fixedQuantity: the quantity, down to the lot, within the caps', () => {
    expect(fixedQuantity({ quantity: 250, lotSize: 100 })).toBe(200);
    expect(fixedQuantity({ quantity: 250, lotSize: 50, maxQuantity: 120 })).toBe(100); // min(250, 120) = 120 -> 100
    expect(fixedQuantity({ quantity: 10.15, lotSize: 0.05 })).toBe(10.15); // 203 lots exactly
    expect(fixedQuantity({ quantity: 7 })).toBe(7);
    // 5000 / 10.80 = 462.96 -> 462 (462 x 10.8 = 4989.6 <= 5000)
    expect(fixedQuantity({ quantity: 1000, price: ORCL_2002_CLOSE, maxNotional: 5000, lotSize: 1 })).toBe(462);
  });

  it('fixedNotional: notional / (price x multiplier)', () => {
    // 100,000 / 29.53125 = 3386.24 -> 3386; in lots of 100: 3300
    expect(fixedNotional({ notional: 100_000, price: ORCL_2000_CLOSE, lotSize: 1 })).toBe(3386);
    expect(fixedNotional({ notional: 100_000, price: ORCL_2000_CLOSE, lotSize: 100 })).toBe(3300);
    // FUT, multiplier 10: 1,000,000 / (3599 x 10) = 27.79 -> 27 contracts
    expect(fixedNotional({ notional: 1_000_000, price: FUT_CLOSE, multiplier: 10, lotSize: 1 })).toBe(27);
    // Without a lot: the exact ratio
    expect(fixedNotional({ notional: 1000, price: 8 })).toBe(125);
  });

  it('percentOfEquity: equity x fraction / (price x multiplier)', () => {
    // 250,000 x 0.1 = 25,000 / 10.80 = 2314.81 -> 2314
    expect(percentOfEquity({ equity: 250_000, fraction: 0.1, price: ORCL_2002_CLOSE, lotSize: 1 })).toBe(2314);
    // capped at a notional of 20,000: 20,000 / 10.80 = 1851.85 -> 1851
    expect(percentOfEquity({ equity: 250_000, fraction: 0.1, price: ORCL_2002_CLOSE, lotSize: 1, maxNotional: 20_000 })).toBe(1851);
    // a fraction of 2 is 2x leverage: 500,000 / 10.80 = 46,296.3 -> 46,296
    expect(percentOfEquity({ equity: 250_000, fraction: 2, price: ORCL_2002_CLOSE, lotSize: 1 })).toBe(46_296);
    expect(percentOfEquity({ equity: 0, fraction: 0.1, price: ORCL_2002_CLOSE, lotSize: 1 })).toBe(0);
  });

  it('fixedFractional: equity x risk / (stop distance x multiplier)', () => {
    // Entry at ORCL's close on 2000-01-03 (29.53125), stop at that day's low (27.90625): distance 1.625.
    // 100,000 x 0.01 = 1000 at risk / 1.625 = 615.38 -> 615 shares
    const distance = ORCL_2000_CLOSE - ORCL_2000_LOW;
    expect(distance).toBe(1.625);
    expect(fixedFractional({ equity: 100_000, riskFraction: 0.01, stopDistance: distance, lotSize: 1 })).toBe(615);
    // FUT: 100,000 x 0.005 = 500 at risk, stop 10 points x multiplier 10 = 100 per contract -> 5 contracts
    expect(fixedFractional({ equity: 100_000, riskFraction: 0.005, stopDistance: 10, multiplier: 10, lotSize: 1 })).toBe(5);
    // capped by notional at the entry price: 10,000 / 29.53125 = 338.6 -> 338
    expect(fixedFractional({ equity: 100_000, riskFraction: 0.01, stopDistance: distance, lotSize: 1, price: ORCL_2000_CLOSE, maxNotional: 10_000 })).toBe(338);
  });

  it('volatilityTarget: equity x target / (ATR x multiplier), ATR given or from bars', () => {
    // FUT, first five minutes, ATR(3) = 10/3 after the fourth (see atr.test.ts). 100,000 x 0.01 = 1000 / (10/3 x 10) = 30 contracts
    // (in doubles 1000 / 33.333333333333336 = 29.999999999999996: within the snap, so 30, not 29).
    const bars = {
      high: futRows.slice(0, 4).map((r) => Number(r[3])),
      low: futRows.slice(0, 4).map((r) => Number(r[4])),
      close: futRows.slice(0, 4).map((r) => Number(r[5])),
    };
    expect(volatilityTarget({ equity: 100_000, targetVolatility: 0.01, bars, period: 3, multiplier: 10, lotSize: 1 })).toBe(30);
    expect(volatilityTarget({ equity: 100_000, targetVolatility: 0.01, atr: 10 / 3, multiplier: 10, lotSize: 1 })).toBe(30);
    // ORCL daily, ATR(14) on 2002-12-31 over the whole history = 0.55638410476... (TA-Lib agrees, atr.test.ts).
    // 1,000,000 x 0.01 = 10,000 / 0.556384 = 17,973.19 -> 17,973 shares; in lots of 100: 17,900.
    const upto = orclRows.findIndex((r) => r[0] === '2002-12-31') + 1;
    const orcl = {
      high: orclRows.slice(0, upto).map((r) => Number(r[2])),
      low: orclRows.slice(0, upto).map((r) => Number(r[3])),
      close: orclRows.slice(0, upto).map((r) => Number(r[4])),
    };
    const atr = atrSeries(orcl.high, orcl.low, orcl.close, 14)[upto - 1] as number;
    expect(atr).toBeCloseTo(0.5563841047621587, 13);
    expect(volatilityTarget({ equity: 1_000_000, targetVolatility: 0.01, bars: orcl, lotSize: 1 })).toBe(17_973);
    expect(volatilityTarget({ equity: 1_000_000, targetVolatility: 0.01, bars: orcl, lotSize: 100 })).toBe(17_900);
    expect(volatilityTarget({ equity: 1_000_000, targetVolatility: 0.01, atr, lotSize: 1, maxQuantity: 5000 })).toBe(5000);
  });

  it('cappedKelly: f* = p - (1 - p) / b, floored at 0 and capped, x equity / (price x multiplier)', () => {
    // p = 0.55, b = 1.5: f* = 0.55 - 0.45 / 1.5 = 0.55 - 0.3 = 0.25
    expect(kellyFraction(0.55, 1.5)).toBeCloseTo(0.25, 15);
    expect(kellyFraction(0.55, 1.5, 0.2)).toBe(0.2);
    expect(kellyFraction(0.3, 1)).toBe(0); // 0.3 - 0.7 = -0.4: no edge, no bet
    expect(kellyFraction(1, 3)).toBe(1);
    // capped at 0.2: 100,000 x 0.2 = 20,000 / 10.80 = 1851.85 -> 1851
    expect(cappedKelly({ equity: 100_000, price: ORCL_2002_CLOSE, winRate: 0.55, payoffRatio: 1.5, maxFraction: 0.2, lotSize: 1 })).toBe(1851);
    // cap 0.5 leaves 0.25: 25,000 / 10.80 = 2314.81 -> 2314
    expect(cappedKelly({ equity: 100_000, price: ORCL_2002_CLOSE, winRate: 0.55, payoffRatio: 1.5, maxFraction: 0.5, lotSize: 1 })).toBe(2314);
    // FUT, multiplier 10: 1,000,000 x 0.2 = 200,000 / 35,990 = 5.56 -> 5 contracts
    expect(cappedKelly({ equity: 1_000_000, price: FUT_CLOSE, multiplier: 10, winRate: 0.55, payoffRatio: 1.5, maxFraction: 0.2, lotSize: 1 })).toBe(5);
    expect(cappedKelly({ equity: 100_000, price: ORCL_2002_CLOSE, winRate: 0.3, payoffRatio: 1, maxFraction: 0.2, lotSize: 1 })).toBe(0);
  });
});

describe('sizer input validation', () => {
  it('throws an InputError naming the field for nonsense', () => {
    expect(inputError(() => percentOfEquity({ equity: -1, fraction: 0.1, price: 10 })).issues[0]?.field).toBe('percentOfEquity.equity');
    expect(inputError(() => fixedNotional({ notional: 1000, price: 0 })).issues[0]?.field).toBe('fixedNotional.price');
    expect(inputError(() => fixedNotional({ notional: 1000, price: NaN })).issues[0]?.field).toBe('fixedNotional.price');
    expect(inputError(() => fixedFractional({ equity: 1000, riskFraction: 0, stopDistance: 1 })).issues[0]?.field).toBe('fixedFractional.riskFraction');
    expect(inputError(() => fixedFractional({ equity: 1000, riskFraction: 0.01, stopDistance: -1 })).issues[0]?.field).toBe('fixedFractional.stopDistance');
    expect(inputError(() => fixedFractional({ equity: 1000, riskFraction: 0.01, stopDistance: 1, maxNotional: 10 })).issues[0]?.field).toBe('fixedFractional.price');
    expect(inputError(() => cappedKelly({ equity: 1000, price: 10, winRate: 1.2, payoffRatio: 1, maxFraction: 0.2 })).issues[0]?.field).toBe('cappedKelly.winRate');
    expect(inputError(() => kellyFraction(0.5, 0)).issues[0]?.field).toBe('kellyFraction.payoffRatio');
    expect(inputError(() => volatilityTarget({ equity: 1000, targetVolatility: 0.01 })).issues[0]?.field).toBe('volatilityTarget.atr');
    expect(inputError(() => volatilityTarget({ equity: 1000, targetVolatility: 0.01, atr: 0 })).issues[0]?.field).toBe('volatilityTarget.atr');
    expect(inputError(() => volatilityTarget({ equity: 1000, targetVolatility: 0.01, bars: { high: [2, 2], low: [1, 1], close: [1, 2] } })).issues[0]?.field).toBe('volatilityTarget.bars');
    expect(inputError(() => fixedQuantity({ quantity: 1, lotSize: -1 })).issues[0]?.field).toBe('fixedQuantity.lotSize');
    expect(inputError(() => fixedQuantity({ quantity: 1, extra: 1 } as never)).issues[0]?.code).toBe('invalid_option');
    expect(inputError(() => percentOfEquity({ equity: -1, fraction: 0.1, price: 10 })).issues[0]?.value).toBe('-1');
  });
});
