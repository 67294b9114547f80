import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, InvariantError } from '../core/errors.js';
import { Xoshiro128 } from '../core/random.js';
import {
  binomial,
  deflatedSharpe,
  expectedMaxFactor,
  expectedMaxSharpe,
  kurtosis,
  minimumBacktestLength,
  overfittingReport,
  overfittingVerdict,
  pbo,
  probabilisticSharpe,
  sharpeRatio,
  sharpeStd,
  skewness,
} from './overfitting.js';

const relError = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.abs(expected);

/** Seeded normal returns with a given per-period mean and volatility. */
function noise(random: Xoshiro128, rows: number, mean = 0, volatility = 0.01): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = mean + volatility * random.nextNormal();
  return out;
}

describe('per-period moments', () => {
  it('computes the Sharpe ratio with ddof 1 and population skew and kurtosis', () => {
    // mean 0.025, std (ddof 1) sqrt(0.0005 / 3)
    expect(relError(sharpeRatio([0.01, 0.02, 0.03, 0.04]), 0.025 / Math.sqrt(0.0005 / 3))).toBeLessThan(1e-14);
    // [0, 0, 0, 1]: m2 = 3/16, m3 = 3/32, m4 = 21/256: skew 2/√3, kurtosis 7/3
    expect(relError(skewness([0, 0, 0, 1]), 2 / Math.sqrt(3))).toBeLessThan(1e-14);
    expect(relError(kurtosis([0, 0, 0, 1]), 7 / 3)).toBeLessThan(1e-14);
    expect(Math.abs(skewness([1, 2, 3, 4]))).toBeLessThan(1e-15);
    // m2 = 5/4, m4 = 41/16: kurtosis 1.64
    expect(relError(kurtosis([1, 2, 3, 4]), 1.64)).toBeLessThan(1e-14);
  });

  it('gives kurtosis near 3 (not excess) and skew near 0 for normal returns', () => {
    const sample = noise(new Xoshiro128(42), 200_000);
    expect(Math.abs(kurtosis(sample) - 3)).toBeLessThan(0.05);
    expect(Math.abs(skewness(sample))).toBeLessThan(0.02);
  });

  it('leaves the Sharpe ratio, skew and kurtosis undefined without dispersion', () => {
    for (const series of [[], [0.01], [0.02, 0.02, 0.02], [0.1, 0.1, 0.1, 0.1, 0.1]]) {
      expect(sharpeRatio(series)).toBeNaN();
      expect(skewness(series)).toBeNaN();
      expect(kurtosis(series)).toBeNaN();
    }
  });

  it('takes the dispersion of the defined Sharpe ratios only', () => {
    expect(sharpeStd([0.1, Number.NaN, 0.3])).toBeCloseTo(Math.SQRT2 * 0.1, 15);
    expect(sharpeStd([0.1, Number.NaN])).toBeNaN();
  });
});

describe('deflated Sharpe ratio', () => {
  it('reproduces the worked example of Bailey and López de Prado (2014): DSR 0.9004', () => {
    // The paper's figures are annual with 250 periods a year: the best trial's
    // annualized Sharpe 2.5 and the annualized variance 0.5 of the 100 trials'
    // Sharpe ratios, measured on T = 1250 daily returns with skew -3 and
    // kurtosis 10. The formula wants per-period figures: a Sharpe ratio scales
    // with √(periods), so SR = 2.5 / √250, and a variance of Sharpe ratios
    // with periods, so sharpeStd = √(0.5 / 250). SR₀ is then
    // √(0.5 / 250) × 2.5306 = 0.11317 per period (1.7894 annualized).
    const periods = 250;
    const sharpe = 2.5 / Math.sqrt(periods);
    const std = Math.sqrt(0.5 / periods);
    const expectedMax = expectedMaxSharpe(std, 100);
    expect(expectedMax * Math.sqrt(periods)).toBeCloseTo(1.7894, 4);
    const dsr = deflatedSharpe({ sharpe, sharpeStd: std, trials: 100, observations: 1250, skew: -3, kurtosis: 10 });
    expect(dsr).toBeCloseTo(0.9004, 4);
    // The same through SR₀ given directly, and as a probabilistic Sharpe ratio.
    expect(deflatedSharpe({ sharpe, expectedMaxSharpe: expectedMax, observations: 1250, skew: -3, kurtosis: 10 })).toBe(dsr);
    expect(probabilisticSharpe({ sharpe, benchmark: expectedMax, observations: 1250, skew: -3, kurtosis: 10 })).toBe(dsr);
  });

  it('uses the expected maximum of N standard normals from extreme value theory', () => {
    // Reference values computed with mpmath.
    expect(relError(expectedMaxFactor(100), 2.530602893201682)).toBeLessThan(1e-13);
    expect(relError(expectedMaxFactor(2), 0.5197553442805939)).toBeLessThan(1e-13);
    expect(relError(expectedMaxSharpe(0.02, 1000), 0.02 * 3.255121513652726)).toBeLessThan(1e-13);
    expect(() => expectedMaxFactor(1)).toThrow(InvariantError);
  });

  it('is undefined when the variance term is not positive or T < 2', () => {
    expect(deflatedSharpe({ sharpe: Number.NaN, sharpeStd: 0.1, trials: 10, observations: 100, skew: 0, kurtosis: 3 })).toBeNaN();
    expect(deflatedSharpe({ sharpe: 0.1, sharpeStd: 0.1, trials: 10, observations: 1, skew: 0, kurtosis: 3 })).toBeNaN();
    // 1 - skew·SR + (kurtosis - 1)/4·SR² = 1 - 2 + 0 < 0
    expect(deflatedSharpe({ sharpe: 1, sharpeStd: 0.1, trials: 10, observations: 100, skew: 2, kurtosis: 1 })).toBeNaN();
  });

  const stats = fc.record({
    sharpe: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
    std: fc.double({ min: 0.001, max: 0.1, noNaN: true }),
    trials: fc.integer({ min: 2, max: 5000 }),
    observations: fc.integer({ min: 10, max: 100_000 }),
    skew: fc.double({ min: -2, max: 2, noNaN: true }),
    excess: fc.double({ min: 0, max: 20, noNaN: true }),
  });

  it('decreases with the number of trials N', () => {
    fc.assert(
      fc.property(stats, fc.integer({ min: 1, max: 10_000 }), (s, more) => {
        const kurt = 1 + s.skew * s.skew + s.excess; // a population kurtosis is at least 1 + skew²
        const at = (trials: number): number =>
          deflatedSharpe({ sharpe: s.sharpe, sharpeStd: s.std, trials, observations: s.observations, skew: s.skew, kurtosis: kurt });
        const few = at(s.trials);
        const many = at(s.trials + more);
        expect(many).toBeLessThanOrEqual(few);
        if (few < 1 - 1e-9 && few > 1e-300) expect(many).toBeLessThan(few);
      }),
      { seed: 2014, numRuns: 300 },
    );
  });

  it('increases with T when the Sharpe ratio beats SR₀, and decreases with T when it does not', () => {
    fc.assert(
      fc.property(stats, fc.integer({ min: 1, max: 100_000 }), (s, more) => {
        const kurt = 1 + s.skew * s.skew + s.excess;
        const expectedMax = expectedMaxSharpe(s.std, s.trials);
        fc.pre(s.sharpe !== expectedMax);
        const at = (observations: number): number =>
          deflatedSharpe({ sharpe: s.sharpe, expectedMaxSharpe: expectedMax, observations, skew: s.skew, kurtosis: kurt });
        const short = at(s.observations);
        const long = at(s.observations + more);
        if (s.sharpe > expectedMax) expect(long).toBeGreaterThanOrEqual(short);
        else expect(long).toBeLessThanOrEqual(short);
      }),
      { seed: 2015, numRuns: 300 },
    );
  });
});

describe('minimum backtest length', () => {
  it('allows no more than 45 independent trials on 5 years for an annual Sharpe of 1 (Bailey et al. 2014)', () => {
    expect(minimumBacktestLength(45, 1)).toBeLessThan(5);
    expect(minimumBacktestLength(46, 1)).toBeGreaterThan(5);
    expect(relError(minimumBacktestLength(100, 1), 6.403951003080724)).toBeLessThan(1e-13);
  });

  it('is in the units of the Sharpe ratio: periods for a per-period one', () => {
    // An annual Sharpe of 2 is 2 / √252 per day: the length in days is 252 times the length in years.
    expect(relError(minimumBacktestLength(200, 2 / Math.sqrt(252)), 252 * minimumBacktestLength(200, 2))).toBeLessThan(1e-12);
    expect(minimumBacktestLength(10, 0)).toBe(Infinity);
    expect(minimumBacktestLength(10, -0.1)).toBe(Infinity);
  });
});

/**
 * CSCV by the definition, row by row: the reference the fast version must
 * agree with.
 */
function naiveCscv(columns: readonly Float64Array[], splits: number): { lambdas: number[]; selected: number[]; pbo: number } {
  const rows = columns[0]!.length;
  const blockRows = Math.floor(rows / splits);
  const dropped = rows - blockRows * splits;
  const n = columns.length;
  const sets: number[][] = [];
  const choose = (start: number, picked: number[]): void => {
    if (picked.length === splits / 2) {
      sets.push([...picked]);
      return;
    }
    for (let b = start; b < splits; b++) choose(b + 1, [...picked, b]);
  };
  choose(0, []);
  const gather = (column: Float64Array, blocks: number[]): number[] =>
    blocks.flatMap((b) => Array.from(column.subarray(dropped + b * blockRows, dropped + (b + 1) * blockRows)));
  const lambdas: number[] = [];
  const selected: number[] = [];
  let overfit = 0;
  for (const inBlocks of sets) {
    const outBlocks = [...Array(splits).keys()].filter((b) => !inBlocks.includes(b));
    const inSharpe = columns.map((c) => sharpeRatio(gather(c, inBlocks)));
    const outSharpe = columns.map((c) => sharpeRatio(gather(c, outBlocks)));
    let best = 0;
    for (let j = 1; j < n; j++) {
      if (Number.isNaN(inSharpe[best]!) ? !Number.isNaN(inSharpe[j]!) : inSharpe[j]! > inSharpe[best]!) best = j;
    }
    const key = (v: number): number => (Number.isNaN(v) ? -Infinity : v);
    const target = key(outSharpe[best]!);
    const below = outSharpe.filter((v) => key(v) < target).length;
    const tied = outSharpe.filter((v) => key(v) === target).length;
    const rank = below + (tied + 1) / 2;
    const w = rank / (n + 1);
    lambdas.push(Math.log(w / (1 - w)));
    selected.push(best);
    if (w <= 0.5) overfit++;
  }
  return { lambdas, selected, pbo: overfit / sets.length };
}

describe('probability of backtest overfitting (CSCV)', () => {
  it('matches a case computed by hand (S = 4, N = 3, T = 9)', () => {
    // Returns in units of u = 1/128 (exact in binary, so ties are exact).
    // T mod S = 1: row 0 is dropped (its wild values must not matter); the
    // other 8 rows form 4 blocks of 2 rows, each block (m + 1, m - 1) around
    // a block mean m:
    //   A (column 0): block means  3,  3, -1, -1
    //   B (column 1): block means -1, -1,  3,  3
    //   C (column 2): block means 1/4 in every block
    // Over two blocks with means p and q (h = (p - q)/2) the 4 values have
    // mean (p + q)/2 and variance (4h² + 4)/3 (ddof 1), so:
    //   same means:  SR(3, 3) = 3/√(4/3) = 2.598, SR(-1, -1) = -0.866
    //   mixed means: SR(3, -1) = 1/√(20/3) = 0.387
    //   C always:    SR = (1/4)/√(4/3) = 0.217
    // The C(4, 2) = 6 in-sample sets, lexicographic:
    //   {0,1}: n* = A (2.598); out {2,3}: A -0.866 < C 0.217 < B 2.598
    //          rank 1, w = 1/4, λ = ln(1/3) ≤ 0: overfit, and a loss
    //   {0,2}, {0,3}, {1,2}, {1,3}: A and B tie at 0.387 > C, n* = A (lowest);
    //          out: A and B tie again at 0.387 above C: rank (2 + 3)/2 = 2.5,
    //          w = 5/8, λ = ln(5/3) > 0
    //   {2,3}: n* = B (2.598); out {0,1}: B -0.866 lowest: λ = ln(1/3), a loss
    // PBO = 2/6 = 1/3; probability of loss 2/6. Performance degradation: the
    // line through (2.598, -0.866) (twice) and (0.387, 0.387) (four times).
    const u = 1 / 128;
    const column = (first: number, means: readonly number[]): Float64Array =>
      Float64Array.from([first, ...means.flatMap((m) => [m + 1, m - 1])], (x) => x * u);
    const a = column(-100, [3, 3, -1, -1]);
    const b = column(50, [-1, -1, 3, 3]);
    const c = column(100, [0.25, 0.25, 0.25, 0.25]);
    const result = pbo([a, b, c], { splits: 4 });

    const k = 1 / Math.sqrt(4 / 3);
    const r = 1 / Math.sqrt(20 / 3);
    expect(result.combinations).toBe(6);
    expect(result.droppedRows).toBe(1);
    expect(result.pbo).toBe(1 / 3);
    expect(result.probabilityOfLoss).toBe(1 / 3);
    expect(Array.from(result.selected)).toEqual([0, 0, 0, 0, 0, 1]);
    const low = Math.log(1 / 3);
    const high = Math.log(5 / 3);
    const expectedLambdas = [low, high, high, high, high, low];
    result.lambdas.forEach((lambda, i) => expect(lambda).toBeCloseTo(expectedLambdas[i]!, 14));
    const expectedIn = [3 * k, r, r, r, r, 3 * k];
    const expectedOut = [-k, r, r, r, r, -k];
    result.inSampleSharpe.forEach((v, i) => expect(v).toBeCloseTo(expectedIn[i]!, 13));
    result.outOfSampleSharpe.forEach((v, i) => expect(v).toBeCloseTo(expectedOut[i]!, 13));
    const slope = (-k - r) / (3 * k - r);
    expect(result.performanceDegradation.slope).toBeCloseTo(slope, 12);
    expect(result.performanceDegradation.intercept).toBeCloseTo(r - slope * r, 12);
  });

  it('agrees with CSCV computed by the definition, including ties and flat stretches', () => {
    const kinds = fc.constantFrom('noise', 'flat', 'zero', 'patchy', 'copy');
    const cases = fc.record({
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      splits: fc.constantFrom(2, 4, 6, 8),
      // At least 2 rows a block: a set with a single non-zero row among zeros
      // has a Sharpe of exactly ±1/√rows in every trial, a tie that the two
      // computations round apart differently (both are right).
      blockRows: fc.integer({ min: 2, max: 6 }),
      extra: fc.integer({ min: 0, max: 7 }),
      kinds: fc.array(kinds, { minLength: 2, maxLength: 7 }),
    });
    fc.assert(
      fc.property(cases, ({ seed, splits, blockRows, extra, kinds: columnKinds }) => {
        const random = new Xoshiro128(seed);
        const rows = splits * blockRows + (extra % splits);
        const columns: Float64Array[] = [];
        for (const kind of columnKinds) {
          if (kind === 'copy' && columns.length > 0) columns.push(columns[random.nextUint32() % columns.length]!.slice());
          else if (kind === 'flat') columns.push(new Float64Array(rows).fill(0.001));
          else if (kind === 'zero') columns.push(new Float64Array(rows));
          else {
            const column = noise(random, rows, 0.001);
            if (kind === 'patchy') {
              // Whole blocks (and the dropped rows) without trading.
              const start = rows % splits;
              column.fill(0, 0, start);
              for (let bl = 0; bl < splits; bl++) {
                if (random.nextFloat() < 0.5) column.fill(0, start + bl * blockRows, start + (bl + 1) * blockRows);
              }
            }
            columns.push(column);
          }
        }
        const fast = pbo(columns, { splits });
        const slow = naiveCscv(columns, splits);
        expect(Array.from(fast.selected)).toEqual(slow.selected);
        expect(fast.pbo).toBe(slow.pbo);
        fast.lambdas.forEach((lambda, i) => expect(lambda).toBeCloseTo(slow.lambdas[i]!, 12));
      }),
      { seed: 2015, numRuns: 300 },
    );
  });

  it('does not depend on the order of the trials when no two tie', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2, max: 12 }), (seed, n) => {
        const random = new Xoshiro128(seed);
        const columns = Array.from({ length: n }, () => noise(random, 130));
        const order = columns.map((_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = random.nextUint32() % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const straight = pbo(columns, { splits: 8 });
        const shuffled = pbo(
          order.map((i) => columns[i]!),
          { splits: 8 },
        );
        expect(shuffled.pbo).toBe(straight.pbo);
        expect(Array.from(shuffled.lambdas)).toEqual(Array.from(straight.lambdas));
        expect(shuffled.probabilityOfLoss).toBe(straight.probabilityOfLoss);
        expect(Array.from(shuffled.selected, (j) => order[j])).toEqual(Array.from(straight.selected));
      }),
      { seed: 77, numRuns: 60 },
    );
  });

  it('gives about 1/2 for independent pure-noise trials', () => {
    // With no skill, n*'s out-of-sample rank is uniform on 1..N, so P(λ ≤ 0)
    // = 1/2 for even N (Bailey et al. 2017; about 0.5 ± 0.14 per matrix in
    // published simulations, since the 12,870 combinations reuse one data set).
    // The mean over 24 matrices has a standard error near 0.04.
    const seeds = fc.sample(fc.integer({ min: 1, max: 1_000_000 }), { seed: 12870, numRuns: 24 });
    const values = seeds.map((seed) => {
      const random = new Xoshiro128(seed);
      return pbo(
        Array.from({ length: 20 }, () => noise(random, 320)),
        { splits: 16 },
      ).pbo;
    });
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.38);
    expect(mean).toBeLessThan(0.62);
  });

  it('approaches 1 for noise trials of equal full-sample performance', () => {
    // The "near 1" of the issue: when every trial earns the same over the whole
    // sample (here: each noise series demeaned), in-sample and out-of-sample
    // results are complementary, so the in-sample winner is an out-of-sample loser.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const random = new Xoshiro128(seed);
        const columns = Array.from({ length: 20 }, () => {
          const column = noise(random, 320);
          const mean = column.reduce((s, v) => s + v, 0) / column.length;
          return column.map((v) => v - mean);
        });
        expect(pbo(columns, { splits: 16 }).pbo).toBeGreaterThan(0.95);
      }),
      { seed: 99, numRuns: 8 },
    );
  });

  it('is near 0 when one trial carries a real edge', () => {
    // One trial with a per-period Sharpe of 0.3 among 19 noise trials: on 320
    // in-sample rows its Sharpe stands about 5 standard errors above noise.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 19 }), (seed, edge) => {
        const random = new Xoshiro128(seed);
        const columns = Array.from({ length: 20 }, (_, j) => noise(random, 640, j === edge ? 0.003 : 0));
        const result = pbo(columns, { splits: 16 });
        expect(result.pbo).toBeLessThan(0.05);
        expect(result.probabilityOfLoss).toBeLessThan(0.05);
      }),
      { seed: 3, numRuns: 8 },
    );
  });

  it('ranks an undefined out-of-sample Sharpe lowest and never selects a trial that never trades', () => {
    const random = new Xoshiro128(5);
    const idle = new Float64Array(64);
    const columns = [idle, noise(random, 64), noise(random, 64)];
    const result = pbo(columns, { splits: 4 });
    expect(Array.from(result.selected)).not.toContain(0);
    // Every trial idle: n* is the first column, tied with every other at the bottom.
    const allIdle = pbo([idle, idle.slice(), idle.slice()], { splits: 4 });
    expect(Array.from(allIdle.selected)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(allIdle.pbo).toBe(1);
    expect(Array.from(allIdle.lambdas)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(allIdle.performanceDegradation.slope).toBeNaN();
  });

  it('counts the combinations C(S, S/2)', () => {
    expect(binomial(16, 8)).toBe(12_870);
    expect(binomial(20, 10)).toBe(184_756);
    expect(binomial(2, 1)).toBe(2);
  });
});

describe('overfittingReport', () => {
  it('writes exactly the fields of overfitting.json, consistent with the functions one by one', () => {
    const random = new Xoshiro128(11);
    const returns = Array.from({ length: 12 }, (_, j) => noise(random, 500, j * 0.0002));
    const trialIds = returns.map((_, i) => 100 + i);
    const report = overfittingReport({ trialIds, returns, bestTrial: 111, splits: 10 });
    expect(Object.keys(report)).toEqual([
      'trials',
      'best_trial',
      'observations',
      'sharpe',
      'sharpe_std',
      'skew',
      'kurtosis',
      'expected_max_sharpe',
      'dsr',
      'pbo',
      'cscv_splits',
      'performance_degradation',
      'probability_of_loss',
      'min_backtest_length',
    ]);
    const best = returns[11]!;
    const sharpe = sharpeRatio(best);
    const std = sharpeStd(returns.map(sharpeRatio));
    const cscv = pbo(returns, { splits: 10 });
    expect(report).toEqual({
      trials: 12,
      best_trial: 111,
      observations: 500,
      sharpe,
      sharpe_std: std,
      skew: skewness(best),
      kurtosis: kurtosis(best),
      expected_max_sharpe: expectedMaxSharpe(std, 12),
      dsr: deflatedSharpe({ sharpe, sharpeStd: std, trials: 12, observations: 500, skew: skewness(best), kurtosis: kurtosis(best) }),
      pbo: cscv.pbo,
      cscv_splits: 10,
      performance_degradation: cscv.performanceDegradation,
      probability_of_loss: cscv.probabilityOfLoss,
      min_backtest_length: minimumBacktestLength(12, sharpe),
    });
  });

  it('breaks in-sample ties to the lowest trial id, whatever the order of the columns', () => {
    // S = 2, T = 4, returns in units of u = 1/128:
    //   X = (1, 3 | 5, 1), Y = (2, 6 | -1, -3)
    // Block 0 in-sample: X and Y tie (Y's block is X's doubled): n* is the lower
    // id. Out of sample (block 1) X = 3/(2√2) > 0 > Y = -√2: n* = X ranks 2 of 2
    // (λ > 0), n* = Y ranks 1 (λ < 0).
    // Block 1 in-sample: n* = X; out of sample X and Y tie: rank 1.5, w = 1/2,
    // λ = 0, which counts as overfit.
    // So PBO = 1/2 when X has the lower id and 1 when Y has.
    const u = 1 / 128;
    const x = Float64Array.from([1, 3, 5, 1], (v) => v * u);
    const y = Float64Array.from([2, 6, -1, -3], (v) => v * u);
    expect(overfittingReport({ trialIds: [3, 7], returns: [x, y], bestTrial: 3, splits: 2 }).pbo).toBe(0.5);
    expect(overfittingReport({ trialIds: [7, 3], returns: [x, y], bestTrial: 7, splits: 2 }).pbo).toBe(1);
    expect(overfittingReport({ trialIds: [3, 7], returns: [y, x], bestTrial: 7, splits: 2 }).pbo).toBe(1);
  });

  it('writes null for what the data leave undefined', () => {
    const random = new Xoshiro128(12);
    const idle = new Float64Array(64);
    const report = overfittingReport({ trialIds: [1, 2, 3], returns: [idle, noise(random, 64), noise(random, 64)], bestTrial: 1, splits: 4 });
    expect(report.sharpe).toBeNull();
    expect(report.skew).toBeNull();
    expect(report.kurtosis).toBeNull();
    expect(report.dsr).toBeNull();
    expect(report.min_backtest_length).toBeNull();
    expect(report.sharpe_std).not.toBeNull();
    expect(JSON.stringify(report)).not.toMatch(/NaN|Infinity/);
  });

  it.each([
    [15, 100, 3, '--cscv-splits 15 must be even'],
    [0, 100, 3, '--cscv-splits 0 must be an even integer of at least 2'],
    [2.5, 100, 3, '--cscv-splits 2.5 must be an even integer of at least 2'],
    [22, 100, 3, '--cscv-splits 22 is above 20'],
    [16, 10, 3, '--cscv-splits 16 needs at least 16 returns per trial, the trials have 10'],
    [16, 100, 1, 'overfitting statistics need at least 2 ok trials, got 1'],
  ])('refuses --cscv-splits %d with %d returns and %d trials as a user mistake', (splits, rows, trials, message) => {
    const random = new Xoshiro128(13);
    const returns = Array.from({ length: trials }, () => noise(random, rows));
    const run = (): unknown => overfittingReport({ trialIds: returns.map((_, i) => i), returns, bestTrial: 0, splits });
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect((e as InputError).message).not.toContain('\n');
      expect((e as InputError).issues[0]!.field).toBe(trials < 2 ? 'trials' : '--cscv-splits');
    }
  });

  it('treats inconsistent input from the caller as a broken invariant', () => {
    const random = new Xoshiro128(14);
    const a = noise(random, 40);
    const b = noise(random, 40);
    expect(() => overfittingReport({ trialIds: [1, 2], returns: [a, b], bestTrial: 9, splits: 4 })).toThrow(InvariantError);
    expect(() => overfittingReport({ trialIds: [1, 1], returns: [a, b], bestTrial: 1, splits: 4 })).toThrow(InvariantError);
    expect(() => overfittingReport({ trialIds: [1, 2], returns: [a, noise(random, 39)], bestTrial: 1, splits: 4 })).toThrow(InvariantError);
    const broken = b.slice();
    broken[7] = Number.NaN;
    expect(() => overfittingReport({ trialIds: [1, 2], returns: [a, broken], bestTrial: 1, splits: 4 })).toThrow('trial 2 return 7 is NaN');
  });
});

describe('overfittingVerdict', () => {
  it('reads PBO and DSR against the documented thresholds', () => {
    expect(overfittingVerdict({ pbo: 0.62, dsr: 0.41 })).toBe('likely overfit: PBO 0.62, DSR 0.41');
    expect(overfittingVerdict({ pbo: 0.5, dsr: 0.99 })).toBe('likely overfit: PBO 0.50, DSR 0.99');
    expect(overfittingVerdict({ pbo: 0.1, dsr: 0.3 })).toBe('likely overfit: PBO 0.10, DSR 0.30');
    expect(overfittingVerdict({ pbo: 0.2, dsr: 0.95 })).toBe('unlikely overfit: PBO 0.20, DSR 0.95');
    expect(overfittingVerdict({ pbo: 0.3, dsr: 0.97 })).toBe('possibly overfit: PBO 0.30, DSR 0.97');
    expect(overfittingVerdict({ pbo: 0.1, dsr: 0.8 })).toBe('possibly overfit: PBO 0.10, DSR 0.80');
    expect(overfittingVerdict({ pbo: 0.1, dsr: null })).toBe('possibly overfit: PBO 0.10, DSR n/a');
  });
});
