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
  return new CcxtSource({ exchange: 'binance', urls: server.url, log: silent, bookDepth: 100, backoff: { initialMs: 20, maxMs: 200 }, random: () => rng.nextFloat(), ...extra });
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

describe('CcxtSource reconnects', () => {
  it('reports disconnected, reconnecting, connected and neither loses nor repeats a trade the server sends again', async () => {
    const { sink } = start(source(), ['trades']);
    await server.subscribed('btcusdt@trade');
    server.push('btcusdt@trade', tradeMessage(1, 1_000, '10', '1', false));
    server.push('btcusdt@trade', tradeMessage(2, 1_001, '11', '1', false));
    await until(() => sink.trades.length === 2);
    server.disconnectAll();
    await server.subscribed('btcusdt@trade', 2);
    // the server replays from trade 2 after the reconnect
    server.push('btcusdt@trade', tradeMessage(2, 1_001, '11', '1', false));
    server.push('btcusdt@trade', tradeMessage(3, 1_001, '12', '1', true));
    server.push('btcusdt@trade', tradeMessage(4, 1_002, '13', '1', false));
    await until(() => sink.trades.length >= 4);
    expect(sink.trades.map((t) => t.price)).toEqual([10, 11, 12, 13]);
    expect(sink.kinds()).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);
    const reconnecting = sink.incidents[2];
    expect(reconnecting).toMatchObject({ symbol: 'BTC/USDT', channel: 'trades' });
    expect(reconnecting?.detail).toMatch(/^attempt 1 in \d+ ms$/);
  });
});

describe('CcxtSource book', () => {
  const snapshot = (id: number, bids: [string, string][], asks: [string, string][]): { body: unknown } => ({ body: { lastUpdateId: id, bids, asks } });

  it('sends the first picture as a snapshot, then only changed levels, and the consumer book equals the exchange book', async () => {
    server.depth = [snapshot(100, [['100.00', '1.0'], ['99.00', '2.0']], [['101.00', '2.0'], ['102.00', '1.0']])];
    let release = (): void => {};
    server.depthGate = new Promise((r) => (release = r));
    const { sink } = start(source(), ['book']);
    await server.subscribed('btcusdt@depth@100ms');
    await until(() => server.requests.some((u) => u.startsWith('/api/v3/depth')));
    // buffered while the snapshot is on its way: 99..100 is older than the snapshot and dropped, 101..102 applied on it
    server.push('btcusdt@depth@100ms', depthMessage(99, 100, 5_000, [['98.00', '7']], []));
    server.push('btcusdt@depth@100ms', depthMessage(101, 102, 5_001, [['100.00', '0'], ['99.50', '3']], [['101.00', '2.5']]));
    await new Promise((r) => setTimeout(r, 50));
    release();
    await until(() => sink.rows.some((r) => r.sequence === 102));
    expect(levelsOf(sink.books.get(0))).toEqual({ bids: [[99.5, 3], [99, 2]], asks: [[101, 2.5], [102, 1]] });
    server.push('btcusdt@depth@100ms', depthMessage(103, 103, 5_002, [['99.50', '3']], [])); // no change
    server.push('btcusdt@depth@100ms', depthMessage(104, 105, 5_003, [], [['102.00', '0'], ['103.00', '4']]));
    await until(() => sink.rows.some((r) => r.sequence === 105));
    expect(levelsOf(sink.books.get(0))).toEqual({ bids: [[99.5, 3], [99, 2]], asks: [[101, 2.5], [103, 4]] });
    // the snapshot: first row clears, every row F_SNAPSHOT, the last F_LAST; updates: only changed levels
    const first = sink.rows.filter((r) => (r.flags & F_SNAPSHOT) !== 0);
    expect(first.map((r) => [r.flags, r.sequence])).toEqual([
      [F_SNAPSHOT | F_CLEAR, 102],
      [F_SNAPSHOT, 102],
      [F_SNAPSHOT, 102],
      [F_SNAPSHOT | F_LAST, 102],
    ]);
    const updates = sink.rows.filter((r) => (r.flags & F_SNAPSHOT) === 0);
    expect(updates.map((r) => [r.side, r.price, r.size, r.flags, r.sequence, r.exchangeTime])).toEqual([
      [-1, 102, 0, 0, 105, 5_003_000],
      [-1, 103, 4, F_LAST, 105, 5_003_000],
    ]);
    expect(sink.kinds()).toEqual(['connected']);
  });

  it('on an update-id gap reports book_gap, resyncs from a new REST snapshot, reports book_resync and sends the book whole again', async () => {
    server.depth = [
      snapshot(100, [['100.00', '1.0']], [['101.00', '2.0']]),
      snapshot(110, [['100.00', '5.0'], ['99.00', '1.0']], [['101.00', '1.0']]),
    ];
    const { sink } = start(source(), ['book']);
    await server.subscribed('btcusdt@depth@100ms');
    server.push('btcusdt@depth@100ms', depthMessage(101, 101, 6_000, [['100.00', '2.0']], []));
    await until(() => sink.rows.some((r) => r.sequence === 101));
    server.push('btcusdt@depth@100ms', depthMessage(103, 104, 6_001, [['100.00', '9.0']], [])); // 102 was lost
    await server.subscribed('btcusdt@depth@100ms', 2);
    server.push('btcusdt@depth@100ms', depthMessage(105, 110, 6_002, [['100.00', '5.0']], [])); // not newer than the new snapshot
    await until(() => sink.rows.some((r) => r.sequence === 110));
    server.push('btcusdt@depth@100ms', depthMessage(111, 111, 6_003, [], [['101.00', '0'], ['101.50', '3']]));
    await until(() => sink.rows.some((r) => r.sequence === 111));
    expect(sink.kinds()).toEqual(['connected', 'book_gap', 'book_resync']);
    expect(sink.incidents[1]?.detail).toMatch(/resynchronizing from a REST snapshot/);
    expect(sink.incidents[2]?.detail).toMatch(/update id 110/);
    // rows after the gap start with a snapshot that clears the book
    const afterGap = sink.rows.findIndex((r) => r.sequence === 110);
    expect(sink.rows[afterGap]?.flags).toBe(F_SNAPSHOT | F_CLEAR);
    // the 9.0 of the update after the hole was never applied
    expect(sink.rows.some((r) => r.size === 9)).toBe(false);
    expect(levelsOf(sink.books.get(0))).toEqual({ bids: [[100, 5], [99, 1]], asks: [[101.5, 3]] });
    expect(sink.rows.filter((r) => r.sequence === 111).map((r) => [r.side, r.price, r.size, r.flags])).toEqual([
      [-1, 101, 0, 0],
      [-1, 101.5, 3, F_LAST],
    ]);
    expect(server.requests.filter((u) => u.startsWith('/api/v3/depth'))).toHaveLength(2);
  });
});

describe('CcxtSource book gap found while no watch waits', () => {
  it('reports the gap once and resyncs once (ccxt keeps the rejected future; the source removes it)', async () => {
    server.depth = [
      { body: { lastUpdateId: 100, bids: [['100.00', '1.0']], asks: [['101.00', '2.0']] } },
      { body: { lastUpdateId: 120, bids: [['100.00', '3.0']], asks: [['101.00', '2.0']] } },
    ];
    const { sink } = start(source(), ['book']);
    await server.subscribed('btcusdt@depth@100ms');
    await until(() => sink.rows.length > 0);
    // in one write: the first resolves the watch, the second (a hole at 102) is found before the source watches again
    server.push('btcusdt@depth@100ms', depthMessage(101, 101, 7_000, [['100.00', '2.0']], []));
    server.push('btcusdt@depth@100ms', depthMessage(103, 103, 7_001, [['100.00', '9.0']], []));
    await server.subscribed('btcusdt@depth@100ms', 2);
    await until(() => sink.kinds().includes('book_resync'));
    server.push('btcusdt@depth@100ms', depthMessage(121, 121, 7_002, [['99.00', '1.0']], []));
    await until(() => sink.rows.some((r) => r.sequence === 121));
    expect(sink.kinds()).toEqual(['connected', 'book_gap', 'book_resync']);
    expect(server.requests.filter((u) => u.startsWith('/api/v3/depth'))).toHaveLength(2);
    expect(levelsOf(sink.books.get(0))).toEqual({ bids: [[100, 3], [99, 1]], asks: [[101, 2]] });
  });
});

describe('CcxtSource bars', () => {
  it('sends a bar once, when the exchange closes it, never a forming one', async () => {
    const { sink } = start(source(), ['bars']);
    await server.subscribed('btcusdt@kline_1m');
    server.push('btcusdt@kline_1m', klineMessage(60_000, '10', '11', '9', '10.5', '1', false));
    server.push('btcusdt@kline_1m', klineMessage(60_000, '10', '12', '9', '11.5', '2', false));
    server.push('btcusdt@kline_1m', klineMessage(60_000, '10', '12', '8', '11', '3', true));
    await until(() => sink.bars.length === 1);
    server.push('btcusdt@kline_1m', klineMessage(60_000, '10', '12', '8', '11', '3', true)); // sent again: ignored
    server.push('btcusdt@kline_1m', klineMessage(120_000, '11', '11', '11', '11', '0.5', false));
    server.push('btcusdt@kline_1m', klineMessage(120_000, '11', '13', '11', '12', '1.5', false));
    server.push('btcusdt@kline_1m', klineMessage(180_000, '12', '12', '12', '12', '1', false)); // closes 120_000 (no x seen)
    await until(() => sink.bars.length === 2);
    expect(sink.bars.map(({ receiveTime: _r, ...b }) => b)).toEqual([
      { symbol: 0, exchangeTime: 60_000_000, open: 10, high: 12, low: 8, close: 11, volume: 3 },
      { symbol: 0, exchangeTime: 120_000_000, open: 11, high: 13, low: 11, close: 12, volume: 1.5 },
    ]);
  });

  it('after a reconnect takes the bars it missed from REST and drops the forming bar it held', async () => {
    const { sink } = start(source(), ['bars']);
    await server.subscribed('btcusdt@kline_1m');
    server.push('btcusdt@kline_1m', klineMessage(60_000, '10', '11', '9', '10', '1', true));
    server.push('btcusdt@kline_1m', klineMessage(120_000, '10', '10', '10', '10', '1', false)); // forming, then missed updates
    await until(() => sink.bars.length === 1);
    server.klines = {
      body: [
        [120_000, '10', '14', '9', '13', '6', 179_999, '0', 1, '0', '0', '0'],
        [180_000, '13', '13', '12', '12.5', '2', 239_999, '0', 1, '0', '0', '0'],
      ],
    };
    server.disconnectAll();
    await server.subscribed('btcusdt@kline_1m', 2);
    server.push('btcusdt@kline_1m', klineMessage(180_000, '13', '13', '12', '12.5', '2.5', false));
    server.push('btcusdt@kline_1m', klineMessage(180_000, '13', '13', '12', '12.5', '3', true));
    await until(() => sink.bars.length === 3);
    expect(sink.bars.map((b) => [b.exchangeTime / 1000, b.high, b.close, b.volume])).toEqual([
      [60_000, 11, 10, 1],
      [120_000, 14, 13, 6],
      [180_000, 13, 12.5, 3],
    ]);
    expect(server.requests.find((u) => u.startsWith('/api/v3/klines'))).toMatch(/startTime=60001/);
  });
});

describe('CcxtSource quotes', () => {
  it('sends best bid and ask with sizes from the bookTicker stream', async () => {
    const { sink } = start(source(), ['quotes']);
    await server.subscribed('btcusdt@bookTicker');
    server.push('btcusdt@bookTicker', bookTickerMessage(1, '100.1', '2', '100.2', '3'));
    await until(() => sink.quotes.length === 1);
    server.push('btcusdt@bookTicker', bookTickerMessage(2, '100.0', '1', '100.2', '4'));
    await until(() => sink.quotes.length === 2);
    expect(sink.quotes.map((q) => [q.bid, q.ask, q.bidSize, q.askSize])).toEqual([
      [100.1, 100.2, 2, 3],
      [100, 100.2, 1, 4],
    ]);
    // bookTicker carries no time: the exchange time is the receive time
    expect(sink.quotes.every((q) => q.exchangeTime === q.receiveTime)).toBe(true);
  });
});

describe('CcxtSource rate limits', () => {
  it('on HTTP 429 with Retry-After reports rate_limited and waits at least that long', async () => {
    server.depth = [
      { status: 429, headers: { 'Retry-After': '1' }, body: { code: -1003, msg: 'Too many requests' } },
      { body: { lastUpdateId: 100, bids: [['100.00', '1.0']], asks: [['101.00', '2.0']] } },
    ];
    const times: number[] = [];
    const { sink } = start(source(), ['book']);
    await until(() => sink.incidents.some((i) => i.kind === 'rate_limited'));
    times.push(Date.now());
    await until(() => sink.rows.length > 0);
    times.push(Date.now());
    const limited = sink.incidents.find((i) => i.kind === 'rate_limited');
    expect(limited?.detail).toMatch(/Retry-After 1000 ms\); retrying in \d+ ms$/);
    expect(Number(/retrying in (\d+) ms/.exec(limited?.detail ?? '')?.[1])).toBeGreaterThanOrEqual(1000);
    // the snapshot was asked again only after the wait (a lower bound: timers never fire early by more than a millisecond)
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(990);
    expect(levelsOf(sink.books.get(0))).toEqual({ bids: [[100, 1]], asks: [[101, 2]] });
  });
});

describe('CcxtSource stale feeds', () => {
  it('reports stale_feed after staleAfterMs of silence and feed_resumed when data comes back', async () => {
    const { sink } = start(source({ staleAfterMs: 200 }), ['trades']);
    await server.subscribed('btcusdt@trade');
    server.push('btcusdt@trade', tradeMessage(1, 1_000, '10', '1', false));
    await until(() => sink.trades.length === 1);
    // (a slow start may already have been reported stale and resumed: look from the first trade on)
    const from = sink.incidents.length;
    await until(() => sink.kinds().slice(from).includes('stale_feed'));
    server.push('btcusdt@trade', tradeMessage(2, 2_000, '10', '1', false));
    await until(() => sink.kinds().slice(from).includes('feed_resumed'));
    const after = sink.incidents.slice(from);
    expect(after.map((i) => i.kind)).toEqual(['stale_feed', 'feed_resumed']);
    expect(after[0]).toMatchObject({ symbol: 'BTC/USDT', channel: 'trades' });
    expect(after[0]?.detail).toMatch(/^no trades data for \d+ ms \(stale after 200 ms\)$/);
  });
});

describe('CcxtSource stopping', () => {
  it('resolves on abort with every connection closed', async () => {
    const { sink, done } = start(source(), ['trades', 'book', 'bars', 'quotes'], ['BTC/USDT', 'ETH/USDT']);
    await server.subscribed('ethusdt@kline_1m');
    await server.subscribed('btcusdt@trade');
    server.push('btcusdt@trade', tradeMessage(1, 1_000, '10', '1', false));
    await until(() => sink.trades.length === 1);
    await stopRun?.();
    stopRun = undefined;
    await expect(done).resolves.toBeUndefined();
    await until(() => server.openSockets() === 0);
  });

  it('rejects a timeframe the exchange does not have', async () => {
    const sink = new RecordingSink();
    const e = await source()
      .run({ symbols: ['BTC/USDT'], channels: ['bars'], timeframe: '7m' }, sink, new AbortController().signal)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(/^field 'timeframe' value '7m': binance has no such bar timeframe \(it has 1s, 1m/);
  });
});
