/**
 * `quantflow live` against a local exchange whose clock is 30 s ahead of or
 * behind this machine's, charging buys' commissions in the base asset (as
 * Binance without BNB): the run measures the offset and trades normally,
 * and at its end its journal's balances are the exchange's and its cash and
 * position differ from them only by the commissions paid in BTC
 * (docs/live.md, "The exchange's clock" and "A commission in the base asset").
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { addExact, subExact } from '../../src/core/decimal.js';
import { JOURNAL_FILE, baseFeeOf, quoteFeeOf, readJournal, replayJournal } from '../../src/live/journal/index.js';
import { pointCcxtAt } from '../../src/live/local-exchange/ccxt-urls.js';
import { startLocalExchange, type LocalExchange } from '../../src/live/local-exchange/index.js';
import { ROOT, SAMPLES, tempDir } from '../helpers/cli.js';

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

let exchange: LocalExchange | undefined;
afterEach(async () => {
  await exchange?.close();
  exchange = undefined;
});

function live(dir: string, url: string): Promise<{ code: number | null; stderr: string }> {
  const args = ['live', '--strategy', join(dir, 'flip.ts'), '--exchange', 'binance', '--url', url, '--credentials', 'env:QF_CLOCK', '--symbol', SYMBOL];
  const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args, '--timeframe', '1m', '--data', 'bars', '--fee-rate', '0.001', '--out', join(dir, 'run'), '--duration', '7s'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, QF_CLOCK_API_KEY: KEY, QF_CLOCK_SECRET: SECRET },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe("quantflow live against an exchange whose clock is off by 30 s, fees in the base asset", () => {
  for (const skew of [30_000, -30_000]) {
    it(`clock ${skew > 0 ? 'ahead' : 'behind'}: trades normally; the run's account is the exchange's but for the commissions paid in BTC`, async () => {
      const dir = tempDir('qf-live-clock-');
      // 40 bars at 10 a second: the replay ends before the run, so no fill comes after it.
      const bars = join(dir, 'bars.csv');
      writeFileSync(bars, readFileSync(join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), 'utf8').split('\n').slice(0, 41).join('\n') + '\n');
      exchange = await startLocalExchange({
        data: [{ path: bars, symbol: SYMBOL }],
        speed: 600,
        accounts: [{ key: KEY, secret: SECRET }],
        balances: { USDT: 100_000 },
        feeRate: 0.001,
        feeAsset: 'base',
        clockSkewMs: skew,
      });
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
        // One session: every fill's commission in BTC is the known difference.
        let baseFees = 0;
        let baseFeesValue = 0;
        for (const f of state.fills.values()) {
          baseFees = addExact(baseFees, baseFeeOf(f));
          if (baseFeeOf(f) !== 0) baseFeesValue = addExact(baseFeesValue, quoteFeeOf(f) ?? NaN);
        }
        expect(baseFees).toBeGreaterThan(0);
        const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as { final_cash: number; instruments: Record<string, { position: number }> };
        expect(subExact(summary.instruments[SYMBOL]?.position ?? 0, baseFees)).toBeCloseTo(total.BTC ?? 0, 8);
        expect(addExact(summary.final_cash, baseFeesValue)).toBeCloseTo(total.USDT ?? NaN, 6);
      } finally {
        await client.close();
      }
    }, 60_000);
  }
});
