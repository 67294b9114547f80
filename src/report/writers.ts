import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { writeAll } from '../core/output-file.js';
import { join, resolve } from 'node:path';
import type { RunConfig } from '../backtest/config.js';
import type { BacktestResult } from '../backtest/engine.js';
import { COMPLETE_RUN, type RunStatus } from '../backtest/warnings.js';
import { isRemoteRoot } from '../data/index.js';
import { csvField, formatNumber, formatTime } from './format.js';
import type { Summary } from './summary.js';

export const TRADES_HEADER = 'trade_id,symbol,direction,quantity,entry_time,entry_price,exit_time,exit_price,gross_pnl,fees,net_pnl,bars_held,mae,mfe';
export const ORDERS_HEADER =
  'id,symbol,type,side,quantity,price,status,reason,created_time,filled_time,fill_price,fee,trigger_price,time_in_force,filled_quantity,parent_id,tag';
export const FILLS_HEADER = 'order_id,symbol,time,side,quantity,price,fee,liquidity';
export const POSITIONS_HEADER = 'time,symbol,quantity,average_price,price,market_value,unrealized_pnl,realized_pnl,fees';
/** positions.csv of a hedging account: a row per leg, `side` long or short. */
export const HEDGING_POSITIONS_HEADER = 'time,symbol,side,quantity,average_price,price,market_value,unrealized_pnl,realized_pnl,fees';
export const EQUITY_HEADER = 'time,equity,cash,position_value,margin';

/** Buffered line writer: large outputs without one string per file. */
class LineWriter {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  line(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.buf.length === 0) return;
    try {
      writeAll(this.fd, this.buf.join('\n') + '\n');
    } catch (e) {
      closeSync(this.fd); // a full disk: the caller removes the file
      this.fd = -1;
      throw e;
    }
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const n = formatNumber;
const t = formatTime;


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
  const w = new LineWriter(path);
  w.line(TRADES_HEADER);
  for (const tr of result.closedTrades) {
    w.line(
      [tr.tradeId, csvField(tr.symbol), tr.direction, n(tr.quantity), t(tr.entryTime), n(tr.entryPrice), t(tr.exitTime), n(tr.exitPrice), n(tr.grossPnl), n(tr.fees), n(tr.netPnl), tr.barsHeld, n(tr.mae), n(tr.mfe)].join(','),
    );
  }
  w.close();
}

export function writeOrders(path: string, result: BacktestResult): void {
  const w = new LineWriter(path);
  // A hedging account's orders name their position side, in one more column.
  const hedging = result.positionMode === 'hedging';
  w.line(hedging ? `${ORDERS_HEADER},position_side` : ORDERS_HEADER);
  for (const o of result.orders) {
    const row = [
        o.id,
        csvField(o.symbol),
        o.type,
        o.side,
        n(o.quantity),
        // The order's defining price: its limit, or else its trigger.
        n(Number.isNaN(o.price) ? o.triggerPrice : o.price),
        o.status,
        csvField(o.reason),
        t(o.createdTime),
        t(o.filledTime),
        n(o.fillPrice),
        o.filledQuantity > 0 ? n(o.fee) : '',
        n(o.triggerPrice),
        o.timeInForce,
        n(o.filledQuantity),
        o.parentId > 0 ? o.parentId : '',
        csvField(o.tag),
      ];
    if (hedging) row.push(o.positionSide ?? '');
    w.line(row.join(','));
  }
  w.close();
}

export function writeEquity(path: string, result: BacktestResult): void {
  const w = new LineWriter(path);
  w.line(EQUITY_HEADER);
  const e = result.equity;
  for (let i = 0; i < e.time.length; i++) {
    w.line(`${t(e.time[i] as number)},${n(e.equity[i] as number)},${n(e.cash[i] as number)},${n(e.positionValue[i] as number)},${n(e.margin[i] as number)}`);
  }
  w.close();
}

/** Every execution: several per order when it fills in parts. */
export function writeFills(path: string, result: BacktestResult): void {
  const w = new LineWriter(path);
  const hedging = result.positionMode === 'hedging';
  w.line(hedging ? `${FILLS_HEADER},position_side` : FILLS_HEADER);
  for (const f of result.fills) {
    const line = [f.orderId, csvField(f.symbol), t(f.time), f.quantity > 0 ? 'buy' : 'sell', n(Math.abs(f.quantity)), n(f.price), n(f.fee), f.liquidity].join(',');
    w.line(hedging ? `${line},${result.orders[f.orderId - 1]?.positionSide ?? ''}` : line);
  }
  w.close();
}

/** Positions of every instrument (every leg in a hedging account) after each fill and at the last step of each day. */
export function writePositions(path: string, result: BacktestResult): void {
  const w = new LineWriter(path);
  const hedging = result.positionMode === 'hedging';
  w.line(hedging ? HEDGING_POSITIONS_HEADER : POSITIONS_HEADER);
  const p = result.positions;
  for (let i = 0; i < p.length; i++) {
    const symbol = result.symbols[p.symbol[i] as number] ?? '';
    const where = hedging ? `${csvField(symbol)},${(p.side[i] as number) < 0 ? 'short' : 'long'}` : csvField(symbol);
    w.line(
      [t(p.time[i] as number), where, n(p.quantity[i] as number), n(p.averagePrice[i] as number), n(p.price[i] as number), n(p.marketValue[i] as number), n(p.unrealizedPnl[i] as number), n(p.realizedPnl[i] as number), n(p.fees[i] as number)].join(','),
    );
  }
  w.close();
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
