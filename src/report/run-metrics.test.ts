import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MICROS_PER_DAY, MICROS_PER_HOUR, civilFromDays } from '../core/time.js';
import {
  annualReturn,
  annualVolatility,
  calmarRatio,
  conditionalValueAtRisk,
  inferPeriodsPerYear,
  maxDrawdown,
  omegaRatio,
  periodReturns,
  returnsKurtosis,
  returnsSkew,
  rollingSharpeAndVolatility,
  sharpeRatio,
  sortinoRatio,
  stability,
  stepReturns,
  tailRatio,
  valueAtRisk,
  defaultRollingWindow,
} from './metrics.js';
import { partialSort, selectRank } from './order-statistics.js';
import { MetricsScratch, num, runMetrics } from './performance.js';

/** inferPeriodsPerYear as first written: every gap sorted, steps counted per day in a map. */
function periodsPerYearByFullSort(times: readonly number[]): number {
  const n = times.length;
  if (n < 2) return 252;
  const gaps: number[] = [];
  let weekend = false;
  const perDay = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const t = times[i] as number;
    const day = Math.floor(t / MICROS_PER_DAY);
    const dow = (((day + 4) % 7) + 7) % 7;
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

/** The value of `series` at the last step of each UTC month, written step by step. */
function monthEnd(times: readonly number[], series: ArrayLike<number>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (let i = 0; i < times.length; i++) {
    const { year, month } = civilFromDays(Math.floor((times[i] as number) / MICROS_PER_DAY));
    out[`${year}-${String(month).padStart(2, '0')}`] = num(series[i] as number);
  }
  return out;
}

const byPeriod = (times: readonly number[], r: Float64Array, by: 'monthly' | 'yearly'): Record<string, number | null> =>
  Object.fromEntries(periodReturns(times, r, by).map((p) => [p.period, num(p.return)]));

/** Times of a run: steps of a few minutes to a few days, now and then going back (several feeds, hand-made files). */
const times = fc
  .array(fc.oneof(fc.constant(60_000_000), fc.integer({ min: 1, max: 3 * MICROS_PER_DAY }), fc.integer({ min: -MICROS_PER_DAY, max: 0 }), fc.constant(MICROS_PER_DAY)), { maxLength: 400 })
  .chain((steps) => fc.integer({ min: 1_500_000_000_000_000, max: 1_700_000_000_000_000 }).map((start) => steps.map((_, i) => start + steps.slice(0, i + 1).reduce((a, b) => a + b, 0))));

/** Equity: a random walk with flat stretches, and now and then zero, NaN or a jump. */
const equityOf = (n: number): fc.Arbitrary<number[]> =>
  fc.array(fc.oneof({ weight: 6, arbitrary: fc.double({ min: -0.05, max: 0.05, noNaN: true }) }, fc.constant(0), fc.constantFrom(-1, NaN, 3)), { minLength: n, maxLength: n }).map((moves) => {
    let e = 100_000;
    return moves.map((m) => (e = m === -1 ? 0 : Number.isNaN(m) ? NaN : e === 0 || Number.isNaN(e) ? 100_000 : e * (1 + m)));
  });

describe('run metrics', () => {
  it('infer the periods per year exactly as sorting every gap does', () => {
    fc.assert(
      fc.property(times, (ts) => {
        expect(inferPeriodsPerYear(ts)).toBe(periodsPerYearByFullSort(ts));
      }),
      { numRuns: 300 },
    );
  });

  it('infer the periods per year exactly as sorting every gap does when most gaps are one (regular bars), or just half', () => {
    // Runs of one gap with others between: the gap most steps have is the median only when more than half the gaps are it.
    const regular = fc
      .tuple(fc.constantFrom(60_000_000, MICROS_PER_DAY, 3_600_000_000), fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: -MICROS_PER_DAY, max: 3 * MICROS_PER_DAY })), { minLength: 1, maxLength: 300 }))
      .map(([gap, steps]) => {
        let t = 1_600_000_000_000_000;
        return [t, ...steps.map((s) => (t += s === 0 ? gap : s))];
      });
    fc.assert(
      fc.property(regular, (ts) => {
        expect(inferPeriodsPerYear(ts)).toBe(periodsPerYearByFullSort(ts));
      }),
      { numRuns: 500 },
    );
    // Exactly half the gaps one value is no majority: the median is then the upper middle of all of them.
    const half = [0, 60e6, 120e6, 180e6, 180e6 + 3 * MICROS_PER_DAY, 180e6 + 6 * MICROS_PER_DAY, 180e6 + 9 * MICROS_PER_DAY].map((x) => 1_600_000_000_000_000 + x);
    expect(inferPeriodsPerYear(half)).toBe(periodsPerYearByFullSort(half));
  });

  it('are bit for bit the figures of the metric functions one by one', () => {
    // One set of work buffers for every case, as an optimizer's trials use theirs: longer and shorter runs in turn.
    const scratch = new MetricsScratch();
    fc.assert(
      fc.property(
        times.chain((ts) => fc.tuple(fc.constant(ts), equityOf(ts.length), fc.constantFrom(100_000, 0, 50_000))),
        fc.constantFrom(undefined, 4, 252),
        ([ts, equity, initial], forcedPpy) => {
          const ppy = forcedPpy ?? inferPeriodsPerYear(ts);
          const positionValue = equity.map((e, i) => (i % 3 === 0 ? 0 : e / 2));
          const got = runMetrics({ initialCash: initial, time: ts, equity, positionValue, trades: [], tradedNotional: 1e6, periodsPerYear: ppy }, undefined, true, scratch);
          const r = stepReturns(initial, equity);
          const mdd = maxDrawdown(initial, equity);
          const window = defaultRollingWindow(ppy);
          const rolling = rollingSharpeAndVolatility(r, window, ppy);
          const p = got.performance;
          const want = {
            sharpe: sharpeRatio(r, ppy),
            maxDrawdown: mdd,
            annual_return: num(annualReturn(r, ppy)),
            annual_volatility: num(annualVolatility(r, ppy)),
            sortino: num(sortinoRatio(r, ppy)),
            calmar: num(calmarRatio(annualReturn(r, ppy), mdd)),
            omega: num(omegaRatio(r)),
            tail_ratio: num(tailRatio(r)),
            stability: num(stability(r)),
            value_at_risk: num(valueAtRisk(r)),
            conditional_value_at_risk: num(conditionalValueAtRisk(r)),
            skew: num(returnsSkew(r)),
            kurtosis: num(returnsKurtosis(r)),
            rolling_sharpe: monthEnd(ts, rolling.sharpe),
            rolling_volatility: monthEnd(ts, rolling.volatility),
            monthly_returns: byPeriod(ts, r, 'monthly'),
            yearly_returns: byPeriod(ts, r, 'yearly'),
          };
          const have = {
            sharpe: got.sharpe,
            maxDrawdown: got.maxDrawdown,
            ...Object.fromEntries(Object.keys(want).filter((k) => k in p).map((k) => [k, p[k as keyof typeof p]])),
          };
          expect(have).toStrictEqual(want);
          // Key order too: JSON.stringify writes them in insertion order.
          expect(JSON.stringify(have)).toBe(JSON.stringify(want));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('are the same with work buffers used before by a longer run (MetricsScratch) as with none', () => {
    const day = (i: number): number => 1_600_000_000_000_000 + i * MICROS_PER_DAY;
    const run = (n: number, drift: number) => {
      const time = Array.from({ length: n }, (_, i) => day(i));
      const equity = Array.from({ length: n }, (_, i) => 100_000 * (1 + drift * Math.sin(i / 7) + i * 1e-4));
      return { initialCash: 100_000, time, equity, positionValue: equity.map((e) => e / 2), trades: [], tradedNotional: 1e6, periodsPerYear: inferPeriodsPerYear(time) };
    };
    const short = run(300, 0.01);
    const alone = JSON.stringify(runMetrics(short));
    const scratch = new MetricsScratch();
    expect(JSON.stringify(runMetrics(short, undefined, true, scratch))).toBe(alone);
    // A longer run with other values fills the buffers past the short one's length.
    runMetrics(run(5_000, -0.03), undefined, true, scratch);
    expect(JSON.stringify(runMetrics(short, undefined, true, scratch))).toBe(alone);
    expect(scratch.returns.view(1).buffer.byteLength).toBeGreaterThanOrEqual(5_000 * 8);
  });
});

describe('order statistics', () => {
  const values = fc.array(fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -3, max: 3 })), { maxLength: 300 });

  it('selectRank puts the k-th smallest at k, smaller ones before and larger ones after', () => {
    fc.assert(
      fc.property(values, fc.nat(), (xs, seed) => {
        fc.pre(xs.length > 0);
        const a = Float64Array.from(xs);
        const k = seed % xs.length;
        selectRank(a, k);
        const sorted = Float64Array.from(xs).sort();
        expect(a[k]).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]! <= a[k]!).toBe(true);
        for (let i = k + 1; i < a.length; i++) expect(a[i]! >= a[k]!).toBe(true);
        expect(Float64Array.from(a).sort()).toEqual(sorted);
      }),
      { numRuns: 500 },
    );
  });

  it('partialSort orders the prefix and places each rank as a full sort does', () => {
    fc.assert(
      fc.property(values, fc.nat(), fc.array(fc.nat(), { maxLength: 5 }), (xs, p, rs) => {
        const a = Float64Array.from(xs);
        const n = xs.length;
        const prefix = n === 0 ? 0 : p % n;
        const ranks = rs.map((r) => (n === 0 ? 0 : r % n)).sort((x, y) => x - y);
        partialSort(a, prefix, ranks);
        const sorted = Float64Array.from(xs).sort();
        if (n === 0) return;
        expect(a.subarray(0, prefix + 1)).toEqual(sorted.subarray(0, prefix + 1));
        for (const r of ranks) expect(a[r]).toBe(sorted[r]);
      }),
      { numRuns: 500 },
    );
  });

  it('selectRank stays fast on adversarial orders: sorted, reversed, all equal, organ pipe', () => {
    const n = 200_000;
    const shapes = [
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => n - i),
      new Float64Array(n).fill(1),
      Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? i : n - i)),
    ];
    for (const a of shapes) {
      const sorted = Float64Array.from(a).sort();
      selectRank(a, n >> 1);
      expect(a[n >> 1]).toBe(sorted[n >> 1]);
    }
  });
});
