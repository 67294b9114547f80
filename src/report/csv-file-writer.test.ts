import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MICROS_PER_DAY } from '../core/time.js';
import { CsvFileWriter } from './csv-file-writer.js';
import { formatNumber, formatTime } from './format.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-csv-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** What the writer writes for each value, one per line; `capacity` small makes it flush often. */
function written(values: readonly number[], as: 'number' | 'time' | 'int', capacity?: number): string[] {
  const path = join(dir, `${++files}.csv`);
  const w = new CsvFileWriter(path, capacity);
  for (const x of values) {
    w[as](x);
    w.endRow();
  }
  w.close();
  const lines = readFileSync(path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  return lines;
}

/** Doubles of every kind: any bit pattern, integers, short decimals, and values at the fast paths' edges. */
const anyDouble = fc.oneof(
  fc.double(),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
  fc.integer({ min: -(2 ** 31) - 5, max: 2 ** 31 + 5 }),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(Number),
  // m / 10^d: prices, quantities and P&L as they usually are.
  fc.tuple(fc.integer({ min: -(10 ** 9), max: 10 ** 9 }), fc.integer({ min: 0, max: 22 })).map(([m, d]) => m / 10 ** d),
  fc.tuple(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), fc.integer({ min: 0, max: 22 })).map(([m, d]) => Number(m) / 10 ** d),
  fc.constantFrom(0, -0, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, 1e15, 1e15 - 0.5, 999999999999999.9, 0.1 + 0.2, 5e-324, 1e-7, 1.5e-7, 1e21, 1e-22, 123e-20, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity),
);

describe('CsvFileWriter', () => {
  it('writes every double exactly as formatNumber does (fast paths included)', () => {
    fc.assert(
      fc.property(fc.array(anyDouble, { maxLength: 200 }), fc.constantFrom(undefined, 64, 1000), (xs, capacity) => {
        expect(written(xs, 'number', capacity)).toEqual(xs.map(formatNumber));
      }),
      { numRuns: 300 },
    );
  });

  it('repeatedNumber writes what number does: repeats from a slot copied, columns kept apart, across flushes, tiny texts too', () => {
    // Rows of three columns whose values repeat (flat stretches), change, or are tiny (texts longer than a slot keeps).
    const tiny = fc.constantFrom(1e-300, -2.5e-200, 5e-324);
    const column = fc.array(fc.oneof(anyDouble, tiny), { minLength: 1, maxLength: 4 }).chain((pool) => fc.array(fc.constantFrom(...pool), { maxLength: 120 }));
    fc.assert(
      fc.property(fc.tuple(column, column, column), fc.constantFrom(undefined, 64, 300), ([a, b, c], capacity) => {
        const rows = Math.max(a.length, b.length, c.length);
        const cell = (xs: readonly number[], i: number): number => (xs.length === 0 ? 0 : (xs[i % xs.length] as number));
        const path = join(dir, `${++files}.csv`);
        const w = new CsvFileWriter(path, capacity);
        const expected: string[] = [];
        for (let i = 0; i < rows; i++) {
          const row = [cell(a, i), cell(b, i), cell(c, i)];
          row.forEach((x, slot) => {
            if (slot > 0) w.comma();
            w.repeatedNumber(x, slot);
          });
          w.endRow();
          expected.push(row.map(formatNumber).join(','));
        }
        w.close();
        expect(readFileSync(path, 'utf8')).toBe(expected.map((l) => `${l}\n`).join(''));
      }),
      { numRuns: 300 },
    );
  });

  it('writes 200,000 random short decimals and doubles as formatNumber does', () => {
    const xs: number[] = [];
    fc.sample(anyDouble, { numRuns: 200_000, seed: 42 }).forEach((x) => xs.push(x));
    const lines = written(xs, 'number');
    for (let i = 0; i < xs.length; i++) if (lines[i] !== formatNumber(xs[i] as number)) expect([xs[i], lines[i]]).toEqual([xs[i], formatNumber(xs[i] as number)]);
  });

  it('writes full-precision values (returns, ratios, their ulp neighbours, both signs, every magnitude) as formatNumber does', () => {
    const price = fc.integer({ min: 1, max: 10_000_000 }).map((m) => m / 100);
    const full = fc.oneof(
      fc.tuple(price, price).map(([a, b]) => a / b - 1),
      // The returns of a large account: below 1e-7, where String(x) has an exponent.
      fc.tuple(fc.integer({ min: 1e8, max: 1e12 }), fc.integer({ min: -100_000, max: 100_000 })).map(([equity, cents]) => (equity + cents / 100) / equity - 1),
      fc.tuple(price, price, price).map(([a, b, c]) => (a * b) / c),
      fc.tuple(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), fc.integer({ min: 1, max: 999_999 })).map(([a, b]) => a / b),
      fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 22 }), fc.integer({ min: -3, max: 3 })).map(([m, d, step]) => {
        const bits = new Float64Array([m / 10 ** d]);
        const word = new BigInt64Array(bits.buffer);
        word[0] = word[0]! + BigInt(step);
        return bits[0]!;
      }),
    );
    fc.assert(
      fc.property(fc.array(full, { maxLength: 100 }), fc.constantFrom(undefined, 64), (xs, capacity) => {
        expect(written(xs, 'number', capacity)).toEqual(xs.map(formatNumber));
      }),
      { numRuns: 300 },
    );
  });

  it('writes times exactly as formatTime does: every day, microseconds, before 1970, outside four-digit years', () => {
    const time = fc.oneof(
      fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
      fc.integer({ min: -3e17, max: 3e17 }),
      // Runs of times within a day and across midnight, as a run writes them.
      fc.integer({ min: 0, max: 3e17 }).map((t) => t - (t % 60_000_000)),
      fc.integer({ min: 0, max: 3e17 }).map((t) => Math.floor(t / MICROS_PER_DAY) * MICROS_PER_DAY - 1),
      fc.double({ min: -1e16, max: 1e16, noNaN: true }),
      fc.constantFrom(NaN, Infinity, -Infinity, 0, -1, -0, 253402300800000000, 253402300799999999),
    );
    fc.assert(
      fc.property(fc.array(time, { maxLength: 200 }), (ts) => {
        expect(written(ts, 'time', 256)).toEqual(ts.map(formatTime));
      }),
      { numRuns: 300 },
    );
  });

  it('writes integers as String does', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(-0, 2 ** 53, NaN, 1e300, 0.5)), { maxLength: 100 }), (ns) => {
        expect(written(ns, 'int')).toEqual(ns.map(String));
      }),
    );
  });

  it('writes text as UTF-8, short and long, in a buffer smaller than the text', () => {
    const path = join(dir, 'text.csv');
    const w = new CsvFileWriter(path, 16);
    const parts = ['plain', 'ünïcödé', '"quoted, with comma"', 'x'.repeat(5000), '€'.repeat(3000), ''];
    for (const p of parts) {
      w.text(p);
      w.comma();
    }
    w.close();
    expect(readFileSync(path, 'utf8')).toBe(parts.map((p) => `${p},`).join(''));
  });

  it('writes every number field of the golden outputs back as it reads', () => {
    const golden = join(import.meta.dirname, '..', '..', 'test', 'golden');
    let checked = 0;
    for (const run of readdirSync(golden)) {
      for (const file of readdirSync(join(golden, run)).filter((f) => f.endsWith('.csv'))) {
        const fields = readFileSync(join(golden, run, file), 'utf8')
          .split('\n')
          .slice(1)
          .flatMap((line) => line.split(','))
          .filter((f) => f !== '' && Number.isFinite(Number(f)));
        expect(written(fields.map(Number), 'number')).toEqual(fields);
        checked += fields.length;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});
