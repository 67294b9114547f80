import { basename, extname } from 'node:path';
import type { Issue } from '../core/errors.js';
import { parseIsoTime, type Micros } from '../core/time.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { AdjustedFeed, CheckedBookFeed, ColumnsFeed, adjustFeed, datasetDir, describeDataset, findDatasets, preloadDatasets, openBookFeed, openCatalogFeed, openCsvFeed, readActionsFile, type AdjustmentInfo, type DatasetKey, type ReadRequest } from '../data/index.js';
import type { CsvFeedOptions } from '../data/index.js';
import { InputError, InvariantError } from '../core/errors.js';
import type { FeeModel } from '../execution/models/fee.js';
import { MakerTakerFee, MinimumFee, NoFee, PercentFee, PerUnitFee } from '../execution/models/fee.js';
import { barFillModel } from '../execution/models/fill.js';
import { FixedLatency, NoLatency } from '../execution/models/latency.js';
import type { SlippageModel } from '../execution/models/slippage.js';
import { FixedTickSlippage, NoSlippage, PercentSlippage, RandomTickSlippage, SqrtImpactSlippage } from '../execution/models/slippage.js';
import type { Columns, MarketFeed } from '../model/market.js';
import type { Instrument } from '../model/instrument.js';
import { RiskEngine } from '../risk/engine.js';
import { makeInstrument } from '../model/instrument.js';
import type { Logger } from '../strategy/context.js';
import type { ExecutionConfig, RunConfig } from './config.js';
import { SLIPPAGE_SPEC } from './config.js';
import type { BacktestOptions, BacktestResult } from './engine.js';
import { BacktestEngine } from './engine.js';
import { loadStrategyFile, parseStrategyParams } from './strategy-loader.js';
import { GuardedStrategy } from './guarded-strategy.js';
import type { CompletedRun, RunAdjustment } from './completed-run.js';
import { StrategyError, strategyFrames, toStrategyError } from './strategy-error.js';
import type { Strategy, StrategyClass } from '../strategy/strategy.js';

export interface RunHooks {
  /** Each skipped bad row as it is found (under onInvalid 'skip'). */
  readonly onIssue?: (issue: Issue) => void;
  readonly onProgress?: (events: number) => void;
  readonly log?: Logger;
  /** The strategy's ctx.log, made with the run's simulated clock (for time stamps); over `log`. */
  readonly logWith?: (now: () => Micros) => Logger;
}

export type { CompletedRun, RunAdjustment } from './completed-run.js';

/** What the adjusted feeds of a run did (undefined when none is adjusted). */
export function runAdjustment(feeds: readonly MarketFeed[]): RunAdjustment | undefined {
  const infos = feeds.filter((f): f is AdjustedFeed => f instanceof AdjustedFeed).map((f) => f.adjustment);
  const first = infos[0];
  if (first === undefined) return undefined;
  if (first.source === 'adj_close') return { mode: first.mode, source: first.source };
  let splits = 0;
  let dividends = 0;
  for (const i of infos) {
    splits += i.splits ?? 0;
    dividends += i.dividends ?? 0;
  }
  return { mode: first.mode, source: first.source, ...(first.actionsFile !== undefined ? { actionsFile: first.actionsFile } : {}), splits, dividends };
}

export function feeModelOf(config: Pick<RunConfig, 'feeRate' | 'feePerUnit' | 'execution'>): FeeModel {
  const e = config.execution;
  let model: FeeModel =
    e.feeMaker !== undefined && e.feeTaker !== undefined
      ? new MakerTakerFee(e.feeMaker, e.feeTaker)
      : config.feeRate !== undefined
        ? new PercentFee(config.feeRate)
        : config.feePerUnit !== undefined
          ? new PerUnitFee(config.feePerUnit)
          : new NoFee();
  if (e.feeMinimum !== undefined) model = new MinimumFee(model, e.feeMinimum);
  return model;
}

/** The slippage model a spec like `ticks:2` names. */
export function slippageModelOf(e: ExecutionConfig): SlippageModel {
  const m = e.slippage === undefined ? null : SLIPPAGE_SPEC.exec(e.slippage);
  if (m === null) return new NoSlippage();
  const v = Number(m[2]);
  switch (m[1]) {
    case 'ticks':
      return new FixedTickSlippage(v);
    case 'percent':
      return new PercentSlippage(v);
    case 'sqrt':
      return new SqrtImpactSlippage(v);
    default:
      return new RandomTickSlippage(Math.floor(v), e.seed);
  }
}

/** Engine options for execution: fill model, slippage, latency, volume limit, fees. */
export function executionOptionsOf(config: RunConfig): Pick<BacktestOptions, 'fees' | 'fillModel' | 'slippage' | 'latency' | 'volumeLimit'> {
  const e = config.execution;
  return {
    fees: feeModelOf(config),
    fillModel: barFillModel(e.fillModel),
    slippage: slippageModelOf(e),
    latency: e.latencyMs > 0 ? new FixedLatency(Math.round(e.latencyMs * 1000)) : new NoLatency(),
    volumeLimit: e.volumeLimit,
  };
}

/** Whether a file holds L2 order-book data (Binance depth, Tardis book snapshots) rather than bars or ticks. */
export function isBookFile(path: string): boolean {
  let header = '';
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, 0);
      header = buf.subarray(0, n).toString('utf8').split(/\r\n|\r|\n/)[0] ?? '';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // the CSV feed reports a missing file
  }
  const names = header.toLowerCase().split(',');
  return (names.includes('update_type') && names.includes('last_update_id')) || names.some((n) => n.startsWith('asks[0]'));
}

/** The run's from/to window in µs (a date `to` includes its whole day). */
export function windowOf(config: RunConfig): { from?: number; to?: number } {
  const from = config.from !== undefined ? parseIsoTime(config.from, 'start') : undefined;
  const to = config.to !== undefined ? parseIsoTime(config.to, 'end') : undefined;
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/**
 * Opens the data files of a run with its window and invalid-row policy: a
 * CSV feed per bar, quote or trade file, and one book feed per instrument
 * for L2 files (a snapshot and its updates make one book). With `adjust`,
 * bar feeds are wrapped to adjust their prices for corporate actions.
 */
export function openFeeds(
  config: RunConfig,
  onIssue?: (issue: Issue) => void,
  catalogSets: readonly DatasetKey[] = [],
  preloaded: ReadonlyMap<string, Columns> = new Map(),
): MarketFeed[] {
  const { from, to } = windowOf(config);
  const feeds: MarketFeed[] = [];
  // With a catalog, --symbol names the catalog's symbols; data files then name their own.
  const symbolOf = (i: number): string | undefined =>
    config.symbol === undefined || config.catalog !== undefined ? undefined : config.symbol.length === 1 ? config.symbol[0] : config.symbol[i];
  const bookFiles = new Map<string, string[]>();
  const adjust = config.adjust ?? 'none';
  const actions = adjust !== 'none' && config.actions !== undefined ? readActionsFile(config.actions) : undefined;
  try {
    config.data.forEach((path, i) => {
      const symbol = symbolOf(i);
      if (isBookFile(path)) {
        const key = symbol ?? '';
        bookFiles.set(key, [...(bookFiles.get(key) ?? []), path]);
        return;
      }
      const options: CsvFeedOptions = {
        ...config.format,
        onInvalid: config.onInvalid,
        ...(symbol !== undefined ? { symbol } : {}),
        ...(config.timezone !== undefined ? { timezone: config.timezone } : {}),
      };
      const feed = openCsvFeed(path, {
        ...options,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(onIssue !== undefined ? { onIssue } : {}),
      });
      try {
        // The closes before dividend ex-dates come from the whole file, whatever the window.
        feeds.push(adjustFeed(feed, { mode: adjust, actions, reopen: () => openCsvFeed(path, options) }));
      } catch (e) {
        feed.close();
        throw e;
      }
    });
    for (const key of catalogSets) {
      const root = config.catalog as string;
      const request = { root, key, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
      const inMemory = preloaded.get(datasetDir(key));
      const open = (r: ReadRequest): MarketFeed =>
        inMemory !== undefined && r === request
          ? new ColumnsFeed(key.symbol, inMemory, `${root} (${describeDataset(key)})`, key.kind === 'bar' ? (key.side ?? 'trade') : undefined)
          : openCatalogFeed(r, { cache: config.cache === true });
      const feed = open(request);
      if (key.kind !== 'bar') {
        if (adjust !== 'none') {
          feed.close();
          throw new InputError({ code: 'invalid_option', file: root, field: 'adjust', value: adjust, message: `corporate actions adjust bars, and ${describeDataset(key)} is not` });
        }
        // A stored book is checked as book files are: sequence gaps and crossed books under --on-gap.
        feeds.push(key.kind === 'book' ? new CheckedBookFeed(feed, { onInvalid: config.onInvalid, ...(config.onGap !== undefined ? { onGap: config.onGap } : {}) }) : feed);
        continue;
      }
      try {
        feeds.push(adjustFeed(feed, { mode: adjust, actions, reopen: () => open({ root, key }) }));
      } catch (e) {
        feed.close();
        throw e;
      }
    }
    for (const [symbol, paths] of bookFiles) {
      if (adjust !== 'none') {
        throw new InputError({ code: 'invalid_option', file: paths[0] as string, field: 'adjust', value: adjust, message: 'corporate actions adjust bars, and this file holds an order book' });
      }
      feeds.push(
        openBookFeed(paths, {
          onInvalid: config.onInvalid,
          ...(config.onGap !== undefined ? { onGap: config.onGap } : {}),
          ...(symbol !== '' ? { symbol } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(onIssue !== undefined ? { onIssue } : {}),
        }),
      );
    }
  } catch (e) {
    for (const f of feeds) f.close();
    throw e;
  }
  return feeds;
}

/**
 * The instruments of a run: the shared settings, then each symbol's own. A
 * margin without a kind makes a future.
 */
export function instrumentsOf(config: RunConfig, feeds: readonly MarketFeed[]): Instrument[] {
  return instrumentsForSymbols(config, [...new Set(feeds.map((f) => f.symbol))]);
}

/** The instruments of `symbols` under a run's settings (a live run has symbols, not feeds). */
export function instrumentsForSymbols(config: Pick<RunConfig, 'instrument' | 'instruments'>, symbols: readonly string[]): Instrument[] {
  return symbols.map((symbol) => {
    const own = config.instruments?.find((i) => i.symbol === symbol) ?? {};
    const merged = { ...config.instrument, ...own };
    const kind = merged.kind ?? ((merged.marginInit ?? 0) > 0 ? 'future' : 'equity');
    const { symbol: _s, ...rest } = { symbol, ...merged };
    return makeInstrument(symbol, { ...rest, kind });
  });
}

/**
 * The engine a config describes, over `feeds`, without its strategy: the
 * backtest and every trial of an optimizer sweep build it here, so a trial
 * and the same parameters run through `backtest` are the same run.
 */
export function engineOptionsOf(config: RunConfig, feeds: MarketFeed[], instruments: Instrument[] = instrumentsOf(config, feeds)): Omit<BacktestOptions, 'strategy'> {
  // Assigned, not spread: an optimizer makes these once per trial, and V8 builds a literal that mixes spreads and
  // properties in its runtime (docs/architecture.md).
  return Object.assign(
    { feeds, instruments, risk: new RiskEngine(config.risk ?? {}), cash: config.cash, historyCapacity: config.history },
    executionOptionsOf(config),
    config.account !== undefined ? { account: config.account } : undefined,
    config.equitySampling !== undefined ? { equitySampling: config.equitySampling } : undefined,
    tradingWindowOf(config),
  );
}

/** The run's trading window in µs (a date `tradeTo` includes its whole day); empty without one. */
export function tradingWindowOf(config: Pick<RunConfig, 'tradeFrom' | 'tradeTo'>): { tradeFrom?: number; tradeTo?: number } {
  const window: { tradeFrom?: number; tradeTo?: number } = {};
  if (config.tradeFrom !== undefined) window.tradeFrom = parseIsoTime(config.tradeFrom) as number;
  if (config.tradeTo !== undefined) window.tradeTo = parseIsoTime(config.tradeTo, 'end') as number;
  return window;
}

/** The strategy's parameters and the strategy itself; what its schema or constructor throws is a StrategyError. */
export function createStrategy(cls: StrategyClass<object>, config: RunConfig): { strategy: Strategy<object>; params: Record<string, unknown> } {
  let params: Record<string, unknown>;
  try {
    params = parseStrategyParams(cls, config.params) as Record<string, unknown>;
  } catch (e) {
    throw e instanceof InputError ? e : toStrategyError('params', e, config.strategy);
  }
  try {
    return { strategy: new cls(params), params };
  } catch (e) {
    throw toStrategyError('constructor', e, config.strategy);
  }
}

/**
 * Loads the strategy, opens the data and runs the backtest a config
 * describes. An exception out of the strategy's code is a StrategyError;
 * when it stopped a run, it carries the results up to that point (`partial`).
 */
export async function runBacktestConfig(config: RunConfig, hooks: RunHooks = {}): Promise<CompletedRun> {
  // The strategy's own frames must survive the engine's below them.
  if (Error.stackTraceLimit < 50) Error.stackTraceLimit = 50;
  const cls = await loadStrategyFile(config.strategy);
  const { strategy, params } = createStrategy(cls, config);
  const catalogSets = config.catalog !== undefined ? await findDatasets(config.catalog, config.symbol ?? []) : [];
  // Small data sets are read up front in one DuckDB session; large ones (and
  // cached runs, which read or fill the column cache) stream from a worker.
  const preloaded =
    config.catalog !== undefined && config.cache !== true
      ? await preloadDatasets(catalogSets.map((key) => ({ root: config.catalog as string, key, ...windowOf(config) })))
      : new Map<string, Columns>();
  const feeds = openFeeds(config, hooks.onIssue, catalogSets, preloaded);
  let engine: BacktestEngine | undefined;
  const log = hooks.logWith !== undefined ? hooks.logWith(() => engine?.time ?? NaN) : hooks.log;
  engine = new BacktestEngine({
    ...engineOptionsOf(config, feeds),
    strategy: new GuardedStrategy(strategy, config.strategy),
    ...(log !== undefined ? { log } : {}),
    ...(hooks.onProgress !== undefined ? { onProgress: hooks.onProgress } : {}),
  });
  const name = cls.name || basename(config.strategy, extname(config.strategy));
  let result: BacktestResult;
  try {
    result = engine.run();
  } catch (e) {
    const failure = e instanceof StrategyError ? e : userCodeError(e, config.strategy);
    if (failure === undefined) throw e;
    failure.time = engine.time;
    failure.partial = { result: engine.partialResult(), strategyName: name, params, feeds, adjustment: runAdjustment(feeds) };
    throw failure;
  }
  return { result, strategyName: name, params, feeds, adjustment: runAdjustment(feeds) };
}

/**
 * An exception the engine met outside a hook but in the strategy's code (an
 * indicator class of its own, say) is a strategy error too; the engine's
 * input errors (a bad data row) and bugs are not.
 */
function userCodeError(e: unknown, file: string): StrategyError | undefined {
  if (e instanceof InputError || e instanceof InvariantError || !(e instanceof Error)) return undefined;
  const top = strategyFrames(e)[0];
  return top !== undefined ? new StrategyError('run', e, file) : undefined;
}
