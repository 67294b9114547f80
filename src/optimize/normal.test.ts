import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invNorm, norm, normDensity } from './normal.js';

/** Relative difference, exact zero only for equal numbers. */
const relError = (actual: number, expected: number): number =>
  expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);

// Reference values computed with mpmath at 40 significant digits (the double
// nearest each argument), rounded to 17 digits.
const CDF: readonly (readonly [number, number])[] = [
  [-37, 5.7255712225245768e-300],
  [-20, 2.7536241186062337e-89],
  [-10, 7.6198530241605261e-24],
  [-6, 9.8658764503769814e-10],
  [-3, 0.0013498980316300945],
  [-1.96, 0.024997895148220434],
  [-1, 0.15865525393145705],
  [-0.5, 0.3085375387259869],
  [0, 0.5],
  [0.25, 0.59870632568292372],
  [1, 0.84134474606854295],
  [1.96, 0.97500210485177957],
  [3, 0.99865010196836991],
  [6, 0.99999999901341235],
  [8.2, 0.99999999999999988],
];

const INVERSE: readonly (readonly [number, number])[] = [
  [1e-300, -37.047096299361199],
  [1e-100, -21.273453560965324],
  [1e-10, -6.3613409024040562],
  [0.001, -3.0902323061678135],
  [0.025, -1.9599639845400542],
  [0.3, -0.52440051270804082],
  [0.5, 0],
  [0.75, 0.67448975019608174],
  [0.975, 1.9599639845400539],
  [0.99, 2.3263478740408408],
  [0.999999, 4.7534243088170878],
  [0.9999999999, 6.3613408896974219],
];

describe('norm', () => {
  it('matches the familiar quantile: norm(1.96) = 0.9750021048517795', () => {
    expect(relError(norm(1.96), 0.9750021048517795)).toBeLessThan(2e-16);
  });

  it.each(CDF)('norm(%d) matches the reference to double precision', (x, expected) => {
    expect(relError(norm(x), expected)).toBeLessThan(5e-15);
  });

  it('keeps relative precision in the lower tail and saturates at the ends', () => {
    expect(norm(-Infinity)).toBe(0);
    expect(norm(Infinity)).toBe(1);
    expect(norm(40)).toBe(1);
    expect(Number.isNaN(norm(Number.NaN))).toBe(true);
  });

  it('is symmetric: norm(-x) = 1 - norm(x)', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        expect(Math.abs(norm(-x) - (1 - norm(x)))).toBeLessThan(4e-16);
      }),
      { seed: 20140501, numRuns: 500 },
    );
  });

  it('has the density as its slope', () => {
    for (const x of [-4, -1.5, -0.3, 0, 0.7, 2.2]) {
      const h = 1e-5;
      const slope = (norm(x + h) - norm(x - h)) / (2 * h);
      expect(relError(slope, normDensity(x))).toBeLessThan(1e-8);
    }
    expect(relError(normDensity(0), 1 / Math.sqrt(2 * Math.PI))).toBeLessThan(2e-16);
  });
});

describe('invNorm', () => {
  it('matches the familiar quantile: invNorm(0.975) = 1.959963984540054', () => {
    expect(relError(invNorm(0.975), 1.959963984540054)).toBeLessThan(5e-16);
  });

  it.each(INVERSE)('invNorm(%d) matches the reference to double precision', (p, expected) => {
    expect(relError(invNorm(p), expected)).toBeLessThan(5e-15);
  });

  it('maps the ends to infinities and refuses probabilities outside [0, 1]', () => {
    expect(invNorm(0)).toBe(-Infinity);
    expect(invNorm(1)).toBe(Infinity);
    for (const p of [-0.1, 1.5, Number.NaN]) expect(Number.isNaN(invNorm(p))).toBe(true);
  });

  it('is antisymmetric: invNorm(1 - p) = -invNorm(p)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 0.5, noNaN: true }), (p) => {
        // 1 - p is exact for p in [0.5, 1] only; take q = 1 - p and p' = 1 - q.
        const q = 1 - p;
        expect(relError(invNorm(q), -invNorm(1 - q))).toBeLessThan(4e-15);
      }),
      { seed: 20140502, numRuns: 500 },
    );
  });

  it('round-trips: norm(invNorm(p)) = p and invNorm(norm(x)) = x', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1, noNaN: true, maxExcluded: true }), (p) => {
        // One ulp of x moves Φ(x) by about x² ulps (relative), hence the bound.
        const x = invNorm(p);
        expect(relError(norm(x), p)).toBeLessThan(8 * Number.EPSILON * (1 + x * x));
      }),
      { seed: 20140503, numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.double({ min: -37, max: 5, noNaN: true }), (x) => {
        // Above 0, norm(x) is a double near 1, whose spacing (EPSILON) blurs x
        // by EPSILON / φ(x); below 0 the relative precision is kept.
        const back = invNorm(norm(x));
        const blur = x > 0 ? Number.EPSILON / normDensity(x) : 0;
        expect(Math.abs(back - x)).toBeLessThanOrEqual(8 * Number.EPSILON * Math.max(1, Math.abs(x)) + 2 * blur);
      }),
      { seed: 20140504, numRuns: 1000 },
    );
  });
});
