import { AppendedRecords } from '../core/record-rows.js';
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
export class FillRecords extends AppendedRecords<Fill> {
  constructor() {
    super(NUMBERS, REFS, 'fill');
  }

  protected write(fill: Fill, f: Float64Array, n: number, r: unknown[], b: number): void {
    f[n + ORDER_ID] = fill.orderId;
    f[n + TIME] = fill.time;
    f[n + QUANTITY] = fill.quantity;
    f[n + PRICE] = fill.price;
    f[n + FEE] = fill.fee;
    f[n + FEE_IN_KIND] = fill.feeInKind ?? NaN;
    r[b + SYMBOL] = fill.symbol;
    r[b + LIQUIDITY] = fill.liquidity;
  }

  protected read(f: Float64Array, n: number, r: unknown[], b: number): Fill {
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
    // Assigned, not spread into a literal with another property (V8's slow path: docs/architecture.md).
    return inKind === inKind ? Object.assign(base, { feeInKind: inKind }) : base;
  }
}
