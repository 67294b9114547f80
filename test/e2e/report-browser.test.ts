import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Opened, SHOTS, drawnPixels, launch, noBrowser, open, warnIfNoBrowser } from '../helpers/browser.js';
import { SAMPLES, cli, tempDir } from '../helpers/cli.js';

warnIfNoBrowser('report-browser.test.ts');

describe.skipIf(noBrowser)('the report in headless Chromium', () => {
  let ctx: BrowserContext;
  let out: string;
  let report: Opened;

  beforeAll(async () => {
    out = tempDir();
    const r = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', join(SAMPLES, 'ORCL-1995-2014.csv'), '--cash', '100000', '--fee-rate', '0.001',
      '--param', 'fast=10', '--param', 'slow=30', '--param', 'size=100', '--out', out, '--report']);
    expect(r.status, r.stderr).toBe(0);
    ctx = await launch();
    report = await open(ctx, join(out, 'report.html'));
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('opens from disk with no console errors, no dialogs and no requests', () => {
    expect(report.errors).toEqual([]);
    expect(report.requests).toEqual([]);
    expect(report.dialogs).toEqual([]);
  });

  it('drew the equity, drawdown, price, annual and rolling charts (non-empty canvases)', async () => {
    for (const id of ['#chart-equity', '#chart-price', '#chart-yearly', '#chart-rolling']) {
      expect(await drawnPixels(report.page, id), id).toBeGreaterThan(2000);
    }
    // The equity curve (blue) and, in the pane below it, the drawdown (red).
    expect(await drawnPixels(report.page, '#chart-equity', 'blue')).toBeGreaterThan(2000);
    expect(await drawnPixels(report.page, '#chart-equity', 'red')).toBeGreaterThan(2000);
  });

  it('marks every entry and exit on the price chart when they fit, with no note', async () => {
    const markers = await report.page.evaluate(() => (globalThis as unknown as { quantflowReport: { priceMarkers(): { shape: string }[] } }).quantflowReport.priceMarkers());
    expect(markers).toHaveLength(2 * 97);
    expect(markers.every((m) => m.shape === 'arrowUp' || m.shape === 'arrowDown')).toBe(true);
    expect(await report.page.locator('#price-note').isVisible()).toBe(false);
  });

  it('shows the monthly heatmap, the metrics table and every trade', async () => {
    const p = report.page;
    expect(await p.locator('#heatmap tbody tr').count()).toBe(20);
    expect(await p.locator('#heatmap tbody td[style*="background"]').count()).toBe(20 * 13);
    const metrics = await p.locator('#metrics').innerText();
    for (const label of ['Sharpe ratio', 'Sortino ratio', 'Calmar ratio', 'Omega ratio', 'Max drawdown', 'Win rate', 'Profit factor', 'SQN']) expect(metrics).toContain(label);
    expect(metrics).toMatch(/Sharpe ratio\s+0\.19/);
    expect(await p.locator('#trades tbody tr').count()).toBe(97);
  });

  it('sorts the trade table on a click', async () => {
    const p = report.page;
    const header = p.locator('#trades th', { hasText: 'Net P&L' });
    const pnl = async (): Promise<number[]> => (await p.locator('#trades tbody tr td:nth-child(9)').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-v')))));
    const before = await pnl();
    await header.click();
    expect(await p.locator('#trades th', { hasText: 'Net P&L' }).getAttribute('aria-sort')).toBe('ascending');
    const up = await pnl();
    expect(up).toEqual([...before].sort((a, b) => a - b));
    await p.locator('#trades th', { hasText: 'Net P&L' }).click();
    expect(await p.locator('#trades th', { hasText: 'Net P&L' }).getAttribute('aria-sort')).toBe('descending');
    const down = await pnl();
    expect(down).toEqual([...before].sort((a, b) => b - a));
    expect(up).not.toEqual(before);
    // Back to trade order for the screenshot.
    await p.locator('#trades th', { hasText: '#' }).click();
  });

  it('saves a screenshot', async ({ annotate }) => {
    mkdirSync(SHOTS, { recursive: true });
    const path = join(SHOTS, 'report-orcl-sma-cross.png');
    await report.page.screenshot({ path, fullPage: true });
    expect(existsSync(path)).toBe(true);
    // The whole history stays in view through the resize a full-page capture makes: the curve reaches the left edge.
    expect(await drawnPixels(report.page, '#chart-equity', 'blue', 0.08)).toBeGreaterThan(100);
    await annotate(`screenshot: ${path}`);
    console.log(`report screenshot: ${path}`);
  });

  it('the comparison page draws its overlay chart too', async () => {
    const other = tempDir();
    const r1 = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', join(SAMPLES, 'ORCL-1995-2014.csv'), '--cash', '100000', '--fee-rate', '0.001',
      '--param', 'fast=5', '--param', 'slow=20', '--param', 'size=100', '--out', other]);
    expect(r1.status).toBe(0);
    const cmp = tempDir();
    expect(cli(['compare', out, other, '--out', cmp]).status).toBe(0);
    const opened = await open(ctx, join(cmp, 'compare.html'));
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([]);
    expect(await drawnPixels(opened.page, '#chart-compare')).toBeGreaterThan(2000);
    await opened.page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
  });
});
