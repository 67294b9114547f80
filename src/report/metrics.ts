import { MICROS_PER_DAY, MICROS_PER_HOUR } from '../core/time.js';

/**
 * Periods per year for annualising per-step statistics: trading days per year
 * (252, or 365 when the data trades on weekends) times the median number of
 * steps per day. Daily data gives 252; weekly about 52.
 */
export function inferPeriodsPerYear(times: ArrayLike<number>): number {
  const n = times.length;
  if (n < 2) return 252;
  const gaps: number[] = [];
  let weekend = false;
  const perDay = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const t = times[i] as number;
    const day = Math.floor(t / MICROS_PER_DAY);
    const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4); 0 = Sunday
    if (dow === 0 || dow === 6) weekend = true;
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    if (i > 0) gaps.push(t - (times[i - 1] as number));
  }
  const daysPerYear = weekend ? 365 : 252;
  gaps.sort((a, b) => a - b);
  const medianGap = gaps[gaps.length >> 1] as number;
  if (medianGap >= 20 * MICROS_PER_HOUR) return daysPerYear * (MICROS_PER_DAY / Math.max(medianGap, MICROS_PER_DAY));
  const counts = [...perDay.values()].sort((a, b) => a - b);
  return daysPerYear * (counts[counts.length >> 1] as number);
}

/** Simple returns of an equity series, starting from `initial`. */
export function stepReturns(initial: number, equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(equity.length);
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
