import { MICROS_PER_SECOND } from '../core/time.js';
import { STYLE, escapeHtml, lightweightChartsSource } from '../report/assets.js';
import { formatNumber } from '../report/format.js';
import { htmlPage } from '../report/html-page.js';
import { chartPoints, fmtNumber, fmtPercent } from '../report/tearsheet.js';
import { OPTIMIZE_REPORT_APP, OPTIMIZE_REPORT_STYLE } from './report-app.js';
import type { MetricValue, TrialMetric, TrialOutcome, TrialStatus } from './trial.js';

/** What the optimizer's report.html is drawn from. */
export interface OptimizeReportInput {
  readonly strategyName: string;
  /** The swept parameters, in the order of trials.csv's columns. */
  readonly paramNames: readonly string[];
  readonly outcomes: readonly TrialOutcome[];
  readonly objective: TrialMetric;
  readonly minimize: boolean;
  readonly best: TrialOutcome | undefined;
  /** The backtest's initial cash: the best trial's equity curve is rebuilt from its returns starting there. */
  readonly initialCash: number;
  /** overfitting.json's object, when the sweep computed it. */
  readonly overfitting?: Readonly<Record<string, unknown>>;
  /** A plain-words verdict on the overfitting figures. */
  readonly verdict?: string;
  /** The sweep's settings (method, ranges, seed, trials, objective, ...), shown as a small table. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** The metrics of the trials table besides the objective, in column order. */
export const REPORT_METRICS = ['total_return', 'sharpe', 'max_drawdown', 'closed_trades', 'profit_factor'] as const satisfies readonly TrialMetric[];

/** Rows of the trials table shown at once; sorting still covers every trial. */
export const MAX_TABLE_ROWS = 2000;
/** A numeric parameter with more distinct values than this is cut into HEATMAP_BINS equal ranges on the heatmap. */
export const MAX_AXIS_VALUES = 30;
export const HEATMAP_BINS = 20;

/**
 * Metrics that are naturally either side of 0: the heatmap colours them on a
 * diverging scale centred on 0 (any metric whose values have both signs is
 * coloured so too).
 */
const SIGNED_METRICS: ReadonlySet<TrialMetric> = new Set<TrialMetric>([
  'net_profit', 'total_return', 'annual_return', 'sharpe', 'sortino', 'calmar', 'expectancy', 'sqn', 'skew', 'kurtosis',
  'realized_pnl', 'unrealized_pnl', 'carry', 'stability',
]);

/** How a metric is shown: as a percentage, a whole number, money (2 decimals) or a ratio (3 decimals). */
export type MetricKind = 'pct' | 'int' | 'money' | 'num';
const PCT: ReadonlySet<string> = new Set(['total_return', 'annual_return', 'annual_volatility', 'max_drawdown', 'win_rate', 'exposure_time', 'value_at_risk', 'conditional_value_at_risk']);
const INT: ReadonlySet<string> = new Set([
  'closed_trades', 'winning_trades', 'losing_trades', 'longest_winning_streak', 'longest_losing_streak', 'open_trades', 'orders', 'orders_filled',
  'orders_rejected', 'fills', 'bars', 'quotes', 'trades', 'ambiguous_fills', 'max_drawdown_duration', 'max_drawdown_duration_days',
]);
const MONEY: ReadonlySet<string> = new Set([
  'final_equity', 'net_profit', 'average_win', 'average_loss', 'largest_win', 'largest_loss', 'expectancy', 'fees', 'realized_pnl', 'unrealized_pnl',
  'carry', 'final_cash', 'final_margin',
]);
export function metricKind(metric: string): MetricKind {
  return PCT.has(metric) ? 'pct' : INT.has(metric) ? 'int' : MONEY.has(metric) ? 'money' : 'num';
}

/** A parameter value as the page holds it: numbers and texts as they are, anything else as JSON text; null when the trial has none. */
export type ParamCell = number | string | null;

/** One swept parameter: its values in numeric order (the heatmap's axis) and each trial's place on it. */
export interface ReportAxis {
  readonly name: string;
  /** Axis labels: the distinct values in order, or the ranges of the bins. */
  readonly labels: readonly string[];
  /** True when the values are cut into equal ranges (too many distinct values for one cell each). */
  readonly binned: boolean;
  /** Per trial (in `trials` order), the index into `labels`, or -1 when the trial has no value. */
  readonly at: readonly number[];
  /** Per trial, the value itself (for the table). */
  readonly values: readonly ParamCell[];
}

/** The histogram of the objective over ok trials. */
export interface ReportHistogram {
  /** bins + 1 edges, ascending. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  /** The best trial's value and bin (null without one). */
  readonly best: number | null;
  readonly bestBin: number | null;
}

/** The data embedded in the page (#qf-data). */
export interface OptimizeReportData {
  readonly objective: TrialMetric;
  readonly minimize: boolean;
  /** Colour the objective on a scale centred on 0. */
  readonly diverging: boolean;
  /** Table columns after the parameters: the objective first, then REPORT_METRICS (each once). */
  readonly metrics: readonly { readonly name: string; readonly kind: MetricKind }[];
  readonly trials: {
    readonly trial: readonly number[];
    readonly status: readonly TrialStatus[];
    readonly reason: readonly string[];
    /** Per metric column, per trial. */
    readonly metrics: readonly (readonly (number | null)[])[];
  };
  readonly axes: readonly ReportAxis[];
  /** Index of the best trial in `trials`, or -1. */
  readonly best: number;
  readonly histogram: ReportHistogram | null;
  /** The best trial's equity (UTC seconds, cash; null where undefined); empty without a best trial. */
  readonly equity: { readonly t: number[]; readonly v: (number | null)[] };
  readonly intraday: boolean;
  readonly maxRows: number;
}

const numberOr = (v: MetricValue | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const metricOf = (o: TrialOutcome, m: string): number | null => numberOr((o.metrics as Readonly<Record<string, MetricValue | undefined>>)[m]);
/** An own property only: a parameter named like an Object.prototype member ("constructor") is not inherited from it. */
const paramOf = (o: TrialOutcome, name: string): unknown => (Object.hasOwn(o.params, name) ? o.params[name] : undefined);

function paramCell(v: unknown): ParamCell {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}

/** Order of parameter values: numbers ascending, then texts by code unit (not by locale: the page must not depend on the machine). */
function compareCells(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A short label for a parameter value (the table's cell title keeps it in full). */
export function paramLabel(v: number | string): string {
  if (typeof v !== 'number') return v;
  return formatNumber(Math.abs(v) >= 1e-4 || v === 0 ? Number(v.toPrecision(6)) : v);
}

/** The axis of one parameter: every distinct value, or equal ranges when a numeric parameter has too many. */
export function reportAxis(name: string, values: readonly ParamCell[]): ReportAxis {
  const distinct = [...new Set(values.filter((v): v is number | string => v !== null))].sort(compareCells);
  const numeric = distinct.every((v) => typeof v === 'number');
  if (distinct.length <= MAX_AXIS_VALUES || !numeric) {
    const index = new Map(distinct.map((v, i) => [v, i]));
    return { name, labels: distinct.map(paramLabel), binned: false, at: values.map((v) => (v === null ? -1 : (index.get(v) ?? -1))), values };
  }
  const lo = distinct[0] as number;
  const hi = distinct[distinct.length - 1] as number;
  const width = (hi - lo) / HEATMAP_BINS;
  // Edges to two significant digits of the width: enough to tell neighbouring bins apart.
  const decimals = Math.min(12, Math.max(0, 1 - Math.floor(Math.log10(width))));
  const edge = (x: number): string => formatNumber(Number(x.toFixed(decimals)));
  const labels: string[] = [];
  for (let b = 0; b < HEATMAP_BINS; b++) labels.push(`${edge(lo + b * width)}\u2013${edge(b === HEATMAP_BINS - 1 ? hi : lo + (b + 1) * width)}`);
  const at = values.map((v) => (typeof v === 'number' ? Math.min(HEATMAP_BINS - 1, Math.floor((v - lo) / width)) : -1));
  return { name, labels, binned: true, at, values };
}

/** 20 to 30 bins (about the square root of the count) over the ok trials' values. */
export function objectiveHistogram(values: readonly number[], best: number | null): ReportHistogram | null {
  if (values.length === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === hi) {
    // One value: a window around it, so that it has a bin to stand in.
    const half = lo !== 0 ? Math.abs(lo) * 0.01 : 0.5;
    lo -= half;
    hi += half;
  }
  const bins = Math.min(30, Math.max(20, Math.ceil(Math.sqrt(values.length))));
  const width = (hi - lo) / bins;
  const binOf = (v: number): number => Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[binOf(v)] = (counts[binOf(v)] as number) + 1;
  const edges: number[] = [];
  for (let b = 0; b <= bins; b++) edges.push(b === bins ? hi : lo + b * width);
  return { edges, counts, best, bestBin: best === null ? null : binOf(best) };
}

/**
 * The best trial's equity curve from its returns. The returns say nothing of
 * the first point's equity, so the curve starts at the initial cash and
 * compounds (exact for a run whose first step trades nothing, as is the
 * rule: nothing can fill before the second bar). Points within one second
 * keep the last; long curves are thinned as the tear sheet thins them.
 */
export function bestEquity(best: TrialOutcome | undefined, initialCash: number): { t: number[]; v: (number | null)[] } {
  if (best === undefined || best.times.length === 0) return { t: [], v: [] };
  const equity = new Float64Array(best.times.length);
  equity[0] = initialCash;
  for (let i = 1; i < equity.length; i++) equity[i] = (equity[i - 1] as number) * (1 + (best.returns[i - 1] ?? 0));
  const idx = chartPoints(best.times);
  return {
    t: idx.map((i) => Math.floor((best.times[i] as number) / MICROS_PER_SECOND)),
    // After a step at zero equity the returns are undefined (NaN): no point there.
    v: idx.map((i) => (Number.isFinite(equity[i]) ? Number((equity[i] as number).toPrecision(12)) : null)),
  };
}

/** Everything the page draws, from the sweep's outcomes. */
export function optimizeReportData(input: OptimizeReportInput): OptimizeReportData {
  const { outcomes, objective, best } = input;
  const columns = [objective, ...REPORT_METRICS.filter((m) => m !== objective)];
  const bestIndex = best === undefined ? -1 : outcomes.findIndex((o) => o.trial === best.trial);
  const objectiveValues = outcomes.map((o) => (o.status === 'ok' ? metricOf(o, objective) : null));
  const okValues = objectiveValues.filter((v): v is number => v !== null);
  const signs = new Set(okValues.filter((v) => v !== 0).map(Math.sign));
  const bestValue = bestIndex >= 0 ? (objectiveValues[bestIndex] ?? null) : null;
  const ppy = best === undefined ? null : metricOf(best, 'periods_per_year');
  return {
    objective,
    minimize: input.minimize,
    diverging: SIGNED_METRICS.has(objective) || signs.size > 1,
    metrics: columns.map((name) => ({ name, kind: metricKind(name) })),
    trials: {
      trial: outcomes.map((o) => o.trial),
      status: outcomes.map((o) => o.status),
      reason: outcomes.map((o) => o.reason),
      metrics: columns.map((m) => outcomes.map((o) => (o.status === 'ok' ? metricOf(o, m) : null))),
    },
    axes: input.paramNames.map((name) => reportAxis(name, outcomes.map((o) => paramCell(paramOf(o, name))))),
    best: bestIndex,
    histogram: objectiveHistogram(okValues, bestValue),
    equity: bestEquity(best, input.initialCash),
    intraday: ppy !== null && ppy > 400,
    maxRows: MAX_TABLE_ROWS,
  };
}

// ---------------------------------------------------------------------------
// The parts of the page written here (text escaped); the rest is drawn by the page's script.
// ---------------------------------------------------------------------------

const DASH = '\u2014';

export function formatMetric(v: number | null | undefined, kind: MetricKind): string {
  if (kind === 'pct') return fmtPercent(v);
  if (kind === 'int') return fmtNumber(v, 0);
  if (kind === 'money') return fmtNumber(v, 2);
  return fmtNumber(v, 3);
}

const plain = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : (JSON.stringify(v) ?? String(v)));

/** overfitting.json's figures: label, how to show it, and what it says in one line. */
const OVERFITTING_FIGURES: readonly (readonly [key: string, label: string, kind: 'int' | 'num' | 'pct' | 'trial', explain: string])[] = [
  ['trials', 'Trials', 'int', 'ok trials the statistics account for: the more tried, the more luck the best one may owe.'],
  ['best_trial', 'Best trial', 'trial', 'the trial judged: the best by the objective.'],
  ['observations', 'Observations', 'int', "returns in the best trial's track record."],
  ['sharpe', 'Sharpe (per period)', 'num', "the best trial's mean return over its standard deviation, per period, not annualised."],
  ['sharpe_std', 'Sharpe dispersion', 'num', "standard deviation of the trials' per-period Sharpe ratios."],
  ['skew', 'Skew', 'num', "of the best trial's returns (0 for a symmetric distribution)."],
  ['kurtosis', 'Kurtosis', 'num', "of the best trial's returns (3 for a normal distribution; more: fatter tails)."],
  ['expected_max_sharpe', 'Expected max Sharpe', 'num', 'the best per-period Sharpe expected from this many trials with no skill at all.'],
  ['dsr', 'Deflated Sharpe (DSR)', 'pct', "probability that the best trial's Sharpe beats that luck (near 100%: likely real; below 95%: not proven)."],
  ['pbo', 'Probability of overfitting (PBO)', 'pct', 'share of in-sample/out-of-sample splits where the in-sample winner falls below the median out of sample.'],
  ['cscv_splits', 'CSCV blocks', 'int', 'blocks of the track record combined into in-sample and out-of-sample halves.'],
  ['performance_degradation', 'Performance degradation', 'num', 'out-of-sample Sharpe of the in-sample winner against its in-sample Sharpe (slope below 0: what wins in sample loses out of sample).'],
  ['probability_of_loss', 'Probability of loss', 'pct', 'share of splits where the in-sample winner has a negative Sharpe out of sample.'],
  ['min_backtest_length', 'Minimum backtest length', 'num', "track record needed for the best Sharpe not to be expected from this many trials by luck alone (units of the Sharpe ratio's period)."],
];

function figureValue(v: unknown, kind: 'int' | 'num' | 'pct' | 'trial'): string {
  if (typeof v !== 'number') {
    if (v === null || v === undefined) return DASH;
    if (typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.slope === 'number' || typeof o.intercept === 'number') return `slope ${fmtNumber(o.slope as number | null, 3)}, intercept ${fmtNumber(o.intercept as number | null, 4)}`;
    }
    return plain(v);
  }
  if (kind === 'trial') return `#${formatNumber(v)}`;
  if (kind === 'int') return fmtNumber(v, 0);
  if (kind === 'pct') return fmtPercent(v, 1);
  return fmtNumber(v, Math.abs(v) < 0.1 ? 4 : 3);
}

function overfittingSection(input: OptimizeReportInput): string {
  const of = input.overfitting;
  const verdict = input.verdict !== undefined && input.verdict !== '' ? `<p class="verdict" id="verdict">${escapeHtml(input.verdict)}</p>` : '';
  if (of === undefined) return verdict === '' ? '' : `<section class="card" id="overfitting"><h2>Overfitting</h2>${verdict}</section>`;
  const known = new Set(OVERFITTING_FIGURES.map(([k]) => k));
  const rows = OVERFITTING_FIGURES.filter(([k]) => Object.hasOwn(of, k)).map(
    ([k, label, kind, explain]) => `<tr data-key="${escapeHtml(k)}"><td>${escapeHtml(label)}</td><td class="v">${escapeHtml(figureValue(of[k], kind))}</td><td class="why">${escapeHtml(explain)}</td></tr>`,
  );
  // Figures this page does not know are shown too, without an explanation.
  for (const [k, v] of Object.entries(of)) {
    if (!known.has(k)) rows.push(`<tr data-key="${escapeHtml(k)}"><td>${escapeHtml(k)}</td><td class="v">${escapeHtml(figureValue(v, 'num'))}</td><td class="why"></td></tr>`);
  }
  return `<section class="card" id="overfitting"><h2>Overfitting</h2>${verdict}<table class="figures">${rows.join('')}</table>` +
    `<div class="note">Deflated Sharpe ratio: Bailey and L\u00f3pez de Prado (2014). Probability of backtest overfitting by combinatorially symmetric cross-validation: Bailey, Borwein, L\u00f3pez de Prado and Zhu (2015).</div></section>`;
}

function settingsSection(settings: Readonly<Record<string, unknown>> | undefined): string {
  if (settings === undefined || Object.keys(settings).length === 0) return '';
  const rows = Object.entries(settings).map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(plain(v))}</td></tr>`);
  return `<section class="card" id="settings"><h2>Settings</h2><table class="settings">${rows.join('')}</table></section>`;
}

/** The optimizer's report: one self-contained HTML file (no network), under the same Content-Security-Policy as the tear sheet. */
export function optimizeReportHtml(input: OptimizeReportInput): string {
  const data = optimizeReportData(input);
  const { outcomes, best, objective } = input;
  const count = (s: TrialStatus): number => outcomes.filter((o) => o.status === s).length;
  const direction = input.minimize ? 'minimized' : 'maximized';
  const kind = metricKind(objective);
  const bestLine =
    best === undefined
      ? `<div class="sub" id="best">No best trial: no ok trial has a ${escapeHtml(objective)}.</div>`
      : `<div class="sub" id="best">Best: trial #${escapeHtml(String(best.trial))}, ${escapeHtml(objective)} ${escapeHtml(formatMetric(metricOf(best, objective), kind))}</div>` +
        `<div class="chips" id="best-params">${input.paramNames
          .map((n) => {
            const v = paramCell(paramOf(best, n));
            const full = v === null ? '' : String(v);
            const short = v === null ? '' : paramLabel(v);
            return `<span class="chip"${short !== full ? ` title="${escapeHtml(full)}"` : ''}>${escapeHtml(n)}=${escapeHtml(short)}</span>`;
          })
          .join('')}</div>`;
  const params = input.paramNames.length;
  const mapTitle = params === 1 ? `${escapeHtml(objective)} by ${escapeHtml(input.paramNames[0] ?? '')}` : `${escapeHtml(objective)} by two parameters`;
  const controls =
    params >= 2
      ? `<div class="controls"><label>X <select id="heat-x"></select></label><label>Y <select id="heat-y"></select></label>` +
        (params > 2
          ? `<label>other parameters <select id="heat-others"><option value="best">at the best trial's values</option><option value="over">best over the others (${input.minimize ? 'min' : 'max'})</option></select></label>`
          : '') +
        `</div>`
      : '';
  const map =
    params === 0
      ? '<div class="empty">No parameters were swept.</div>'
      : params === 1
        ? '<div class="bars-wrap"><canvas class="bars" id="param-chart"></canvas></div><div class="note" id="heat-note"></div>'
        : `${controls}<div class="heat-wrap"><div class="heat-y" id="heat-ylabel"></div><div class="heatmap" id="heatmap"></div></div><div class="heat-xlabel" id="heat-xlabel"></div><div class="note" id="heat-note"></div>`;
  const body = `<main>
<header class="top">
  <div>
    <h1>${escapeHtml(input.strategyName)}</h1>
    <div class="sub" id="objective">Objective: ${escapeHtml(objective)} (${direction})</div>
    <div class="sub" id="counts">${outcomes.length} trials: ${count('ok')} ok, ${count('skipped')} skipped, ${count('failed')} failed</div>
    ${bestLine}
  </div>
  <div class="brand">QuantFlow optimization report</div>
</header>
${overfittingSection(input)}
<section class="card" id="equity"><h2>Best trial's equity</h2>${
    data.equity.t.length > 0 ? '<div class="chart h-best" id="chart-equity"></div>' : '<div class="empty" id="chart-equity">No best trial to draw.</div>'
  }</section>
<section class="card" id="map"><h2>${mapTitle}</h2>${map}</section>
<section class="card" id="distribution"><h2>Distribution of ${escapeHtml(objective)} over ok trials</h2>${
    data.histogram !== null ? '<div class="bars-wrap"><canvas class="bars" id="histogram"></canvas></div><div class="note" id="histogram-note"></div>' : '<div class="empty" id="histogram">No ok trial with a value.</div>'
  }</section>
<section class="card" id="trial-list"><h2>Trials</h2><div class="trades-wrap"><table class="trades" id="trials"></table></div><div class="note" id="trials-note"></div></section>
${settingsSection(input.settings)}
<footer>Charts: TradingView Lightweight Charts\u2122, Copyright (c) TradingView, Inc., <a href="https://www.tradingview.com/">tradingview.com</a>.</footer>
</main>`;
  return htmlPage({
    title: `${input.strategyName} \u2014 optimization report`,
    style: STYLE + OPTIMIZE_REPORT_STYLE,
    body,
    data,
    scripts: [lightweightChartsSource(), OPTIMIZE_REPORT_APP],
  });
}
