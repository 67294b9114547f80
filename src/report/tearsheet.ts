import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openFeeds } from '../backtest/run.js';
import { isRemoteRoot, listDatasets, type DatasetKey } from '../data/index.js';
import { InputError } from '../core/errors.js';
import { MICROS_PER_SECOND } from '../core/time.js';
import { STYLE, TEARSHEET_APP, escapeHtml, lightweightChartsSource } from './assets.js';
import { htmlPage } from './html-page.js';
import type { ReconciliationView } from './reconciliation-section.js';
import { reconciliationOf, renderReconciliation } from './reconciliation-section.js';
import { stepsAsCount, stepsAsTime } from './time-span.js';
import { drawdownSeries, periodReturns, rollingSharpeAndVolatility, stepReturns } from './metrics.js';
import type { Num, PerformanceMetrics, PriceSeries } from './performance.js';
import type { OhlcSeries } from './prices.js';
import { loadBenchmark, readPriceSeries } from './prices.js';
import { inputAt } from './own-inputs.js';
import type { RunFiles, RunSettings, TradeRow } from './run-dir.js';
import { RUN_DIR_INPUTS, initialCashOf, readRunDir, readRunSettings, runPerformance } from './run-dir.js';

/** Points per line chart at most; longer curves are thinned (last value of each bucket, deepest drawdown). */
export const MAX_CHART_POINTS = 20_000;

type Metrics = ReturnType<typeof runPerformance>;

/** The data the page draws, as embedded in it (#qf-data). Times are UTC seconds. */
export interface TearsheetData {
  readonly intraday: boolean;
  readonly initialCash: number;
  readonly pricePrecision: number;
  readonly equity: { readonly t: number[]; readonly v: Num[] };
  readonly drawdown: Num[];
  readonly benchmark: { readonly symbol: string; readonly v: Num[] } | null;
  readonly rolling: { readonly window: number; readonly sharpe: Num[]; readonly volatility: Num[] } | null;
  readonly prices: readonly {
    readonly symbol: string;
    readonly precision: number;
    readonly t: number[];
    readonly o: number[];
    readonly h: number[];
    readonly l: number[];
    readonly c: number[];
    /**
     * Trade entries and exits, by bar: `bar` indexes into `t` (ascending),
     * `flag` has bit 1 for an entry (else an exit), 2 for a long trade (else
     * short), 4 for a winning trade. Columns keep 38,834 trades to a few
     * hundred kB; the page draws only those in view (at most a couple of
     * hundred, counted per time bucket beyond that).
     */
    readonly marks: { readonly bar: number[]; readonly flag: number[] };
  }[];
  readonly monthly: { readonly scale: number; readonly years: readonly { year: number; months: Num[]; total: Num }[] };
  /** Rows: id, symbol, direction, quantity, entry (s), entry price, exit (s), exit price, net P&L, return, bars, MAE, MFE. */
  readonly trades: readonly (string | number | null)[][];
}

const sec = (us: number): number => Math.floor(us / MICROS_PER_SECOND);
const round = (x: number, digits = 8): Num => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : null);

/** Decimal places needed to show prices as written (at most 8). */
export function decimalsOf(values: ArrayLike<number>): number {
  let d = 0;
  const step = Math.max(1, Math.floor(values.length / 500));
  for (let i = 0; i < values.length && d < 8; i += step) {
    const v = values[i] as number;
    while (d < 8 && Math.abs(Math.round(v * 10 ** d) - v * 10 ** d) > 1e-6) d++;
  }
  return d;
}

/**
 * Decimals for a price axis: 2 from a median price of 10 up, else as written
 * up to 5 (below 1: up to 8), never fewer than 2.
 */
export function axisPrecision(close: ArrayLike<number>): number {
  if (close.length === 0) return 2;
  const sorted = Float64Array.from(close).sort();
  const median = sorted[sorted.length >> 1] as number;
  const written = decimalsOf(close);
  if (median >= 10) return 2;
  return Math.max(2, Math.min(written, median >= 1 ? 5 : 8));
}

/**
 * Indexes of the points to draw: one per distinct UTC second (the last), and
 * at most `max` of them (the last of each equal-sized bucket).
 */
export function chartPoints(times: ArrayLike<number>, max = MAX_CHART_POINTS): number[] {
  const distinct: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const s = sec(times[i] as number);
    if (i + 1 < times.length && sec(times[i + 1] as number) === s) continue;
    distinct.push(i);
  }
  if (distinct.length <= max) return distinct;
  const out: number[] = [];
  const span = Math.ceil(distinct.length / max);
  for (let k = span - 1; k < distinct.length + span - 1; k += span) out.push(distinct[Math.min(k, distinct.length - 1)] as number);
  return out;
}

/** The first bar at or after time `t` (the bar that contains it), or the last bar. */
function barAt(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Flags of a trade mark (TearsheetData prices[].marks.flag). */
export const MARK_ENTRY = 1;
export const MARK_LONG = 2;
export const MARK_WIN = 4;

/** Bars for the chart: strictly increasing whole seconds (bars within one second merge). */
function chartBars(s: OhlcSeries, trades: readonly TradeRow[]): TearsheetData['prices'][number] {
  const t: number[] = [];
  const o: number[] = [];
  const h: number[] = [];
  const l: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < s.time.length; i++) {
    const ts = sec(s.time[i] as number);
    const k = t.length - 1;
    if (k >= 0 && t[k] === ts) {
      h[k] = Math.max(h[k] as number, s.high[i] as number);
      l[k] = Math.min(l[k] as number, s.low[i] as number);
      c[k] = s.close[i] as number;
      continue;
    }
    t.push(ts);
    o.push(s.open[i] as number);
    h.push(s.high[i] as number);
    l.push(s.low[i] as number);
    c.push(s.close[i] as number);
  }
  const marks: { bar: number; flag: number }[] = [];
  if (t.length > 0) {
    for (const tr of trades) {
      if (tr.symbol !== s.symbol) continue;
      const flag = (tr.direction === 'long' ? MARK_LONG : 0) | (tr.netPnl > 0 ? MARK_WIN : 0);
      if (Number.isFinite(tr.entryTime)) marks.push({ bar: barAt(t, sec(tr.entryTime)), flag: flag | MARK_ENTRY });
      if (Number.isFinite(tr.exitTime)) marks.push({ bar: barAt(t, sec(tr.exitTime)), flag });
    }
    marks.sort((a, b) => a.bar - b.bar); // stable: trade order within a bar
  }
  return { symbol: s.symbol, precision: axisPrecision(c), t, o, h, l, c, marks: { bar: marks.map((m) => m.bar), flag: marks.map((m) => m.flag) } };
}

/** Benchmark closes at the run's steps, rebased so they start at the run's first equity value. */
function rebasedBenchmark(run: RunFiles, bench: PriceSeries, idx: readonly number[]): Num[] {
  const out: Num[] = [];
  let j = 0;
  let base = NaN;
  const first = run.equity[0] as number;
  for (const i of idx) {
    const t = run.time[i] as number;
    while (j + 1 < bench.time.length && (bench.time[j + 1] as number) <= t) j++;
    const bt = bench.time[j] as number;
    if (bt > t) {
      out.push(null);
      continue;
    }
    const close = bench.close[j] as number;
    if (Number.isNaN(base)) base = close;
    out.push(round((first * close) / base));
  }
  return out;
}

function monthlyTable(run: RunFiles, initial: number): TearsheetData['monthly'] {
  const returns = stepReturns(initial, run.equity);
  const monthly = periodReturns(run.time, returns, 'monthly');
  const yearly = periodReturns(run.time, returns, 'yearly');
  const years = yearly.map((y) => ({ year: y.year, months: new Array<Num>(12).fill(null), total: round(y.return) }));
  const byYear = new Map(years.map((y) => [y.year, y]));
  const mags: number[] = [];
  for (const m of monthly) {
    const row = byYear.get(m.year);
    if (row !== undefined) row.months[m.month - 1] = round(m.return);
    if (Number.isFinite(m.return) && m.return !== 0) mags.push(Math.abs(m.return));
  }
  mags.sort((a, b) => a - b);
  // Colour scale: the 90th percentile of the monthly moves, so one outlier does not wash out the rest.
  const scale = mags.length > 0 ? (mags[Math.floor(0.9 * (mags.length - 1))] as number) : 0.01;
  return { scale: scale > 0 ? scale : 0.01, years };
}

/** Everything the page draws, from a run's files and (optionally) its prices and a benchmark. */
export function tearsheetData(run: RunFiles, metrics: Metrics, prices: readonly OhlcSeries[], benchmark: PriceSeries | undefined): TearsheetData {
  const initial = initialCashOf(run);
  const idx = chartPoints(run.time);
  const dd = drawdownSeries(initial, run.equity);
  const ppy = metrics.periods_per_year;
  const returns = stepReturns(initial, run.equity);
  const { sharpe: rs, volatility: rv } = rollingSharpeAndVolatility(returns, metrics.rolling_window, ppy);
  // Each drawn point stands for the steps since the previous one: show the deepest drawdown among them.
  const ddPoints: Num[] = [];
  let prev = -1;
  for (const i of idx) {
    let worst = 0;
    for (let k = prev + 1; k <= i; k++) worst = Math.min(worst, dd[k] as number);
    ddPoints.push(round(worst * 100, 6));
    prev = i;
  }
  const hasRolling = rs.some((x) => Number.isFinite(x)) || rv.some((x) => Number.isFinite(x));
  const trades = run.trades.map((t) => {
    const notional = t.quantity * t.entryPrice;
    return [
      t.tradeId,
      t.symbol,
      t.direction,
      t.quantity,
      Number.isFinite(t.entryTime) ? sec(t.entryTime) : null,
      t.entryPrice,
      Number.isFinite(t.exitTime) ? sec(t.exitTime) : null,
      t.exitPrice,
      round(t.netPnl, 12),
      notional !== 0 ? round(t.netPnl / Math.abs(notional)) : null,
      t.barsHeld,
      round(t.mae, 12),
      round(t.mfe, 12),
    ];
  });
  const chartPrices = prices.map((p) => chartBars(p, run.trades));
  return {
    intraday: ppy > 400,
    initialCash: initial,
    pricePrecision: Math.max(2, Math.min(6, decimalsOf([...run.trades.map((t) => t.entryPrice), ...run.trades.map((t) => t.exitPrice)]))),
    equity: { t: idx.map((i) => sec(run.time[i] as number)), v: idx.map((i) => round(run.equity[i] as number, 12)) },
    drawdown: ddPoints,
    benchmark: benchmark !== undefined ? { symbol: benchmark.symbol, v: rebasedBenchmark(run, benchmark, idx) } : null,
    rolling: hasRolling ? { window: metrics.rolling_window, sharpe: idx.map((i) => round(rs[i] as number, 6)), volatility: idx.map((i) => round((rv[i] as number) * 100, 6)) } : null,
    prices: chartPrices,
    monthly: monthlyTable(run, initial),
    trades,
  };
}

// ---------------------------------------------------------------------------
// Formatting of the metrics table and headline figures.
// ---------------------------------------------------------------------------

const DASH = '\u2014';
export function fmtNumber(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  if (Number(x.toFixed(digits)) === 0) x = 0; // no "-0.00"
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
export function fmtPercent(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? DASH : `${fmtNumber(x * 100, digits)}%`;
}
const fmtMoney = (x: number | null | undefined): string => fmtNumber(x, 2);
const fmtInt = (x: number | null | undefined): string => fmtNumber(x, 0);
const date = (iso: unknown): string => (typeof iso === 'string' && iso.length >= 10 ? iso.slice(0, 10) : DASH);
const tone = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) || x === 0 ? '' : x > 0 ? 'pos' : 'neg');

type Row = readonly [label: string, value: string, cls?: string];

/** The metrics table: three groups of [label, formatted value]. */
export function metricRows(summary: Readonly<Record<string, unknown>>, m: Metrics): { title: string; rows: Row[] }[] {
  const s = (k: string): number | null => (typeof summary[k] === 'number' ? (summary[k] as number) : null);
  const fees = s('fees');
  const netProfit = s('net_profit');
  const pm: PerformanceMetrics = m;
  return [
    {
      title: 'Returns',
      rows: [
        ['Net profit', fmtMoney(netProfit), tone(netProfit)],
        ['Total return', fmtPercent(m.total_return), tone(m.total_return)],
        ['Annual return (CAGR)', fmtPercent(pm.annual_return), tone(pm.annual_return)],
        ['Annual volatility', fmtPercent(pm.annual_volatility)],
        ['Sharpe ratio', fmtNumber(m.sharpe)],
        ['Sortino ratio', fmtNumber(pm.sortino)],
        ['Calmar ratio', fmtNumber(pm.calmar)],
        ['Omega ratio', fmtNumber(pm.omega)],
        ['Tail ratio', fmtNumber(pm.tail_ratio)],
        ['Stability (R\u00b2)', fmtNumber(pm.stability)],
        ['Skew', fmtNumber(pm.skew)],
        ['Kurtosis (excess)', fmtNumber(pm.kurtosis)],
      ],
    },
    {
      title: 'Risk',
      rows: [
        ['Max drawdown', fmtPercent(m.max_drawdown), tone(m.max_drawdown)],
        ['Drawdown peak', date(pm.max_drawdown_peak)],
        ['Drawdown trough', date(pm.max_drawdown_trough)],
        ['Recovered', pm.max_drawdown_trough === null ? DASH : pm.max_drawdown_recovery === null ? 'not yet' : date(pm.max_drawdown_recovery)],
        ['Longest drawdown', `${fmtInt(pm.max_drawdown_duration)} bars / ${fmtInt(pm.max_drawdown_duration_days)} days`],
        ['VaR 5% (one period)', fmtPercent(pm.value_at_risk, 3)],
        ['CVaR 5% (one period)', fmtPercent(pm.conditional_value_at_risk, 3)],
        [`Alpha${pm.benchmark !== null ? ` vs ${pm.benchmark}` : ''}`, fmtPercent(pm.alpha)],
        ['Beta', fmtNumber(pm.beta, 3)],
        ['Benchmark return', fmtPercent(pm.benchmark_return), tone(pm.benchmark_return)],
        ['Exposure time', fmtPercent(pm.exposure_time, 1)],
        ['Annual turnover', `${fmtNumber(pm.annual_turnover)}\u00d7`],
      ],
    },
    {
      title: 'Trades',
      rows: [
        ['Closed trades', fmtInt(typeof summary.closed_trades === 'number' ? summary.closed_trades : null)],
        ['Win rate', fmtPercent(pm.win_rate, 1)],
        ['Profit factor', fmtNumber(pm.profit_factor)],
        ['Expectancy', fmtMoney(pm.expectancy), tone(pm.expectancy)],
        ['Average win / loss', `${fmtMoney(pm.average_win)} / ${fmtMoney(pm.average_loss)}`],
        ['Payoff ratio', fmtNumber(pm.payoff_ratio)],
        ['SQN', fmtNumber(pm.sqn)],
        ['Largest win / loss', `${fmtMoney(pm.largest_win)} / ${fmtMoney(pm.largest_loss)}`],
        ['Longest win / loss streak', `${pm.longest_winning_streak} / ${pm.longest_losing_streak}`],
        ['Average bars held', fmtNumber(pm.average_bars_held, 1)],
        ['Fees', fmtMoney(fees)],
      ],
    },
  ];
}

function kpis(summary: Readonly<Record<string, unknown>>, m: Metrics): Row[] {
  const pm: PerformanceMetrics = m;
  return [
    ['Total return', fmtPercent(m.total_return), tone(m.total_return)],
    ['CAGR', fmtPercent(pm.annual_return), tone(pm.annual_return)],
    ['Sharpe', fmtNumber(m.sharpe)],
    ['Sortino', fmtNumber(pm.sortino)],
    ['Max drawdown', fmtPercent(m.max_drawdown), tone(m.max_drawdown)],
    ['Win rate', fmtPercent(pm.win_rate, 1)],
    ['Profit factor', fmtNumber(pm.profit_factor)],
    ['Trades', fmtInt(typeof summary.closed_trades === 'number' ? summary.closed_trades : m.winning_trades + m.losing_trades)],
  ];
}

const cell = ([label, value, cls]: Row): string => `<tr><td>${escapeHtml(label)}</td><td class="${cls ?? ''}">${escapeHtml(value)}</td></tr>`;

/** The whole page: one HTML file with the chart library, the data and the script inline. */
export function renderTearsheet(
  summary: Readonly<Record<string, unknown>>,
  metrics: Metrics,
  data: TearsheetData,
  notes: readonly string[] = [],
  reconciliation?: ReconciliationView,
): string {
  const strategy = typeof summary.strategy === 'string' ? summary.strategy : 'Backtest';
  const symbols = Array.isArray(summary.symbols) ? (summary.symbols as unknown[]).map(String) : [];
  const params = summary.params !== null && typeof summary.params === 'object' ? Object.entries(summary.params as Record<string, unknown>) : [];
  const title = `${strategy}${symbols.length > 0 ? ` \u00b7 ${symbols.join(', ')}` : ''}`;
  const period = `${date(summary.start)} \u2192 ${date(summary.end)}`;
  const initial = typeof summary.initial_cash === 'number' ? summary.initial_cash : data.initialCash;
  const finalEq = typeof summary.final_equity === 'number' ? summary.final_equity : null;
  const count = (k: string, what: string): string | undefined => (typeof summary[k] === 'number' && (summary[k] as number) > 0 ? `${fmtInt(summary[k] as number)} ${what}` : undefined);
  const bars = [count('bars', 'bars'), count('quotes', 'quotes'), count('trades', 'trade prints')].filter((x) => x !== undefined).join(', ') || '0 bars';
  const groups = metricRows(summary, metrics);
  // Legend swatches by class (the page's CSP allows no style attributes).
  type Swatch = readonly [swatch: 'accent' | 'bench' | 'down', label: string];
  const legend = (items: readonly Swatch[]): string =>
    `<span class="legend">${items.map(([c, l]) => `<span><i class="sw-${c}"></i>${escapeHtml(l)}</span>`).join('')}</span>`;
  const priceSection =
    data.prices.length > 0
      ? `<div class="chart-wrap"><div class="chart h-price" id="chart-price"></div><div class="chart-note" id="price-note" hidden></div></div>` +
        `<div class="note">Blue arrows mark entries (up: long, down: short); exits are green for a winning trade, red for a losing one. ` +
        `With more than 200 in view, entries (below the bars) and exits (above) are counted per time bucket instead; zoom in (mouse wheel) to see each trade.</div>`
      : `<div class="empty" id="chart-price">No price data: ${escapeHtml(notes.find((n) => n.startsWith('prices:'))?.slice(8).trim() ?? 'the run has no run.json to find its data.')}</div>`;
  const body = `<main>
<header class="top">
  <div>
    <h1>${escapeHtml(strategy)}${symbols.length > 0 ? ` <span class="sym">${escapeHtml(symbols.join(', '))}</span>` : ''}</h1>
    <div class="sub">${escapeHtml(period)} \u00b7 ${escapeHtml(bars)} \u00b7 ${escapeHtml(fmtMoney(initial))} \u2192 ${escapeHtml(fmtMoney(finalEq))}</div>
    <div class="chips">${params.map(([k, v]) => `<span class="chip">${escapeHtml(k)}=${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}</span>`).join('')}</div>
  </div>
  <div class="brand">QuantFlow backtest report<br>${escapeHtml(fmtNumber(metrics.periods_per_year, Number.isInteger(metrics.periods_per_year) ? 0 : 2))} periods a year \u00b7 risk-free rate 0</div>
</header>
<div class="kpis">${kpis(summary, metrics)
    .map(([l, v, c]) => `<div class="kpi"><div class="label">${escapeHtml(l)}</div><div class="value ${c ?? ''}">${escapeHtml(v)}</div></div>`)
    .join('')}</div>
${reconciliation !== undefined ? `${renderReconciliation(reconciliation)}\n` : ''}<section class="card" id="equity"><h2>Equity and drawdown ${legend([
    ['accent', 'Equity'],
    ...(data.benchmark !== null ? [['bench', `${data.benchmark.symbol}, rebased (left axis)`] as const] : []),
    ['down', 'Drawdown from peak'],
  ])}</h2>
  <div class="chart h-equity" id="chart-equity"></div></section>
<section class="card" id="price"><h2>Price and trades <span class="tabs" id="price-tabs"></span></h2>${priceSection}</section>
<div class="grid2">
  <section class="card" id="monthly"><h2>Monthly returns</h2><table class="heat" id="heatmap"></table></section>
  <div>
    <section class="card" id="yearly"><h2>Annual returns</h2><div class="chart h-yearly" id="chart-yearly"></div></section>
    <section class="card" id="rolling"><h2>Rolling ${escapeHtml(stepsAsTime(metrics.rolling_window, metrics.periods_per_year))} <span class="dim">${escapeHtml(stepsAsCount(metrics.rolling_window, metrics.periods_per_year))}</span> ${legend([['accent', 'Sharpe (right)'], ['bench', 'volatility (left)']])}</h2>${
      data.rolling !== null ? '<div class="chart h-rolling" id="chart-rolling"></div>' : '<div class="empty">Too few periods for a rolling window.</div>'
    }</section>
  </div>
</div>
<section class="card" id="metrics"><h2>Performance metrics</h2><div class="metrics">${groups
    .map((g) => `<div><h3>${escapeHtml(g.title)}</h3><table>${g.rows.map(cell).join('')}</table></div>`)
    .join('')}</div></section>
<section class="card" id="trade-list"><h2>Trades</h2><div class="trades-wrap"><table class="trades" id="trades"></table></div><div class="note" id="trades-note"></div></section>
<footer>Metrics follow empyrical's conventions (see docs/metrics.md). Charts: TradingView Lightweight Charts\u2122, Copyright (c) TradingView, Inc., <a href="https://www.tradingview.com/">tradingview.com</a>.</footer>
</main>`;
  return htmlPage({ title: `${title} \u2014 backtest report`, style: STYLE, body, data, scripts: [lightweightChartsSource(), TEARSHEET_APP] });
}

export interface ReportOptions {
  /** Benchmark CSV; by default the one the run was made with (run.json), if any. */
  readonly benchmark?: string | undefined;
  /** Output file (default RUN_DIR/report.html). */
  readonly out?: string | undefined;
  /** A "Backtest versus live" section (quantflow reconcile); by default RUN_DIR/reconcile.json's, when there is one. */
  readonly reconciliation?: ReconciliationView | undefined;
}

export interface ReportResult {
  readonly path: string;
  /** What could not be shown, e.g. prices whose data files are gone. */
  readonly notes: readonly string[];
}

/** Prices of the run's instruments, read again from its data files (run.json). */
export function runPrices(run: RunFiles, notes: string[]): OhlcSeries[] {
  const cfg = run.settings?.config;
  if (cfg === undefined) {
    notes.push('prices: the run directory has no run.json naming its data files');
    return [];
  }
  const missing = cfg.data.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    notes.push(`prices: data file not found: ${missing.join(', ')}`);
    return [];
  }
  let catalogSets: DatasetKey[] = [];
  if (cfg.catalog !== undefined) {
    if (isRemoteRoot(cfg.catalog)) {
      notes.push(`prices: not read again from the object store ${cfg.catalog}`);
      return [];
    }
    const symbols = cfg.symbol ?? [];
    catalogSets = existsSync(cfg.catalog) ? listDatasets(cfg.catalog).filter((k) => symbols.includes(k.symbol)) : [];
    if (catalogSets.length === 0) {
      notes.push(`prices: catalog not found: ${cfg.catalog}`);
      return [];
    }
  }
  try {
    return readPriceSeries(openFeeds({ ...cfg, onInvalid: 'skip', cache: false }, undefined, catalogSets));
  } catch (e) {
    if (e instanceof InputError) {
      notes.push(`prices: ${e.message}`);
      return [];
    }
    throw e;
  }
}

/** Everything writeReport reads for a run: its files, the data, actions file and catalog of its run.json, the benchmark. */
export function reportInputs(dir: string, settings: RunSettings | undefined, benchmark: string | undefined): string[] {
  const cfg = settings?.config;
  return [
    ...[...RUN_DIR_INPUTS, 'reconcile.json'].map((f) => join(dir, f)),
    ...(cfg?.data ?? []),
    ...(cfg?.actions !== undefined ? [cfg.actions] : []),
    // A catalog is read as a folder of files: no output may replace one of them.
    ...(cfg?.catalog !== undefined && !isRemoteRoot(cfg.catalog) ? [cfg.catalog] : []),
    ...(benchmark !== undefined ? [benchmark] : []),
  ];
}

/**
 * Refuses a report output that is one of the files the report is made from
 * (writing it would replace that input). `benchmark` as for writeReport.
 */
export function refuseReportOutput(dir: string, out: string, benchmark?: string, settings: RunSettings | undefined = readRunSettings(join(dir, 'run.json'))): void {
  const input = inputAt(out, reportInputs(dir, settings, benchmark ?? settings?.benchmark ?? undefined));
  if (input !== undefined) throw new InputError({ code: 'invalid_option', field: '--out', value: out, message: `is a file the report reads (${input}): write the report to another file` });
}

/** Writes RUN_DIR/report.html from the files of a run directory. */
export function writeReport(dir: string, options: ReportOptions = {}): ReportResult {
  const run = readRunDir(dir);
  const path = options.out ?? join(dir, 'report.html');
  refuseReportOutput(dir, path, options.benchmark, run.settings);
  const notes: string[] = [];
  const benchPath = options.benchmark ?? run.settings?.benchmark ?? undefined;
  const benchmark = benchPath !== undefined && benchPath !== null ? loadBenchmark(benchPath) : undefined;
  const metrics = runPerformance(run, benchmark);
  const prices = runPrices(run, notes);
  const reconciliation = options.reconciliation ?? readReconciliation(dir);
  const html = renderTearsheet(run.summary, metrics, tearsheetData(run, metrics, prices, benchmark), notes, reconciliation);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
  return { path, notes };
}

/** RUN_DIR/reconcile.json, when there is one and it is readable. */
function readReconciliation(dir: string): ReconciliationView | undefined {
  const file = join(dir, 'reconcile.json');
  if (!existsSync(file)) return undefined;
  try {
    return reconciliationOf(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}
