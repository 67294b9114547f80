import { MICROS_PER_DAY, civilFromDays } from '../core/time.js';
import { formatTime } from './format.js';
import {
  alphaBeta,
  annualReturn,
  annualVolatility,
  calmarRatio,
  conditionalValueAtRiskOfSorted,
  cumulativeReturn,
  defaultRollingWindow,
  drawdownInfo,
  omegaRatio,
  periodReturns,
  returnsKurtosis,
  returnsSkew,
  rollingSharpeAndVolatility,
  sortedReturns,
  sortinoRatio,
  stability,
  stepReturns,
  tailRatioOfSorted,
} from './metrics.js';
import { percentileOfSorted } from './stats.js';
import type { TradeOutcome } from './trade-metrics.js';
import { exposureTime, tradeStats, turnover } from './trade-metrics.js';

/** A price series (a benchmark): closes at increasing times. */
export interface PriceSeries {
  readonly symbol: string;
  readonly time: ArrayLike<number>;
  readonly close: ArrayLike<number>;
}

/** Everything the metrics are computed from: the equity curve, the closed trades, the traded notional. */
export interface PerformanceInput {
  readonly initialCash: number;
  /** One row per time step (µs UTC), as in equity.csv. */
  readonly time: ArrayLike<number>;
  readonly equity: ArrayLike<number>;
  readonly positionValue: ArrayLike<number>;
  readonly trades: readonly TradeOutcome[];
  /** Sum of |quantity x fill price| over all fills. */
  readonly tradedNotional: number;
  readonly periodsPerYear: number;
  readonly benchmark?: PriceSeries | undefined;
}

/** JSON number: null where the metric is undefined (NaN or infinite). */
export type Num = number | null;

/** The performance metrics, with the snake_case keys they have in summary.json (docs/metrics.md). */
export interface PerformanceMetrics {
  readonly annual_return: Num;
  readonly annual_volatility: Num;
  readonly sortino: Num;
  readonly calmar: Num;
  readonly omega: Num;
  readonly tail_ratio: Num;
  readonly stability: Num;
  /** Longest time under water, in time steps. */
  readonly max_drawdown_duration: number;
  /** The same spell in calendar days. */
  readonly max_drawdown_duration_days: Num;
  /** Peak, trough and recovery times of the deepest drawdown (null when none / not recovered). */
  readonly max_drawdown_peak: string | null;
  readonly max_drawdown_trough: string | null;
  readonly max_drawdown_recovery: string | null;
  readonly value_at_risk: Num;
  readonly conditional_value_at_risk: Num;
  readonly skew: Num;
  readonly kurtosis: Num;
  /** The benchmark's symbol, or null without one. */
  readonly benchmark: string | null;
  /** Time steps the run and the benchmark have in common (the returns alpha and beta use). */
  readonly benchmark_periods: number;
  /** The benchmark's compounded return over those steps. */
  readonly benchmark_return: Num;
  readonly alpha: Num;
  readonly beta: Num;
  /** Window of the rolling statistics, in time steps: half a year of them (the report labels it "6 months"). */
  readonly rolling_window: number;
  /** Rolling Sharpe ratio and volatility at the last step of each month, by "YYYY-MM". */
  readonly rolling_sharpe: Readonly<Record<string, Num>>;
  readonly rolling_volatility: Readonly<Record<string, Num>>;
  readonly monthly_returns: Readonly<Record<string, Num>>;
  readonly yearly_returns: Readonly<Record<string, Num>>;
  readonly winning_trades: number;
  readonly losing_trades: number;
  readonly win_rate: Num;
  readonly profit_factor: Num;
  readonly expectancy: Num;
  readonly average_win: Num;
  readonly average_loss: Num;
  readonly payoff_ratio: Num;
  readonly sqn: Num;
  readonly largest_win: Num;
  readonly largest_loss: Num;
  readonly longest_winning_streak: number;
  readonly longest_losing_streak: number;
  readonly average_bars_held: Num;
  readonly exposure_time: Num;
  readonly turnover: Num;
  readonly annual_turnover: Num;
}

/** A finite number, or null. */
export function num(x: number): Num {
  return Number.isFinite(x) ? x : null;
}

/**
 * Benchmark returns matched to the run's time steps: the benchmark's
 * close-to-close return at each of its times that is also a step of the
 * run (an inner join on exact timestamps, as empyrical aligns series).
 */
export function alignBenchmark(
  times: ArrayLike<number>,
  returns: ArrayLike<number>,
  benchmark: PriceSeries,
): { time: number[]; returns: number[]; benchmark: number[] } {
  const out = { time: [] as number[], returns: [] as number[], benchmark: [] as number[] };
  let j = 1;
  for (let i = 0; i < times.length; i++) {
    const t = times[i] as number;
    while (j < benchmark.time.length && (benchmark.time[j] as number) < t) j++;
    if (j >= benchmark.time.length) break;
    if ((benchmark.time[j] as number) !== t) continue;
    const prev = benchmark.close[j - 1] as number;
    out.time.push(t);
    out.returns.push(returns[i] as number);
    out.benchmark.push(prev === 0 ? NaN : (benchmark.close[j] as number) / prev - 1);
  }
  return out;
}

/** The value of `series` at the last step of each UTC month, keyed "YYYY-MM". */
function monthEnd(times: ArrayLike<number>, series: ArrayLike<number>): Record<string, Num> {
  const out: Record<string, Num> = {};
  let lastDay = NaN;
  let key = '';
  for (let i = 0; i < times.length; i++) {
    const dayNumber = Math.floor((times[i] as number) / MICROS_PER_DAY);
    if (dayNumber !== lastDay) {
      lastDay = dayNumber;
      const { year, month } = civilFromDays(dayNumber);
      key = `${year}-${String(month).padStart(2, '0')}`;
    }
    out[key] = num(series[i] as number);
  }
  return out;
}

function byPeriod(times: ArrayLike<number>, returns: ArrayLike<number>, by: 'monthly' | 'yearly'): Record<string, Num> {
  const out: Record<string, Num> = {};
  for (const p of periodReturns(times, returns, by)) out[p.period] = num(p.return);
  return out;
}

/** Computes every performance metric of a run (docs/metrics.md). */
export function computePerformance(input: PerformanceInput, maxDrawdownFraction: number): PerformanceMetrics {
  const { time, equity, periodsPerYear: ppy } = input;
  const n = equity.length;
  const returns = stepReturns(input.initialCash, equity);
  const sorted = sortedReturns(returns);
  const annual = annualReturn(returns, ppy);
  const dd = drawdownInfo(input.initialCash, equity);
  const at = (i: number): string | null => (i >= 0 && i < n ? formatTime(time[i] as number) : null);
  const window = defaultRollingWindow(ppy);
  const rolling = rollingSharpeAndVolatility(returns, window, ppy);
  let alpha = NaN;
  let beta = NaN;
  let benchPeriods = 0;
  let benchReturn = NaN;
  if (input.benchmark !== undefined) {
    const aligned = alignBenchmark(time, returns, input.benchmark);
    ({ alpha, beta } = alphaBeta(aligned.returns, aligned.benchmark, ppy));
    benchPeriods = aligned.time.length;
    if (benchPeriods > 0) benchReturn = cumulativeReturn(aligned.benchmark);
  }
  const ts = tradeStats(input.trades);
  const to = turnover(input.tradedNotional, equity);
  let ddDays = NaN;
  if (dd.longestDuration > 0) {
    const start = time[Math.max(0, dd.longestStart)] as number;
    ddDays = ((time[dd.longestEnd] as number) - start) / MICROS_PER_DAY;
  } else if (n > 0) ddDays = 0;
  return {
    annual_return: num(annual),
    annual_volatility: num(annualVolatility(returns, ppy)),
    sortino: num(sortinoRatio(returns, ppy)),
    calmar: num(calmarRatio(annual, maxDrawdownFraction)),
    omega: num(omegaRatio(returns)),
    tail_ratio: num(tailRatioOfSorted(sorted)),
    stability: num(stability(returns)),
    max_drawdown_duration: dd.longestDuration,
    max_drawdown_duration_days: num(ddDays),
    max_drawdown_peak: dd.trough >= 0 ? at(Math.max(0, dd.peak)) : null,
    max_drawdown_trough: at(dd.trough),
    max_drawdown_recovery: at(dd.recovery),
    value_at_risk: num(percentileOfSorted(sorted, 5)),
    conditional_value_at_risk: num(conditionalValueAtRiskOfSorted(sorted)),
    skew: num(returnsSkew(returns)),
    kurtosis: num(returnsKurtosis(returns)),
    benchmark: input.benchmark?.symbol ?? null,
    benchmark_periods: benchPeriods,
    benchmark_return: num(benchReturn),
    alpha: num(alpha),
    beta: num(beta),
    rolling_window: window,
    rolling_sharpe: monthEnd(time, rolling.sharpe),
    rolling_volatility: monthEnd(time, rolling.volatility),
    monthly_returns: byPeriod(time, returns, 'monthly'),
    yearly_returns: byPeriod(time, returns, 'yearly'),
    winning_trades: ts.winningTrades,
    losing_trades: ts.losingTrades,
    win_rate: num(ts.winRate),
    profit_factor: num(ts.profitFactor),
    expectancy: num(ts.expectancy),
    average_win: num(ts.averageWin),
    average_loss: num(ts.averageLoss),
    payoff_ratio: num(ts.payoffRatio),
    sqn: num(ts.sqn),
    largest_win: num(ts.largestWin),
    largest_loss: num(ts.largestLoss),
    longest_winning_streak: ts.longestWinningStreak,
    longest_losing_streak: ts.longestLosingStreak,
    average_bars_held: num(ts.averageBarsHeld),
    exposure_time: num(exposureTime(input.positionValue)),
    turnover: num(to),
    annual_turnover: n > 0 ? num((to * ppy) / n) : null,
  };
}
