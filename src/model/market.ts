import type { Micros } from '../core/time.js';

/** Bars of bid prices or of ask prices (FX quote bars), or of trades. */
export type PriceSide = 'bid' | 'ask' | 'trade';

/** What a row of market data is. */
export type DataKind = 'bar' | 'quote' | 'trade' | 'book';

/**
 * A bar as the strategy sees it. `time` is the bar's close: a bar is an event
 * at its close. The engine reuses one object per feed; copy fields you want to
 * keep past the call.
 */
export interface Bar {
  readonly symbol: string;
  readonly time: Micros;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** '' for bars as in the data; the aggregation ('1h', 'ticks:100', ...) for bars the strategy subscribed to. */
  readonly timeframe: string;
}

/**
 * A bar in a row of six doubles: time, open, high, low, close, volume at
 * these offsets. The kernel hands the bar being handled to the venue, the
 * history and the series in one row: a double passed to a call that V8 does
 * not inline becomes a heap number (garbage); a row passes none.
 */
export type BarRow = Float64Array;
export const ROW_TIME = 0;
export const ROW_OPEN = 1;
export const ROW_HIGH = 2;
export const ROW_LOW = 3;
export const ROW_CLOSE = 4;
export const ROW_VOLUME = 5;
export const BAR_ROW_LENGTH = 6;

/** Writes a bar into a row. */
export function setBarRow(row: BarRow, time: Micros, open: number, high: number, low: number, close: number, volume: number): void {
  row[ROW_TIME] = time;
  row[ROW_OPEN] = open;
  row[ROW_HIGH] = high;
  row[ROW_LOW] = low;
  row[ROW_CLOSE] = close;
  row[ROW_VOLUME] = volume;
}

/** Best bid and ask at an instant. Sizes are NaN when the source has none. */
export interface QuoteTick {
  readonly symbol: string;
  readonly time: Micros;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
}

export type AggressorSide = 'buy' | 'sell' | 'unknown';

/** One trade print. */
export interface TradeTick {
  readonly symbol: string;
  readonly time: Micros;
  readonly price: number;
  readonly size: number;
  readonly aggressor: AggressorSide;
}

/** Aggressor side codes held in TradeColumns.side. */
export const SIDE_UNKNOWN = 0;
export const SIDE_BUY = 1;
export const SIDE_SELL = -1;

/**
 * Columnar chunks of market data (struct of arrays). Feeds fill one of these
 * and hand it out; `length` rows are valid. `line` holds each row's line
 * number in its source file (0 for generated data) so that later stages can
 * still point at the file.
 *
 * `adjClose` is the split- and dividend-adjusted close of a source that has
 * one (Yahoo's `Adj Close`) and NaN otherwise. The engine never reads it:
 * prices are the raw columns unless a feed is wrapped for adjustment
 * (data/adjust).
 */
export class BarColumns {
  readonly kind = 'bar' as const;
  length = 0;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** Adjusted close from the source, NaN where it has none. */
  readonly adjClose: Float64Array;
  readonly line: Float64Array;
  constructor(readonly capacity: number) {
    this.time = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.adjClose = new Float64Array(capacity).fill(NaN);
    this.line = new Float64Array(capacity);
  }
}

export class QuoteColumns {
  readonly kind = 'quote' as const;
  length = 0;
  readonly time: Float64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  readonly bidSize: Float64Array;
  readonly askSize: Float64Array;
  readonly line: Float64Array;
  constructor(readonly capacity: number) {
    this.time = new Float64Array(capacity);
    this.bid = new Float64Array(capacity);
    this.ask = new Float64Array(capacity);
    this.bidSize = new Float64Array(capacity);
    this.askSize = new Float64Array(capacity);
    this.line = new Float64Array(capacity);
  }
}

export class TradeColumns {
  readonly kind = 'trade' as const;
  length = 0;
  readonly time: Float64Array;
  readonly price: Float64Array;
  readonly size: Float64Array;
  /** SIDE_BUY, SIDE_SELL or SIDE_UNKNOWN */
  readonly side: Int8Array;
  readonly line: Float64Array;
  constructor(readonly capacity: number) {
    this.time = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.side = new Int8Array(capacity);
    this.line = new Float64Array(capacity);
  }
}

/** BookColumns.flags: the row belongs to a snapshot (a full picture of the book, not a change). */
export const F_SNAPSHOT = 1;
/** BookColumns.flags: the first row of a snapshot: clear both sides of the book before applying it. */
export const F_CLEAR = 2;
/** BookColumns.flags: the last row of one exchange event (message); apply the rows up to here as one change. */
export const F_LAST = 4;

/**
 * L2 order-book rows: each row sets the size of one price level on one side
 * (size 0 removes the level). Rows of one exchange event share a time and a
 * sequence and end with a row flagged F_LAST; consumers apply them together
 * and look at the book only after an F_LAST row. An event can span chunks.
 */
export class BookColumns {
  readonly kind = 'book' as const;
  length = 0;
  readonly time: Float64Array;
  /** +1 bid, -1 ask */
  readonly side: Int8Array;
  readonly price: Float64Array;
  /** The level's new total size; 0 deletes it. */
  readonly size: Float64Array;
  /** F_SNAPSHOT | F_CLEAR | F_LAST bits */
  readonly flags: Uint8Array;
  /** The exchange's update id of the row's event (Binance: last_update_id), -1 when the source has none. */
  readonly sequence: Float64Array;
  /** The first update id the row's event covers (Binance: first_update_id), -1 when the source has none. */
  readonly firstSequence: Float64Array;
  /** The last update id of the event before it, as the exchange states it (Binance futures: pu), -1 when the source has none. */
  readonly prevSequence: Float64Array;
  readonly line: Float64Array;
  /** Which of the feed's files the row comes from (an index into its list of sources), so that `line` can be placed. */
  readonly source: Uint16Array;
  constructor(readonly capacity: number) {
    this.time = new Float64Array(capacity);
    this.side = new Int8Array(capacity);
    this.price = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.sequence = new Float64Array(capacity);
    // -1, not 0: rows whose producer sets no ids must not read as id 0.
    this.firstSequence = new Float64Array(capacity).fill(-1);
    this.prevSequence = new Float64Array(capacity).fill(-1);
    this.line = new Float64Array(capacity);
    this.source = new Uint16Array(capacity);
  }
}

export type Columns = BarColumns | QuoteColumns | TradeColumns | BookColumns;

/**
 * A source of market data for one instrument and one kind, pulled in chunks
 * in time order. Pull-based and synchronous so the event loop stays a plain
 * loop; memory is bounded by the chunk size, not the file size.
 */
export interface MarketFeed {
  readonly symbol: string;
  readonly kind: DataKind;
  /** Where the data comes from (a file path, or e.g. "generated"), for messages. */
  readonly source: string;
  /** Which side of the market bar prices are: 'bid' or 'ask' for quote bars; absent for trade prices. */
  readonly priceSide?: PriceSide;
  /** The next chunk, or null at the end. The returned columns are reused by the next call. */
  next(): Columns | null;
  /** Rows rejected and skipped so far (only under `onInvalid: 'skip'`). */
  readonly skipped: readonly import('../core/errors.js').Issue[];
  /** How many rows the feed will hand out, exactly (memory feeds) or about (a CSV file, from its size), when it can tell: lets consumers size their records once. Never a count. */
  readonly rowsHint?: number | undefined;
  /** Facts about the data worth telling but not errors in a row (an order book's sequence gaps, when accepted). */
  readonly warnings?: readonly import('../core/errors.js').Issue[];
  close(): void;
}

/** The bid and ask bars of one period of an instrument that trades on both (buys at the ask, sells at the bid). */
export interface BidAskBar {
  time: number;
  bidOpen: number;
  bidHigh: number;
  bidLow: number;
  bidClose: number;
  askOpen: number;
  askHigh: number;
  askLow: number;
  askClose: number;
  volume: number;
}
