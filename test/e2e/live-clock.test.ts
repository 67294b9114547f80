/**
 * `quantflow live` against a local exchange whose clock is 30 s ahead of or
 * behind this machine's, charging buys' commissions in the base asset (as
 * Binance without BNB): the run measures the offset and trades normally,
 * and at its end its journal's balances, and its cash and position, are the
 * exchange's: the commissions paid in BTC came out of the position
 * (docs/live.md, "The exchange's clock" and "A commission in the base asset").
 * Then a strategy that sells its whole `ctx.position()` after each buy: every
 * sell is filled (what the lot grid allows; the rest is dust).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { addExact } from '../../src/core/decimal.js';
import { JOURNAL_FILE, baseFeeOf, readJournal, replayJournal } from '../../src/live/journal/index.js';
import { pointCcxtAt } from '../../src/live/local-exchange/ccxt-urls.js';
import { startLocalExchange, type LocalExchange, type LocalExchangeOptions } from '../../src/live/local-exchange/index.js';
import { sampleBarsFile } from '../helpers/local-binance.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const KEY = 'clockTestKey0b1c2d3e4f5a6b7c8d9e';
const SECRET = 'clockTestSecret9e8d7c6b5a4f3e2d1c';
const SYMBOL = 'BTC/USDT';

/** A buy, then a sell of what was bought, over and over. */
const STRATEGY = `import { Strategy, type Bar, type StrategyContext } from 'quantflow';

export default class Flip extends Strategy<Record<string, unknown>> {
  private n = 0;
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (this.n++ % 2 === 0) ctx.buy(0.01);
    else ctx.sell(0.005);
  }
}
`;

/** Buys 0.01234 BTC when flat (three times), else sells its whole position: 0.1% of each buy is paid in BTC, so the position is off the 0.00001 lot grid. */
const SELL_ALL = `import { Strategy, type Bar, type StrategyContext } from 'quantflow';

export default class SellAll extends Strategy<Record<string, unknown>> {
  private buys = 0;
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (ctx.openOrders().length > 0) return;
    if (ctx.position() < 0.001) {
      if (this.buys++ < 3) ctx.buy(0.01234);
    } else ctx.sell(ctx.position());
  }
}
`;

let exchange: LocalExchange | undefined;
afterEach(async () => {
  await exchange?.close();
  exchange = undefined;
});

function readSummary(dir: string): { final_cash: number; instruments: Record<string, { position: number }> } {
  return JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as { final_cash: number; instruments: Record<string, { position: number }> };
}

function live(dir: string, url: string, strategy = 'flip.ts'): Promise<{ code: number | null; stderr: string }> {
  const args = ['live', '--strategy', join(dir, strategy), '--exchange', 'binance', '--url', url, '--credentials', 'env:QF_CLOCK', '--symbol', SYMBOL];
  const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args, '--timeframe', '1m', '--data', 'bars', '--fee-rate', '0.001', '--out', join(dir, 'run'), '--duration', '7s'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, QF_CLOCK_API_KEY: KEY, QF_CLOCK_SECRET: SECRET },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/**
 * A local exchange replaying 40 bars of the sample at 10 a second (the replay ends before the run, so no
 * fill comes after it), charging a buy's commission in BTC, with one account of 100,000 USDT.
 */
function baseFeeExchange(dir: string, options: Partial<LocalExchangeOptions>): Promise<LocalExchange> {
  return startLocalExchange({
    data: [{ path: sampleBarsFile(dir, 40), symbol: SYMBOL }],
    speed: 600,
    accounts: [{ key: KEY, secret: SECRET }],
    balances: { USDT: 100_000 },
    feeRate: 0.001,
    feeAsset: 'base',
    ...options,
  });
}

describe("quantflow live against an exchange whose clock is off by 30 s, fees in the base asset", () => {
  for (const skew of [30_000, -30_000]) {
    it(`clock ${skew > 0 ? 'ahead' : 'behind'}: trades normally; the run's cash and position are the exchange's balances`, async () => {
      const dir = tempDir('qf-live-clock-');
      exchange = await baseFeeExchange(dir, { clockSkewMs: skew });
      writeFileSync(join(dir, 'flip.ts'), STRATEGY);
      const r = await live(dir, exchange.url);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/-1021|InvalidNonce|Timestamp for this request/);
      const incidents = readFileSync(join(dir, 'run', 'incidents.csv'), 'utf8');
      expect(incidents).not.toMatch(/order_refused|polling failed/);

      const client = new ccxt.pro.binance({ apiKey: KEY, secret: SECRET });
      try {
        await pointCcxtAt(client, exchange.url);
        await client.loadTimeDifference();
        const trades = await client.fetchMyTrades(SYMBOL, undefined, 1000);
        const total = (await client.fetchBalance()).total as unknown as Record<string, number>;
        expect(trades.filter((t) => t.side === 'buy').length).toBeGreaterThan(2);
        expect(trades.filter((t) => t.side === 'buy').every((t) => t.fee?.currency === 'BTC')).toBe(true);

        const records = readJournal(join(dir, 'run', JOURNAL_FILE));
        const state = replayJournal(records);
        expect([...state.fills.keys()].sort()).toEqual(trades.map((t) => String(t.id)).sort());
        expect(state.balances.get('BTC')).toBe(total.BTC);
        expect(state.balances.get('USDT')).toBe(total.USDT);
        let baseFees = 0;
        for (const f of state.fills.values()) baseFees = addExact(baseFees, baseFeeOf(f));
        expect(baseFees).toBeGreaterThan(0);
        // The commissions paid in BTC came out of the position, not out of cash: both are the exchange's.
        const summary = readSummary(dir);
        expect(summary.instruments[SYMBOL]?.position).toBe(total.BTC);
        expect(summary.final_cash).toBe(total.USDT);
      } finally {
        await client.close();
      }
    }, 60_000);
  }

  it('a strategy that sells its whole ctx.position() after buys paying in BTC: every sell is filled, and the position ends as the exchange\'s balance, dust below the lot', async () => {
    const dir = tempDir('qf-live-sell-all-');
    exchange = await baseFeeExchange(dir, { lotSize: '0.00001' });
    writeFileSync(join(dir, 'sell-all.ts'), SELL_ALL);
    const r = await live(dir, exchange.url, 'sell-all.ts');
    expect(r.code, r.stderr).toBe(0);
    const incidents = readFileSync(join(dir, 'run', 'incidents.csv'), 'utf8');
    expect(incidents).not.toMatch(/order_refused|fee_from_cash/);

    const client = new ccxt.pro.binance({ apiKey: KEY, secret: SECRET });
    try {
      await pointCcxtAt(client, exchange.url);
      const trades = await client.fetchMyTrades(SYMBOL, undefined, 1000);
      const total = (await client.fetchBalance()).total as unknown as Record<string, number>;
      const buys = trades.filter((t) => t.side === 'buy');
      const sells = trades.filter((t) => t.side === 'sell');
      expect(buys.length).toBe(3);
      expect(buys.every((t) => t.fee?.currency === 'BTC')).toBe(true);
      // Each sell was for the whole position the run held, down to the lot: 0.01234 - 0.00001234 = 0.01232766 leaves 0.01232.
      expect(sells.map((t) => t.amount)).toEqual([0.01232, 0.01233, 0.01233]);
      const summary = readSummary(dir);
      expect(summary.instruments[SYMBOL]?.position).toBe(total.BTC);
      expect(summary.final_cash).toBe(total.USDT);
      // What is left is dust: less than one lot, and the exchange holds it too.
      expect(total.BTC).toBeGreaterThan(0);
      expect(total.BTC).toBeLessThan(0.00001);
    } finally {
      await client.close();
    }
  }, 60_000);
});
