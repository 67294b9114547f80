import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { Xoshiro128 } from '../../core/random.js';
import { F_CLEAR, F_LAST, F_SNAPSHOT } from '../../model/market.js';
import { RecordingSink, levelsOf, until } from '../../../test/helpers/recording-sink.js';
import { ScriptedBinance, bookTickerMessage, depthMessage, klineMessage, tradeMessage } from '../../../test/helpers/scripted-binance.js';
import type { DataChannel } from '../source.js';
import { CcxtSource, type CcxtSourceOptions } from './ccxt-source.js';

const silent = pino({ level: 'silent' });
let server: ScriptedBinance;
let stopRun: (() => Promise<void>) | undefined;

beforeEach(async () => {
  server = await ScriptedBinance.start();
});
afterEach(async () => {
  await stopRun?.();
  stopRun = undefined;
  await server.close();
});

function source(extra: Partial<CcxtSourceOptions> = {}): CcxtSource {
  const rng = new Xoshiro128(7);
  return new CcxtSource({ exchange: 'binance', urls: server.url, log: silent, backoff: { initialMs: 20, maxMs: 200 }, random: () => rng.nextFloat(), ...extra });
}

/** Starts a run; `stopRun` aborts it and waits for it to resolve. */
function start(src: CcxtSource, channels: DataChannel[], symbols = ['BTC/USDT']): { sink: RecordingSink; done: Promise<void> } {
  const sink = new RecordingSink();
  const ac = new AbortController();
  const done = src.run({ symbols, channels, timeframe: '1m' }, sink, ac.signal);
  stopRun = async () => {
    ac.abort();
    await done;
  };
  return { sink, done };
}

describe('CcxtSource markets', () => {
  it('gives tick and lot sizes as exact decimal strings', async () => {
    const markets = await source().markets(['BTC/USDT', 'ETH/USDT']);
    expect(markets).toEqual([
      { symbol: 'BTC/USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: '0.01', lotSize: '0.00001' },
      { symbol: 'ETH/USDT', id: 'ETHUSDT', base: 'ETH', quote: 'USDT', tickSize: '0.01', lotSize: '0.0001' },
    ]);
  });

  it('refuses an unknown symbol, naming it and the exchange', async () => {
    const e = await source().markets(['NOPE/USDT']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toBe("field 'symbol' value 'NOPE/USDT': binance has no market NOPE/USDT (symbols are ccxt's unified ones, like BTC/USDT)");
  });

  it('refuses an exchange ccxt cannot watch', () => {
    expect(() => new CcxtSource({ exchange: 'nosuchexchange' })).toThrow(/field 'exchange' value 'nosuchexchange': not an exchange ccxt/);
  });
});

describe('CcxtSource trades', () => {
  it('sends every trade once, in order, with exchange time in µs and the aggressor', async () => {
    const { sink } = start(source(), ['trades']);
    await server.subscribed('btcusdt@trade');
    server.push('btcusdt@trade', tradeMessage(1, 1_700_000_000_000, '100.50', '0.25', false));
    server.push('btcusdt@trade', tradeMessage(2, 1_700_000_000_001, '100.40', '1.5', true));
    server.push('btcusdt@trade', tradeMessage(3, 1_700_000_000_001, '100.45', '0.001', false));
    await until(() => sink.trades.length >= 3);
    expect(sink.trades.map(({ receiveTime: _r, ...t }) => t)).toEqual([
      { symbol: 0, exchangeTime: 1_700_000_000_000_000, price: 100.5, size: 0.25, aggressor: 1 },
      { symbol: 0, exchangeTime: 1_700_000_000_001_000, price: 100.4, size: 1.5, aggressor: -1 },
      { symbol: 0, exchangeTime: 1_700_000_000_001_000, price: 100.45, size: 0.001, aggressor: 1 },
    ]);
    expect(sink.trades.every((t) => t.receiveTime > 1_600_000_000_000_000)).toBe(true);
    expect(sink.kinds()).toEqual(['connected']);
  });
});
