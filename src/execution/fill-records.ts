import { RecordRows } from '../core/record-rows.js';
import type { Micros } from '../core/time.js';
import type { Fill, Liquidity } from '../model/events.js';

const ORDER_ID = 0;
const TIME = 1;
const QUANTITY = 2;
const PRICE = 3;
const FEE = 4;
/** NaN: the fee was paid in cash (the fill has no feeInKind). */
const FEE_IN_KIND = 5;
const NUMBERS = 6;

const SYMBOL = 0;
const LIQUIDITY = 1;
const REFS = 2;

/** A run's fills, in the order they came, as rows (see RecordRows): `at(i)` gives a fill equal to the one recorded. */
export class FillRecords {
  private readonly rows = new RecordRows(NUMBERS, REFS);

  get length(): number {
    return this.rows.length;
  }

  push(fill: Fill): void {
    const row = this.rows.length;
    const rows = this.rows;
    const k = rows.chunkOf(row);
    const f = rows.numbers(k);
    const n = rows.numberBase(row, k);
    f[n + ORDER_ID] = fill.orderId;
    f[n + TIME] = fill.time;
    f[n + QUANTITY] = fill.quantity;
    f[n + PRICE] = fill.price;
    f[n + FEE] = fill.fee;
    f[n + FEE_IN_KIND] = fill.feeInKind ?? NaN;
    const r = rows.refs(k);
    const b = rows.refBase(row, k);
    r[b + SYMBOL] = fill.symbol;
    r[b + LIQUIDITY] = fill.liquidity;
  }

  /** The i-th fill (0-based; a new object each call). */
  at(i: number): Fill {
    if (!(i >= 0 && i < this.rows.length)) throw new RangeError(`fill ${i} of ${this.rows.length}`);
    const rows = this.rows;
    const k = rows.chunkOf(i);
    const f = rows.numbers(k);
    const n = rows.numberBase(i, k);
    const r = rows.refs(k);
    const b = rows.refBase(i, k);
    const base = {
      orderId: f[n + ORDER_ID] as number,
      symbol: r[b + SYMBOL] as string,
      time: f[n + TIME] as Micros,
      quantity: f[n + QUANTITY] as number,
      price: f[n + PRICE] as number,
      fee: f[n + FEE] as number,
      liquidity: r[b + LIQUIDITY] as Liquidity,
    };
    const inKind = f[n + FEE_IN_KIND] as number;
    return inKind === inKind ? { ...base, feeInKind: inKind } : base;
  }

  /** Each record in order (new objects). */
  *[Symbol.iterator](): IterableIterator<Fill> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}
