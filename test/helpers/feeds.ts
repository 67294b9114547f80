import type { Issue } from '../../src/core/errors.js';
import { MICROS_PER_DAY, parseIsoTime } from '../../src/core/time.js';
import type { MarketFeed } from '../../src/model/market.js';
import { BarColumns, BookColumns, F_CLEAR, F_LAST, F_SNAPSHOT, QuoteColumns } from '../../src/model/market.js';
import { ColumnsFeed } from '../../src/data/memory-feed.js';

/** [time, open, high, low, close, volume?]; time as ISO text (a date means that day's close). */
export type BarRow = readonly [string, number, number, number, number, number?];

/** An in-memory bar feed handing out its rows in chunks of `chunk`. */
export function barFeed(symbol: string, rows: readonly BarRow[], chunk = 2): MarketFeed {
  let pos = 0;
  const cols = new BarColumns(chunk);
  return {
    symbol,
    kind: 'bar',
    source: `memory:${symbol}`,
    skipped: [] as Issue[],
    next() {
      if (pos >= rows.length) return null;
      cols.length = 0;
      while (cols.length < chunk && pos < rows.length) {
        const [t, o, h, l, c, v] = rows[pos++] as BarRow;
        const i = cols.length++;
        cols.time[i] = parseIsoTime(t, 'end') as number;
        cols.open[i] = o;
        cols.high[i] = h;
        cols.low[i] = l;
        cols.close[i] = c;
        cols.volume[i] = v ?? 1000;
        cols.line[i] = pos + 1;
      }
      return cols;
    },
    close() {},
  };
}

export function quoteFeed(symbol: string, rows: readonly (readonly [string, number, number])[]): MarketFeed {
  let done = false;
  const cols = new QuoteColumns(rows.length);
  return {
    symbol,
    kind: 'quote',
    source: `memory:${symbol}`,
    skipped: [] as Issue[],
    next() {
      if (done) return null;
      done = true;
      rows.forEach(([t, bid, ask], i) => {
        cols.time[i] = parseIsoTime(t) as number;
        cols.bid[i] = bid;
        cols.ask[i] = ask;
        cols.bidSize[i] = NaN;
        cols.askSize[i] = NaN;
      });
      cols.length = rows.length;
      return cols;
    },
    close() {},
  };
}

/** Daily rows from a start date, skipping nothing (tests only need distinct days). */
export function dailyRows(start: string, ohlc: readonly (readonly [number, number, number, number])[]): BarRow[] {
  const t0 = parseIsoTime(start) as number;
  return ohlc.map(([o, h, l, c], i) => [new Date((t0 + i * MICROS_PER_DAY) / 1000).toISOString().slice(0, 10), o, h, l, c] as const);
}

/** One L2 row: [side (+1 bid / -1 ask), price, size]. */
export type BookRow = readonly [number, number, number];

/**
 * An in-memory L2 feed: one exchange event per list of rows, event e at
 * (e + 1) s with sequence e. `snapshots`: 'first' (the first event is a
 * snapshot, the rest are changes) or 'every' (each event is a full snapshot).
 */
export function bookFeed(symbol: string, events: readonly (readonly BookRow[])[], snapshots: 'first' | 'every' = 'first'): MarketFeed {
  const cols = new BookColumns(Math.max(1, events.reduce((a, e) => a + e.length, 0)));
  let k = 0;
  events.forEach((rows, e) => {
    const snapshot = snapshots === 'every' || e === 0;
    rows.forEach(([side, price, size], j) => {
      cols.time[k] = (e + 1) * 1_000_000;
      cols.side[k] = side;
      cols.price[k] = price;
      cols.size[k] = size;
      cols.flags[k] = (snapshot ? F_SNAPSHOT : 0) | (snapshot && j === 0 ? F_CLEAR : 0) | (j === rows.length - 1 ? F_LAST : 0);
      cols.sequence[k] = e;
      k++;
    });
  });
  cols.length = k;
  return new ColumnsFeed(symbol, cols, `memory:${symbol}`);
}
