import type { Micros } from '../core/time.js';
import type { BidAskBar } from './market.js';
import type { OrderBook } from './order-book.js';
import type { Liquidity } from './events.js';
import type { Order } from './order.js';

/** What may change on a working order. */
export interface OrderChanges {
  readonly price?: number;
  readonly triggerPrice?: number;
  readonly quantity?: number;
}

/**
 * The port between the order manager and a venue. The simulated exchange
 * implements it, and so will live gateways: the engine cannot tell them
 * apart. Requests are answered through ExecutionReports, at once or later
 * (latency, a live venue).
 */
export interface ExecutionClient {
  /** Starts working an accepted order; it may trade on data stamped after `eligibleAfter`. */
  submit(order: Order, time: Micros, eligibleAfter: Micros): void;
  /** Asks to stop working an order; answered by `cancelled` or `cancelRejected`. */
  cancel(orderId: number, time: Micros): void;
  /** Asks to change a working order; answered by `modified` or `modifyRejected`. */
  modify(orderId: number, changes: OrderChanges, time: Micros): void;
}

/** What a venue reports back to the order manager. */
export interface ExecutionReports {
  filled(orderId: number, time: Micros, quantity: number, price: number, liquidity: Liquidity): void;
  triggered(orderId: number, time: Micros): void;
  /** A trailing stop's trigger moved. */
  triggerMoved(orderId: number, triggerPrice: number): void;
  expired(orderId: number, time: Micros): void;
  cancelled(orderId: number, time: Micros, reason: string): void;
  cancelRejected(orderId: number, time: Micros, reason: string): void;
  modified(orderId: number, time: Micros, changes: OrderChanges): void;
  modifyRejected(orderId: number, time: Micros, reason: string): void;
}

/**
 * A venue that works orders against market data (the simulated exchange,
 * in backtests and paper trading) is also fed the data, first: its broker
 * phase runs before the kernel marks the portfolio and calls the strategy.
 * Instruments are given by their index in the kernel's instrument list.
 */
export interface MarketDataSink {
  /** Before data of instrument `symbolIdx` stamped `time`: requests that reached the venue by then take effect. */
  beforeData(symbolIdx: number, time: Micros): void;
  onBar(symbolIdx: number, time: Micros, open: number, high: number, low: number, close: number, volume: number): void;
  /** Bid and ask bars of one period: buys trade on the ask bar, sells on the bid bar. */
  onBidAskBar(symbolIdx: number, bar: BidAskBar): void;
  onQuote(symbolIdx: number, time: Micros, bid: number, ask: number, bidSize: number, askSize: number): void;
  onTrade(symbolIdx: number, time: Micros, price: number, size: number): void;
  /** The data changed one level of the book (before the event is complete). */
  onBookLevel(symbolIdx: number, side: number, price: number): void;
  /** A whole exchange message was applied to the book. */
  onBook(symbolIdx: number, time: Micros, book: OrderBook): void;
}
