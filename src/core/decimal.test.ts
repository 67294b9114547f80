import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addExact, addExactHinted, addExactPlaces, decimalPlaces, hasPlacesAtMost, mulExact, placesHint, pow10, productUnits, shareExact, subExact } from './decimal.js';

/** Exact decimal product of two decimal texts via BigInt, as text. */
function bigMul(a: string, b: string): number {
  const parse = (s: string): [bigint, number] => {
    const [i, f = ''] = s.split('.');
    return [BigInt((i ?? '') + f), f.length];
  };
  const [ia, da] = parse(a);
  const [ib, db] = parse(b);
  const p = ia * ib;
  const d = da + db;
  const neg = p < 0n;
  const digits = (neg ? -p : p).toString().padStart(d + 1, '0');
  return Number(`${neg ? '-' : ''}${digits.slice(0, digits.length - d)}.${digits.slice(digits.length - d) || '0'}`);
}

const dec = (maxPlaces: number) =>
  fc.tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: maxPlaces })).map(([m, d]) => (m / 10 ** d).toFixed(d));

describe('decimal-exact arithmetic', () => {
  it('finds the decimal places of short decimals', () => {
    expect(decimalPlaces(100)).toBe(0);
    expect(decimalPlaces(2.37037)).toBe(5);
    expect(decimalPlaces(0.001)).toBe(3);
    expect(decimalPlaces(1 / 3)).toBe(-1);
  });
  it('multiplies to the double nearest the exact decimal product', () => {
    expect(mulExact(mulExact(100, 2.37037), 0.001)).toBe(0.237037);
    fc.assert(fc.property(dec(6), dec(4), (a, b) => {
      expect(mulExact(Number(a), Number(b))).toBe(bigMul(a, b));
    }));
  });
  it('adds and subtracts without float noise', () => {
    expect(addExact(0.1, 0.2)).toBe(0.3);
    expect(subExact(2.935185, 2.37037)).toBe(0.564815);
    fc.assert(
      fc.property(dec(6), dec(6), (a, b) => {
        const units = Math.round(Number(a) * 1e6) + Math.round(Number(b) * 1e6);
        expect(addExact(Number(a), Number(b))).toBe(units === 0 ? 0 : units / 1e6);
      }),
    );
  });
  it('shares a total by a ratio of decimals exactly when the share is a short decimal', () => {
    expect(shareExact(0.1697916, 100, 200)).toBe(0.0848958);
    expect((0.1697916 * 100) / 200).not.toBe(0.0848958);
    expect(shareExact(1, 1, 3)).toBe(1 / 3);
    expect(shareExact(0.3, 0.7, 0.7)).toBe(0.3);
    // Against BigInt: total x part / whole for wholes of only 2s and 5s (a terminating decimal), and the two shares add up to the total.
    fc.assert(
      fc.property(dec(6), fc.integer({ min: 1, max: 1000 }), fc.constantFrom(1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 100, 125, 200, 1000), (t, part, whole) => {
        const total = Number(t);
        const share = shareExact(total, part, whole);
        // In units of 10^-15 (every whole divides 10^9), written out as a decimal and read as the nearest double.
        const units = (BigInt(Math.round(total * 1e6)) * BigInt(part) * 10n ** 9n) / BigInt(whole);
        const digits = (units < 0n ? -units : units).toString().padStart(16, '0');
        const exact = Number(`${units < 0n ? '-' : ''}${digits.slice(0, -15)}.${digits.slice(-15)}`);
        expect(share).toBe(exact === 0 ? 0 : exact);
        expect(addExact(share, subExact(total, share))).toBe(total === 0 ? 0 : total);
      }),
    );
  });
  it('falls back to floats for non-decimals', () => {
    expect(mulExact(1 / 3, 3)).toBe((1 / 3) * 3);
  });

  describe('places hints give the measured result', () => {
    /** Any double: short decimals of every size and sign, thirds, huge and tiny values, zeros, NaN. */
    const anyValue = fc.oneof(
      dec(8).map(Number),
      fc.tuple(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.integer({ min: 0, max: 18 })).map(([m, d]) => m / 10 ** d),
      fc.double({ noNaN: false }),
      fc.constantFrom(0, -0, 1, -1, 1 / 3, 0.1, 2 ** 52, 1e15 + 0.5, 123456789.123456, NaN, Infinity),
    );
    const hint = fc.integer({ min: -1, max: 15 });

    it('placesHint keeps a hint that holds and measures otherwise', () => {
      fc.assert(fc.property(anyValue, hint, (x, h) => {
        const got = placesHint(x, h);
        const own = decimalPlaces(x);
        if (h >= 0 && hasPlacesAtMost(x, h)) {
          expect(got).toBe(h);
          expect(own).toBeGreaterThanOrEqual(0);
          expect(own).toBeLessThanOrEqual(h);
        } else expect(got).toBe(own);
      }), { numRuns: 5000 });
    });

    it('productUnits over 10^(da + db) is mulExact, bit for bit, with any hints that held', () => {
      const viaUnits = (a: number, da: number, b: number, db: number): number => {
        const u = productUnits(a, da, b, db);
        return u !== u ? mulExact(a, b) : u === 0 ? 0 : u / pow10(da + db);
      };
      fc.assert(fc.property(anyValue, anyValue, hint, hint, (a, b, ha, hb) => {
        const da = placesHint(a, ha);
        const db = placesHint(b, hb);
        expect(Object.is(viaUnits(a, da, b, db), mulExact(a, b))).toBe(true);
        // The product has at most da + db places: a hint that holds for what comes next.
        if (productUnits(a, da, b, db) === productUnits(a, da, b, db)) expect(hasPlacesAtMost(viaUnits(a, da, b, db), da + db)).toBe(true);
      }), { numRuns: 20000 });
      expect(viaUnits(100, 0, 2.37037, 5)).toBe(237.037);
      expect(productUnits(3, 0, 2.179012, placesHint(2.179012, 2))).toBe(6537036);
      expect(productUnits(2 ** 40, 0, 1.5, 15)).toBeNaN();
    });

    it('a sum with zero is the other term, bit for bit what the integer sum gives (-0 as 0)', () => {
      // addExact as it was before the shortcut for zero terms.
      const measured = (a: number, b: number): number => {
        const da = decimalPlaces(a);
        const db = decimalPlaces(b);
        if (da < 0 || db < 0) return a + b;
        const p = pow10(Math.max(da, db));
        const sum = Math.round(a * p) + Math.round(b * p);
        if (!Number.isSafeInteger(sum)) return a + b;
        return sum === 0 ? 0 : sum / p;
      };
      const zero = fc.constantFrom(0, -0);
      fc.assert(fc.property(fc.oneof(anyValue, zero), fc.oneof(anyValue, zero), (a, b) => {
        const want = measured(a, b);
        expect(Object.is(addExact(a, b), want)).toBe(true);
        expect(Object.is(addExactPlaces(a, decimalPlaces(a), b), want)).toBe(true);
      }), { numRuns: 20000 });
      expect(Object.is(addExact(-0, -0), 0)).toBe(true);
      expect(Object.is(addExact(0, -0), 0)).toBe(true);
      expect(addExact(0, 217.9012)).toBe(217.9012);
      expect(addExact(2.179012, 0)).toBe(2.179012);
      expect(addExact(0, NaN)).toBeNaN();
    });

    it('addExactHinted equals addExactPlaces, bit for bit, with any hint that held', () => {
      fc.assert(fc.property(anyValue, anyValue, hint, (a, b, hb) => {
        const da = decimalPlaces(a);
        const want = addExactPlaces(a, da, b);
        expect(Object.is(addExactHinted(a, da, b, placesHint(b, hb)), want)).toBe(true);
      }), { numRuns: 20000 });
      expect(addExactHinted(100000, 0, 217.9012, 6)).toBe(100217.9012);
      expect(addExactHinted(0.1, 1, 0.2, 15)).toBe(0.3);
    });
  });
});
