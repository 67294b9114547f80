import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, cli, tempDir } from '../helpers/cli.js';

/**
 * The report in a real browser: Debian's Chromium driven by playwright-core.
 * Skipped (with a message) only when /usr/bin/chromium is missing outside CI;
 * under CI it must run, so a CI machine without Chromium fails here.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
if (!available && !inCI) {
  console.warn(`report-browser.test.ts: skipped: ${CHROMIUM} not found (apt-get install chromium); under CI this test runs and fails without it`);
}

/** Where screenshots go: runs/ is ignored by git. */
const SHOTS = process.env.QF_SCREENSHOT_DIR ?? join(ROOT, 'runs', 'screenshots');

async function launch(): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'qf-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

/** Opens a file, recording console errors, page errors and any request that is not for a local file. */
async function open(ctx: BrowserContext, file: string): Promise<Opened> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
  return { page, errors, requests };
}

/** What the test reads of a canvas in the page (the project compiles without the DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/**
 * Coloured pixels on the canvases inside an element: drawn (not transparent)
 * and saturated, as the series are (blue, red, green, gold), unlike the grey
 * grid and axis text that a chart without data would still show. With `hue`
 * ('red' or 'blue'), only pixels where that channel leads.
 */
async function drawnPixels(page: Page, selector: string, hue?: 'red' | 'blue', leftShare = 1): Promise<number> {
  return page.locator(`${selector} canvas`).evaluateAll((els, [want, share]) => {
    let n = 0;
    for (const canvas of els as unknown as CanvasLike[]) {
      if (canvas.width === 0 || canvas.height === 0) continue;
      const ctx = canvas.getContext('2d');
      if (ctx === null) continue;
      const w = Math.max(1, Math.floor(canvas.width * (share as number)));
      const px = ctx.getImageData(0, 0, w, canvas.height).data;
      for (let i = 0; i < px.length; i += 4) {
        const [r, g, b, a] = [px[i] as number, px[i + 1] as number, px[i + 2] as number, px[i + 3] as number];
        if (!(a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60)) continue;
        if (want === 'red' && !(r > g + 60 && r > b + 60)) continue;
        if (want === 'blue' && !(b > r + 60 && b > g)) continue;
        n++;
      }
    }
    return n;
  }, [hue, leftShare] as const);
}

describe.skipIf(!available && !inCI)('the report in headless Chromium', () => {
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

  it('opens from disk with no console errors and no network requests', () => {
    expect(report.errors).toEqual([]);
    expect(report.requests).toEqual([]);
  });

  it('drew the equity, drawdown, price, annual and rolling charts (non-empty canvases)', async () => {
    for (const id of ['#chart-equity', '#chart-price', '#chart-yearly', '#chart-rolling']) {
      expect(await drawnPixels(report.page, id), id).toBeGreaterThan(2000);
    }
    // The equity curve (blue) and, in the pane below it, the drawdown (red).
    expect(await drawnPixels(report.page, '#chart-equity', 'blue')).toBeGreaterThan(2000);
    expect(await drawnPixels(report.page, '#chart-equity', 'red')).toBeGreaterThan(2000);
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
