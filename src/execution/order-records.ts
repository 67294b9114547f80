import { RecordRows } from '../core/record-rows.js';
import type { Micros } from '../core/time.js';
import type { Contingency, MutableOrder, Order, OrderSide, OrderStatus, OrderType, PositionSide, TimeInForce } from '../model/order.js';

// The doubles of an order's row.
const ID = 0;
const QUANTITY = 1;
const PRICE = 2;
const TRIGGER_PRICE = 3;
const TRAIL_OFFSET = 4;
const TRAIL_PERCENT = 5;
const EXPIRE_TIME = 6;
const VALID_BARS = 7;
const CREATED_TIME = 8;
const ACTIVATED_TIME = 9;
const REFERENCE_PRICE = 10;
const FILLED_TIME = 11;
const FILLED_QUANTITY = 12;
const CANCELLED_QUANTITY = 13;
const FILL_PRICE = 14;
const FEE = 15;
const PARENT_ID = 16;
const NUMBERS = 17;

// Its references (strings are shared, not copied: a pointer each).
const CLIENT_ORDER_ID = 0;
const VENUE_ORDER_ID = 1;
const SYMBOL = 2;
const SIDE = 3;
const TYPE = 4;
const TIME_IN_FORCE = 5;
const REDUCE_ONLY = 6;
const POST_ONLY = 7;
const TAG = 8;
const POSITION_SIDE = 9;
const STATUS = 10;
const REASON = 11;
const CONTINGENCY = 12;
const OCO_IDS = 13;
const TRIGGERED = 14;
const REFS = 15;

/**
 * The orders of a run that have ended (or their state when a result was
 * taken), as rows by id: what a run keeps of each order once it no longer
 * works. `at(id)` gives an order object equal to the one the run had.
 *
 * Client order ids of the form `<runId>-<id>` (every order the run made
 * itself) are not stored: `at` makes them again.
 */
export class OrderRecords {
  private readonly rows = new RecordRows(NUMBERS, REFS);
  private readonly prefix: string;

  constructor(runId: string) {
    this.prefix = `${runId}-`;
  }

  /** Writes the order's current state at its id's row; `ownClientId`: its client order id is `<runId>-<id>`. */
  put(o: Order, ownClientId: boolean): void {
    const rows = this.rows;
    rows.seek(o.id - 1);
    const f = rows.num;
    const n = rows.numAt;
    f[n + ID] = o.id;
    f[n + QUANTITY] = o.quantity;
    f[n + PRICE] = o.price;
    f[n + TRIGGER_PRICE] = o.triggerPrice;
    f[n + TRAIL_OFFSET] = o.trailOffset;
    f[n + TRAIL_PERCENT] = o.trailPercent;
    f[n + EXPIRE_TIME] = o.expireTime;
    f[n + VALID_BARS] = o.validBars;
    f[n + CREATED_TIME] = o.createdTime;
    f[n + ACTIVATED_TIME] = o.activatedTime;
    f[n + REFERENCE_PRICE] = o.referencePrice;
    f[n + FILLED_TIME] = o.filledTime;
    f[n + FILLED_QUANTITY] = o.filledQuantity;
    f[n + CANCELLED_QUANTITY] = o.cancelledQuantity;
    f[n + FILL_PRICE] = o.fillPrice;
    f[n + FEE] = o.fee;
    f[n + PARENT_ID] = o.parentId;
    const r = rows.ref;
    const b = rows.refAt;
    r[b + CLIENT_ORDER_ID] = ownClientId ? undefined : o.clientOrderId;
    r[b + VENUE_ORDER_ID] = o.venueOrderId;
    r[b + SYMBOL] = o.symbol;
    r[b + SIDE] = o.side;
    r[b + TYPE] = o.type;
    r[b + TIME_IN_FORCE] = o.timeInForce;
    r[b + REDUCE_ONLY] = o.reduceOnly;
    r[b + POST_ONLY] = o.postOnly;
    r[b + TAG] = o.tag;
    r[b + POSITION_SIDE] = o.positionSide;
    r[b + STATUS] = o.status;
    r[b + REASON] = o.reason;
    r[b + CONTINGENCY] = o.contingency;
    r[b + OCO_IDS] = o.ocoIds;
    r[b + TRIGGERED] = o.triggered;
  }

  /** Whether the order with this id has a row. */
  has(id: number): boolean {
    const rows = this.rows;
    if (!(id >= 1 && id <= rows.length)) return false;
    rows.seek(id - 1);
    return rows.num[rows.numAt + ID] === id;
  }

  /** The order with this id as last written (a new object each call), or undefined when it has no row. */
  at(id: number): MutableOrder | undefined {
    if (!this.has(id)) return undefined;
    const rows = this.rows;
    rows.seek(id - 1);
    const f = rows.num;
    const n = rows.numAt;
    const r = rows.ref;
    const b = rows.refAt;
    // The fields in the order OrderManager creates them: one object shape for all orders.
    return {
      id,
      clientOrderId: (r[b + CLIENT_ORDER_ID] as string | undefined) ?? this.ownClientOrderId(id),
      venueOrderId: r[b + VENUE_ORDER_ID] as string,
      symbol: r[b + SYMBOL] as string,
      side: r[b + SIDE] as OrderSide,
      type: r[b + TYPE] as OrderType,
      quantity: f[n + QUANTITY] as number,
      price: f[n + PRICE] as number,
      triggerPrice: f[n + TRIGGER_PRICE] as number,
      trailOffset: f[n + TRAIL_OFFSET] as number,
      trailPercent: f[n + TRAIL_PERCENT] as number,
      timeInForce: r[b + TIME_IN_FORCE] as TimeInForce,
      expireTime: f[n + EXPIRE_TIME] as Micros,
      validBars: f[n + VALID_BARS] as number,
      reduceOnly: r[b + REDUCE_ONLY] as boolean,
      postOnly: r[b + POST_ONLY] as boolean,
      tag: r[b + TAG] as string,
      positionSide: r[b + POSITION_SIDE] as PositionSide | undefined,
      status: r[b + STATUS] as OrderStatus,
      reason: r[b + REASON] as string,
      createdTime: f[n + CREATED_TIME] as Micros,
      activatedTime: f[n + ACTIVATED_TIME] as Micros,
      referencePrice: f[n + REFERENCE_PRICE] as number,
      filledTime: f[n + FILLED_TIME] as Micros,
      filledQuantity: f[n + FILLED_QUANTITY] as number,
      cancelledQuantity: f[n + CANCELLED_QUANTITY] as number,
      fillPrice: f[n + FILL_PRICE] as number,
      fee: f[n + FEE] as number,
      contingency: r[b + CONTINGENCY] as Contingency,
      parentId: f[n + PARENT_ID] as number,
      ocoIds: r[b + OCO_IDS] as readonly number[],
      triggered: r[b + TRIGGERED] as boolean,
    };
  }

  /** The client order id the run gives its own order `id`. */
  ownClientOrderId(id: number): string {
    return `${this.prefix}${id}`;
  }
}
