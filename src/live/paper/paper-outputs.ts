import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TradingKernel } from '../../kernel/kernel.js';
import type { Order } from '../../model/order.js';
import { CsvFileWriter } from '../../report/csv-file-writer.js';
import { csvField } from '../../report/format.js';
import {
  EQUITY_HEADER,
  FILLS_HEADER,
  HEDGING_POSITIONS_HEADER,
  ORDERS_HEADER,
  POSITIONS_HEADER,
  TRADES_HEADER,
  writeEquityRow,
  writeFillRow,
  writeOrderRow,
  writeOrders,
  writePositionRow,
  writeTradeRow,
} from '../../report/writers.js';
import type { BacktestResult } from '../../kernel/result.js';
import { writeOutputFile } from '../../core/output-file.js';
import { INCIDENT_COLUMNS, incidentCsvRow } from '../incident-csv.js';
import type { Incident } from '../source.js';

/** incidents.csv's header. */
export const INCIDENTS_HEADER = INCIDENT_COLUMNS;

/** Orders in these states change no more: their rows can be written. */
const DONE: ReadonlySet<string> = new Set(['filled', 'cancelled', 'rejected', 'expired']);

/**
 * A paper run's files in --out, written as the run goes: fills.csv,
 * trades.csv, equity.csv and positions.csv get their rows appended (the
 * backtest's columns and formatting, rows in the same order) at each
 * `flush`; orders.csv gets each order's row once the order is done (filled,
 * cancelled, rejected, expired) and is rewritten in order id order, with
 * the orders still open, at `close`; incidents.csv gets each incident at
 * once. summary.json is written whole each time (a temporary file renamed
 * over it), by the run.
 */
export class PaperOutputs {
  private readonly fills: CsvFileWriter;
  private readonly trades: CsvFileWriter;
  private readonly equity: CsvFileWriter;
  private readonly positions: CsvFileWriter;
  private readonly orders: CsvFileWriter;
  private readonly incidents: CsvFileWriter;
  private readonly hedging: boolean;
  private readonly symbols: string[];
  private fillsDone = 0;
  private tradesDone = 0;
  private equityDone = 0;
  private positionsDone = 0;
  /** Orders (by index, id - 1) looked at so far; of those, `openOrders` are the ones not done yet, in index order. */
  private ordersSeen = 0;
  private openOrders: number[] = [];
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly kernel: TradingKernel,
  ) {
    mkdirSync(dir, { recursive: true });
    this.hedging = kernel.portfolio.hedging;
    this.symbols = kernel.instruments.map((i) => csvField(i.symbol));
    const open = (name: string, header: string): CsvFileWriter => {
      const w = new CsvFileWriter(join(dir, name), 1 << 16);
      w.text(header);
      w.endRow();
      return w;
    };
    const h = this.hedging;
    this.fills = open('fills.csv', h ? `${FILLS_HEADER},position_side` : FILLS_HEADER);
    this.trades = open('trades.csv', TRADES_HEADER);
    this.equity = open('equity.csv', EQUITY_HEADER);
    this.positions = open('positions.csv', h ? HEDGING_POSITIONS_HEADER : POSITIONS_HEADER);
    this.orders = open('orders.csv', h ? `${ORDERS_HEADER},position_side` : ORDERS_HEADER);
    this.incidents = open('incidents.csv', INCIDENTS_HEADER);
    this.flushFiles();
  }

  /** One incident, written (and flushed) at once. */
  incident(i: Incident): void {
    if (this.closed) return;
    const w = this.incidents;
    w.text(incidentCsvRow(i));
    w.endRow();
    w.flush();
  }

  /** Appends what the kernel recorded since the last flush, and writes it to the files. */
  flush(): void {
    if (this.closed) return;
    const k = this.kernel;
    const fills = k.orders.fills;
    const orderOf = this.hedging ? (id: number) => k.orders.get(id) : undefined;
    for (; this.fillsDone < fills.length; this.fillsDone++) writeFillRow(this.fills, fills.at(this.fillsDone), orderOf);
    const closed = k.portfolio.closedTrades;
    for (; this.tradesDone < closed.length; this.tradesDone++) writeTradeRow(this.trades, closed.at(this.tradesDone));
    const curve = k.equity.curve();
    const cash = curve.cashReader(this.equityDone);
    const margin = curve.marginReader(this.equityDone);
    for (; this.equityDone < curve.time.length; this.equityDone++) writeEquityRow(this.equity, curve, this.equityDone, cash, margin);
    const rows = k.positionLog.rows();
    for (; this.positionsDone < rows.length; this.positionsDone++) writePositionRow(this.positions, rows, this.positionsDone, this.symbols, this.hedging);
    this.flushOrders();
    this.flushFiles();
  }

  /**
   * The end of the run (the kernel finished): the last rows, orders.csv
   * rewritten whole in id order as a backtest writes it, every file closed.
   */
  close(result: BacktestResult): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const w of [this.fills, this.trades, this.equity, this.positions, this.orders, this.incidents]) w.close();
    writeOutputFile(join(this.dir, 'orders.csv'), (path) => writeOrders(path, result));
  }

  /** After a failure to write: the files closed as they are. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of [this.fills, this.trades, this.equity, this.positions, this.orders, this.incidents]) {
      try {
        w.close();
      } catch {
        // the first error is the one reported
      }
    }
  }

  /**
   * The orders that ended since the last flush, in index (id - 1) order:
   * those still open at the last flush, then the new ones. Only orders not
   * yet done are looked at again, so an order that stays open for the whole
   * session does not make every flush go over all the orders after it.
   */
  private flushOrders(): void {
    const orders = this.kernel.orders;
    const count = orders.orderCount;
    const stillOpen: number[] = [];
    const writeIfDone = (i: number): void => {
      const o = orders.get(i + 1) as Order;
      if (DONE.has(o.status)) writeOrderRow(this.orders, o, this.hedging);
      else stillOpen.push(i);
    };
    for (const i of this.openOrders) writeIfDone(i);
    for (let i = this.ordersSeen; i < count; i++) writeIfDone(i);
    this.ordersSeen = count;
    this.openOrders = stillOpen;
  }

  private flushFiles(): void {
    for (const w of [this.fills, this.trades, this.equity, this.positions, this.orders]) w.flush();
  }
}
