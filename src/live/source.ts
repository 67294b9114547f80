import type { Micros } from '../core/time.js';

/**
 * The contract between where live market data comes from (an exchange through
 * ccxt, a file being replayed, a test) and where it goes (the I/O thread's
 * ring writer, the paper-trading kernel, the recorder).
 *
 * A source pushes normalized events into a sink, one call per event, with
 * plain numbers only (no object per event): the same sink shape is used on
 * both sides of the I/O thread's SharedArrayBuffer ring, so a source can be
 * run in-process (tests) or on the I/O thread (paper, record) unchanged.
 *
 * Every event carries two times: the exchange's (`exchangeTime`, µs since the
 * epoch, as the exchange stamped it) and the local receive time
 * (`receiveTime`, µs since the epoch, the machine's clock when the message
 * arrived). Symbols are indices into the subscription's `symbols`.
 */
export interface MarketEventSink {
  /** One trade print. `aggressor`: +1 buy, -1 sell, 0 unknown (SIDE_* of model/market). */
  trade(symbol: number, exchangeTime: Micros, receiveTime: Micros, price: number, size: number, aggressor: number): void;
  /** Best bid and ask. Sizes NaN when the exchange gives none. */
  quote(symbol: number, exchangeTime: Micros, receiveTime: Micros, bid: number, ask: number, bidSize: number, askSize: number): void;
  /**
   * One closed bar of the subscription's timeframe, stamped like the bar files
   * the backtest reads: `exchangeTime` is the bar's start (Binance kline `t`).
   * A bar still forming is never sent.
   */
  bar(symbol: number, exchangeTime: Micros, receiveTime: Micros, open: number, high: number, low: number, close: number, volume: number): void;
  /**
   * One L2 level of one book update, as in BookColumns: `side` +1 bid, -1 ask;
   * `size` the level's new total (0 removes it); `flags` F_SNAPSHOT | F_CLEAR
   * | F_LAST of model/market (a snapshot's first row clears the book, the
   * last row of every update carries F_LAST); `sequence` the exchange's update
   * id (Binance `u`), -1 when none.
   */
  bookLevel(symbol: number, exchangeTime: Micros, receiveTime: Micros, side: number, price: number, size: number, flags: number, sequence: number): void;
  /** Something the user must be told about (reconnects, gaps, stale feeds, rate limits). Never dropped. */
  incident(incident: Incident): void;
}

export type DataChannel = 'trades' | 'quotes' | 'book' | 'bars';

export interface MarketSubscription {
  /** Unified symbols (ccxt's: BTC/USDT); event `symbol` numbers index this list. */
  readonly symbols: readonly string[];
  readonly channels: readonly DataChannel[];
  /** Bar timeframe when `bars` is subscribed (ccxt's: 1m, 5m, 1h, 1d). */
  readonly timeframe: string;
}

/** What the exchange says about one market, enough to build an Instrument. */
export interface LiveMarket {
  /** Unified symbol, BTC/USDT. */
  readonly symbol: string;
  /** The exchange's id, BTCUSDT. */
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  /** Price increment and quantity increment as decimal strings ('0.01'), '0' when the exchange gives none. */
  readonly tickSize: string;
  readonly lotSize: string;
}

export type IncidentKind =
  | 'connected'
  | 'disconnected'
  | 'reconnecting'
  | 'book_gap'
  | 'book_resync'
  | 'stale_feed'
  | 'feed_resumed'
  | 'rate_limited'
  | 'error'
  // Live orders (src/live/venue): a start-up reconciliation action, a report the streams missed and polling found, an order the exchange refused.
  | 'reconciled'
  | 'report_recovered'
  | 'order_refused'
  // A fill's commission charged in a currency the run cannot price (a fee token): the run's fee model priced it.
  | 'fee_estimated'
  // A commission charged in the base asset that the position cannot pay (a sell's, or one not less than its fill): its value came from cash.
  | 'fee_from_cash'
  // A trade on the account that no order of the run made (another client's, or one whose order never became known): not applied.
  | 'unknown_trade'
  // A fill of more than the run's order had left (a modify's window): the order takes what was left, the account has the rest.
  | 'overfill';

export interface Incident {
  /** Local time of the incident, µs since the epoch. */
  readonly time: Micros;
  readonly kind: IncidentKind;
  /** Unified symbol, '' when the incident is not about one symbol. */
  readonly symbol: string;
  /** The stream or endpoint concerned (`trades`, `book`, `bars`, `quotes`, `rest`), '' when none. */
  readonly channel: string;
  /** Plain words: what happened and what was done about it. */
  readonly detail: string;
}

/**
 * Live market data. `run` pushes events into `sink` until `signal` aborts
 * (then it resolves after closing its connections) or it fails for good
 * (then it rejects; transient faults are retried and reported as incidents).
 */
export interface MarketSource {
  markets(symbols: readonly string[]): Promise<readonly LiveMarket[]>;
  run(subscription: MarketSubscription, sink: MarketEventSink, signal: AbortSignal): Promise<void>;
}
