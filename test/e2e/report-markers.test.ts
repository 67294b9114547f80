import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Opened, SHOTS, launch, noBrowser, open, warnIfNoBrowser } from '../helpers/browser.js';
import { cli, summaryOf, tempDir } from '../helpers/cli.js';

warnIfNoBrowser('report-markers.test.ts');

/** The page's limit of single trade markers in view. */
const MAX_MARKERS = 200;

interface Price {
  t: number[];
  marks: { bar: number[]; flag: number[] };
}
interface Marker {
  time: number;
  position: string;
  shape: string;
  text?: string;
}

/** What the price chart draws now: its markers, its visible bars, the note over it. */
async function priceChart(page: Page): Promise<{ markers: Marker[]; from: number; to: number; note: string | null }> {
  return page.evaluate(() => {
    type Api = { priceMarkers(): Marker[]; priceChart(): { timeScale(): { getVisibleLogicalRange(): { from: number; to: number } } } };
    const g = globalThis as unknown as { quantflowReport: Api; document: { getElementById(id: string): { hidden: boolean; textContent: string } } };
    const range = g.quantflowReport.priceChart().timeScale().getVisibleLogicalRange();
    const note = g.document.getElementById('price-note');
    return { markers: g.quantflowReport.priceMarkers(), from: range.from, to: range.to, note: note.hidden ? null : note.textContent };
  });
}

/** Waits until the markers are redrawn for the range in view (they follow the range once per frame). */
async function settled(page: Page): Promise<void> {
  await page.evaluate(() => {
    const raf = (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame;
    return new Promise<void>((done) => raf.call(globalThis, () => raf.call(globalThis, done)));
  });
}

/** The single markers the page must show for the bars in view. */
function expectedMarkers(p: Price, from: number, to: number): Marker[] {
  const out: Marker[] = [];
  p.marks.bar.forEach((bar, k) => {
    if (bar < Math.ceil(from) || bar > Math.floor(to)) return;
    const f = p.marks.flag[k]!;
    const up = (f & 1) === 1 ? (f & 2) === 2 : (f & 2) === 0;
    out.push({ time: p.t[bar]!, position: up ? 'belowBar' : 'aboveBar', shape: up ? 'arrowUp' : 'arrowDown' });
  });
  return out;
}

const count = (text: string | undefined): number => Number(/^([\d,]+) (entry|entries|exit|exits)$/.exec(text ?? '')?.[1]?.replace(/,/g, '') ?? NaN);

describe.skipIf(noBrowser)('a report with thousands of trades in headless Chromium', () => {
  let ctx: BrowserContext;
  let report: Opened;
  let price: Price;
  let trades: number;
  const dir = tempDir();

  beforeAll(async () => {
    const data = join(dir, 'GEN-2020-1m.csv');
    expect(cli(['data', 'generate', '--bars', '100000', '--out', data]).status).toBe(0);
    const out = join(dir, 'run');
    const r = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', data, '--out', out, '--report']);
    expect(r.status, r.stderr).toBe(0);
    trades = summaryOf(out).closed_trades as number;
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    price = (JSON.parse(/id="qf-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { prices: Price[] }).prices[0]!;
    ctx = await launch();
    report = await open(ctx, join(out, 'report.html'));
  });

  afterAll(async () => {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has far more trades than single markers fit', () => {
    expect(trades).toBeGreaterThan(5 * MAX_MARKERS);
    expect(price.marks.bar).toHaveLength(2 * trades);
    expect(report.errors).toEqual([]);
  });

  it('with all of them in view: at most a couple of hundred markers, counting every entry and exit, and a note', async () => {
    const shown = await priceChart(report.page);
    expect(shown.markers.length).toBeGreaterThan(0);
    expect(shown.markers.length).toBeLessThanOrEqual(MAX_MARKERS);
    const entries = shown.markers.filter((m) => m.position === 'belowBar').map((m) => count(m.text));
    const exits = shown.markers.filter((m) => m.position === 'aboveBar').map((m) => count(m.text));
    expect(entries.reduce((s, n) => s + n, 0)).toBe(trades);
    expect(exits.reduce((s, n) => s + n, 0)).toBe(trades);
    const n = trades.toLocaleString('en-US');
    expect(shown.note).toMatch(new RegExp(`^${n} trades, ${(2 * trades).toLocaleString('en-US')} entries and exits in view, counted per [a-z0-9 ]+: zoom in to see each trade\\.$`));
    expect(await report.page.locator('#price-note').isVisible()).toBe(true);
    mkdirSync(SHOTS, { recursive: true });
    await report.page.locator('#price').screenshot({ path: join(SHOTS, 'report-markers-all.png') });
  });

  it('zoomed in to a few hours: every entry and exit of the bars in view, one marker each', async () => {
    const p = report.page;
    const k = price.marks.bar.length >> 1;
    const [from, to] = [price.marks.bar[k]!, price.marks.bar[k + 60]!];
    await p.evaluate(
      ([a, b]) => (globalThis as unknown as { quantflowReport: { priceChart(): { timeScale(): { setVisibleLogicalRange(r: object): void } } } }).quantflowReport.priceChart().timeScale().setVisibleLogicalRange({ from: a, to: b }),
      [from, to] as const,
    );
    await settled(p);
    const shown = await priceChart(p);
    const want = expectedMarkers(price, shown.from, shown.to);
    expect(want.length).toBeGreaterThanOrEqual(60);
    expect(want.length).toBeLessThanOrEqual(MAX_MARKERS);
    expect(shown.markers.map((m) => ({ time: m.time, position: m.position, shape: m.shape }))).toEqual(want);
    expect(shown.note).toBe(`${trades.toLocaleString('en-US')} trades: showing the ${want.length} entries and exits in view.`);
    await p.locator('#price').screenshot({ path: join(SHOTS, 'report-markers-zoomed.png') });
  });

  it('the mouse wheel zooms out and the markers follow the range, never more than the limit', async () => {
    const p = report.page;
    const box = (await p.locator('#chart-price').boundingBox())!;
    await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const seen = { single: 0, counted: 0 };
    for (let step = 0; step < 60 && seen.counted < 3; step++) {
      await p.mouse.wheel(0, 100); // zoom out by a step (about 8%)
      await settled(p);
      const shown = await priceChart(p);
      expect(shown.markers.length).toBeLessThanOrEqual(MAX_MARKERS);
      const want = expectedMarkers(price, shown.from, shown.to);
      if (want.length <= MAX_MARKERS) {
        expect(shown.markers.map((m) => m.time)).toEqual(want.map((m) => m.time));
        seen.single++;
      } else {
        expect(shown.markers.reduce((s, m) => s + count(m.text), 0)).toBe(want.length);
        seen.counted++;
      }
    }
    // From single markers to counts as the range widens.
    expect(seen.single).toBeGreaterThan(0);
    expect(seen.counted).toBeGreaterThan(0);
    expect(report.errors).toEqual([]);
  });

  it('labels the rolling window in calendar time', async () => {
    expect(await report.page.locator('#rolling h2').innerText()).toMatch(/^ROLLING 6 MONTHS\s+262,800 bars/);
  });
});
