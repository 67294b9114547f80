import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOnGrid, roundDownToLot, roundToGrid } from './grid.js';

/** Rows of a sample CSV, split plainly (header dropped). */
function sampleRows(name: string): string[][] {
  const text = readFileSync(new URL(`../../data/samples/${name}`, import.meta.url), 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
}

describe('isOnGrid', () => {
  it('reads 10.15 with tick 0.05 as 203 ticks, where a float remainder says otherwise', () => {
    // The traps: a remainder test in doubles calls 10.15 off a 0.05 grid, and a
    // quotient test calls 4.35 off it (4.35 / 0.05 = 86.99999999999999).
    expect(10.15 % 0.05).toBe(0.049999999999999795);
    expect(4.35 / 0.05).toBe(86.99999999999999);
    expect(isOnGrid(10.15, 0.05)).toBe(true);
    expect(isOnGrid(10.17, 0.05)).toBe(false);
    expect(isOnGrid(0.3, 0.1)).toBe(true); // 0.3 / 0.1 = 2.9999999999999996 in doubles
    expect(isOnGrid(1.1, 0.1)).toBe(true);
    expect(isOnGrid(4.35, 0.05)).toBe(true); // 4.35 % 0.05 = 0.04999999999999971 in doubles
    expect(isOnGrid(100, 25)).toBe(true);
    expect(isOnGrid(110, 25)).toBe(false);
    expect(isOnGrid(0.015625, 0.015625)).toBe(true);
    expect(isOnGrid(-10.15, 0.05)).toBe(true);
    expect(isOnGrid(0, 0.05)).toBe(true);
  });

  it('scales each number by its own decimal places (35685409.77 x 1e8 in doubles is 3568540977000001)', () => {
    expect(Math.round(35685409.77 * 1e8)).toBe(3568540977000001);
    expect(isOnGrid(35685409.77, 1e-8)).toBe(true);
    expect(roundToGrid(35685409.77, 1e-8, 'down')).toBe(35685409.77);
  });

  it('treats a step of 0 as no grid, and non-finite values as off any grid', () => {
    expect(isOnGrid(10.123456, 0)).toBe(true);
    expect(isOnGrid(NaN, 0.05)).toBe(false);
    expect(isOnGrid(Infinity, 0)).toBe(false);
  });

  it('finds the ORCL closes of 2000 on the 1/64 grid of the time, except six that the file has off it', () => {
    // Until 2001 US equities traded in fractions: the sample's 2000 closes are multiples of 1/64 = 0.015625,
    // except six (checked with exact fractions: 24.976549 x 64 = 1598.499136 is not whole).
    const closes = sampleRows('ORCL-1995-2014.csv')
      .filter((r) => (r[0] as string).startsWith('2000-'))
      .map((r) => Number(r[4]));
    expect(closes.length).toBe(252);
    expect(closes.filter((c) => !isOnGrid(c, 0.015625))).toEqual([24.976549, 43.023399, 38.234348, 40.367149, 40.742149, 22.6562]);
    expect(closes.filter((c) => isOnGrid(c, 0.015625) && !isOnGrid(c, 0.03125)).length).toBeGreaterThan(0);
    // The adjusted 1995 prices are not on any such grid (2.117284).
    expect(isOnGrid(2.117284, 0.015625)).toBe(false);
  });

  it('finds every FUT-2006 price on a grid of 1 and of 0.5, none off', () => {
    const rows = sampleRows('FUT-2006-min.csv');
    expect(rows.length).toBe(30889);
    let prices = 0;
    const off: number[] = [];
    for (const r of rows) {
      for (let col = 2; col <= 5; col++) {
        const p = Number(r[col]);
        prices++;
        if (!isOnGrid(p, 1) || !isOnGrid(p, 0.5)) off.push(p);
      }
    }
    expect(prices).toBe(4 * 30889);
    expect(off).toEqual([]);
    expect(isOnGrid(3602.5, 1)).toBe(false);
  });

  it('agrees with integer arithmetic on random decimals (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), (stepUnits, xUnits, ds, dx) => {
        // step = stepUnits / 10^ds, x = xUnits / 10^dx; on the grid iff xUnits x 10^(d-dx) is a multiple of stepUnits x 10^(d-ds).
        const step = stepUnits / 10 ** ds;
        const x = xUnits / 10 ** dx;
        const d = Math.max(ds, dx);
        const xi = BigInt(xUnits) * 10n ** BigInt(d - dx);
        const si = BigInt(stepUnits) * 10n ** BigInt(d - ds);
        expect(isOnGrid(x, step)).toBe(xi % si === 0n);
      }),
    );
  });
});

describe('roundToGrid', () => {
  it('rounds to exact decimal multiples', () => {
    expect(roundToGrid(10.17, 0.05, 'down')).toBe(10.15);
    expect(roundToGrid(10.17, 0.05, 'up')).toBe(10.2);
    expect(roundToGrid(10.17, 0.05, 'nearest')).toBe(10.15);
    expect(roundToGrid(10.18, 0.05, 'nearest')).toBe(10.2);
    expect(roundToGrid(10.175, 0.05, 'nearest')).toBe(10.2); // a tie goes away from zero
    expect(roundToGrid(-10.175, 0.05, 'nearest')).toBe(-10.2);
    expect(roundToGrid(10.15, 0.05, 'down')).toBe(10.15); // on the grid: unchanged in every mode
    expect(roundToGrid(10.15, 0.05, 'up')).toBe(10.15);
    expect(roundToGrid(0.3, 0.1, 'down')).toBe(0.3);
    expect(roundToGrid(29.53125, 0.25, 'down')).toBe(29.5);
    expect(roundToGrid(29.53125, 0.25, 'up')).toBe(29.75);
    expect(roundToGrid(0.04, 0.05, 'down')).toBe(0);
    expect(Object.is(roundToGrid(-0.04, 0.05, 'up'), 0)).toBe(true); // no negative zero
  });

  it('leaves values alone without a grid, and rounds quantities towards zero', () => {
    expect(roundToGrid(10.17, 0, 'down')).toBe(10.17);
    expect(roundDownToLot(250, 100)).toBe(200);
    expect(roundDownToLot(-250, 100)).toBe(-200);
    expect(roundDownToLot(0.129, 0.01)).toBe(0.12);
    expect(roundDownToLot(3, 0)).toBe(3);
  });

  it('never rounds down above, or up below, even for values that are not short decimals', () => {
    const x = 1 / 3;
    expect(roundToGrid(x, 0.1, 'down')).toBe(0.3); // the double nearest to 3 x 0.1 (not 0.30000000000000004)
    expect(roundToGrid(x, 0.1, 'up')).toBe(0.4);
    expect(roundToGrid(x, 0.1, 'down')).toBeLessThanOrEqual(x);
    expect(roundToGrid(x, 0.1, 'up')).toBeGreaterThanOrEqual(x);
  });

  it('lands on the grid, within one step, on the right side (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.01, 0.05, 0.25, 0.5, 1, 5, 0.015625, 0.0001),
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.constantFrom<'nearest' | 'down' | 'up'>('nearest', 'down', 'up'),
        (step, units, mode) => {
          const x = units / 1000;
          const r = roundToGrid(x, step, mode);
          expect(isOnGrid(r, step)).toBe(true);
          expect(Math.abs(r - x)).toBeLessThanOrEqual(step * (1 + 1e-9));
          if (mode === 'down') expect(r).toBeLessThanOrEqual(x);
          if (mode === 'up') expect(r).toBeGreaterThanOrEqual(x);
          if (mode === 'nearest') expect(Math.abs(r - x)).toBeLessThanOrEqual(step / 2 + 1e-9);
        },
      ),
    );
  });
});
