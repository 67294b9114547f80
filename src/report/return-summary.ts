import type { ScratchFloat64 } from '../core/growable.js';
import { partialSort, selectRank } from './order-statistics.js';
import { conditionalValueAtRiskOfSorted, tailRatioOfSorted } from './metrics.js';
import { percentileOfSorted } from './stats.js';

/**
 * The return metrics of docs/metrics.md that a run's summary needs, from two
 * passes over the returns instead of one or more per metric. Each figure is
 * bit for bit what its own function in metrics.ts gives (annualReturn,
 * annualVolatility, sharpeRatio, sortinoRatio, omegaRatio, stability,
 * returnsSkew, returnsKurtosis): the same sums in the same order.
 */
export interface ReturnSummary {
  /** Returns that are not NaN. */
  readonly count: number;
  readonly annualReturn: number;
  readonly annualVolatility: number;
  readonly sharpe: number;
  readonly sortino: number;
  readonly omega: number;
  readonly stability: number;
  readonly skew: number;
  readonly kurtosis: number;
}

/** `scratch`: where the cumulative log returns go (a buffer used again by the caller's next call), else a new array. */
export function summarizeReturns(returns: ArrayLike<number>, periodsPerYear: number, scratch?: ScratchFloat64): ReturnSummary {
  const len = returns.length;
  // Pass 1: sums, the compounded growth, Welford's mean and spread (Sharpe), and the cumulative log returns.
  let n = 0;
  let sum = 0;
  let growth = 1;
  let downside = 0;
  let gains = 0;
  let losses = 0;
  let wMean = 0;
  let wM2 = 0;
  const cum = scratch !== undefined ? scratch.view(len) : new Float64Array(len);
  let acc = 0;
  let cumSum = 0;
  for (let i = 0; i < len; i++) {
    const r = returns[i] as number;
    if (r !== r) continue;
    n++;
    sum += r;
    growth *= 1 + r;
    if (r < 0) {
      downside += r * r;
      losses -= r;
    } else if (r > 0) gains += r;
    const d = r - wMean;
    wMean += d / n;
    wM2 += d * (r - wMean);
    // log1p(0) is 0: a flat period (most of them, for a strategy out of the market) costs no logarithm.
    if (r !== 0) acc += Math.log1p(r);
    cum[n - 1] = acc;
    cumSum += acc;
  }
  // Pass 2: central moments (m2 is also the variance's sum of squares) and the stability regression.
  const mean = sum / n;
  const cumMean = cumSum / n;
  const mx = (n - 1) / 2;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let k = 0;
  for (let i = 0; i < len; i++) {
    const r = returns[i] as number;
    if (r !== r) continue;
    const d = r - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    const dx = k - mx;
    const dy = (cum[k] as number) - cumMean;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
    k++;
  }
  const ppy = periodsPerYear;
  const annualReturn = n === 0 ? NaN : (1 + (growth - 1)) ** (1 / (n / ppy)) - 1;
  const annualVolatility = n < 2 ? NaN : Math.sqrt(m2 / (n - 1)) * ppy ** 0.5;
  let sharpe = NaN;
  if (n >= 2) {
    const sd = Math.sqrt(wM2 / (n - 1));
    if (sd > 0) sharpe = (wMean / sd) * Math.sqrt(ppy);
  }
  let sortino = NaN;
  if (n >= 2) {
    const dr = Math.sqrt(downside / n) * Math.sqrt(ppy);
    if (dr > 0) sortino = (mean * ppy) / dr;
  }
  const omega = n >= 2 && losses > 0 ? gains / losses : NaN;
  let stability = NaN;
  if (n >= 2) {
    const den = Math.sqrt(sxx * syy);
    if (den > 0) {
      const rho = Math.max(-1, Math.min(1, sxy / den));
      stability = rho * rho;
    }
  }
  let skew = NaN;
  let kurtosis = NaN;
  if (n > 0) {
    const c2 = m2 / n;
    // SciPy's test for a sample without spread (stats.ts, noSpread).
    if (!(c2 <= (Number.EPSILON * mean) ** 2)) {
      skew = m3 / n / c2 ** 1.5;
      kurtosis = m4 / n / (c2 * c2) - 3;
    }
  }
  return { count: n, annualReturn, annualVolatility, sharpe, sortino, omega, stability, skew, kurtosis };
}

/** Value at risk (5th percentile), conditional value at risk (5%) and the tail ratio, as metrics.ts defines them. */
export interface ReturnQuantiles {
  readonly valueAtRisk: number;
  readonly conditionalValueAtRisk: number;
  readonly tailRatio: number;
}

/**
 * The quantile metrics of the returns, with partial sorts instead of a full
 * one: only the ranks the percentiles read and the tail the conditional
 * value at risk averages are put in order. When a quarter or more are zeros
 * (a strategy often out of the market), the values are first split into
 * negatives, zeros and positives (one pass): a rank then only needs its own
 * block, and the zeros need no ordering at all. `scratch` is used up: its values are
 * moved about (NaN returns left out).
 */
export function returnQuantiles(scratch: Float64Array): ReturnQuantiles {
  let n = 0;
  let zeros = 0;
  for (let i = 0; i < scratch.length; i++) {
    const r = scratch[i] as number;
    if (r === r) scratch[n++] = r;
    if (r === 0) zeros++;
  }
  const a = scratch.subarray(0, n);
  const ranks: number[] = [];
  for (const q of [5, 95]) {
    const lo = Math.floor((q / 100) * (n - 1));
    ranks.push(lo, Math.min(lo + 1, n - 1));
  }
  ranks.sort((x, y) => x - y);
  const prefix = Math.floor((n - 1) * 0.05);
  // Splitting by sign pays when zeros are many; otherwise it is one more pass.
  if (zeros * 4 >= n) partialSortInBlocks(a, partitionBySign(a), prefix, ranks);
  else partialSort(a, prefix, ranks);
  return { valueAtRisk: percentileOfSorted(a, 5), conditionalValueAtRisk: conditionalValueAtRiskOfSorted(a), tailRatio: tailRatioOfSorted(a) };
}

/**
 * Moves the negative values to the front and the positive ones to the back
 * (three-way partition, zeros between); returns where the zeros start and
 * where the positives start.
 */
function partitionBySign(a: Float64Array): [number, number] {
  let lt = 0;
  let i = 0;
  let gt = a.length;
  while (i < gt) {
    const x = a[i] as number;
    if (x < 0) {
      a[i++] = a[lt] as number;
      a[lt++] = x;
    } else if (x > 0) {
      a[i] = a[--gt] as number;
      a[gt] = x;
    } else i++;
  }
  return [lt, gt];
}

/**
 * partialSort (order-statistics.ts) over an array already split by sign:
 * negatives before `bounds[0]`, zeros up to `bounds[1]`, positives after.
 * Each selection and sort stays inside the block of its rank; the zeros, all
 * equal, need no order.
 */
function partialSortInBlocks(a: Float64Array, bounds: readonly [number, number], prefix: number, ranks: readonly number[]): void {
  const n = a.length;
  if (n === 0) return;
  const [zeros, positives] = bounds;
  const p = Math.min(prefix, n - 1);
  // a[0..p] in order: the blocks below p's sorted (zeros need none), then p's own block up to p.
  if (p >= zeros) a.subarray(0, zeros).sort();
  if (p < zeros || p >= positives) {
    const lo = p < zeros ? 0 : positives;
    selectRank(a, p, lo, (p < zeros ? zeros : n) - 1);
    a.subarray(lo, p).sort();
  }
  let done = p;
  for (const r of ranks) {
    if (r <= done || r >= n) continue;
    // A zero's rank holds a zero already; a rank among the negatives or positives is selected within its block.
    if (r < zeros) selectRank(a, r, done + 1, zeros - 1);
    else if (r >= positives) selectRank(a, r, Math.max(positives, done + 1), n - 1);
    done = r;
  }
}
