import { describe, expect, it } from 'vitest';
import { MICROS_PER_DAY, parseIsoTime } from '../core/time.js';
import { maxDrawdown } from './metrics.js';
import type { PerformanceInput } from './performance.js';
import { alignBenchmark, computePerformance, num } from './performance.js';

const day = (iso: string): number => (parseIsoTime(iso) as number) + MICROS_PER_DAY - 1;
const days = (start: string, n: number): number[] => Array.from({ length: n }, (_, i) => day(start) + i * MICROS_PER_DAY);

function input(equity: number[], extra: Partial<PerformanceInput> = {}): PerformanceInput {
  return {
    initialCash: 100,
    time: days('2020-01-01', equity.length),
    equity,
    positionValue: equity.map(() => 0),
    trades: [],
    tradedNotional: 0,
    periodsPerYear: 252,
    ...extra,
  };
}

describe('computePerformance', () => {
  it('turns undefined metrics into null: an empty run', () => {
    const p = computePerformance(input([]), 0);
    for (const k of ['annual_return', 'annual_volatility', 'sortino', 'calmar', 'omega', 'tail_ratio', 'stability', 'value_at_risk', 'conditional_value_at_risk', 'skew', 'kurtosis', 'alpha', 'beta', 'win_rate', 'profit_factor', 'sqn', 'exposure_time', 'turnover', 'annual_turnover', 'max_drawdown_duration_days'] as const) {
      expect(p[k], k).toBeNull();
    }
    expect([p.max_drawdown_duration, p.winning_trades, p.longest_losing_streak, p.benchmark_periods]).toEqual([0, 0, 0, 0]);
    expect([p.max_drawdown_peak, p.max_drawdown_trough, p.max_drawdown_recovery, p.benchmark]).toEqual([null, null, null, null]);
    expect(p.monthly_returns).toEqual({});
    expect(JSON.parse(JSON.stringify(p))).toEqual(p); // nothing JSON cannot hold
  });

  it('a flat run: zero return and volatility, ratios null', () => {
    const p = computePerformance(input([100, 100, 100, 100]), 0);
    expect([p.annual_return, p.annual_volatility, p.value_at_risk, p.conditional_value_at_risk, p.exposure_time, p.turnover]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([p.sortino, p.calmar, p.omega, p.tail_ratio, p.stability, p.skew, p.kurtosis]).toEqual([null, null, null, null, null, null, null]);
    expect(p.max_drawdown_duration_days).toBe(0);
    expect(p.monthly_returns).toEqual({ '2020-01': 0 });
    expect(p.rolling_sharpe).toEqual({ '2020-01': null });
  });

  it('a run with a drawdown: dates of peak, trough and recovery, duration in steps and days', () => {
    const eq = [100, 110, 99, 105, 120, 90];
    const p = computePerformance(input(eq, { positionValue: [0, 10, 10, 0, 0, 5], tradedNotional: 210 }), maxDrawdown(100, eq));
    expect(p.max_drawdown_peak).toBe('2020-01-05T23:59:59.999999Z');
    expect(p.max_drawdown_trough).toBe('2020-01-06T23:59:59.999999Z');
    expect(p.max_drawdown_recovery).toBeNull();
    expect([p.max_drawdown_duration, p.max_drawdown_duration_days]).toEqual([3, 3]);
    expect(p.exposure_time).toBe(0.5);
    expect(p.turnover).toBeCloseTo(210 / (624 / 6), 12);
    expect(p.annual_turnover).toBeCloseTo((210 / 104) * (252 / 6), 12);
    expect(p.calmar).toBeCloseTo((p.annual_return as number) / 0.25, 12);
    expect(p.yearly_returns).toEqual({ 2020: expect.closeTo(-0.1, 12) as unknown as number });
  });

  it('trade statistics come from the trades', () => {
    const p = computePerformance(input([100, 101], { trades: [{ netPnl: 3, barsHeld: 2 }, { netPnl: -1, barsHeld: 4 }] }), 0);
    expect([p.winning_trades, p.losing_trades, p.win_rate, p.profit_factor, p.payoff_ratio, p.average_bars_held]).toEqual([1, 1, 0.5, 3, 3, 3]);
  });

  it('num(): finite numbers only', () => {
    expect([num(1), num(NaN), num(Infinity), num(-Infinity)]).toEqual([1, null, null, null]);
  });
});

describe('benchmark alignment', () => {
  it('pairs each step with the benchmark return at the same timestamp (inner join)', () => {
    const t = days('2020-01-01', 5);
    const bench = { symbol: 'B', time: [t[0]! - MICROS_PER_DAY, t[0]!, t[1]!, t[3]!, t[4]!], close: [50, 100, 110, 99, 99] };
    const a = alignBenchmark(t, [0.01, 0.02, 0.03, 0.04, 0.05], bench);
    expect(a.time).toEqual([t[0], t[1], t[3], t[4]]);
    expect(a.returns).toEqual([0.01, 0.02, 0.04, 0.05]);
    expect(a.benchmark).toEqual([100 / 50 - 1, 110 / 100 - 1, 99 / 110 - 1, 0]);
  });

  it('alpha and beta in the metrics; no common timestamps gives nulls', () => {
    const t = days('2020-01-01', 4);
    const closes = [100, 101, 99, 102, 103];
    const bench = { symbol: 'IDX', time: [t[0]! - MICROS_PER_DAY, ...t], close: closes };
    // Equity moving exactly twice the benchmark's returns.
    const eq: number[] = [];
    let e = 100;
    for (let i = 1; i < closes.length; i++) eq.push((e *= 1 + 2 * (closes[i]! / closes[i - 1]! - 1)));
    const p = computePerformance(input(eq, { time: t, benchmark: bench }), 0);
    expect(p.benchmark).toBe('IDX');
    expect(p.benchmark_periods).toBe(4);
    expect(p.beta).toBeCloseTo(2, 10);
    expect(p.alpha).toBeCloseTo(0, 10);
    expect(p.benchmark_return).toBeCloseTo(103 / 100 - 1, 12);
    const off = computePerformance(input(eq, { time: t.map((x) => x - 1000), benchmark: bench }), 0);
    expect([off.alpha, off.beta, off.benchmark_return, off.benchmark_periods]).toEqual([null, null, null, 0]);
  });
});
