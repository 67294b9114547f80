import { RecordRows } from '../core/record-rows.js';
import type { Micros } from '../core/time.js';
import { blankOrder, type Contingency, type MutableOrder, type Order, type OrderSide, type OrderStatus, type OrderType, type PositionSide, type TimeInForce } from '../model/order.js';

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
    // has() leaves the rows at the order's row.
    return this.has(id) ? this.readRow(id, blankOrder()) : undefined;
  }

  /** Writes the order with this id (which has a row) into `o`, and returns it: a reader going through many orders reuses one object. */
  readInto(id: number, o: MutableOrder): MutableOrder {
    this.rows.seek(id - 1);
    return this.readRow(id, o);
  }

  /** Writes the row the rows are at (order `id`'s) into `o`. */
  private readRow(id: number, o: MutableOrder): MutableOrder {
    const rows = this.rows;
    const f = rows.num;
    const n = rows.numAt;
    const r = rows.ref;
    const b = rows.refAt;
    o.id = id;
    o.clientOrderId = (r[b + CLIENT_ORDER_ID] as string | undefined) ?? this.ownClientOrderId(id);
    o.venueOrderId = r[b + VENUE_ORDER_ID] as string;
    o.symbol = r[b + SYMBOL] as string;
    o.side = r[b + SIDE] as OrderSide;
    o.type = r[b + TYPE] as OrderType;
    o.quantity = f[n + QUANTITY] as number;
    o.price = f[n + PRICE] as number;
    o.triggerPrice = f[n + TRIGGER_PRICE] as number;
    o.trailOffset = f[n + TRAIL_OFFSET] as number;
    o.trailPercent = f[n + TRAIL_PERCENT] as number;
    o.timeInForce = r[b + TIME_IN_FORCE] as TimeInForce;
    o.expireTime = f[n + EXPIRE_TIME] as Micros;
    o.validBars = f[n + VALID_BARS] as number;
    o.reduceOnly = r[b + REDUCE_ONLY] as boolean;
    o.postOnly = r[b + POST_ONLY] as boolean;
    o.tag = r[b + TAG] as string;
    o.positionSide = r[b + POSITION_SIDE] as PositionSide | undefined;
    o.status = r[b + STATUS] as OrderStatus;
    o.reason = r[b + REASON] as string;
    o.createdTime = f[n + CREATED_TIME] as Micros;
    o.activatedTime = f[n + ACTIVATED_TIME] as Micros;
    o.referencePrice = f[n + REFERENCE_PRICE] as number;
    o.filledTime = f[n + FILLED_TIME] as Micros;
    o.filledQuantity = f[n + FILLED_QUANTITY] as number;
    o.cancelledQuantity = f[n + CANCELLED_QUANTITY] as number;
    o.fillPrice = f[n + FILL_PRICE] as number;
    o.fee = f[n + FEE] as number;
    o.contingency = r[b + CONTINGENCY] as Contingency;
    o.parentId = f[n + PARENT_ID] as number;
    o.ocoIds = r[b + OCO_IDS] as readonly number[];
    o.triggered = r[b + TRIGGERED] as boolean;
    return o;
  }

  /** The client order id the run gives its own order `id`. */
  ownClientOrderId(id: number): string {
    return `${this.prefix}${id}`;
  }
}
