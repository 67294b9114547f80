import type { Micros } from '../../src/core/time.js';
import type { LiveVenue, LiveVenueStart } from '../../src/live/live-venue.js';
import type { ExecutionReports, OrderChanges } from '../../src/model/execution.js';
import type { Instrument } from '../../src/model/instrument.js';
import type { Order } from '../../src/model/order.js';

/**
 * A live venue for tests: it opens with a chosen LiveVenueStart and answers
 * out of step with the kernel, as a live gateway does (every report waits
 * until the kernel polls). Orders are accepted; a market order fills at
 * `marketPrice()`, a limit order at its limit when `fillLimits` is set; a
 * cancel is granted. Everything asked of it is recorded.
 */
export class ScriptedLiveVenue implements LiveVenue {
  readonly submitted: Order[] = [];
  readonly cancelled: number[] = [];
  readonly adopted: [string, number][] = [];
  opened: readonly Instrument[] | undefined;
  closed = 0;
  polls = 0;
  fillLimits = false;
  /** The price market orders fill at (the test moves it). */
  marketPrice: () => number = () => 100;
  private reports: ExecutionReports | undefined;
  private readonly inbox: ((r: ExecutionReports) => void)[] = [];
  private venueIds = 5000;

  constructor(private readonly start: LiveVenueStart, private readonly now: () => Micros = () => Date.now() * 1000) {}

  open(instruments: readonly Instrument[]): Promise<LiveVenueStart> {
    this.opened = instruments;
    return Promise.resolve(this.start);
  }

  adopt(clientOrderId: string, orderId: number): void {
    this.adopted.push([clientOrderId, orderId]);
  }

  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }

  connect(reports: ExecutionReports): void {
    this.reports = reports;
  }

  submit(order: Order): void {
    if (this.reports === undefined) throw new Error('submit before connect');
    if (this.closed > 0) throw new Error('submit after close');
    this.submitted.push(order);
    const id = order.id;
    const venueId = String(++this.venueIds);
    const quantity = order.quantity;
    const price = order.type === 'market' ? this.marketPrice() : order.price;
    const fills = order.type === 'market' || (this.fillLimits && order.type === 'limit');
    this.inbox.push((r) => r.accepted(id, venueId, this.now()));
    if (fills) this.inbox.push((r) => r.filled(id, this.now(), quantity, price, order.type === 'market' ? 'taker' : 'maker'));
  }

  cancel(orderId: number): void {
    this.cancelled.push(orderId);
    this.inbox.push((r) => r.cancelled(orderId, this.now(), 'user'));
  }

  modify(orderId: number, _changes: OrderChanges): void {
    this.inbox.push((r) => r.modifyRejected(orderId, this.now(), 'not_supported' as never));
  }

  /** An exchange-side fill of order `orderId` (an adopted order's, say), delivered at the next poll. */
  fill(orderId: number, quantity: number, price: number): void {
    this.inbox.push((r) => r.filled(orderId, this.now(), quantity, price, 'maker'));
  }

  poll(): void {
    this.polls++;
    if (this.inbox.length === 0 || this.reports === undefined) return;
    const now = this.inbox.splice(0);
    for (const deliver of now) deliver(this.reports);
  }
}
