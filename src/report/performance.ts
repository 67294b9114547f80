import { MICROS_PER_DAY, civilFromDays, daysFromCivil } from '../core/time.js';
import { ScratchFloat64 } from '../core/growable.js';
import { formatTime } from './format.js';
import { alphaBeta, calmarRatio, cumulativeReturn, defaultRollingWindow, drawdownInfo, rollingSharpeAndVolatilityAt, stepReturns } from './metrics.js';
import { returnQuantiles, summarizeReturns } from './return-summary.js';
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

/**
 * The runs of calendar months and years of the steps, in one pass: each
 * run's key ("YYYY-MM", "YYYY"), its compounded return (prod(1 + r) - 1,
 * NaN returns left out) and, for months, its last step. Times are in order
 * in a run, so a month that comes back (times out of order) is a new run;
 * written into a record, its last run's figures win, as in periodReturns.
 */
interface CalendarRuns {
  readonly monthKeys: string[];
  readonly monthLast: number[];
  readonly monthReturns: number[];
  readonly yearKeys: string[];
  readonly yearReturns: number[];
}

function calendarRuns(times: ArrayLike<number>, returns: ArrayLike<number>): CalendarRuns {
  const out: CalendarRuns = { monthKeys: [], monthLast: [], monthReturns: [], yearKeys: [], yearReturns: [] };
  const n = Math.min(times.length, returns.length);
  // The calendar is worked out only when a step leaves the month [from, to) (µs) of the step before.
  let from = Infinity;
  let to = -Infinity;
  let month = NaN; // year * 12 + month - 1 of the current run
  let year = NaN;
  let wMonth = 1;
  let wYear = 1;
  for (let i = 0; i < n; i++) {
    const t = times[i] as number;
    if (!(t >= from && t < to)) {
      const c = civilFromDays(Math.floor(t / MICROS_PER_DAY));
      from = daysFromCivil(c.year, c.month, 1) * MICROS_PER_DAY;
      to = (c.month === 12 ? daysFromCivil(c.year + 1, 1, 1) : daysFromCivil(c.year, c.month + 1, 1)) * MICROS_PER_DAY;
      const m = c.year * 12 + c.month - 1;
      if (m !== month) {
        if (month === month) pushMonth(out, month, i - 1, wMonth - 1);
        month = m;
        wMonth = 1;
      }
      if (c.year !== year) {
        if (year === year) pushYear(out, year, wYear - 1);
        year = c.year;
        wYear = 1;
      }
    }
    const r = returns[i] as number;
    if (r === r) {
      wMonth *= 1 + r;
      wYear *= 1 + r;
    }
  }
  if (month === month) pushMonth(out, month, n - 1, wMonth - 1);
  if (year === year) pushYear(out, year, wYear - 1);
  return out;
}

/** A finished month run: its key "YYYY-MM" (from year * 12 + month - 1), last step and return. */
function pushMonth(out: CalendarRuns, month: number, last: number, ret: number): void {
  const year = Math.floor(month / 12);
  out.monthKeys.push(`${year}-${String(month - year * 12 + 1).padStart(2, '0')}`);
  out.monthLast.push(last);
  out.monthReturns.push(ret);
}

function pushYear(out: CalendarRuns, year: number, ret: number): void {
  out.yearKeys.push(String(year));
  out.yearReturns.push(ret);
}

const NO_CALENDAR: CalendarRuns = { monthKeys: [], monthLast: [], monthReturns: [], yearKeys: [], yearReturns: [] };
const NO_ROLLING = { sharpe: new Float64Array(0), volatility: new Float64Array(0) };

function record(keys: readonly string[], values: ArrayLike<number>): Record<string, Num> {
  const out: Record<string, Num> = {};
  for (let i = 0; i < keys.length; i++) out[keys[i] as string] = num(values[i] as number);
  return out;
}

/** Computes every performance metric of a run (docs/metrics.md). */
export function computePerformance(input: PerformanceInput, maxDrawdownFraction: number): PerformanceMetrics {
  return runMetrics(input, maxDrawdownFraction).performance;
}

/** The performance metrics with the Sharpe ratio and the deepest drawdown that summary.json has beside them. */
export interface RunMetrics {
  readonly performance: PerformanceMetrics;
  /** Annualised Sharpe ratio of the step returns (NaN when undefined). */
  readonly sharpe: number;
  /** Deepest fall from a running peak, a negative fraction (0 when none). */
  readonly maxDrawdown: number;
}

/**
 * Buffers runMetrics works in, for a caller that computes the metrics of
 * one run after another (an optimizer's trials): each run's step returns
 * and cumulative log returns would otherwise be new arrays of the curve's
 * length, tens of megabytes of new pages for a long run. One-off callers
 * pass none: the arrays go with the call instead of staying allocated.
 */
export class MetricsScratch {
  readonly returns = new ScratchFloat64();
  readonly cumulative = new ScratchFloat64();
}

/**
 * Every metric of a run from a few passes over its equity curve: the step
 * returns once, two passes for the return statistics, one for the
 * drawdowns, one for the calendar and rolling figures (sampled at month
 * ends), and a partial sort for the quantiles. `maxDrawdownFraction` is the
 * one calmar uses (the curve's own when undefined). `periods` false leaves
 * the calendar and rolling figures (monthly, yearly, rolling_*) empty.
 * `scratch`: work buffers the caller keeps from one call to the next.
 */
export function runMetrics(input: PerformanceInput, maxDrawdownFraction?: number, periods = true, scratch?: MetricsScratch): RunMetrics {
  const { time, equity, periodsPerYear: ppy } = input;
  const n = equity.length;
  // Nothing the metrics return refers to the returns (a scratch buffer when given); the quantiles (last) reorder them.
  const returns = stepReturns(input.initialCash, equity, scratch !== undefined ? scratch.returns.view(n) : new Float64Array(n));
  const rs = summarizeReturns(returns, ppy, scratch?.cumulative);
  const dd = drawdownInfo(input.initialCash, equity);
  const mdd = maxDrawdownFraction ?? dd.maxDrawdown;
  const at = (i: number): string | null => (i >= 0 && i < n ? formatTime(time[i] as number) : null);
  const window = defaultRollingWindow(ppy);
  // Without `periods` (an optimizer's trial: numbers only) the calendar and rolling figures stay empty.
  const cal = periods ? calendarRuns(time, returns) : NO_CALENDAR;
  const rolling = periods ? rollingSharpeAndVolatilityAt(returns, window, ppy, cal.monthLast) : NO_ROLLING;
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
  // Last: the quantiles reorder the returns in place.
  const q = returnQuantiles(returns);
  const ts = tradeStats(input.trades);
  const to = turnover(input.tradedNotional, equity);
  let ddDays = NaN;
  if (dd.longestDuration > 0) {
    const start = time[Math.max(0, dd.longestStart)] as number;
    ddDays = ((time[dd.longestEnd] as number) - start) / MICROS_PER_DAY;
  } else if (n > 0) ddDays = 0;
  const performance: PerformanceMetrics = {
    annual_return: num(rs.annualReturn),
    annual_volatility: num(rs.annualVolatility),
    sortino: num(rs.sortino),
    calmar: num(calmarRatio(rs.annualReturn, mdd)),
    omega: num(rs.omega),
    tail_ratio: num(q.tailRatio),
    stability: num(rs.stability),
    max_drawdown_duration: dd.longestDuration,
    max_drawdown_duration_days: num(ddDays),
    max_drawdown_peak: dd.trough >= 0 ? at(Math.max(0, dd.peak)) : null,
    max_drawdown_trough: at(dd.trough),
    max_drawdown_recovery: at(dd.recovery),
    value_at_risk: num(q.valueAtRisk),
    conditional_value_at_risk: num(q.conditionalValueAtRisk),
    skew: num(rs.skew),
    kurtosis: num(rs.kurtosis),
    benchmark: input.benchmark?.symbol ?? null,
    benchmark_periods: benchPeriods,
    benchmark_return: num(benchReturn),
    alpha: num(alpha),
    beta: num(beta),
    rolling_window: window,
    rolling_sharpe: record(cal.monthKeys, rolling.sharpe),
    rolling_volatility: record(cal.monthKeys, rolling.volatility),
    monthly_returns: record(cal.monthKeys, cal.monthReturns),
    yearly_returns: record(cal.yearKeys, cal.yearReturns),
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
  return { performance, sharpe: rs.sharpe, maxDrawdown: dd.maxDrawdown };
}
