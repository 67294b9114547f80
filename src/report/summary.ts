import type { BacktestResult } from '../backtest/engine.js';
import { formatTime } from './format.js';
import { inferPeriodsPerYear, maxDrawdown, sharpeRatio, stepReturns } from './metrics.js';

/** The run's headline numbers, written to summary.json with these snake_case keys. */
export interface Summary {
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
  readonly params: Readonly<Record<string, unknown>>;
}

export function summarize(result: BacktestResult, strategy: string, params: Readonly<Record<string, unknown>> = {}): Summary {
  const eq = result.equity;
  const ppy = inferPeriodsPerYear(eq.time);
  const sharpe = sharpeRatio(stepReturns(result.initialCash, eq.equity), ppy);
  let filled = 0;
  let rejected = 0;
  for (const o of result.orders) {
    if (o.status === 'filled') filled++;
    else if (o.status === 'rejected') rejected++;
  }
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
    net_profit: result.finalEquity - result.initialCash,
    total_return: result.initialCash > 0 ? result.finalEquity / result.initialCash - 1 : 0,
    realized_pnl: result.realizedPnl,
    unrealized_pnl: result.unrealizedPnl,
    fees: result.fees,
    closed_trades: result.closedTrades.length,
    open_trades: result.openTrades,
    orders: result.orders.length,
    orders_filled: filled,
    orders_rejected: rejected,
    max_drawdown: maxDrawdown(result.initialCash, eq.equity),
    sharpe: Number.isFinite(sharpe) ? sharpe : null,
    periods_per_year: ppy,
    invalid_rows: result.skipped.length,
    params,
  };
}
