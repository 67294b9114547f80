import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccxtLib } from '../ccxt/ccxt-lib.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exchangeOptions } from '../../cli/commands/exchange.js';
import type { LocalExchange } from './server.js';
import { localBinanceClient, sampleBarsFile, startTestExchange, type BinanceClient } from '../../../test/helpers/local-binance.js';

// POST /api/v3/order/cancelReplace through ccxt pro binance's editOrder, against a local exchange on 127.0.0.1.
// Errors are checked against the copy of ccxt the clients come from (ccxtLib()).
const ccxt = ccxtLib();
type Ccxt = BinanceClient;
const KEY = 'cr-key';
const SECRET = 'cr-secret';
const ACCOUNT = { key: KEY, secret: SECRET };

let dir: string;
let barsFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-cancel-replace-'));
  barsFile = sampleBarsFile(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: { exchange?: LocalExchange; clients: Ccxt[] } = { clients: [] };
afterEach(async () => {
  for (const c of open.clients) await c.close();
  open.clients = [];
  await open.exchange?.close();
  delete open.exchange;
});

async function setUp(options: { cancelReplace?: boolean } = {}): Promise<{ exchange: LocalExchange; c: Ccxt }> {
  const exchange = await startTestExchange(barsFile, ACCOUNT, options);
  open.exchange = exchange;
  const c = await localBinanceClient(exchange, ACCOUNT);
  open.clients.push(c);
  return { exchange, c };
}

/** The JSON body of a ccxt error (`binance {...}`). */
function bodyOf(error: unknown): { code: number; msg: string; data: Record<string, unknown> } {
  const text = (error as Error).message;
  return JSON.parse(text.slice(text.indexOf('{')));
}

async function until(what: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await what())) await new Promise((r) => setTimeout(r, 10));
}

describe('cancel-replace on the local exchange (ccxt editOrder)', () => {
  it('cancels the order and places the new one under the new client order id; the stream reports both', async () => {
    const { exchange, c } = await setUp();
    const reports: { id: string; clientOrderId: string | undefined; status: string | undefined }[] = [];
    let stop = false;
    const watching = (async () => {
      while (!stop) for (const o of await c.watchOrders('BTC/USDT')) reports.push({ id: o.id as string, clientOrderId: o.clientOrderId, status: o.status });
    })().catch(() => undefined);
    await until(() => exchange.status().userSubscriptions === 1);
    const first = await c.createOrder('BTC/USDT', 'limit', 'buy', 0.02, 1000, { newClientOrderId: 'a-1', timeInForce: 'GTC' });
    const edited = await c.editOrder(first.id as string, 'BTC/USDT', 'limit', 'buy', 0.03, 1001, { newClientOrderId: 'a-1m1', timeInForce: 'GTC' });
    expect(edited.id).not.toBe(first.id);
    expect([edited.clientOrderId, edited.status, edited.price, edited.amount]).toEqual(['a-1m1', 'open', 1001, 0.03]);
    expect((await c.fetchOrder(first.id as string, 'BTC/USDT')).status).toBe('canceled');
    expect((await c.fetchOpenOrders('BTC/USDT')).map((o) => [o.id, o.clientOrderId, o.price, o.amount])).toEqual([[edited.id, 'a-1m1', 1001, 0.03]]);
    // The funds of the cancelled order are released and the new order's locked.
    expect(((await c.fetchBalance()) as unknown as { used: Record<string, number> }).used.USDT).toBeCloseTo(0.03 * 1001 * 1.001, 8);
    await until(() => reports.length >= 3);
    stop = true;
    expect(reports).toEqual([
      { id: first.id, clientOrderId: 'a-1', status: 'open' },
      { id: first.id, clientOrderId: 'a-1', status: 'canceled' },
      { id: edited.id, clientOrderId: 'a-1m1', status: 'open' },
    ]);
    await c.close();
    await watching;
  });

  it('STOP_ON_FAILURE: an order that cannot be cancelled leaves nothing placed (400, -2022, NOT_ATTEMPTED)', async () => {
    const { exchange, c } = await setUp();
    const gone = await c.createOrder('BTC/USDT', 'limit', 'buy', 0.02, 1000, { timeInForce: 'GTC' });
    await c.cancelOrder(gone.id as string, 'BTC/USDT');
    const error = await c.editOrder(gone.id as string, 'BTC/USDT', 'limit', 'buy', 0.02, 1001, { newClientOrderId: 'b-1m1', timeInForce: 'GTC' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.ExchangeError);
    expect(bodyOf(error)).toEqual({
      code: -2022,
      msg: 'Order cancel-replace failed.',
      data: { cancelResult: 'FAILURE', newOrderResult: 'NOT_ATTEMPTED', cancelResponse: { code: -2011, msg: 'Unknown order sent.' }, newOrderResponse: null },
    });
    expect(await c.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect(exchange.status().orders).toBe(1);
  });

  it('the new order refused after the cancel: the old order stays cancelled (409, -2021)', async () => {
    const { c } = await setUp();
    const first = await c.createOrder('BTC/USDT', 'limit', 'buy', 0.02, 1000, { timeInForce: 'GTC' });
    const error = await c.editOrder(first.id as string, 'BTC/USDT', 'limit', 'buy', 200, 1000, { newClientOrderId: 'c-1m1', timeInForce: 'GTC' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.ExchangeError);
    const body = bodyOf(error);
    expect([body.code, body.msg, body.data.cancelResult, body.data.newOrderResult]).toEqual([-2021, 'Order cancel-replace partially failed.', 'SUCCESS', 'FAILURE']);
    expect(body.data.newOrderResponse).toEqual({ code: -2010, msg: 'Account has insufficient balance for requested action.' });
    expect((body.data.cancelResponse as { status: string; orderId: number }).status).toBe('CANCELED');
    expect((await c.fetchOrder(first.id as string, 'BTC/USDT')).status).toBe('canceled');
    expect(await c.fetchOpenOrders('BTC/USDT')).toEqual([]);
  });

  it('a malformed new order changes nothing: the plain error, the old order still open', async () => {
    const { c } = await setUp();
    const first = await c.createOrder('BTC/USDT', 'limit', 'buy', 0.02, 1000, { timeInForce: 'GTC' });
    // Sent raw: a price off the tick grid is checked when placing, after the cancel; a missing one before anything.
    await expect(c.privatePostOrderCancelReplace({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.02', cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: first.id })).rejects.toThrow(/-1102.*'price'/);
    await expect(c.privatePostOrderCancelReplace({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.02', price: '1001', cancelOrderId: first.id })).rejects.toThrow(/-1102.*'cancelReplaceMode'/);
    expect((await c.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual([first.id]);
  });

  it('cancelReplace: false (--no-cancel-replace): the endpoint answers 404 as an unknown one, nothing is cancelled or placed', async () => {
    const { exchange, c } = await setUp({ cancelReplace: false });
    const first = await c.createOrder('BTC/USDT', 'limit', 'buy', 0.02, 1000, { timeInForce: 'GTC' });
    const error = await c.editOrder(first.id as string, 'BTC/USDT', 'limit', 'buy', 0.03, 1001, { newClientOrderId: 'd-1m1', timeInForce: 'GTC' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.BaseError);
    expect(String((error as Error).message)).toMatch(/Unknown endpoint \/api\/v3\/order\/cancelReplace/);
    expect((await c.fetchOpenOrders('BTC/USDT')).map((o) => [o.id, o.price, o.amount])).toEqual([[first.id, 1000, 0.02]]);
    expect([exchange.status().cancelReplaceRequests, exchange.status().orders, exchange.status().ordersReceived]).toEqual([1, 1, 1]);
  });

  it("exchangeInfo's cancelReplaceAllowed says whether the endpoint is served", async () => {
    for (const served of [true, false]) {
      const exchange = await startTestExchange(barsFile, ACCOUNT, { cancelReplace: served });
      try {
        const info = (await (await fetch(`${exchange.url}/api/v3/exchangeInfo`)).json()) as { symbols: { cancelReplaceAllowed: boolean }[] };
        expect(info.symbols.map((x) => x.cancelReplaceAllowed)).toEqual([served]);
      } finally {
        await exchange.close();
      }
    }
  });

  it('--no-cancel-replace sets cancelReplace: false; without it the option is left to its default', () => {
    const data = ['data/samples/BTC-PERP-2022-01-1m.csv=BTC/USDT'];
    expect(exchangeOptions({ data, cancelReplace: false }).cancelReplace).toBe(false);
    expect('cancelReplace' in exchangeOptions({ data, cancelReplace: true })).toBe(false);
  });
});
