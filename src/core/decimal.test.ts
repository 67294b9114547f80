import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addExact, decimalPlaces, mulExact, subExact } from './decimal.js';

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
  it('falls back to floats for non-decimals', () => {
    expect(mulExact(1 / 3, 3)).toBe((1 / 3) * 3);
  });
});
