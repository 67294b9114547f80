import { InputError } from '../core/errors.js';
import { openCsvFeed } from '../data/index.js';
import type { MarketFeed } from '../model/market.js';
import type { PriceSeries } from './performance.js';

/** OHLC bars of one symbol for a chart, each stamped at the time of its last row. */
export interface OhlcSeries {
  readonly symbol: string;
  readonly time: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
}

/**
 * Folds a stream of prices into at most `2 * maxBars` OHLC bars in one pass
 * and constant memory: rows go into buckets of `span` rows; when the buckets
 * fill up, neighbours merge and the span doubles. Fewer rows than `2 * maxBars`
 * are kept as they are.
 */
export class OhlcDownsampler {
  private span = 1;
  private count = 0;
  private t = 0;
  private o = 0;
  private h = 0;
  private l = 0;
  private c = 0;
  private readonly out: { time: number[]; open: number[]; high: number[]; low: number[]; close: number[] } = { time: [], open: [], high: [], low: [], close: [] };

  constructor(
    readonly symbol: string,
    private readonly maxBars = 10_000,
  ) {}

  push(time: number, open: number, high: number, low: number, close: number): void {
    if (this.count === 0) {
      this.o = open;
      this.h = high;
      this.l = low;
    } else {
      if (high > this.h) this.h = high;
      if (low < this.l) this.l = low;
    }
    this.t = time;
    this.c = close;
    if (++this.count === this.span) this.flush();
  }

  private flush(): void {
    if (this.count === 0) return;
    const b = this.out;
    b.time.push(this.t);
    b.open.push(this.o);
    b.high.push(this.h);
    b.low.push(this.l);
    b.close.push(this.c);
    this.count = 0;
    if (b.time.length >= 2 * this.maxBars) this.halve();
  }

  private halve(): void {
    const b = this.out;
    const n = b.time.length >> 1;
    for (let i = 0; i < n; i++) {
      const a = 2 * i;
      b.time[i] = b.time[a + 1] as number;
      b.open[i] = b.open[a] as number;
      b.high[i] = Math.max(b.high[a] as number, b.high[a + 1] as number);
      b.low[i] = Math.min(b.low[a] as number, b.low[a + 1] as number);
      b.close[i] = b.close[a + 1] as number;
    }
    for (const k of ['time', 'open', 'high', 'low', 'close'] as const) b[k].length = n;
    this.span *= 2;
  }

  finish(): OhlcSeries {
    this.flush();
    return { symbol: this.symbol, ...this.out };
  }
}

/**
 * Reads feeds to the end into chart bars, one series per symbol (feeds of
 * the same symbol are concatenated in time order), and closes them. Bars keep
 * their OHLC; quotes give their mid price; trade prints their price.
 */
export function readPriceSeries(feeds: readonly MarketFeed[], maxBars = 10_000): OhlcSeries[] {
  const bySymbol = new Map<string, OhlcDownsampler>();
  try {
    for (const feed of feeds) {
      let ds = bySymbol.get(feed.symbol);
      if (ds === undefined) bySymbol.set(feed.symbol, (ds = new OhlcDownsampler(feed.symbol, maxBars)));
      for (let cols = feed.next(); cols !== null; cols = feed.next()) {
        if (cols.kind === 'bar') {
          for (let i = 0; i < cols.length; i++) ds.push(cols.time[i] as number, cols.open[i] as number, cols.high[i] as number, cols.low[i] as number, cols.close[i] as number);
        } else if (cols.kind === 'quote') {
          for (let i = 0; i < cols.length; i++) {
            const mid = ((cols.bid[i] as number) + (cols.ask[i] as number)) / 2;
            ds.push(cols.time[i] as number, mid, mid, mid, mid);
          }
        } else if (cols.kind === 'trade') {
          for (let i = 0; i < cols.length; i++) {
            const p = cols.price[i] as number;
            ds.push(cols.time[i] as number, p, p, p, p);
          }
        }
        // Other kinds (order book updates) carry no single price to chart.
      }
    }
  } finally {
    for (const f of feeds) f.close();
  }
  const out: OhlcSeries[] = [];
  for (const ds of bySymbol.values()) out.push(sortedByTime(ds.finish()));
  return out;
}

/** Rows in time order (several feeds of one symbol may interleave). */
function sortedByTime(s: OhlcSeries): OhlcSeries {
  let sorted = true;
  for (let i = 1; i < s.time.length && sorted; i++) sorted = (s.time[i] as number) >= (s.time[i - 1] as number);
  if (sorted) return s;
  const idx = s.time.map((_, i) => i).sort((a, b) => (s.time[a] as number) - (s.time[b] as number));
  const pick = (xs: number[]): number[] => idx.map((i) => xs[i] as number);
  return { symbol: s.symbol, time: pick(s.time), open: pick(s.open), high: pick(s.high), low: pick(s.low), close: pick(s.close) };
}

/**
 * A benchmark series from a CSV file of any detected format: bar closes
 * (the adjusted close when the file has one, so dividends and splits count),
 * quote mids or trade prices, keyed by their times. The symbol is the file's
 * (a symbol column or the file name).
 */
export function loadBenchmark(path: string): PriceSeries {
  const feed = openCsvFeed(path);
  const time: number[] = [];
  const close: number[] = [];
  const symbol = feed.symbol;
  try {
    for (let cols = feed.next(); cols !== null; cols = feed.next()) {
      const adj = feed.adjClose;
      for (let i = 0; i < cols.length; i++) {
        let p: number;
        if (cols.kind === 'bar') p = (adj !== undefined ? adj[i] : cols.close[i]) as number;
        else if (cols.kind === 'quote') p = ((cols.bid[i] as number) + (cols.ask[i] as number)) / 2;
        else if (cols.kind === 'trade') p = cols.price[i] as number;
        else break;
        time.push(cols.time[i] as number);
        close.push(p);
      }
    }
  } finally {
    feed.close();
  }
  if (time.length < 2) throw new InputError({ code: 'empty_file', file: path, field: '--benchmark', message: 'a benchmark needs at least two prices' });
  return { symbol, time, close };
}
