import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../../core/random.js';
import { collectColumns } from '../../data/collect.js';
import { openCsvFeed } from '../../data/index.js';
import { F_CLEAR, F_SNAPSHOT, type BarColumns, type TradeColumns } from '../../model/market.js';
import { fileBook, writeDepthFiles as writeDepthFilesIn } from '../../../test/helpers/depth-files.js';
import { RecordingSink, levelsOf, until } from '../../../test/helpers/recording-sink.js';
import { startLocalExchange, type LocalExchange, type LocalExchangeOptions } from '../local-exchange/index.js';
import type { DataChannel } from '../source.js';
import { CcxtSource } from './ccxt-source.js';

/**
 * CcxtSource end to end: ccxt's binance class against the local exchange
 * replaying data files (as fast as the client reads), with and without
 * injected faults; what arrives is compared with the files read directly.
 */
const SAMPLES = 'data/samples';
const TRADES = join(SAMPLES, 'tardis-bitmex-trades-XBTUSD.csv');
const BARS = join(SAMPLES, 'BTC-PERP-2022-01-1m.csv');
const silent = pino({ level: 'silent' });

let dir: string;
let exchange: LocalExchange | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-ccxt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await exchange?.close();
  exchange = undefined;
});

/** Replays `data` through the local exchange into a CcxtSource until the replay is done and `settled` holds. */
async function replay(
  data: LocalExchangeOptions['data'],
  channels: DataChannel[],
  settled: (sink: RecordingSink) => boolean,
  faults: Partial<LocalExchangeOptions> = {},
  bookDepth = 100,
): Promise<RecordingSink> {
  const ex = await startLocalExchange({ data, speed: 0, ...faults });
  exchange = ex;
  const rng = new Xoshiro128(1);
  const source = new CcxtSource({ exchange: 'binance', urls: ex.url, log: silent, bookDepth, backoff: { initialMs: 5, maxMs: 50 }, random: () => rng.nextFloat() });
  const sink = new RecordingSink();
  const ac = new AbortController();
  const symbol = ex.status().markets[0]?.symbol as string;
  const run = source.run({ symbols: [symbol], channels, timeframe: '1m' }, sink, ac.signal);
  try {
    await until(() => ex.status().done && settled(sink));
  } finally {
    ac.abort();
    await run;
  }
  return sink;
}

/** `n` Tardis trade prints 100 ms apart (seeded prices, sides and sizes). */
function writeTradesFile(n: number, seed: number): string {
  const rng = new Xoshiro128(seed);
  const lines = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount'];
  let price = 20000;
  for (let i = 0; i < n; i++) {
    price += Math.round((rng.nextFloat() - 0.5) * 10) / 2;
    const t = 1_667_346_580_000_000 + i * 100_000;
    lines.push(`binance,BTCUSDT,${t},${t + 50},${i + 1},${rng.nextFloat() < 0.5 ? 'buy' : 'sell'},${price.toFixed(1)},${(0.001 * (1 + Math.floor(rng.nextFloat() * 900))).toFixed(3)}`);
  }
  const path = join(dir, `trades-${seed}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const writeDepthFiles = (events: number, seed: number): string[] => writeDepthFilesIn(dir, events, seed);

describe('CcxtSource against the local exchange', () => {
  it('every trade of the file arrives once, in order, with the file values', async () => {
    const file = collectColumns(openCsvFeed(TRADES)) as TradeColumns;
    const sink = await replay([{ path: TRADES, symbol: 'BTC/USDT' }], ['trades'], (s) => s.trades.length >= file.length);
    const expected = Array.from({ length: file.length }, (_, i) => [
      Math.floor((file.time[i] as number) / 1000) * 1000, // Binance stamps trades in ms
      file.price[i],
      file.size[i],
      file.side[i],
    ]);
    expect(sink.trades.map((t) => [t.exchangeTime, t.price, t.size, t.aggressor])).toEqual(expected);
    expect(sink.kinds()).toEqual(['connected']);
  });

  it('the book after the replay equals the file book', async () => {
    const files = [join(SAMPLES, 'binance-btcusdt-depth-snap.csv'), join(SAMPLES, 'binance-btcusdt-depth-update.csv')];
    const expected = levelsOf(fileBook(files));
    expect(expected.bids.length).toBe(120); // deeper than 100: the book is watched 1000 deep (and fetched so)
    const sink = await replay(files, ['book'], (s) => JSON.stringify(levelsOf(s.books.get(0))) === JSON.stringify(expected), {}, 1000);
    expect(levelsOf(sink.books.get(0))).toEqual(expected);
    expect(sink.kinds()).toEqual(['connected']);
  });

  it('closed bars equal the file bars', async () => {
    const file = collectColumns(openCsvFeed(BARS)) as BarColumns;
    const sink = await replay([{ path: BARS, symbol: 'BTC/USDT' }], ['bars'], (s) => s.bars.length >= file.length);
    expect(sink.bars.length).toBe(file.length);
    let mismatches = 0;
    for (let i = 0; i < file.length; i++) {
      const b = sink.bars[i];
      if (b === undefined || b.exchangeTime !== file.time[i] || b.open !== file.open[i] || b.high !== file.high[i] || b.low !== file.low[i] || b.close !== file.close[i] || b.volume !== file.volume[i]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('with drops: every gap is detected and resynchronized, and the final book equals the file book', async () => {
    const files = writeDepthFiles(200, 11);
    const expected = levelsOf(fileBook(files));
    const sink = await replay(files, ['book'], (s) => JSON.stringify(levelsOf(s.books.get(0))) === JSON.stringify(expected), { dropEvery: 50, speed: 10 });
    const status = exchange?.status();
    expect(status?.messagesDropped).toBeGreaterThan(0);
    const gaps = sink.kinds().filter((k) => k === 'book_gap').length;
    const resyncs = sink.kinds().filter((k) => k === 'book_resync').length;
    // a drop is a gap unless the resync's snapshot already covered it (the stream was not being applied then)
    expect(gaps).toBeGreaterThan(0);
    expect(gaps).toBeLessThanOrEqual(status?.messagesDropped ?? 0);
    expect(resyncs).toBe(gaps);
    // after each gap the next rows are a fresh snapshot that clears the book
    const clears = sink.rows.filter((r) => (r.flags & F_CLEAR) !== 0).length;
    expect(clears).toBe(1 + gaps);
    // no update applied twice: sequences never go back, and updates (not snapshots) strictly advance
    let last = -1;
    for (const r of sink.rows) {
      expect(r.sequence).toBeGreaterThanOrEqual(last);
      if ((r.flags & F_SNAPSHOT) === 0 && r.sequence === last) continue;
      last = r.sequence;
    }
    expect(levelsOf(sink.books.get(0))).toEqual(expected);
  });

  it('with gaps faster than a resync: each resync waits its backoff, no storm of snapshots, and the book still ends right', async () => {
    const files = writeDepthFiles(300, 13);
    const expected = levelsOf(fileBook(files));
    const sink = await replay(files, ['book'], (s) => JSON.stringify(levelsOf(s.books.get(0))) === JSON.stringify(expected), { dropEvery: 25, speed: 20 });
    const gaps = sink.kinds().filter((k) => k === 'book_gap').length;
    expect(gaps).toBeGreaterThan(0);
    // one exchangeInfo, then at most two snapshots per gap (ccxt asks again when it resubscribes) and the first
    expect(exchange?.status().restRequests).toBeLessThanOrEqual(2 + 2 * gaps);
    expect(levelsOf(sink.books.get(0))).toEqual(expected);
  });

  it('with disconnects: reconnects are reported and no trade is lost or repeated', async () => {
    const path = writeTradesFile(200, 5);
    const file = collectColumns(openCsvFeed(path)) as TradeColumns;
    const sink = await replay([path], ['trades'], (s) => s.trades.length >= file.length, { disconnectEverySeconds: 3 });
    expect(exchange?.status().disconnects).toBeGreaterThan(0);
    expect(sink.trades.map((t) => t.price)).toEqual(Array.from(file.price));
    const kinds = sink.kinds();
    expect(kinds.filter((k) => k === 'disconnected').length).toBe(exchange?.status().disconnects);
    expect(kinds.filter((k) => k === 'reconnecting').length).toBe(exchange?.status().disconnects);
    expect(kinds.filter((k) => k === 'connected').length).toBe(1 + (exchange?.status().disconnects ?? 0));
  });

  it('with a REST rate limit: rate_limited is reported and the book still ends equal to the file', async () => {
    const files = writeDepthFiles(200, 12);
    const expected = levelsOf(fileBook(files));
    const sink = await replay(files, ['book'], (s) => JSON.stringify(levelsOf(s.books.get(0))) === JSON.stringify(expected), {
      dropEvery: 10,
      speed: 20,
      rateLimit: { requests: 2, windowSeconds: 1 },
    });
    expect(exchange?.status().rateLimited).toBeGreaterThan(0);
    expect(sink.kinds()).toContain('rate_limited');
    // waiting out Retry-After, no request came early enough to be banned (418)
    expect(exchange?.status().banned).toBe(0);
    expect(levelsOf(sink.books.get(0))).toEqual(expected);
  });
});
