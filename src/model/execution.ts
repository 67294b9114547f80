import type { Micros } from '../core/time.js';
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
