import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Opened, launch, noBrowser, open, warnIfNoBrowser } from '../helpers/browser.js';
import { SAMPLES, cli, tempDir } from '../helpers/cli.js';

warnIfNoBrowser('report-hostile.test.ts');

/**
 * Text that runs script when it reaches a page unescaped; each sets
 * window.__pwned to its own number, so a failure says which one got through.
 * None contains "/" where it must be a file or directory name.
 */
const IMG = (n: number): string => `<img src=x onerror=window.__pwned=${n}>`;
const SVG = (n: number): string => `"><svg onload=window.__pwned=${n}>`;
const SCRIPT = (n: number): string => `</script><script>window.__pwned=${n}</script>`;
const JS_URL = (n: number): string => `javascript:window.__pwned=${n}`;

const SYMBOL_FROM_NAME = IMG(1); // the data file's name gives the symbol
const SYMBOL_COLUMN = SCRIPT(2); // a symbol column of the CSV
const BENCHMARK = SVG(3); // the benchmark's file name
const CLASS_NAME = `${IMG(4)}${SCRIPT(4)}`; // the strategy class's name
const FILE_STRATEGY = SVG(5); // an anonymous class: the strategy is named after its file
const PARAM_NAME = SVG(6);
const PARAM_DEFAULT = `${JS_URL(6)}\u2028\u2029`; // line separators: JavaScript line ends inside JSON text
const PARAM_VALUE = `${SCRIPT(7)}<!--`;
const RUN_A = SVG(8);
const RUN_B = JS_URL(9);

/** A strategy that goes in and out of every symbol every 10 bars. */
function strategySource(named: boolean): string {
  const body = `
  static params = z.object({ note: z.string().default('x'), ${JSON.stringify(PARAM_NAME)}: z.string().default(${JSON.stringify(PARAM_DEFAULT)}) });
  private n = new Map<string, number>();
  override onBar(bar: Bar, ctx: StrategyContext): void {
    const n = (this.n.get(bar.symbol) ?? 0) + 1;
    this.n.set(bar.symbol, n);
    if (n % 10 !== 0) return;
    if (ctx.position(bar.symbol) === 0) ctx.buy(10, { symbol: bar.symbol });
    else ctx.sell(ctx.position(bar.symbol), { symbol: bar.symbol });
  }`;
  const head = "import { Strategy, z, type Bar, type StrategyContext } from 'quantflow';\n";
  return named
    ? `${head}export default class Hostile extends Strategy<Record<string, string>> {\n  static override name = ${JSON.stringify(CLASS_NAME)};${body}\n}\n`
    : `${head}export default (() => class extends Strategy<Record<string, string>> {${body}\n})();\n`;
}

/** The first rows of the ORCL sample, in Yahoo's layout or with a symbol column. */
function orclRows(rows: number, symbolColumn?: string): string {
  const lines = readFileSync(join(SAMPLES, 'ORCL-1995-2014.csv'), 'utf8').trim().split('\n').slice(1, rows + 1);
  if (symbolColumn === undefined) return `Date,Open,High,Low,Close,Adj Close,Volume\n${lines.join('\n')}\n`;
  const out = lines.map((l) => {
    const [date, open, high, low, close, , volume] = l.split(',');
    return [date, symbolColumn, open, high, low, close, volume].join(',');
  });
  return `Date,Symbol,Open,High,Low,Close,Volume\n${out.join('\n')}\n`;
}

/** Whether any payload ran, and the elements a payload would have added. */
async function traces(page: Page): Promise<{ pwned: unknown; injected: number; scripts: number; jsLinks: number }> {
  await page.waitForLoadState('load');
  return page.evaluate(() => {
    const w = globalThis as unknown as { __pwned?: unknown; document: { querySelectorAll(s: string): { length: number } } };
    return {
      pwned: w.__pwned,
      injected: w.document.querySelectorAll('img, svg, iframe, object, embed, [onerror], [onload]').length,
      scripts: w.document.querySelectorAll('script').length,
      jsLinks: w.document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]').length,
    };
  });
}

/**
 * What a missed escape would do: add an element with an inline event handler
 * and a source to load. The page's Content-Security-Policy must refuse both.
 */
async function missedEscape(page: Page): Promise<{ pwned: unknown; blocked: boolean }> {
  const violations = await page.evaluate(
    () =>
      new Promise<string[]>((done) => {
        type El = { setAttribute(k: string, v: string): void; addEventListener(t: string, f: () => void): void };
        const d = (globalThis as unknown as { document: { addEventListener(t: string, f: (e: { violatedDirective: string }) => void): void; createElement(t: string): El; body: { append(e: El): void } } }).document;
        const seen: string[] = [];
        d.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
        const img = d.createElement('img');
        try {
          img.setAttribute('onerror', 'window.__pwned=10');
        } catch {
          seen.push('trusted-types'); // Trusted Types refuse the handler outright
        }
        img.addEventListener('error', () => setTimeout(() => done(seen), 50));
        img.setAttribute('src', 'x');
        d.body.append(img);
      }),
  );
  const pwned = await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned);
  return { pwned, blocked: violations.length > 0 && violations.every((v) => /^(script-src|img-src|default-src|trusted-types|require-trusted-types-for)/.test(v)) };
}

const texts = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allTextContents();

describe.skipIf(noBrowser)('hostile names and values in report.html and compare.html', () => {
  let ctx: BrowserContext;
  const base = tempDir();
  const dataByName = join(base, `${SYMBOL_FROM_NAME}-1995.csv`);
  const dataWithColumn = join(base, 'with-symbol-column.csv');
  const benchmark = join(base, `${BENCHMARK}-1995.csv`);
  const runA = join(base, RUN_A);
  const runB = join(base, RUN_B);
  let a: Opened;

  beforeAll(async () => {
    writeFileSync(dataByName, orclRows(250));
    writeFileSync(dataWithColumn, orclRows(250, SYMBOL_COLUMN));
    copyFileSync(dataByName, benchmark);
    const named = join(base, 'named.ts');
    const anonymous = join(base, `${FILE_STRATEGY}.ts`);
    writeFileSync(named, strategySource(true));
    writeFileSync(anonymous, strategySource(false));
    const common = ['--data', dataByName, '--data', dataWithColumn, '--param', `note=${PARAM_VALUE}`, '--report'];
    const r1 = cli(['backtest', '--strategy', named, ...common, '--benchmark', benchmark, '--out', runA]);
    expect(r1.status, r1.stderr).toBe(0);
    const r2 = cli(['backtest', '--strategy', anonymous, ...common, '--out', runB]);
    expect(r2.status, r2.stderr).toBe(0);
    ctx = await launch();
    a = await open(ctx, join(runA, 'report.html'));
  });

  afterAll(async () => {
    await ctx?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('report.html runs none of them: no script, dialog, console error or request', async () => {
    expect(await traces(a.page)).toEqual({ pwned: undefined, injected: 0, scripts: 3, jsLinks: 0 });
    expect(a.dialogs).toEqual([]);
    expect(a.errors).toEqual([]);
    expect(a.requests).toEqual([]);
  });

  it('report.html shows them as text', async () => {
    const p = a.page;
    const symbols = [SYMBOL_FROM_NAME, SYMBOL_COLUMN];
    expect(await p.title()).toBe(`${CLASS_NAME} \u00b7 ${symbols.join(', ')} \u2014 backtest report`);
    expect(await p.locator('h1').textContent()).toBe(`${CLASS_NAME} ${symbols.join(', ')}`);
    expect(await texts(p, '.chips .chip')).toEqual([`note=${PARAM_VALUE}`, `${PARAM_NAME}=${PARAM_DEFAULT}`]);
    expect(await texts(p, '#price-tabs button')).toEqual(symbols);
    expect(new Set(await texts(p, '#trades tbody td:nth-child(2)'))).toEqual(new Set(symbols));
    expect(await p.locator('#equity h2').textContent()).toContain(`${BENCHMARK}, rebased`);
    expect(await p.locator('#metrics').textContent()).toContain(`Alpha vs ${BENCHMARK}`);
  });

  it('sorting the trade table by symbol keeps them text', async () => {
    await a.page.locator('#trades th', { hasText: 'Symbol' }).click();
    const shown = await texts(a.page, '#trades tbody td:nth-child(2)');
    expect(shown[0]).toBe([SYMBOL_FROM_NAME, SYMBOL_COLUMN].sort((x, y) => x.localeCompare(y))[0]);
    expect(await traces(a.page)).toMatchObject({ pwned: undefined, injected: 0 });
  });

  it('the page forbids inline event handlers and loads (Content-Security-Policy)', async () => {
    expect(await missedEscape(a.page)).toEqual({ pwned: undefined, blocked: true });
  });

  it('a strategy named after its file, and a note naming a missing data file, are text too', async () => {
    const b = await open(ctx, join(runB, 'report.html'));
    expect(await traces(b.page)).toEqual({ pwned: undefined, injected: 0, scripts: 3, jsLinks: 0 });
    expect(await b.page.locator('h1').textContent()).toBe(`${FILE_STRATEGY} ${SYMBOL_FROM_NAME}, ${SYMBOL_COLUMN}`);
    expect(b.errors).toEqual([]);
    rmSync(dataByName);
    const file = join(base, 'no-data.html');
    expect(cli(['report', runB, '--out', file]).status).toBe(0);
    const c = await open(ctx, file);
    expect(await traces(c.page)).toEqual({ pwned: undefined, injected: 0, scripts: 3, jsLinks: 0 });
    expect(await c.page.locator('#chart-price').textContent()).toBe(`No price data: data file not found: ${dataByName}`);
    expect([...b.errors, ...c.errors, ...b.dialogs, ...c.dialogs, ...b.requests, ...c.requests]).toEqual([]);
  });

  it('compare.html runs none of them and shows them as text', async () => {
    const out = join(base, 'cmp');
    const r = cli(['compare', runA, runB, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const c = await open(ctx, join(out, 'compare.html'));
    expect(await traces(c.page)).toEqual({ pwned: undefined, injected: 0, scripts: 3, jsLinks: 0 });
    expect([...c.errors, ...c.dialogs, ...c.requests]).toEqual([]);
    expect((await texts(c.page, '#compare-table th')).slice(1)).toEqual([RUN_A, RUN_B]);
    const row = async (name: string): Promise<string[]> => (await c.page.locator('#compare-table tr', { has: c.page.locator(`td:text-is("${name}")`) }).locator('td').allTextContents()).slice(1);
    expect(await row('strategy')).toEqual([CLASS_NAME, FILE_STRATEGY]);
    expect(await row('symbols')).toEqual([`${SYMBOL_FROM_NAME}, ${SYMBOL_COLUMN}`, `${SYMBOL_FROM_NAME}, ${SYMBOL_COLUMN}`]);
    expect((await row('params'))[0]).toBe(JSON.stringify({ note: PARAM_VALUE, [PARAM_NAME]: PARAM_DEFAULT }));
    expect(await c.page.locator('.sub').textContent()).toBe(`${RUN_A} \u00b7 ${RUN_B}`);
    expect(await missedEscape(c.page)).toEqual({ pwned: undefined, blocked: true });
  });
});
