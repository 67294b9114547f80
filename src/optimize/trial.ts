import { InputError, InvariantError } from '../core/errors.js';
import type { RunConfig } from '../backtest/config.js';
import { BacktestEngine, type BacktestResult } from '../backtest/engine.js';
import { Float64Pool, sharedFloat64 } from '../core/growable.js';
import { GuardedStrategy } from '../backtest/guarded-strategy.js';
import { engineOptionsOf, instrumentsOf } from '../backtest/run.js';
import type { Instrument } from '../model/instrument.js';
import { StrategyError } from '../backtest/strategy-error.js';
import { parseStrategyParams } from '../backtest/strategy-loader.js';
import { join } from 'node:path';
import { inferPeriodsPerYear } from '../report/metrics.js';
import { MetricsScratch } from '../report/performance.js';
import { summarize, type Summary } from '../report/summary.js';
import { writeRunOutputs } from '../report/writers.js';
import type { StrategyClass } from '../strategy/strategy.js';
import { sweepFeeds, type SweepData } from './sweep-data.js';

/** One combination of parameters to run. `trial` numbers a sweep's trials from 1 in sampling order. */
export interface TrialRequest {
  readonly trial: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** Send the equity points' times back (every trial of a sweep has the same; one copy is enough). */
  readonly withTimes?: boolean;
  /** A pool that keeps finished trials (Redis) computes the trial again if the stored one lacks the times; otherwise it may answer without them. */
  readonly requireTimes?: boolean;
  /** Also write the trial's backtest outputs (summary.json, trades.csv, ...) into this folder (`--keep-runs`). */
  readonly keepDir?: string;
  /** A trading window over the sweep's config (ISO times, as --trade-from/--trade-to): a walk-forward window. */
  readonly tradeFrom?: string;
  readonly tradeTo?: string;
}

/**
 * - ok: the run went to the end;
 * - skipped: the strategy's schema refused the combination (not run);
 * - failed: the strategy threw while running.
 */
export type TrialStatus = 'ok' | 'skipped' | 'failed';

/** A metric of summary.json: a number, or null where it is undefined (a Sharpe ratio without returns, say). */
export type MetricValue = number | null;

export interface TrialOutcome {
  readonly trial: number;
  readonly status: TrialStatus;
  /** Why a trial was skipped or failed ('' when ok). */
  readonly reason: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** summary.json's numeric fields, in its order (empty unless ok). */
  readonly metrics: Readonly<Record<string, MetricValue>>;
  /** Simple returns between consecutive equity points (points - 1 values; empty unless ok). */
  readonly returns: Float64Array;
  /** The equity points' times (µs), for the returns' time column (empty unless ok and asked for). */
  readonly times: Float64Array;
  /** Wall time of the trial in milliseconds (not part of any deterministic output). */
  readonly millis: number;
}

/** Runs trials of one strategy over one sweep's data, each exactly as `quantflow backtest` with those parameters would. */
export class TrialRunner {
  constructor(
    private readonly config: RunConfig,
    private readonly strategyClass: StrategyClass<object>,
    private readonly data: SweepData,
    private readonly strategyName: string,
  ) {}

  run(request: TrialRequest): TrialOutcome {
    const started = performance.now();
    const done = (status: TrialStatus, reason: string, metrics: Record<string, MetricValue> = {}, returns: Float64Array = EMPTY, times: Float64Array = EMPTY): TrialOutcome => ({
      trial: request.trial,
      status,
      reason,
      params: request.params,
      metrics,
      returns,
      times,
      millis: performance.now() - started,
    });
    let params: Record<string, unknown>;
    try {
      params = this.params(request.params);
    } catch (e) {
      if (e instanceof InputError) return done('skipped', e.issues.map((i) => i.message).join('; '));
      throw e;
    }
    let engine;
    let result;
    try {
      // positions.csv is written only for --keep-runs: otherwise the trial does not record positions.
      engine = this.engine(params, request, request.keepDir !== undefined, this.pool);
      result = engine.run();
    } catch (e) {
      if (e instanceof InvariantError) throw e;
      if (e instanceof StrategyError || e instanceof InputError || e instanceof Error) return done('failed', oneLine(e.message));
      return done('failed', oneLine(String(e)));
    }
    // A trial reports the summary's numbers; the calendar figures only go into a kept run's summary.json.
    const summary = this.summarize(result, params, request.keepDir !== undefined);
    if (request.keepDir !== undefined) writeRunOutputs(join(request.keepDir, `trial-${request.trial}`), result, summary);
    const eq = result.equity;
    const returns = simpleReturns(eq.equity, sharedFloat64(Math.max(0, eq.equity.length - 1)));
    const times = request.withTimes === false ? EMPTY : sharedFloat64(eq.time.length);
    if (times !== EMPTY) times.set(eq.time);
    const outcome = done('ok', '', numericFields(summary), returns, times);
    // The outcome holds copies: the next trial on this thread takes the history and equity buffers.
    engine.releaseBuffers();
    return outcome;
  }

  /** Validated parameters: the sweep's fixed ones under the given ones (an InputError when the strategy's schema refuses them). */
  params(given: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return parseStrategyParams(this.strategyClass, { ...this.config.params, ...given }) as Record<string, unknown>;
  }

  /**
   * The backtest of validated parameters over the sweep's data (in a
   * trading window when `window` gives one): a trial's run, and a
   * walk-forward's out-of-sample run. What the strategy throws comes out.
   */
  backtest(params: Record<string, unknown>, window: Pick<TrialRequest, 'tradeFrom' | 'tradeTo'> = {}, recordPositions = true): BacktestResult {
    return this.engine(params, window, recordPositions, undefined).run();
  }

  /** The engine of such a backtest (run() runs it); with `pool`, its buffers come from there (BacktestOptions.bufferPool). */
  private engine(params: Record<string, unknown>, window: Pick<TrialRequest, 'tradeFrom' | 'tradeTo'>, recordPositions: boolean, pool: Float64Pool | undefined): BacktestEngine {
    const strategy = new GuardedStrategy(new this.strategyClass(params), this.config.strategy);
    const feeds = sweepFeeds(this.data);
    // Every trial has the same instruments (the config's, for the data's symbols): made once, not parsed again per trial.
    this.instruments ??= instrumentsOf(this.config, feeds);
    return new BacktestEngine(Object.assign(engineOptionsOf(windowed(this.config, window), feeds, this.instruments), { strategy, recordPositions }, pool !== undefined ? { bufferPool: pool } : undefined));
  }

  private instruments: Instrument[] | undefined;

  /** History and equity buffers, handed from one trial to the next on this thread. */
  private readonly pool = new Float64Pool();

  summarize(result: BacktestResult, params: Readonly<Record<string, unknown>>, periods = true): Summary {
    const periodsPerYear = this.periodsPerYear.of(result.equity.time);
    return summarize(result, this.strategyName, params, { periods, periodsPerYear, scratch: this.scratch, ...(this.data.adjustment !== undefined ? { adjustment: this.data.adjustment } : {}) });
  }

  private readonly periodsPerYear = new PeriodsPerYear();

  /** The metrics' work buffers, used again by each trial on this thread. */
  private readonly scratch = new MetricsScratch();
}

/**
 * inferPeriodsPerYear of equity times, worked out again only when the times
 * differ from the last ones: the trials of a sweep run over the same data
 * and have the same time steps (a comparison instead of a sort).
 */
class PeriodsPerYear {
  private times: Float64Array | undefined;
  private value = NaN;

  of(times: Float64Array): number {
    if (this.times === undefined || !sameValues(times, this.times)) {
      this.value = inferPeriodsPerYear(times);
      this.times = Float64Array.from(times);
    }
    return this.value;
  }
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const EMPTY = new Float64Array(0);

/** The config with a request's trading window over its own. */
function windowed(config: RunConfig, request: Pick<TrialRequest, 'tradeFrom' | 'tradeTo'>): RunConfig {
  if (request.tradeFrom === undefined && request.tradeTo === undefined) return config;
  return { ...config, ...(request.tradeFrom !== undefined ? { tradeFrom: request.tradeFrom } : {}), ...(request.tradeTo !== undefined ? { tradeTo: request.tradeTo } : {}) };
}

function oneLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/**
 * The numeric metrics of summary.json a trial reports, in trials.csv's column
 * order: the headline figures first, then the rest of docs/metrics.md. Each
 * is a number, or null where summary.json has null (undefined for the run).
 */
export const TRIAL_METRICS = [
  'final_equity', 'net_profit', 'total_return', 'annual_return', 'annual_volatility', 'closed_trades', 'sharpe', 'sortino', 'calmar', 'omega',
  'max_drawdown', 'max_drawdown_duration', 'max_drawdown_duration_days', 'profit_factor', 'win_rate', 'expectancy', 'sqn', 'payoff_ratio',
  'average_win', 'average_loss', 'largest_win', 'largest_loss', 'winning_trades', 'losing_trades', 'longest_winning_streak', 'longest_losing_streak',
  'average_bars_held', 'exposure_time', 'turnover', 'annual_turnover', 'tail_ratio', 'stability', 'value_at_risk', 'conditional_value_at_risk',
  'skew', 'kurtosis', 'open_trades', 'orders', 'orders_filled', 'orders_rejected', 'fills', 'fees', 'realized_pnl', 'unrealized_pnl', 'carry',
  'final_cash', 'final_margin', 'ambiguous_fills', 'periods_per_year', 'bars', 'quotes', 'trades',
] as const satisfies readonly (keyof Summary)[];

export type TrialMetric = (typeof TRIAL_METRICS)[number];

/** A summary's trial metrics, in TRIAL_METRICS order. */
export function numericFields(summary: Summary): Record<TrialMetric, MetricValue> {
  const out = {} as Record<TrialMetric, MetricValue>;
  for (const key of TRIAL_METRICS) {
    const value: unknown = summary[key];
    out[key] = typeof value === 'number' ? value : null;
  }
  return out;
}

/**
 * r[i] = e[i+1] / e[i] - 1 over an equity curve (into `into` when given, of
 * that length); 0 after an equity of 0 (an account with nothing left has no
 * return), so every return is a number.
 */
export function simpleReturns(equity: ArrayLike<number>, into?: Float64Array): Float64Array {
  const n = Math.max(0, equity.length - 1);
  if (into !== undefined && into.length !== n) throw new InvariantError(`simpleReturns: ${n} returns into an array of ${into.length}`);
  const r = into ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const before = equity[i] as number;
    r[i] = before === 0 ? 0 : (equity[i + 1] as number) / before - 1;
  }
  return r;
}
