import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatNumber } from './format.js';
import { ShortestDigits } from './shortest-digits.js';

/** String(x)'s digits (no leading or trailing zeros) and exponent: x = digits * 10^exponent. */
function stringDigits(x: number): [string, number] {
  const s = String(x);
  const e = s.indexOf('e');
  const mantissa = e < 0 ? s : s.slice(0, e);
  let exponent = e < 0 ? 0 : Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  if (dot >= 0) exponent -= mantissa.length - dot - 1;
  let digits = mantissa.replace('.', '').replace(/^0+/, '');
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent++;
  }
  return [digits, exponent];
}

const fast = new ShortestDigits();
/** Every bound and midpoint decided by exact arithmetic, none by the float estimates. */
const exact = new ShortestDigits(Infinity);
const plain = new Uint8Array(64);

/** What `sd` makes of x > 0: [digits, exponent] and the plain text, or null out of range (then both must say so). */
function found(sd: ShortestDigits, x: number): [[string, number], string] | null {
  const handled = sd.of(x);
  const end = sd.writePlain(plain, 0, x);
  expect(end >= 0).toBe(handled);
  if (!handled) return null;
  return [[String.fromCharCode(...sd.digits.subarray(0, sd.count)), sd.exponent], String.fromCharCode(...plain.subarray(0, end))];
}

/** Checks x > 0 against String(x) with both filters; returns whether x was in range. */
function check(x: number): boolean {
  const want = stringDigits(x);
  const text = formatNumber(x);
  let inRange = false;
  for (const sd of [fast, exact]) {
    const got = found(sd, x);
    if (got === null) continue;
    inRange = true;
    if (got[0][0] !== want[0] || got[0][1] !== want[1] || got[1] !== text) expect([x, ...got]).toEqual([x, want, text]);
  }
  return inRange;
}

const BITS = new Float64Array(1);
const WORD = new BigUint64Array(BITS.buffer);
/** The double `steps` ulps above (below, if negative) x > 0. */
function ulpStep(x: number, steps: number): number {
  BITS[0] = x;
  WORD[0] = WORD[0]! + BigInt(steps);
  return BITS[0]!;
}

const positive = (x: number): boolean => x > 0 && Number.isFinite(x);

describe('ShortestDigits', () => {
  it('finds the digits String() writes for doubles over the whole range', () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }), (x) => {
        check(x);
      }),
      { numRuns: 20_000 },
    );
  });

  it('handles every double above 1e-7 and below 1e16 (so the writer never falls back there)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-7, max: 1e16, minExcluded: true, maxExcluded: true, noNaN: true }), (x) => {
        expect(check(x)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    expect([1e-7, ulpStep(1e-7, 1), 1e16, ulpStep(1e16, -1)].map((x) => fast.of(x))).toEqual([false, true, false, true]);
  });

  it('finds the digits of return-shaped values: price ratios, products and quotients of decimals', () => {
    const price = fc.integer({ min: 1, max: 10_000_000 }).map((m) => m / 100);
    const shaped = fc.oneof(
      fc.tuple(price, price).map(([a, b]) => a / b - 1),
      fc.tuple(price, price).map(([a, b]) => Math.log(a / b)),
      fc.tuple(price, price, price).map(([a, b, c]) => (a * b) / c),
      fc.tuple(fc.double({ min: 0.5, max: 2, noNaN: true }), fc.double({ min: 0.5, max: 2, noNaN: true })).map(([a, b]) => a * b - 1),
      fc.tuple(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 2 ** 31 })).map(([a, b]) => a / b),
    );
    fc.assert(
      fc.property(shaped, (r) => {
        if (r === 0) return;
        expect(check(Math.abs(r))).toBe(Math.abs(r) > 1e-7 && Math.abs(r) < 1e16);
      }),
      { numRuns: 20_000 },
    );
  });

  it('finds the digits of the ulp neighbours of powers of ten and two and of short decimals', () => {
    const centres: number[] = [];
    for (let e = -8; e <= 17; e++) centres.push(10 ** e, Number(`1e${e}`), Number(`5e${e}`), Number(`9.5e${e}`), Number(`9.999999999999999e${e}`));
    for (let e = -25; e <= 55; e++) centres.push(2 ** e, 2 ** e * 3);
    for (const s of ['0.1', '0.2', '0.3', '0.7', '1.1', '1e-7', '1.5e-7', '123.456', '4.35', '2.675', '1.005', '0.1234567', '98765.4321', '9007199254740993']) centres.push(Number(s));
    let n = 0;
    for (const c of centres) {
      for (let d = -20; d <= 20; d++) {
        const x = ulpStep(c, d);
        if (positive(x)) {
          check(x);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(10_000);
  });

  it('breaks a tie between two nearest candidates to the even digit, as String() does', () => {
    // x = odd / 4 above 10^15 and odd / 8 above 10^14 lie halfway between two 17-digit decimals.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), fc.integer({ min: 2, max: 3 }), (m, shift) => {
        const x = (2 * m + 1 + 2 ** 52) / 2 ** shift;
        expect(check(x)).toBe(x < 1e16);
      }),
      { numRuns: 5_000 },
    );
    for (const x of [1000000000000000.25, 1000000000000000.75, 100000000000000.125, 100000000000000.375, 2251799813685248.25]) check(x);
  });

  it('finds the digits of the hard cases of the Ryu and Schubfach test suites', () => {
    const cases = [
      // Ryu d2s_test.cc: regressions, small integers, output lengths, looks-like-pow5, trailing zeros
      -2.109808898695963e16, 4.940656e-318, 1.18575755e-316, 2.989102097996e-312, 9.0608011534336e15, 4.708356024711512e18, 9.409340012568248e18, 1.2345678,
      9007199254740991.0, 9007199254740992.0, 1.0, 1.2, 1.23, 1.234, 1.2345, 1.23456, 1.234567, 1.2345678, 1.23456789, 1.234567895, 1.2345678901, 1.23456789012, 1.234567890123,
      1.2345678901234, 1.23456789012345, 1.234567890123456, 1.2345678901234567, 5.764607523034235e39, 1.152921504606847e40, 2.305843009213694e40, 2.98023223876953125e-8,
      4.503599627370496e15, 1.7800590868057611e-307, 2.8480945388892178e-306, 2.446494580089078e-296, 4.8929891601781557e-296, 1.8014398509481984e16, 3.6028797018963968e16,
      1.9430376160308388e16, -6.9741824662760956e19, 4.3816050601147837e18, 1.0e23, 9.007199254740993e15, 0.3, 0.1, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308,
      // Schubfach / Giulietti: shortest candidates at the interval's ends and near powers of two
      2.0e23, 8.41e21, 5.0e-324, 9.9e-324, 1.0e-22, 4.9e-324, 1.0e-7, 9.999999999999999e22, 6.2e-322, 2.0e-7, 1.9999999999999998e-7, 0.30000000000000004, 1.0e15,
      999999999999999.9, 999999999999999.8, 9999999999999998, 0.000001, 0.0000001, 123456789012345.67, 1234567890123456.7,
    ];
    for (const c of cases) {
      for (const x of [Math.abs(c), ulpStep(Math.abs(c), -1), ulpStep(Math.abs(c), 1)]) if (positive(x)) check(x);
    }
  });
});
