import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeOutputFiles } from '../core/output-file.js';
import { csvField, formatNumber, formatTime } from '../report/format.js';
import { writeEquity, writeSummary, writeTrades } from '../report/writers.js';
import type { Summary } from '../report/summary.js';
import { formatParam } from './outputs.js';
import { TRIAL_METRICS, numericFields, type MetricValue, type TrialMetric } from './trial.js';
import type { WalkForwardResult } from './walk-forward.js';

function metric(v: MetricValue | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? '' : formatNumber(v);
}

/**
 * windows.csv: one row per window: its in-sample and out-of-sample bounds
 * (the first and last time step of each), the chosen parameters, the
 * in-sample objective and annual return, the walk-forward efficiency, then
 * every metric of the out-of-sample run (`oos_` and the summary.json name).
 */
export function windowsCsv(wf: WalkForwardResult, objective: TrialMetric): string {
  const header = ['window', 'is_start', 'is_end', 'oos_start', 'oos_end', 'trials_ok', ...wf.paramNames.map(csvField), `is_${objective}`, 'is_annual_return', 'walk_forward_efficiency', ...TRIAL_METRICS.map((m) => `oos_${m}`)];
  const lines = [header.join(',')];
  for (const w of wf.windows) {
    const p = w.plan;
    const oos = w.oosSummary !== undefined ? numericFields(w.oosSummary) : undefined;
    lines.push(
      [
        String(p.window),
        formatTime(p.isStart),
        formatTime(p.isEnd),
        formatTime(p.oosStart),
        formatTime(p.oosEnd),
        String(w.outcomes.filter((o) => o.status === 'ok').length),
        ...wf.paramNames.map((n) => formatParam(w.best?.params[n])),
        metric(w.best?.metrics[objective]),
        metric(w.best?.metrics.annual_return),
        metric(w.efficiency),
        ...TRIAL_METRICS.map((m) => metric(oos?.[m])),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * report.html: the stitched out-of-sample equity (an inline SVG line, the
 * windows' starts marked), the headline figures and the windows table. No
 * script at all, and a Content-Security-Policy that loads nothing.
 */
export function walkForwardReportHtml(wf: WalkForwardResult, objective: TrialMetric): string {
  const s = wf.summary;
  const eq = wf.stitched.equity;
  const n = eq.time.length;
  const W = 900;
  const H = 300;
  let path = '';
  const marks: string[] = [];
  if (n > 0) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, eq.equity[i] as number);
      hi = Math.max(hi, eq.equity[i] as number);
    }
    const t0 = eq.time[0] as number;
    const t1 = eq.time[n - 1] as number;
    const x = (t: number): number => (t1 > t0 ? ((t - t0) / (t1 - t0)) * W : 0);
    const y = (v: number): number => (hi > lo ? H - ((v - lo) / (hi - lo)) * H : H / 2);
    const stride = Math.max(1, Math.floor(n / 2000));
    const pts: string[] = [];
    for (let i = 0; i < n; i += stride) pts.push(`${x(eq.time[i] as number).toFixed(1)},${y(eq.equity[i] as number).toFixed(1)}`);
    pts.push(`${x(t1).toFixed(1)},${y(eq.equity[n - 1] as number).toFixed(1)}`);
    path = pts.join(' ');
    for (const w of wf.windows) marks.push(`<line x1="${x(w.plan.oosStart).toFixed(1)}" x2="${x(w.plan.oosStart).toFixed(1)}" y1="0" y2="${H}" stroke="#bbb" stroke-dasharray="3,3"/>`);
  }
  const fmt = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
  const headline: [string, string][] = [
    ['strategy', s.strategy],
    ['period (out of sample)', `${s.start} .. ${s.end}`],
    ['windows', String(wf.windows.length)],
    ['final equity', fmt(s.final_equity, 2)],
    ['total return', fmt(s.total_return)],
    ['annual return', fmt(s.annual_return)],
    ['sharpe', fmt(s.sharpe)],
    ['max drawdown', fmt(s.max_drawdown)],
    ['walk-forward efficiency', fmt(s.walk_forward_efficiency.overall)],
    ['parameters kept from the previous window', fmt(s.parameter_stability.kept_share)],
    ['overfitting (mean over windows)', wf.overfitting.summary.verdict ?? 'n/a'],
  ];
  const head = ['window', 'in sample', 'out of sample', ...wf.paramNames, `is ${objective}`, `oos ${objective}`, 'oos total return', 'efficiency'];
  const rows = wf.windows.map((w) => {
    const oos = w.oosSummary !== undefined ? (numericFields(w.oosSummary) as Record<string, MetricValue>) : undefined;
    return [
      String(w.plan.window),
      `${formatTime(w.plan.isStart).slice(0, 10)} .. ${formatTime(w.plan.isEnd).slice(0, 10)}`,
      `${formatTime(w.plan.oosStart).slice(0, 10)} .. ${formatTime(w.plan.oosEnd).slice(0, 10)}`,
      ...wf.paramNames.map((p) => formatParam(w.best?.params[p])),
      fmt(w.best?.metrics[objective]),
      fmt(oos?.[objective]),
      fmt(oos?.total_return),
      fmt(w.efficiency),
    ];
  });
  const cell = (tag: string, v: string): string => `<${tag}>${escapeHtml(v)}</${tag}>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(`walk-forward: ${s.strategy}`)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}</style>
</head><body>
<h1>${escapeHtml(`Walk-forward: ${s.strategy}`)}</h1>
<table>${headline.map(([k, v]) => `<tr>${cell('td', k)}${cell('td', v)}</tr>`).join('')}</table>
<h2>Stitched out-of-sample equity</h2>
<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="stitched out-of-sample equity">${marks.join('')}<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="${path}"/></svg>
<h2>Windows</h2>
<table><tr>${head.map((h) => cell('th', h)).join('')}</tr>${rows.map((r) => `<tr>${r.map((v) => cell('td', v)).join('')}</tr>`).join('')}</table>
</body></html>
`;
}

/** Writes a walk-forward's files into `dir` (staged: a failed write leaves the folder as it was). */
export function writeWalkForwardFiles(dir: string, wf: WalkForwardResult, objective: TrialMetric, run: Readonly<Record<string, unknown>>): void {
  writeOutputFiles(dir, (staging) => {
    writeFileSync(join(staging, 'windows.csv'), windowsCsv(wf, objective));
    writeEquity(join(staging, 'equity.csv'), wf.stitched);
    writeTrades(join(staging, 'trades.csv'), wf.stitched);
    writeSummary(join(staging, 'summary.json'), wf.summary as Summary);
    writeFileSync(join(staging, 'overfitting.json'), JSON.stringify(wf.overfitting, null, 2) + '\n');
    writeFileSync(join(staging, 'report.html'), walkForwardReportHtml(wf, objective));
    writeFileSync(join(staging, 'run.json'), JSON.stringify(run, null, 2) + '\n');
  });
}
