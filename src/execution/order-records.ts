import { ListCodes, RecordRows, StringCodes } from '../core/record-rows.js';
import type { Micros } from '../core/time.js';
import {
  NO_OCO_IDS,
  ORDER_TRANSITIONS,
  ORDER_TYPES,
  blankOrder,
  type Contingency,
  type MutableOrder,
  type Order,
  type OrderSide,
  type OrderStatus,
  type OrderType,
  type PositionSide,
  type TimeInForce,
} from '../model/order.js';

// An order's row: its numbers, then its strings and flags as codes.
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
/** Side, type, time in force, reduce-only, post-only, position side, status, contingency and triggered, as bits (the *_AT offsets). */
const FLAGS = 17;
// Codes of StringCodes.
const SYMBOL = 18;
const TAG = 19;
const REASON = 20;
/** The venue order id as a prefix (its code, or -1: the id is in `venueIds`) and the number that ends it (NaN: none). */
const VENUE_PREFIX = 21;
const VENUE_NUMBER = 22;
const WIDTH = 23;

// The closed-list fields and their bits in FLAGS: a list that outgrows its bits (a new order type or status) makes the
// module refuse to load, rather than come back as another value.
const SIDES = new ListCodes<OrderSide>(['buy', 'sell'], 'order side', 1);
const TYPES = new ListCodes<OrderType>(ORDER_TYPES, 'order type', 4);
const TIMES_IN_FORCE = new ListCodes<TimeInForce>(['gtc', 'day', 'ioc', 'fok', 'gtd'], 'time in force', 3);
const POSITION_SIDES = new ListCodes<PositionSide | undefined>([undefined, 'long', 'short'], 'position side', 2);
const STATUSES = new ListCodes<OrderStatus>(Object.keys(ORDER_TRANSITIONS) as OrderStatus[], 'order status', 4);
const CONTINGENCIES = new ListCodes<Contingency>(['none', 'oco', 'oto', 'bracket'], 'contingency', 2);

// Where each field's code sits in FLAGS, one after another (19 bits in all: an exact integer in a double, and in an int32).
const SIDE_AT = 0;
const TYPE_AT = SIDE_AT + SIDES.bits;
const TIME_IN_FORCE_AT = TYPE_AT + TYPES.bits;
const REDUCE_ONLY_AT = TIME_IN_FORCE_AT + TIMES_IN_FORCE.bits;
const POST_ONLY_AT = REDUCE_ONLY_AT + 1;
const POSITION_SIDE_AT = POST_ONLY_AT + 1;
const STATUS_AT = POSITION_SIDE_AT + POSITION_SIDES.bits;
const CONTINGENCY_AT = STATUS_AT + STATUSES.bits;
const TRIGGERED_AT = CONTINGENCY_AT + CONTINGENCIES.bits;

/** Distinct venue id prefixes given codes; the ids of a venue whose ids do not end in a number (each its own prefix) go to a map beyond that. */
const VENUE_PREFIXES = 1024;
/** Digits of the largest number a venue id may end in to be kept as one: every such integer is exact in a double. */
const MAX_DIGITS = 15;

/**
 * The orders of a run that have ended (or their state when a result was
 * taken), as rows by id: what a run keeps of each order once it no longer
 * works. `at(id)` gives an order object equal to the one the run had.
 *
 * A row holds no reference (RecordRows): symbols, tags and reasons are codes;
 * a venue order id is kept as the code of its prefix and the number that
 * ends it (`SIM-` and 12 for `SIM-12`). Client order ids of the form
 * `<runId>-<id>` (every order the run made itself) are not stored: `at`
 * makes them again. What does not fit (another client order id, a venue id
 * that does not end in a number, OCO links) is kept in maps by order id.
 */
export class OrderRecords {
  private readonly rows = new RecordRows(WIDTH);
  private readonly prefix: string;
  // One table per field: each remembers the last string it was asked for (StringCodes.code).
  private readonly symbols = new StringCodes();
  private readonly tags = new StringCodes();
  private readonly reasons = new StringCodes();
  private readonly venuePrefixes = new StringCodes(VENUE_PREFIXES);
  private readonly clientIds = new Map<number, string>();
  private readonly venueIds = new Map<number, string>();
  private readonly ocoIds = new Map<number, readonly number[]>();

  constructor(runId: string) {
    this.prefix = `${runId}-`;
  }

  /** Writes the order's current state at its id's row; `ownClientId`: its client order id is `<runId>-<id>`. */
  put(o: Order, ownClientId: boolean): void {
    const rows = this.rows;
    const id = o.id;
    rows.seek(id - 1);
    const f = rows.num;
    const n = rows.at;
    f[n + ID] = id;
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
    f[n + FLAGS] = this.flagsOf(o);
    f[n + SYMBOL] = this.symbols.code(o.symbol);
    f[n + TAG] = this.tags.code(o.tag);
    f[n + REASON] = this.reasons.code(o.reason);
    this.putVenueId(id, o.venueOrderId, f, n);
    setOrDelete(this.clientIds, id, ownClientId ? undefined : o.clientOrderId);
    setOrDelete(this.ocoIds, id, o.ocoIds !== NO_OCO_IDS ? o.ocoIds : undefined);
  }

  /** The FLAGS of an order. */
  private flagsOf(o: Order): number {
    return (
      (SIDES.code(o.side) << SIDE_AT) |
      (TYPES.code(o.type) << TYPE_AT) |
      (TIMES_IN_FORCE.code(o.timeInForce) << TIME_IN_FORCE_AT) |
      ((o.reduceOnly ? 1 : 0) << REDUCE_ONLY_AT) |
      ((o.postOnly ? 1 : 0) << POST_ONLY_AT) |
      (POSITION_SIDES.code(o.positionSide) << POSITION_SIDE_AT) |
      (STATUSES.code(o.status) << STATUS_AT) |
      (CONTINGENCIES.code(o.contingency) << CONTINGENCY_AT) |
      ((o.triggered ? 1 : 0) << TRIGGERED_AT)
    );
  }

  /** The venue id as its prefix's code and the number that ends it (a canonical decimal integer of at most MAX_DIGITS digits), else in `venueIds`. */
  private putVenueId(id: number, s: string, f: Float64Array, n: number): void {
    let from = s.length;
    while (from > 0 && isDigit(s.charCodeAt(from - 1))) from--;
    const digits = s.length - from;
    let prefix = -1;
    let number = NaN;
    if (digits === 0) {
      prefix = this.venuePrefixes.code(s);
    } else if (digits <= MAX_DIGITS && (digits === 1 || s.charCodeAt(from) !== 48)) {
      prefix = this.venuePrefixes.code(from === 0 ? '' : s.slice(0, from));
      number = 0;
      for (let i = from; i < s.length; i++) number = number * 10 + (s.charCodeAt(i) - 48);
    }
    f[n + VENUE_PREFIX] = prefix;
    f[n + VENUE_NUMBER] = number;
    setOrDelete(this.venueIds, id, prefix < 0 ? s : undefined);
  }

  /** Whether the order with this id has a row. */
  has(id: number): boolean {
    const rows = this.rows;
    if (!(id >= 1 && id <= rows.length)) return false;
    rows.seek(id - 1);
    return rows.num[rows.at + ID] === id;
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
    const n = rows.at;
    const flags = f[n + FLAGS] as number;
    o.id = id;
    o.clientOrderId = this.clientIds.get(id) ?? this.ownClientOrderId(id);
    o.venueOrderId = this.venueId(id, f[n + VENUE_PREFIX] as number, f[n + VENUE_NUMBER] as number);
    o.symbol = this.symbols.string(f[n + SYMBOL] as number);
    o.side = SIDES.value((flags >> SIDE_AT) & SIDES.mask);
    o.type = TYPES.value((flags >> TYPE_AT) & TYPES.mask);
    o.quantity = f[n + QUANTITY] as number;
    o.price = f[n + PRICE] as number;
    o.triggerPrice = f[n + TRIGGER_PRICE] as number;
    o.trailOffset = f[n + TRAIL_OFFSET] as number;
    o.trailPercent = f[n + TRAIL_PERCENT] as number;
    o.timeInForce = TIMES_IN_FORCE.value((flags >> TIME_IN_FORCE_AT) & TIMES_IN_FORCE.mask);
    o.expireTime = f[n + EXPIRE_TIME] as Micros;
    o.validBars = f[n + VALID_BARS] as number;
    o.reduceOnly = ((flags >> REDUCE_ONLY_AT) & 1) === 1;
    o.postOnly = ((flags >> POST_ONLY_AT) & 1) === 1;
    o.tag = this.tags.string(f[n + TAG] as number);
    o.positionSide = POSITION_SIDES.value((flags >> POSITION_SIDE_AT) & POSITION_SIDES.mask);
    o.status = STATUSES.value((flags >> STATUS_AT) & STATUSES.mask);
    o.reason = this.reasons.string(f[n + REASON] as number);
    o.createdTime = f[n + CREATED_TIME] as Micros;
    o.activatedTime = f[n + ACTIVATED_TIME] as Micros;
    o.referencePrice = f[n + REFERENCE_PRICE] as number;
    o.filledTime = f[n + FILLED_TIME] as Micros;
    o.filledQuantity = f[n + FILLED_QUANTITY] as number;
    o.cancelledQuantity = f[n + CANCELLED_QUANTITY] as number;
    o.fillPrice = f[n + FILL_PRICE] as number;
    o.fee = f[n + FEE] as number;
    o.contingency = CONTINGENCIES.value((flags >> CONTINGENCY_AT) & CONTINGENCIES.mask);
    o.parentId = f[n + PARENT_ID] as number;
    o.ocoIds = this.ocoIds.get(id) ?? NO_OCO_IDS;
    o.triggered = ((flags >> TRIGGERED_AT) & 1) === 1;
    return o;
  }

  private venueId(id: number, prefix: number, number: number): string {
    if (prefix < 0) return this.venueIds.get(id) as string;
    const p = this.venuePrefixes.string(prefix);
    return number === number ? `${p}${number}` : p;
  }

  /** The client order id the run gives its own order `id`. */
  ownClientOrderId(id: number): string {
    return `${this.prefix}${id}`;
  }
}

/** `id`'s entry set to `value`, or removed when there is none: an order written again may no longer have what it had. */
function setOrDelete<V>(map: Map<number, V>, id: number, value: V | undefined): void {
  if (value !== undefined) map.set(id, value);
  else if (map.size > 0) map.delete(id);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
