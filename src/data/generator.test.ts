import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { MICROS_PER_MINUTE, parseIsoTime } from '../core/time.js';
import { collectColumns } from './collect.js';
import { openCsvFeed } from './csv/open.js';
import { generateBarColumns, writeGeneratedCsv } from './generator.js';
import { Xoshiro128 } from '../core/random.js';

const dir = mkdtempSync(join(tmpdir(), 'quantflow-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Xoshiro128', () => {
  it('is reproducible and seed-dependent', () => {
    const draw = (seed: number): number[] => {
      const r = new Xoshiro128(seed);
      return Array.from({ length: 5 }, () => r.nextUint32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(2 ** 40)).not.toEqual(draw(0));
  });

  it('gives floats in (0, 1) and roughly standard normals', () => {
    const r = new Xoshiro128(7);
    let sum = 0;
    let sumSq = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const u = r.nextFloat();
      expect(u > 0 && u < 1).toBe(true);
      const z = r.nextNormal();
      sum += z;
      sumSq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.05);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.05);
  });
});

describe('generateBarColumns', () => {
  it('starts at 2020-01-01T00:01:00Z, one bar a minute, near the start price', () => {
    const c = generateBarColumns({ bars: 1000, seed: 1 });
    expect(c.length).toBe(1000);
    expect(c.time[0]).toBe(parseIsoTime('2020-01-01T00:01:00Z'));
    expect(c.time[999]! - c.time[998]!).toBe(MICROS_PER_MINUTE);
    expect(c.open[0]).toBe(100);
    expect(c.close[999]).toBeGreaterThan(80);
    expect(c.close[999]).toBeLessThan(125);
  });

  it('bars are valid OHLC on the tick grid, with positive integer volume, for any options', () => {
    fc.assert(
      fc.property(
        fc.record({
          bars: fc.integer({ min: 1, max: 400 }),
          seed: fc.integer(),
          decimals: fc.integer({ min: 0, max: 6 }),
          startPrice: fc.double({ min: 0.01, max: 100_000, noNaN: true }),
          volatility: fc.double({ min: 1e-5, max: 0.05, noNaN: true }),
          intervalMicros: fc.integer({ min: 1, max: 86_400_000_000 }),
        }),
        (o) => {
          const c = generateBarColumns(o);
          const scale = 10 ** o.decimals;
          const onGrid = (p: number): boolean => Math.round(p * scale) / scale === p;
          for (let i = 0; i < c.length; i++) {
            const [open, high, low, close, volume] = [c.open[i]!, c.high[i]!, c.low[i]!, c.close[i]!, c.volume[i]!];
            if (!(low > 0 && low <= Math.min(open, close) && high >= Math.max(open, close))) return false;
            if (![open, high, low, close].every(onGrid)) return false;
            if (!(Number.isInteger(volume) && volume >= 1)) return false;
            if (i > 0 && c.time[i]! - c.time[i - 1]! !== o.intervalMicros) return false;
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('shows volatility clustering: absolute returns are autocorrelated', () => {
    const c = generateBarColumns({ bars: 50_000, seed: 3 });
    const r: number[] = [];
    for (let i = 1; i < c.length; i++) r.push(Math.abs(Math.log(c.close[i]! / c.close[i - 1]!)));
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    let num = 0;
    let den = 0;
    for (let i = 1; i < r.length; i++) num += (r[i]! - mean) * (r[i - 1]! - mean);
    for (const x of r) den += (x - mean) ** 2;
    expect(num / den).toBeGreaterThan(0.05);
  });

  it('refuses bad options', () => {
    expect(() => generateBarColumns({ bars: -1, seed: 1 })).toThrow(InputError);
    expect(() => generateBarColumns({ bars: 1, seed: 1, decimals: 12 })).toThrow(InputError);
  });
});

describe('writeGeneratedCsv', () => {
  it('same seed, same bytes; another seed, other bytes', () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const c = join(dir, 'c.csv');
    writeGeneratedCsv({ bars: 5000, seed: 11, out: a });
    writeGeneratedCsv({ bars: 5000, seed: 11, out: b });
    writeGeneratedCsv({ bars: 5000, seed: 12, out: c });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
  });

  it('writes the generic header, ISO times and fixed decimals', () => {
    const out = join(dir, 'head.csv');
    const r = writeGeneratedCsv({ bars: 3, seed: 1, out, decimals: 3 });
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines[0]).toBe('datetime,open,high,low,close,volume');
    expect(lines[1]).toMatch(/^2020-01-01T00:01:00Z,\d+\.\d{3},\d+\.\d{3},\d+\.\d{3},\d+\.\d{3},\d+$/);
    expect(lines).toHaveLength(5);
    expect(r).toEqual({ path: out, bars: 3, bytes: readFileSync(out).length });
  });

  it.each([
    { bars: 20_000, seed: 5 },
    { bars: 3000, seed: 6, decimals: 5, startPrice: 1.3, intervalMicros: 1_000_000, start: parseIsoTime('2021-06-30T23:59:58.5Z')! },
    { bars: 500, seed: 7, decimals: 0, startPrice: 4000 },
  ])('reads back through the CSV feed to the same bars (%o)', (options) => {
    const out = join(dir, `rt-${options.seed}.csv`);
    writeGeneratedCsv({ ...options, out });
    const feed = openCsvFeed(out, { capacity: 777 });
    const read = collectColumns(feed);
    const made = generateBarColumns(options);
    expect(feed.format.name).toBe('generic-bars');
    expect(feed.skipped).toEqual([]);
    if (read.kind !== 'bar') throw new Error('bars expected');
    const n = made.length;
    expect(read.length).toBe(n);
    for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
      expect(Array.from(read[k].subarray(0, n))).toEqual(Array.from(made[k].subarray(0, n)));
    }
  });
});
