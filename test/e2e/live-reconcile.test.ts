/**
 * `quantflow reconcile` on runs against the local exchange, as a user meets
 * it: sma-cross (fast 2, slow 5: an order every few 1-minute bars) trades
 * through ccxt on a local exchange, then the run is reconciled with a
 * backtest on the market data it recorded. A live run: its fills are the
 * exchange's (journal.qfj: the exchange's trade times, on the data's clock),
 * paired with the backtest's by client order id `<runId>-<n>`, and the parts
 * of the gap add up to it to the last digit. Kept in step with the replay
 * (one bar released at a time, its fills before it, the next once the run
 * has recorded it and all its orders reached the exchange) and nothing
 * injected, the gap is zero; with 1 s of order latency (10 bars at 600 times
 * real time) and 20 bp of slippage injected, the latency and slippage parts
 * are not zero. A paper run through the same exchange reconciles to a zero
 * gap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../src/core/time.js';
import type { Exact } from '../../src/live/reconcile/exact.js';
import { ZERO, add, exactText, parseExact } from '../../src/live/reconcile/exact.js';
import { startLocalExchange, type LocalExchange } from '../../src/live/local-exchange/index.js';
import { readJournal } from '../../src/live/journal/index.js';
import { splitCsvLine } from '../../src/report/run-dir.js';
import { ROOT, SAMPLES, tempDir } from '../helpers/cli.js';

const KEY = 'reconcileKey4c1e7a9b3d5f2e8c6a0b4d7f1e3c5a9b';
const SECRET = 'reconcileSecret8e2a4c6e0b1d3f5a7c9e2b4d6f8a0c';
const SYMBOL = 'BTC/USDT';
const PARTS = ['latency', 'slippage', 'quantity', 'missed', 'extra', 'fees', 'other'] as const;
const ROW_PARTS = ['latency', 'slippage', 'quantity_effect', 'missed', 'extra', 'fee_effect'] as const;
const STRATEGY = ['--strategy', join(ROOT, 'examples/sma-cross.ts'), '--param', 'size=0.01', '--param', 'fast=2', '--param', 'slow=5'];

interface View {
  total_gap: string;
  parts: Record<string, string>;
  orders: { matched: number; only_live: number; only_backtest: number };
}

const work = tempDir('qf-live-reconcile-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const exact = (s: string | undefined): Exact => {
  const v = parseExact(s ?? '');
  if (v === undefined) throw new Error(`not a decimal: '${s}'`);
  return v;
};
const abs = (x: Exact): Exact => (x.units < 0n ? { units: -x.units, scale: x.scale } : x);

type Exit = { code: number | null; stdout: string; stderr: string };

function start(args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr }))) };
}

const cli = (args: readonly string[], env: Record<string, string> = {}): Promise<Exit> => start(args, env).exited;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Bars the run has recorded so far (market-data/BTC-USDT_bars.csv rows). */
function recordedBars(out: string): number {
  const file = join(out, 'market-data', 'BTC-USDT_bars.csv');
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8');
  let rows = -1; // the header
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) rows++;
  return Math.max(0, rows);
}

/** Orders the run has journalled as sent (submit intents), the exchange's answers to them (accepted or rejected) and fills it has taken in (a torn last record is not read). */
function journalled(out: string): { submits: number; answered: number; fills: number } {
  const file = join(out, 'journal.qfj');
  if (!existsSync(file)) return { submits: 0, answered: 0, fills: 0 };
  const records = readJournal(file);
  const count = (kind: string): number => records.filter((r) => r.kind === kind).length;
  return { submits: count('submit'), answered: count('accepted') + count('rejected'), fills: count('fill') };
}

/** Polls until `ok` holds (failing after `ms` with `what`). */
async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Keeps a manual replay in step with the run, bar by bar, as a backtest
 * sees the data: the next bar's fills first (the exchange matches the open
 * orders against the bar and sends their reports, holding the bar) until
 * the run has taken every fill in; then the bar, until the run has recorded
 * it (its recorder writes a bar after the strategy has handled it, and the
 * venue journals an order as it sends it) and every order it sent has
 * reached the exchange and been answered. So the strategy sees a fill at a
 * bar's open on that bar, however the run's market data (an I/O thread) and
 * reports (its own socket) travel. Every wait is on a count, none on a
 * quiet spell: a loaded machine outlasted one.
 */
async function stepBars(exchange: LocalExchange, out: string, bars: number, exited: () => boolean): Promise<void> {
  await until('the run to subscribe', () => exchange.status().subscriptions > 0 && exchange.status().userSubscriptions > 0, 30_000);
  for (let i = 1; i <= bars; i++) {
    expect(exchange.step(1, { holdMarketData: true })).toBe(1);
    await until(`the fills at bar ${i} to reach the run`, () => exited() || journalled(out).fills === exchange.status().fills);
    exchange.releaseMarketData();
    await until(`bar ${i} to be recorded`, () => exited() || recordedBars(out) >= i);
    await until(`the orders of bar ${i} to be answered`, () => {
      if (exited()) return true;
      const { submits, answered } = journalled(out);
      return submits === exchange.status().ordersReceived && answered === submits;
    });
  }
}

interface RunOptions {
  readonly orderLatencyMs?: number;
  readonly slippageBps?: number;
  /** Step the replay this many bars, in step with the run (else it runs freely at 600 times real time for 6 s). */
  readonly steppedBars?: number;
}

/** A run of `quantflow live` (or paper) against its own local exchange, closed after. */
async function runAgainstLocalExchange(command: 'live' | 'paper', name: string, options: RunOptions = {}): Promise<string> {
  const stepped = options.steppedBars !== undefined;
  const exchange = await startLocalExchange({
    data: [{ path: join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), symbol: SYMBOL }],
    speed: 600,
    ...(stepped ? { start: 'manual' as const } : {}),
    accounts: [{ key: KEY, secret: SECRET }],
    balances: { USDT: 100_000 },
    feeRate: 0.001,
    orderLatencyMs: options.orderLatencyMs ?? 0,
    slippageBps: options.slippageBps ?? 0,
  });
  const out = join(work, name);
  try {
    const account = command === 'live' ? ['--credentials', 'env:QF_RECON'] : ['--cash', '100000'];
    // A stepped run is stopped with SIGINT after its last bar; the duration only bounds it.
    const run = start(
      [command, ...STRATEGY, '--exchange', 'binance', '--url', exchange.url, ...account, '--symbol', SYMBOL, '--timeframe', '1m', '--data', 'bars', '--fee-rate', '0.001', '--out', out, '--duration', stepped ? '120s' : '6s'],
      { QF_RECON_API_KEY: KEY, QF_RECON_SECRET: SECRET },
    );
    let ended = false;
    void run.exited.then(() => (ended = true));
    if (options.steppedBars !== undefined) {
      try {
        await stepBars(exchange, out, options.steppedBars, () => ended);
      } finally {
        run.child.kill('SIGINT');
      }
    }
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(0);
  } finally {
    await exchange.close();
  }
  return out;
}

function csvRows(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = splitCsvLine(head as string);
  return lines.map((l) => Object.fromEntries(splitCsvLine(l).map((v, i) => [names[i], v])));
}

/** Reconciles a run into `<run>-reconciled` and checks what holds for every run: the parts add up, per row and in total. */
async function reconcile(run: string): Promise<{ view: View; rows: Record<string, string>[] }> {
  const out = `${run}-reconciled`;
  const r = await cli(['reconcile', run, '--out', out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(existsSync(join(out, 'reconcile.csv'))).toBe(true);
  expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('id="reconciliation"');
  const view = JSON.parse(readFileSync(join(out, 'reconcile.json'), 'utf8')) as View;
  const rows = csvRows(join(out, 'reconcile.csv'));
  // Every part is a decimal, and they add up to the gap exactly.
  expect(exactText(PARTS.reduce((t, p) => add(t, exact(view.parts[p])), ZERO))).toBe(view.total_gap);
  for (const row of rows) expect(exactText(ROW_PARTS.reduce((t, c) => add(t, exact(row[c])), ZERO))).toBe(row.gap);
  return { view, rows };
}

/** Summed |latency| + |slippage| over the matched orders. */
function priceEffects(rows: readonly Record<string, string>[]): Exact {
  return rows.filter((r) => r.status === 'matched').reduce((t, r) => add(t, add(abs(exact(r.latency)), abs(exact(r.slippage)))), ZERO);
}

/** What holds for every live run: fills on the data's clock, paired with the backtest's by client order id. */
function checkLiveRows(run: string, rows: readonly Record<string, string>[]): void {
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { live: { venue: { run_id: string } } };
  const runId = summary.live.venue.run_id;
  // The data's clock: every recorded bar and every live fill lie in the sample's January 2022.
  const bars = readFileSync(join(run, 'market-data', 'BTC-USDT_bars.csv'), 'utf8').trim().split('\n').slice(1);
  const first = parseIsoTime(splitCsvLine(bars[0] as string)[0] as string) as number;
  const last = parseIsoTime(splitCsvLine(bars[bars.length - 1] as string)[0] as string) as number;
  const live = rows.filter((r) => r.status !== 'only_backtest');
  expect(live.length).toBeGreaterThan(2);
  for (const r of live) {
    const t = parseIsoTime(r.live_time as string) as number;
    expect(t).toBeGreaterThanOrEqual(first);
    expect(t).toBeLessThanOrEqual(last + 60_000_000);
    // Paired by intent: the client order id's number is the backtest's order number.
    expect(r.live_order_id).toBe(`${runId}-${r.seq}`);
  }
}

describe('quantflow reconcile against the local exchange', () => {
  it('a live run in step with the replay, nothing injected: a zero gap, every order matched', async () => {
    const run = await runAgainstLocalExchange('live', 'live-stepped', { steppedBars: 25 });
    const { view, rows } = await reconcile(run);
    checkLiveRows(run, rows);
    // On a failure, the rows say which order left its bar.
    expect(view.total_gap, JSON.stringify(rows.map((r) => [r.seq, r.status, r.time_diff_us, r.latency, r.slippage, r.missed, r.extra]))).toBe('0');
    for (const p of PARTS) expect(view.parts[p]).toBe('0');
    expect(rows.length).toBeGreaterThan(4);
    expect(view.orders).toEqual({ matched: rows.length, only_live: 0, only_backtest: 0 });
    for (const r of rows) expect([r.status, r.time_diff_us, r.price_diff, r.fee_diff, r.gap]).toEqual(['matched', '0', '0', '0', '0']);
  }, 90_000);

  it('a live run with 1 s of order latency and 20 bp of slippage injected: the parts sum to the gap, latency and slippage are not zero', async () => {
    const run = await runAgainstLocalExchange('live', 'live-slow', { orderLatencyMs: 1000, slippageBps: 20 });
    const { view, rows } = await reconcile(run);
    checkLiveRows(run, rows);
    // 1 s is 10 bars at 600 times real time: every matched order fills later than the backtest's.
    const matched = rows.filter((r) => r.status === 'matched');
    expect(matched.length).toBeGreaterThan(0);
    expect(matched.every((r) => Number(r.time_diff_us) >= 300_000_000)).toBe(true);
    expect(view.parts.latency).not.toBe('0');
    // Every live fill is 20 bp worse than the price the backtest's rule gives at its time: a buy pays more, a sell gets less.
    expect(view.parts.slippage).not.toBe('0');
    for (const r of matched) {
      const slip = exact(r.slippage);
      expect(slip.units).toBeLessThan(0n);
    }
    expect(abs(exact(view.total_gap)).units).toBeGreaterThan(0n);
  }, 60_000);

  it('a paper run through the local exchange, nothing injected: a zero gap, every order matched', async () => {
    const run = await runAgainstLocalExchange('paper', 'paper-plain');
    const { view, rows } = await reconcile(run);
    expect(view.total_gap).toBe('0');
    for (const p of PARTS) expect(view.parts[p]).toBe('0');
    const fills = readFileSync(join(run, 'fills.csv'), 'utf8').trim().split('\n').length - 1;
    expect(fills).toBeGreaterThan(4);
    expect(view.orders).toEqual({ matched: fills, only_live: 0, only_backtest: 0 });
    for (const r of rows) expect([r.status, r.time_diff_us, r.price_diff, r.fee_diff, r.gap]).toEqual(['matched', '0', '0', '0', '0']);
  }, 60_000);
});
