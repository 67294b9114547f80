import { MICROS_PER_DAY, MICROS_PER_HOUR, civilFromDays } from '../core/time.js';
import { selectRank } from './order-statistics.js';
import { correlationWithIndex, excessKurtosis, mean, percentileOfSorted, skewness, std, withoutNaN } from './stats.js';

/**
 * Periods per year for annualising per-step statistics: trading days per year
 * (252, or 365 when the data trades on weekends) times the median number of
 * steps per day. Daily data gives 252; weekly about 52.
 */
export function inferPeriodsPerYear(times: ArrayLike<number>): number {
  const n = times.length;
  if (n < 2) return 252;
  // The median gap: the gap most steps have when more than half do (regular bars: found by a majority vote and a count,
  // without a copy of the gaps), else selected from all of them.
  let candidate = NaN;
  let votes = 0;
  let weekend = false;
  // Steps per day: runs of one day while the times go forward, else counted per day.
  const counts: number[] = [];
  let perDay: Map<number, number> | undefined;
  let day = NaN;
  let run = 0;
  for (let i = 0; i < n; i++) {
    const t = times[i] as number;
    if (i > 0) {
      const gap = t - (times[i - 1] as number);
      if (votes === 0) {
        candidate = gap;
        votes = 1;
      } else votes += gap === candidate ? 1 : -1;
    }
    const d = Math.floor(t / MICROS_PER_DAY);
    if (d === day) {
      run++;
      continue;
    }
    const dow = (((d + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4); 0 = Sunday
    if (dow === 0 || dow === 6) weekend = true;
    if (perDay === undefined && d < day) perDay = new Map(); // out of order: a day may come back
    if (run > 0) counts.push(run);
    day = d;
    run = 1;
  }
  counts.push(run);
  const daysPerYear = weekend ? 365 : 252;
  const medianGap = majorityGap(times, candidate) ?? medianGapOf(times);
  if (medianGap >= 20 * MICROS_PER_HOUR) return daysPerYear * (MICROS_PER_DAY / Math.max(medianGap, MICROS_PER_DAY));
  let perDayCounts = counts;
  if (perDay !== undefined) {
    for (let i = 0; i < n; i++) {
      const d = Math.floor((times[i] as number) / MICROS_PER_DAY);
      perDay.set(d, (perDay.get(d) ?? 0) + 1);
    }
    perDayCounts = Array.from(perDay.values());
  }
  perDayCounts.sort((a, b) => a - b);
  return daysPerYear * (perDayCounts[perDayCounts.length >> 1] as number);
}

/**
 * `candidate` when more than half the gaps between `times` are it (it is
 * then their median: sorted, its run covers the middle), else undefined.
 */
function majorityGap(times: ArrayLike<number>, candidate: number): number | undefined {
  const gaps = times.length - 1;
  let count = 0;
  for (let i = 1; i <= gaps; i++) if ((times[i] as number) - (times[i - 1] as number) === candidate) count++;
  return 2 * count > gaps ? candidate : undefined;
}

/** The median (upper middle) of the gaps between `times`. */
function medianGapOf(times: ArrayLike<number>): number {
  const gaps = new Float64Array(times.length - 1);
  for (let i = 0; i < gaps.length; i++) gaps[i] = (times[i + 1] as number) - (times[i] as number);
  const half = gaps.length >> 1;
  selectRank(gaps, half);
  return gaps[half] as number;
}

/** Simple returns of an equity series, starting from `initial` (into `out`, of the series' length, when given). */
export function stepReturns(initial: number, equity: ArrayLike<number>, out: Float64Array = new Float64Array(equity.length)): Float64Array {
  let prev = initial;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i] as number;
    out[i] = prev === 0 ? NaN : e / prev - 1;
    prev = e;
  }
  return out;
}

/**
 * Annualised Sharpe ratio (risk-free rate 0): mean / std (ddof = 1) of the
 * step returns times sqrt(periods per year). NaN when undefined (fewer than
 * two returns, or no variation).
 */
export function sharpeRatio(returns: ArrayLike<number>, periodsPerYear: number): number {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] as number;
    if (Number.isNaN(r)) continue;
    n++;
    const d = r - mean;
    mean += d / n;
    m2 += d * (r - mean);
  }
  if (n < 2) return NaN;
  const std = Math.sqrt(m2 / (n - 1));
  if (!(std > 0)) return NaN;
  return (mean / std) * Math.sqrt(periodsPerYear);
}

/** Largest peak-to-trough fall as a negative fraction (0 when equity never fell). */
export function maxDrawdown(initial: number, equity: ArrayLike<number>): number {
  let peak = initial;
  let worst = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i] as number;
    if (e > peak) peak = e;
    if (peak > 0) {
      const dd = e / peak - 1;
      if (dd < worst) worst = dd;
    }
  }
  return worst;
}

// ---------------------------------------------------------------------------
// Return metrics with empyrical's conventions (docs/metrics.md). Each takes
// simple returns, leaves NaN returns out, and gives NaN when undefined.
// ---------------------------------------------------------------------------

/** Compounded return of the whole series: prod(1 + r) - 1 (0 for no returns). */
export function cumulativeReturn(returns: ArrayLike<number>): number {
  let w = 1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] as number;
    if (!Number.isNaN(r)) w *= 1 + r;
  }
  return w - 1;
}

/**
 * Compound annual growth rate: (1 + total)^(1 / years) - 1 with
 * years = n / periodsPerYear (empyrical's `annual_return`).
 */
export function annualReturn(returns: ArrayLike<number>, periodsPerYear: number): number {
  const r = withoutNaN(returns);
  if (r.length === 0) return NaN;
  const years = r.length / periodsPerYear;
  return (1 + cumulativeReturn(r)) ** (1 / years) - 1;
}

/** Annualised volatility: std (ddof = 1) * sqrt(periods per year). NaN for fewer than two returns. */
export function annualVolatility(returns: ArrayLike<number>, periodsPerYear: number): number {
  const r = withoutNaN(returns);
  if (r.length < 2) return NaN;
  return std(r, 1) * periodsPerYear ** 0.5;
}

/**
 * Annualised downside deviation below 0: sqrt(mean(min(r, 0)^2)) over all
 * returns (not only the negative ones) * sqrt(periods per year).
 */
export function downsideRisk(returns: ArrayLike<number>, periodsPerYear: number): number {
  const r = withoutNaN(returns);
  if (r.length === 0) return NaN;
  let ss = 0;
  for (const x of r) if (x < 0) ss += x * x;
  return Math.sqrt(ss / r.length) * Math.sqrt(periodsPerYear);
}

/**
 * Sortino ratio (required return 0): mean * periodsPerYear / downside risk.
 * NaN for fewer than two returns or no downside (empyrical gives +inf there).
 */
export function sortinoRatio(returns: ArrayLike<number>, periodsPerYear: number): number {
  const r = withoutNaN(returns);
  if (r.length < 2) return NaN;
  const dr = downsideRisk(r, periodsPerYear);
  if (!(dr > 0)) return NaN;
  return (mean(r) * periodsPerYear) / dr;
}

/** Calmar ratio: annual return / |max drawdown|; NaN when there was no drawdown. */
export function calmarRatio(annualRet: number, maxDrawdownFraction: number): number {
  if (!(maxDrawdownFraction < 0)) return NaN;
  const c = annualRet / Math.abs(maxDrawdownFraction);
  return Number.isFinite(c) ? c : NaN;
}

/** Omega ratio at threshold 0: sum of gains / sum of losses. NaN for fewer than two returns or no losses. */
export function omegaRatio(returns: ArrayLike<number>): number {
  const r = withoutNaN(returns);
  if (r.length < 2) return NaN;
  let gains = 0;
  let losses = 0;
  for (const x of r) {
    if (x > 0) gains += x;
    else if (x < 0) losses -= x;
  }
  return losses > 0 ? gains / losses : NaN;
}

/** Tail ratio: |95th percentile| / |5th percentile| of the returns. NaN when the 5th percentile is 0. */
export function tailRatio(returns: ArrayLike<number>): number {
  return tailRatioOfSorted(sortedReturns(returns));
}

/** `tailRatio` of returns without NaN, sorted ascending. */
export function tailRatioOfSorted(sorted: ArrayLike<number>): number {
  if (sorted.length === 0) return NaN;
  const t = Math.abs(percentileOfSorted(sorted, 95)) / Math.abs(percentileOfSorted(sorted, 5));
  return Number.isFinite(t) ? t : NaN;
}

/**
 * Stability: R^2 of a least-squares line through the cumulative log returns
 * (cumsum(log1p(r)) against 0..n-1). NaN for fewer than two returns or a flat curve.
 */
export function stability(returns: ArrayLike<number>): number {
  const r = withoutNaN(returns);
  if (r.length < 2) return NaN;
  const cum = new Float64Array(r.length);
  let acc = 0;
  for (let i = 0; i < r.length; i++) {
    acc += Math.log1p(r[i] as number);
    cum[i] = acc;
  }
  const rho = correlationWithIndex(cum);
  return rho * rho;
}

/** The returns without NaN, sorted ascending (a copy). */
export function sortedReturns(returns: ArrayLike<number>): Float64Array {
  return Float64Array.from(withoutNaN(returns)).sort();
}

/** Historical value at risk: the `cutoff` quantile of the returns (a loss is negative). */
export function valueAtRisk(returns: ArrayLike<number>, cutoff = 0.05): number {
  return percentileOfSorted(sortedReturns(returns), 100 * cutoff);
}

/**
 * Conditional value at risk (expected shortfall): the mean of the
 * floor((n - 1) * cutoff) + 1 smallest returns (empyrical's rule).
 */
export function conditionalValueAtRisk(returns: ArrayLike<number>, cutoff = 0.05): number {
  return conditionalValueAtRiskOfSorted(sortedReturns(returns), cutoff);
}

/** `conditionalValueAtRisk` of returns without NaN, sorted ascending. */
export function conditionalValueAtRiskOfSorted(sorted: Float64Array, cutoff = 0.05): number {
  if (sorted.length === 0) return NaN;
  const k = Math.floor((sorted.length - 1) * cutoff);
  return mean(sorted.subarray(0, k + 1));
}

/** Skewness of the returns (biased, as scipy.stats.skew). */
export function returnsSkew(returns: ArrayLike<number>): number {
  return skewness(withoutNaN(returns));
}

/** Excess kurtosis of the returns (biased, Fisher, as scipy.stats.kurtosis). */
export function returnsKurtosis(returns: ArrayLike<number>): number {
  return excessKurtosis(withoutNaN(returns));
}

/**
 * Alpha and beta against benchmark returns of the same periods (pairs with a
 * NaN on either side are left out): beta = cov(r, b) / var(b) (population
 * moments), alpha = (1 + mean(r - beta * b))^periodsPerYear - 1, annualised
 * by compounding as empyrical does. NaN for fewer than two pairs or a
 * benchmark without variance.
 */
export function alphaBeta(returns: ArrayLike<number>, benchmark: ArrayLike<number>, periodsPerYear: number): { alpha: number; beta: number } {
  const r: number[] = [];
  const b: number[] = [];
  const n = Math.min(returns.length, benchmark.length);
  for (let i = 0; i < n; i++) {
    const x = returns[i] as number;
    const y = benchmark[i] as number;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    r.push(x);
    b.push(y);
  }
  if (r.length < 2) return { alpha: NaN, beta: NaN };
  const mb = mean(b);
  let cov = 0;
  let vb = 0;
  for (let i = 0; i < r.length; i++) {
    const d = (b[i] as number) - mb;
    cov += d * (r[i] as number);
    vb += d * d;
  }
  cov /= r.length;
  vb /= r.length;
  if (!(vb >= 1e-30)) return { alpha: NaN, beta: NaN };
  const beta = cov / vb;
  let excess = 0;
  for (let i = 0; i < r.length; i++) excess += (r[i] as number) - beta * (b[i] as number);
  const alpha = (1 + excess / r.length) ** periodsPerYear - 1;
  return { alpha, beta };
}

/** The drawdown at each step: equity / running peak - 1 (the peak starts at the initial equity). */
export function drawdownSeries(initial: number, equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = initial;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i] as number;
    if (e > peak) peak = e;
    out[i] = peak > 0 ? e / peak - 1 : 0;
  }
  return out;
}

/** The deepest drawdown and the longest one, as step indexes into the equity curve. */
export interface DrawdownInfo {
  /** Deepest fall, a negative fraction (0 when equity never fell). */
  readonly maxDrawdown: number;
  /** Step of the peak before the deepest fall (-1: the initial equity, before the first step). */
  readonly peak: number;
  /** Step of its trough (-1 when there was no fall). */
  readonly trough: number;
  /** First step back at or above that peak (-1 when it never recovered). */
  readonly recovery: number;
  /**
   * Longest time under water, in steps: from a peak to the step that regains
   * it, or to the last step when it never does (0 when equity never fell).
   */
  readonly longestDuration: number;
  /** Peak step and end step of that longest spell. */
  readonly longestStart: number;
  readonly longestEnd: number;
}

export function drawdownInfo(initial: number, equity: ArrayLike<number>): DrawdownInfo {
  const n = equity.length;
  let peakValue = initial;
  let peakAt = -1;
  let worst = 0;
  let worstPeak = -1;
  let worstTrough = -1;
  let longest = 0;
  let longestStart = -1;
  let longestEnd = -1;
  let under = false;
  for (let i = 0; i < n; i++) {
    const e = equity[i] as number;
    if (e >= peakValue) {
      if (under) {
        const d = i - peakAt;
        if (d > longest) [longest, longestStart, longestEnd] = [d, peakAt, i];
        under = false;
      }
      peakValue = e;
      peakAt = i;
      continue;
    }
    under = true;
    const dd = peakValue > 0 ? e / peakValue - 1 : 0;
    if (dd < worst) [worst, worstPeak, worstTrough] = [dd, peakAt, i];
  }
  if (under) {
    const d = n - 1 - peakAt;
    if (d > longest) [longest, longestStart, longestEnd] = [d, peakAt, n - 1];
  }
  let recovery = -1;
  if (worstTrough >= 0) {
    const level = worstPeak < 0 ? initial : (equity[worstPeak] as number);
    for (let i = worstTrough + 1; i < n; i++) {
      if ((equity[i] as number) >= level) {
        recovery = i;
        break;
      }
    }
  }
  return { maxDrawdown: worst, peak: worstTrough >= 0 ? worstPeak : -1, trough: worstTrough, recovery, longestDuration: longest, longestStart, longestEnd };
}

/**
 * Rolling annualised Sharpe ratio and volatility over a trailing window of
 * `window` returns, in one pass: NaN until the window is full or when a
 * return in it is NaN. Running sums are recomputed from the window every
 * `window` steps so rounding cannot drift; a window of zero returns (flat
 * equity) is recognised exactly (volatility 0, Sharpe NaN), and a spread
 * below 1e-10 of the mean is rounding, not variation (Sharpe NaN).
 */
export function rollingSharpeAndVolatility(returns: ArrayLike<number>, window: number, periodsPerYear: number): { sharpe: Float64Array; volatility: Float64Array } {
  const n = returns.length;
  const sharpe = new Float64Array(n).fill(NaN);
  const volatility = new Float64Array(n).fill(NaN);
  rollingInto(returns, window, periodsPerYear, null, sharpe, volatility);
  return { sharpe, volatility };
}

/**
 * rollingSharpeAndVolatility's values at the given steps only (ascending):
 * `sharpe[j]` and `volatility[j]` are those of step `at[j]`. No array as
 * long as the returns.
 */
export function rollingSharpeAndVolatilityAt(
  returns: ArrayLike<number>,
  window: number,
  periodsPerYear: number,
  at: ArrayLike<number>,
): { sharpe: Float64Array; volatility: Float64Array } {
  const sharpe = new Float64Array(at.length).fill(NaN);
  const volatility = new Float64Array(at.length).fill(NaN);
  rollingInto(returns, window, periodsPerYear, at, sharpe, volatility);
  return { sharpe, volatility };
}

/** The rolling statistics of every step (`at` null), or of the steps in `at` (ascending), into arrays filled with NaN. */
function rollingInto(returns: ArrayLike<number>, window: number, periodsPerYear: number, at: ArrayLike<number> | null, sharpe: Float64Array, volatility: Float64Array): void {
  const n = returns.length;
  if (window < 2 || n < window) return;
  const k = Math.sqrt(periodsPerYear);
  let s = 0;
  let ss = 0;
  let nans = 0;
  let nonZero = 0;
  let next = 0;
  const wanted = at === null ? 0 : at.length;
  for (let i = 0; i < n; i++) {
    const x = returns[i] as number;
    if (Number.isNaN(x)) nans++;
    else {
      if (x !== 0) nonZero++;
      s += x;
      ss += x * x;
    }
    if (i >= window) {
      const y = returns[i - window] as number;
      if (Number.isNaN(y)) nans--;
      else {
        if (y !== 0) nonZero--;
        s -= y;
        ss -= y * y;
      }
    }
    if (i < window - 1) continue;
    if ((i - window + 1) % window === 0) {
      s = 0;
      ss = 0;
      for (let j = i - window + 1; j <= i; j++) {
        const z = returns[j] as number;
        if (!Number.isNaN(z)) {
          s += z;
          ss += z * z;
        }
      }
    }
    let slot = i;
    if (at !== null) {
      while (next < wanted && (at[next] as number) < i) next++;
      if (next >= wanted) return;
      if ((at[next] as number) !== i) continue;
      slot = next;
    }
    if (nans > 0) continue;
    if (nonZero === 0) {
      volatility[slot] = 0;
      continue;
    }
    const m = s / window;
    const sd = Math.sqrt(Math.max(0, (ss - s * m) / (window - 1)));
    volatility[slot] = sd * k;
    if (sd > 1e-10 * Math.abs(m)) sharpe[slot] = (m / sd) * k;
  }
}

/** Rolling annualised volatility: std (ddof = 1) of the last `window` returns * sqrt(periods per year). */
export function rollingVolatility(returns: ArrayLike<number>, window: number, periodsPerYear: number): Float64Array {
  return rollingSharpeAndVolatility(returns, window, periodsPerYear).volatility;
}

/** Rolling annualised Sharpe ratio of the last `window` returns (NaN without variation). */
export function rollingSharpe(returns: ArrayLike<number>, window: number, periodsPerYear: number): Float64Array {
  return rollingSharpeAndVolatility(returns, window, periodsPerYear).sharpe;
}

/** Default rolling window: half a year of periods (126 for daily data), at least 2. */
export function defaultRollingWindow(periodsPerYear: number): number {
  return Math.max(2, Math.round(periodsPerYear / 2));
}

/** Compounded return of each calendar period (UTC), in time order. */
export interface PeriodReturn {
  /** "YYYY" for years, "YYYY-MM" for months. */
  readonly period: string;
  readonly year: number;
  /** 1-12 for months; 0 for years. */
  readonly month: number;
  readonly return: number;
}

/**
 * Returns compounded within each UTC calendar month (`monthly`) or year
 * (`yearly`): prod(1 + r) - 1 over the returns stamped in it (empyrical's
 * `aggregate_returns`). NaN returns are left out.
 */
export function periodReturns(times: ArrayLike<number>, returns: ArrayLike<number>, by: 'monthly' | 'yearly'): PeriodReturn[] {
  const out: PeriodReturn[] = [];
  let key = '';
  let year = 0;
  let month = 0;
  let w = 1;
  const flush = (): void => {
    if (key !== '') out.push({ period: key, year, month, return: w - 1 });
  };
  let lastDay = NaN;
  let k = '';
  let y = 0;
  let m = 0;
  for (let i = 0; i < Math.min(times.length, returns.length); i++) {
    const dayNumber = Math.floor((times[i] as number) / MICROS_PER_DAY);
    if (dayNumber !== lastDay) {
      // Steps are in time order: the calendar only needs working out once a day.
      lastDay = dayNumber;
      ({ year: y, month: m } = civilFromDays(dayNumber));
      k = by === 'monthly' ? `${y}-${String(m).padStart(2, '0')}` : String(y);
    }
    if (k !== key) {
      flush();
      key = k;
      year = y;
      month = by === 'monthly' ? m : 0;
      w = 1;
    }
    const r = returns[i] as number;
    if (!Number.isNaN(r)) w *= 1 + r;
  }
  flush();
  return out;
}
