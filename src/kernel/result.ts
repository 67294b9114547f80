import { addExact } from '../core/decimal.js';
import type { Issue } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import type { Fill } from '../model/events.js';
import { blankOrder, type MutableOrder, type Order, type PositionMode } from '../model/order.js';
import type { PositionState } from '../portfolio/portfolio.js';
import type { ClosedTrade } from '../portfolio/trade-book.js';
import type { TradingStateEvent } from '../risk/engine.js';
import type { TradingKernel } from './kernel.js';
import type { PositionRows } from './position-log.js';
import type { EquityCurve } from './recorder.js';

export type { EquityCurve } from './recorder.js';

/** One position's results at the end of a run: an instrument's net position, or one leg of it. */
export interface PositionResult {
  readonly quantity: number;
  readonly averagePrice: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  readonly carry: number;
  readonly margin: number;
  readonly closedTrades: number;
}

/** One instrument's results at the end of a run. */
export interface InstrumentResult {
  readonly symbol: string;
  readonly kind: string;
  /** Net quantity: the position, or long leg + short leg in a hedging account. */
  readonly quantity: number;
  readonly averagePrice: number;
  readonly lastPrice: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  readonly margin: number;
  readonly closedTrades: number;
  /** Hedging accounts: each leg's own results (the fields above are their sums; averagePrice is that of the only open leg, else NaN). */
  readonly legs?: { readonly long: PositionResult; readonly short: PositionResult };
}

/** Everything a run produced, as plain data. */
export interface BacktestResult {
  readonly symbols: readonly string[];
  readonly positionMode: PositionMode;
  /** Rows of `equity`: one per time step, or one per UTC day. */
  readonly equitySampling: 'step' | 'day';
  readonly initialCash: number;
  readonly finalCash: number;
  readonly finalEquity: number;
  readonly fees: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly bars: number;
  readonly quotes: number;
  readonly trades: number;
  /** L2 book events (whole exchange messages) replayed. */
  readonly bookEvents: number;
  /** First and last event times (NaN when there was no data). */
  readonly start: Micros;
  readonly end: Micros;
  readonly equity: EquityCurve;
  readonly orders: readonly Order[];
  /** Positions after each fill and at each day's last step. */
  readonly positions: PositionRows;
  /** Per-instrument results at the end. */
  readonly instruments: readonly InstrumentResult[];
  readonly fills: readonly Fill[];
  /** Trading state changes: kill switch trips, manual changes. */
  readonly riskEvents: readonly TradingStateEvent[];
  /** Submissions refused without a record (after the max-orders kill switch), by reason: `{ max_orders: n }`, or `{}`. */
  readonly ordersNotRecorded: Readonly<Record<string, number>>;
  /** Margin calls: equity below maintenance margin, margined positions closed. */
  readonly marginCalls: readonly { readonly time: Micros; readonly equity: number; readonly maintenance: number }[];
  /** Funding, borrow fees and interest received (+) or paid (-). */
  readonly carry: number;
  /** Final balances in other currencies than the account's. */
  readonly balances: readonly (readonly [string, number])[];
  /** Fills whose one-cancels-other partner could have filled on the same bar. */
  readonly ambiguousFills: number;
  readonly fillModel: string;
  /** Bid/ask bar periods with only one side, which could not be traded on. */
  readonly unpairedQuoteBars: number;
  readonly closedTrades: readonly ClosedTrade[];
  readonly openTrades: number;
  /** Rows the feeds rejected and skipped. */
  readonly skipped: readonly Issue[];
}

/** What the venue and the driver add to a run's results. */
export interface RunExtras {
  /** The last step's time (NaN when there was no data). */
  readonly end: Micros;
  readonly ambiguousFills: number;
  readonly fillModel: string;
  readonly unpairedQuoteBars: number;
  readonly skipped: readonly Issue[];
}

/** A run's results, as plain data, from the kernel's records. */
export function buildResult(k: TradingKernel, extras: RunExtras): BacktestResult {
  const p = k.portfolio;
  const hedging = p.hedging;
  const legResult = (pos: PositionState): PositionResult => ({
    quantity: pos.quantity,
    averagePrice: pos.averagePrice,
    realizedPnl: pos.realizedPnl,
    unrealizedPnl: pos.unrealizedPnl,
    fees: pos.fees,
    carry: pos.carry,
    margin: pos.margin,
    closedTrades: p.closedTrades.count(pos.instrument.symbol, pos.side === 'short' ? 'short' : 'long'),
  });
  // No step fell in the trading window (it starts after the data, or lies between two of its times):
  // nothing was recorded, so nothing is counted and the run has no period, as a run without data.
  const inWindow = k.firstTime === k.firstTime;
  const records = runRecordsOf(k);
  let orders: readonly Order[] | undefined;
  let fills: readonly Fill[] | undefined;
  let closedTrades: readonly ClosedTrade[] | undefined;
  const result: BacktestResult = {
    symbols: k.instruments.map((i) => i.symbol),
    positionMode: hedging ? 'hedging' : 'netting',
    equitySampling: k.equity.sampling,
    initialCash: k.initialEquity,
    finalCash: p.cashValue(),
    finalEquity: p.equity(),
    fees: p.fees,
    realizedPnl: p.realizedPnl(),
    unrealizedPnl: p.unrealizedPnl(),
    bars: inWindow ? k.bars : 0,
    quotes: inWindow ? k.quotes : 0,
    trades: inWindow ? k.trades : 0,
    bookEvents: inWindow ? k.bookEvents : 0,
    start: k.firstTime,
    end: inWindow ? extras.end : NaN,
    equity: k.equity.curve(),
    // Made when first read: the summary and the CSV writers read the records one by one (runRecords).
    get orders() {
      return (orders ??= Array.from({ length: records.orderCount }, (_, i) => records.order(i)));
    },
    positions: k.positionLog.rows(),
    instruments: k.instruments.map((inst, idx) => {
      const pos = p.positions[idx] as PositionState;
      const short = p.shortLeg(idx);
      const all = {
        symbol: inst.symbol,
        kind: inst.kind,
        quantity: pos.quantity,
        averagePrice: pos.averagePrice,
        lastPrice: pos.lastPrice,
        realizedPnl: pos.realizedPnl,
        unrealizedPnl: pos.unrealizedPnl,
        fees: pos.fees,
        margin: pos.margin,
        closedTrades: p.closedTrades.count(inst.symbol),
      };
      if (short === undefined) return all;
      return {
        ...all,
        quantity: addExact(pos.quantity, short.quantity),
        averagePrice: pos.quantity === 0 ? short.averagePrice : short.quantity === 0 ? pos.averagePrice : NaN,
        realizedPnl: addExact(pos.realizedPnl, short.realizedPnl),
        unrealizedPnl: pos.unrealizedPnl + short.unrealizedPnl,
        fees: addExact(pos.fees, short.fees),
        margin: addExact(pos.margin, short.margin),
        legs: { long: legResult(pos), short: legResult(short) },
      };
    }),
    get fills() {
      return (fills ??= Array.from({ length: records.fillCount }, (_, i) => records.fill(i)));
    },
    riskEvents: [...k.risk.events],
    ordersNotRecorded: k.orders.notRecorded > 0 ? { max_orders: k.orders.notRecorded } : {},
    marginCalls: k.marginCalls.calls,
    carry: p.carry,
    balances: [...p.balances].sort(),
    ambiguousFills: extras.ambiguousFills,
    fillModel: extras.fillModel,
    unpairedQuoteBars: extras.unpairedQuoteBars,
    get closedTrades() {
      return (closedTrades ??= Array.from({ length: records.tradeCount }, (_, i) => records.trade(i)));
    },
    openTrades: p.openTrades(),
    skipped: extras.skipped,
  };
  recordsByResult.set(result, records);
  return result;
}

/**
 * A result's orders, fills and closed trades one at a time, each a new
 * object (i counts from 0), for readers that go through them once (the
 * summary, the CSV writers): a result the kernel built keeps them as rows
 * (OrderRecords, FillRecords, TradeRecords), and its lists are only made
 * when first read.
 */
export interface RunRecords {
  readonly orderCount: number;
  /** The i-th order; with `into` (an object from blankOrder), written into it and returned, for readers that do not keep it. */
  order(i: number, into?: MutableOrder): Order;
  readonly fillCount: number;
  fill(i: number): Fill;
  readonly tradeCount: number;
  trade(i: number): ClosedTrade;
}

const recordsByResult = new WeakMap<BacktestResult, RunRecords>();

/** The records of a result: the kernel's rows when it built the result, else its lists. */
export function runRecords(result: BacktestResult): RunRecords {
  return (
    recordsByResult.get(result) ?? {
      orderCount: result.orders.length,
      order: (i, into) => (into !== undefined ? Object.assign(into, result.orders[i]) : (result.orders[i] as Order)),
      fillCount: result.fills.length,
      fill: (i) => result.fills[i] as Fill,
      tradeCount: result.closedTrades.length,
      trade: (i) => result.closedTrades[i] as ClosedTrade,
    }
  );
}

/** What a run's orders came to: counted in one pass, each order read into one reused object. */
export interface OrderTally {
  readonly orders: number;
  readonly filled: number;
  readonly rejected: number;
  /** Rejected orders by reason. */
  readonly rejectedByReason: ReadonlyMap<string, number>;
  /** Sum of |filled quantity x fill price| over the orders. */
  readonly tradedNotional: number;
}

export function tallyOrders(result: BacktestResult): OrderTally {
  const records = runRecords(result);
  const into = blankOrder();
  let filled = 0;
  let rejected = 0;
  let tradedNotional = 0;
  const rejectedByReason = new Map<string, number>();
  for (let i = 0; i < records.orderCount; i++) {
    const o = records.order(i, into);
    if (o.status === 'filled') filled++;
    else if (o.status === 'rejected') {
      rejected++;
      rejectedByReason.set(o.reason, (rejectedByReason.get(o.reason) ?? 0) + 1);
    }
    if (o.filledQuantity > 0 && Number.isFinite(o.fillPrice)) tradedNotional += Math.abs(o.filledQuantity * o.fillPrice);
  }
  return { orders: records.orderCount, filled, rejected, rejectedByReason, tradedNotional };
}

/** The kernel's records as of now (see OrderManager.ordersAsOfNow: what comes later does not show). */
function runRecordsOf(k: TradingKernel): RunRecords {
  const orders = k.orders.ordersAsOfNow();
  const fills = k.orders.fills;
  const trades = k.portfolio.closedTrades;
  return {
    orderCount: orders.count,
    order: (i, into) => orders.at(i + 1, into),
    fillCount: fills.length,
    fill: (i) => fills.at(i),
    tradeCount: trades.length,
    trade: (i) => trades.at(i),
  };
}
