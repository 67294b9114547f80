/**
 * Crash safety of `quantflow live`, as a user meets it: a strategy that
 * sends orders all the time (resting limits, cancels, market round trips,
 * marketable limits) trades through ccxt on a local exchange, and the
 * process is killed with SIGKILL at random points, 50 times, each time
 * started again on the same run folder. A last, quiet session (it only
 * cancels what is working) ends cleanly. Then, against what the exchange
 * says: no order was placed twice, every fill of the account is in the
 * run's journal (none twice, none the exchange does not have), and the run's
 * cash and position equal the account's balances.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal, replayJournal } from '../../src/live/journal/index.js';
import { pointCcxtAt } from '../../src/live/local-exchange/ccxt-urls.js';
import { startLocalExchange, type LocalExchange } from '../../src/live/local-exchange/index.js';
import { ROOT, SAMPLES, tempDir } from '../helpers/cli.js';

const TRIALS = Number(process.env.QF_CRASH_TRIALS ?? 50);
const KEY = 'crashTestKey7f3a9c0e51d24b6f8a0c3e5d7f9b1a2c';
const SECRET = 'crashTestSecret2b4d6f8a0c1e3a5c7e9b0d2f4a6c8e0';
const SYMBOL = 'BTC/USDT';

const STRATEGY = `import { Strategy, z, type Bar, type StrategyContext } from 'quantflow';

const params = z.object({ size: z.number().positive().default(0.01), quiet: z.boolean().default(false) }).strict();

/** Orders of every kind on every bar; quiet: only cancels what is working. */
export default class Churn extends Strategy<z.infer<typeof params>> {
  static params = params;
  private n = 0;

  override onBar(bar: Bar, ctx: StrategyContext): void {
    const size = this.params.size;
    if (this.params.quiet) {
      for (const o of ctx.openOrders()) ctx.cancel(o.id);
      return;
    }
    switch (this.n++ % 4) {
      case 0:
        ctx.buy(size, { limit: Math.round(bar.close * 0.5) });
        break;
      case 1:
        for (const o of ctx.openOrders()) ctx.cancel(o.id);
        break;
      case 2:
        if (ctx.position() >= size) ctx.sell(size);
        else ctx.buy(size);
        break;
      default:
        if (ctx.position() >= size) ctx.sell(size, { limit: Math.round(bar.close * 0.99) });
        else ctx.buy(size, { limit: Math.round(bar.close * 1.01) });
    }
  }
}
`;

/** A small seeded generator (mulberry32): the kill points are the same on every run of the test. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const size = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

let exchange: LocalExchange;
beforeAll(async () => {
  exchange = await startLocalExchange({
    data: [{ path: join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), symbol: SYMBOL }],
    speed: 1200, // 20 one-minute bars a second: an order every 50 ms
    accounts: [{ key: KEY, secret: SECRET }],
    balances: { USDT: 100_000 },
    feeRate: 0.001,
  });
});
afterAll(async () => {
  await exchange?.close();
});

function live(dir: string, out: string, more: readonly string[]): { kill: () => void; exited: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const args = ['live', '--strategy', join(dir, 'churn.ts'), '--exchange', 'binance', '--url', exchange.url, '--credentials', 'env:QF_CRASH', '--symbol', SYMBOL];
  const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args, '--timeframe', '1m', '--data', 'bars', '--fee-rate', '0.001', '--out', out, ...more], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, QF_CRASH_API_KEY: KEY, QF_CRASH_SECRET: SECRET },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { kill: () => child.kill('SIGKILL'), exited };
}

describe('quantflow live killed with SIGKILL at random points and started again', () => {
  it(`${TRIALS} kills: no order placed twice, no fill lost, cash and position equal the exchange's`, async () => {
    const dir = tempDir('qf-live-crash-');
    writeFileSync(join(dir, 'churn.ts'), STRATEGY);
    const out = join(dir, 'run');
    const journalFile = join(out, 'journal.qfj');
    const next = random(20261205);
    const submitsPerSession: number[] = [];
    let submitsBefore = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const before = size(journalFile);
      const run = live(dir, out, ['--duration', '60s']);
      let ended = false;
      void run.exited.then(() => (ended = true));
      if (next() < 0.2) {
        // Anywhere from the start: while loading, recovering, or trading.
        await sleep(200 + next() * 1500);
      } else {
        // Once the session has opened (its journal grew: the session note), while it trades.
        const end = Date.now() + 30_000;
        while (size(journalFile) <= before && !ended && Date.now() < end) await sleep(10);
        await sleep(150 + next() * 600);
      }
      run.kill();
      const r = await run.exited;
      // Killed, not ended by itself (an error would end it earlier).
      expect(r.code, `trial ${trial}: ${r.stderr}`).toBe(null);
      // Read without touching the file: a torn last record is for the next session to find and cut.
      const records = existsSync(journalFile) ? readJournal(journalFile) : [];
      submitsPerSession.push(records.filter((x) => x.kind === 'submit').length - submitsBefore);
      submitsBefore += submitsPerSession[trial]!;
    }
    // Most kills came in the middle of trading (the session had sent orders).
    expect(submitsPerSession.filter((n) => n > 0).length).toBeGreaterThan(TRIALS / 2);

    // A last session that sends nothing new: it recovers, cancels what works, and ends cleanly.
    const last = live(dir, out, ['--duration', '4s', '--param', 'quiet=true']);
    const r = await last.exited;
    expect(r.stderr.split('\n').filter((l) => /"level":50|error/i.test(l) && !/"incident"/.test(l))).toEqual([]);
    expect(r.code, r.stderr).toBe(0);

    // What the exchange says.
    const client = new ccxt.pro.binance({ apiKey: KEY, secret: SECRET });
    await pointCcxtAt(client, exchange.url);
    try {
      const orders = await client.fetchOrders(SYMBOL, undefined, 100_000);
      const trades = await client.fetchMyTrades(SYMBOL, undefined, 100_000);
      const balance = await client.fetchBalance();
      const state = replayJournal(readJournal(journalFile));

      expect(orders.length).toBeGreaterThan(2 * TRIALS);
      expect(trades.length).toBeGreaterThan(TRIALS);
      // No order placed twice: one exchange order per client order id, each one the run's.
      const byClientId = new Map<string, number>();
      for (const o of orders) byClientId.set(o.clientOrderId ?? '', (byClientId.get(o.clientOrderId ?? '') ?? 0) + 1);
      expect([...byClientId].filter(([, n]) => n > 1)).toEqual([]);
      expect(orders.filter((o) => !state.orders.has(o.clientOrderId ?? ''))).toEqual([]);
      // No fill lost, none twice, none made up: the journal's fills are the exchange's trades.
      expect([...state.fills.keys()].sort()).toEqual(trades.map((t) => String(t.id)).sort());
      for (const t of trades) {
        const f = state.fills.get(String(t.id));
        expect({ price: f?.price, quantity: f?.quantity }).toEqual({ price: t.price, quantity: t.amount });
      }
      // Nothing works any more (the quiet session cancelled it all).
      expect(orders.filter((o) => o.status === 'open')).toEqual([]);

      // The run's account at its end equals the exchange's.
      const total = (balance.total ?? {}) as unknown as Record<string, number>;
      const usdt = total.USDT ?? NaN;
      const btc = total.BTC ?? 0;
      expect(state.balances.get('USDT')).toBeCloseTo(usdt, 6);
      expect(state.balances.get('BTC') ?? 0).toBeCloseTo(btc, 8);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { final_cash: number; instruments: Record<string, { position: number }>; complete: boolean };
      expect(summary.complete).toBe(true);
      expect(summary.final_cash).toBeCloseTo(usdt, 6);
      expect(summary.instruments[SYMBOL]?.position ?? 0).toBeCloseTo(btc, 8);
    } finally {
      await client.close();
    }
  }, 600_000);
});
