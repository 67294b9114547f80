import type { Micros } from '../core/time.js';
import type { Order } from './order.js';

/**
 * The port between the order manager and a venue. The simulated exchange
 * implements it, and so will live gateways: the engine cannot tell them apart.
 */
export interface ExecutionClient {
  /** Starts working an accepted order. */
  submit(order: Order): void;
  /** Stops working an order; false if the venue no longer has it. */
  cancel(orderId: number): boolean;
}

/** What a venue reports back to the order manager. */
export interface ExecutionReports {
  filled(orderId: number, time: Micros, price: number): void;
  expired(orderId: number, time: Micros): void;
}
