import type { Micros } from '../core/time.js';

/** What a row of market data is. */
export type DataKind = 'bar' | 'quote' | 'trade';

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
  readonly line: Float64Array;
  constructor(readonly capacity: number) {
    this.time = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
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

export type Columns = BarColumns | QuoteColumns | TradeColumns;

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
  /** The next chunk, or null at the end. The returned columns are reused by the next call. */
  next(): Columns | null;
  /** Rows rejected and skipped so far (only under `onInvalid: 'skip'`). */
  readonly skipped: readonly import('../core/errors.js').Issue[];
  close(): void;
}
