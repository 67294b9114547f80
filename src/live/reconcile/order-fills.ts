import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { parseIsoTime, type Micros } from '../../core/time.js';
import type { Fill } from '../../model/events.js';
import { splitCsvLine } from '../../report/run-dir.js';
import type { OrderFills } from './decompose.js';
import type { Exact } from './exact.js';
import { ZERO, add, exactOf, mul, parseExact } from './exact.js';

/** One fill as the reconciliation reads it: exact decimals, the order's sequence number. */
export interface FillRecord {
  /** The run's own order id (fills of one order share it). */
  readonly orderId: string;
  readonly seq: number;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly time: Micros;
  readonly quantity: Exact;
  readonly price: Exact;
  readonly fee: Exact;
}

/** Fills aggregated per order: summed quantities, notionals and fees, the first fill's time, the last fill's price; in first-fill order. */
export function aggregateFills(fills: Iterable<FillRecord>): OrderFills[] {
  const byOrder = new Map<string, { orderId: string; seq: number; symbol: string; side: 'buy' | 'sell'; quantity: Exact; notional: Exact; fees: Exact; time: Micros; lastPrice: Exact; fills: number }>();
  for (const f of fills) {
    const o = byOrder.get(f.orderId);
    if (o === undefined) {
      byOrder.set(f.orderId, { orderId: f.orderId, seq: f.seq, symbol: f.symbol, side: f.side, quantity: f.quantity, notional: mul(f.quantity, f.price), fees: f.fee, time: f.time, lastPrice: f.price, fills: 1 });
      continue;
    }
    o.quantity = add(o.quantity, f.quantity);
    o.notional = add(o.notional, mul(f.quantity, f.price));
    o.fees = add(o.fees, f.fee);
    o.lastPrice = f.price;
    o.fills++;
  }
  return [...byOrder.values()];
}

/** A backtest's fills (the order id is the sequence number). */
export function backtestFills(fills: readonly Fill[]): FillRecord[] {
  return fills.map((f) => ({
    orderId: String(f.orderId),
    seq: f.orderId,
    symbol: f.symbol,
    side: f.quantity > 0 ? 'buy' : 'sell',
    time: f.time,
    quantity: exactOf(Math.abs(f.quantity)),
    price: exactOf(f.price),
    fee: exactOf(f.fee),
  }));
}

/**
 * The fills of a run directory (paper or live): fills.csv, with each order's
 * sequence number from orders.csv: the number after the last `-` of its
 * `client_order_id` (`<runId>-<n>`) when the file has that column, else its id.
 */
export function runDirFills(dir: string): FillRecord[] {
  const seqOf = orderSequences(join(dir, 'orders.csv'));
  const file = join(dir, 'fills.csv');
  const rows = csvRows(file);
  const at = columnsOf(file, rows.header, ['order_id', 'symbol', 'time', 'side', 'quantity', 'price', 'fee']);
  return rows.rows.map(({ cells, line }) => {
    const field = (name: string): string => cells[at[name] as number] ?? '';
    const orderId = field('order_id');
    const side = field('side');
    if (side !== 'buy' && side !== 'sell') throw bad(file, line, 'side', side, 'expected buy or sell');
    const time = parseIsoTime(field('time'));
    if (time === undefined || Number.isNaN(time)) throw bad(file, line, 'time', field('time'), 'expected an ISO 8601 time');
    const num = (name: string): Exact => {
      const v = parseExact(field(name));
      if (v === undefined) throw bad(file, line, name, field(name), 'expected a decimal number');
      return v;
    };
    const seq = seqOf.get(orderId) ?? Number(orderId);
    if (!Number.isInteger(seq)) throw bad(file, line, 'order_id', orderId, 'expected an order id (an integer, or one named in orders.csv)');
    return { orderId, seq, symbol: field('symbol'), side, time, quantity: num('quantity'), price: num('price'), fee: field('fee') === '' ? ZERO : num('fee') };
  });
}

function orderSequences(file: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(file)) return out;
  const rows = csvRows(file);
  const at = columnsOf(file, rows.header, ['id']);
  const client = rows.header.indexOf('client_order_id');
  for (const { cells, line } of rows.rows) {
    const id = cells[at.id as number] ?? '';
    const text = client >= 0 ? (cells[client] ?? '') : id;
    const seq = Number(text.slice(text.lastIndexOf('-') + 1));
    if (!Number.isInteger(seq) || text === '') throw bad(file, line, client >= 0 ? 'client_order_id' : 'id', text, 'expected an order number (or <runId>-<n>)');
    out.set(id, seq);
  }
  return out;
}

function csvRows(file: string): { header: string[]; rows: { cells: string[]; line: number }[] } {
  if (!existsSync(file)) throw new InputError({ code: 'file_not_found', file, message: 'not found (is this a run directory written by quantflow paper or live?)' });
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  const rows: { cells: string[]; line: number }[] = [];
  for (let i = 1; i < lines.length; i++) if ((lines[i] as string) !== '') rows.push({ cells: splitCsvLine(lines[i] as string), line: i + 1 });
  return { header, rows };
}

function columnsOf(file: string, header: readonly string[], names: readonly string[]): Record<string, number> {
  const at: Record<string, number> = {};
  for (const n of names) {
    const i = header.indexOf(n);
    if (i < 0) throw new InputError({ code: 'missing_column', file, line: 1, column: n, message: `no '${n}' column` });
    at[n] = i;
  }
  return at;
}

function bad(file: string, line: number, field: string, value: string, message: string): InputError {
  return new InputError({ code: 'unparseable_field', file, line, column: field, value, message });
}
