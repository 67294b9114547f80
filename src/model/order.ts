import { InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop';

/** Where an order is in its life. `submitted` and `accepted` are live; the rest are final. */
export type OrderStatus = 'submitted' | 'accepted' | 'rejected' | 'filled' | 'cancelled' | 'expired';

/** Why an order was refused: a closed list, so reports and tests can rely on it. */
export type RejectReason =
  | 'insufficient_cash'
  | 'invalid_quantity'
  | 'invalid_price'
  | 'unknown_symbol'
  | 'no_market_data'
  | 'expired_on_submit';

/** Why a live order was cancelled. */
export type CancelReason = 'user' | 'end_of_data';

/** What a strategy asks for. */
export interface OrderRequest {
  /** Defaults to the strategy's first instrument. */
  readonly symbol?: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Positive quantity. */
  readonly quantity: number;
  /** Limit price for limit orders, trigger price for stop orders. */
  readonly price?: number;
  /** Good until this time (inclusive): the order expires on the first bar stamped later. Micros or an ISO date/time. */
  readonly expire?: Micros | string;
  /** Free text carried into the order record. */
  readonly tag?: string;
}

/**
 * An order and everything that happened to it. Mutable inside the order
 * manager only; strategies get it as a read-only view.
 */
export interface Order {
  readonly id: number;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  /** Limit or stop price; NaN for market orders. */
  readonly price: number;
  /** Expiry time, or NaN for none. */
  readonly expireTime: Micros;
  readonly tag: string;
  readonly status: OrderStatus;
  readonly reason: string;
  readonly createdTime: Micros;
  /** Time of the fill, NaN until filled. */
  readonly filledTime: Micros;
  readonly filledQuantity: number;
  /** Fill price, NaN until filled. */
  readonly fillPrice: number;
  readonly fee: number;
}

/** The engine's own writable view of an order. */
export type MutableOrder = { -readonly [K in keyof Order]: Order[K] };

export function isLive(status: OrderStatus): boolean {
  return status === 'submitted' || status === 'accepted';
}

/**
 * The order state machine, as one table: for each status, the statuses it may
 * move to. Anything else is a bug.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  submitted: ['accepted', 'rejected'],
  accepted: ['filled', 'cancelled', 'expired'],
  rejected: [],
  filled: [],
  cancelled: [],
  expired: [],
};

export class OrderStateError extends InvariantError {}

export function transition(order: MutableOrder, to: OrderStatus): void {
  if (!ORDER_TRANSITIONS[order.status].includes(to)) {
    throw new OrderStateError(`order ${order.id}: impossible transition ${order.status} -> ${to}`);
  }
  order.status = to;
}

/** +1 for buys, -1 for sells. */
export function sideSign(side: OrderSide): 1 | -1 {
  return side === 'buy' ? 1 : -1;
}
