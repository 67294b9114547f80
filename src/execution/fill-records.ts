import { AppendedRecords, StringCodes } from '../core/record-rows.js';
import type { Micros } from '../core/time.js';
import type { Fill, Liquidity } from '../model/events.js';

const ORDER_ID = 0;
const TIME = 1;
const QUANTITY = 2;
const PRICE = 3;
const FEE = 4;
/** NaN: the fee was paid in cash (the fill has no feeInKind). */
const FEE_IN_KIND = 5;
/** The symbol's code (StringCodes). */
const SYMBOL = 6;
/** 0 maker, 1 taker. */
const TAKER = 7;
const WIDTH = 8;

/** A run's fills, in the order they came, as rows (see RecordRows): `at(i)` gives a fill equal to the one recorded. */
export class FillRecords extends AppendedRecords<Fill> {
  private readonly symbols = new StringCodes();

  constructor() {
    super(WIDTH, 'fill');
  }

  protected write(fill: Fill, f: Float64Array, n: number): void {
    f[n + ORDER_ID] = fill.orderId;
    f[n + TIME] = fill.time;
    f[n + QUANTITY] = fill.quantity;
    f[n + PRICE] = fill.price;
    f[n + FEE] = fill.fee;
    f[n + FEE_IN_KIND] = fill.feeInKind ?? NaN;
    f[n + SYMBOL] = this.symbols.code(fill.symbol);
    f[n + TAKER] = fill.liquidity === 'taker' ? 1 : 0;
  }

  protected read(f: Float64Array, n: number): Fill {
    const base = {
      orderId: f[n + ORDER_ID] as number,
      symbol: this.symbols.string(f[n + SYMBOL] as number),
      time: f[n + TIME] as Micros,
      quantity: f[n + QUANTITY] as number,
      price: f[n + PRICE] as number,
      fee: f[n + FEE] as number,
      liquidity: (f[n + TAKER] === 1 ? 'taker' : 'maker') as Liquidity,
    };
    const inKind = f[n + FEE_IN_KIND] as number;
    // Assigned, not spread into a literal with another property (V8's slow path: docs/architecture.md).
    return inKind === inKind ? Object.assign(base, { feeInKind: inKind }) : base;
  }
}
