import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { MICROS_PER_SECOND } from '../core/time.js';
import { COMPARE_APP, PALETTE, STYLE, escapeHtml, lightweightChartsSource } from './assets.js';
import { htmlPage } from './html-page.js';
import { csvField, formatNumber } from './format.js';
import { inputAt } from './own-inputs.js';
import type { PriceSeries } from './performance.js';
import { loadBenchmark } from './prices.js';
import type { RunFiles } from './run-dir.js';
import { RUN_DIR_INPUTS, initialCashOf, readRunDir, runPerformance } from './run-dir.js';
import { chartPoints, fmtNumber, fmtPercent } from './tearsheet.js';

type Metrics = ReturnType<typeof runPerformance>;

/** One compared run: where it is, its label, its files and its metrics. */
export interface ComparedRun {
  readonly label: string;
  readonly dir: string;
  readonly run: RunFiles;
  readonly metrics: Metrics;
  /** The benchmark file alpha and beta are measured against: the run's own (run.json), when it could be read. */
  readonly benchmark?: string;
  /** What could not be shown: alpha and beta when the run's benchmark cannot be read. */
  readonly note?: string;
}

interface CompareRow {
  readonly name: string;
  /** Raw value for compare.csv (a number, text, or null). */
  readonly raw: (r: ComparedRun) => number | string | null;
  /** Shown value for the table. */
  readonly show: (r: ComparedRun) => string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
const numOf = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function metricRow(name: string, key: keyof Metrics, kind: 'pct' | 'num' | 'int' | 'days'): CompareRow {
  const get = (r: ComparedRun): number | null => numOf(r.metrics[key]);
  const show = (r: ComparedRun): string => {
    const v = get(r);
    if (kind === 'pct') return fmtPercent(v);
    if (kind === 'int') return fmtNumber(v, 0);
    if (kind === 'days') return v === null ? '\u2014' : `${fmtNumber(v, 0)} d`;
    return fmtNumber(v);
  };
  return { name, raw: get, show };
}

/** The rows of the side-by-side table, in order. */
export const COMPARE_ROWS: readonly CompareRow[] = [
  { name: 'strategy', raw: (r) => str(r.run.summary.strategy), show: (r) => str(r.run.summary.strategy) },
  { name: 'symbols', raw: (r) => (Array.isArray(r.run.summary.symbols) ? r.run.summary.symbols.join(' ') : ''), show: (r) => (Array.isArray(r.run.summary.symbols) ? r.run.summary.symbols.join(', ') : '') },
  { name: 'params', raw: (r) => str(r.run.summary.params), show: (r) => str(r.run.summary.params) },
  { name: 'start', raw: (r) => str(r.run.summary.start), show: (r) => str(r.run.summary.start).slice(0, 10) },
  { name: 'end', raw: (r) => str(r.run.summary.end), show: (r) => str(r.run.summary.end).slice(0, 10) },
  { name: 'final_equity', raw: (r) => r.run.equity[r.run.equity.length - 1] ?? null, show: (r) => fmtNumber(r.run.equity[r.run.equity.length - 1] ?? null) },
  metricRow('total_return', 'total_return', 'pct'),
  metricRow('annual_return', 'annual_return', 'pct'),
  metricRow('annual_volatility', 'annual_volatility', 'pct'),
  metricRow('sharpe', 'sharpe', 'num'),
  metricRow('sortino', 'sortino', 'num'),
  metricRow('calmar', 'calmar', 'num'),
  metricRow('omega', 'omega', 'num'),
  metricRow('stability', 'stability', 'num'),
  metricRow('max_drawdown', 'max_drawdown', 'pct'),
  metricRow('max_drawdown_duration_days', 'max_drawdown_duration_days', 'days'),
  metricRow('value_at_risk', 'value_at_risk', 'pct'),
  metricRow('conditional_value_at_risk', 'conditional_value_at_risk', 'pct'),
  metricRow('alpha', 'alpha', 'pct'),
  metricRow('beta', 'beta', 'num'),
  { name: 'closed_trades', raw: (r) => r.run.trades.length, show: (r) => fmtNumber(r.run.trades.length, 0) },
  metricRow('win_rate', 'win_rate', 'pct'),
  metricRow('profit_factor', 'profit_factor', 'num'),
  metricRow('expectancy', 'expectancy', 'num'),
  metricRow('payoff_ratio', 'payoff_ratio', 'num'),
  metricRow('sqn', 'sqn', 'num'),
  metricRow('average_bars_held', 'average_bars_held', 'num'),
  metricRow('exposure_time', 'exposure_time', 'pct'),
  metricRow('annual_turnover', 'annual_turnover', 'num'),
];

/**
 * Reads and measures each run directory; labels are the directory names
 * (paths when names repeat). A run made with a benchmark is measured against
 * it (alpha, beta), as its summary.json is.
 */
export function compareRuns(dirs: readonly string[]): ComparedRun[] {
  if (dirs.length < 2) throw new InputError({ code: 'invalid_option', field: 'RUN_DIR', value: dirs.join(' '), message: 'give at least two run directories to compare' });
  const names = dirs.map((d) => basename(resolve(d)));
  const benchmarks = new Map<string, PriceSeries>(); // runs often share one
  return dirs.map((dir, i) => {
    const run = readRunDir(dir);
    const unique = names.filter((n) => n === names[i]).length === 1;
    const label = unique ? (names[i] as string) : relative(process.cwd(), resolve(dir)) || dir;
    const path = run.settings?.benchmark ?? undefined;
    if (path === undefined) return { label, dir, run, metrics: runPerformance(run) };
    let benchmark = benchmarks.get(path);
    if (benchmark === undefined) {
      try {
        benchmark = loadBenchmark(path);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        return { label, dir, run, metrics: runPerformance(run), note: `alpha and beta are not shown: its benchmark cannot be read (${e.message})` };
      }
      benchmarks.set(path, benchmark);
    }
    return { label, dir, run, metrics: runPerformance(run, benchmark), benchmark: path };
  });
}

/** The files compare writes into its folder. */
export const COMPARE_FILES: readonly string[] = ['compare.csv', 'compare.html'];

/** Refuses an output folder where writing the comparison would replace a file it was made from. */
export function refuseCompareOutput(runs: readonly ComparedRun[], outDir: string): void {
  const inputs = runs.flatMap((r) => [...RUN_DIR_INPUTS.map((f) => join(r.dir, f)), ...(r.benchmark !== undefined ? [r.benchmark] : [])]);
  for (const f of COMPARE_FILES) {
    const input = inputAt(join(outDir, f), inputs);
    if (input !== undefined) throw new InputError({ code: 'invalid_option', field: '--out', value: outDir, message: `its ${f} is a file the comparison reads (${input}): write to another folder` });
  }
}

/** The side-by-side table as aligned text (metrics down, runs across). */
export function compareText(runs: readonly ComparedRun[]): string {
  const rows = [['', ...runs.map((r) => r.label)], ...COMPARE_ROWS.map((row) => [row.name, ...runs.map((r) => row.show(r))])];
  const widths = rows[0]!.map((_, c) => Math.min(40, Math.max(...rows.map((r) => (r[c] ?? '').length))));
  const clip = (s: string, w: number): string => (s.length > w ? `${s.slice(0, w - 1)}\u2026` : s);
  return (
    rows
      .map((r) => r.map((cellText, c) => (c === 0 ? clip(cellText, widths[c]!).padEnd(widths[c]!) : clip(cellText, widths[c]!).padStart(widths[c]!))).join('  '))
      .join('\n') + '\n'
  );
}

/** compare.csv: one row per metric, one column per run, numbers in full. */
export function compareCsv(runs: readonly ComparedRun[]): string {
  const head = ['metric', ...runs.map((r) => csvField(r.label))].join(',');
  const lines = COMPARE_ROWS.map((row) =>
    [row.name, ...runs.map((r) => {
      const v = row.raw(r);
      return v === null ? '' : typeof v === 'number' ? formatNumber(v) : csvField(v);
    })].join(','),
  );
  return [head, ...lines].join('\n') + '\n';
}

/** compare.html: the table and an overlay of the cumulative returns, self-contained. */
export function renderCompare(runs: readonly ComparedRun[]): string {
  const data = {
    intraday: runs.some((r) => r.metrics.periods_per_year > 400),
    runs: runs.map((r, i) => {
      const idx = chartPoints(r.run.time);
      const initial = initialCashOf(r.run);
      return {
        label: r.label,
        color: PALETTE[i % PALETTE.length],
        t: idx.map((k) => Math.floor((r.run.time[k] as number) / MICROS_PER_SECOND)),
        v: idx.map((k) => {
          const x = ((r.run.equity[k] as number) / initial - 1) * 100;
          return Number.isFinite(x) ? Number(x.toPrecision(10)) : null;
        }),
      };
    }),
  };
  const head = `<tr><th class="l">metric</th>${runs.map((r, i) => `<th><i class="pal-${i % PALETTE.length}"></i>${escapeHtml(r.label)}</th>`).join('')}</tr>`;
  const rows = COMPARE_ROWS.map((row) => `<tr><td class="l">${escapeHtml(row.name)}</td>${runs.map((r) => `<td>${escapeHtml(row.show(r))}</td>`).join('')}</tr>`).join('');
  // Swatch colours by class: the page's CSP allows no style attributes.
  const style = `${STYLE}
table.cmp th, table.cmp td { padding: 6px 12px; text-align: right; border-bottom: 1px solid var(--line); font-size: 13px; white-space: nowrap; }
table.cmp th { color: var(--text); font-weight: 600; }
table.cmp th i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
table.cmp .l { text-align: left; color: var(--muted); }
.h-compare { height: 380px; }
.cmp-wrap { max-height: none; }
${PALETTE.map((c, i) => `.pal-${i} { background: ${c}; }`).join('\n')}
`;
  const page = `<main>
<header class="top"><div><h1>Comparison <span class="sym">${runs.length} runs</span></h1><div class="sub">${escapeHtml(runs.map((r) => r.label).join(' \u00b7 '))}</div></div><div class="brand">QuantFlow</div></header>
<section class="card"><h2>Cumulative return</h2><div class="chart h-compare" id="chart-compare"></div></section>
<section class="card"><h2>Metrics</h2><div class="trades-wrap cmp-wrap"><table class="cmp" id="compare-table">${head}${rows}</table></div></section>
<footer>Charts: TradingView Lightweight Charts\u2122, Copyright (c) TradingView, Inc., <a href="https://www.tradingview.com/">tradingview.com</a>.</footer>
</main>`;
  return htmlPage({ title: `Comparison of ${runs.length} runs \u2014 QuantFlow`, style, body: page, data, scripts: [lightweightChartsSource(), COMPARE_APP] });
}

/** Compares run directories: returns the text table and writes compare.csv and compare.html into `outDir`. */
export function writeCompare(dirs: readonly string[], outDir: string): { table: string; files: string[] } {
  const runs = compareRuns(dirs);
  refuseCompareOutput(runs, outDir);
  return writeComparedRuns(runs, outDir);
}

/** Writes compare.csv and compare.html of measured runs into `outDir`; returns the text table. */
export function writeComparedRuns(runs: readonly ComparedRun[], outDir: string): { table: string; files: string[] } {
  mkdirSync(outDir, { recursive: true });
  const [csv, html] = COMPARE_FILES.map((f) => join(outDir, f)) as [string, string];
  writeFileSync(csv, compareCsv(runs));
  writeFileSync(html, renderCompare(runs));
  return { table: compareText(runs), files: [csv, html] };
}
