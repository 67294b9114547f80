import { InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import type { OrderEvent, OrderEventKind } from '../model/events.js';
import type { ExecutionClient, ExecutionReports } from '../model/execution.js';
import type { MutableOrder, Order, OrderSide, OrderType, RejectReason } from '../model/order.js';
import { isLive, sideSign, transition } from '../model/order.js';
import type { FeeModel } from './models/fee.js';

/** A resolved order request: symbol known, expiry in µs (NaN for none), price NaN for market. */
export interface NewOrder {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  readonly price: number;
  readonly expireTime: Micros;
  readonly tag: string;
  readonly multiplier: number;
}

/**
 * Decides, before acceptance, whether an order may go to the venue. Returns
 * a reason to reject, or undefined. `referencePrice` is the price the order is
 * costed at; `fee` its fee at that price.
 */
export type PreTradeCheck = (order: Order, signedQuantity: number, referencePrice: number, fee: number) => RejectReason | undefined;

/** Where the order manager sends what happened. */
export interface OrderSink {
  event(event: OrderEvent): void;
  /** An execution, already recorded on the order; quantity signed. */
  fill(order: Order, quantity: number, price: number, fee: number, time: Micros): void;
}

/**
 * Owns every order's record and lifecycle: submitted -> accepted | rejected
 * -> filled | cancelled | expired, each step an event. Venues only report.
 */
export class OrderManager implements ExecutionReports {
  readonly orders: MutableOrder[] = [];
  private readonly live = new Map<number, MutableOrder>();
  private readonly multipliers = new Map<number, number>();
  private venue: ExecutionClient | undefined;

  constructor(
    private readonly fees: FeeModel,
    private readonly check: PreTradeCheck,
    private readonly sink: OrderSink,
  ) {}

  connect(venue: ExecutionClient): void {
    this.venue = venue;
  }

  /** Creates the order, runs the pre-trade check, then accepts (and hands it to the venue) or rejects it. */
  submit(req: NewOrder, time: Micros, referencePrice: number): Order {
    const order: MutableOrder = {
      id: this.orders.length + 1,
      symbol: req.symbol,
      side: req.side,
      type: req.type,
      quantity: req.quantity,
      price: req.price,
      expireTime: req.expireTime,
      tag: req.tag,
      status: 'submitted',
      reason: '',
      createdTime: time,
      filledTime: NaN,
      filledQuantity: 0,
      fillPrice: NaN,
      fee: 0,
    };
    this.orders.push(order);
    this.multipliers.set(order.id, req.multiplier);
    this.emit('submitted', order, time, '');

    const reason = this.validate(order, time, referencePrice);
    if (reason !== undefined) {
      transition(order, 'rejected');
      order.reason = reason;
      this.emit('rejected', order, time, reason);
      return order;
    }
    transition(order, 'accepted');
    this.live.set(order.id, order);
    this.emit('accepted', order, time, '');
    this.requireVenue().submit(order);
    return order;
  }

  cancel(orderId: number, time: Micros): boolean {
    const order = this.live.get(orderId);
    if (order === undefined) return false;
    if (!this.requireVenue().cancel(orderId)) return false;
    this.live.delete(orderId);
    transition(order, 'cancelled');
    order.reason = 'user';
    this.emit('cancelled', order, time, 'user');
    return true;
  }

  liveOrders(): IterableIterator<MutableOrder> {
    return this.live.values();
  }

  get liveCount(): number {
    return this.live.size;
  }

  filled(orderId: number, time: Micros, price: number): void {
    const order = this.takeLive(orderId);
    const fee = this.fees.fee({ symbol: order.symbol, quantity: order.quantity, price, multiplier: this.multiplierOf(order.id) });
    transition(order, 'filled');
    order.filledTime = time;
    order.filledQuantity = order.quantity;
    order.fillPrice = price;
    order.fee = fee;
    this.sink.fill(order, sideSign(order.side) * order.quantity, price, fee, time);
    this.emit('filled', order, time, '');
  }

  expired(orderId: number, time: Micros): void {
    const order = this.takeLive(orderId);
    transition(order, 'expired');
    this.emit('expired', order, time, '');
  }

  /** Cost of an order at a price, for pre-trade checks. */
  feeAt(order: Order, price: number): number {
    return this.fees.fee({ symbol: order.symbol, quantity: order.quantity, price, multiplier: this.multiplierOf(order.id) });
  }

  private validate(order: MutableOrder, time: Micros, referencePrice: number): RejectReason | undefined {
    if (!(order.quantity > 0) || !Number.isFinite(order.quantity)) return 'invalid_quantity';
    if (order.type !== 'market' && !(order.price > 0 && Number.isFinite(order.price))) return 'invalid_price';
    if (time > order.expireTime) return 'expired_on_submit';
    if (!(referencePrice > 0)) return 'no_market_data';
    return this.check(order, sideSign(order.side) * order.quantity, referencePrice, this.feeAt(order, referencePrice));
  }

  private takeLive(orderId: number): MutableOrder {
    const order = this.live.get(orderId);
    if (order === undefined || !isLive(order.status)) throw new InvariantError(`venue reported on order ${orderId}, which is not live`);
    this.live.delete(orderId);
    return order;
  }

  private multiplierOf(id: number): number {
    return this.multipliers.get(id) ?? 1;
  }

  private requireVenue(): ExecutionClient {
    if (this.venue === undefined) throw new InvariantError('order manager has no venue');
    return this.venue;
  }

  private emit(kind: OrderEventKind, order: Order, time: Micros, reason: string): void {
    this.sink.event({ kind, time, order, reason });
  }
}
