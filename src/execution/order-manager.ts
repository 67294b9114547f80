import { addExact, mulExact } from '../core/decimal.js';
import { InputError, InvariantError } from '../core/errors.js';
import { OrderedIdTable } from '../core/reusable.js';
import { GrowableFloat64 } from '../core/growable.js';
import type { Micros } from '../core/time.js';
import { feeInKindFault, type Fill, type Liquidity, type OrderEvent, type OrderEventKind } from '../model/events.js';
import type { ExecutionClient, ExecutionReports, OrderChanges } from '../model/execution.js';
import type { AmendRejectReason, CancelReason, Contingency, MutableOrder, Order, OrderSide, OrderStatus, OrderType, PositionSide, RejectReason, TimeInForce } from '../model/order.js';
import { NO_OCO_IDS, ORDER_TERMS_DEFAULTS, ORDER_TRANSITIONS, OrderStateError, closesPositionSide, draftOrder, isLive, isWorking, leavesQuantity, needsLimit, needsTrigger, sideSign, transition } from '../model/order.js';
import { FillRecords } from './fill-records.js';
import type { FeeModel, FeeParams } from './models/fee.js';
import { OrderRecords } from './order-records.js';

/** A resolved order request: symbol known, times in µs, NaN for absent prices. */
export interface NewOrder {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  readonly price: number;
  readonly triggerPrice: number;
  readonly trailOffset: number;
  readonly trailPercent: number;
  readonly timeInForce: TimeInForce;
  readonly expireTime: Micros;
  readonly validBars: number;
  readonly reduceOnly: boolean;
  readonly postOnly: boolean;
  readonly tag: string;
  readonly multiplier: number;
  /** Hedging accounts: the position the order acts on. */
  readonly positionSide?: PositionSide | undefined;
}

/**
 * A NewOrder's defaults: a market order, good till cancelled, no prices,
 * flags or tag, multiplier 1 (symbol, side and quantity to be set).
 */
export const NEW_ORDER_DEFAULTS: NewOrder = Object.freeze({ symbol: '', side: 'buy', quantity: 0, ...ORDER_TERMS_DEFAULTS, multiplier: 1 });

/** Whether closing `quantity` is more than `closable` (float noise of 1e-12 aside). */
function exceedsClosable(quantity: number, closable: number): boolean {
  return quantity > closable && quantity - closable > closable * 1e-12;
}

/** A commission in kind is a part of a buy's own quantity (spot: a long position keeps the rest), not paid in cash too; anything else is a venue's bug. */
function checkFeeInKind(order: Order, quantity: number, venueFee: number | undefined, feeInKind: number): void {
  const what = `order ${order.id}: a commission in kind of ${feeInKind}`;
  if (venueFee !== undefined) throw new InvariantError(`${what} comes with a fee in cash (${venueFee})`);
  const fault = feeInKindFault(sideSign(order.side) * quantity, feeInKind);
  if (fault !== undefined) throw new InvariantError(`${what} ${fault}`);
}

/**
 * Decides, before acceptance, whether an order may go to the venue. Returns
 * a reason to reject, or undefined. `costPrice` is the price the order is
 * costed at; `fee` its fee there.
 */
export type PreTradeCheck = (order: Order, signedQuantity: number, costPrice: number, fee: number) => RejectReason | undefined;

/** Where the order manager sends what happened. */
export interface OrderSink {
  event(event: OrderEvent): void;
  /** An execution, already recorded on the order. */
  fill(order: Order, fill: Fill): void;
  /** The order is final: commitments made for it end. */
  released(order: Order): void;
}

/** A venue as the order manager sees it: the ExecutionClient port. */
export type ManagedVenue = ExecutionClient;

export interface OrderManagerOptions {
  /**
   * Signed position the order acts on, for reduce-only checks: the
   * instrument's net position, or in a hedging account the leg the order
   * names (long >= 0, short <= 0).
   */
  readonly positionOf?: (order: Order) => number;
  /**
   * A hedging account: every order must name its position side, and an order
   * that reduces a side may not close more than it holds less what other
   * working orders already close (`exceeds_position_side`). Otherwise orders
   * must not name one (`position_side_not_allowed`).
   */
  readonly hedging?: boolean;
  /**
   * The account's traded notional so far (FeeParams.tradedVolume), read for
   * every fee quoted. Without it, the manager sums its own fills (|quantity|
   * x price x multiplier).
   */
  readonly tradedVolume?: () => number;
  /**
   * At most this many order records per run (default: no limit). The
   * submission that would go beyond calls `onOrderLimit` once; it and every
   * later one are refused without a record or an event (the returned order
   * has id 0, status rejected, reason max_orders) and counted in
   * `notRecorded`, so memory stays bounded. More than `max(maxOrders,
   * 10,000)` such refusals stop the run with an InputError.
   */
  readonly maxOrders?: number;
  readonly onOrderLimit?: (time: Micros) => void;
  /** Prefix of the client order ids sent to venues: `<runId>-<order id>` (default 'QF'). */
  readonly runId?: string;
}

/** Refusals after the max-orders cap tolerated before the run is stopped: at least this many. */
const MIN_REFUSALS_BEFORE_STOP = 10_000;

/**
 * Owns every order's record and lifecycle (the table in model/order.ts), the
 * links between orders (OCO groups, parents and children, brackets), and the
 * events that report each step. Venues only report what happened.
 */
export class OrderManager implements ExecutionReports {
  /** Every fill, in the order they came. */
  readonly fills = new FillRecords();
  /** Orders made so far (ids 1..made). */
  private made = 0;
  /** Orders that ended, as rows: a live order is an object, an ended one is kept in the records only. */
  private readonly records: OrderRecords;
  /** Submissions refused after the max-orders cap (no record, no event). */
  notRecorded = 0;
  /** Live orders by id, in creation order. */
  private readonly live = new OrderedIdTable<MutableOrder>();
  /** Contract multiplier per order, by id - 1. */
  private readonly multipliers = new GrowableFloat64(1024);
  /** Held children by parent id. */
  private readonly children = new Map<number, number[]>();
  /** Parents done (filled, or finished with a partial fill): their children arm on data after this time. */
  private readonly armAfter = new Map<number, Micros>();
  private venue: ManagedVenue | undefined;
  private readonly positionOf: (order: Order) => number;
  private readonly hedging: boolean;
  private readonly tradedVolume: () => number;
  /** Traded notional of this manager's fills, for fees when no account volume is given. */
  private ownVolume = 0;
  private readonly maxOrders: number;
  private readonly onOrderLimit: ((time: Micros) => void) | undefined;
  private readonly runId: string;
  /** Orders with a cancel or change on its way to the venue: the status they return to if it is refused. */
  private readonly underlying = new Map<number, OrderStatus>();
  /** Changes on their way per order (several may travel at once). */
  private readonly modifiesInFlight = new Map<number, number>();
  /** Partners the manager asked the venue to cancel (a venue without withdraw): their cancel is reported as 'oco'. */
  private readonly linkedCancels = new Set<number>();
  /** Adopted orders filled in part before the run took them over: that quantity, by order id (their price is not known). */
  private readonly filledBefore = new Map<number, number>();
  /** Adopted orders by their (foreign) client order id. */
  private readonly adopted = new Map<string, number>();

  constructor(
    private readonly fees: FeeModel,
    private readonly check: PreTradeCheck,
    private readonly sink: OrderSink,
    options: OrderManagerOptions = {},
  ) {
    this.positionOf = options.positionOf ?? (() => 0);
    this.hedging = options.hedging ?? false;
    this.tradedVolume = options.tradedVolume ?? (() => this.ownVolume);
    this.maxOrders = options.maxOrders ?? Infinity;
    this.onOrderLimit = options.onOrderLimit;
    this.runId = options.runId ?? 'QF';
    this.records = new OrderRecords(this.runId);
  }

  /** Where orders go; the venue reports back to this manager. */
  connect(venue: ManagedVenue): void {
    this.venue = venue;
    venue.connect(this);
  }

  /** The order a venue knows by its client order id. */
  byClientOrderId(clientOrderId: string): Order | undefined {
    const prefix = `${this.runId}-`;
    if (!clientOrderId.startsWith(prefix)) {
      const adopted = this.adopted.get(clientOrderId);
      return adopted !== undefined ? this.get(adopted) : undefined;
    }
    const id = Number(clientOrderId.slice(prefix.length));
    return Number.isInteger(id) && id > 0 ? this.get(id) : undefined;
  }

  /** Orders made so far: their ids are 1 to orderCount. */
  get orderCount(): number {
    return this.made;
  }

  get liveCount(): number {
    return this.live.size;
  }

  liveOrders(): IterableIterator<MutableOrder> {
    return this.live.values();
  }

  /** The order with this id: the live object, or (ended) a copy from the records. */
  get(id: number): Order | undefined {
    if (!(id >= 1 && id <= this.orderCount)) return undefined;
    return this.live.get(id) ?? this.records.at(id);
  }

  /**
   * The orders of the run so far as they are now, read one at a time (a
   * result's orders: most results are only summarized and written, which
   * need no list of them all): ended orders do not change any more, and the
   * live ones are copied now.
   */
  ordersAsOfNow(): { readonly count: number; at(id: number, into?: MutableOrder): Order } {
    const count = this.made;
    const live = new Map<number, Order>();
    for (const o of this.live.values()) live.set(o.id, { ...o });
    const records = this.records;
    return {
      count,
      at: (id, into) => {
        const copy = live.get(id);
        if (copy !== undefined) return into !== undefined ? Object.assign(into, copy) : copy;
        return into !== undefined ? records.readInto(id, into) : (records.at(id) as Order);
      },
    };
  }

  /** Every order as it is now, in id order (live ones are the live objects). */
  get orders(): readonly Order[] {
    const out: Order[] = [];
    for (let id = 1; id <= this.orderCount; id++) out.push(this.get(id) as Order);
    return out;
  }

  // ------------------------------------------------------------ commands

  /** Creates an order, checks it, and accepts it (sending it to the venue) or rejects it. With a parent, it is held until the parent fills. */
  submit(req: NewOrder, time: Micros, referencePrice: number, parent?: Order): Order {
    if (this.overLimit(1, time)) return notRecorded(req, time, referencePrice);
    const order = this.create(req, time, referencePrice, parent !== undefined ? 'oto' : 'none', parent?.id ?? 0);
    this.emit('submitted', order, time, '');
    if (parent !== undefined && parent.status !== 'filled') {
      if (!isLive(parent.status) && parent.filledQuantity === 0) {
        this.reject(order, time, 'parent_rejected');
        return order;
      }
      const reason = this.validate(order, time, false);
      if (reason !== undefined) {
        this.reject(order, time, reason);
        return order;
      }
      this.hold(order, parent.id);
      return order;
    }
    if (parent !== undefined) order.activatedTime = parent.filledTime;
    this.acceptOrReject(order, time);
    return order;
  }

  /**
   * Takes over an order that already works at the venue (a live session
   * continuing an earlier one's order, or one adopted by reconciliation): it
   * is recorded as accepted (or partially filled) under the venue's client
   * and order ids, without pre-trade checks (it has left already) and without
   * a venue request; its later reports apply to it like any order's. The
   * `filledQuantity` filled before is in the account already: it is not a fill
   * of this run, and the order's fill price covers the run's fills only.
   */
  adopt(req: NewOrder, ids: { readonly clientOrderId: string; readonly venueOrderId: string }, filledQuantity: number, time: Micros): Order {
    if (!(filledQuantity >= 0) || !(filledQuantity < req.quantity)) {
      throw new InvariantError(`adopted order ${ids.clientOrderId}: filled ${filledQuantity} of ${req.quantity} is not a working order`);
    }
    const order = this.create(req, time, NaN, 'none', 0);
    order.clientOrderId = ids.clientOrderId;
    order.venueOrderId = ids.venueOrderId;
    this.adopted.set(ids.clientOrderId, order.id);
    transition(order, 'accepted');
    if (filledQuantity > 0) {
      order.filledQuantity = filledQuantity;
      this.filledBefore.set(order.id, filledQuantity);
      transition(order, 'partially_filled');
    }
    this.emit('accepted', order, time, '');
    return order;
  }

  /**
   * A settlement at a price the account sets, not the venue (the close of a
   * trading window): an order recorded as submitted, accepted and filled at
   * once at `price`, with the fee of a taker fill, through the same fill path
   * as any venue fill (positions, trades, fills.csv). It meets no pre-trade
   * check (closing an account's positions is not refused) and reaches no venue.
   */
  settle(req: NewOrder, time: Micros, price: number): Order {
    const order = this.create(req, time, price, 'none', 0);
    this.emit('submitted', order, time, '');
    transition(order, 'accepted');
    this.emit('accepted', order, time, '');
    this.filled(order.id, time, order.quantity, price, 'taker');
    return order;
  }

  /**
   * A bracket: the entry, then a stop-loss and a take-profit that are held
   * until the entry fills, arm on the next data after the fill, and cancel
   * each other (the stop-loss first, so it wins a bar where both could fill).
   */
  bracket(entry: NewOrder, stopLoss: NewOrder, takeProfit: NewOrder, time: Micros, referencePrice: number): [Order, Order, Order] {
    if (this.overLimit(3, time)) return [notRecorded(entry, time, referencePrice), notRecorded(stopLoss, time, referencePrice), notRecorded(takeProfit, time, referencePrice)];
    const e = this.submit(entry, time, referencePrice);
    const sl = this.create(stopLoss, time, referencePrice, 'bracket', e.id);
    const tp = this.create(takeProfit, time, referencePrice, 'bracket', e.id);
    (e as MutableOrder).contingency = 'bracket';
    sl.ocoIds = [tp.id];
    tp.ocoIds = [sl.id];
    for (const child of [sl, tp]) {
      this.emit('submitted', child, time, '');
      const reason = e.status === 'rejected' ? 'parent_rejected' : this.validate(child, time, false);
      if (reason !== undefined) this.reject(child, time, reason);
      else this.hold(child, e.id);
    }
    if (sl.status === 'rejected' || tp.status === 'rejected') {
      // A bracket is whole or nothing: a bad leg takes the other leg and the entry with it.
      for (const o of [sl, tp]) if (o.status === 'held') this.finish(o, time, 'cancelled', 'parent_cancelled');
      if (isLive(e.status)) this.cancel(e.id, time);
    }
    return [e, sl, tp];
  }

  /**
   * Links live orders so that a fill or cancel of one cancels the others.
   * Refused (false) for fewer than two orders, an order named twice, one that
   * is not live, or one already in a group (a bracket's exits included):
   * groups never overlap, so one fill ends a whole group.
   */
  oco(ids: readonly number[], time: Micros): boolean {
    const orders = ids.map((id) => this.live.get(id));
    if (orders.some((o) => o === undefined || o.ocoIds.length > 0) || new Set(ids).size !== ids.length || ids.length < 2) return false;
    for (const o of orders as MutableOrder[]) {
      o.ocoIds = ids.filter((id) => id !== o.id);
      if (o.contingency === 'none') o.contingency = 'oco';
      this.emit('updated', o, time, '');
    }
    this.venue?.link?.(ids, time);
    return true;
  }

  cancel(orderId: number, time: Micros): boolean {
    const order = this.live.get(orderId);
    if (order === undefined) {
      const known = this.get(orderId);
      if (known !== undefined) this.emit('cancel_rejected', known, time, 'not_live');
      return false;
    }
    if (order.status === 'held') {
      this.finish(order, time, 'cancelled', 'user');
      return true;
    }
    if (order.status === 'pending_cancel') {
      // One cancel on its way is enough.
      this.emit('cancel_rejected', order, time, 'cancel_pending');
      return false;
    }
    this.enterPending(order, 'pending_cancel');
    this.emit('pending_cancel', order, time, '');
    this.requireVenue().cancel(orderId, time);
    return true;
  }

  /**
   * Cancels every live order (or those `which` picks). Cancelling one may end
   * others (its OCO partners, its held children): each is checked again when
   * its turn comes, so none is refused as no longer live.
   */
  cancelAll(time: Micros, which?: (order: Order) => boolean): void {
    const ids: number[] = [];
    for (const o of this.live.values()) if (o.status !== 'pending_cancel' && (which === undefined || which(o))) ids.push(o.id);
    for (const id of ids) {
      const o = this.live.get(id);
      if (o !== undefined && o.status !== 'pending_cancel') this.cancel(id, time);
    }
  }

  modify(orderId: number, changes: OrderChanges, time: Micros): boolean {
    const order = this.live.get(orderId);
    const reason = order === undefined ? 'not_live' : this.checkChanges(order, changes);
    if (reason !== undefined || order === undefined) {
      const known = this.get(orderId);
      if (known !== undefined) this.emit('modify_rejected', known, time, reason ?? 'not_live');
      return false;
    }
    if (order.status === 'held') {
      this.applyChanges(order, changes, time);
      return true;
    }
    if (order.status === 'pending_cancel') {
      this.emit('modify_rejected', order, time, 'cancel_pending');
      return false;
    }
    this.enterPending(order, 'pending_modify');
    this.modifiesInFlight.set(orderId, (this.modifiesInFlight.get(orderId) ?? 0) + 1);
    this.emit('pending_modify', order, time, '');
    this.requireVenue().modify(orderId, changes, time);
    return true;
  }

  /** A request leaves for the venue: the order waits in `pending` (a cancel overrides a pending change). */
  private enterPending(order: MutableOrder, pending: 'pending_cancel' | 'pending_modify'): void {
    if (order.status === 'pending_modify' || order.status === 'pending_cancel') {
      if (pending === 'pending_cancel') transition(order, 'pending_cancel');
      return;
    }
    this.underlying.set(order.id, order.status);
    transition(order, pending);
  }

  /** The status of a working order, seen through a pending request. */
  private workingStatus(order: Order): OrderStatus {
    return order.status === 'pending_cancel' || order.status === 'pending_modify' ? (this.underlying.get(order.id) as OrderStatus) : order.status;
  }

  /** Moves a working order on (triggered, partially filled); under a pending request, what it returns to moves on. */
  private setWorkingStatus(order: MutableOrder, to: OrderStatus): void {
    if (order.status !== 'pending_cancel' && order.status !== 'pending_modify') {
      transition(order, to);
      return;
    }
    const under = this.underlying.get(order.id) as OrderStatus;
    if (!ORDER_TRANSITIONS[under].includes(to)) throw new OrderStateError(`order ${order.id}: impossible transition ${under} -> ${to} (under ${order.status})`);
    this.underlying.set(order.id, to);
  }

  /** A pending request was answered: the order returns to its working status (a pending cancel stays while it travels). */
  private leavePending(order: MutableOrder, answered: 'pending_cancel' | 'pending_modify'): void {
    if (answered === 'pending_modify') {
      const left = (this.modifiesInFlight.get(order.id) ?? 1) - 1;
      if (left > 0) this.modifiesInFlight.set(order.id, left);
      else this.modifiesInFlight.delete(order.id);
      if (left > 0 || order.status !== 'pending_modify') return;
    } else if (order.status !== 'pending_cancel') return;
    transition(order, this.underlying.get(order.id) as OrderStatus);
    if (this.modifiesInFlight.has(order.id)) {
      // A change still travels: back to waiting for it.
      transition(order, 'pending_modify');
      return;
    }
    this.underlying.delete(order.id);
  }

  /**
   * Whether a parent has ended and its held children wait for the next
   * data to arm (beforeData has work). The kernel asks before each event:
   * a call that V8 does not inline would box the event's time.
   */
  hasArmingChildren(): boolean {
    return this.armAfter.size > 0;
  }

  /**
   * Before data stamped `time` (and after the venue's requests that arrived
   * by then took effect, which may end orders or a held child's parent):
   * held children whose parent finished before `time` arm; they may trade on
   * this data.
   */
  beforeData(symbol: string, time: Micros): void {
    if (!this.hasArmingChildren()) return;
    for (const [parentId, doneAt] of this.armAfter) {
      if (!(time > doneAt)) continue;
      const kids = this.children.get(parentId) ?? [];
      const remaining: number[] = [];
      for (const id of kids) {
        const child = this.live.get(id);
        if (child === undefined || child.status !== 'held') continue;
        if (child.symbol !== symbol) {
          remaining.push(id);
          continue;
        }
        child.activatedTime = doneAt;
        this.acceptOrReject(child, time);
      }
      if (remaining.length === 0) {
        this.children.delete(parentId);
        this.armAfter.delete(parentId);
      } else {
        this.children.set(parentId, remaining);
      }
    }
  }

  // ------------------------------------------------------------ venue reports

  accepted(orderId: number, venueOrderId: string, time: Micros): void {
    const order = this.live.get(orderId);
    if (order === undefined) throw new InvariantError(`venue accepted order ${orderId}, which is not live`);
    order.venueOrderId = venueOrderId;
    if (order.status === 'submitted') transition(order, 'accepted');
    else if (order.status === 'pending_cancel' && this.underlying.get(orderId) === 'submitted') this.underlying.set(orderId, 'accepted');
    else throw new InvariantError(`venue accepted order ${orderId}, which is ${order.status}`);
    this.emit('accepted', order, time, '');
  }

  rejected(orderId: number, time: Micros, reason: RejectReason): void {
    const order = this.live.get(orderId);
    if (order === undefined || (order.status !== 'submitted' && !(order.status === 'pending_cancel' && this.underlying.get(orderId) === 'submitted'))) {
      throw new InvariantError(`venue rejected order ${orderId}, which is not waiting for an answer`);
    }
    this.forgetPending(orderId);
    this.reject(order, time, reason);
  }

  filled(orderId: number, time: Micros, quantity: number, price: number, liquidity: Liquidity, venueFee?: number, feeInKind?: number): void {
    const order = this.takeWorking(orderId);
    if (!(quantity > 0) || quantity > leavesQuantity(order) + 1e-9) throw new InvariantError(`order ${orderId}: fill of ${quantity} with ${leavesQuantity(order)} open`);
    if (venueFee !== undefined && !Number.isFinite(venueFee)) throw new InvariantError(`order ${orderId}: the venue's fee ${venueFee} is not a number`);
    if (feeInKind !== undefined) checkFeeInKind(order, quantity, venueFee, feeInKind);
    const multiplier = this.multiplierOf(order.id);
    // A commission in kind is valued at the fill's price; the portfolio takes it from the position, not from cash.
    const fee = feeInKind !== undefined ? mulExact(mulExact(feeInKind, price), multiplier) : (venueFee ?? this.quote(order.symbol, quantity, price, multiplier, liquidity));
    this.ownVolume = addExact(this.ownVolume, mulExact(mulExact(quantity, price), multiplier));
    const before = order.filledQuantity;
    order.filledQuantity = addExact(before, quantity);
    // The average over this run's fills: an adopted order's earlier fills have no known price.
    const seen = this.filledBefore.size === 0 ? before : before - (this.filledBefore.get(order.id) ?? 0);
    order.fillPrice = seen === 0 ? price : (order.fillPrice * seen + price * quantity) / (seen + quantity);
    order.fee = addExact(order.fee, fee);
    order.filledTime = time;
    const complete = order.filledQuantity >= order.quantity;
    if (complete) {
      transition(order, 'filled');
      this.forgetPending(order.id);
    } else this.setWorkingStatus(order, 'partially_filled');
    const signed = sideSign(order.side) * quantity;
    const fill: Fill =
      feeInKind === undefined
        ? { orderId: order.id, symbol: order.symbol, time, quantity: signed, price, fee, liquidity }
        : { orderId: order.id, symbol: order.symbol, time, quantity: signed, price, fee, liquidity, feeInKind };
    this.fills.push(fill);
    this.sink.fill(order, fill);
    this.sink.event({ kind: complete ? 'filled' : 'partially_filled', time, order, reason: '', fill });
    if (complete) {
      this.end(order);
      this.sink.released(order);
      this.cancelSiblings(order, time);
      this.parentDone(order, time);
    } else {
      this.shrinkSiblings(order, quantity, time);
    }
  }

  triggered(orderId: number, time: Micros): void {
    const order = this.takeWorking(orderId);
    if (this.workingStatus(order) === 'accepted') this.setWorkingStatus(order, 'triggered');
    order.triggered = true;
    this.emit('triggered', order, time, '');
  }

  triggerMoved(orderId: number, triggerPrice: number): void {
    this.takeWorking(orderId).triggerPrice = triggerPrice;
  }

  expired(orderId: number, time: Micros): void {
    this.finish(this.takeWorking(orderId), time, 'expired', '');
  }

  cancelled(orderId: number, time: Micros, reason: CancelReason): void {
    // The venue cannot know why the manager sent a cancel: a partner's is 'oco', as when the venue withdraws it.
    const why = this.linkedCancels.has(orderId) ? 'oco' : reason;
    this.finish(this.takeWorking(orderId), time, 'cancelled', why);
  }

  cancelRejected(orderId: number, time: Micros, reason: AmendRejectReason): void {
    const o = this.live.get(orderId);
    if (o !== undefined) this.leavePending(o, 'pending_cancel');
    if (this.linkedCancels.size > 0) this.linkedCancels.delete(orderId);
    const known = o ?? this.get(orderId);
    if (known !== undefined) this.emit('cancel_rejected', known, time, reason);
  }

  modified(orderId: number, time: Micros, changes: OrderChanges): void {
    const order = this.live.get(orderId);
    if (order === undefined) return; // filled or cancelled while the request travelled
    this.leavePending(order, 'pending_modify');
    // Fills may have come while the request travelled: it is checked again against the order as it is now.
    const reason = this.checkChanges(order, changes);
    if (reason !== undefined) {
      this.emit('modify_rejected', order, time, reason);
      return;
    }
    this.applyChanges(order, changes, time);
  }

  modifyRejected(orderId: number, time: Micros, reason: AmendRejectReason): void {
    const o = this.live.get(orderId);
    if (o !== undefined) this.leavePending(o, 'pending_modify');
    const known = o ?? this.get(orderId);
    if (known !== undefined) this.emit('modify_rejected', known, time, reason);
  }

  /** An order ended: no request of it is pending any more. */
  private forgetPending(orderId: number): void {
    if (this.underlying.size > 0) this.underlying.delete(orderId);
    if (this.modifiesInFlight.size > 0) this.modifiesInFlight.delete(orderId);
    if (this.linkedCancels.size > 0) this.linkedCancels.delete(orderId);
  }

  // ------------------------------------------------------------ internals

  /**
   * Whether `n` more orders would go beyond maxOrders: then the first time
   * calls onOrderLimit, and every time counts the refusals (too many stop the run).
   */
  private overLimit(n: number, time: Micros): boolean {
    if (this.orderCount + n <= this.maxOrders) return false;
    if (this.notRecorded === 0) this.onOrderLimit?.(time);
    this.notRecorded += n;
    if (this.notRecorded > Math.max(this.maxOrders, MIN_REFUSALS_BEFORE_STOP)) {
      throw new InputError({
        code: 'invalid_strategy',
        message: `strategy keeps submitting orders after the max-orders kill switch: stopped (${this.maxOrders} orders recorded, then ${this.notRecorded} refused; raise --max-orders or fix the strategy)`,
      });
    }
    return true;
  }

  private create(req: NewOrder, time: Micros, referencePrice: number, contingency: Contingency, parentId: number): MutableOrder {
    const trailing = req.type === 'trailing_stop';
    const buy = req.side === 'buy';
    let trigger = req.triggerPrice;
    if (trailing && referencePrice > 0) {
      trigger = req.trailPercent > 0 ? mulExact(referencePrice, buy ? 1 + req.trailPercent : 1 - req.trailPercent) : buy ? referencePrice + req.trailOffset : referencePrice - req.trailOffset;
    }
    const id = this.made + 1;
    const order: MutableOrder = {
      id,
      clientOrderId: `${this.runId}-${id}`,
      venueOrderId: '',
      symbol: req.symbol,
      side: req.side,
      type: req.type,
      quantity: req.quantity,
      price: needsLimit(req.type) ? req.price : NaN,
      triggerPrice: needsTrigger(req.type) || trailing ? trigger : NaN,
      trailOffset: req.trailOffset,
      trailPercent: req.trailPercent,
      timeInForce: req.timeInForce,
      expireTime: req.expireTime,
      validBars: req.validBars,
      reduceOnly: req.reduceOnly,
      postOnly: req.postOnly,
      tag: req.tag,
      positionSide: req.positionSide,
      status: 'submitted',
      reason: '',
      createdTime: time,
      activatedTime: time,
      referencePrice,
      filledTime: NaN,
      filledQuantity: 0,
      cancelledQuantity: 0,
      fillPrice: NaN,
      fee: 0,
      contingency,
      parentId,
      ocoIds: NO_OCO_IDS,
      triggered: false,
    };
    this.made = id;
    this.multipliers.push(req.multiplier);
    this.live.add(order.id, order);
    return order;
  }

  /** Checks that do not depend on cash; `withMarket` adds those that need a market price now. */
  private validate(o: MutableOrder, time: Micros, withMarket: boolean): RejectReason | undefined {
    if (!(o.quantity > 0) || !Number.isFinite(o.quantity)) return 'invalid_quantity';
    if (needsLimit(o.type) && !(o.price > 0 && Number.isFinite(o.price))) return 'invalid_price';
    if (needsTrigger(o.type) && !(o.triggerPrice > 0 && Number.isFinite(o.triggerPrice))) return 'invalid_trigger';
    if (o.type === 'trailing_stop') {
      const byOffset = o.trailOffset > 0 && Number.isFinite(o.trailOffset);
      const byPercent = o.trailPercent > 0 && o.trailPercent < 1;
      if (byOffset === byPercent) return 'invalid_trigger';
    }
    if (o.timeInForce === 'gtd' && !Number.isFinite(o.expireTime)) return 'invalid_expiry';
    if (!(o.validBars >= 0) || !Number.isInteger(o.validBars)) return 'invalid_expiry';
    if (time > o.expireTime) return 'expired_on_submit';
    if (o.postOnly && o.type !== 'limit') return 'invalid_price';
    if (this.hedging ? o.positionSide === undefined : o.positionSide !== undefined) return this.hedging ? 'position_side_required' : 'position_side_not_allowed';
    if (!withMarket) return undefined;
    const ref = o.referencePrice;
    const needsRef = o.type === 'market' || o.type === 'market_on_open' || o.type === 'market_on_close' || o.type === 'trailing_stop';
    if (needsRef && !(ref > 0)) return 'no_market_data';
    if (o.reduceOnly) {
      const pos = this.positionOf(o);
      if (o.side === 'buy' ? pos >= 0 : pos <= 0) return 'reduce_only_would_increase';
    }
    if (this.hedging && closesPositionSide(o.side, o.positionSide) && exceedsClosable(o.quantity, this.closable(o))) return 'exceeds_position_side';
    if (o.postOnly && ref > 0 && (o.side === 'buy' ? o.price >= ref : o.price <= ref)) return 'post_only_would_take';
    return undefined;
  }

  /**
   * What an order that reduces a leg of a hedging account may still close:
   * the leg's quantity less the open quantity of the other working orders
   * that reduce the same leg (an OCO partner of the order does not count:
   * only one of them fills).
   */
  closable(o: Order): number {
    let open = 0;
    for (const w of this.live.values()) {
      if (w === o || w.symbol !== o.symbol || w.positionSide !== o.positionSide || w.side !== o.side || !isWorking(w.status)) continue;
      if (o.ocoIds.includes(w.id)) continue;
      open = addExact(open, w.quantity - w.filledQuantity);
    }
    return Math.max(0, Math.abs(this.positionOf(o)) - open);
  }

  /** The price an order is costed at before acceptance. */
  private costPrice(o: Order): number {
    switch (o.type) {
      case 'limit':
      case 'stop_limit':
      case 'limit_if_touched':
        return o.price;
      case 'stop':
      case 'market_if_touched':
        return o.triggerPrice;
      default:
        return o.referencePrice;
    }
  }

  /** Pre-trade checks, then the order goes to the venue (which answers accepted or rejected), or is rejected here. */
  private acceptOrReject(order: MutableOrder, time: Micros): void {
    let reason = this.validate(order, time, true);
    if (reason === undefined) {
      const price = this.costPrice(order);
      const multiplier = this.multiplierOf(order.id);
      const fee = this.quote(order.symbol, order.quantity, price, multiplier, 'taker');
      reason = this.check(order, sideSign(order.side) * order.quantity, price, fee);
    }
    if (reason !== undefined) {
      this.reject(order, time, reason);
      return;
    }
    if (order.status === 'held') transition(order, 'submitted');
    this.requireVenue().submit(order, time);
  }

  private hold(order: MutableOrder, parentId: number): void {
    transition(order, 'held');
    const list = this.children.get(parentId) ?? [];
    list.push(order.id);
    this.children.set(parentId, list);
  }

  private reject(order: MutableOrder, time: Micros, reason: RejectReason): void {
    transition(order, 'rejected');
    order.reason = reason;
    order.cancelledQuantity = order.quantity;
    this.end(order);
    this.emit('rejected', order, time, reason);
    this.sink.released(order);
    this.parentDone(order, time);
  }

  /**
   * Ends a live order as cancelled or expired, with what follows for linked
   * orders: its OCO partners are cancelled unless `withPartners` is false.
   */
  private finish(order: MutableOrder, time: Micros, status: 'cancelled' | 'expired', reason: string, withPartners = true): void {
    transition(order, status);
    this.forgetPending(order.id);
    order.reason = reason;
    order.cancelledQuantity = order.quantity - order.filledQuantity;
    this.end(order);
    this.emit(status, order, time, reason);
    this.sink.released(order);
    if (withPartners) this.cancelSiblings(order, time);
    this.parentDone(order, time);
  }

  /** An order reached a final state: it leaves the live orders for the records. */
  private end(order: MutableOrder): void {
    this.live.delete(order.id);
    this.keep(order);
  }

  private keep(order: Order): void {
    this.records.put(order, this.adopted.size === 0 || this.adopted.get(order.clientOrderId) !== order.id);
  }

  // Index loops over ocoIds: these run for every fill, and a for-of that V8 does not inline allocates an iterator.
  private cancelSiblings(order: Order, time: Micros): void {
    const ids = order.ocoIds;
    for (let i = 0; i < ids.length; i++) {
      const s = this.live.get(ids[i] as number);
      if (s === undefined) continue;
      if (!this.pull(s, time)) continue;
      this.finish(s, time, 'cancelled', 'oco');
    }
  }

  /**
   * One-updates-other: a partial fill of one member takes the same quantity
   * off the others. A member left with nothing is cancelled on its own: the
   * order that is filling keeps working, and the other members are shrunk
   * here too.
   */
  private shrinkSiblings(order: Order, quantity: number, time: Micros): void {
    const ids = order.ocoIds;
    for (let i = 0; i < ids.length; i++) {
      const s = this.live.get(ids[i] as number);
      if (s === undefined) continue;
      const q = s.quantity - quantity;
      if (q <= s.filledQuantity) {
        if (!this.pull(s, time)) continue;
        this.finish(s, time, 'cancelled', 'oco', false);
      } else {
        s.quantity = q;
        this.emit('updated', s, time, '');
      }
    }
  }

  /**
   * Takes a linked order off the venue for the manager's own reasons (its
   * partner filled): true when it is off at once (the venue withdrew it, or
   * it was not at the venue: held); false when the venue will tell its fate
   * (it had already moved on it, or it has no withdraw and gets a cancel
   * request).
   */
  private pull(o: MutableOrder, time: Micros): boolean {
    if (!isWorking(o.status) && o.status !== 'submitted') return true;
    const venue = this.requireVenue();
    if (venue.withdraw !== undefined) return venue.withdraw(o.id);
    if (o.status !== 'pending_cancel' && this.cancel(o.id, time)) this.linkedCancels.add(o.id);
    return false;
  }

  /** A parent reached a final state: its held children arm (with the filled quantity) or go. */
  private parentDone(parent: Order, time: Micros): void {
    const kids = this.children.get(parent.id);
    if (kids === undefined) return;
    if (parent.filledQuantity > 0) {
      for (const id of kids) {
        const child = this.live.get(id);
        if (child !== undefined && child.quantity > parent.filledQuantity) child.quantity = parent.filledQuantity;
      }
      this.armAfter.set(parent.id, time);
      return;
    }
    this.children.delete(parent.id);
    for (const id of kids) {
      const child = this.live.get(id);
      if (child === undefined) continue;
      if (parent.status === 'rejected') this.reject(child, time, 'parent_rejected');
      else this.finish(child, time, 'cancelled', 'parent_cancelled');
    }
  }

  private checkChanges(o: Order, c: OrderChanges): string | undefined {
    if (c.price !== undefined && (!needsLimit(o.type) || !(c.price > 0))) return 'invalid_price';
    if (c.triggerPrice !== undefined && (!needsTrigger(o.type) || !(c.triggerPrice > 0))) return 'invalid_trigger';
    if (c.quantity !== undefined && !(c.quantity > o.filledQuantity && Number.isFinite(c.quantity))) return 'invalid_quantity';
    if (c.price === undefined && c.triggerPrice === undefined && c.quantity === undefined) return 'not_modifiable';
    return undefined;
  }

  private applyChanges(order: MutableOrder, c: OrderChanges, time: Micros): void {
    if (c.price !== undefined) order.price = c.price;
    if (c.triggerPrice !== undefined) order.triggerPrice = c.triggerPrice;
    if (c.quantity !== undefined) order.quantity = c.quantity;
    this.emit('updated', order, time, '');
  }

  private takeWorking(orderId: number): MutableOrder {
    const order = this.live.get(orderId);
    if (order === undefined || !isWorking(order.status)) throw new InvariantError(`venue reported on order ${orderId}, which is not working`);
    return order;
  }

  /** The fee model's quote, through one reused parameter object (fee models are pure and keep nothing). */
  private quote(symbol: string, quantity: number, price: number, multiplier: number, liquidity: Liquidity): number {
    const p = this.feeParams;
    p.symbol = symbol;
    p.quantity = quantity;
    p.price = price;
    p.multiplier = multiplier;
    p.liquidity = liquidity;
    p.tradedVolume = this.tradedVolume();
    return this.fees.fee(p);
  }

  private readonly feeParams: { -readonly [K in keyof FeeParams]: FeeParams[K] } = {
    symbol: '',
    quantity: 0,
    price: 0,
    multiplier: 1,
    liquidity: 'taker',
    tradedVolume: 0,
  };

  private multiplierOf(id: number): number {
    return id >= 1 && id <= this.multipliers.length ? this.multipliers.get(id - 1) : 1;
  }

  private requireVenue(): ManagedVenue {
    if (this.venue === undefined) throw new InvariantError('order manager has no venue');
    return this.venue;
  }

  private emit(kind: OrderEventKind, order: Order, time: Micros, reason: string): void {
    this.sink.event({ kind, time, order, reason });
  }
}

/** A submission refused after the max-orders cap: an order that is never recorded (id 0), for the caller only. */
function notRecorded(req: NewOrder, time: Micros, referencePrice: number): Order {
  return draftOrder({
    symbol: req.symbol,
    side: req.side,
    type: req.type,
    quantity: req.quantity,
    price: needsLimit(req.type) ? req.price : NaN,
    triggerPrice: needsTrigger(req.type) ? req.triggerPrice : NaN,
    trailOffset: req.trailOffset,
    trailPercent: req.trailPercent,
    timeInForce: req.timeInForce,
    expireTime: req.expireTime,
    validBars: req.validBars,
    reduceOnly: req.reduceOnly,
    postOnly: req.postOnly,
    tag: req.tag,
    positionSide: req.positionSide,
    status: 'rejected',
    reason: 'max_orders',
    createdTime: time,
    referencePrice,
    cancelledQuantity: req.quantity,
  });
}
