import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunConfig } from '../backtest/config.js';
import type { BacktestResult } from '../backtest/engine.js';
import { COMPLETE_RUN, type RunStatus } from '../backtest/warnings.js';
import { isRemoteRoot } from '../data/index.js';
import { CsvFileWriter } from './csv-file-writer.js';
import { csvField } from './format.js';
import type { Summary } from './summary.js';
import { columnReader, type EquityCurve } from '../kernel/recorder.js';
import { runRecords } from '../kernel/result.js';
import type { PositionRows } from '../kernel/position-log.js';
import type { Fill } from '../model/events.js';
import { blankOrder, type Order } from '../model/order.js';
import type { ClosedTrade } from '../portfolio/trade-book.js';

export const TRADES_HEADER = 'trade_id,symbol,direction,quantity,entry_time,entry_price,exit_time,exit_price,gross_pnl,fees,net_pnl,bars_held,mae,mfe';
export const ORDERS_HEADER =
  'id,symbol,type,side,quantity,price,status,reason,created_time,filled_time,fill_price,fee,trigger_price,time_in_force,filled_quantity,parent_id,tag';
export const FILLS_HEADER = 'order_id,symbol,time,side,quantity,price,fee,liquidity';
export const POSITIONS_HEADER = 'time,symbol,quantity,average_price,price,market_value,unrealized_pnl,realized_pnl,fees';
/** positions.csv of a hedging account: a row per leg, `side` long or short. */
export const HEDGING_POSITIONS_HEADER = 'time,symbol,side,quantity,average_price,price,market_value,unrealized_pnl,realized_pnl,fees';
export const EQUITY_HEADER = 'time,equity,cash,position_value,margin';

export function writeSummary(path: string, summary: Summary, status: RunStatus = COMPLETE_RUN): void {
  const withStatus = {
    ...summary,
    complete: status.complete,
    ...(status.incompleteReason !== undefined ? { incomplete_reason: status.incompleteReason } : {}),
    warnings: status.warnings.map((w) => ({ code: w.code, message: w.message })),
  };
  writeFileSync(path, JSON.stringify(withStatus, null, 2) + '\n');
}

export function writeTrades(path: string, result: BacktestResult): void {
  const w = new CsvFileWriter(path);
  w.text(TRADES_HEADER);
  w.endRow();
  const records = runRecords(result);
  for (let i = 0; i < records.tradeCount; i++) writeTradeRow(w, records.trade(i));
  w.close();
}

export function writeOrders(path: string, result: BacktestResult): void {
  const w = new CsvFileWriter(path);
  // A hedging account's orders name their position side, in one more column.
  const hedging = result.positionMode === 'hedging';
  w.text(hedging ? `${ORDERS_HEADER},position_side` : ORDERS_HEADER);
  w.endRow();
  const records = runRecords(result);
  const scratch = blankOrder();
  for (let i = 0; i < records.orderCount; i++) writeOrderRow(w, records.order(i, scratch), hedging);
  w.close();
}

export function writeEquity(path: string, result: BacktestResult): void {
  const w = new CsvFileWriter(path);
  w.text(EQUITY_HEADER);
  w.endRow();
  const curve = result.equity;
  const cash = columnReader(curve, 'cash', 0);
  const margin = columnReader(curve, 'margin', 0);
  for (let i = 0; i < curve.time.length; i++) writeEquityRow(w, curve, i, cash, margin);
  w.close();
}

/** Every execution: several per order when it fills in parts. */
export function writeFills(path: string, result: BacktestResult): void {
  const w = new CsvFileWriter(path);
  const hedging = result.positionMode === 'hedging';
  w.text(hedging ? `${FILLS_HEADER},position_side` : FILLS_HEADER);
  w.endRow();
  const records = runRecords(result);
  const scratch = blankOrder();
  const orderOf = hedging ? (id: number) => (id >= 1 && id <= records.orderCount ? records.order(id - 1, scratch) : undefined) : undefined;
  for (let i = 0; i < records.fillCount; i++) writeFillRow(w, records.fill(i), orderOf);
  w.close();
}

/** Positions of every instrument (every leg in a hedging account) after each fill and at the last step of each day. */
export function writePositions(path: string, result: BacktestResult): void {
  const w = new CsvFileWriter(path);
  const hedging = result.positionMode === 'hedging';
  w.text(hedging ? HEDGING_POSITIONS_HEADER : POSITIONS_HEADER);
  w.endRow();
  const symbols = result.symbols.map((s) => csvField(s));
  const p = result.positions;
  for (let i = 0; i < p.length; i++) writePositionRow(w, p, i, symbols, hedging);
  w.close();
}

/** One row of trades.csv. */
export function writeTradeRow(w: CsvFileWriter, tr: ClosedTrade): void {
  w.int(tr.tradeId);
  w.comma();
  w.text(csvField(tr.symbol));
  w.comma();
  w.text(tr.direction);
  w.comma();
  w.number(tr.quantity);
  w.comma();
  w.time(tr.entryTime);
  w.comma();
  w.number(tr.entryPrice);
  w.comma();
  w.time(tr.exitTime);
  w.comma();
  w.number(tr.exitPrice);
  w.comma();
  w.number(tr.grossPnl);
  w.comma();
  w.number(tr.fees);
  w.comma();
  w.number(tr.netPnl);
  w.comma();
  w.int(tr.barsHeld);
  w.comma();
  w.number(tr.mae);
  w.comma();
  w.number(tr.mfe);
  w.endRow();
}

/** One row of orders.csv (`hedging`: with the position_side column). */
export function writeOrderRow(w: CsvFileWriter, o: Order, hedging: boolean): void {
  w.int(o.id);
  w.comma();
  w.text(csvField(o.symbol));
  w.comma();
  w.text(o.type);
  w.comma();
  w.text(o.side);
  w.comma();
  w.number(o.quantity);
  w.comma();
  // The order's defining price: its limit, or else its trigger.
  w.number(Number.isNaN(o.price) ? o.triggerPrice : o.price);
  w.comma();
  w.text(o.status);
  w.comma();
  w.text(csvField(o.reason));
  w.comma();
  w.time(o.createdTime);
  w.comma();
  w.time(o.filledTime);
  w.comma();
  w.number(o.fillPrice);
  w.comma();
  if (o.filledQuantity > 0) w.number(o.fee);
  w.comma();
  w.number(o.triggerPrice);
  w.comma();
  w.text(o.timeInForce);
  w.comma();
  w.number(o.filledQuantity);
  w.comma();
  if (o.parentId > 0) w.int(o.parentId);
  w.comma();
  w.text(csvField(o.tag));
  if (hedging) {
    w.comma();
    if (o.positionSide !== undefined) w.text(o.positionSide);
  }
  w.endRow();
}

/** Row `i` of equity.csv; `cash` and `margin` read those columns (columnReader: a recorded curve keeps them as steps). */
export function writeEquityRow(w: CsvFileWriter, curve: EquityCurve, i: number, cash: (row: number) => number, margin: (row: number) => number): void {
  w.time(curve.time[i] as number);
  w.comma();
  // Flat stretches repeat every column but the time: their text is copied (repeatedNumber), one slot a column.
  w.repeatedNumber(curve.equity[i] as number, 0);
  w.comma();
  w.repeatedNumber(cash(i), 1);
  w.comma();
  w.repeatedNumber(curve.positionValue[i] as number, 2);
  w.comma();
  w.repeatedNumber(margin(i), 3);
  w.endRow();
}

/** One row of fills.csv; `orderOf` (a hedging account's orders, by id) adds the position_side column. */
export function writeFillRow(w: CsvFileWriter, f: Fill, orderOf: ((id: number) => Order | undefined) | undefined): void {
  w.int(f.orderId);
  w.comma();
  w.text(csvField(f.symbol));
  w.comma();
  w.time(f.time);
  w.comma();
  w.text(f.quantity > 0 ? 'buy' : 'sell');
  w.comma();
  w.number(Math.abs(f.quantity));
  w.comma();
  w.number(f.price);
  w.comma();
  w.number(f.fee);
  w.comma();
  w.text(f.liquidity);
  if (orderOf !== undefined) {
    w.comma();
    const side = orderOf(f.orderId)?.positionSide;
    if (side !== undefined) w.text(side);
  }
  w.endRow();
}

/** Row `i` of the position log, as in positions.csv (`symbols` CSV-quoted as needed). */
export function writePositionRow(w: CsvFileWriter, p: PositionRows, i: number, symbols: readonly string[], hedging: boolean): void {
  w.time(p.time[i] as number);
  w.comma();
  w.text(symbols[p.symbol[i] as number] ?? '');
  if (hedging) {
    w.comma();
    w.text((p.side[i] as number) < 0 ? 'short' : 'long');
  }
  w.comma();
  w.number(p.quantity[i] as number);
  w.comma();
  w.number(p.averagePrice[i] as number);
  w.comma();
  w.number(p.price[i] as number);
  w.comma();
  w.number(p.marketValue[i] as number);
  w.comma();
  w.number(p.unrealizedPnl[i] as number);
  w.comma();
  w.number(p.realizedPnl[i] as number);
  w.comma();
  w.number(p.fees[i] as number);
  w.endRow();
}

/**
 * Writes summary.json, trades.csv, orders.csv, equity.csv, fills.csv and
 * positions.csv into `dir`, summary.json last (with the run's status), so
 * that a write cut short never leaves a summary beside cut files. The CLI
 * writes into a staging folder and swaps it into place (StagedRunFolder).
 */
export function writeRunOutputs(dir: string, result: BacktestResult, summary: Summary, status: RunStatus = COMPLETE_RUN): string[] {
  mkdirSync(dir, { recursive: true });
  const files = ['summary.json', 'trades.csv', 'orders.csv', 'equity.csv', 'fills.csv', 'positions.csv'].map((f) => join(dir, f));
  const [s, tr, o, e, f, p] = files as [string, string, string, string, string, string];
  writeTrades(tr, result);
  writeOrders(o, result);
  writeEquity(e, result);
  writeFills(f, result);
  writePositions(p, result);
  writeSummary(s, summary, status);
  return files;
}

/**
 * Writes run.json: the run's settings with absolute paths, so that
 * `quantflow report` can read the price data (and the benchmark) again.
 */
export function writeRunSettings(path: string, config: RunConfig, benchmark?: string): void {
  const abs = {
    ...config,
    strategy: resolve(config.strategy),
    data: config.data.map((d) => resolve(d)),
    ...(config.catalog !== undefined && !isRemoteRoot(config.catalog) ? { catalog: resolve(config.catalog) } : {}),
    out: resolve(config.out),
    ...(config.actions !== undefined ? { actions: resolve(config.actions) } : {}),
  };
  writeFileSync(path, JSON.stringify({ config: abs, benchmark: benchmark !== undefined ? resolve(benchmark) : null }, null, 2) + '\n');
}
