import { writeFileSync } from 'node:fs';
import type { Micros } from '../../core/time.js';
import { csvField, formatTime } from '../../report/format.js';
import type { OrderFills, PairGap } from './decompose.js';
import type { Exact } from './exact.js';
import { exact, exactText, sub } from './exact.js';

/** One line of reconcile.csv: an order's live and backtest fills side by side, and its part of the gap. */
export interface ReconcileRow {
  readonly seq: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly live: OrderFills | undefined;
  readonly backtest: OrderFills | undefined;
  /** Live fill time - modeled fill time (µs; first fills), for matched orders. */
  readonly timeDiff: Micros | null;
  readonly gap: PairGap;
}

export const RECONCILE_HEADER = [
  'seq',
  'symbol',
  'side',
  'status',
  'live_order_id',
  'live_fills',
  'backtest_fills',
  'live_time',
  'backtest_time',
  'time_diff_us',
  'live_quantity',
  'backtest_quantity',
  'quantity_diff',
  'live_price',
  'backtest_price',
  'price_diff',
  'live_fees',
  'backtest_fees',
  'fee_diff',
  'latency',
  'slippage',
  'quantity_effect',
  'missed',
  'extra',
  'fee_effect',
  'gap',
].join(',');

/** Decimal places the quantity-weighted price of several fills is rounded to. */
const AVERAGE_PLACES = 12;

export function pairRow(live: OrderFills | undefined, backtest: OrderFills | undefined, gap: PairGap): ReconcileRow {
  const any = (live ?? backtest) as OrderFills;
  return { seq: any.seq, symbol: any.symbol, side: any.side, live, backtest, timeDiff: live !== undefined && backtest !== undefined ? live.time - backtest.time : null, gap };
}

/** An order's quantity-weighted fill price: notional / quantity, exact when it has at most 12 decimals, else rounded half away from zero. */
export function averagePrice(o: OrderFills): Exact {
  const num = o.notional.units * 10n ** BigInt(AVERAGE_PLACES + o.quantity.scale);
  const den = o.quantity.units * 10n ** BigInt(o.notional.scale);
  const q = num / den;
  const r = num % den;
  const rounded = 2n * (r < 0n ? -r : r) >= (den < 0n ? -den : den) ? q + (num < 0n ? -1n : 1n) : q;
  return exact(rounded, AVERAGE_PLACES);
}

/** reconcile.csv: one row per order pair, in sequence-number order; money and quantities as exact decimals. */
export function writeReconcileCsv(path: string, rows: readonly ReconcileRow[]): void {
  const lines = [RECONCILE_HEADER];
  for (const r of rows) {
    const l = r.live;
    const b = r.backtest;
    const lp = l !== undefined ? averagePrice(l) : undefined;
    const bp = b !== undefined ? averagePrice(b) : undefined;
    const both = <T>(f: (x: OrderFills, y: OrderFills) => T): T | undefined => (l !== undefined && b !== undefined ? f(l, b) : undefined);
    const t = (x: Exact | undefined): string => (x === undefined ? '' : exactText(x));
    const p = r.gap.parts;
    lines.push(
      [
        String(r.seq),
        csvField(r.symbol),
        r.side,
        r.gap.status,
        csvField(l?.orderId ?? ''),
        l !== undefined ? String(l.fills) : '0',
        b !== undefined ? String(b.fills) : '0',
        l !== undefined ? formatTime(l.time) : '',
        b !== undefined ? formatTime(b.time) : '',
        r.timeDiff !== null ? String(r.timeDiff) : '',
        t(l?.quantity),
        t(b?.quantity),
        t(both((x, y) => sub(x.quantity, y.quantity))),
        t(lp),
        t(bp),
        t(lp !== undefined && bp !== undefined ? sub(lp, bp) : undefined),
        t(l?.fees),
        t(b?.fees),
        t(both((x, y) => sub(x.fees, y.fees))),
        t(p.latency),
        t(p.slippage),
        t(p.quantity),
        t(p.missed),
        t(p.extra),
        t(p.fees),
        t(r.gap.gap),
      ].join(','),
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
}
