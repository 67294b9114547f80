import type { RunConfig } from '../backtest/config.js';
import type { BacktestResult } from '../backtest/engine.js';
import { loadStrategyFile } from '../backtest/strategy-loader.js';
import type { Issue } from '../core/errors.js';
import type { ClosedTrade } from '../portfolio/trade-book.js';
import { formatTime } from '../report/format.js';
import type { Summary } from '../report/summary.js';
import type { EquityCurve } from '../kernel/recorder.js';
import { openSweep } from './optimize.js';
import { overfittingVerdict, type OverfittingReport } from './overfitting.js';
import { loadSweepData, type SweepData } from './sweep-data.js';
import { bestTrial, runSweep, sweepOverfitting, type TrialSampler } from './sweep.js';
import { TrialRunner, type MetricValue, type TrialMetric, type TrialOutcome } from './trial.js';
import { planWindows, stepTimes, type PlannedWindow, type WindowPlanSpec } from './walk-forward-windows.js';

export { parseWindowLength, planWindows, type PlannedWindow, type WindowLength, type WindowPlanSpec } from './walk-forward-windows.js';

export interface WalkForwardOptions extends WindowPlanSpec {
  /** The backtest every run makes (its params are the fixed ones); its trading window, if any, is replaced by each window's. */
  readonly config: RunConfig;
  /** A fresh sampler for each window's in-sample sweep (the same search each time). */
  readonly sampler: () => Promise<TrialSampler> | TrialSampler;
  /** Worker threads (0: this thread). */
  readonly workers?: number;
  readonly objective?: TrialMetric;
  readonly minimize?: boolean;
  /** CSCV blocks of each window's overfitting statistics. */
  readonly splits?: number;
  readonly maxTrials?: number;
  readonly onIssue?: (issue: Issue) => void;
  /** After each window's in-sample sweep and out-of-sample run. */
  readonly onWindow?: (w: WindowResult) => void;
}

/** One window: its in-sample sweep, the winner, and the winner's out-of-sample run. */
export interface WindowResult {
  readonly plan: PlannedWindow;
  readonly outcomes: readonly TrialOutcome[];
  /** The best in-sample trial by the objective (undefined when no trial has a value: no out-of-sample run then). */
  readonly best: TrialOutcome | undefined;
  /** The chosen parameters with the fixed ones, as the strategy's schema reads them. */
  readonly params: Readonly<Record<string, unknown>> | undefined;
  readonly oos: BacktestResult | undefined;
  readonly oosSummary: Summary | undefined;
  /** Out-of-sample over in-sample annual return (null when undefined: see walkForwardEfficiency). */
  readonly efficiency: number | null;
  readonly overfitting: { readonly report?: OverfittingReport; readonly note?: string };
}

export interface ParameterStability {
  /** The value chosen in each window (null for a window without a winner). */
  readonly values: readonly unknown[];
  /** Distinct values chosen. */
  readonly distinct: number;
  /** Share of windows (from the second) that kept the previous window's value. */
  readonly kept_share: number | null;
  /** Numeric parameters: mean, standard deviation (ddof 1), min, max and range of the values chosen. */
  readonly mean?: number;
  readonly std?: number | null;
  readonly min?: number;
  readonly max?: number;
  readonly range?: number;
}

export interface WalkForwardResult {
  readonly strategyName: string;
  readonly paramNames: readonly string[];
  readonly windows: readonly WindowResult[];
  /** The out-of-sample runs chained into one (equity by returns, trades and orders in window order). */
  readonly stitched: BacktestResult;
  /** summary.json: the stitched run's summary plus the walk-forward figures. */
  readonly summary: Summary & WalkForwardFigures;
  readonly overfitting: WalkForwardOverfitting;
  readonly data: SweepData;
}

export interface WalkForwardFigures {
  readonly walk_forward_efficiency: { readonly overall: number | null; readonly per_window: readonly (number | null)[] };
  readonly parameter_stability: { readonly kept_share: number | null; readonly parameters: Readonly<Record<string, ParameterStability>> };
  readonly windows: number;
}

export interface WalkForwardOverfitting {
  /** Over the windows' in-sample sweeps that have the statistics. */
  readonly summary: {
    readonly windows: number;
    readonly windows_with_statistics: number;
    readonly mean_pbo: number | null;
    readonly mean_dsr: number | null;
    readonly verdict: string | null;
    /** Share of windows whose winner lost money out of sample. */
    readonly oos_loss_share: number | null;
    /** Least-squares line of the winners' out-of-sample Sharpe on their in-sample Sharpe over the windows. */
    readonly oos_on_is_sharpe: { readonly slope: number | null; readonly intercept: number | null };
  };
  readonly windows: readonly ({ readonly window: number } & ({ readonly note: string } | OverfittingReport))[];
}

/**
 * Walk-forward analysis: per window, a sweep on the in-sample part (every
 * trial trading only inside it, seeing all earlier data for warm-up), the
 * best trial by the objective, and a run of its parameters on the
 * out-of-sample part; then the out-of-sample runs stitched into one. The
 * data is read once for all windows and all runs.
 */
export async function walkForward(options: WalkForwardOptions): Promise<WalkForwardResult> {
  const { config: base } = options;
  // Each run sets its own window; the data is read whole (within --from/--to).
  const { tradeFrom: _f, tradeTo: _t, ...rest } = base;
  const config: RunConfig = rest;
  const objective = options.objective ?? 'sharpe';
  const minimize = options.minimize === true;
  const splits = options.splits ?? 16;
  const data = await loadSweepData(config, options.onIssue);
  const plans = planWindows(stepTimes(data.feeds.map((f) => f.columns.time)), options);
  const cls = await loadStrategyFile(config.strategy);
  const { pool, strategyName } = await openSweep({ config, sampler: await options.sampler(), data, ...(options.workers !== undefined ? { workers: options.workers } : {}) });
  // The out-of-sample runs: the same runs as a trial's, kept whole for stitching.
  const oosRunner = new TrialRunner(config, cls, data, strategyName);
  const windows: WindowResult[] = [];
  let paramNames: string[] = [];
  try {
    for (const plan of plans) {
      const outcomes: TrialOutcome[] = [];
      const window = { tradeFrom: formatTime(plan.isStart), tradeTo: formatTime(plan.isEnd) };
      for await (const o of runSweep({ sampler: await options.sampler(), pool, objective, minimize, window, ...(options.maxTrials !== undefined ? { maxTrials: options.maxTrials } : {}) })) outcomes.push(o);
      if (paramNames.length === 0) paramNames = Object.keys(outcomes[0]?.params ?? {});
      const best = bestTrial(outcomes, objective, minimize);
      let params: Record<string, unknown> | undefined;
      let oos: BacktestResult | undefined;
      let oosSummary: Summary | undefined;
      if (best !== undefined) {
        params = oosRunner.params(best.params);
        oos = oosRunner.backtest(params, { tradeFrom: formatTime(plan.oosStart), tradeTo: formatTime(plan.oosEnd) });
        oosSummary = oosRunner.summarize(oos, params);
      }
      const result: WindowResult = {
        plan,
        outcomes,
        best,
        params,
        oos,
        oosSummary,
        efficiency: efficiency(oosSummary?.annual_return, best?.metrics.annual_return),
        overfitting: sweepOverfitting(outcomes, best, splits),
      };
      windows.push(result);
      options.onWindow?.(result);
    }
  } finally {
    await pool.close();
  }
  const name = strategyName;
  const stitched = stitch(windows, config.cash, data);
  const summary = oosRunner.summarize(stitched, config.params);
  const isAnnual = windows.filter((w) => w.oos !== undefined).map((w) => w.best?.metrics.annual_return ?? null);
  const figures: WalkForwardFigures = {
    windows: windows.length,
    walk_forward_efficiency: { overall: efficiency(summary.annual_return, mean(isAnnual)), per_window: windows.map((w) => w.efficiency) },
    parameter_stability: parameterStability(windows, paramNames),
  };
  return { strategyName: name, paramNames, windows, stitched, summary: { ...summary, ...figures }, overfitting: overfittingOverWindows(windows), data };
}

/**
 * Walk-forward efficiency: out-of-sample annual return over in-sample annual
 * return; null when either is undefined or the in-sample one is not positive
 * (the ratio then says nothing about how much of the in-sample gain held up).
 */
export function walkForwardEfficiency(oos: MetricValue | undefined, is: MetricValue | undefined): number | null {
  if (oos === null || oos === undefined || is === null || is === undefined || !(is > 0) || !Number.isFinite(oos)) return null;
  return oos / is;
}
const efficiency = walkForwardEfficiency;

function mean(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

/** Per parameter: the values chosen across windows, how much they move, and how often a window keeps the previous one's. */
export function parameterStability(windows: readonly Pick<WindowResult, 'best'>[], names: readonly string[]): WalkForwardFigures['parameter_stability'] {
  const chosen = windows.map((w) => w.best?.params);
  const keptShare = (same: (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>) => boolean): number | null => {
    let pairs = 0;
    let kept = 0;
    for (let k = 1; k < chosen.length; k++) {
      const a = chosen[k - 1];
      const b = chosen[k];
      if (a === undefined || b === undefined) continue;
      pairs++;
      if (same(a, b)) kept++;
    }
    return pairs === 0 ? null : kept / pairs;
  };
  const parameters: Record<string, ParameterStability> = {};
  for (const name of names) {
    const values = chosen.map((p) => (p === undefined ? null : (p[name] ?? null)));
    const present = values.filter((v) => v !== null);
    const distinct = new Set(present.map((v) => JSON.stringify(v))).size;
    const stat: ParameterStability = { values, distinct, kept_share: keptShare((a, b) => JSON.stringify(a[name]) === JSON.stringify(b[name])) };
    const numbers = present.filter((v): v is number => typeof v === 'number');
    if (numbers.length > 0 && numbers.length === present.length) {
      const m = numbers.reduce((a, b) => a + b, 0) / numbers.length;
      const std = numbers.length < 2 ? null : Math.sqrt(numbers.reduce((a, b) => a + (b - m) ** 2, 0) / (numbers.length - 1));
      const min = Math.min(...numbers);
      const max = Math.max(...numbers);
      Object.assign(stat, { mean: m, std, min, max, range: max - min });
    }
    parameters[name] = stat;
  }
  return { kept_share: keptShare((a, b) => names.every((n) => JSON.stringify(a[n]) === JSON.stringify(b[n]))), parameters };
}

function overfittingOverWindows(windows: readonly WindowResult[]): WalkForwardOverfitting {
  const reports = windows.map((w) => w.overfitting.report).filter((r): r is OverfittingReport => r !== undefined);
  const meanPbo = mean(reports.map((r) => r.pbo));
  const meanDsr = mean(reports.map((r) => r.dsr));
  const run = windows.filter((w) => w.oosSummary !== undefined);
  const pairs = run
    .map((w) => [w.best?.metrics.sharpe ?? null, w.oosSummary?.sharpe ?? null] as const)
    .filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
  return {
    summary: {
      windows: windows.length,
      windows_with_statistics: reports.length,
      mean_pbo: meanPbo,
      mean_dsr: meanDsr,
      verdict: meanPbo === null ? null : overfittingVerdict({ pbo: meanPbo, dsr: meanDsr }),
      oos_loss_share: run.length === 0 ? null : run.filter((w) => (w.oosSummary?.total_return ?? 0) < 0).length / run.length,
      oos_on_is_sharpe: leastSquares(pairs),
    },
    windows: windows.map((w) => ({ window: w.plan.window, ...(w.overfitting.report ?? { note: w.overfitting.note ?? '' }) })),
  };
}

function leastSquares(points: readonly (readonly [number, number])[]): { slope: number | null; intercept: number | null } {
  if (points.length < 2) return { slope: null, intercept: null };
  const mx = points.reduce((a, p) => a + p[0], 0) / points.length;
  const my = points.reduce((a, p) => a + p[1], 0) / points.length;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0) return { slope: null, intercept: null };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * The out-of-sample runs as one run. Each window's run starts from the
 * initial cash; its equity curve (and cash, position value, margin) is scaled
 * by the previous window's ending equity over the initial cash, so the
 * stitched curve compounds the windows' returns and each window starts where
 * the last one ended. Trades, orders and fills are listed in window order
 * (trade ids renumbered); money figures that are sums (fees, realised P&L)
 * are the windows' own, unscaled.
 */
export function stitch(windows: readonly WindowResult[], initialCash: number, data: SweepData): BacktestResult {
  const runs = windows.map((w) => w.oos).filter((r): r is BacktestResult => r !== undefined);
  let rows = 0;
  for (const r of runs) rows += r.equity.time.length;
  const equity: EquityCurve = { time: new Float64Array(rows), equity: new Float64Array(rows), cash: new Float64Array(rows), positionValue: new Float64Array(rows), margin: new Float64Array(rows) };
  let level = initialCash;
  let at = 0;
  let cash = initialCash;
  const trades: ClosedTrade[] = [];
  for (const r of runs) {
    const f = initialCash > 0 ? level / initialCash : 1;
    const e = r.equity;
    const n = e.time.length;
    equity.time.set(e.time, at);
    for (let i = 0; i < n; i++) {
      equity.equity[at + i] = f === 1 ? (e.equity[i] as number) : (e.equity[i] as number) * f;
      equity.cash[at + i] = f === 1 ? (e.cash[i] as number) : (e.cash[i] as number) * f;
      equity.positionValue[at + i] = (e.positionValue[i] as number) * f;
      equity.margin[at + i] = (e.margin[i] as number) * f;
    }
    at += n;
    if (n > 0) {
      level = equity.equity[at - 1] as number;
      cash = equity.cash[at - 1] as number;
    }
    for (const t of r.closedTrades) {
      // A copy, then the id (a key it has): a spread followed by a property is V8's slow path (docs/architecture.md).
      const copy = { ...t };
      copy.tradeId = trades.length + 1;
      trades.push(copy);
    }
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  const sum = (f: (r: BacktestResult) => number): number => runs.reduce((a, r) => a + f(r), 0);
  const symbols = last?.symbols ?? data.feeds.map((f) => f.symbol);
  return {
    symbols,
    positionMode: last?.positionMode ?? 'netting',
    equitySampling: last?.equitySampling ?? 'step',
    initialCash,
    finalCash: cash,
    finalEquity: level,
    fees: sum((r) => r.fees),
    realizedPnl: sum((r) => r.realizedPnl),
    unrealizedPnl: 0,
    bars: sum((r) => r.bars),
    quotes: sum((r) => r.quotes),
    trades: sum((r) => r.trades),
    bookEvents: sum((r) => r.bookEvents),
    start: first?.start ?? NaN,
    end: last?.end ?? NaN,
    equity,
    orders: runs.flatMap((r) => r.orders),
    positions: last?.positions ?? { length: 0, time: new Float64Array(0), symbol: new Float64Array(0), quantity: new Float64Array(0), averagePrice: new Float64Array(0), price: new Float64Array(0), marketValue: new Float64Array(0), unrealizedPnl: new Float64Array(0), realizedPnl: new Float64Array(0), fees: new Float64Array(0), side: new Float64Array(0) },
    instruments: symbols.map((symbol, i) => {
      const of = runs.map((r) => r.instruments[i]).filter((x) => x !== undefined);
      const lastOne = of[of.length - 1];
      return {
        symbol,
        kind: lastOne?.kind ?? 'equity',
        quantity: lastOne?.quantity ?? 0,
        averagePrice: lastOne?.averagePrice ?? NaN,
        lastPrice: lastOne?.lastPrice ?? NaN,
        realizedPnl: of.reduce((a, x) => a + x.realizedPnl, 0),
        unrealizedPnl: lastOne?.unrealizedPnl ?? 0,
        fees: of.reduce((a, x) => a + x.fees, 0),
        margin: lastOne?.margin ?? 0,
        closedTrades: of.reduce((a, x) => a + x.closedTrades, 0),
      };
    }),
    fills: runs.flatMap((r) => r.fills),
    riskEvents: runs.flatMap((r) => r.riskEvents),
    ordersNotRecorded: {},
    marginCalls: runs.flatMap((r) => r.marginCalls),
    carry: sum((r) => r.carry),
    balances: last?.balances ?? [],
    ambiguousFills: sum((r) => r.ambiguousFills),
    fillModel: last?.fillModel ?? '',
    unpairedQuoteBars: sum((r) => r.unpairedQuoteBars),
    closedTrades: trades,
    openTrades: sum((r) => r.openTrades),
    skipped: data.skipped,
  };
}

