import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { ROOT } from './cli.js';

/**
 * Report pages in a real browser: Debian's Chromium driven by playwright-core.
 * Tests skip (with a message) only when /usr/bin/chromium is missing outside
 * CI; under CI they must run, so a CI machine without Chromium fails.
 */
export const CHROMIUM = '/usr/bin/chromium';
const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
/** True when the browser tests cannot run here (and may be skipped). */
export const noBrowser = !existsSync(CHROMIUM) && !inCI;

export function warnIfNoBrowser(file: string): void {
  if (noBrowser) console.warn(`${file}: skipped: ${CHROMIUM} not found (apt-get install chromium); under CI this test runs and fails without it`);
}

/** Where screenshots go: runs/ is ignored by git. */
export const SHOTS = process.env.QF_SCREENSHOT_DIR ?? join(ROOT, 'runs', 'screenshots');

export async function launch(): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'qf-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Opened {
  page: Page;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Requests for anything but the page itself (all are refused). */
  requests: string[];
  /** Messages of alert, confirm and prompt dialogs (all are dismissed). */
  dialogs: string[];
}

/**
 * Opens a file and waits until its script marks it ready, recording console
 * errors, page errors, dialogs and every request other than for the page
 * itself (refused, so nothing loads).
 */
export async function open(ctx: BrowserContext, file: string): Promise<Opened> {
  const page = await ctx.newPage();
  const href = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') && fileURLToPath(url) === resolve(file)) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(href);
  await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
  return { page, errors, requests, dialogs };
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
export async function drawnPixels(page: Page, selector: string, hue?: 'red' | 'blue', leftShare = 1): Promise<number> {
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
