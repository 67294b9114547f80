import { describe, expect, it } from 'vitest';
import { lightweightChartsSource } from '../report/assets.js';
import { MAX_AXIS_VALUES, bestEquity, objectiveHistogram, optimizeReportData, optimizeReportHtml, reportAxis, type OptimizeReportData, type OptimizeReportInput } from './report.js';
import { OPTIMIZE_REPORT_APP } from './report-app.js';
import { bestTrial } from './sweep.js';
import type { MetricValue, TrialOutcome, TrialStatus } from './trial.js';

const DAY = 86_400_000_000; // µs

function outcome(trial: number, params: Record<string, unknown>, status: TrialStatus = 'ok', metrics: Record<string, MetricValue> = {}, reason = ''): TrialOutcome {
  const ok = status === 'ok';
  return {
    trial,
    status,
    reason,
    params,
    metrics: ok ? { total_return: 0.1, sharpe: 0.5, max_drawdown: -0.2, closed_trades: 10, profit_factor: 1.2, periods_per_year: 252, ...metrics } : {},
    returns: ok ? Float64Array.from([0.01, -0.02, 0.03]) : new Float64Array(0),
    times: ok ? Float64Array.from([0, 1, 2, 3].map((d) => 1_000 * DAY + d * DAY)) : new Float64Array(0),
    millis: 1,
  };
}

/** A fast x slow grid with sharpe = fast / 10 - slow / 100 (fast >= slow skipped), plus one failed trial. */
function gridOutcomes(): TrialOutcome[] {
  const out: TrialOutcome[] = [];
  for (const fast of [10, 5, 20]) {
    for (const slow of [100, 20, 40]) {
      const n = out.length + 1;
      if (fast >= slow) out.push(outcome(n, { fast, slow }, 'skipped', {}, 'fast must be shorter than slow'));
      else out.push(outcome(n, { fast, slow }, 'ok', { sharpe: fast / 10 - slow / 100, total_return: fast / 1000 }));
    }
  }
  out.push(outcome(out.length + 1, { fast: 7, slow: 40 }, 'failed', {}, 'strategy threw: boom'));
  return out;
}

function input(outcomes: TrialOutcome[], over: Partial<OptimizeReportInput> = {}): OptimizeReportInput {
  const objective = over.objective ?? 'sharpe';
  const minimize = over.minimize ?? false;
  return { strategyName: 'SmaCross', paramNames: ['fast', 'slow'], outcomes, objective, minimize, best: bestTrial(outcomes, objective, minimize), initialCash: 100_000, ...over };
}

/** The JSON the page embeds, read back as the page's script reads it. */
function embedded(html: string): OptimizeReportData {
  const m = /<script type="application\/json" id="qf-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m?.[1] ?? 'null') as OptimizeReportData;
}

/** The page without its two known scripts (the chart library and the page's own), which contain markup-like text of their own. */
function withoutKnownScripts(html: string): string {
  const scripts = [lightweightChartsSource(), OPTIMIZE_REPORT_APP].map((js) => js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--'));
  let out = html;
  for (const s of scripts) {
    expect(out.includes(s)).toBe(true);
    out = out.replace(s, '');
  }
  return out;
}

/** The page's markup around its scripts (short enough for a readable diff). */
const page = (html: string): string => withoutKnownScripts(html);

const text = (html: string, id: string): string => {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</div>`).exec(html);
  return m?.[1] ?? '';
};

describe('optimizeReportHtml', () => {
  it('embeds every trial with its status, reason, parameters and metrics, and says who won', () => {
    const outcomes = gridOutcomes();
    const html = optimizeReportHtml(input(outcomes));
    const d = embedded(html);
    expect(d).toEqual(optimizeReportData(input(outcomes)));
    expect(d.trials.trial).toEqual(outcomes.map((o) => o.trial));
    expect(d.trials.status).toEqual(outcomes.map((o) => o.status));
    expect(d.trials.reason).toEqual(outcomes.map((o) => o.reason));
    expect(d.metrics.map((m) => m.name)).toEqual(['sharpe', 'total_return', 'max_drawdown', 'closed_trades', 'profit_factor']);
    expect(d.trials.metrics[0]).toEqual(outcomes.map((o) => (o.status === 'ok' ? o.metrics.sharpe : null)));
    expect(d.axes.map((a) => a.name)).toEqual(['fast', 'slow']);
    expect(d.axes[0]?.values).toEqual(outcomes.map((o) => o.params.fast));
    // Numeric order, not the order of appearance nor text order (which would put 100 before 20).
    expect(d.axes[0]?.labels).toEqual(['5', '7', '10', '20']);
    expect(d.axes[1]?.labels).toEqual(['20', '40', '100']);
    expect(d.axes[1]?.at).toEqual(outcomes.map((o) => [20, 40, 100].indexOf(o.params.slow as number)));
    // Best: fast 20, slow 40: 2 - 0.4.
    const best = outcomes.find((o) => o.params.fast === 20 && o.params.slow === 40);
    expect(d.best).toBe(outcomes.indexOf(best as TrialOutcome));
    expect(text(html, 'counts')).toBe('10 trials: 8 ok, 1 skipped, 1 failed');
    expect(text(html, 'objective')).toBe('Objective: sharpe (maximized)');
    expect(text(html, 'best')).toBe(`Best: trial #${best?.trial}, sharpe 1.600`);
    expect(text(html, 'best-params')).toBe('<span class="chip">fast=20</span><span class="chip">slow=40</span>');
    expect(page(html)).toContain('<select id="heat-x"></select>');
    expect(html.includes('<select id="heat-others">')).toBe(false); // two parameters: nothing else to hold
    expect(d.diverging).toBe(true);
  });

  it('is the same text for the same sweep', () => {
    expect(optimizeReportHtml(input(gridOutcomes()))).toBe(optimizeReportHtml(input(gridOutcomes())));
  });

  it('shows the overfitting figures with a line of explanation each, the verdict and the settings', () => {
    const overfitting = { trials: 6, best_trial: 8, dsr: 0.8123, pbo: 0.25, performance_degradation: { slope: -0.42, intercept: 0.01 }, extra_figure: 1.5 };
    const html = optimizeReportHtml(input(gridOutcomes(), { overfitting, verdict: 'possibly overfit: PBO 0.25, DSR 0.81', settings: { method: 'grid', seed: 7, ranges: { fast: [5, 20] } } }));
    expect(page(html)).toContain('<p class="verdict" id="verdict">possibly overfit: PBO 0.25, DSR 0.81</p>');
    const row = (key: string): string => /<tr data-key="([^"]*)"><td>([^<]*)<\/td><td class="v">([^<]*)<\/td><td class="why">([^<]*)<\/td><\/tr>/.exec(html.slice(html.indexOf(`<tr data-key="${key}"`)))?.slice(2).join(' | ') ?? '';
    expect(row('dsr')).toMatch(/^Deflated Sharpe \(DSR\) \| 81\.2% \| probability .+/);
    expect(row('pbo')).toMatch(/^Probability of overfitting \(PBO\) \| 25\.0% \| share of .+/);
    expect(row('best_trial')).toMatch(/^Best trial \| #8 \| .+/);
    expect(row('performance_degradation')).toMatch(/^Performance degradation \| slope -0\.420, intercept 0\.0100 \| .+/);
    expect(row('extra_figure')).toBe('extra_figure | 1.500 | ');
    expect(page(html)).toContain('<tr><td>method</td><td>grid</td></tr><tr><td>seed</td><td>7</td></tr><tr><td>ranges</td><td>{&quot;fast&quot;:[5,20]}</td></tr>');
    // Without them, neither section.
    const bare = optimizeReportHtml(input(gridOutcomes()));
    expect(bare.includes('id="overfitting"')).toBe(false);
    expect(bare.includes('id="settings"')).toBe(false);
  });

  it('escapes hostile strategy names, parameter names and values, reasons, settings and figures', () => {
    const SCRIPT = '</script><script>alert(1)</script>';
    const IMG = '<img src=x onerror=alert(2)>';
    const SVG = '"><svg onload=alert(3)>';
    const SEP = 'a\u2028b\u2029c<!--';
    const name = `${SVG}${SCRIPT}`;
    const outcomes = [
      outcome(1, { [name]: SCRIPT, fast: 5 }, 'ok', { sharpe: 1 }),
      outcome(2, { [name]: IMG, fast: 10 }, 'skipped', {}, IMG),
      outcome(3, { [name]: SEP, fast: 5 }, 'failed', {}, `${SCRIPT}${SEP}`),
      outcome(4, { [name]: { nested: SCRIPT }, fast: 20 }, 'ok', { sharpe: 2 }),
    ];
    const html = optimizeReportHtml(
      input(outcomes, {
        strategyName: `${IMG}${SCRIPT}`,
        paramNames: [name, 'fast'],
        verdict: SCRIPT,
        settings: { [IMG]: SCRIPT, objective: SVG },
        overfitting: { [SVG]: IMG, pbo: SCRIPT },
      }),
    );
    // Exactly the page's three script elements: the data, the chart library, the page's script.
    expect(html.match(/<script/gi)).toHaveLength(3);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    const rest = withoutKnownScripts(html);
    expect(rest).not.toMatch(/<img|<svg|<script>alert|\u2028|\u2029|<!--/i);
    expect(rest).toContain(`<h1>&lt;img src=x onerror=alert(2)&gt;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>`);
    expect(rest).toContain('<title>&lt;img src=x onerror=alert(2)&gt;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; \u2014 optimization report</title>');
    // The data reads back exactly as given.
    const d = embedded(html);
    expect(d.axes[0]?.name).toBe(name);
    expect(d.axes[0]?.values).toEqual([SCRIPT, IMG, SEP, JSON.stringify({ nested: SCRIPT })]);
    expect(d.trials.reason).toEqual(['', IMG, `${SCRIPT}${SEP}`, '']);
    // The page's script puts data in with textContent and title only, never as markup.
    expect(OPTIMIZE_REPORT_APP).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('draws nothing it cannot when no trial is ok', () => {
    const outcomes = [outcome(1, { fast: 30, slow: 20 }, 'skipped', {}, 'fast must be shorter than slow'), outcome(2, { fast: 5, slow: 20 }, 'failed', {}, 'boom')];
    const i = input(outcomes);
    expect(i.best).toBeUndefined();
    const html = optimizeReportHtml(i);
    const d = embedded(html);
    expect(d.best).toBe(-1);
    expect(d.histogram).toBeNull();
    expect(d.equity).toEqual({ t: [], v: [] });
    expect(d.trials.metrics.every((col) => col.every((v) => v === null))).toBe(true);
    expect(text(html, 'counts')).toBe('2 trials: 0 ok, 1 skipped, 1 failed');
    expect(text(html, 'best')).toBe('No best trial: no ok trial has a sharpe.');
    expect(text(html, 'chart-equity')).toBe('No best trial to draw.');
    expect(text(html, 'histogram')).toBe('No ok trial with a value.');
  });

  it('draws the objective over a single parameter as bars instead of a heatmap', () => {
    const outcomes = [3, 1, 2].map((p, k) => outcome(k + 1, { period: p }, 'ok', { sharpe: p / 10 }));
    const html = optimizeReportHtml(input(outcomes, { paramNames: ['period'] }));
    expect(page(html)).toContain('<canvas class="bars" id="param-chart"></canvas>');
    expect(html.includes('id="heatmap"')).toBe(false);
    expect(html.includes('<select')).toBe(false);
    expect(page(html)).toContain('<h2>sharpe by period</h2>');
    expect(embedded(html).axes[0]?.labels).toEqual(['1', '2', '3']);
  });

  it('offers, with three parameters, to hold the others at the best trial or take the best over them (min when minimizing)', () => {
    const outcomes: TrialOutcome[] = [];
    for (const a of [1, 2]) for (const b of [1, 2, 3]) for (const c of [0.5, 0.25]) outcomes.push(outcome(outcomes.length + 1, { a, b, c }, 'ok', { max_drawdown: -a * b * c }));
    const max = optimizeReportHtml(input(outcomes, { paramNames: ['a', 'b', 'c'], objective: 'max_drawdown' }));
    expect(page(max)).toContain(`<select id="heat-others"><option value="best">at the best trial's values</option><option value="over">best over the others (max)</option></select>`);
    const min = optimizeReportHtml(input(outcomes, { paramNames: ['a', 'b', 'c'], objective: 'max_drawdown', minimize: true }));
    expect(page(min)).toContain('best over the others (min)</option>');
    expect(text(min, 'objective')).toBe('Objective: max_drawdown (minimized)');
    const d = embedded(min);
    expect(d.axes.map((x) => x.labels)).toEqual([['1', '2'], ['1', '2', '3'], ['0.25', '0.5']]);
    // Minimizing a drawdown (all <= 0): the deepest is the best; the colours are sequential, not centred on 0.
    expect(d.trials.trial[d.best]).toBe(outcomes.find((o) => o.params.a === 2 && o.params.b === 3 && o.params.c === 0.5)?.trial);
    expect(d.diverging).toBe(false);
    expect(d.metrics[0]).toEqual({ name: 'max_drawdown', kind: 'pct' });
  });

  it('takes each parameter only from the trial itself, not from what objects inherit', () => {
    const outcomes = [outcome(1, { fast: 5 }, 'ok'), outcome(2, { constructor: 3, fast: 6 }, 'ok')];
    const d = optimizeReportData(input(outcomes, { paramNames: ['constructor', 'fast'] }));
    expect(d.axes[0]?.values).toEqual([null, 3]);
    expect(d.axes[0]?.at).toEqual([-1, 0]);
  });
});

describe('the report data', () => {
  it('cuts a numeric parameter with many values into 20 equal ranges, and keeps few values as they are', () => {
    const many = Array.from({ length: MAX_AXIS_VALUES + 1 }, (_, i) => i * 0.5);
    const axis = reportAxis('x', many);
    expect(axis.binned).toBe(true);
    expect(axis.labels).toHaveLength(20);
    expect(axis.labels[0]).toBe('0\u20130.75');
    expect(axis.labels[19]).toBe('14.25\u201315');
    expect(axis.at[0]).toBe(0);
    expect(axis.at[many.length - 1]).toBe(19);
    for (let i = 1; i < many.length; i++) expect(axis.at[i] as number).toBeGreaterThanOrEqual(axis.at[i - 1] as number);
    const few = reportAxis('x', many.slice(0, MAX_AXIS_VALUES));
    expect(few.binned).toBe(false);
    expect(few.labels).toHaveLength(MAX_AXIS_VALUES);
    // Texts after numbers, in code-unit order; missing values have no place.
    const mixed = reportAxis('m', ['b', 2, null, 'a', 10, 2]);
    expect(mixed.labels).toEqual(['2', '10', 'a', 'b']);
    expect(mixed.at).toEqual([3, 0, -1, 2, 1, 0]);
  });

  it('bins the objective in 20 to 30 bins that hold every value, the best marked', () => {
    const values = Array.from({ length: 800 }, (_, i) => Math.sin(i) * 2);
    const h = objectiveHistogram(values, values[33] as number);
    expect(h?.counts).toHaveLength(29); // ceil(sqrt(800))
    expect(h?.edges).toHaveLength(30);
    expect(h?.counts.reduce((a, b) => a + b, 0)).toBe(800);
    expect(h?.edges[0]).toBe(Math.min(...values));
    expect(h?.edges[29]).toBe(Math.max(...values));
    const b = h?.bestBin as number;
    expect(values[33]).toBeGreaterThanOrEqual(h?.edges[b] as number);
    expect(values[33]).toBeLessThanOrEqual(h?.edges[b + 1] as number);
    expect(objectiveHistogram([1, 2, 3], null)?.counts).toHaveLength(20);
    expect(objectiveHistogram([1, 2, 3], null)?.bestBin).toBeNull();
    const one = objectiveHistogram([0.4, 0.4], 0.4);
    expect(one?.counts.reduce((a, b2) => a + b2, 0)).toBe(2);
    expect(one?.counts[one.bestBin as number]).toBe(2);
    expect(objectiveHistogram([], null)).toBeNull();
  });

  it("rebuilds the best trial's equity from its returns, starting at the initial cash", () => {
    const best = outcome(1, {}, 'ok');
    const eq = bestEquity(best, 1000);
    expect(eq.t).toEqual([0, 1, 2, 3].map((d) => (1_000 * DAY + d * DAY) / 1e6));
    expect(eq.v).toEqual([1000, 1010, 1010 * 0.98, Number((1010 * 0.98 * 1.03).toPrecision(12))]);
    expect(bestEquity(undefined, 1000)).toEqual({ t: [], v: [] });
    // Wiped out, then undefined returns (0 / 0 - 1): no point rather than NaN, which JSON cannot carry.
    const ruined = { ...best, returns: Float64Array.from([-1, NaN, NaN]) };
    expect(bestEquity(ruined, 1000).v).toEqual([1000, 0, null, null]);
  });
});
