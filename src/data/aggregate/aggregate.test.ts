import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, parseIsoTime } from '../../core/time.js';
import { BarColumns, TradeColumns, type MarketFeed } from '../../model/market.js';
import { collectColumns } from '../collect.js';
import { openCsvFeed } from '../csv/index.js';
import { ColumnsFeed } from '../memory-feed.js';
import { AggregatedFeed, BarAggregator, parseBarSpec } from './index.js';

const FUT = join(resolve(import.meta.dirname, '../../..'), 'data/samples/FUT-2006-min.csv');
const T = (iso: string): number => parseIsoTime(iso) as number;

function bars(rows: [string, number, number, number, number, number][]): BarColumns {
  const c = new BarColumns(rows.length);
  rows.forEach(([t, o, h, l, cl, v], i) => {
    c.time[i] = T(t);
    c.open[i] = o;
    c.high[i] = h;
    c.low[i] = l;
    c.close[i] = cl;
    c.volume[i] = v;
  });
  c.length = rows.length;
  return c;
}

describe('parseBarSpec', () => {
  it('reads time, tick, volume and value specifications', () => {
    expect(parseBarSpec('5m')).toMatchObject({ kind: 'time', micros: 5 * MICROS_PER_MINUTE });
    expect(parseBarSpec('1h')).toMatchObject({ kind: 'time', micros: MICROS_PER_HOUR });
    expect(parseBarSpec('1d')).toMatchObject({ kind: 'time', micros: MICROS_PER_DAY });
    expect(parseBarSpec('ticks:100')).toMatchObject({ kind: 'ticks', count: 100 });
    expect(parseBarSpec('volume:1000')).toMatchObject({ kind: 'volume', size: 1000 });
    expect(parseBarSpec('value:1e6')).toMatchObject({ kind: 'value', size: 1e6 });
  });
  it('refuses what it cannot build', () => {
    for (const bad of ['7m', '1y', 'ticks:0', 'ticks:1.5', 'volume:-1', 'foo:3', '']) expect(() => parseBarSpec(bad)).toThrow();
  });
});

describe('time bars from close-stamped bars', () => {
  const minutes = bars([
    ['2024-01-02T09:58:00Z', 10, 11, 9, 10.5, 1],
    ['2024-01-02T09:59:00Z', 10.5, 12, 10, 11, 2],
    ['2024-01-02T10:00:00Z', 11, 11.5, 8, 9, 3], // closes the 10:00 bucket (09:00, 10:00]
    ['2024-01-02T10:01:00Z', 9, 9.5, 8.5, 9.2, 4],
    ['2024-01-02T10:30:00Z', 9.2, 13, 9, 12, 5],
    ['2024-01-02T11:05:00Z', 12, 12.5, 11.5, 12.1, 6], // a later bucket: 11:00 is emitted before it is added
  ]);

  it('puts a bar stamped t in (end - size, end], emits it when the end arrives, stamps it at the end', () => {
    const agg = new BarAggregator(parseBarSpec('1h'));
    const emittedAfter: number[] = [];
    for (let i = 0; i < minutes.length; i++) {
      agg.pushBar(minutes.time[i] as number, minutes.open[i] as number, minutes.high[i] as number, minutes.low[i] as number, minutes.close[i] as number, minutes.volume[i] as number);
      emittedAfter.push(agg.out.length);
    }
    expect(emittedAfter).toEqual([0, 0, 1, 1, 1, 2]);
    agg.flush();
    const o = agg.out;
    expect(o.length).toBe(3);
    expect([o.time[0], o.open[0], o.high[0], o.low[0], o.close[0], o.volume[0]]).toEqual([T('2024-01-02T10:00:00Z'), 10, 12, 8, 9, 6]);
    expect([o.time[1], o.open[1], o.high[1], o.low[1], o.close[1], o.volume[1]]).toEqual([T('2024-01-02T11:00:00Z'), 9, 13, 8.5, 12, 9]);
    expect([o.time[2], o.close[2], o.volume[2]]).toEqual([T('2024-01-02T12:00:00Z'), 12.1, 6]);
  });

  it('ends day bars at the last microsecond of the local day, in a time zone', () => {
    const agg = new BarAggregator(parseBarSpec('1d'), { timezone: '-05:00' });
    agg.pushBar(T('2024-01-02T20:00:00Z'), 1, 1, 1, 1, 1); // 15:00 local, Jan 2
    agg.pushBar(T('2024-01-03T04:59:00Z'), 2, 2, 2, 2, 1); // 23:59 local, Jan 2
    agg.pushBar(T('2024-01-03T05:01:00Z'), 3, 3, 3, 3, 1); // 00:01 local, Jan 3
    agg.flush();
    expect(agg.out.length).toBe(2);
    expect(agg.out.time[0]).toBe(T('2024-01-03T04:59:59.999999Z'));
    expect(agg.out.close[0]).toBe(2);
    expect(agg.out.time[1]).toBe(T('2024-01-04T04:59:59.999999Z'));
  });

  it('aligns to a session, cuts the last bar at its end and leaves out rows outside it', () => {
    const agg = new BarAggregator(parseBarSpec('1h'), { session: '09:30-16:00' });
    for (const t of ['09:00', '09:31', '10:30', '10:31', '15:59', '16:00', '16:01']) agg.pushTrade(T(`2024-01-02T${t}:00Z`), 10, 1);
    agg.flush();
    const times = Array.from(agg.out.time.subarray(0, agg.out.length)).map((t) => new Date(t / 1000).toISOString().slice(11, 16));
    expect(times).toEqual(['10:30', '11:30', '16:00']);
    expect(Array.from(agg.out.volume.subarray(0, 3))).toEqual([2, 1, 2]);
    expect(agg.outsideSession).toBe(2);
  });
});

describe('tick, volume and value bars', () => {
  function trades(prices: number[], sizes: number[]): TradeColumns {
    const c = new TradeColumns(prices.length);
    prices.forEach((p, i) => {
      c.time[i] = T('2024-01-02T10:00:00Z') + i * 1000;
      c.price[i] = p;
      c.size[i] = sizes[i] as number;
    });
    c.length = prices.length;
    return c;
  }
  const tr = trades([10, 11, 9, 12, 13, 8, 10], [5, 5, 5, 20, 1, 1, 1]);

  it('tick bars close every N rows, stamped at the last one', () => {
    const out = collectColumns(new AggregatedFeed(new ColumnsFeed('X', tr), parseBarSpec('ticks:3'))) as BarColumns;
    expect(out.length).toBe(3);
    expect([out.open[0], out.high[0], out.low[0], out.close[0], out.volume[0], out.time[0]]).toEqual([10, 11, 9, 9, 15, tr.time[2]]);
    expect([out.open[2], out.close[2], out.volume[2]]).toEqual([10, 10, 1]); // the partial last bar
  });
  it('volume bars close on the row that reaches the threshold', () => {
    const out = collectColumns(new AggregatedFeed(new ColumnsFeed('X', tr), parseBarSpec('volume:10'), { partial: false })) as BarColumns;
    expect(Array.from(out.volume.subarray(0, out.length))).toEqual([10, 25]);
  });
  it('value bars close when price x size reaches the threshold', () => {
    const out = collectColumns(new AggregatedFeed(new ColumnsFeed('X', tr), parseBarSpec('value:100'), { partial: false })) as BarColumns;
    // 50 + 55 = 105; then 45 + 240 = 285
    expect(out.length).toBe(2);
    expect([out.close[0], out.close[1]]).toEqual([11, 12]);
  });
  it('quotes give their mid price', () => {
    const agg = new BarAggregator(parseBarSpec('ticks:2'));
    agg.pushQuote(1, 1.0, 1.2);
    agg.pushQuote(2, 1.1, 1.5);
    expect([agg.out.open[0], agg.out.high[0], agg.out.close[0], agg.out.volume[0]]).toEqual([1.1, 1.3, 1.3, 0]);
  });
});

describe('multi-timeframe on the futures minute file', () => {
  /** Minute bars and their hour bars merged in time order, ties to the minute feed (as the engine merges feeds). */
  function merged(minute: MarketFeed, hour: MarketFeed): { kind: 'm' | 'h'; t: number; i: number }[] {
    const m = collectColumns(minute) as BarColumns;
    const h = collectColumns(hour) as BarColumns;
    const out: { kind: 'm' | 'h'; t: number; i: number }[] = [];
    let a = 0;
    let b = 0;
    while (a < m.length || b < h.length) {
      if (b >= h.length || (a < m.length && (m.time[a] as number) <= (h.time[b] as number))) out.push({ kind: 'm', t: m.time[a] as number, i: a++ });
      else out.push({ kind: 'h', t: h.time[b] as number, i: b++ });
    }
    return out;
  }

  it('delivers each hour bar after the last minute bar it contains, built only from minutes already seen', () => {
    const minutes = collectColumns(openCsvFeed(FUT)) as BarColumns;
    const hours = collectColumns(new AggregatedFeed(openCsvFeed(FUT), parseBarSpec('1h'))) as BarColumns;
    const events = merged(openCsvFeed(FUT), new AggregatedFeed(openCsvFeed(FUT), parseBarSpec('1h')));
    expect(hours.length).toBeGreaterThan(400);
    let seen = 0; // minutes delivered so far
    let fromMinute = 0; // first minute of the current hour
    for (const e of events) {
      if (e.kind === 'm') {
        seen++;
        continue;
      }
      const end = hours.time[e.i] as number;
      // every minute it contains was delivered before it; none after its end was
      expect(seen).toBeGreaterThan(fromMinute);
      expect(minutes.time[seen - 1] as number).toBeLessThanOrEqual(end);
      if (seen < minutes.length) expect(minutes.time[seen] as number).toBeGreaterThan(end);
      // its values are exactly the minutes in (end - 1h, end]
      let hi = -Infinity;
      let lo = Infinity;
      let vol = 0;
      for (let k = fromMinute; k < seen; k++) {
        expect(minutes.time[k] as number).toBeGreaterThan(end - MICROS_PER_HOUR);
        hi = Math.max(hi, minutes.high[k] as number);
        lo = Math.min(lo, minutes.low[k] as number);
        vol += minutes.volume[k] as number;
      }
      expect([hours.open[e.i], hours.high[e.i], hours.low[e.i], hours.close[e.i], hours.volume[e.i]]).toEqual([
        minutes.open[fromMinute],
        hi,
        lo,
        minutes.close[seen - 1],
        vol,
      ]);
      fromMinute = seen;
    }
    expect(fromMinute).toBe(minutes.length);
  });

  it('is the same bars whatever the chunk size of the source', () => {
    const a = collectColumns(new AggregatedFeed(openCsvFeed(FUT), parseBarSpec('15m'))) as BarColumns;
    const b = collectColumns(new AggregatedFeed(openCsvFeed(FUT, { capacity: 7 }), parseBarSpec('15m'), { capacity: 3 })) as BarColumns;
    expect(b.length).toBe(a.length);
    for (const f of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(b[f].subarray(0, b.length))).toEqual(Array.from(a[f].subarray(0, a.length)));
  });
});
