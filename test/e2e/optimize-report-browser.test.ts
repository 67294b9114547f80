import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/backtest/config.js';
import { optimize, type OptimizeResult } from '../../src/optimize/optimize.js';
import { optimizeReportHtml, type OptimizeReportInput } from '../../src/optimize/report.js';
import { listSampler } from '../../src/optimize/sweep.js';
import type { TrialOutcome } from '../../src/optimize/trial.js';
import { type Opened, SHOTS, drawnPixels, launch, noBrowser, open, warnIfNoBrowser } from '../helpers/browser.js';
import { SAMPLES, tempDir } from '../helpers/cli.js';

warnIfNoBrowser('optimize-report-browser.test.ts');

const CASH = 100_000;
const config = parseRunConfig({ strategy: 'examples/sma-cross.ts', data: [join(SAMPLES, 'ORCL-1995-2014.csv')], cash: CASH, feeRate: 0.001 });
/**
 * Every fast x slow pair at size 50 (fast >= slow is skipped by the
 * strategy's schema), and only four of them at size 100, so that "at the best
 * trial's size" and "best over the sizes" fill different cells.
 */
const combos: Record<string, number>[] = [];
for (const fast of [5, 10, 20, 30]) for (const slow of [20, 40, 60]) combos.push({ fast, slow, size: 50 });
for (const fast of [10, 20]) for (const slow of [40, 60]) combos.push({ fast, slow, size: 100 });
const NAMES = ['fast', 'slow', 'size'];

/** The (x, y) pairs that have an ok trial with a sharpe, among the trials that pass `keep`: the cells the heatmap should fill. */
function filledCells(outcomes: readonly TrialOutcome[], x: string, y: string, keep: (o: TrialOutcome) => boolean = () => true): number {
  const pairs = new Set<string>();
  for (const o of outcomes) if (o.status === 'ok' && typeof o.metrics.sharpe === 'number' && keep(o)) pairs.add(`${String(o.params[x])}|${String(o.params[y])}`);
  return pairs.size;
}
const distinct = (outcomes: readonly TrialOutcome[], name: string): number => new Set(outcomes.map((o) => o.params[name])).size;

/** securitypolicyviolation events, recorded from before the page's own scripts run. */
const recordViolations = (): void => {
  const w = globalThis as unknown as { __csp: string[]; addEventListener(t: string, f: (e: { violatedDirective: string }) => void): void };
  w.__csp = [];
  w.addEventListener('securitypolicyviolation', (e) => w.__csp.push(e.violatedDirective));
};
const violations = (page: Page): Promise<string[]> => page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp);

describe.skipIf(noBrowser)("the optimizer's report.html in headless Chromium", () => {
  let ctx: BrowserContext;
  let sweep: OptimizeResult;
  let report: Opened;
  const dir = tempDir();

  const write = (name: string, over: Partial<OptimizeReportInput> = {}): string => {
    const file = join(dir, name);
    writeFileSync(
      file,
      optimizeReportHtml({
        strategyName: sweep.strategyName, paramNames: NAMES, outcomes: sweep.outcomes, objective: 'sharpe', minimize: false, best: sweep.best, initialCash: CASH,
        overfitting: { trials: 12, best_trial: sweep.best?.trial, dsr: 0.4, pbo: 0.55 }, verdict: 'likely overfit: PBO 0.55, DSR 0.40', settings: { method: 'list', trials: combos.length },
        ...over,
      }),
    );
    return file;
  };

  beforeAll(async () => {
    sweep = await optimize({ config, sampler: listSampler(combos), workers: 0 });
    expect(sweep.outcomes.map((o) => o.status).filter((s) => s === 'skipped')).toHaveLength(2); // fast 20 and 30 over slow 20
    expect(sweep.best?.params.size).toBe(100); // the four trials at size 100 are not the whole grid: the two modes differ
    ctx = await launch();
    await ctx.addInitScript(recordViolations);
    report = await open(ctx, write('report.html'));
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('opens from disk with no console error, CSP violation, dialog or request', async () => {
    expect(report.errors).toEqual([]);
    expect(report.requests).toEqual([]);
    expect(report.dialogs).toEqual([]);
    expect(await violations(report.page)).toEqual([]);
  });

  it("fills one heatmap cell per fast/slow pair tried at the best trial's size, or over every size", async () => {
    const p = report.page;
    const size = sweep.best?.params.size;
    const atBest = filledCells(sweep.outcomes, 'fast', 'slow', (o) => o.params.size === size);
    const overAll = filledCells(sweep.outcomes, 'fast', 'slow');
    expect(atBest).toBeLessThan(overAll);
    expect(await p.locator('#heat-x').inputValue()).toBe('0');
    expect(await p.locator('#heat-y').inputValue()).toBe('1');
    expect(await p.locator('#heatmap .cell.filled').count()).toBe(atBest);
    expect(await p.locator('#heatmap .cell').count()).toBe(distinct(sweep.outcomes, 'fast') * distinct(sweep.outcomes, 'slow'));
    expect(await p.locator('#heatmap .lab.x').allTextContents()).toEqual(['5', '10', '20', '30']);
    expect(await p.locator('#heatmap .lab.y').allTextContents()).toEqual(['60', '40', '20']); // highest at the top
    for (const title of await p.locator('#heatmap .cell.filled').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''))) expect(title).toContain(`size=${size}`);
    const bestCell = p.locator('#heatmap .cell.best');
    expect(await bestCell.count()).toBe(1);
    expect(await bestCell.getAttribute('title')).toContain(`(trial #${sweep.best?.trial})`);
    await p.locator('#heat-others').selectOption('over');
    expect(await p.locator('#heatmap .cell.filled').count()).toBe(overAll);
    await p.locator('#heat-others').selectOption('best');
    expect(await p.locator('#heatmap .cell.filled').count()).toBe(atBest);
  });

  it('redraws the heatmap when X or Y changes, and keeps them two different parameters', async () => {
    const p = report.page;
    const fast = sweep.best?.params.fast;
    await p.locator('#heat-x').selectOption({ label: 'size' });
    expect(await p.locator('#heatmap .lab.x').allTextContents()).toEqual(['50', '100']);
    expect(await p.locator('#heat-xlabel').textContent()).toBe('size');
    expect(await p.locator('#heatmap .cell.filled').count()).toBe(filledCells(sweep.outcomes, 'size', 'slow', (o) => o.params.fast === fast));
    // Y onto X's parameter: they swap.
    await p.locator('#heat-y').selectOption({ label: 'size' });
    expect(await p.locator('#heat-x').inputValue()).toBe('1');
    expect(await p.locator('#heatmap .lab.x').allTextContents()).toEqual(['20', '40', '60']);
    expect(await p.locator('#heatmap .lab.y').allTextContents()).toEqual(['100', '50']);
    expect(await p.locator('#heatmap .cell.filled').count()).toBe(filledCells(sweep.outcomes, 'slow', 'size', (o) => o.params.fast === fast));
    await p.locator('#heat-x').selectOption({ label: 'fast' });
    await p.locator('#heat-y').selectOption({ label: 'slow' });
    expect(await p.locator('#heatmap .cell.filled').count()).toBe(filledCells(sweep.outcomes, 'fast', 'slow', (o) => o.params.size === sweep.best?.params.size));
  });

  it('sorts the trials by sharpe, descending then ascending, empty values last', async () => {
    const p = report.page;
    const column = (await p.locator('#trials th').allTextContents()).indexOf('sharpe') + 1;
    expect(column).toBeGreaterThan(0);
    const sharpe = async (): Promise<(number | null)[]> =>
      p.locator(`#trials tbody td:nth-child(${column})`).evaluateAll((tds) => tds.map((td) => (td.getAttribute('data-v') === '' ? null : Number(td.getAttribute('data-v')))));
    const before = await sharpe();
    expect(before).toHaveLength(combos.length);
    const values = before.filter((v): v is number => v !== null);
    const empties = before.length - values.length;
    expect(empties).toBe(2);
    const th = p.locator('#trials th', { hasText: /^sharpe$/ });
    await th.click();
    expect(await th.getAttribute('aria-sort')).toBe('descending');
    expect(await sharpe()).toEqual([...[...values].sort((a, b) => b - a), ...new Array<null>(empties).fill(null)]);
    expect(await p.locator('#trials tbody tr').first().getAttribute('data-best')).toBe('');
    await th.click();
    expect(await th.getAttribute('aria-sort')).toBe('ascending');
    expect(await sharpe()).toEqual([...[...values].sort((a, b) => a - b), ...new Array<null>(empties).fill(null)]);
    // Skipped rows greyed, with their reason.
    const skipped = p.locator('#trials tbody tr.off');
    expect(await skipped.count()).toBe(2);
    expect(await skipped.first().locator('td.reason').textContent()).toMatch(/fast must be shorter than slow/);
    await p.locator('#trials th', { hasText: /^#$/ }).click();
  });

  it("draws the best trial's equity and the histogram of the objective", async () => {
    const p = report.page;
    expect(await drawnPixels(p, '#chart-equity', 'blue')).toBeGreaterThan(1000);
    const box = await p.locator('#histogram').boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    expect(Number(await p.locator('#histogram').getAttribute('data-bins'))).toBeGreaterThanOrEqual(20);
    expect(await drawnPixels(p, '#distribution', 'blue')).toBeGreaterThan(200);
    expect(await drawnPixels(p, '#distribution')).toBeGreaterThan(await drawnPixels(p, '#distribution', 'blue')); // the best bin, in gold
    expect(await p.locator('#verdict').textContent()).toBe('likely overfit: PBO 0.55, DSR 0.40');
    mkdirSync(SHOTS, { recursive: true });
    await p.screenshot({ path: join(SHOTS, 'optimize-report.png'), fullPage: true });
    expect(await violations(p)).toEqual([]);
    expect(report.errors).toEqual([]);
  });

  it('draws bars over the one parameter of a one-parameter report', async () => {
    const one = await open(ctx, write('one.html', { paramNames: ['slow'] }));
    expect(await one.page.locator('#heatmap').count()).toBe(0);
    expect(Number(await one.page.locator('#param-chart').getAttribute('data-bars'))).toBe(filledCells(sweep.outcomes, 'slow', 'slow'));
    expect(await drawnPixels(one.page, '#map')).toBeGreaterThan(500);
    expect([...one.errors, ...one.requests, ...one.dialogs, ...(await violations(one.page))]).toEqual([]);
  });

  it('shows hostile parameter names, values and reasons as text and runs none of them', async () => {
    const SCRIPT = '</script><script>window.__pwned=1</script>';
    const IMG = '<img src=x onerror=window.__pwned=2>';
    const NAME = '"><svg onload=window.__pwned=3>';
    const outcomes = sweep.outcomes.map((o) => ({
      ...o,
      params: { [NAME]: o.params.fast, slow: o.trial % 2 === 0 ? SCRIPT : IMG },
      reason: o.status === 'ok' ? '' : `${IMG}${SCRIPT}`,
    }));
    const h = await open(ctx, write('hostile.html', { strategyName: IMG, paramNames: [NAME, 'slow'], outcomes, best: outcomes.find((o) => o.trial === sweep.best?.trial), verdict: SCRIPT, settings: { [IMG]: SCRIPT } }));
    const p = h.page;
    expect(await p.locator('h1').textContent()).toBe(IMG);
    expect(await p.locator('#heatmap .lab.y').allTextContents()).toEqual([IMG, SCRIPT].sort().reverse());
    expect(await p.locator('#trials th').nth(3).textContent()).toBe(NAME);
    expect(await p.locator('#trials tbody tr.off td.reason').first().textContent()).toBe(`${IMG}${SCRIPT}`);
    await p.locator('#trials th', { hasText: 'slow' }).click();
    const traces = await p.evaluate(() => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document;
      return { pwned: (globalThis as { __pwned?: unknown }).__pwned, injected: d.querySelectorAll('img, svg, iframe, [onerror], [onload]').length, scripts: d.querySelectorAll('script').length };
    });
    expect(traces).toEqual({ pwned: undefined, injected: 0, scripts: 3 });
    expect([...h.errors, ...h.requests, ...h.dialogs, ...(await violations(p))]).toEqual([]);
  });
});
