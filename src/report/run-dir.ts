import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunConfig } from '../backtest/config.js';
import { parseRunConfig } from '../backtest/config.js';
import { InputError } from '../core/errors.js';
import { parseIsoTime } from '../core/time.js';
import { inferPeriodsPerYear } from './metrics.js';
import type { PerformanceMetrics, PriceSeries } from './performance.js';
import { runMetrics } from './performance.js';

/** A closed trade as read back from trades.csv (mae and mfe are NaN in files written before they existed). */
export interface TradeRow {
  readonly tradeId: number;
  readonly symbol: string;
  readonly direction: string;
  readonly quantity: number;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly exitTime: number;
  readonly exitPrice: number;
  readonly grossPnl: number;
  readonly fees: number;
  readonly netPnl: number;
  readonly barsHeld: number;
  readonly mae: number;
  readonly mfe: number;
}

/** The settings a run was made with (run.json): enough to read its data again. */
export interface RunSettings {
  readonly config: RunConfig;
  /** Benchmark file given with --benchmark, or null. */
  readonly benchmark: string | null;
}

/** A run directory read back: the files `backtest` writes. */
export interface RunFiles {
  readonly dir: string;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  readonly positionValue: Float64Array;
  readonly trades: readonly TradeRow[];
  /** Sum of |quantity x fill price| over the filled orders of orders.csv. */
  readonly tradedNotional: number;
  readonly settings: RunSettings | undefined;
}

/** Splits one CSV line, honouring double quotes. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

interface CsvTable {
  readonly file: string;
  readonly header: readonly string[];
  readonly rows: readonly string[][];
}

function readCsv(file: string, required: readonly string[]): CsvTable {
  if (!existsSync(file)) throw new InputError({ code: 'file_not_found', file, message: 'not found (is this a run directory written by quantflow backtest?)' });
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  for (const name of required) {
    if (!header.includes(name)) throw new InputError({ code: 'missing_column', file, line: 1, column: name, message: `no column '${name}'` });
  }
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.length > 0) rows.push(splitCsvLine(l));
  }
  return { file, header, rows };
}

/** Reads column `name` of every row with `parse`, naming the line and value of a bad one. */
function column<T>(t: CsvTable, name: string, parse: (s: string) => T | undefined, optional = false): T[] {
  const k = t.header.indexOf(name);
  return t.rows.map((row, i) => {
    const s = k < 0 ? undefined : row[k];
    if (s === undefined) {
      if (optional) return parse('') as T;
      throw new InputError({ code: 'field_count', file: t.file, line: i + 2, column: name, message: 'missing field' });
    }
    const v = parse(s);
    if (v === undefined) throw new InputError({ code: 'unparseable_field', file: t.file, line: i + 2, column: name, value: s, message: 'not readable' });
    return v;
  });
}

/** A number; empty text reads as NaN (how the writers write an undefined number). */
const number = (s: string): number | undefined => {
  if (s === '') return NaN;
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
};
const time = (s: string): number | undefined => (s === '' ? NaN : parseIsoTime(s));
const text = (s: string): string => s;

/** Refuses what is not a run directory (missing, a file, no summary.json) before anything is read or written. */
export function requireRunDir(dir: string): void {
  if (!existsSync(dir)) throw new InputError({ code: 'file_not_found', file: dir, message: 'run directory not found' });
  if (!statSync(dir).isDirectory()) throw new InputError({ code: 'file_not_found', file: dir, message: 'is a file, not a run directory' });
  const summaryFile = join(dir, 'summary.json');
  if (!existsSync(summaryFile)) throw new InputError({ code: 'file_not_found', file: summaryFile, message: 'not found (is this a run directory written by quantflow backtest?)' });
}

/** A note for what is made of a run that stopped before the end of its data (summary.json `"complete": false`), else undefined. */
export function incompleteNote(summary: Readonly<Record<string, unknown>>): string | undefined {
  if (summary.complete !== false) return undefined;
  const why = typeof summary.incomplete_reason === 'string' ? `: ${summary.incomplete_reason}` : '';
  return `the run is incomplete${why}; it shows what ran until then`;
}

/** The files of a run directory that readRunDir reads. */
export const RUN_DIR_INPUTS: readonly string[] = ['summary.json', 'equity.csv', 'trades.csv', 'orders.csv', 'run.json'];

/** Reads summary.json, equity.csv, trades.csv, orders.csv and (when present) run.json of a run directory. */
export function readRunDir(dir: string): RunFiles {
  requireRunDir(dir);
  const summaryFile = join(dir, 'summary.json');
  let summary: Record<string, unknown>;
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new InputError({ code: 'invalid_config', file: summaryFile, message: `not JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
  const eq = readCsv(join(dir, 'equity.csv'), ['time', 'equity', 'cash', 'position_value']);
  const tr = readCsv(join(dir, 'trades.csv'), ['symbol', 'direction', 'quantity', 'entry_time', 'entry_price', 'exit_time', 'exit_price', 'net_pnl', 'bars_held']);
  const trades: TradeRow[] = [];
  const cols = {
    id: column(tr, 'trade_id', number, true),
    symbol: column(tr, 'symbol', text),
    direction: column(tr, 'direction', text),
    quantity: column(tr, 'quantity', number),
    entryTime: column(tr, 'entry_time', time),
    entryPrice: column(tr, 'entry_price', number),
    exitTime: column(tr, 'exit_time', time),
    exitPrice: column(tr, 'exit_price', number),
    gross: column(tr, 'gross_pnl', number, true),
    fees: column(tr, 'fees', number, true),
    net: column(tr, 'net_pnl', number),
    bars: column(tr, 'bars_held', number),
    mae: column(tr, 'mae', number, true),
    mfe: column(tr, 'mfe', number, true),
  };
  for (let i = 0; i < tr.rows.length; i++) {
    trades.push({
      tradeId: Number.isNaN(cols.id[i] as number) ? i + 1 : (cols.id[i] as number),
      symbol: cols.symbol[i] as string,
      direction: cols.direction[i] as string,
      quantity: cols.quantity[i] as number,
      entryTime: cols.entryTime[i] as number,
      entryPrice: cols.entryPrice[i] as number,
      exitTime: cols.exitTime[i] as number,
      exitPrice: cols.exitPrice[i] as number,
      grossPnl: cols.gross[i] as number,
      fees: cols.fees[i] as number,
      netPnl: cols.net[i] as number,
      barsHeld: cols.bars[i] as number,
      mae: cols.mae[i] as number,
      mfe: cols.mfe[i] as number,
    });
  }
  let tradedNotional = 0;
  const ordersFile = join(dir, 'orders.csv');
  if (existsSync(ordersFile)) {
    const o = readCsv(ordersFile, ['quantity', 'status', 'fill_price']);
    const q = column(o, 'quantity', number);
    const st = column(o, 'status', text);
    const px = column(o, 'fill_price', number);
    for (let i = 0; i < o.rows.length; i++) {
      if (st[i] === 'filled' && Number.isFinite(px[i] as number)) tradedNotional += Math.abs((q[i] as number) * (px[i] as number));
    }
  }
  return {
    dir,
    summary,
    time: Float64Array.from(column(eq, 'time', time)),
    equity: Float64Array.from(column(eq, 'equity', number)),
    cash: Float64Array.from(column(eq, 'cash', number)),
    positionValue: Float64Array.from(column(eq, 'position_value', number)),
    trades,
    tradedNotional,
    settings: readRunSettings(join(dir, 'run.json')),
  };
}

/** run.json, validated; undefined when the run has none. */
export function readRunSettings(file: string): RunSettings | undefined {
  if (!existsSync(file)) return undefined;
  let raw: { config?: unknown; benchmark?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as { config?: unknown; benchmark?: unknown };
  } catch (e) {
    throw new InputError({ code: 'invalid_config', file, message: `not JSON: ${e instanceof Error ? e.message : String(e)}` });
  }
  return { config: parseRunConfig(withRecordedData(raw.config, dirname(file)), file), benchmark: typeof raw.benchmark === 'string' ? raw.benchmark : null };
}

/**
 * A paper or live run has no data files (its run.json says `data: []`): the
 * market data it recorded in market-data/ stands in for them.
 */
function withRecordedData(config: unknown, dir: string): unknown {
  if (config === null || typeof config !== 'object') return config;
  const c = config as Record<string, unknown>;
  if (!Array.isArray(c.data) || c.data.length > 0 || c.catalog !== undefined) return config;
  const folder = join(dir, 'market-data');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return config;
  const files = readdirSync(folder).filter((f) => f.endsWith('.csv')).sort();
  return files.length > 0 ? { ...c, data: files.map((f) => join(folder, f)) } : config;
}

/** The run's initial cash: summary.json's, else the first equity value. */
export function initialCashOf(run: RunFiles): number {
  const c = run.summary.initial_cash;
  return typeof c === 'number' ? c : (run.equity[0] ?? 0);
}

/** Recomputes every metric of docs/metrics.md from a run's files (the numbers summary.json holds). */
export function runPerformance(run: RunFiles, benchmark?: PriceSeries): PerformanceMetrics & { sharpe: number | null; max_drawdown: number; total_return: number; periods_per_year: number } {
  const initial = initialCashOf(run);
  const ppy = inferPeriodsPerYear(run.time);
  const { performance, sharpe, maxDrawdown: mdd } = runMetrics({
    initialCash: initial,
    time: run.time,
    equity: run.equity,
    positionValue: run.positionValue,
    trades: run.trades,
    tradedNotional: run.tradedNotional,
    periodsPerYear: ppy,
    benchmark,
  });
  const final = run.equity.length > 0 ? (run.equity[run.equity.length - 1] as number) : initial;
  return { ...performance, sharpe: Number.isFinite(sharpe) ? sharpe : null, max_drawdown: mdd, total_return: initial > 0 ? final / initial - 1 : 0, periods_per_year: ppy };
}
