import { AppendedRecords, StringCodes } from '../core/record-rows.js';
import type { Micros } from '../core/time.js';
import type { ClosedTrade } from './trade-book.js';

const TRADE_ID = 0;
const QUANTITY = 1;
const ENTRY_TIME = 2;
const ENTRY_PRICE = 3;
const EXIT_TIME = 4;
const EXIT_PRICE = 5;
const GROSS_PNL = 6;
const FEES = 7;
const NET_PNL = 8;
const BARS_HELD = 9;
const MAE = 10;
const MFE = 11;
/** The symbol's code (StringCodes). */
const SYMBOL = 12;
/** 1 long, -1 short. */
const DIRECTION = 13;
const WIDTH = 14;

/** A run's closed trades, in the order they closed, as rows (see RecordRows): `at(i)` gives a trade equal to the one recorded. */
export class TradeRecords extends AppendedRecords<ClosedTrade> {
  private readonly symbols = new StringCodes();

  constructor() {
    super(WIDTH, 'closed trade');
  }

  protected write(t: ClosedTrade, f: Float64Array, n: number): void {
    f[n + TRADE_ID] = t.tradeId;
    f[n + QUANTITY] = t.quantity;
    f[n + ENTRY_TIME] = t.entryTime;
    f[n + ENTRY_PRICE] = t.entryPrice;
    f[n + EXIT_TIME] = t.exitTime;
    f[n + EXIT_PRICE] = t.exitPrice;
    f[n + GROSS_PNL] = t.grossPnl;
    f[n + FEES] = t.fees;
    f[n + NET_PNL] = t.netPnl;
    f[n + BARS_HELD] = t.barsHeld;
    f[n + MAE] = t.mae;
    f[n + MFE] = t.mfe;
    f[n + SYMBOL] = this.symbols.code(t.symbol);
    f[n + DIRECTION] = directionSign(t.direction);
  }

  protected read(f: Float64Array, n: number): ClosedTrade {
    return {
      tradeId: f[n + TRADE_ID] as number,
      symbol: this.symbols.string(f[n + SYMBOL] as number),
      direction: f[n + DIRECTION] === 1 ? 'long' : 'short',
      quantity: f[n + QUANTITY] as number,
      entryTime: f[n + ENTRY_TIME] as Micros,
      entryPrice: f[n + ENTRY_PRICE] as number,
      exitTime: f[n + EXIT_TIME] as Micros,
      exitPrice: f[n + EXIT_PRICE] as number,
      grossPnl: f[n + GROSS_PNL] as number,
      fees: f[n + FEES] as number,
      netPnl: f[n + NET_PNL] as number,
      barsHeld: f[n + BARS_HELD] as number,
      mae: f[n + MAE] as number,
      mfe: f[n + MFE] as number,
    };
  }

  /** Closed trades of `symbol` (and `direction`, when given). */
  count(symbol: string, direction?: 'long' | 'short'): number {
    const code = this.symbols.find(symbol);
    if (code < 0) return 0;
    const sign = direction === undefined ? 0 : directionSign(direction);
    const rows = this.rows;
    let out = 0;
    for (let i = 0; i < rows.length; i++) {
      rows.seek(i);
      const f = rows.num;
      const n = rows.at;
      if (f[n + SYMBOL] === code && (sign === 0 || f[n + DIRECTION] === sign)) out++;
    }
    return out;
  }
}

/** A direction as DIRECTION holds it. */
function directionSign(direction: 'long' | 'short'): 1 | -1 {
  return direction === 'long' ? 1 : -1;
}
