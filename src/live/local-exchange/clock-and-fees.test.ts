import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccxtLib } from '../ccxt/ccxt-lib.js';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addExact, mulExact, subExact } from '../../core/decimal.js';
import { InputError } from '../../core/errors.js';
import { exchangeOptions } from '../../cli/commands/exchange.js';
import { pointCcxtAt } from './ccxt-urls.js';
import type { LocalExchange, LocalExchangeOptions } from './server.js';
import { sampleBarsFile, startTestExchange, type BinanceClient } from '../../../test/helpers/local-binance.js';

// The local exchange's clock (wall clock plus an injected skew) and its fee asset; ccxt on 127.0.0.1 only.
// Errors are checked against the copy of ccxt the clients come from (ccxtLib()).
const ccxt = ccxtLib();
type Ccxt = BinanceClient;
const KEY = 'clock-key';
const SECRET = 'clock-secret';

let dir: string;
let barsFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-local-clock-'));
  barsFile = sampleBarsFile(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: { exchange?: LocalExchange; clients: Ccxt[]; sockets: WebSocket[] } = { clients: [], sockets: [] };
afterEach(async () => {
  for (const c of open.clients.splice(0)) await c.close();
  for (const ws of open.sockets.splice(0)) ws.terminate();
  await open.exchange?.close();
  delete open.exchange;
});

async function serve(options: Partial<LocalExchangeOptions> = {}): Promise<LocalExchange> {
  open.exchange = await startTestExchange(barsFile, { key: KEY, secret: SECRET }, options);
  return open.exchange;
}

async function client(exchange: LocalExchange): Promise<Ccxt> {
  const c = new ccxt.pro.binance({ apiKey: KEY, secret: SECRET });
  open.clients.push(c);
  await pointCcxtAt(c, exchange.url);
  return c;
}

/** Subscribes to the user data stream over the WebSocket API with `timestamp`; the answer's status and error code. */
async function subscribeAt(exchange: LocalExchange, timestamp: number): Promise<{ status: number; error?: { code: number } }> {
  const ws = new WebSocket(`${exchange.url.replace('http', 'ws')}/ws-api/v3`);
  open.sockets.push(ws);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const params = { apiKey: KEY, timestamp };
  const signature = createHmac('sha256', SECRET).update(`apiKey=${KEY}&timestamp=${timestamp}`).digest('hex');
  ws.send(JSON.stringify({ id: 'x', method: 'userDataStream.subscribe.signature', params: { ...params, signature } }));
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { status: number; error?: { code: number } })));
}

describe("the local exchange's clock", () => {
  it('answers /api/v3/time with its wall clock (not the replay time), and exchangeInfo the same', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    const before = Date.now();
    const server = await c.fetchTime();
    const after = Date.now();
    expect(server).toBeGreaterThanOrEqual(before);
    expect(server).toBeLessThanOrEqual(after);
    // The data's time stays what the exchange serves (the replay's first bar, years back).
    expect(exchange.status().time).toBe('2021-12-31T23:01:00Z');
    const info = (await (await fetch(`${exchange.url}/api/v3/exchangeInfo`)).json()) as { serverTime: number };
    expect(info.serverTime).toBeGreaterThanOrEqual(before);
  });

  for (const skew of [30_000, -30_000]) {
    it(`skewed ${skew} ms: /api/v3/time and every signed check (REST and the user data stream) use the skewed clock`, async () => {
      const exchange = await serve({ clockSkewMs: skew });
      const c = await client(exchange);
      const before = Date.now();
      const server = (await c.fetchTime()) ?? NaN;
      expect(server - before).toBeGreaterThanOrEqual(skew - 1000);
      expect(server - before).toBeLessThanOrEqual(skew + 1000);
      // A client that signs with its own clock is refused (-1021).
      await expect(c.fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);
      await expect(c.fetchBalance()).rejects.toThrow(/-1021/);
      expect(await subscribeAt(exchange, Date.now())).toMatchObject({ status: 400, error: { code: -1021 } });
      // With the offset measured (ccxt's loadTimeDifference) it is served.
      await c.loadTimeDifference();
      expect(Math.abs(-(c.options.timeDifference as number) - skew)).toBeLessThanOrEqual(1000);
      expect((await c.fetchBalance()).total).toMatchObject({ USDT: 100000, BTC: 1 });
      expect(await subscribeAt(exchange, Date.now() + skew)).toMatchObject({ status: 200 });
    });
  }

  it('takes --clock-skew-ms (negative too) and refuses a fraction', async () => {
    expect(exchangeOptions({ data: [barsFile], clockSkewMs: '-30000' }).clockSkewMs).toBe(-30000);
    await expect(serve({ clockSkewMs: 0.5 })).rejects.toThrow(/--clock-skew-ms/);
    await expect(serve({ clockSkewMs: 0.5 })).rejects.toBeInstanceOf(InputError);
  });
});

describe('commissions in the base asset (--fee-asset base)', () => {
  it('a buy pays its commission in the base asset it receives, a sell in the quote; balances move exactly', async () => {
    const exchange = await serve({ feeAsset: 'base', feeRate: 0.001 });
    const c = await client(exchange);
    await c.loadMarkets();
    exchange.step(1);
    const buy = await c.createOrder('BTC/USDT', 'market', 'buy', 0.5);
    exchange.step(1);
    const sell = await c.createOrder('BTC/USDT', 'market', 'sell', 0.2);
    exchange.step(1);
    const trades = await c.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.side, t.fee?.currency])).toEqual([
      ['buy', 'BTC'],
      ['sell', 'USDT'],
    ]);
    const [b, s] = trades as [(typeof trades)[number], (typeof trades)[number]];
    expect(b.order).toBe(buy.id);
    expect(s.order).toBe(sell.id);
    expect(b.fee?.cost).toBe(0.0005); // 0.5 x 0.001, in BTC
    expect(s.fee?.cost).toBe(Math.round(mulExact(mulExact(s.price ?? NaN, 0.2), 0.001) * 1e8) / 1e8);
    const total = (await c.fetchBalance()).total as unknown as Record<string, number>;
    expect(total.BTC).toBe(subExact(addExact(1, subExact(0.5, 0.0005)), 0.2));
    expect(total.USDT).toBe(subExact(addExact(subExact(100000, mulExact(b.price ?? NaN, 0.5)), mulExact(s.price ?? NaN, 0.2)), s.fee?.cost ?? NaN));
  });

  it('a limit buy locks its cost only (the fee comes out of what it buys)', async () => {
    const exchange = await serve({ feeAsset: 'base', balances: { USDT: '1000' } });
    const c = await client(exchange);
    await c.loadMarkets();
    // 1000 USDT buys exactly 1 BTC at 1000: with the fee in the quote it would not pay for it.
    await c.createOrder('BTC/USDT', 'limit', 'buy', 1, 1000);
    const b = (await c.fetchBalance()) as unknown as { used: Record<string, number>; free: Record<string, number> };
    expect(b.used.USDT).toBe(1000);
    expect(b.free.USDT ?? 0).toBe(0);
  });

  it('takes --fee-asset quote|base and refuses anything else', async () => {
    expect(exchangeOptions({ data: [barsFile], feeAsset: 'base' }).feeAsset).toBe('base');
    expect(() => exchangeOptions({ data: [barsFile], feeAsset: 'BNB' })).toThrow(/--fee-asset.*BNB.*expected quote or base/);
  });
});
