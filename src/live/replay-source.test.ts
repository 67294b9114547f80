import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, tempDir } from '../../test/helpers/cli.js';
import { InputError } from '../core/errors.js';
import { openBookFeed, openCsvFeed } from '../data/index.js';
import { F_LAST, type BookColumns, type BarColumns } from '../model/market.js';
import { FileReplaySource } from './replay-source.js';
import type { Incident, MarketEventSink } from './source.js';

/** A sink that keeps every call as a line of text. */
function collector(onEvent?: (n: number) => void): { sink: MarketEventSink; lines: string[]; incidents: Incident[] } {
  const lines: string[] = [];
  const incidents: Incident[] = [];
  const push = (s: string): void => {
    lines.push(s);
    onEvent?.(lines.length);
  };
  return {
    lines,
    incidents,
    sink: {
      trade: (s, t, _r, p, q, a) => push(`T ${s} ${t} ${p} ${q} ${a}`),
      quote: (s, t, _r, b, a, bs, as) => push(`Q ${s} ${t} ${b} ${a} ${bs} ${as}`),
      bar: (s, t, _r, o, h, l, c, v) => push(`B ${s} ${t} ${o} ${h} ${l} ${c} ${v}`),
      bookLevel: (s, t, _r, side, p, q, f, seq) => push(`L ${s} ${t} ${side} ${p} ${q} ${f} ${seq}`),
      incident: (i) => incidents.push(i),
    },
  };
}

const never = new AbortController().signal;

describe('FileReplaySource', () => {
  it('replays a bar file row for row as the backtest reads it, receive time from the local clock', async () => {
    const file = join(SAMPLES, 'BTC-PERP-2022-01-1m.csv');
    const receive: number[] = [];
    let clock = 0;
    const src = new FileReplaySource({ files: [file], now: () => ++clock });
    const sink = collector();
    const bar = sink.sink.bar;
    sink.sink.bar = (s, t, r, ...rest) => {
      receive.push(r);
      bar(s, t, r, ...rest);
    };
    await src.run({ symbols: ['BTC-PERP'], channels: ['bars'], timeframe: '1m' }, sink.sink, never);
    const feed = openCsvFeed(file);
    const expected: string[] = [];
    for (let c = feed.next() as BarColumns | null; c !== null; c = feed.next() as BarColumns | null) {
      for (let i = 0; i < c.length; i++) expected.push(`B 0 ${c.time[i]} ${c.open[i]} ${c.high[i]} ${c.low[i]} ${c.close[i]} ${c.volume[i]}`);
    }
    feed.close();
    expect(sink.lines).toEqual(expected);
    expect(sink.lines).toHaveLength(45031);
    expect(receive.every((r, i) => i === 0 || r > (receive[i - 1] as number))).toBe(true);
  });

  it('replays a Binance book (snapshot and updates) with its flags and update ids, and reports the gap it let through', async () => {
    const files = [join(SAMPLES, 'binance-btcusdt-depth-snap.csv'), join(SAMPLES, 'binance-btcusdt-depth-update.csv')];
    const src = new FileReplaySource({ files, onGap: 'warn' });
    const sink = collector();
    await src.run({ symbols: ['BTC/USDT'], channels: ['book'], timeframe: '1m' }, sink.sink, never);
    const feed = openBookFeed(files, { onGap: 'warn' });
    const expected: string[] = [];
    for (let c = feed.next() as BookColumns | null; c !== null; c = feed.next() as BookColumns | null) {
      for (let i = 0; i < c.length; i++) expected.push(`L 0 ${c.time[i]} ${c.side[i]} ${c.price[i]} ${c.size[i]} ${c.flags[i]} ${c.sequence[i]}`);
    }
    feed.close();
    expect(sink.lines).toEqual(expected);
    expect(sink.lines.filter((l) => (Number(l.split(' ')[6]) & F_LAST) !== 0)).toHaveLength(2);
    expect(sink.incidents.map((i) => [i.kind, i.symbol, i.channel])).toEqual([['book_gap', 'BTC/USDT', 'book']]);
    expect(sink.incidents[0]?.detail).toMatch(/binance-btcusdt-depth-update\.csv:2: .*sequence gap/);
  });

  it('fails on a gap by default, as the backtest does', async () => {
    const files = [join(SAMPLES, 'binance-btcusdt-depth-snap.csv'), join(SAMPLES, 'binance-btcusdt-depth-update.csv')];
    const run = new FileReplaySource({ files }).run({ symbols: ['BTCUSDT'], channels: ['book'], timeframe: '1m' }, collector().sink, never);
    await expect(run).rejects.toThrow(/binance-btcusdt-depth-update\.csv:2: .*sequence gap/);
  });

  it('merges files in time order, places each on its symbol, and leaves out channels not subscribed', async () => {
    const dir = tempDir('qf-replay-');
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, 'timestamp,symbol,price,amount,side\n2024-01-01T00:00:01Z,BTCUSDT,100,1,buy\n2024-01-01T00:00:03Z,BTCUSDT,101,2,sell\n');
    writeFileSync(b, 'timestamp,symbol,bid,ask\n2024-01-01T00:00:02Z,ETH-USDT,10,11\n2024-01-01T00:00:03Z,ETH-USDT,10.5,11\n');
    const sink = collector();
    await new FileReplaySource({ files: [a, b] }).run({ symbols: ['ETH/USDT', 'BTC/USDT'], channels: ['trades', 'quotes'], timeframe: '1m' }, sink.sink, never);
    const s = Date.UTC(2024, 0, 1) * 1000;
    expect(sink.lines).toEqual([`T 1 ${s + 1e6} 100 1 1`, `Q 0 ${s + 2e6} 10 11 NaN NaN`, `T 1 ${s + 3e6} 101 2 -1`, `Q 0 ${s + 3e6} 10.5 11 NaN NaN`]);
    const tradesOnly = collector();
    await new FileReplaySource({ files: [a, b] }).run({ symbols: ['ETH/USDT', 'BTC/USDT'], channels: ['trades'], timeframe: '1m' }, tradesOnly.sink, never);
    expect(tradesOnly.lines).toHaveLength(2);
    const wrong = new FileReplaySource({ files: [a] }).run({ symbols: ['ETH/USDT', 'SOL/USDT'], channels: ['trades'], timeframe: '1m' }, collector().sink, never);
    await expect(wrong).rejects.toSatisfy((e: unknown) => e instanceof InputError && e.issues[0]?.file === a && e.issues[0].value === 'BTCUSDT');
  });

  it('stops when aborted, and paces the replay at a speed', async () => {
    const file = join(SAMPLES, 'BTC-PERP-2022-01-1m.csv');
    const stop = new AbortController();
    const sink = collector((n) => {
      if (n === 5000) stop.abort();
    });
    await new FileReplaySource({ files: [file] }).run({ symbols: ['BTC-PERP'], channels: ['bars'], timeframe: '1m' }, sink.sink, stop.signal);
    expect(sink.lines.length).toBeGreaterThanOrEqual(5000);
    expect(sink.lines.length).toBeLessThan(45031);
    // 60 s of bars per 10 ms of wall time: the second bar waits; aborting ends the wait.
    const paced = new AbortController();
    const slow = collector((n) => {
      if (n === 2) paced.abort();
    });
    await new FileReplaySource({ files: [file], speed: 6000 }).run({ symbols: ['BTC-PERP'], channels: ['bars'], timeframe: '1m' }, slow.sink, paced.signal);
    expect(slow.lines).toHaveLength(2);
  });

  it('refuses a bad speed and an empty file list with one-line errors', () => {
    expect(() => new FileReplaySource({ files: [] })).toThrow(/no data file to replay/);
    expect(() => new FileReplaySource({ files: ['x.csv'], speed: -1 })).toThrow(/speed must be 0/);
  });
});
