import type { Micros } from '../../core/time.js';
import type { Exact } from './exact.js';
import { ZERO, add, mul, neg, sub, sum } from './exact.js';

/** One order's fills on one side (live or backtest), aggregated. */
export interface OrderFills {
  /** The run's id of the order (a live order's client order id); absent for hand-made ones. */
  readonly orderId?: string;
  /** The order's sequence number in its session (1, 2, 3 in creation order). */
  readonly seq: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** Summed fill quantities (> 0). */
  readonly quantity: Exact;
  /** Summed quantity x price over the fills. */
  readonly notional: Exact;
  /** Summed fees (a rebate is negative). */
  readonly fees: Exact;
  /** The first fill's time. */
  readonly time: Micros;
  /** The last fill's price: the price of the units one side filled and the other did not. */
  readonly lastPrice: Exact;
  readonly fills: number;
}

/** Where the order's instrument stood: its multiplier, the final mark, and the market's price at each side's fill time. */
export interface PairMarket {
  readonly multiplier: Exact;
  /** The price both runs are valued at, at the end. */
  readonly mark: Exact;
  /** The market's price for the order's side at the live fill time and at the modeled (backtest) fill time; both zero when unknown. */
  readonly atLive: Exact;
  readonly atModel: Exact;
}

export type PairStatus = 'matched' | 'only_live' | 'only_backtest';

/** The parts of the P&L gap; they sum exactly to the gap they split. */
export interface GapParts {
  readonly latency: Exact;
  readonly slippage: Exact;
  readonly quantity: Exact;
  readonly missed: Exact;
  readonly extra: Exact;
  readonly fees: Exact;
}

export const PART_NAMES: readonly (keyof GapParts)[] = ['latency', 'slippage', 'quantity', 'missed', 'extra', 'fees'];

export interface PairGap {
  readonly status: PairStatus;
  /** Live value minus backtest value of the order at the final mark (fees included). */
  readonly gap: Exact;
  readonly parts: GapParts;
}

/**
 * An order's value at the final mark: what its fills gained or lost against
 * the mark, less fees. `s * M * (q * mark - notional) - fees` with s = +1 for
 * a buy, -1 for a sell and M the multiplier. A run's final equity is its
 * starting cash plus this over its orders (plus carry: interest, funding).
 */
export function orderValue(o: OrderFills, multiplier: Exact, mark: Exact): Exact {
  return sub(signed(o.side, mul(multiplier, sub(mul(o.quantity, mark), o.notional))), o.fees);
}

/**
 * The gap of one order pair split into parts (docs/live.md, "Backtest versus
 * live"). For a matched pair (L live, B backtest, s, M as above, P the mark,
 * pRef the backtest's last fill price, m(t) the market's price):
 *   fees     = -(feesL - feesB)
 *   quantity = s M (qL - qB) (P - pRef)
 *   price    = -s M (notionalL - notionalB - (qL - qB) pRef)
 *   latency  = -s M qL (m(tL) - m(tB))
 *   slippage = price - latency
 * An order only the backtest filled is `missed` (its value before fees, negated;
 * its fees go to `fees`); one only live filled is `extra`.
 */
export function decomposePair(live: OrderFills | undefined, backtest: OrderFills | undefined, market: PairMarket): PairGap {
  const M = market.multiplier;
  const P = market.mark;
  if (live !== undefined && backtest !== undefined) {
    const side = live.side;
    const dq = sub(live.quantity, backtest.quantity);
    const fees = neg(sub(live.fees, backtest.fees));
    const quantity = signed(side, mul(M, mul(dq, sub(P, backtest.lastPrice))));
    const price = neg(signed(side, mul(M, sub(sub(live.notional, backtest.notional), mul(dq, backtest.lastPrice)))));
    const latency = neg(signed(side, mul(M, mul(live.quantity, sub(market.atLive, market.atModel)))));
    const slippage = sub(price, latency);
    const gap = sub(orderValue(live, M, P), orderValue(backtest, M, P));
    return { status: 'matched', gap, parts: { latency, slippage, quantity, missed: ZERO, extra: ZERO, fees } };
  }
  if (live !== undefined) {
    const extra = signed(live.side, mul(M, sub(mul(live.quantity, P), live.notional)));
    return { status: 'only_live', gap: orderValue(live, M, P), parts: { ...NO_PARTS, extra, fees: neg(live.fees) } };
  }
  if (backtest !== undefined) {
    const missed = neg(signed(backtest.side, mul(M, sub(mul(backtest.quantity, P), backtest.notional))));
    return { status: 'only_backtest', gap: neg(orderValue(backtest, M, P)), parts: { ...NO_PARTS, missed, fees: backtest.fees } };
  }
  return { status: 'matched', gap: ZERO, parts: NO_PARTS };
}

const NO_PARTS: GapParts = { latency: ZERO, slippage: ZERO, quantity: ZERO, missed: ZERO, extra: ZERO, fees: ZERO };

/** Part by part sums over pairs. */
export function sumParts(parts: readonly GapParts[]): GapParts {
  const out: Record<string, Exact> = {};
  for (const name of PART_NAMES) out[name] = sum(parts.map((p) => p[name]));
  return out as unknown as GapParts;
}

/** The sum of a pair's parts (equal to its gap). */
export function partsTotal(parts: GapParts): Exact {
  return PART_NAMES.reduce((t, name) => add(t, parts[name]), ZERO);
}

function signed(side: 'buy' | 'sell', x: Exact): Exact {
  return side === 'buy' ? x : neg(x);
}
