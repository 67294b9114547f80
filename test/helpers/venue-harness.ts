/**
 * An OrderManager wired to a venue, driven the way the trading kernel drives
 * them (src/kernel/kernel.ts), without a portfolio or a strategy: tests of
 * the venue port (src/execution/venue.contract.test.ts) submit, cancel and
 * modify here and feed market data; the harness records every order event
 * (with the order's state at that moment), every fill and every request that
 * reached the venue, and checks the invariants every venue must keep.
 */
import { NoFee } from '../../src/execution/models/fee.js';
import { NEW_ORDER_DEFAULTS, OrderManager, type NewOrder, type PreTradeCheck } from '../../src/execution/order-manager.js';
import type { Fill, OrderEventKind } from '../../src/model/events.js';
import type { ExecutionClient, MarketDataSink, OrderChanges } from '../../src/model/execution.js';
import { ORDER_TRANSITIONS, isLive, type Order, type OrderStatus } from '../../src/model/order.js';

export const MINUTE = 60_000_000;
/** 2024-01-02 14:30 UTC, in µs: the first bar of the harness's clock. */
export const T0 = Date.UTC(2024, 0, 2, 14, 30) * 1000;
/** Time of the i-th one-minute bar from T0. */
export const at = (i: number): number => T0 + i * MINUTE;

/** The market data side of a venue that takes none (a live exchange has its own). */
export const NO_MARKET_DATA: MarketDataSink = {
  beforeData: () => {},
  onBarRow: () => {},
  onBidAskBar: () => {},
  onQuote: () => {},
  onTrade: () => {},
  onBookLevel: () => {},
  onBook: () => {},
};

/** A venue under test: the port, and the market data it simulates on. */
export interface VenueUnderTest {
  readonly client: ExecutionClient;
  readonly data: MarketDataSink;
}

/** One order event, with the order as it was when the event came. */
export interface SeenEvent {
  readonly kind: OrderEventKind;
  readonly id: number;
  readonly time: number;
  readonly status: OrderStatus;
  readonly reason: string;
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly price: number;
  readonly quantity: number;
  /** The fill's unsigned quantity and price (partially_filled, filled), else NaN. */
  readonly fillQuantity: number;
  readonly fillPrice: number;
  /** The order's open quantity before this fill, else NaN. */
  readonly openBefore: number;
}

/** A resolved order with defaults: market, gtc, no flags, multiplier 1, on the first symbol. */
export function newOrder(fields: Partial<NewOrder> & Pick<NewOrder, 'side' | 'quantity'>): NewOrder {
  return { ...NEW_ORDER_DEFAULTS, symbol: 'AAA', ...fields };
}

const FINAL: ReadonlySet<OrderEventKind> = new Set(['filled', 'cancelled', 'expired', 'rejected']);

export interface HarnessOptions {
  readonly symbols?: readonly string[];
  /** Pre-trade check (default: everything passes). */
  readonly check?: PreTradeCheck;
  readonly runId?: string;
}

export class VenueHarness {
  readonly orders: OrderManager;
  readonly events: SeenEvent[] = [];
  readonly fills: Fill[] = [];
  /** What reached the venue: `submit 1`, `cancel 1`, `modify 1`, `withdraw 1`, `link 1 2`. */
  readonly requests: string[] = [];
  /** The time of the latest data (commands are sent at it unless told otherwise). */
  now = NaN;
  private lastPrice = 100;
  private readonly runId: string;
  private readonly symbols: readonly string[];
  private readonly client: ExecutionClient;
  private readonly data: MarketDataSink;

  constructor(venue: VenueUnderTest, options: HarnessOptions = {}) {
    this.symbols = options.symbols ?? ['AAA'];
    this.runId = options.runId ?? 'QF';
    this.client = venue.client;
    this.data = venue.data;
    const inner = venue.client;
    const log = this.requests;
    const recording: ExecutionClient = {
      connect: (reports) => inner.connect(reports),
      submit: (order, time) => {
        log.push(`submit ${order.id}`);
        inner.submit(order, time);
      },
      cancel: (id, time) => {
        log.push(`cancel ${id}`);
        inner.cancel(id, time);
      },
      modify: (id, changes, time) => {
        log.push(`modify ${id}`);
        inner.modify(id, changes, time);
      },
      ...(inner.withdraw !== undefined
        ? {
            withdraw: (id: number) => {
              log.push(`withdraw ${id}`);
              return (inner.withdraw as (id: number) => boolean).call(inner, id);
            },
          }
        : {}),
      ...(inner.link !== undefined
        ? {
            link: (ids: readonly number[], time: number) => {
              log.push(`link ${ids.join(' ')}`);
              (inner.link as (ids: readonly number[], time: number) => void).call(inner, ids, time);
            },
          }
        : {}),
      ...(inner.poll !== undefined ? { poll: () => (inner.poll as () => void).call(inner) } : {}),
    };
    let openBefore = NaN;
    this.orders = new OrderManager(
      new NoFee(),
      options.check ?? (() => undefined),
      {
        event: (e) => {
          const fill = e.fill;
          this.events.push({
            kind: e.kind,
            id: e.order.id,
            time: e.time,
            status: e.order.status,
            reason: e.reason,
            clientOrderId: e.order.clientOrderId,
            venueOrderId: e.order.venueOrderId,
            price: e.order.price,
            quantity: e.order.quantity,
            fillQuantity: fill === undefined ? NaN : Math.abs(fill.quantity),
            fillPrice: fill === undefined ? NaN : fill.price,
            openBefore: fill === undefined ? NaN : openBefore,
          });
        },
        fill: (order, fill) => {
          // Called after the fill is recorded on the order: what was open before it.
          openBefore = order.quantity - order.filledQuantity + Math.abs(fill.quantity);
          this.fills.push(fill);
        },
        released: () => {},
      },
      options.runId !== undefined ? { runId: options.runId } : {},
    );
    this.orders.connect(recording);
  }

  // ------------------------------------------------------------ commands, at `now` unless told

  submit(fields: Partial<NewOrder> & Pick<NewOrder, 'side' | 'quantity'>, time = this.now, parent?: Order): Order {
    return this.orders.submit(newOrder(fields), time, this.lastPrice, parent);
  }

  bracket(
    entry: Partial<NewOrder> & Pick<NewOrder, 'side' | 'quantity'>,
    stopLoss: Partial<NewOrder> & Pick<NewOrder, 'side' | 'quantity'>,
    takeProfit: Partial<NewOrder> & Pick<NewOrder, 'side' | 'quantity'>,
    time = this.now,
  ): [Order, Order, Order] {
    return this.orders.bracket(newOrder(entry), newOrder(stopLoss), newOrder(takeProfit), time, this.lastPrice);
  }

  cancel(id: number, time = this.now): boolean {
    return this.orders.cancel(id, time);
  }

  modify(id: number, changes: OrderChanges, time = this.now): boolean {
    return this.orders.modify(id, changes, time);
  }

  // ------------------------------------------------------------ market data, in the kernel's order

  /**
   * A bar: reports that arrived, requests that reached the venue, held
   * children arm, the venue's broker phase, then (unless `pollAfter` is
   * false: a gateway whose answers are still on their way) the reports of
   * what it did.
   */
  bar(time: number, open: number, high: number, low: number, close: number, volume = 1_000_000, symbol = 'AAA', pollAfter = true): void {
    const idx = this.before(symbol, time);
    this.data.onBarRow(idx, Float64Array.of(time, open, high, low, close, volume));
    this.after(pollAfter);
    this.lastPrice = close;
  }

  quote(time: number, bid: number, ask: number, bidSize = 1_000_000, askSize = 1_000_000, symbol = 'AAA'): void {
    const idx = this.before(symbol, time);
    this.data.onQuote(idx, time, bid, ask, bidSize, askSize);
    this.after(true);
    this.lastPrice = (bid + ask) / 2;
  }

  trade(time: number, price: number, size = 1_000_000, symbol = 'AAA'): void {
    const idx = this.before(symbol, time);
    this.data.onTrade(idx, time, price, size);
    this.after(true);
    this.lastPrice = price;
  }

  /** The end of a time step: whatever the venue has reported by now comes in. */
  poll(): void {
    this.client.poll?.();
  }

  private before(symbol: string, time: number): number {
    const idx = this.symbols.indexOf(symbol);
    if (idx < 0) throw new Error(`harness has no symbol ${symbol}`);
    this.now = time;
    this.client.poll?.();
    this.data.beforeData(idx, time);
    this.orders.beforeData(symbol, time);
    return idx;
  }

  private after(poll: boolean): void {
    if (poll) this.client.poll?.();
  }

  // ------------------------------------------------------------ what happened

  order(id: number): Order {
    const o = this.orders.get(id);
    if (o === undefined) throw new Error(`no order ${id}`);
    return o;
  }

  eventsOf(id: number): SeenEvent[] {
    return this.events.filter((e) => e.id === id);
  }

  /** `kind` or `kind reason` per event of the order. */
  kinds(id: number): string[] {
    return this.eventsOf(id).map((e) => (e.reason === '' ? e.kind : `${e.kind} ${e.reason}`));
  }

  fillsOf(id: number): [number, number][] {
    return this.fills.filter((f) => f.orderId === id).map((f) => [Math.abs(f.quantity), f.price]);
  }

  /**
   * What every venue must keep, as a list of broken rules (empty when all
   * hold): filled + open + cancelled = ordered; the fills of an order add up
   * to its filled quantity, none beyond what was open; no event but a
   * refused amendment after a final one, and at most one final event;
   * statuses follow ORDER_TRANSITIONS (an arming or a returning step may
   * come without an event); client order ids stable and unique; venue order
   * ids set once accepted, unchanged, unique; at most one member of an OCO
   * group filled.
   */
  violations(): string[] {
    const out: string[] = [];
    const venueIds = new Map<string, number>();
    const clientIds = new Set<string>();
    for (const o of this.orders.orders) {
      const open = isLive(o.status) ? o.quantity - o.filledQuantity : 0;
      if (o.filledQuantity + open + o.cancelledQuantity !== o.quantity) {
        out.push(`order ${o.id}: filled ${o.filledQuantity} + open ${open} + cancelled ${o.cancelledQuantity} != ${o.quantity}`);
      }
      const filled = this.fills.filter((f) => f.orderId === o.id).reduce((s, f) => s + Math.abs(f.quantity), 0);
      if (filled !== o.filledQuantity) out.push(`order ${o.id}: fills add up to ${filled}, filled quantity is ${o.filledQuantity}`);
      if (o.clientOrderId !== `${this.runId}-${o.id}` || clientIds.has(o.clientOrderId)) out.push(`order ${o.id}: client order id '${o.clientOrderId}'`);
      clientIds.add(o.clientOrderId);
      const seen = this.eventsOf(o.id);
      let final: SeenEvent | undefined;
      let prev: OrderStatus | undefined;
      let venueId = '';
      for (const e of seen) {
        if (final !== undefined && e.kind !== 'cancel_rejected' && e.kind !== 'modify_rejected') out.push(`order ${o.id}: ${e.kind} after ${final.kind}`);
        if (FINAL.has(e.kind)) final = e;
        if (e.clientOrderId !== o.clientOrderId) out.push(`order ${o.id}: client order id changed to '${e.clientOrderId}'`);
        if (e.kind === 'accepted') {
          if (e.venueOrderId === '') out.push(`order ${o.id}: accepted without a venue order id`);
          venueId = e.venueOrderId;
        } else if (venueId !== '' && e.venueOrderId !== venueId) out.push(`order ${o.id}: venue order id changed from '${venueId}' to '${e.venueOrderId}'`);
        if (e.fillQuantity === e.fillQuantity && !(e.fillQuantity > 0 && e.fillQuantity <= e.openBefore)) {
          out.push(`order ${o.id}: fill of ${e.fillQuantity} with ${e.openBefore} open`);
        }
        if (prev !== undefined && prev !== e.status && !reachable(prev, e.status)) out.push(`order ${o.id}: ${prev} -> ${e.status} (${e.kind})`);
        prev = e.status;
      }
      if (seen.filter((e) => FINAL.has(e.kind)).length > 1) out.push(`order ${o.id}: ${seen.filter((e) => FINAL.has(e.kind)).length} final events`);
      if (seen.filter((e) => e.kind === 'accepted').length > 1) out.push(`order ${o.id}: accepted twice`);
      if (final !== undefined && final.status !== o.status) out.push(`order ${o.id}: final event ${final.kind} but status ${o.status}`);
      if (venueId !== '') {
        const other = venueIds.get(venueId);
        if (other !== undefined) out.push(`orders ${other} and ${o.id}: same venue order id '${venueId}'`);
        venueIds.set(venueId, o.id);
        if (o.venueOrderId !== venueId) out.push(`order ${o.id}: venue order id '${o.venueOrderId}', accepted as '${venueId}'`);
      }
      if (o.ocoIds.length > 0) {
        const group = [o.id, ...o.ocoIds];
        const filledMembers = group.filter((id) => this.orders.get(id)?.status === 'filled');
        if (filledMembers.length > 1) out.push(`OCO group ${group.join(',')}: ${filledMembers.join(' and ')} filled`);
      }
    }
    return [...new Set(out)];
  }
}

/** Whether `to` follows `from` in the transition table, directly or through one step without an event. */
function reachable(from: OrderStatus, to: OrderStatus): boolean {
  const next = ORDER_TRANSITIONS[from];
  return next.includes(to) || next.some((m) => ORDER_TRANSITIONS[m].includes(to));
}
