import { AdjustedFeed, CsvFeed } from '../data/index.js';
import { formatIssue, type Issue } from '../core/errors.js';
import { formatIso } from '../core/time.js';
import type { MarketFeed } from '../model/market.js';
import type { RunConfig } from './config.js';
import type { BacktestResult } from './engine.js';
import { tallyOrders } from '../kernel/result.js';

/** Something about a run its numbers do not show: no data at all, every order refused for cash, ... */
export interface RunWarning {
  readonly code: 'no_data' | 'feed_without_data' | 'zero_cash' | 'all_orders_rejected' | 'max_orders' | 'book_not_continuous';
  readonly message: string;
}

/**
 * Whether a run went to the end of its data (`complete`), why not
 * (`incompleteReason`: a strategy error), and its warnings; summary.json
 * ends with them.
 */
export interface RunStatus {
  readonly complete: boolean;
  readonly incompleteReason?: string;
  readonly warnings: readonly RunWarning[];
}

export const COMPLETE_RUN: RunStatus = { complete: true, warnings: [] };

function csvOf(feed: MarketFeed): CsvFeed | undefined {
  const f = feed instanceof AdjustedFeed ? feed.inner : feed;
  return f instanceof CsvFeed ? f : undefined;
}

/** Why a CSV feed gave no rows, or undefined when it gave some. */
function emptyCsvReason(feed: CsvFeed, config: Pick<RunConfig, 'from' | 'to'>): string | undefined {
  const delivered = feed.rowsRead - feed.rowsOutsideWindow - feed.skipped.length;
  if (delivered > 0) return undefined;
  if (feed.rowsRead === 0) return `${feed.source} has no data rows`;
  if (feed.rowsOutsideWindow > 0) {
    const window = [config.from !== undefined ? `--from ${config.from}` : '', config.to !== undefined ? `--to ${config.to}` : ''].filter((s) => s !== '').join(' ');
    return `no row of ${feed.source} falls within ${window}`;
  }
  return `every row of ${feed.source} was invalid (skipped)`;
}

/** The trading window as its flags: `--trade-from T1 --trade-to T2`. */
function tradingWindow(config: Pick<RunConfig, 'tradeFrom' | 'tradeTo'>): string {
  return [config.tradeFrom !== undefined ? `--trade-from ${config.tradeFrom}` : '', config.tradeTo !== undefined ? `--trade-to ${config.tradeTo}` : ''].filter((s) => s !== '').join(' ');
}

/**
 * What a run should say about itself besides its numbers (on stderr and in
 * summary.json): it ran over no data; one of its files gave no rows; it
 * started with no cash; every order it sent was rejected. A strategy that
 * sends no order, or closes no trade, is not warned about: that can be its
 * decision, and the summary shows it.
 */
export function runWarnings(result: BacktestResult, feeds: readonly MarketFeed[], config: Pick<RunConfig, 'from' | 'to' | 'cash' | 'tradeFrom' | 'tradeTo'>): RunWarning[] {
  const warnings: RunWarning[] = [];
  const events = result.bars + result.quotes + result.trades + result.bookEvents;
  const reasons = feeds.map((f) => {
    const csv = csvOf(f);
    return csv !== undefined ? emptyCsvReason(csv, config) : undefined;
  });
  if (events === 0) {
    const known = reasons.filter((r): r is string => r !== undefined);
    const why = known.length > 0 ? known.join('; ') : config.tradeFrom !== undefined || config.tradeTo !== undefined ? `no data falls in the trading window (${tradingWindow(config)})` : `no rows in ${feeds.map((f) => f.source).join(', ')}`;
    warnings.push({ code: 'no_data', message: `the run had no data to run over: ${why}` });
  } else {
    for (const r of reasons) if (r !== undefined) warnings.push({ code: 'feed_without_data', message: `${r}: the run went on with the other data` });
  }
  const { orders, rejected, rejectedByReason: byReason } = tallyOrders(result);
  const reasonText = [...byReason].sort().map(([r, n]) => `${r}: ${n}`).join(', ');
  if (config.cash === 0) {
    const after = orders === 0 ? '' : rejected === orders ? `; all ${orders} orders were rejected (${reasonText})` : `; ${rejected} of ${orders} orders were rejected`;
    warnings.push({ code: 'zero_cash', message: `the starting cash is 0 (--cash 0): orders that need cash or margin are rejected${after}` });
  } else if (orders > 0 && rejected === orders) {
    const cash = byReason.has('insufficient_cash') || byReason.has('insufficient_margin') ? ` (is --cash ${config.cash} enough for one order?)` : '';
    warnings.push({ code: 'all_orders_rejected', message: `all ${orders} orders the strategy sent were rejected (${reasonText})${cash}` });
  }
  const trip = result.riskEvents.find((e) => e.reason === 'max_orders');
  if (trip !== undefined) {
    const refused = result.ordersNotRecorded.max_orders ?? 0;
    warnings.push({
      code: 'max_orders',
      message: `the run reached --max-orders (${orders} orders) at ${formatIso(trip.time)}: the kill switch halted trading and cancelled the working orders${refused > 0 ? `; ${refused} later orders were refused without a record` : ''}`,
    });
  }
  for (const f of feeds) {
    const w = f.warnings ?? [];
    if (w.length === 0) continue;
    const gaps = w.filter((i) => i.code === 'sequence_gap').length;
    const crossed = w.length - gaps;
    warnings.push({
      code: 'book_not_continuous',
      message: `${f.source}: ${gaps} sequence gap(s) and ${crossed} crossed book(s), replayed as written (--on-gap warn); first: ${formatIssue(w[0] as Issue)}`,
    });
  }
  return warnings;
}
