import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { writeOutputFile } from '../../core/output-file.js';
import { parseRunConfig } from '../../backtest/config.js';
import type { RunHooks } from '../../backtest/run.js';
import { instrumentsForSymbols, openFeeds, runBacktestConfig } from '../../backtest/run.js';
import { writeReport } from '../../report/tearsheet.js';
import type { ReconciliationView } from '../../report/reconciliation-section.js';
import type { OrderFills } from './decompose.js';
import { PART_NAMES, decomposePair, sumParts } from './decompose.js';
import type { Exact } from './exact.js';
import { ZERO, exactOf, exactText, sub, sum } from './exact.js';
import { MarketPrices } from './market-prices.js';
import { aggregateFills, backtestFills, runDirFills } from './order-fills.js';
import type { LiveSession } from './journal-fills.js';
import { journalFills } from './journal-fills.js';
import type { ReconcileRow } from './reconcile-csv.js';
import { pairRow, writeReconcileCsv } from './reconcile-csv.js';

export interface ReconcileRunOptions {
  /** The run directory (paper or live). */
  readonly dir: string;
  /** Where reconcile.csv, reconcile.json and report.html go (default `dir`). */
  readonly out?: string | undefined;
  /** Execution settings over the run's (the backtest's `execution` object: latencyMs, slippage, fillModel, ...). */
  readonly execution?: Readonly<Record<string, unknown>> | undefined;
  readonly hooks?: RunHooks | undefined;
}

export interface ReconcileRunResult {
  readonly rows: readonly ReconcileRow[];
  /** reconcile.json's content. */
  readonly view: ReconciliationView;
  readonly out: string;
}

/**
 * Backtest versus live: re-runs the run's strategy as a backtest on the
 * market data the run recorded, pairs each order's fills with the
 * backtest's by the order's sequence number, symbol and side, and splits the
 * gap between the two final equities into parts that add up to it exactly.
 */
export async function reconcileRun(o: ReconcileRunOptions): Promise<ReconcileRunResult> {
  const dir = o.dir;
  const out = o.out ?? dir;
  const runJson = readRunJson(dir);
  const marketData = marketDataFiles(dir);
  const liveSummary = readJson(join(dir, 'summary.json'));
  const liveEquity = typeof liveSummary.final_equity === 'number' ? liveSummary.final_equity : undefined;
  if (liveEquity === undefined) throw new InputError({ code: 'invalid_config', file: join(dir, 'summary.json'), field: 'final_equity', message: 'expected a number (is the run finished?)' });
  const saved = runJson.config as Record<string, unknown>;
  const execution = { ...(saved.execution as Record<string, unknown> | undefined), ...o.execution };
  // Maker/taker rates given replace the run's fee model: a run has one (a fee rate or a fee per unit otherwise).
  const fees = o.execution?.feeMaker !== undefined || o.execution?.feeTaker !== undefined ? { feeRate: undefined, feePerUnit: undefined } : {};
  // The backtest writes nothing of its own: its results stay in memory.
  const config = parseRunConfig({ ...saved, ...fees, data: marketData, out, execution }, join(dir, 'run.json'));

  const backtest = await runBacktestConfig(config, o.hooks ?? {});
  const result = backtest.result;
  const prices = MarketPrices.read(openFeeds(config));
  const instruments = new Map(instrumentsForSymbols(config, result.symbols).map((i) => [i.symbol, i]));
  const marks = new Map(result.instruments.map((i) => [i.symbol, i.lastPrice]));

  const session = liveSession(liveSummary, join(dir, 'summary.json'));
  const live = aggregateFills(session !== undefined ? journalFills(dir, session) : runDirFills(dir));
  const modeled = aggregateFills(backtestFills(result.fills));
  const rows: ReconcileRow[] = [];
  for (const [liveOrder, modeledOrder] of pairOrders(live, modeled)) {
    const any = (liveOrder ?? modeledOrder) as OrderFills;
    const mark = marks.get(any.symbol);
    const market = {
      multiplier: exactOf(instruments.get(any.symbol)?.multiplier ?? 1),
      mark: mark !== undefined && mark === mark ? exactOf(mark) : ZERO,
      atLive: liveOrder !== undefined ? prices.priceAt(any.symbol, any.side, liveOrder.time) : ZERO,
      atModel: modeledOrder !== undefined ? prices.priceAt(any.symbol, any.side, modeledOrder.time) : ZERO,
    };
    rows.push(pairRow(liveOrder, modeledOrder, decomposePair(liveOrder, modeledOrder, market)));
  }

  const parts = sumParts(rows.map((r) => r.gap.parts));
  const fillsGap = sum(rows.map((r) => r.gap.gap));
  const liveFinal = exactOf(liveEquity);
  const backtestFinal = exactOf(result.finalEquity);
  const total = sub(liveFinal, backtestFinal);
  const text = (x: Exact): string => exactText(x);
  const partTexts: Record<string, string> = {};
  for (const name of PART_NAMES) partTexts[name] = text(parts[name]);
  partTexts.other = text(sub(total, fillsGap));
  const count = (s: string): number => rows.filter((r) => r.gap.status === s).length;
  const view: ReconciliationView = {
    run: dir,
    strategy: typeof liveSummary.strategy === 'string' ? liveSummary.strategy : backtest.strategyName,
    symbols: [...result.symbols],
    starting_cash: text(exactOf(result.initialCash)),
    live_final_equity: text(liveFinal),
    backtest_final_equity: text(backtestFinal),
    total_gap: text(total),
    parts: partTexts,
    orders: { matched: count('matched'), only_live: count('only_live'), only_backtest: count('only_backtest') },
    fills: { live: live.reduce((n, f) => n + f.fills, 0), backtest: modeled.reduce((n, f) => n + f.fills, 0) },
    execution: config.execution as unknown as Readonly<Record<string, unknown>>,
    largest: [...rows]
      .filter((r) => r.gap.gap.units !== 0n)
      .sort((a, b) => compareMagnitude(b.gap.gap, a.gap.gap) || a.seq - b.seq)
      .slice(0, 10)
      .map((r) => ({ seq: r.seq, symbol: r.symbol, side: r.side, status: r.gap.status, gap: text(r.gap.gap), time_diff_us: r.timeDiff })),
  };

  mkdirSync(out, { recursive: true });
  writeOutputFile(join(out, 'reconcile.csv'), (path) => writeReconcileCsv(path, rows));
  writeOutputFile(join(out, 'reconcile.json'), (path) => writeJson(path, view));
  writeOutputFile(join(out, 'report.html'), (path) => writeReport(dir, { out: path, reconciliation: view }));
  return { rows, view, out };
}

/**
 * Pairs orders by sequence number, symbol and side; an order on one side
 * only (or whose symbol or side differ) is paired with nothing. In
 * sequence-number order, a live order before the backtest's of the same number.
 */
export function pairOrders(live: readonly OrderFills[], modeled: readonly OrderFills[]): [OrderFills | undefined, OrderFills | undefined][] {
  const key = (f: OrderFills): string => `${f.seq}\u0000${f.symbol}\u0000${f.side}`;
  const byKey = new Map<string, OrderFills>();
  for (const m of modeled) byKey.set(key(m), m);
  const pairs: [OrderFills | undefined, OrderFills | undefined][] = [];
  const used = new Set<OrderFills>();
  for (const l of live) {
    const m = byKey.get(key(l));
    if (m !== undefined && !used.has(m)) {
      used.add(m);
      pairs.push([l, m]);
    } else pairs.push([l, undefined]);
  }
  for (const m of modeled) if (!used.has(m)) pairs.push([undefined, m]);
  const seqOf = (p: [OrderFills | undefined, OrderFills | undefined]): number => (p[0] ?? p[1])?.seq ?? 0;
  const rank = (p: [OrderFills | undefined, OrderFills | undefined]): number => (p[0] !== undefined ? 0 : 1);
  return pairs.sort((a, b) => seqOf(a) - seqOf(b) || rank(a) - rank(b));
}

/**
 * A live run's session (summary.json's `live.venue`: `run_id` and
 * `start.adopted_orders`); undefined for a paper run.
 */
function liveSession(summary: Record<string, unknown>, file: string): LiveSession | undefined {
  const live = summary.live as Record<string, unknown> | undefined;
  const venue = live?.venue as Record<string, unknown> | undefined;
  if (venue === undefined || venue === null || typeof venue !== 'object') return undefined;
  const runId = venue.run_id;
  if (typeof runId !== 'string' || runId === '') throw new InputError({ code: 'invalid_config', file, field: 'live.venue.run_id', value: String(runId), message: "expected the session's client order id prefix" });
  const adopted = (venue.start as Record<string, unknown> | undefined)?.adopted_orders ?? 0;
  if (typeof adopted !== 'number' || !Number.isInteger(adopted) || adopted < 0) throw new InputError({ code: 'invalid_config', file, field: 'live.venue.start.adopted_orders', value: String(adopted), message: 'expected a count of orders' });
  return { runId, adopted };
}

function compareMagnitude(a: Exact, b: Exact): number {
  const abs = (x: Exact): Exact => (x.units < 0n ? { units: -x.units, scale: x.scale } : x);
  const d = sub(abs(a), abs(b));
  return d.units > 0n ? 1 : d.units < 0n ? -1 : 0;
}

function readRunJson(dir: string): Record<string, unknown> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError({ code: 'file_not_found', file: dir, message: 'run directory not found' });
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new InputError({ code: 'file_not_found', file, message: 'not found (is this a run directory written by quantflow paper or live?)' });
  const json = readJson(file);
  if (json.config === null || typeof json.config !== 'object') throw new InputError({ code: 'invalid_config', file, field: 'config', message: "expected the run's settings (an object)" });
  return json;
}

function marketDataFiles(dir: string): string[] {
  const folder = join(dir, 'market-data');
  const files = existsSync(folder) && statSync(folder).isDirectory() ? readdirSync(folder).filter((f) => f.endsWith('.csv')).sort() : [];
  if (files.length === 0) throw new InputError({ code: 'file_not_found', file: folder, message: 'no recorded market data (.csv files) to backtest on' });
  return files.map((f) => join(folder, f));
}

function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new InputError({ code: 'file_not_found', file, message: 'not found (is this a run directory written by quantflow paper or live?)' });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError({ code: 'invalid_config', file, message: `not valid JSON: ${(e as Error).message}` });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError({ code: 'invalid_config', file, message: 'expected a JSON object' });
  return value as Record<string, unknown>;
}

function writeJson(path: string, view: ReconciliationView): void {
  writeFileSync(path, JSON.stringify(view, null, 2) + '\n');
}
