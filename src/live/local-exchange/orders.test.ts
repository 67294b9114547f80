import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { createHmac } from 'node:crypto';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addExact, mulExact, subExact } from '../../core/decimal.js';
import { InputError } from '../../core/errors.js';
import { Xoshiro128 } from '../../core/random.js';
import { exchangeOptions } from '../../cli/commands/exchange.js';
import { pointCcxtAt } from './ccxt-urls.js';
import { startLocalExchange, type LocalExchange, type LocalExchangeOptions } from './server.js';

// ccxt pro's binance with API keys, pointed at a local exchange on 127.0.0.1: nothing here touches the internet.
type Ccxt = InstanceType<typeof ccxt.pro.binance>;
type Balances = { free: Record<string, number>; used: Record<string, number> };
const balance = async (c: Ccxt): Promise<Balances> => (await c.fetchBalance()) as unknown as Balances;

let dir: string;
let barsFile: string;
let tradesFile: string;
let depthSnap: string;
/** The bars' open, high, low (BTC/USDT) and the trade prices (ETH/USDT), as written in the files. */
const bars: { open: number; high: number; low: number }[] = [];
const tradePrices: number[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-local-orders-'));
  barsFile = join(dir, 'bars.csv');
  const lines = readFileSync('data/samples/BTC-PERP-2022-01-1m.csv', 'utf8').split('\n').slice(0, 31);
  writeFileSync(barsFile, lines.join('\n') + '\n');
  for (const line of lines.slice(1)) {
    const [, o, h, l] = line.split(',');
    bars.push({ open: Number(o), high: Number(h), low: Number(l) });
  }
  const rng = new Xoshiro128(17);
  let trades = 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n';
  for (let i = 0; i < 60; i++) {
    const us = 1_667_347_000_000_000 + i * 100_000;
    const price = (100 + Math.floor(rng.nextFloat() * 200) / 100).toFixed(2);
    tradePrices.push(Number(price));
    trades += `binance,ETHUSDT,${us},${us + 500},t${i},buy,${price},1.000\n`;
  }
  tradesFile = join(dir, 'trades.csv');
  writeFileSync(tradesFile, trades);
  const header = 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty\n';
  let snap = header;
  for (let i = 0; i < 5; i++) snap += `SOLUSDT,1667347000000,1000,1000,b,snap,${(99.99 - i * 0.01).toFixed(2)},${(1 + i).toFixed(3)}\n`;
  for (let i = 0; i < 5; i++) snap += `SOLUSDT,1667347000000,1000,1000,a,snap,${(100.01 + i * 0.01).toFixed(2)},${(2 + i).toFixed(3)}\n`;
  depthSnap = join(dir, 'depth-snap.csv');
  writeFileSync(depthSnap, snap);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: { exchange?: LocalExchange; clients: Ccxt[] } = { clients: [] };
afterEach(async () => {
  for (const c of open.clients) await c.close();
  open.clients = [];
  await open.exchange?.close();
  delete open.exchange;
});

const KEY = 'test-key';
const SECRET = 'test-secret';
const START = { USDT: '100000', BTC: '1', ETH: '10', SOL: '10' };

/** Bars as BTC/USDT, trades as ETH/USDT, a book as SOL/USDT; one account; the replay waits for start() and then runs at once. */
async function serve(options: Partial<LocalExchangeOptions> = {}): Promise<LocalExchange> {
  open.exchange = await startLocalExchange({
    data: [
      { path: barsFile, symbol: 'BTC/USDT' },
      { path: tradesFile, symbol: 'ETH/USDT' },
      { path: depthSnap, symbol: 'SOL/USDT' },
    ],
    speed: 1e9,
    start: 'manual',
    accounts: [{ key: KEY, secret: SECRET }],
    balances: START,
    ...options,
  });
  return open.exchange;
}

async function client(exchange: LocalExchange, apiKey = KEY, secret = SECRET): Promise<Ccxt> {
  const c = new ccxt.pro.binance({ apiKey, secret });
  open.clients.push(c);
  await pointCcxtAt(c, exchange.url);
  await c.loadMarkets();
  return c;
}

async function until(what: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await what())) await new Promise((r) => setTimeout(r, 10));
}

async function replayAll(exchange: LocalExchange): Promise<void> {
  exchange.start();
  await until(() => exchange.status().done);
}

const fee = (quote: number): number => Math.round(mulExact(quote, 0.001) * 1e8) / 1e8;

describe('orders on the local exchange through ccxt pro binance', () => {
  it('fills market and limit orders on bars by the bar rules, with exact fees and balances', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    const before = await balance(c);
    expect(before.free.USDT).toBe(100000);
    expect(before.free.BTC).toBe(1);
    const market = await c.createOrder('BTC/USDT', 'market', 'buy', 0.1);
    expect(market.status).toBe('open'); // it waits for the next bar
    // A limit sell some way above the first open: it fills at the first bar that reaches it, at its price or a better open.
    const limitPrice = Math.max(...bars.slice(1).map((b) => b.high)) - 1;
    expect(limitPrice).toBeGreaterThan((bars[0] as { open: number }).open);
    const limit = await c.createOrder('BTC/USDT', 'limit', 'sell', 0.05, limitPrice, { clientOrderId: 'my-limit-1' });
    expect(limit.clientOrderId).toBe('my-limit-1');
    const resting = await c.createOrder('BTC/USDT', 'limit', 'sell', 0.5, 100000);
    expect((await balance(c)).used.BTC).toBe(0.55);
    await replayAll(exchange);

    const m = await c.fetchOrder(market.id as string, 'BTC/USDT');
    expect(m.status).toBe('closed');
    expect(m.average).toBe((bars[0] as { open: number }).open);
    let expectedLimit = NaN;
    for (const b of bars) {
      if (b.open >= limitPrice) expectedLimit = b.open;
      else if (b.high >= limitPrice) expectedLimit = limitPrice;
      else continue;
      break;
    }
    expect(Number.isFinite(expectedLimit)).toBe(true);
    const l = await c.fetchOrder('', 'BTC/USDT', { origClientOrderId: 'my-limit-1' });
    expect(l.id).toBe(limit.id);
    expect(l.status).toBe('closed');
    expect(l.average).toBe(expectedLimit);

    const trades = await c.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.order, t.price, t.amount, t.fee?.cost, t.fee?.currency])).toEqual([
      [market.id, (bars[0] as { open: number }).open, 0.1, fee(mulExact((bars[0] as { open: number }).open, 0.1)), 'USDT'],
      [limit.id, expectedLimit, 0.05, fee(mulExact(expectedLimit, 0.05)), 'USDT'],
    ]);
    const open = await c.fetchOpenOrders('BTC/USDT');
    expect(open.map((o) => o.id)).toEqual([resting.id]);
    const canceled = await c.cancelOrder(resting.id as string, 'BTC/USDT');
    expect(canceled.status).toBe('canceled');
    expect(await c.fetchOpenOrders('BTC/USDT')).toEqual([]);

    let usdt = 100000;
    for (const t of trades) usdt = t.side === 'buy' ? subExact(usdt, addExact(t.cost as number, t.fee?.cost as number)) : addExact(usdt, subExact(t.cost as number, t.fee?.cost as number));
    const after = await balance(c);
    expect(after.free.USDT).toBe(usdt);
    expect(after.used.USDT).toBe(0);
    expect(after.free.BTC).toBe(1.05);
    expect(after.used.BTC).toBe(0);
    const all = await c.fetchOrders('BTC/USDT');
    expect(all.map((o) => o.status)).toEqual(['closed', 'closed', 'canceled']);
  });

  it('fills on trade prints: a limit meets the first print after it as its open, later prints fill it at its price when they go through it', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    const first = tradePrices[0] as number;
    const market = await c.createOrder('ETH/USDT', 'market', 'sell', 2);
    const limitPrice = Math.min(...tradePrices.slice(1)) + 0.01; // some print goes below it
    const limit = await c.createOrder('ETH/USDT', 'limit', 'buy', 1, limitPrice, { clientOrderId: 'eth-1' });
    await replayAll(exchange);
    const m = await c.fetchOrder(market.id as string, 'ETH/USDT');
    expect(m.average).toBe(first);
    let expected = NaN;
    for (let i = 0; i < tradePrices.length; i++) {
      const p = tradePrices[i] as number;
      if (i === 0 ? p <= limitPrice : p < limitPrice) {
        expected = i === 0 ? p : limitPrice;
        break;
      }
    }
    const l = await c.fetchOrder(limit.id as string, 'ETH/USDT');
    expect(l.status).toBe('closed');
    expect(l.average).toBe(expected);
    const b = await balance(c);
    expect(b.free.ETH).toBe(9); // 10 - 2 + 1
    const sold = mulExact(first, 2);
    const bought = mulExact(expected, 1);
    expect(b.free.USDT).toBe(subExact(addExact(100000, subExact(sold, fee(sold))), addExact(bought, fee(bought))));
  });

  it('triggers stop orders by the bar rules, and a stop-limit on trades meets the print after its trigger', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    // A stop buy above the first open: at the open when a bar opens through it, else at the stop.
    const stop = Math.max(...bars.slice(1).map((b) => b.high)) - 1;
    const stopBuy = await c.createOrder('BTC/USDT', 'STOP_LOSS', 'buy', 0.01, undefined, { stopPrice: stop });
    const never = await c.createOrder('BTC/USDT', 'STOP_LOSS_LIMIT', 'sell', 0.01, 40000, { stopPrice: 40001 });
    // On ETH trades: a stop-limit sell triggers at the first print at or below its stop, then meets the next print as a limit.
    const ethStop = (tradePrices[0] as number) - 0.5;
    const ethLimit = ethStop - 0.5;
    const stopLimit = await c.createOrder('ETH/USDT', 'STOP_LOSS_LIMIT', 'sell', 1, ethLimit, { stopPrice: ethStop });
    await replayAll(exchange);
    let expected = NaN;
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i] as { open: number; high: number };
      if (b.open >= stop) expected = b.open;
      else if (b.high >= stop) expected = stop;
      else continue;
      break;
    }
    const s = await c.fetchOrder(stopBuy.id as string, 'BTC/USDT');
    expect([s.status, s.average, s.triggerPrice]).toEqual(['closed', expected, stop]);
    const n = await c.fetchOrder(never.id as string, 'BTC/USDT');
    expect([n.status, n.filled, n.triggerPrice]).toEqual(['open', 0, 40001]);
    const at = tradePrices.findIndex((p) => p <= ethStop);
    expect(at).toBeGreaterThan(0);
    // The print after the trigger is the limit's open (filled there if at or above the limit); later ones fill it at the limit when above it.
    const first = tradePrices[at + 1] as number;
    const next = first >= ethLimit ? first : tradePrices.slice(at + 2).some((p) => p > ethLimit) ? ethLimit : NaN;
    const e = await c.fetchOrder(stopLimit.id as string, 'ETH/USDT');
    expect([e.status, e.average]).toEqual(['closed', next]);
  });

  it('walks the book with a market order, one trade per level', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    const order = await c.createOrder('SOL/USDT', 'market', 'buy', 4);
    await replayAll(exchange);
    const trades = await c.fetchMyTrades('SOL/USDT');
    expect(trades.map((t) => [t.order, t.price, t.amount])).toEqual([
      [order.id, 100.01, 2],
      [order.id, 100.02, 2],
    ]);
    // Once the book is known, a marketable limit fills at once, within its price; IOC expires the rest.
    const ioc = await c.createOrder('SOL/USDT', 'limit', 'buy', 6, 100.02, { timeInForce: 'IOC' });
    expect(ioc.status).toBe('expired');
    expect(ioc.filled).toBe(5);
    const fok = await c.createOrder('SOL/USDT', 'limit', 'buy', 6, 100.02, { timeInForce: 'FOK' });
    expect(fok.status).toBe('expired');
    expect(fok.filled).toBe(0);
  });

  it('refuses a duplicate client order id, an order the balance cannot pay and one off the lot grid, with Binance codes', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    await c.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000, { clientOrderId: 'dup' });
    await expect(c.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000, { clientOrderId: 'dup' })).rejects.toThrow(/-2010.*Duplicate order sent/);
    await expect(c.createOrder('BTC/USDT', 'limit', 'buy', 10, 40000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(c.createOrder('BTC/USDT', 'market', 'sell', 2)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    // ccxt rounds amounts to the lot itself: sent raw, an amount off the grid is a filter failure.
    await expect(c.privatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.00001' })).rejects.toThrow(/-1013.*Filter failure: LOT_SIZE/);
    await expect(c.privatePostOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price: '40000.5' })).rejects.toThrow(/-1013.*Filter failure: PRICE_FILTER/);
    expect(exchange.status().orders).toBe(1);
  });

  it('checks signed requests as Binance does: key, signature, timestamp', async () => {
    const exchange = await serve();
    await expect((await client(exchange, 'nobody', SECRET)).fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
    await expect((await client(exchange, KEY, 'wrong')).fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
    const late = await client(exchange);
    late.nonce = () => Date.now() - 60_000;
    await expect(late.fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);
    const ahead = await client(exchange);
    ahead.nonce = () => Date.now() + 60_000;
    await expect(ahead.fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);
  });

  it('checks the WebSocket API subscription of the user data stream the same way', async () => {
    const exchange = await serve();
    const ws = new WebSocket(`${exchange.url.replace('http', 'ws')}/ws-api/v3`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const ask = (id: string, secret: string, apiKey = KEY): Promise<{ status: number; result?: { subscriptionId: number }; error?: { code: number } }> => {
      const params: Record<string, string | number> = { apiKey, timestamp: Date.now() };
      const query = Object.keys(params)
        .sort()
        .map((k) => `${k}=${params[k]}`)
        .join('&');
      const signature = createHmac('sha256', secret).update(query).digest('hex');
      ws.send(JSON.stringify({ id, method: 'userDataStream.subscribe.signature', params: { ...params, signature } }));
      return new Promise((resolve) => {
        const on = (data: Buffer): void => {
          const msg = JSON.parse(data.toString()) as { id: string; status: number };
          if (msg.id !== id) return;
          ws.off('message', on);
          resolve(msg);
        };
        ws.on('message', on);
      });
    };
    expect(await ask('a', 'wrong')).toMatchObject({ status: 400, error: { code: -1022 } });
    expect(await ask('b', SECRET, 'nobody')).toMatchObject({ status: 401, error: { code: -2015 } });
    expect(await ask('c', SECRET)).toMatchObject({ status: 200, result: { subscriptionId: 0 } });
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
  });

  it('sends execution reports and balances on the user data stream (watchOrders, watchMyTrades, watchBalance)', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    const reports: { id: string; status: string | undefined; filled: number | undefined }[] = [];
    const streamTrades: { id: string | undefined; price: number }[] = [];
    let balances = 0;
    let stop = false;
    const watchOrders = (async () => {
      while (!stop) for (const o of await c.watchOrders('BTC/USDT')) reports.push({ id: o.id as string, status: o.status, filled: o.filled });
    })().catch(() => undefined);
    const watchTrades = (async () => {
      while (!stop) for (const t of await c.watchMyTrades('BTC/USDT')) streamTrades.push({ id: t.id, price: t.price as number });
    })().catch(() => undefined);
    const watchBalance = (async () => {
      while (!stop) {
        await c.watchBalance();
        balances++;
      }
    })().catch(() => undefined);
    await until(() => exchange.status().userSubscriptions === 1); // the server has the subscription: no report can be missed
    const a = await c.createOrder('BTC/USDT', 'market', 'buy', 0.1);
    const b = await c.createOrder('BTC/USDT', 'limit', 'buy', 0.1, 1000);
    await c.cancelOrder(b.id as string, 'BTC/USDT');
    await replayAll(exchange);
    await until(() => reports.length >= 4 && streamTrades.length >= 1 && balances >= 4);
    stop = true;
    expect(reports.filter((r) => r.id === a.id).map((r) => [r.status, r.filled])).toEqual([
      ['open', 0],
      ['closed', 0.1],
    ]);
    expect(reports.filter((r) => r.id === b.id).map((r) => r.status)).toEqual(['open', 'canceled']);
    const rest = await c.fetchMyTrades('BTC/USDT');
    expect(streamTrades).toEqual(rest.map((t) => ({ id: t.id, price: t.price })));
    await c.close();
    await Promise.all([watchOrders, watchTrades, watchBalance]);
  });
});

describe('faults of the order side', () => {
  it('--reject-every N rejects every Nth new order with a reason', async () => {
    const exchange = await serve({ rejectEvery: 2 });
    const c = await client(exchange);
    await c.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000);
    await expect(c.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000)).rejects.toThrow(/-2010.*--reject-every 2/);
    await c.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000);
    expect((await c.fetchOpenOrders('BTC/USDT')).length).toBe(2);
  });

  it('--partial-fills splits each fill into two trades that sum to it', async () => {
    const exchange = await serve({ partialFills: true });
    const c = await client(exchange);
    const o = await c.createOrder('BTC/USDT', 'market', 'buy', 0.1001);
    await replayAll(exchange);
    const trades = await c.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.order, t.amount])).toEqual([
      [o.id, 0.05],
      [o.id, 0.0501],
    ]);
    expect((await c.fetchOrder(o.id as string, 'BTC/USDT')).filled).toBe(0.1001);
  });

  it('--drop-reports-every N drops user stream reports while REST stays right', async () => {
    const exchange = await serve({ dropReportsEvery: 3 });
    const c = await client(exchange);
    const seen = new Set<string>();
    let stop = false;
    const watch = (async () => {
      while (!stop) for (const o of await c.watchOrders()) seen.add(o.id as string);
    })().catch(() => undefined);
    await until(() => exchange.status().userSubscriptions === 1); // the server has the subscription: no report can be missed
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await c.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000 + i)).id as string);
    await until(() => exchange.status().reportsSent + exchange.status().reportsDropped >= 6);
    // Each order makes an execution report then a balance report: the third (order 2's report) and the sixth are dropped.
    expect(exchange.status().reportsDropped).toBe(2);
    expect((await c.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual(ids);
    stop = true;
    await c.close();
    await watch;
    expect([...seen]).toEqual([ids[0], ids[2]]);
  });

  it('--slippage-bps fills market buys higher and sells lower by N bp, on the tick grid against the account; a limit not past its limit', async () => {
    const bps = 25;
    const exchange = await serve({ slippageBps: bps });
    const c = await client(exchange);
    const tick = Number(exchange.status().markets.find((m) => m.symbol === 'BTC/USDT')?.tickSize);
    const open0 = (bars[0] as { open: number }).open;
    const buy = await c.createOrder('BTC/USDT', 'market', 'buy', 0.1);
    const sell = await c.createOrder('BTC/USDT', 'market', 'sell', 0.1);
    // Marketable at the bar's open by 1; the slipped price would be past its limit: it fills at the limit.
    const limit = await c.createOrder('BTC/USDT', 'limit', 'buy', 0.01, open0 + 1);
    await replayAll(exchange);
    const b = (await c.fetchOrder(buy.id as string, 'BTC/USDT')).average as number;
    const s = (await c.fetchOrder(sell.id as string, 'BTC/USDT')).average as number;
    const onGrid = (x: number): boolean => Math.abs(x / tick - Math.round(x / tick)) < 1e-6;
    const up = open0 * (1 + bps / 10_000);
    const down = open0 * (1 - bps / 10_000);
    // The nearest tick at or beyond the shifted price, against the account.
    expect(onGrid(b) && onGrid(s)).toBe(true);
    expect(b).toBeGreaterThanOrEqual(up - 1e-9);
    expect(b - tick).toBeLessThan(up);
    expect(s).toBeLessThanOrEqual(down + 1e-9);
    expect(s + tick).toBeGreaterThan(down);
    expect(b).toBeGreaterThan(open0);
    expect(s).toBeLessThan(open0);
    expect((await c.fetchOrder(limit.id as string, 'BTC/USDT')).average).toBe(open0 + 1);
    // The trades and the fees are at the slipped prices.
    const trades = await c.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => [t.side, t.price, t.fee?.cost])).toEqual([
      ['buy', b, fee(mulExact(b, 0.1))],
      ['sell', s, fee(mulExact(s, 0.1))],
      ['buy', open0 + 1, fee(mulExact(open0 + 1, 0.01))],
    ]);
  });

  it('a manual replay steps: POST /quantflow/step?events=N releases N events; orders received are counted on arrival', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    const stepBy = async (events: string): Promise<{ status: number; body: { position?: number; msg?: string } }> => {
      const r = await fetch(`${exchange.url}/quantflow/step?events=${events}`, { method: 'POST' });
      return { status: r.status, body: (await r.json()) as { position?: number; msg?: string } };
    };
    expect((await stepBy('1')).body.position).toBe(1);
    expect(exchange.status()).toMatchObject({ started: false, position: 1, stepped: 1, ordersReceived: 0 });
    const first = await c.createOrder('BTC/USDT', 'market', 'buy', 0.1);
    expect(exchange.status().ordersReceived).toBe(1);
    // Nothing moves between steps: the order waits for the next bar.
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.fetchOrder(first.id as string, 'BTC/USDT')).status).toBe('open');
    expect((await stepBy('1')).body.position).toBe(2);
    const filled = await c.fetchOrder(first.id as string, 'BTC/USDT');
    expect([filled.status, filled.average]).toEqual(['closed', (bars[1] as { open: number }).open]);
    expect(exchange.step(3)).toBe(3);
    expect(exchange.status().position).toBe(5);
    // Mistakes: one line naming the value; a replay that runs on its own is not stepped.
    const bad = await stepBy('x');
    expect(bad.status).toBe(400);
    expect(bad.body.msg).toContain("value 'NaN'");
    exchange.start();
    const running = await stepBy('1');
    expect(running.status).toBe(409);
    expect(running.body.msg).toContain('runs on its own');
  });

  it('a step that holds its market data sends its fills at once and its bars on release: a client takes in the fill before the bar', async () => {
    const exchange = await serve();
    const c = await client(exchange);
    const heard: string[] = [];
    let stop = false;
    const watchBars = (async () => {
      while (!stop) for (const k of await c.watchOHLCV('BTC/USDT', '1m')) heard.push(`bar ${k[0]}`);
    })().catch(() => undefined);
    const watchTrades = (async () => {
      while (!stop) for (const t of await c.watchMyTrades('BTC/USDT')) heard.push(`fill ${t.timestamp} ${t.price}`);
    })().catch(() => undefined);
    await until(() => exchange.status().userSubscriptions === 1 && exchange.status().subscriptions > 0);
    const times = readFileSync(barsFile, 'utf8').split('\n').slice(1, 4).map((l) => Date.parse(`${l.split(',')[0]?.replace(' ', 'T')}Z`));
    exchange.step(1);
    await until(() => heard.length === 1);
    await c.createOrder('BTC/USDT', 'market', 'buy', 0.1);
    expect(exchange.step(1, { holdMarketData: true })).toBe(1);
    await until(() => heard.length === 2);
    // The order filled at bar 2's open; bar 2 waits, served by REST meanwhile.
    expect(exchange.status()).toMatchObject({ stepped: 2, heldMessages: 1, fills: 1 });
    expect((await c.fetchOHLCV('BTC/USDT', '1m')).map((k) => k[0])).toEqual([times[0], times[1]]);
    expect(heard).toEqual([`bar ${times[0]}`, `fill ${times[1]} ${(bars[1] as { open: number }).open}`]);
    expect(exchange.releaseMarketData()).toBe(1);
    await until(() => heard.length === 3);
    // Over HTTP: a held step, then the release; a later step sends what an earlier one held first.
    const post = async (path: string): Promise<{ status: number; body: { heldMessages?: number; msg?: string } }> => {
      const r = await fetch(`${exchange.url}${path}`, { method: 'POST' });
      return { status: r.status, body: (await r.json()) as { heldMessages?: number; msg?: string } };
    };
    expect((await post('/quantflow/step?events=1&hold=market-data')).body.heldMessages).toBe(1);
    expect((await post('/quantflow/step?events=1&hold=market-data')).body.heldMessages).toBe(1);
    await until(() => heard.length === 4);
    expect((await post('/quantflow/release')).body.heldMessages).toBe(0);
    await until(() => heard.length === 5);
    const bad = await post('/quantflow/step?events=1&hold=orders');
    expect(bad.status).toBe(400);
    expect(bad.body.msg).toContain("value 'orders'");
    stop = true;
    expect(heard.slice(2)).toEqual([`bar ${times[1]}`, `bar ${times[2]}`, `bar ${Number(times[2]) + 60_000}`]);
    await c.close();
    await Promise.all([watchBars, watchTrades]);
  });

  it('--order-latency-ms holds new orders before they reach the matcher', async () => {
    const exchange = await serve({ orderLatencyMs: 1500 });
    const c = await client(exchange);
    const requests = exchange.status().restRequests;
    const pending = c.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000);
    await until(() => exchange.status().restRequests > requests);
    expect(exchange.status().orders).toBe(0);
    await pending;
    expect(exchange.status().orders).toBe(1);
  });
});

describe('quantflow exchange order flags', () => {
  const base = { data: ['data/samples/BTC-PERP-2022-01-1m.csv=BTC/USDT'] };
  it('reads accounts, balances and faults', () => {
    const o = exchangeOptions({ ...base, account: ['k1:s1', 'k2:s:2'], balance: ['USDT=10000', 'BTC=0.5'], feeRate: '0.0005', orderLatencyMs: '20', rejectEvery: '3', partialFills: true, dropReportsEvery: '4' });
    expect(o.accounts).toEqual([
      { key: 'k1', secret: 's1' },
      { key: 'k2', secret: 's:2' },
    ]);
    expect(o.balances).toEqual({ USDT: '10000', BTC: '0.5' });
    expect([o.feeRate, o.orderLatencyMs, o.rejectEvery, o.partialFills, o.dropReportsEvery]).toEqual([0.0005, 20, 3, true, 4]);
  });

  it.each([
    [{ account: ['nosecret'] }, "field '--account' value 'nosecret'"],
    [{ balance: ['USDT'] }, "field '--balance' value 'USDT'"],
    [{ balance: ['USDT=-5'] }, "field '--balance' value 'USDT=-5'"],
    [{ feeRate: 'x' }, "field '--fee-rate' value 'x'"],
    [{ rejectEvery: '1.5' }, "field '--reject-every' value '1.5'"],
    [{ slippageBps: '2.5' }, "field '--slippage-bps' value '2.5'"],
  ])('refuses %j with one line naming the flag and value', (flags, text) => {
    let error: unknown;
    try {
      exchangeOptions({ ...base, ...flags });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(text);
    expect((error as Error).message).not.toContain('\n');
  });

  it.each([
    [{ feeRate: 1 }, '--fee-rate'],
    [{ dropReportsEvery: 1 }, '--drop-reports-every'],
    [{ orderLatencyMs: -1 }, '--order-latency-ms'],
    [{ slippageBps: 2.5 }, '--slippage-bps'],
    [{ slippageBps: -3 }, '--slippage-bps'],
    [{ balances: { USDT: '-1' } }, '--balance'],
  ])('startLocalExchange refuses %j naming %s', async (options, flag) => {
    await expect(startLocalExchange({ data: [{ path: 'data/samples/BTC-PERP-2022-01-1m.csv', symbol: 'BTC/USDT' }], accounts: [{ key: 'k', secret: 's' }], ...options })).rejects.toThrow(flag);
  });
});
