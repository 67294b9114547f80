import { SimulatedExchange, type SimulatedExchangeOptions, type VenueInstrument } from '../../src/execution/simulated-exchange.js';
import type { ExecutionClient, ExecutionReports, MarketDataSink, OrderChanges } from '../../src/model/execution.js';
import type { BarRow, BidAskBar } from '../../src/model/market.js';
import type { OrderBook } from '../../src/model/order-book.js';
import type { MutableOrder, Order } from '../../src/model/order.js';

/**
 * A venue whose answers come out of step with the kernel's calls, as a live
 * gateway's do: it matches like the SimulatedExchange it wraps (same fill
 * rules, so it mimics it), but every report (acknowledgement, fill, cancel)
 * waits in an inbox until the kernel polls. Requests reach the matching
 * engine at once.
 */
export class AsyncVenue implements ExecutionClient, MarketDataSink {
  readonly inner: SimulatedExchange;
  /** Reports delivered so far, and polls that found some. */
  delivered = 0;
  polls = 0;
  private reports: ExecutionReports | undefined;
  private readonly inbox: (() => void)[] = [];
  /** The venue's own copies of the orders it works: what it did applies to them at once, to the kernel's when polled. */
  private readonly copies = new Map<number, MutableOrder>();

  constructor(instruments: readonly VenueInstrument[], options: SimulatedExchangeOptions = {}) {
    const later =
      <A extends unknown[]>(f: (r: ExecutionReports, ...a: A) => void, own?: (o: MutableOrder, ...a: A) => void) =>
      (...a: A): void => {
        const copy = this.copies.get(a[0] as number);
        if (own !== undefined && copy !== undefined) own(copy, ...a);
        this.inbox.push(() => f(this.reports as ExecutionReports, ...a));
      };
    const buffered: ExecutionReports = {
      accepted: later((r, id: number, venueId: string, t: number) => r.accepted(id, venueId, t)),
      rejected: later((r, id: number, t: number, reason: Parameters<ExecutionReports['rejected']>[2]) => r.rejected(id, t, reason)),
      filled: later(
        (r, id: number, t: number, q: number, p: number, l: Parameters<ExecutionReports['filled']>[4]) => r.filled(id, t, q, p, l),
        (o, _id, _t, q) => {
          o.filledQuantity += q;
        },
      ),
      triggered: later(
        (r, id: number, t: number) => r.triggered(id, t),
        (o) => {
          o.triggered = true;
        },
      ),
      triggerMoved: later(
        (r, id: number, p: number) => r.triggerMoved(id, p),
        (o, _id, p) => {
          o.triggerPrice = p;
        },
      ),
      expired: later((r, id: number, t: number) => r.expired(id, t)),
      cancelled: later((r, id: number, t: number, reason: Parameters<ExecutionReports['cancelled']>[2]) => r.cancelled(id, t, reason)),
      cancelRejected: later((r, id: number, t: number, reason: Parameters<ExecutionReports['cancelRejected']>[2]) => r.cancelRejected(id, t, reason)),
      modified: later(
        (r, id: number, t: number, c: OrderChanges) => r.modified(id, t, c),
        (o, _id, _t, c) => {
          if (c.price !== undefined) o.price = c.price;
          if (c.triggerPrice !== undefined) o.triggerPrice = c.triggerPrice;
          if (c.quantity !== undefined) o.quantity = c.quantity;
        },
      ),
      modifyRejected: later((r, id: number, t: number, reason: Parameters<ExecutionReports['modifyRejected']>[2]) => r.modifyRejected(id, t, reason)),
    };
    this.inner = new SimulatedExchange(instruments, buffered, options);
  }

  /** Reports not yet handed over. */
  get waiting(): number {
    return this.inbox.length;
  }

  connect(reports: ExecutionReports): void {
    this.reports = reports;
  }

  submit(order: Order, time: number): void {
    const copy: MutableOrder = { ...order, ocoIds: [...order.ocoIds] };
    this.copies.set(order.id, copy);
    this.inner.submit(copy, time);
  }

  cancel(orderId: number, time: number): void {
    this.inner.cancel(orderId, time);
  }

  modify(orderId: number, changes: OrderChanges, time: number): void {
    this.inner.modify(orderId, changes, time);
  }

  withdraw(orderId: number): boolean {
    return this.inner.withdraw(orderId);
  }

  link(orderIds: readonly number[]): void {
    this.inner.link(orderIds);
  }

  poll(): void {
    if (this.inbox.length === 0) return;
    this.polls++;
    // Handing one over may lead to new requests, whose answers wait for the next poll.
    const now = this.inbox.splice(0);
    for (const deliver of now) deliver();
    this.delivered += now.length;
  }

  beforeData(symbolIdx: number, time: number): void {
    this.inner.beforeData(symbolIdx, time);
  }
  onBarRow(symbolIdx: number, bar: BarRow): void {
    this.inner.onBarRow(symbolIdx, bar);
  }
  onBidAskBar(symbolIdx: number, bar: BidAskBar): void {
    this.inner.onBidAskBar(symbolIdx, bar);
  }
  onQuote(symbolIdx: number, time: number, bid: number, ask: number, bidSize: number, askSize: number): void {
    this.inner.onQuote(symbolIdx, time, bid, ask, bidSize, askSize);
  }
  onTrade(symbolIdx: number, time: number, price: number, size: number): void {
    this.inner.onTrade(symbolIdx, time, price, size);
  }
  onBookLevel(symbolIdx: number, side: number, price: number): void {
    this.inner.onBookLevel(symbolIdx, side, price);
  }
  onBook(symbolIdx: number, time: number, book: OrderBook): void {
    this.inner.onBook(symbolIdx, time, book);
  }
}
