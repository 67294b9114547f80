import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Xoshiro128 } from '../core/random.js';
import { MAX_GRID_SIZE, parseRange, parseSpace, parseValues, uniformIndex, type ParameterSet, type SpaceSpec } from './space.js';

const range = (text: string): SpaceSpec => ({ flag: '--range', text });
const values = (text: string): SpaceSpec => ({ flag: '--values', text });
const gridOf = (...specs: SpaceSpec[]): ParameterSet[] => [...parseSpace(specs).grid()];

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('parseRange', () => {
  it('steps exactly in decimals: 0.1:0.5:0.1 is 0.1, 0.2, 0.3, 0.4, 0.5 (not 0.30000000000000004)', () => {
    expect(gridOf(range('x=0.1:0.5:0.1')).map((p) => p.x)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(gridOf(range('x=0:1:0.1')).map((p) => p.x)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(gridOf(range('r=-0.3:0.3:0.15')).map((p) => p.r)).toEqual([-0.3, -0.15, 0, 0.15, 0.3]);
  });

  it('every value of a decimal range is the double nearest its exact decimal (property)', () => {
    // FROM, STEP as integers over 10^d; each value must print as that exact decimal.
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 4 }), (f, s, n, d) => {
        const p = 10 ** d;
        const text = `v=${(f / p).toFixed(d)}:${((f + s * (n - 1)) / p).toFixed(d)}:${(s / p).toFixed(d)}`;
        const dim = parseRange(text);
        if (dim.kind !== 'stepped') return false;
        expect(dim.count).toBe(n);
        for (let i = 0; i < n; i++) expect(dim.value(i)).toBe(Number(((f + i * s) / p).toFixed(d)));
        return true;
      }),
      { seed: 20240611, numRuns: 300 },
    );
  });

  it('includes TO when it falls on the grid, stops below it when it does not', () => {
    expect(gridOf(range('fast=5:20:5')).map((p) => p.fast)).toEqual([5, 10, 15, 20]);
    expect(gridOf(range('fast=5:22:5')).map((p) => p.fast)).toEqual([5, 10, 15, 20]);
    expect(gridOf(range('fast=7:7:3')).map((p) => p.fast)).toEqual([7]);
    expect(gridOf(range('fast=7:7')).map((p) => p.fast)).toEqual([7]);
  });

  it('reads a range without STEP as continuous', () => {
    expect(parseRange('stop=0.01:0.1')).toMatchObject({ kind: 'continuous', name: 'stop', from: 0.01, to: 0.1 });
  });

  it('refuses bad ranges, naming the flag, the text and the problem', () => {
    expect(errorOf(() => parseRange('fast=10:5:1'))).toBe("field '--range' value 'fast=10:5:1': TO is below FROM");
    expect(errorOf(() => parseRange('fast=1:5:0'))).toBe("field '--range' value 'fast=1:5:0': STEP must be above 0");
    expect(errorOf(() => parseRange('fast=1:5:-1'))).toMatch(/STEP must be above 0/);
    expect(errorOf(() => parseRange('fast=a:5:1'))).toMatch(/value 'fast=a:5:1': FROM 'a' is not a number/);
    expect(errorOf(() => parseRange('fast=1:5:1:2'))).toMatch(/expected NAME=FROM:TO:STEP/);
    expect(errorOf(() => parseRange('fast'))).toMatch(/value 'fast': expected NAME=FROM:TO:STEP/);
    expect(errorOf(() => parseRange('=1:5:1'))).toMatch(/expected NAME=FROM:TO:STEP/);
    expect(errorOf(() => parseRange('x=0:1:0.0000000000000001'))).toMatch(/at most 15 decimal places/);
    expect(errorOf(() => parseRange('x=0:1e300:1'))).toMatch(/too large for exact steps/);
  });
});

describe('parseValues', () => {
  it('reads numbers, booleans and strings', () => {
    expect(parseValues('size=10, 20.5,1e2').values).toEqual([10, 20.5, 100]);
    expect(parseValues('trail=true,false').values).toEqual([true, false]);
    expect(parseValues('mode=fast,slow,"true"').values).toEqual(['fast', 'slow', 'true']);
  });

  it('refuses an empty value and a value given twice', () => {
    expect(errorOf(() => parseValues('size=1,,2'))).toBe("field '--values' value 'size=1,,2': a value is empty");
    expect(errorOf(() => parseValues('size=1,1.0'))).toMatch(/value '1.0' is given twice/);
    expect(errorOf(() => parseValues('size'))).toMatch(/expected NAME=a,b,c/);
  });

  it('refuses a number too large to be finite, as --range does', () => {
    expect(errorOf(() => parseValues('size=10,1e400'))).toBe("field '--values' value 'size=10,1e400': value '1e400' is not a finite number");
    expect(errorOf(() => parseValues('size=-1e400'))).toMatch(/value '-1e400' is not a finite number/);
    // In quotes it is a string, which the strategy's schema judges.
    expect(parseValues('size="1e400"').values).toEqual(['1e400']);
  });
});

describe('parseSpace', () => {
  it('refuses a name given twice and a name the strategy does not have', () => {
    expect(errorOf(() => parseSpace([range('fast=1:5:1'), values('fast=1,2')]))).toBe(
      "field '--values' value 'fast=1,2': parameter 'fast' is already given by --range fast=1:5:1",
    );
    expect(errorOf(() => parseSpace([range('fats=1:5:1')], { knownNames: ['fast', 'slow', 'size'] }))).toBe(
      "field '--range' value 'fats=1:5:1': the strategy has no parameter 'fats' (it has: fast, slow, size)",
    );
    expect(parseSpace([range('fast=1:5:1')], { knownNames: ['fast'] }).names).toEqual(['fast']);
  });
});

describe('grid', () => {
  it('runs like nested loops in flag order: the first parameter slowest', () => {
    const space = parseSpace([range('fast=5:10:5'), values('mode=a,b'), range('slow=20:40:10')]);
    const it = space.grid();
    expect(it.total).toBe(12);
    const all = [...it];
    const expected: ParameterSet[] = [];
    for (const fast of [5, 10]) for (const mode of ['a', 'b']) for (const slow of [20, 30, 40]) expected.push({ fast, mode, slow });
    expect(all).toEqual(expected);
    expect(all.map((p) => Object.keys(p).join())).toEqual(all.map(() => 'fast,mode,slow'));
    // at(i) is the i-th grid combination.
    expect(all.map((_, i) => space.at(i))).toEqual(all);
  });

  it('is lazy: a huge (but allowed) grid yields its first combinations at once', () => {
    const it = parseSpace([range('a=1:1000:1'), range('b=1:1000:1'), range('c=1:10:1')]).grid();
    expect(it.total).toBe(10_000_000);
    expect(it.next()).toEqual({ a: 1, b: 1, c: 1 });
    expect(it.next()).toEqual({ a: 1, b: 1, c: 2 });
  });

  it('refuses a grid over the limit and a range without STEP', () => {
    expect(MAX_GRID_SIZE).toBe(10_000_000);
    const big = parseSpace([range('a=1:1000:1'), range('b=1:1000:1'), range('c=1:11:1')]);
    expect(errorOf(() => big.grid())).toBe(
      "field '--range' value 'a 1000 x b 1000 x c 11': the grid has 11000000 combinations, more than 10000000: use larger steps, fewer values, or --method random or tpe",
    );
    expect(errorOf(() => parseSpace([range('stop=0.01:0.1')]).gridSize())).toMatch(/value 'stop=0.01:0.1': grid search needs a STEP/);
  });

  it('a space with no dimension has one combination (the base parameters)', () => {
    expect([...parseSpace([]).grid()]).toEqual([{}]);
  });
});

describe('random sampling', () => {
  const space = parseSpace([range('fast=1:10:1'), values('mode=a,b,c'), range('slow=0.1:0.5:0.1')]);

  it('is reproducible for a seed and differs between seeds', () => {
    const a = [...space.sample(40, 7)];
    expect([...space.sample(40, 7)]).toEqual(a);
    expect([...space.sample(40, 8)]).not.toEqual(a);
    expect(a).toHaveLength(40);
  });

  it('never repeats a combination, and a space smaller than the trials is given once, whole', () => {
    const some = [...space.sample(100, 1)];
    expect(new Set(some.map((p) => JSON.stringify(p))).size).toBe(100);
    const all = [...space.sample(1000, 2)];
    expect(all).toHaveLength(150);
    const key = (p: ParameterSet): string => JSON.stringify(p);
    expect(all.map(key).sort()).toEqual([...space.grid()].map(key).sort());
  });

  it('draws the values of each dimension uniformly', () => {
    // 2000 of 4000 combinations: each x value about 500 times.
    const big = parseSpace([range('x=1:4:1'), range('y=1:1000:1')]);
    const xs = [0, 0, 0, 0];
    for (const p of big.sample(2000, 11)) xs[(p.x as number) - 1]!++;
    for (const c of xs) expect(Math.abs(c - 500)).toBeLessThan(100);
  });

  it('draws a continuous range uniformly within [FROM, TO]', () => {
    const s = parseSpace([range('stop=0.01:0.1'), range('n=1:3:1')]);
    const drawn = [...s.sample(1000, 5)];
    expect(drawn).toHaveLength(1000);
    const stops = drawn.map((p) => p.stop as number);
    expect(Math.min(...stops)).toBeGreaterThanOrEqual(0.01);
    expect(Math.max(...stops)).toBeLessThanOrEqual(0.1);
    const below = stops.filter((v) => v < 0.055).length;
    expect(Math.abs(below - 500)).toBeLessThan(80);
  });

  it('skips combinations the filter refuses, without counting them', () => {
    const drawn = [...space.sample(30, 9, (p) => p.mode !== 'b')];
    expect(drawn).toHaveLength(30);
    expect(drawn.every((p) => p.mode !== 'b')).toBe(true);
    // A filter that admits 100 of 150: asking for 1000 gives exactly those 100.
    expect([...space.sample(1000, 9, (p) => p.mode !== 'b')]).toHaveLength(100);
  });

  it('samples a space of more than 2^53 combinations (independent draws)', () => {
    const huge = parseSpace([range('a=0:1e9:1'), range('b=0:1e9:1'), range('c=0:1e9:1')]);
    expect(huge.size).toBeGreaterThan(2 ** 53);
    const drawn = [...huge.sample(20, 4)];
    expect(drawn).toHaveLength(20);
    expect([...huge.sample(20, 4)]).toEqual(drawn);
  });

  it('uniformIndex stays in range for bounds below and above 2^32', () => {
    const rng = new Xoshiro128(3);
    for (const n of [1, 2, 3, 1000, 2 ** 32, 2 ** 32 + 1, 2 ** 53]) {
      for (let i = 0; i < 200; i++) {
        const x = uniformIndex(rng, n);
        expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true);
      }
    }
  });
});
