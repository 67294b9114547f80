import { InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';

export type OrderSide = 'buy' | 'sell';

/**
 * How an account holds positions:
 * - netting: one signed position per instrument; a sell reduces a long;
 * - hedging: a long and a short position side by side per instrument; each
 *   order names the one it acts on (`positionSide`).
 */
export type PositionMode = 'netting' | 'hedging';

/**
 * The position an order of a hedging account acts on: buy + long opens or
 * adds to the long, sell + long reduces it; sell + short opens or adds to the
 * short, buy + short reduces it.
 */
export type PositionSide = 'long' | 'short';

/** Whether an order of a hedging account reduces the position it names (sell + long, buy + short). */
export function closesPositionSide(side: OrderSide, positionSide: PositionSide | undefined): boolean {
  return positionSide === 'long' ? side === 'sell' : positionSide === 'short' && side === 'buy';
}

/**
 * - market: at the next price the venue offers;
 * - limit: at `price` or better;
 * - stop: a market order once the price reaches `triggerPrice`;
 * - stop_limit: a limit order at `price` once the price reaches `triggerPrice`;
 * - trailing_stop: a stop whose trigger follows the best price seen since
 *   acceptance at `trailOffset` (price units) or `trailPercent` behind it;
 * - market_on_open / market_on_close: at the open of the next session's
 *   first bar / the close of the session's last bar;
 * - market_if_touched / limit_if_touched: a market / limit order once the
 *   price touches `triggerPrice` from the other side than a stop would.
 */
export type OrderType =
  | 'market'
  | 'limit'
  | 'stop'
  | 'stop_limit'
  | 'trailing_stop'
  | 'market_on_open'
  | 'market_on_close'
  | 'market_if_touched'
  | 'limit_if_touched';

export const ORDER_TYPES: readonly OrderType[] = [
  'market',
  'limit',
  'stop',
  'stop_limit',
  'trailing_stop',
  'market_on_open',
  'market_on_close',
  'market_if_touched',
  'limit_if_touched',
];

/**
 * - gtc: until filled or cancelled;
 * - day: until the end of the session in which it can first trade;
 * - ioc: what fills on the first data it meets, the rest cancelled;
 * - fok: all on the first data it meets, or nothing (cancelled);
 * - gtd: until `expireTime` (inclusive).
 * Orthogonal to these, `validBars` ends an order after N bars of its instrument.
 */
export type TimeInForce = 'gtc' | 'day' | 'ioc' | 'fok' | 'gtd';

/**
 * Where an order is in its life:
 * - submitted: created and checked, sent to the venue, not yet acknowledged;
 * - held: a contingent order waiting for its parent to fill;
 * - accepted: working at the venue (the venue acknowledged it);
 * - triggered: a stop-limit or limit-if-touched whose trigger was reached;
 * - partially_filled: working, part filled;
 * - pending_cancel, pending_modify: working, a cancel or a change on its way
 *   to the venue (it may still fill meanwhile);
 * - rejected, filled, cancelled, expired: final.
 */
export type OrderStatus =
  | 'submitted'
  | 'held'
  | 'accepted'
  | 'triggered'
  | 'partially_filled'
  | 'pending_cancel'
  | 'pending_modify'
  | 'rejected'
  | 'filled'
  | 'cancelled'
  | 'expired';

/** Why an order was refused: a closed list, so reports and tests can rely on it. */
export type RejectReason =
  | 'insufficient_cash'
  | 'invalid_quantity'
  | 'invalid_price'
  | 'invalid_trigger'
  | 'invalid_expiry'
  | 'unknown_symbol'
  | 'no_market_data'
  | 'expired_on_submit'
  | 'reduce_only_would_increase'
  | 'post_only_would_take'
  | 'parent_rejected'
  // Position modes:
  | 'position_side_required'
  | 'position_side_not_allowed'
  | 'exceeds_position_side'
  // Pre-trade risk (src/risk):
  | 'max_order_quantity'
  | 'max_order_notional'
  | 'max_position'
  | 'max_gross_exposure'
  | 'max_net_exposure'
  | 'max_leverage'
  | 'price_band'
  | 'rate_limit'
  | 'trading_halted'
  | 'trading_reducing'
  | 'insufficient_margin'
  | 'off_tick'
  | 'off_lot'
  // The run's order count (risk.maxOrders) was reached: refused without a record.
  | 'max_orders'
  // Sent before the run's trading window opens (tradeFrom): the strategy is warming up.
  | 'outside_trading_window'
  // A live exchange refused the order; its own message goes to the journal and the incidents.
  | 'venue_rejected';

/** Every reason a risk check may give, for validation and reports. */
export const RISK_REJECT_REASONS = [
  'max_order_quantity',
  'max_order_notional',
  'max_position',
  'max_gross_exposure',
  'max_net_exposure',
  'max_leverage',
  'price_band',
  'rate_limit',
  'trading_halted',
  'trading_reducing',
  'insufficient_margin',
  'off_tick',
  'off_lot',
] as const satisfies readonly RejectReason[];

/** Why a live order was cancelled. */
export type CancelReason = 'user' | 'oco' | 'ioc_remainder' | 'fok_unfilled' | 'reduce_only' | 'parent_cancelled';

/** Why a modify or cancel request was refused. */
export type AmendRejectReason = 'not_live' | 'cancel_pending' | 'invalid_price' | 'invalid_trigger' | 'invalid_quantity' | 'not_modifiable';

/** Why an order ended as it did: a rejection, a cancel, or nothing ('' for fills and expiries). */
export type OrderReason = RejectReason | CancelReason | '';

/** How orders depend on one another. */
export type Contingency = 'none' | 'oco' | 'oto' | 'bracket';

/** What a strategy asks for. */
export interface OrderRequest {
  /** Defaults to the strategy's first instrument. */
  readonly symbol?: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Positive quantity. */
  readonly quantity: number;
  /** Limit price of limit, stop_limit and limit_if_touched orders. For a plain `stop` order, read as its trigger when no triggerPrice is given. */
  readonly price?: number;
  /** Trigger of stop, stop_limit, market_if_touched and limit_if_touched orders. */
  readonly triggerPrice?: number;
  /** Trailing distance in price units (trailing_stop). */
  readonly trailOffset?: number;
  /** Trailing distance as a fraction of the best price, e.g. 0.05 (trailing_stop). */
  readonly trailPercent?: number;
  readonly timeInForce?: TimeInForce;
  /** Good until this time (inclusive): the order expires on the first data stamped later. Micros or ISO text. Implies gtd. */
  readonly expire?: Micros | string;
  /** Good for this many bars of the instrument after submission (fills possible on each of them). */
  readonly validBars?: number;
  /** Only ever reduces the position; never opens or flips it. */
  readonly reduceOnly?: boolean;
  /** A limit order that must rest (maker); refused if it would take liquidity on arrival. */
  readonly postOnly?: boolean;
  /** Free text carried into the order record. */
  readonly tag?: string;
  /** Hedging accounts: the position the order acts on (required there); netting accounts: must be absent. */
  readonly positionSide?: PositionSide;
}

/**
 * An order and everything that happened to it. Mutable inside the execution
 * layer only; strategies get it as a read-only view.
 */
export interface Order {
  /** The run's own number for the order: 1, 2, 3, ... in creation order. */
  readonly id: number;
  /** The order's id toward venues: stable and unique per run (`<run id>-<id>`), sent with the order. */
  readonly clientOrderId: string;
  /** The venue's id for the order, from its acknowledgement ('' until then). */
  readonly venueOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  /** Limit price; NaN for orders without one. */
  readonly price: number;
  /** Trigger price; NaN for orders without one. For a trailing stop, the current trigger. */
  readonly triggerPrice: number;
  readonly trailOffset: number;
  readonly trailPercent: number;
  readonly timeInForce: TimeInForce;
  /** Expiry time (day and gtd orders), or NaN. */
  readonly expireTime: Micros;
  /** Bars of the instrument the order may trade on, or 0 for no limit. */
  readonly validBars: number;
  readonly reduceOnly: boolean;
  readonly postOnly: boolean;
  readonly tag: string;
  /** The position the order acts on in a hedging account; undefined in a netting account. */
  readonly positionSide: PositionSide | undefined;
  readonly status: OrderStatus;
  readonly reason: string;
  readonly createdTime: Micros;
  /**
   * When the order became active: its creation, or for a contingent order
   * the time its parent finished (filled). A venue works it from then on.
   */
  readonly activatedTime: Micros;
  /** The market price when the order was created (last close, trade or mid): what it was costed at, and where a trailing stop starts. */
  readonly referencePrice: number;
  /** Time of the last fill, NaN until the first. */
  readonly filledTime: Micros;
  readonly filledQuantity: number;
  /** Quantity cancelled or expired unfilled. */
  readonly cancelledQuantity: number;
  /** Quantity-weighted average fill price, NaN until filled. */
  readonly fillPrice: number;
  readonly fee: number;
  readonly contingency: Contingency;
  /** The order this one waits for (oto child, bracket leg), or 0. */
  readonly parentId: number;
  /** Orders cancelled when this one fills or is cancelled. */
  readonly ocoIds: readonly number[];
  /** Whether the order's trigger has been reached. */
  readonly triggered: boolean;
}

/** The engine's own writable view of an order. */
export type MutableOrder = { -readonly [K in keyof Order]: Order[K] };

/** The OCO links of an order that has none: one shared, frozen list (an order gets its own when linked). */
export const NO_OCO_IDS: readonly number[] = Object.freeze([]);

/**
 * What an order has when its request leaves it out: a market order, good
 * till cancelled, without prices, expiry, flags or tag.
 */
export const ORDER_TERMS_DEFAULTS = Object.freeze({
  type: 'market',
  price: NaN,
  triggerPrice: NaN,
  trailOffset: 0,
  trailPercent: 0,
  timeInForce: 'gtc',
  expireTime: NaN,
  validBars: 0,
  reduceOnly: false,
  postOnly: false,
  tag: '',
  positionSide: undefined,
} as const satisfies Partial<Order>);

/**
 * Every field of a just-submitted market order with nothing filled, in the
 * order OrderManager creates an order's keys (what a JSON dump of an order
 * shows). Built once: V8 (Node 20) creates an object literal that has a
 * spread followed by more properties through its runtime, tens of
 * microseconds each time, where a plain copy of one object (`{ ...DRAFT }`)
 * takes tens of nanoseconds.
 */
const DRAFT: Readonly<MutableOrder> = {
  ...{ id: 0, clientOrderId: '', venueOrderId: '', symbol: '', side: 'buy' as OrderSide, type: 'market' as OrderType, quantity: 0 },
  ...ORDER_TERMS_DEFAULTS,
  status: 'submitted',
  reason: '',
  createdTime: NaN,
  activatedTime: NaN,
  referencePrice: NaN,
  filledTime: NaN,
  filledQuantity: 0,
  cancelledQuantity: 0,
  fillPrice: NaN,
  fee: 0,
  contingency: 'none',
  parentId: 0,
  ocoIds: NO_OCO_IDS,
  triggered: false,
};

/**
 * A just-submitted market order with nothing filled, the given fields over
 * it: a what-if order for checks that take an Order (sizing, tests), and
 * the object an order is read into from the run's records.
 */
export function draftOrder(fields: Pick<Order, 'symbol' | 'side' | 'quantity'> & Partial<Order>): MutableOrder {
  // `fields` overwrite in place: the keys keep DRAFT's order.
  return Object.assign({ ...DRAFT }, fields);
}

/** An order object to read a recorded order into (OrderRecords.readInto), with the keys where every order has them. */
export function blankOrder(): MutableOrder {
  return draftOrder({ symbol: '', side: 'buy', quantity: NaN });
}

const LIVE: ReadonlySet<OrderStatus> = new Set(['submitted', 'held', 'accepted', 'triggered', 'partially_filled', 'pending_cancel', 'pending_modify']);
const WORKING: ReadonlySet<OrderStatus> = new Set(['accepted', 'triggered', 'partially_filled', 'pending_cancel', 'pending_modify']);

/** Not final: may still fill, or be cancelled. */
export function isLive(status: OrderStatus): boolean {
  return LIVE.has(status);
}

/** At the venue and able to fill now. */
export function isWorking(status: OrderStatus): boolean {
  return WORKING.has(status);
}

/**
 * The order state machine, as one table: for each status, the statuses it
 * may move to. Anything else is a bug and throws.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  submitted: ['accepted', 'held', 'rejected', 'pending_cancel'],
  held: ['submitted', 'rejected', 'cancelled'],
  accepted: ['triggered', 'partially_filled', 'filled', 'cancelled', 'expired', 'pending_cancel', 'pending_modify'],
  triggered: ['partially_filled', 'filled', 'cancelled', 'expired', 'pending_cancel', 'pending_modify'],
  partially_filled: ['partially_filled', 'filled', 'cancelled', 'expired', 'pending_cancel', 'pending_modify'],
  // A request on its way: the order may still fill or expire; a refused request returns it to where it was.
  pending_cancel: ['cancelled', 'filled', 'expired', 'rejected', 'submitted', 'accepted', 'triggered', 'partially_filled'],
  pending_modify: ['accepted', 'triggered', 'partially_filled', 'filled', 'cancelled', 'expired', 'pending_cancel'],
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

/** Open quantity of an order. */
export function leavesQuantity(o: Order): number {
  return isLive(o.status) ? o.quantity - o.filledQuantity : 0;
}

/** Whether the type needs a limit price, a trigger, a trailing distance. */
export function needsLimit(type: OrderType): boolean {
  return type === 'limit' || type === 'stop_limit' || type === 'limit_if_touched';
}
export function needsTrigger(type: OrderType): boolean {
  return type === 'stop' || type === 'stop_limit' || type === 'market_if_touched' || type === 'limit_if_touched';
}
