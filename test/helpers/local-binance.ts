/**
 * What the tests of the live venue and of the local exchange's order side
 * share: a local exchange replaying the first BTC/USDT minute bars of the
 * sample (started by hand, one account), a plain ccxt client on one of its
 * accounts, the venue's options for it, and the kernel's polling loop.
 * Everything stays on 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ccxtLib } from '../../src/live/ccxt/ccxt-lib.js';
import { pointCcxtAt } from '../../src/live/local-exchange/ccxt-urls.js';
import { startLocalExchange, type LocalExchange, type LocalExchangeOptions } from '../../src/live/local-exchange/server.js';
import type { Incident } from '../../src/live/source.js';
import type { CcxtVenue, CcxtVenueOptions } from '../../src/live/venue/ccxt-venue.js';

/** A ccxt pro binance client (of ccxtLib(), the copy the venue checks errors against). */
export type BinanceClient = InstanceType<ReturnType<typeof ccxtLib>['pro']['binance']>;

/** An account of the local exchange: API key and secret. */
export interface TestAccount {
  readonly key: string;
  readonly secret: string;
}

/** The first `bars` one-minute BTC/USDT bars of data/samples/BTC-PERP-2022-01-1m.csv, written to `dir`/bars.csv. */
export function sampleBarsFile(dir: string, bars = 30): string {
  const file = join(dir, 'bars.csv');
  writeFileSync(file, readFileSync('data/samples/BTC-PERP-2022-01-1m.csv', 'utf8').split('\n').slice(0, bars + 1).join('\n') + '\n');
  return file;
}

/** A local exchange replaying `data` as BTC/USDT as fast as asked, started by hand (start/step), one account with 100,000 USDT and 1 BTC. */
export function startTestExchange(data: string, account: TestAccount, options: Partial<LocalExchangeOptions> = {}): Promise<LocalExchange> {
  return startLocalExchange({
    data: [{ path: data, symbol: 'BTC/USDT' }],
    speed: 1e9,
    start: 'manual',
    accounts: [account],
    balances: { USDT: '100000', BTC: '1' },
    ...options,
  });
}

/** A plain ccxt client on an account of the local exchange, markets loaded (close it after). */
export async function localBinanceClient(exchange: LocalExchange, account: TestAccount): Promise<BinanceClient> {
  const c = new (ccxtLib().pro.binance)({ apiKey: account.key, secret: account.secret });
  await pointCcxtAt(c, exchange.url);
  await c.loadMarkets();
  return c;
}

/** The live venue's options for the local exchange: the account, the run folder, incidents collected, polling every 200 ms. */
export function localVenueOptions(exchange: LocalExchange, account: TestAccount, runDir: string, incidents: Incident[], extra: Partial<CcxtVenueOptions> = {}): CcxtVenueOptions {
  return {
    exchange: 'binance',
    url: exchange.url,
    credentials: { apiKey: account.key, secret: account.secret },
    runDir,
    unknownOrders: 'stop',
    wallNow: () => Date.now() * 1000,
    onIncident: (i) => void incidents.push(i),
    pollIntervalMs: 200,
    ...extra,
  };
}

/** Polls the venue (or a harness over it) as the kernel does until `done` holds; gives up after `ms`. */
export async function pumpUntil(venue: Pick<CcxtVenue, 'poll'>, done: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    venue.poll();
    if (await done()) return;
    if (Date.now() > end) throw new Error(`pumpUntil: gave up after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
