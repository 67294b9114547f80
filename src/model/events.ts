import type { Micros } from '../core/time.js';
import type { Order } from './order.js';

export type OrderEventKind =
  | 'submitted'
  | 'accepted'
  | 'rejected'
  | 'triggered'
  | 'partially_filled'
  | 'filled'
  | 'cancelled'
  | 'expired'
  | 'updated'
  | 'modify_rejected'
  | 'cancel_rejected'
  | 'pending_cancel'
  | 'pending_modify';

/** Whether a fill added liquidity (a resting limit reached) or took it. */
export type Liquidity = 'maker' | 'taker';

/** One execution. The quantity is signed: positive for a buy. */
export interface Fill {
  readonly orderId: number;
  readonly symbol: string;
  readonly time: Micros;
  readonly quantity: number;
  readonly price: number;
  readonly fee: number;
  readonly liquidity: Liquidity;
  /** A commission the venue took in units of the instrument (unsigned; `fee` is its value): the position changed by `quantity - feeInKind`. Absent for fees paid in cash. */
  readonly feeInKind?: number;
}

/**
 * Why a commission in kind cannot go with a fill of `quantity` (signed: a
 * buy is positive), or undefined: it must be a positive part of a buy's own
 * quantity (spot: what the buyer receives pays it).
 */
export function feeInKindFault(quantity: number, feeInKind: number): string | undefined {
  if (!(feeInKind > 0) || !Number.isFinite(feeInKind)) return 'is not a positive quantity';
  if (!(quantity > 0)) return 'is on a sell (only a buy can pay in the bought asset)';
  if (!(feeInKind < quantity)) return `is not less than the fill's ${quantity}`;
  return undefined;
}

/** Everything that happens to an order reaches the strategy as one of these. */
export interface OrderEvent {
  readonly kind: OrderEventKind;
  readonly time: Micros;
  /** The order as it is now (after this event). */
  readonly order: Order;
  /** Reason of a rejection, cancellation or refused amendment; empty otherwise. */
  readonly reason: string;
  /** The execution, for partially_filled and filled events. */
  readonly fill?: Fill;
}

export interface TimerEvent {
  readonly name: string;
  readonly time: Micros;
}

/**
 * Live runs: the market feed went quiet or came back. `stale`: no market
 * event for the run's stale-after time (`since` is the last event's time);
 * `live`: events flow again after a stale spell. A replay never sends it.
 */
export interface FeedStatus {
  readonly state: 'stale' | 'live';
  /** When it was noticed (the kernel's time, µs). */
  readonly time: Micros;
  /** The time of the last market event before it (NaN when none came yet). */
  readonly since: Micros;
  /** Plain words, as written to incidents.csv. */
  readonly detail: string;
}
