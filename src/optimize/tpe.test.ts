import { describe, expect, it } from 'vitest';
import { InvariantError } from '../core/errors.js';
import { Xoshiro128 } from '../core/random.js';
import { parseSpace, type ParameterSet, type SpaceSpec } from './space.js';
import { CategoricalEstimator, NumericalEstimator, TpeSampler, defaultGamma, defaultWeights, logNormalMass } from './tpe.js';

const range = (text: string): SpaceSpec => ({ flag: '--range', text });
const values = (text: string): SpaceSpec => ({ flag: '--values', text });
const num = (p: ParameterSet, name: string): number => p[name] as number;

describe("Optuna's defaults", () => {
  it('gamma(n) = min(ceil(0.1 n), 25)', () => {
    expect([1, 10, 11, 20, 21, 249, 250, 251, 1000].map(defaultGamma)).toEqual([1, 1, 2, 2, 3, 25, 25, 25, 25]);
  });

  it('weights: 1 for the last 25 trials, a linear ramp from 1/n before them', () => {
    expect([...defaultWeights(0)]).toEqual([]);
    expect([...defaultWeights(25)]).toEqual(new Array(25).fill(1));
    const w = [...defaultWeights(30)];
    // np.linspace(1/30, 1, 5) then 25 ones.
    const ramp = [1 / 30, 1 / 30 + (1 - 1 / 30) / 4, 1 / 30 + (2 * (1 - 1 / 30)) / 4, 1 / 30 + (3 * (1 - 1 / 30)) / 4, 1];
    ramp.forEach((x, i) => expect(w[i]).toBeCloseTo(x, 12));
    expect(w.slice(5)).toEqual(new Array(25).fill(1));
    expect(defaultWeights(26)[0]).toBeCloseTo(1 / 26, 12);
  });
});

describe('Parzen estimators', () => {
  it('normal mass: central, tails, and narrow intervals', () => {
    expect(Math.exp(logNormalMass(-1, 1))).toBeCloseTo(0.682689492, 6);
    expect(Math.exp(logNormalMass(0, Infinity))).toBeCloseTo(0.5, 6);
    // P(Z > 5) = 2.866516e-7; P(Z > 40) is about 3.7e-351: no underflow in log form.
    expect(Math.exp(logNormalMass(5, Infinity)) / 2.866516e-7).toBeCloseTo(1, 5);
    expect(logNormalMass(40, 41)).toBeCloseTo(-0.5 * 1600 - Math.log(40 * Math.sqrt(2 * Math.PI)), 2);
    expect(logNormalMass(-41, -40)).toBeCloseTo(logNormalMass(40, 41), 10);
    // Width 1e-4 at 2: density times width.
    expect(Math.exp(logNormalMass(2, 2.0001))).toBeCloseTo((Math.exp(-(2.00005 ** 2) / 2) / Math.sqrt(2 * Math.PI)) * 1e-4, 12);
  });

  it('a discrete estimator is a distribution over the grid positions, peaked at the observations', () => {
    const est = new NumericalEstimator([3, 4, 30], defaultWeights(3), 0, 49, 1, 1);
    let total = 0;
    for (let k = 0; k < 50; k++) total += Math.exp(est.logPdf(k));
    expect(total).toBeCloseTo(1, 6);
    expect(est.logPdf(3)).toBeGreaterThan(est.logPdf(15));
    const rng = new Xoshiro128(1);
    for (let i = 0; i < 500; i++) {
      const x = est.sample(rng);
      expect(Number.isInteger(x) && x >= 0 && x <= 49).toBe(true);
    }
  });

  it('a continuous estimator integrates to 1 over its domain and samples within it', () => {
    const est = new NumericalEstimator([-4.5, 2, 9.9], defaultWeights(3), -5, 10, 0, 1);
    let total = 0;
    const n = 30_000;
    for (let i = 0; i < n; i++) total += Math.exp(est.logPdf(-5 + ((i + 0.5) * 15) / n)) * (15 / n);
    expect(total).toBeCloseTo(1, 4);
    const rng = new Xoshiro128(2);
    for (let i = 0; i < 500; i++) {
      const x = est.sample(rng);
      expect(x >= -5 && x <= 10).toBe(true);
    }
  });

  it('a categorical estimator adds weight to the observed categories over a uniform prior', () => {
    const est = new CategoricalEstimator([2, 2, 0], defaultWeights(3), 4, 1);
    const p = [0, 1, 2, 3].map((c) => Math.exp(est.logPdf(c)));
    expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    // Optuna: rows (1/4 + [obs]) / 2 for 3 observations, a uniform prior row; mixture weights 1/4 each.
    expect(p[2]).toBeCloseTo(0.25 * (2 * (1.25 / 2) + 0.25 / 2 + 0.25), 12);
    expect(p[1]).toBeCloseTo(p[3]!, 12);
    expect(p[2]! > p[0]! && p[0]! > p[1]!).toBe(true);
  });
});

describe('TpeSampler', () => {
  const bowl = parseSpace([range('x=1:50:1'), range('y=1:50:1')]);
  const bowlAt = (p: ParameterSet): number => (num(p, 'x') - 37) ** 2 + (num(p, 'y') - 12) ** 2;

  function run(sampler: TpeSampler, f: (p: ParameterSet) => number | undefined, n: number): ParameterSet[] {
    const asked: ParameterSet[] = [];
    for (let i = 0; i < n; i++) {
      const p = sampler.ask();
      if (p === undefined) break;
      asked.push(p);
      sampler.tell(p, f(p));
    }
    return asked;
  }

  it('is deterministic for a seed, and different seeds search differently', () => {
    const a = run(new TpeSampler(bowl, { seed: 5, minimize: true }), bowlAt, 40);
    expect(run(new TpeSampler(bowl, { seed: 5, minimize: true }), bowlAt, 40)).toEqual(a);
    expect(run(new TpeSampler(bowl, { seed: 6, minimize: true }), bowlAt, 40)).not.toEqual(a);
  });

  it('starts with the trials of random sampling under the same seed', () => {
    const tpe = run(new TpeSampler(bowl, { seed: 12, minimize: true }), bowlAt, 10);
    expect(tpe).toEqual([...bowl.sample(10, 12)]);
  });

  it('never asks a combination twice, and stops when a small space is exhausted', () => {
    const small = parseSpace([range('x=1:5:1'), values('mode=a,b,c,d')]);
    const asked = run(new TpeSampler(small, { seed: 3 }), (p) => num(p, 'x') + (p.mode === 'c' ? 10 : 0), 100);
    expect(asked).toHaveLength(20);
    expect(new Set(asked.map((p) => JSON.stringify(p))).size).toBe(20);
  });

  it('asks only combinations the constraint accepts', () => {
    const s = parseSpace([range('fast=1:50:1'), range('slow=1:50:1')]);
    const accept = (p: ParameterSet): boolean => num(p, 'fast') < num(p, 'slow');
    const asked = run(new TpeSampler(s, { seed: 4, accept }), (p) => -Math.abs(num(p, 'slow') - num(p, 'fast') - 7), 60);
    expect(asked).toHaveLength(60);
    expect(asked.every(accept)).toBe(true);
  });

  it('learns to avoid a region where trials fail (told undefined)', () => {
    // Trials with x > 25 fail; the optimum of the rest is at the border. Random asks there about half the time.
    const fails = (p: ParameterSet): number | undefined => (num(p, 'x') > 25 ? undefined : -((num(p, 'x') - 20) ** 2) - (num(p, 'y') - 30) ** 2);
    let failedAfterStartup = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const asked = run(new TpeSampler(bowl, { seed }), fails, 60);
      failedAfterStartup += asked.slice(10).filter((p) => num(p, 'x') > 25).length;
    }
    // 500 model-based trials; random would fail about 250 of them.
    expect(failedAfterStartup).toBeLessThan(125);
  });

  it('refuses a tell for a combination never asked, or told twice', () => {
    const t = new TpeSampler(bowl, { seed: 1 });
    expect(() => t.tell({ x: 1, y: 1 }, 1)).toThrow(InvariantError);
    const p = t.ask() as ParameterSet;
    t.tell({ ...p, other: 'ignored' }, 1);
    expect(() => t.tell(p, 2)).toThrow(InvariantError);
  });
});

describe('TPE beats random search on known test functions (60 evaluations, median over 25 seeds)', () => {
  const SEEDS = 25;
  const BUDGET = 60;
  const median = (xs: readonly number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
  };

  /** Median regret (best found minus the optimum) of TPE and of random sampling, and TPE's wins. */
  function compare(specs: SpaceSpec[], f: (p: ParameterSet) => number, optimum: number): { tpe: number; random: number; wins: number } {
    const space = parseSpace(specs);
    const tpe: number[] = [];
    const random: number[] = [];
    let wins = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const sampler = new TpeSampler(space, { seed, minimize: true });
      let best = Infinity;
      for (let i = 0; i < BUDGET; i++) {
        const p = sampler.ask() as ParameterSet;
        const y = f(p);
        best = Math.min(best, y);
        sampler.tell(p, y);
      }
      let bestRandom = Infinity;
      for (const p of space.sample(BUDGET, seed)) bestRandom = Math.min(bestRandom, f(p));
      tpe.push(best - optimum);
      random.push(bestRandom - optimum);
      if (best < bestRandom) wins++;
    }
    return { tpe: median(tpe), random: median(random), wins };
  }

  function expectClearWin(r: { tpe: number; random: number; wins: number }): void {
    expect(r.tpe).toBeLessThan(0.6 * r.random);
    expect(r.wins).toBeGreaterThanOrEqual(15);
  }

  it('a quadratic bowl on a 50 x 50 grid', () => {
    const r = compare([range('x=1:50:1'), range('y=1:50:1')], (p) => (num(p, 'x') - 37) ** 2 + (num(p, 'y') - 12) ** 2, 0);
    expectClearWin(r);
  });

  it('Branin on continuous ranges', () => {
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    const branin = (p: ParameterSet): number => {
      const x = num(p, 'x');
      const y = num(p, 'y');
      return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * Math.cos(x) + 10;
    };
    expectClearWin(compare([range('x=-5:10'), range('y=0:15')], branin, 0.397887));
  });

  it('Rosenbrock on a decimal grid (41 x 41, step 0.1)', () => {
    const rosenbrock = (p: ParameterSet): number => (1 - num(p, 'x')) ** 2 + 100 * (num(p, 'y') - num(p, 'x') ** 2) ** 2;
    expectClearWin(compare([range('x=-2:2:0.1'), range('y=-1:3:0.1')], rosenbrock, 0));
  });

  it('a mixed space: a grid range, listed categories and a continuous range', () => {
    const cost: Record<string, number> = { a: 5, b: 3, c: 0, d: 4, e: 6 };
    const f = (p: ParameterSet): number => (num(p, 'x') - 70) ** 2 / 100 + (cost[p.mode as string] as number) + 10 * (num(p, 'z') - 0.3) ** 2;
    expectClearWin(compare([range('x=0:100:1'), values('mode=a,b,c,d,e'), range('z=0:1')], f, 0));
  });
});
