import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestResult } from '../backtest/engine.js';
import { csvField, formatNumber, formatTime } from './format.js';
import type { Summary } from './summary.js';

export const TRADES_HEADER = 'trade_id,symbol,direction,quantity,entry_time,entry_price,exit_time,exit_price,gross_pnl,fees,net_pnl,bars_held';
export const ORDERS_HEADER = 'id,symbol,type,side,quantity,price,status,reason,created_time,filled_time,fill_price,fee';
export const EQUITY_HEADER = 'time,equity,cash,position_value';

/** Buffered line writer: large outputs without one string per file. */
class LineWriter {
  private readonly fd: number;
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
    writeSync(this.fd, this.buf.join('\n') + '\n');
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

export function writeSummary(path: string, summary: Summary): void {
  writeFileSync(path, JSON.stringify(summary, null, 2) + '\n');
}

export function writeTrades(path: string, result: BacktestResult): void {
  const w = new LineWriter(path);
  w.line(TRADES_HEADER);
  for (const tr of result.closedTrades) {
    w.line(
      [tr.tradeId, csvField(tr.symbol), tr.direction, n(tr.quantity), t(tr.entryTime), n(tr.entryPrice), t(tr.exitTime), n(tr.exitPrice), n(tr.grossPnl), n(tr.fees), n(tr.netPnl), tr.barsHeld].join(','),
    );
  }
  w.close();
}

export function writeOrders(path: string, result: BacktestResult): void {
  const w = new LineWriter(path);
  w.line(ORDERS_HEADER);
  for (const o of result.orders) {
    w.line(
      [o.id, csvField(o.symbol), o.type, o.side, n(o.quantity), n(o.price), o.status, csvField(o.reason), t(o.createdTime), t(o.filledTime), n(o.fillPrice), o.status === 'filled' ? n(o.fee) : ''].join(','),
    );
  }
  w.close();
}

export function writeEquity(path: string, result: BacktestResult): void {
  const w = new LineWriter(path);
  w.line(EQUITY_HEADER);
  const e = result.equity;
  for (let i = 0; i < e.time.length; i++) {
    w.line(`${t(e.time[i] as number)},${n(e.equity[i] as number)},${n(e.cash[i] as number)},${n(e.positionValue[i] as number)}`);
  }
  w.close();
}

/** Writes summary.json, trades.csv, orders.csv and equity.csv into `dir`. */
export function writeRunOutputs(dir: string, result: BacktestResult, summary: Summary): string[] {
  mkdirSync(dir, { recursive: true });
  const files = ['summary.json', 'trades.csv', 'orders.csv', 'equity.csv'].map((f) => join(dir, f));
  const [s, tr, o, e] = files as [string, string, string, string];
  writeSummary(s, summary);
  writeTrades(tr, result);
  writeOrders(o, result);
  writeEquity(e, result);
  return files;
}
