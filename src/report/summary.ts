import { addExact, subExact } from '../core/decimal.js';
import type { BacktestResult, PositionResult } from '../backtest/engine.js';
import type { RunAdjustment } from '../backtest/run.js';
import { lastMargin } from '../kernel/recorder.js';
import { runRecords, tallyOrders } from '../kernel/result.js';
import { formatTime } from './format.js';
import { inferPeriodsPerYear } from './metrics.js';
import type { MetricsScratch, PerformanceMetrics, PriceSeries } from './performance.js';
import { runMetrics } from './performance.js';
import type { TradeOutcome } from './trade-metrics.js';

/**
 * The run's headline numbers, written to summary.json with these snake_case
 * keys, followed by the performance metrics of docs/metrics.md.
 */
export interface Summary extends PerformanceMetrics {
  readonly strategy: string;
  readonly symbols: readonly string[];
  readonly start: string;
  readonly end: string;
  readonly bars: number;
  readonly quotes: number;
  readonly trades: number;
  readonly initial_cash: number;
  readonly final_cash: number;
  readonly final_equity: number;
  readonly net_profit: number;
  readonly total_return: number;
  readonly realized_pnl: number;
  readonly unrealized_pnl: number;
  readonly fees: number;
  readonly closed_trades: number;
  readonly open_trades: number;
  readonly orders: number;
  readonly orders_filled: number;
  readonly orders_rejected: number;
  readonly max_drawdown: number;
  readonly sharpe: number | null;
  readonly periods_per_year: number;
  readonly invalid_rows: number;
  /** Present only when bar prices were adjusted for corporate actions (docs/corporate-actions.md). */
  readonly adjustment?: SummaryAdjustment;
  /** Bar fill model used: classic or intrabar. */
  readonly fill_model: string;
  /** Fills whose one-cancels-other partner could have filled on the same bar (the bar cannot tell which came first). */
  readonly ambiguous_fills: number;
  readonly fills: number;
  readonly book_events: number;
  /** Bid/ask bar periods with only one side, which could not be traded on. */
  readonly unpaired_quote_bars: number;
  /** Margin in use at the end (margined instruments). */
  readonly final_margin: number;
  /** Funding, borrow fees and interest received (+) or paid (-). */
  readonly carry: number;
  /** Margin calls: equity below maintenance margin, margined positions closed. */
  readonly margin_calls: readonly { time: string; equity: number; maintenance: number }[];
  /** Balances in currencies other than the account's, in those currencies. */
  readonly balances: Readonly<Record<string, number>>;
  /** Rejected orders by reason. */
  readonly rejections: Readonly<Record<string, number>>;
  /** Trading state changes (kill switch trips, manual changes), in order. */
  readonly risk_events: readonly { time: string; scope: string; symbol: string | null; from: string; to: string; reason: string }[];
  /** 'hedging' for a hedging account; absent for a netting one (the default). */
  readonly position_mode?: 'hedging';
  /** Present when the equity curve (and the metrics computed from it) has one row per UTC day. */
  readonly equity_sampling?: 'day';
  /** Per instrument: position, P&L, fees and round trips at the end. */
  readonly instruments: Readonly<Record<string, InstrumentSummary>>;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface InstrumentSummary {
  readonly kind: string;
  readonly position: number;
  readonly average_price: number | null;
  readonly last_price: number | null;
  readonly realized_pnl: number;
  readonly unrealized_pnl: number;
  readonly fees: number;
  readonly net_pnl: number;
  readonly margin: number;
  readonly closed_trades: number;
  /** Hedging accounts: each leg's own figures (the fields above are their sums). */
  readonly legs?: { readonly long: LegSummary; readonly short: LegSummary };
}

export interface LegSummary {
  readonly position: number;
  readonly average_price: number | null;
  readonly realized_pnl: number;
  readonly unrealized_pnl: number;
  readonly fees: number;
  readonly carry: number;
  readonly net_pnl: number;
  readonly margin: number;
  readonly closed_trades: number;
}

/** How bar prices were adjusted: `{"mode": "all", "source": "adj_close"}`, or from an actions file with the actions used. */
export interface SummaryAdjustment {
  readonly mode: 'splits' | 'all';
  readonly source: 'adj_close' | 'actions';
  readonly actions_file?: string;
  readonly splits?: number;
  readonly dividends?: number;
}

export interface SummaryOptions {
  /** Benchmark closes for alpha and beta. */
  readonly benchmark?: PriceSeries | undefined;
  /** The run's corporate-action adjustment (none: prices as written, and no key in the summary). */
  readonly adjustment?: RunAdjustment | undefined;
  /** false: monthly and yearly returns and the rolling figures are left empty (an optimizer's trial reports numbers only). Default true. */
  readonly periods?: boolean | undefined;
  /** The equity times' periods per year (inferPeriodsPerYear of them), when the caller knows it: a sweep's trials share their times. */
  readonly periodsPerYear?: number | undefined;
  /** Buffers to compute the metrics in, kept by a caller that summarizes run after run (MetricsScratch). */
  readonly scratch?: MetricsScratch | undefined;
}

function summaryAdjustment(a: RunAdjustment): SummaryAdjustment {
  return {
    mode: a.mode,
    source: a.source,
    ...(a.actionsFile !== undefined ? { actions_file: a.actionsFile } : {}),
    ...(a.splits !== undefined ? { splits: a.splits } : {}),
    ...(a.dividends !== undefined ? { dividends: a.dividends } : {}),
  };
}

export function summarize(result: BacktestResult, strategy: string, params: Readonly<Record<string, unknown>> = {}, options: SummaryOptions = {}): Summary {
  const eq = result.equity;
  const ppy = options.periodsPerYear ?? inferPeriodsPerYear(eq.time);
  // The orders and trades one at a time: a result's lists are made only when read (kernel/result.ts).
  const records = runRecords(result);
  const tally = tallyOrders(result);
  const rejections = new Map<string, number>(Object.entries(result.ordersNotRecorded ?? {}));
  for (const [reason, n] of tally.rejectedByReason) rejections.set(reason, (rejections.get(reason) ?? 0) + n);
  const trades: TradeOutcome[] = [];
  for (let i = 0; i < records.tradeCount; i++) {
    const t = records.trade(i);
    trades.push({ netPnl: t.netPnl, barsHeld: t.barsHeld });
  }
  const input = {
    initialCash: result.initialCash,
    time: eq.time,
    equity: eq.equity,
    positionValue: eq.positionValue,
    trades,
    tradedNotional: tally.tradedNotional,
    periodsPerYear: ppy,
    benchmark: options.benchmark,
  };
  const { performance, sharpe, maxDrawdown: mdd } = runMetrics(input, undefined, options.periods !== false, options.scratch);
  return {
    strategy,
    symbols: result.symbols,
    start: formatTime(result.start),
    end: formatTime(result.end),
    bars: result.bars,
    quotes: result.quotes,
    trades: result.trades,
    initial_cash: result.initialCash,
    final_cash: result.finalCash,
    final_equity: result.finalEquity,
    net_profit: subExact(result.finalEquity, result.initialCash),
    total_return: result.initialCash > 0 ? result.finalEquity / result.initialCash - 1 : 0,
    realized_pnl: result.realizedPnl,
    unrealized_pnl: result.unrealizedPnl,
    fees: result.fees,
    closed_trades: records.tradeCount,
    open_trades: result.openTrades,
    orders: tally.orders,
    orders_filled: tally.filled,
    orders_rejected: tally.rejected,
    max_drawdown: mdd,
    sharpe: Number.isFinite(sharpe) ? sharpe : null,
    periods_per_year: ppy,
    invalid_rows: result.skipped.length,
    ...(options.adjustment !== undefined ? { adjustment: summaryAdjustment(options.adjustment) } : {}),
    fill_model: result.fillModel,
    carry: result.carry,
    balances: Object.fromEntries(result.balances),
    margin_calls: result.marginCalls.map((m) => ({ time: formatTime(m.time), equity: m.equity, maintenance: m.maintenance })),
    // Rejected orders by reason, and the submissions refused without a record (max_orders).
    rejections: Object.fromEntries([...rejections].sort()),
    risk_events: result.riskEvents.map((e) => ({ time: formatTime(e.time), scope: e.scope, symbol: e.symbol ?? null, from: e.from, to: e.to, reason: e.reason })),
    ambiguous_fills: result.ambiguousFills,
    fills: records.fillCount,
    book_events: result.bookEvents,
    unpaired_quote_bars: result.unpairedQuoteBars,
    final_margin: lastMargin(result.equity),
    instruments: Object.fromEntries(
      result.instruments.map((i) => [
        i.symbol,
        {
          kind: i.kind,
          position: i.quantity,
          average_price: Number.isFinite(i.averagePrice) ? i.averagePrice : null,
          last_price: Number.isFinite(i.lastPrice) ? i.lastPrice : null,
          realized_pnl: i.realizedPnl,
          unrealized_pnl: i.unrealizedPnl,
          fees: i.fees,
          net_pnl: addExact(subExact(addExact(i.realizedPnl, i.unrealizedPnl), i.fees), 0),
          margin: i.margin,
          closed_trades: i.closedTrades,
          ...(i.legs !== undefined ? { legs: { long: legSummary(i.legs.long), short: legSummary(i.legs.short) } } : {}),
        },
      ]),
    ),
    ...(result.positionMode === 'hedging' ? { position_mode: 'hedging' as const } : {}),
    ...(result.equitySampling === 'day' ? { equity_sampling: 'day' as const } : {}),
    ...performance,
    params,
  };
}

function legSummary(l: PositionResult): LegSummary {
  return {
    position: l.quantity,
    average_price: Number.isFinite(l.averagePrice) ? l.averagePrice : null,
    realized_pnl: l.realizedPnl,
    unrealized_pnl: l.unrealizedPnl,
    fees: l.fees,
    carry: l.carry,
    net_pnl: addExact(subExact(addExact(l.realizedPnl, l.unrealizedPnl), l.fees), 0),
    margin: l.margin,
    closed_trades: l.closedTrades,
  };
}
