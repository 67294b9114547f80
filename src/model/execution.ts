import type { Micros } from '../core/time.js';
import type { BarRow, BidAskBar } from './market.js';
import type { OrderBook } from './order-book.js';
import type { Liquidity } from './events.js';
import type { AmendRejectReason, CancelReason, Order, RejectReason } from './order.js';

/** What may change on a working order. */
export interface OrderChanges {
  readonly price?: number;
  readonly triggerPrice?: number;
  readonly quantity?: number;
}

/**
 * The port between the order manager and a venue. The simulated exchange
 * implements it, and so do live gateways: the kernel cannot tell them
 * apart. Every request is answered through ExecutionReports, at once (a
 * simulated venue without latency) or later (latency, a live venue):
 * submit by `accepted` or `rejected`, cancel by `cancelled` or
 * `cancelRejected`, modify by `modified` or `modifyRejected`. Orders are
 * named by their run id (`order.id`) here; toward the exchange a venue uses
 * `order.clientOrderId` and reports its own id in `accepted`.
 */
export interface ExecutionClient {
  /** Where the venue reports; called once, before any request. */
  connect(reports: ExecutionReports): void;
  /** Sends an order that passed the pre-trade checks. A venue decides itself from when it may trade (e.g. `order.activatedTime` plus its latency). */
  submit(order: Order, time: Micros): void;
  /** Asks to stop working an order. */
  cancel(orderId: number, time: Micros): void;
  /** Asks to change a working order. */
  modify(orderId: number, changes: OrderChanges, time: Micros): void;
  /**
   * Venues that hold linked orders themselves (one-cancels-other, orders
   * waiting for a parent) pull an order at once when its partner fills, in
   * the same pass, as an exchange's native OCO does; returns whether it was
   * working. Without it the order manager sends cancel requests.
   */
  withdraw?(orderId: number): boolean;
  /**
   * Venues that hold one-cancels-other groups themselves learn of a group
   * made after its orders were sent (`ctx.oco`); a bracket's exits travel
   * linked (`order.ocoIds`) in submit. Without it only the order manager
   * knows the group, and cancels the partners when one fills.
   */
  link?(orderIds: readonly number[], time: Micros): void;
  /**
   * Venues whose reports arrive out of step with the kernel's calls (a live
   * gateway, whose answers come in on another thread) hand over what has
   * arrived when the kernel polls: before each market event, after the
   * venue's broker phase, and at the end of each time step.
   */
  poll?(): void;
}

/** What a venue reports back to the order manager. */
export interface ExecutionReports {
  /** The venue took the order: it works under `venueOrderId`. */
  accepted(orderId: number, venueOrderId: string, time: Micros): void;
  /** The venue refused the order. */
  rejected(orderId: number, time: Micros, reason: RejectReason): void;
  /**
   * A fill. `fee` is what the venue charged, in the account's currency (a
   * live exchange's commission); absent, the run's fee model prices it.
   * `feeInKind` is a commission the venue took in units of the instrument
   * itself (a spot buy's commission in the base asset), with `fee` absent:
   * the order fills `quantity`, the position grows by `quantity - feeInKind`,
   * cash pays `quantity x price` only, and the fill's fee is the commission's
   * value, `feeInKind x price x multiplier`. Only a buy that leaves a long
   * position may carry one (else InvariantError).
   */
  filled(orderId: number, time: Micros, quantity: number, price: number, liquidity: Liquidity, fee?: number, feeInKind?: number): void;
  triggered(orderId: number, time: Micros): void;
  /** A trailing stop's trigger moved. */
  triggerMoved(orderId: number, triggerPrice: number): void;
  expired(orderId: number, time: Micros): void;
  cancelled(orderId: number, time: Micros, reason: CancelReason): void;
  cancelRejected(orderId: number, time: Micros, reason: AmendRejectReason): void;
  modified(orderId: number, time: Micros, changes: OrderChanges): void;
  modifyRejected(orderId: number, time: Micros, reason: AmendRejectReason): void;
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
  /** A bar (the row is the caller's: read it during the call, do not keep it). */
  onBarRow(symbolIdx: number, bar: BarRow): void;
  /** Bid and ask bars of one period: buys trade on the ask bar, sells on the bid bar. */
  onBidAskBar(symbolIdx: number, bar: BidAskBar): void;
  onQuote(symbolIdx: number, time: Micros, bid: number, ask: number, bidSize: number, askSize: number): void;
  onTrade(symbolIdx: number, time: Micros, price: number, size: number): void;
  /** The data changed one level of the book (before the event is complete). */
  onBookLevel(symbolIdx: number, side: number, price: number): void;
  /** A whole exchange message was applied to the book. */
  onBook(symbolIdx: number, time: Micros, book: OrderBook): void;
}
