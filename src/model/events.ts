import type { Micros } from '../core/time.js';
import type { Order } from './order.js';

export type OrderEventKind = 'submitted' | 'accepted' | 'rejected' | 'filled' | 'cancelled' | 'expired';

/** Everything that happens to an order reaches the strategy as one of these. */
export interface OrderEvent {
  readonly kind: OrderEventKind;
  readonly time: Micros;
  readonly order: Order;
  /** Reason of a rejection or cancellation; empty otherwise. */
  readonly reason: string;
}

/** One execution. The quantity is signed: positive for a buy. */
export interface Fill {
  readonly orderId: number;
  readonly symbol: string;
  readonly time: Micros;
  readonly quantity: number;
  readonly price: number;
  readonly fee: number;
}

export interface TimerEvent {
  readonly name: string;
  readonly time: Micros;
}
