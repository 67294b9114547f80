import { describe, expect, it } from 'vitest';
import { MICROS_PER_DAY, parseIsoTime } from '../core/time.js';
import {
  alphaBeta,
  annualReturn,
  annualVolatility,
  calmarRatio,
  conditionalValueAtRisk,
  cumulativeReturn,
  defaultRollingWindow,
  downsideRisk,
  drawdownInfo,
  drawdownSeries,
  maxDrawdown,
  omegaRatio,
  periodReturns,
  returnsKurtosis,
  returnsSkew,
  rollingSharpe,
  rollingVolatility,
  sharpeRatio,
  sortinoRatio,
  stability,
  stepReturns,
  tailRatio,
  valueAtRisk,
} from './metrics.js';

/**
 * The hand-computed vector used throughout: r = [0.1, -0.05, 0.02, -0.03, 0.04].
 * Worked by hand:
 *   prod(1 + r)  = 1.1 * 0.95 * 1.02 * 0.97 * 1.04 = 1.07527992
 *   mean         = 0.08 / 5 = 0.016
 *   deviations   = 0.084, -0.066, 0.004, -0.046, 0.024
 *   sum d^2      = 0.007056 + 0.004356 + 0.000016 + 0.002116 + 0.000576 = 0.01412
 *   var (ddof 1) = 0.01412 / 4 = 0.00353
 *   sum d^3      = 0.000592704 - 0.000287496 + 0.000000064 - 0.000097336 + 0.000013824 = 0.00022176
 *   sum d^4      = 0.000049787136 + 0.000018974736 + 0.000000000256 + 0.000004477456 + 0.000000331776 = 0.00007357136
 *   min(r,0)^2   = 0.0025 + 0.0009 = 0.0034 over 5 observations
 *   sorted       = -0.05, -0.03, 0.02, 0.04, 0.1
 *   p95: rank 0.95 * 4 = 3.8 -> 0.04 + 0.8 * 0.06 = 0.088
 *   p5:  rank 0.05 * 4 = 0.2 -> -0.05 + 0.2 * 0.02 = -0.046
 */
const R = [0.1, -0.05, 0.02, -0.03, 0.04];
const PPY = 252;
const close = (a: number, b: number, rel = 1e-12): void => {
  expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));
};

describe('return metrics on a hand-computed vector', () => {
  it('cumulative and annual return (CAGR over n / ppy years)', () => {
    close(cumulativeReturn(R), 0.07527992);
    close(annualReturn(R, PPY), 1.07527992 ** (PPY / 5) - 1, 1e-10);
    close(annualReturn(R, 5), 0.07527992); // five periods a year: one year, CAGR = total
  });

  it('annual volatility: std with ddof = 1 times sqrt(ppy)', () => {
    close(annualVolatility(R, PPY), Math.sqrt(0.00353) * Math.sqrt(PPY));
  });

  it('Sharpe: mean / std (ddof = 1) * sqrt(ppy)', () => {
    close(sharpeRatio(R, PPY), (0.016 / Math.sqrt(0.00353)) * Math.sqrt(PPY));
  });

  it('Sortino: downside deviation over all observations, not only the losses', () => {
    close(downsideRisk(R, PPY), Math.sqrt(0.0034 / 5) * Math.sqrt(PPY));
    close(sortinoRatio(R, PPY), (0.016 * PPY) / (Math.sqrt(0.0034 / 5) * Math.sqrt(PPY)));
    // Dividing by the 2 losses instead of the 5 observations would give a different number.
    expect(Math.abs(sortinoRatio(R, PPY) - (0.016 * PPY) / (Math.sqrt(0.0034 / 2) * Math.sqrt(PPY)))).toBeGreaterThan(1);
  });

  it('Omega at threshold 0: gains / losses', () => {
    close(omegaRatio(R), 0.16 / 0.08);
  });

  it('tail ratio and historical VaR use linear percentiles', () => {
    close(tailRatio(R), 0.088 / 0.046);
    close(valueAtRisk(R), -0.046);
    close(valueAtRisk(R, 0.5), 0.02);
  });

  it('CVaR: mean of the floor((n - 1) * cutoff) + 1 worst returns', () => {
    close(conditionalValueAtRisk(R), -0.05); // floor(4 * 0.05) = 0: the worst one
    close(conditionalValueAtRisk(R, 0.5), (-0.05 - 0.03 + 0.02) / 3); // floor(4 * 0.5) = 2: three worst
    const many = Array.from({ length: 41 }, (_, i) => (i - 20) / 1000); // -0.020 .. 0.020
    close(conditionalValueAtRisk(many), (-0.02 - 0.019 - 0.018) / 3); // floor(40 * 0.05) = 2
  });

  it('skew and excess kurtosis from biased central moments', () => {
    const m2 = 0.01412 / 5;
    close(returnsSkew(R), 0.00022176 / 5 / m2 ** 1.5, 1e-10);
    close(returnsKurtosis(R), 0.00007357136 / 5 / (m2 * m2) - 3, 1e-10);
    close(returnsSkew([-1, 0, 1]), 0);
    close(returnsKurtosis([-1, 1, -1, 1]), -2); // m4 / m2^2 = 1
  });

  it('stability: R^2 of a line through the cumulative log returns', () => {
    // Equal returns: the cumulative log return is a straight line.
    close(stability([0.01, 0.01, 0.01, 0.01]), 1, 1e-9);
    // Against an independent least-squares fit.
    const y: number[] = [];
    let acc = 0;
    for (const r of R) y.push((acc += Math.log(1 + r)));
    const n = y.length;
    const mx = (n - 1) / 2;
    const my = y.reduce((a, b) => a + b) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    y.forEach((v, i) => {
      sxy += (i - mx) * (v - my);
      sxx += (i - mx) ** 2;
      syy += (v - my) ** 2;
    });
    close(stability(R), (sxy * sxy) / (sxx * syy), 1e-10);
  });

  it('alpha and beta against a benchmark', () => {
    const b = [0.005, 0.01, -0.005, 0.015];
    const twice = b.map((x) => 2 * x);
    const ab = alphaBeta(twice, b, PPY);
    close(ab.beta, 2);
    close(ab.alpha, 0, 1e-12);
    const withEdge = b.map((x) => 2 * x + 0.001);
    const ab2 = alphaBeta(withEdge, b, PPY);
    close(ab2.beta, 2);
    close(ab2.alpha, 1.001 ** PPY - 1, 1e-9);
    // Pairs with a NaN on either side are left out.
    const ab3 = alphaBeta([NaN, ...twice, 0.5], [0.1, ...b, NaN], PPY);
    close(ab3.beta, 2);
  });
});

describe('drawdowns', () => {
  // initial 100; equity 100, 110, 99, 105, 120, 90
  const eq = [100, 110, 99, 105, 120, 90];

  it('max drawdown, its peak, trough and recovery, and the longest spell under water', () => {
    expect(maxDrawdown(100, eq)).toBe(90 / 120 - 1);
    const d = drawdownInfo(100, eq);
    expect(d.maxDrawdown).toBe(90 / 120 - 1);
    expect([d.peak, d.trough, d.recovery]).toEqual([4, 5, -1]);
    // 110 at step 1 is regained at step 4 (120): 3 steps; 120 at step 4 is still lost at the end: 1 step.
    expect([d.longestDuration, d.longestStart, d.longestEnd]).toEqual([3, 1, 4]);
    const series = drawdownSeries(100, eq);
    expect(Array.from(series)).toEqual([0, 0, 99 / 110 - 1, 105 / 110 - 1, 0, 90 / 120 - 1]);
  });

  it('a recovered drawdown names its recovery step; a fall from the initial equity starts before step 0', () => {
    const d = drawdownInfo(100, [95, 90, 100, 101]);
    expect([d.maxDrawdown, d.peak, d.trough, d.recovery]).toEqual([90 / 100 - 1, -1, 1, 2]);
    expect(d.longestDuration).toBe(3); // from the initial equity (step -1) to step 2
  });

  it('Calmar: annual return / |max drawdown|, undefined without a drawdown', () => {
    close(calmarRatio(0.1, -0.25), 0.4);
    expect(calmarRatio(0.1, 0)).toBeNaN();
  });

  it('never below the peak: no drawdown, no duration', () => {
    const d = drawdownInfo(100, [100, 101, 101, 102]);
    expect([d.maxDrawdown, d.longestDuration, d.trough, d.recovery]).toEqual([0, 0, -1, -1]);
  });
});

describe('rolling statistics', () => {
  const r = [0.01, 0.02, 0.03, 0, 0, 0, 0.01];

  it('rolling volatility and Sharpe over a window of 3', () => {
    const vol = rollingVolatility(r, 3, PPY);
    const sh = rollingSharpe(r, 3, PPY);
    expect(vol[0]).toBeNaN();
    expect(vol[1]).toBeNaN();
    // window 0.01, 0.02, 0.03: mean 0.02, std 0.01
    close(vol[2] as number, 0.01 * Math.sqrt(PPY), 1e-9);
    close(sh[2] as number, 2 * Math.sqrt(PPY), 1e-9);
    // window 0.02, 0.03, 0: mean 5/300, var ((1/3)^2 + (4/3)^2 + (5/3)^2)e-4 / 2 = 7/3 e-4
    close(vol[3] as number, Math.sqrt((7 / 3) * 1e-4) * Math.sqrt(PPY), 1e-9);
    // window 0, 0, 0: no variation
    expect(vol[5]).toBe(0);
    expect(sh[5]).toBeNaN();
    // window 0, 0, 0.01: mean 1/300, std sqrt(1/3) / 100
    close(sh[6] as number, (1 / 300 / (Math.sqrt(1 / 3) / 100)) * Math.sqrt(PPY), 1e-9);
  });

  it('matches a direct computation over a long series (no drift of the running sums)', () => {
    const long = Array.from({ length: 3000 }, (_, i) => Math.sin(i * 0.7) / 100 + (i % 7 === 0 ? 0.003 : 0));
    const w = 50;
    const vol = rollingVolatility(long, w, PPY);
    for (const i of [w - 1, 1234, 2999]) {
      const win = long.slice(i - w + 1, i + 1);
      const m = win.reduce((a, b) => a + b) / w;
      const sd = Math.sqrt(win.reduce((a, b) => a + (b - m) ** 2, 0) / (w - 1));
      close(vol[i] as number, sd * Math.sqrt(PPY), 1e-9);
    }
  });

  it('the default window is half a year of periods', () => {
    expect(defaultRollingWindow(252)).toBe(126);
    expect(defaultRollingWindow(2)).toBe(2);
  });
});

describe('monthly and yearly returns', () => {
  const t = (iso: string): number => parseIsoTime(iso) as number;
  const times = [t('2019-12-31T23:59:59Z'), t('2020-01-31T23:59:59Z'), t('2020-02-03T23:59:59Z'), t('2020-02-04T23:59:59Z')];
  const returns = [0.05, 0.1, -0.1, 0.1];

  it('compounds the returns of each calendar month and year (UTC)', () => {
    const m = periodReturns(times, returns, 'monthly');
    expect(m.map((p) => p.period)).toEqual(['2019-12', '2020-01', '2020-02']);
    close(m[0]!.return, 0.05);
    close(m[1]!.return, 0.1);
    close(m[2]!.return, 0.9 * 1.1 - 1);
    const y = periodReturns(times, returns, 'yearly');
    expect(y.map((p) => [p.period, p.year, p.month])).toEqual([
      ['2019', 2019, 0],
      ['2020', 2020, 0],
    ]);
    close(y[1]!.return, 1.1 * 0.9 * 1.1 - 1);
  });

  it('months follow the UTC date of each step', () => {
    const lastMicro = t('2020-01-31') + MICROS_PER_DAY - 1;
    expect(periodReturns([lastMicro, lastMicro + 1], [0.01, 0.02], 'monthly').map((p) => p.period)).toEqual(['2020-01', '2020-02']);
  });
});

describe('edge cases give defined answers', () => {
  const all = (r: number[]): number[] => [
    annualReturn(r, PPY),
    annualVolatility(r, PPY),
    sharpeRatio(r, PPY),
    sortinoRatio(r, PPY),
    omegaRatio(r),
    tailRatio(r),
    stability(r),
    valueAtRisk(r),
    conditionalValueAtRisk(r),
    returnsSkew(r),
    returnsKurtosis(r),
  ];

  it('an empty series: every metric is NaN, the cumulative return 0', () => {
    expect(all([]).every(Number.isNaN)).toBe(true);
    expect(cumulativeReturn([])).toBe(0);
    expect(drawdownInfo(100, []).longestDuration).toBe(0);
    expect(rollingSharpe([], 3, PPY).length).toBe(0);
    expect(periodReturns([], [], 'monthly')).toEqual([]);
  });

  it('one return: what needs two is NaN', () => {
    const [ann, vol, sharpe, sortino, omega, tail, stab, v, cv, sk, ku] = all([0.01]);
    close(ann!, 1.01 ** PPY - 1, 1e-9);
    expect([vol, sharpe, sortino, omega, stab, sk, ku].every(Number.isNaN)).toBe(true);
    expect(tail).toBe(1);
    expect([v, cv]).toEqual([0.01, 0.01]);
  });

  it('a flat series: zero return and volatility; ratios with a zero denominator are NaN', () => {
    const [ann, vol, sharpe, sortino, omega, tail, stab, v, cv, sk, ku] = all([0, 0, 0, 0]);
    expect([ann, vol, v, cv]).toEqual([0, 0, 0, 0]);
    expect([sharpe, sortino, omega, tail, stab, sk, ku].every(Number.isNaN)).toBe(true);
    expect(maxDrawdown(100, [100, 100, 100])).toBe(0);
    expect(alphaBeta([0, 0, 0], [0, 0, 0], PPY).beta).toBeNaN();
  });

  it('NaN returns are left out: the same answers as without them', () => {
    const withNaN = [NaN, 0.1, -0.05, NaN, 0.02, -0.03, 0.04];
    const a = all(withNaN);
    const b = all(R);
    a.forEach((x, i) => close(x, b[i] as number, 1e-12));
    expect(all([NaN, NaN]).every(Number.isNaN)).toBe(true);
  });

  it('only gains: Sortino and Omega have no downside to divide by', () => {
    expect(sortinoRatio([0.01, 0.02, 0.03], PPY)).toBeNaN();
    expect(omegaRatio([0.01, 0.02, 0.03])).toBeNaN();
  });

  it('step returns start from the initial equity; a step after zero equity is NaN', () => {
    expect(Array.from(stepReturns(100, [100, 110, 0, 5]))).toEqual([0, 110 / 100 - 1, -1, NaN]);
  });
});
