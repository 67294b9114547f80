import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunDir, runPerformance } from '../../src/report/run-dir.js';
import { loadBenchmark } from '../../src/report/prices.js';
import { SAMPLES, cli, tempDir } from '../helpers/cli.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const NVDA = join(SAMPLES, 'NVDA-1999-2014.csv');
const ARGS = ['--cash', '100000', '--fee-rate', '0.001', '--param', 'fast=10', '--param', 'slow=30', '--param', 'size=100'];

function backtest(out: string, extra: string[] = [], strategy = 'examples/sma-cross.ts', data = ORCL): ReturnType<typeof cli> {
  const r = cli(['backtest', '--strategy', strategy, '--data', data, ...ARGS, '--out', out, ...extra]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r;
}

/** The JSON the report page draws from. */
function pageData(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="qf-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as Record<string, unknown>;
}

/**
 * The page's Content-Security-Policy: it names the hash of every inline
 * script and style, allows nothing inline by category, loads nothing, and the
 * markup has no style or event-handler attributes it would refuse.
 */
function expectStrictCsp(html: string): void {
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  expect(meta).not.toBeNull();
  const csp = meta![1]!.replace(/&#39;/g, "'");
  const directive = (name: string): string[] => csp.split(/;\s*/).find((d) => d.startsWith(`${name} `))?.split(/\s+/).slice(1) ?? [];
  const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => hash(m[1]!));
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => hash(m[1]!));
  expect(scripts).toHaveLength(2);
  expect(directive('default-src')).toEqual(["'none'"]);
  expect(directive('script-src')).toEqual(scripts);
  expect(directive('style-src')).toEqual(styles);
  expect(directive('require-trusted-types-for')).toEqual(["'script'"]);
  expect(csp).not.toMatch(/unsafe-|\*|https?:|data:/);
  // The CSP comes before anything it governs.
  expect(html.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(html.indexOf('<style>'));
  const markup = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');
  expect(markup).not.toMatch(/\sstyle=|\son[a-z]+=/i);
}

describe('backtest --report --benchmark on the ORCL sma-cross run', () => {
  const out = tempDir();
  const r = backtest(out, ['--report', '--benchmark', NVDA]);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;

  it('prints where the report is and the headline metrics', () => {
    expect(r.stdout).toContain(`report: ${join(out, 'report.html')}`);
    expect(r.stdout).toMatch(/alpha, beta vs NVDA/);
    expect(r.stdout).toMatch(/sortino\s+0\.\d+/);
  });

  it('summary.json keeps its keys and gains the metrics in snake_case', () => {
    const keys = Object.keys(summary);
    const issue3 = ['final_equity', 'final_cash', 'total_return', 'closed_trades', 'open_trades', 'bars', 'fees', 'max_drawdown', 'sharpe', 'start', 'end', 'invalid_rows'];
    for (const k of issue3) expect(keys).toContain(k);
    for (const k of ['annual_return', 'annual_volatility', 'sortino', 'calmar', 'omega', 'tail_ratio', 'stability', 'max_drawdown_duration', 'value_at_risk', 'conditional_value_at_risk', 'skew', 'kurtosis', 'alpha', 'beta', 'rolling_window', 'rolling_sharpe', 'rolling_volatility', 'monthly_returns', 'yearly_returns', 'win_rate', 'profit_factor', 'expectancy', 'average_win', 'average_loss', 'payoff_ratio', 'sqn', 'largest_win', 'largest_loss', 'longest_winning_streak', 'longest_losing_streak', 'average_bars_held', 'exposure_time', 'turnover']) {
      expect(keys, k).toContain(k);
    }
    for (const k of keys) expect(k).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(summary.benchmark).toBe('NVDA');
    expect(summary.benchmark_periods).toBeGreaterThan(3900);
    expect(typeof summary.alpha).toBe('number');
    expect(typeof summary.beta).toBe('number');
    expect(Object.keys(summary.monthly_returns as object)).toHaveLength(240);
    expect(Object.keys(summary.yearly_returns as object)).toEqual(Array.from({ length: 20 }, (_, i) => String(1995 + i)));
    expect(summary.winning_trades as number + (summary.losing_trades as number)).toBeLessThanOrEqual(summary.closed_trades as number);
  });

  it('the metrics read back from the run files are the ones in summary.json', () => {
    const run = readRunDir(out);
    const again = runPerformance(run, loadBenchmark(NVDA));
    for (const [k, v] of Object.entries(again)) expect(summary[k], k).toEqual(v);
  });

  it('trades.csv has per-trade MAE and MFE after bars_held', () => {
    const lines = readFileSync(join(out, 'trades.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/,bars_held,mae,mfe$/);
    for (const l of lines.slice(1)) {
      const f = l.split(',');
      const [mae, mfe, net] = [Number(f[12]), Number(f[13]), Number(f[10])];
      expect(mae).toBeLessThanOrEqual(0);
      expect(mfe).toBeGreaterThanOrEqual(0);
      expect(net).toBeLessThanOrEqual(mfe + 1e-9); // fees only lower the P&L below the best excursion
    }
  });

  it('writes one self-contained report.html: library and data inline, nothing to fetch', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('window.LightweightCharts');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/@import/);
    for (const id of ['chart-equity', 'chart-price', 'heatmap', 'chart-yearly', 'chart-rolling', 'metrics', 'trades']) expect(html).toContain(`id="${id}"`);
    const d = pageData(html);
    expect((d.equity as { t: number[] }).t).toHaveLength(5036);
    const prices = d.prices as { symbol: string; t: number[]; marks: { bar: number[]; flag: number[] } }[];
    expect(prices.map((p) => p.symbol)).toEqual(['ORCL']);
    expect(prices[0]!.t).toHaveLength(5036);
    // An entry and an exit per closed trade, by bar index in time order.
    const { bar, flag } = prices[0]!.marks;
    expect(flag).toHaveLength(2 * (summary.closed_trades as number));
    expect(flag.filter((f) => (f & 1) === 1)).toHaveLength(summary.closed_trades as number);
    expect(bar).toHaveLength(flag.length);
    expect(bar).toEqual([...bar].sort((x, y) => x - y));
    expect(bar[bar.length - 1]).toBeLessThan(5036);
    expect(d.trades as unknown[]).toHaveLength(summary.closed_trades as number);
    expect((d.benchmark as { symbol: string }).symbol).toBe('NVDA');
    expect((d.monthly as { years: unknown[] }).years).toHaveLength(20);
    expect(html).toContain('Sortino ratio');
    // The rolling window in calendar time, then in steps.
    expect(html).toContain('<h2>Rolling 6 months <span class="dim">126 trading days</span>');
    expectStrictCsp(html);
  });
});

describe('quantflow report RUN_DIR', () => {
  const out = tempDir();
  backtest(out);

  it('writes RUN_DIR/report.html from the run files', () => {
    const r = cli(['report', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`wrote ${join(out, 'report.html')}\n`);
    const d = pageData(readFileSync(join(out, 'report.html'), 'utf8'));
    expect(d.benchmark).toBeNull();
    expect((d.prices as unknown[]).length).toBe(1);
  });

  it('writes the same bytes every time', () => {
    const first = readFileSync(join(out, 'report.html'));
    expect(cli(['report', out]).status).toBe(0);
    expect(readFileSync(join(out, 'report.html')).equals(first)).toBe(true);
  });

  it('takes a benchmark and another output file', () => {
    const file = join(tempDir(), 'new', 'dir', 'r.html');
    const r = cli(['report', out, '--benchmark', NVDA, '--out', file]);
    expect(r.status).toBe(0);
    expect((pageData(readFileSync(file, 'utf8')).benchmark as { symbol: string }).symbol).toBe('NVDA');
  });

  it('without run.json (or its data) still reports, without the price chart, and says why', () => {
    const copy = tempDir();
    for (const f of ['summary.json', 'equity.csv', 'trades.csv', 'orders.csv']) copyFileSync(join(out, f), join(copy, f));
    const r = cli(['report', copy]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/note: prices: .*run\.json/);
    const html = readFileSync(join(copy, 'report.html'), 'utf8');
    expect(pageData(html).prices).toEqual([]);
    expect(html).toContain('No price data');
  });

  it('fails with status 2 and a message for a directory that is not a run', () => {
    const r1 = cli(['report', join(tempDir(), 'nope')]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/run directory not found/);
    const empty = tempDir();
    const r2 = cli(['report', empty]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/summary\.json.*not found/);
    expect(r1.stderr + r2.stderr).not.toMatch(/^\s+at /m);
  });

  it('a bad benchmark file is bad input (status 2)', () => {
    const r = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--benchmark', join(tempDir(), 'missing.csv'), '--out', join(tempDir(), 'o')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing\.csv/);
  });

  it('an old run directory without mae/mfe columns or run.json still reports', () => {
    const old = tempDir();
    for (const f of ['summary.json', 'equity.csv', 'orders.csv']) copyFileSync(join(out, f), join(old, f));
    const trades = readFileSync(join(out, 'trades.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').slice(0, 12).join(','));
    writeFileSync(join(old, 'trades.csv'), trades.join('\n') + '\n');
    expect(cli(['report', old]).status).toBe(0);
    rmSync(old, { recursive: true });
  });
});

describe('quantflow compare RUN_DIR RUN_DIR...', () => {
  const base = tempDir();
  const a = join(base, 'orcl-10-30');
  const b = join(base, 'orcl-5-20');
  const c = join(base, 'nvda-reversal');
  backtest(a);
  const rb = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--cash', '100000', '--fee-rate', '0.001', '--param', 'fast=5', '--param', 'slow=20', '--param', 'size=100', '--out', b]);
  expect(rb.status).toBe(0);
  backtest(c, [], 'examples/sma-reversal.ts', NVDA);

  it('prints a side-by-side table and writes compare.csv and compare.html', () => {
    const out = join(base, 'cmp');
    const r = cli(['compare', a, b, c, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/orcl-10-30\s+orcl-5-20\s+nvda-reversal$/);
    expect(r.stdout).toMatch(/^sharpe\s+0\.19\s+/m);
    expect(r.stdout).toMatch(/^max_drawdown\s+-2\.40%/m);
    expect(r.stdout).toContain(`wrote ${join(out, 'compare.csv')}, ${join(out, 'compare.html')}`);
    const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('metric,orcl-10-30,orcl-5-20,nvda-reversal');
    const sharpe = csv.find((l) => l.startsWith('sharpe,'))!.split(',');
    const sa = JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8')) as { sharpe: number };
    expect(Number(sharpe[1])).toBe(sa.sharpe);
    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    expect(html).toContain('window.LightweightCharts');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(((JSON.parse(/id="qf-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { runs: unknown[] }).runs)).toHaveLength(3);
    expectStrictCsp(html);
  });

  it('needs at least two run directories', () => {
    const r = cli(['compare', a, '--out', join(base, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/at least two/);
    expect(existsSync(join(base, 'x'))).toBe(false);
  });
});
