/**
 * Plain statistics on arrays of numbers, written to give the same answers as
 * NumPy and SciPy with the defaults empyrical relies on. Every function
 * returns NaN where the statistic is undefined (too few values, no spread);
 * callers turn NaN into `null` for JSON.
 */

/**
 * The values with NaN left out (as NumPy's nan-functions do); infinities are
 * kept. A Float64Array without NaN is returned as it is (never modified).
 */
export function withoutNaN(xs: ArrayLike<number>): Float64Array {
  let nan = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i] as number)) nan++;
  if (nan === 0 && xs instanceof Float64Array) return xs;
  const out = new Float64Array(xs.length - nan);
  let k = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (!Number.isNaN(x)) out[k++] = x;
  }
  return out;
}

export function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s;
}

/** Arithmetic mean; NaN for no values. */
export function mean(xs: ArrayLike<number>): number {
  return xs.length === 0 ? NaN : sum(xs) / xs.length;
}

/** Variance with `ddof` delta degrees of freedom (two passes); NaN when n - ddof < 1. */
export function variance(xs: ArrayLike<number>, ddof: number): number {
  const n = xs.length;
  if (n - ddof < 1) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] as number) - m;
    ss += d * d;
  }
  return ss / (n - ddof);
}

/** Standard deviation with `ddof` delta degrees of freedom. */
export function std(xs: ArrayLike<number>, ddof: number): number {
  return Math.sqrt(variance(xs, ddof));
}

/** NumPy's linear interpolation between a and b (its `_lerp`, exact at both ends). */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** The q-th percentile (0..100) of values already sorted ascending; see `percentile`. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return lerp(sorted[lo] as number, sorted[hi] as number, pos - lo);
}

/**
 * The q-th percentile (0..100) by linear interpolation between the closest
 * ranks: `numpy.percentile(xs, q)` with its default method. NaN for no values.
 */
export function percentile(xs: ArrayLike<number>, q: number): number {
  return percentileOfSorted(Float64Array.from(xs).sort(), q);
}

/** Central moments m2, m3, m4 (population, divided by n). */
function moments(xs: ArrayLike<number>): { m: number; m2: number; m3: number; m4: number } {
  const n = xs.length;
  const m = mean(xs);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] as number) - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return { m, m2: m2 / n, m3: m3 / n, m4: m4 / n };
}

/** SciPy's test for a sample without spread: m2 <= (eps * mean)^2, eps the float64 machine epsilon. */
function noSpread(m: number, m2: number): boolean {
  return m2 <= (Number.EPSILON * m) ** 2;
}

/** Sample skewness, biased: m3 / m2^1.5 (`scipy.stats.skew` defaults). NaN without spread. */
export function skewness(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  const { m, m2, m3 } = moments(xs);
  if (noSpread(m, m2)) return NaN;
  return m3 / m2 ** 1.5;
}

/** Excess kurtosis, biased: m4 / m2^2 - 3 (`scipy.stats.kurtosis` defaults). NaN without spread. */
export function excessKurtosis(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  const { m, m2, m4 } = moments(xs);
  if (noSpread(m, m2)) return NaN;
  return m4 / (m2 * m2) - 3;
}

/**
 * Pearson correlation of y against its index 0..n-1: the r of
 * `scipy.stats.linregress(arange(n), y)`. NaN for fewer than two points or
 * when y (or x) has no spread, as current SciPy gives.
 */
export function correlationWithIndex(y: ArrayLike<number>): number {
  const n = y.length;
  if (n < 2) return NaN;
  const mx = (n - 1) / 2;
  const my = mean(y);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = i - mx;
    const dy = (y[i] as number) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const den = Math.sqrt(sxx * syy);
  if (!(den > 0)) return NaN;
  return Math.max(-1, Math.min(1, sxy / den));
}
