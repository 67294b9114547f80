import type { Float64Pool } from '../core/growable.js';
import { InputError, InvariantError } from '../core/errors.js';
import type { FeeModel } from '../execution/models/fee.js';
import type { BarFillModel } from '../execution/models/fill.js';
import { ClassicBarFill } from '../execution/models/fill.js';
import type { LatencyModel } from '../execution/models/latency.js';
import type { SlippageModel } from '../execution/models/slippage.js';
import type { ManagedVenue } from '../execution/order-manager.js';
import { SimulatedExchange } from '../execution/simulated-exchange.js';
import type { AccountOptions } from '../kernel/kernel.js';
import { TradingKernel } from '../kernel/kernel.js';
import type { BacktestResult } from '../kernel/result.js';
import { buildResult } from '../kernel/result.js';
import type { MarketDataSink } from '../model/execution.js';
import type { Instrument } from '../model/instrument.js';
import { makeInstrument } from '../model/instrument.js';
import type { MarketFeed } from '../model/market.js';
import type { SessionCalendar } from '../model/session.js';
import type { RiskEngine } from '../risk/engine.js';
import type { Logger } from '../strategy/context.js';
import type { Strategy } from '../strategy/strategy.js';
import { ReplayDriver } from './replay-driver.js';

export type { BacktestResult, EquityCurve, InstrumentResult, PositionResult } from '../kernel/result.js';

export interface BacktestOptions {
  readonly strategy: Strategy<object>;
  readonly feeds: readonly MarketFeed[];
  readonly cash: number;
  /** Instrument settings by symbol; symbols without one are plain cash equities. */
  readonly instruments?: readonly Instrument[];
  readonly fees?: FeeModel;
  /** How prices unfold inside a bar: classic (default) or intrabar. */
  readonly fillModel?: BarFillModel;
  readonly slippage?: SlippageModel;
  readonly latency?: LatencyModel;
  /** At most this fraction of a bar's volume fills per instrument and bar (0 = no limit); the rest carries over. */
  readonly volumeLimit?: number;
  /** The account: currency, leverage, position mode, interest on cash and borrow fees on short stock (annual rates accrued daily, act/365). */
  readonly account?: AccountOptions;
  /** Pre-trade risk limits, trading states and the kill switch; default: no limits (tick and lot grids still checked). */
  readonly risk?: RiskEngine;
  /** Trading sessions (day orders, market-on-open/close); default: UTC days. */
  readonly sessions?: SessionCalendar;
  /** Bars of history kept per instrument for `ctx.bars()` (default 10,000). */
  readonly historyCapacity?: number;
  /**
   * Rows of the equity curve: one per time step (default), or one per UTC day
   * (the day's last step), which keeps memory O(days) on very long runs of
   * intraday data; the metrics are then computed from daily points.
   */
  readonly equitySampling?: 'step' | 'day';
  /** Record the positions over time for positions.csv (default true); runs that write no files may leave it off. */
  readonly recordPositions?: boolean;
  /**
   * Where the history and equity buffers come from, for runs one after
   * another on a thread (an optimizer's trials): `releaseBuffers()` gives
   * them back once the result's equity curve is no longer read.
   */
  readonly bufferPool?: Float64Pool;
  /**
   * Where orders go: by default a SimulatedExchange over the feeds (with the
   * fill, slippage, latency and volume settings above). Any ExecutionClient
   * may take its place; one that also simulates on market data is given the
   * data first (`marketData`).
   */
  readonly venue?: { readonly client: ManagedVenue; readonly marketData?: MarketDataSink; readonly fillModel?: string; readonly ambiguousFills?: () => number };
  readonly log?: Logger;
  /**
   * The trading window (µs since the epoch): every bar before `tradeFrom` is
   * replayed (the strategy and its indicators warm up) but no order is
   * accepted and nothing is recorded; nothing after `tradeTo` is replayed,
   * and positions open at the last step are closed at its close
   * (docs/execution.md, "Trading window").
   */
  readonly tradeFrom?: number | undefined;
  readonly tradeTo?: number | undefined;
  /** Called every `progressEvery` events with the count so far, and once at the end. */
  readonly onProgress?: (events: number) => void;
  /** Events between progress reports: a whole number, 1 or more (default 65,536); anything else is an InputError. */
  readonly progressEvery?: number;
}

/**
 * A backtest: the composition root. It takes the instruments from the feeds,
 * builds the trading kernel, the venue (a SimulatedExchange unless one is
 * given) and the replay driver, runs the replay through the kernel, and
 * assembles the results.
 */
export class BacktestEngine {
  readonly kernel: TradingKernel;
  private readonly driver: ReplayDriver;
  private readonly exchange: SimulatedExchange | undefined;
  private ran = false;

  constructor(private readonly options: BacktestOptions) {
    const symbols = runSymbols(options.feeds);
    const given = new Map((options.instruments ?? []).map((i) => [i.symbol, i]));
    const instruments = symbols.map((s) => given.get(s) ?? makeInstrument(s));
    this.kernel = new TradingKernel({
      strategy: options.strategy,
      instruments,
      cash: options.cash,
      fees: options.fees,
      account: options.account,
      risk: options.risk,
      historyCapacity: options.historyCapacity,
      equitySampling: options.equitySampling,
      recordPositions: options.recordPositions,
      bufferPool: options.bufferPool,
      books: symbols.map((s) => options.feeds.some((f) => f.symbol === s && f.kind === 'book')),
      // At most one step per row; a single feed knows its steps.
      stepsHint: options.feeds.length === 1 ? options.feeds[0]?.rowsHint : undefined,
      log: options.log,
      tradeFrom: options.tradeFrom,
      tradeTo: options.tradeTo,
    });
    const k = this.kernel;
    if (options.venue !== undefined) {
      k.connectVenue(options.venue.client, options.venue.marketData);
    } else {
      this.exchange = connectSimulatedExchange(k, instruments, options);
    }
    const onProgress = options.onProgress;
    this.driver = new ReplayDriver(
      options.feeds,
      new Map(symbols.map((s, i) => [s, i])),
      onProgress !== undefined ? { every: progressEvery(options.progressEvery), report: onProgress } : undefined,
      options.tradeTo,
    );
  }

  /** After run(): gives the buffers to `bufferPool` (TradingKernel.releaseBuffers); the result's equity curve must not be read after. */
  releaseBuffers(): void {
    this.kernel.releaseBuffers();
  }

  run(): BacktestResult {
    if (this.ran) throw new InvariantError('a BacktestEngine runs once');
    this.ran = true;
    try {
      this.kernel.start();
    } catch (e) {
      for (const f of this.options.feeds) f.close();
      throw e;
    }
    this.driver.run(this.kernel);
    return this.result(this.driver.lastStep);
  }

  /** The simulated clock: the time of the event being processed (NaN before the first). */
  get time(): number {
    return this.kernel.time;
  }

  /**
   * The results up to the point where run() threw (a strategy error): the
   * step it stopped in gets its equity row, as it stood, and positions their
   * last rows. Call it only after run() threw.
   */
  partialResult(): BacktestResult {
    if (!this.ran) throw new InvariantError('partialResult() is for a run that stopped');
    this.kernel.finishPartial();
    return this.result(this.kernel.time);
  }

  private result(end: number): BacktestResult {
    const venue = this.options.venue;
    return buildResult(this.kernel, {
      end,
      ambiguousFills: this.exchange?.ambiguousFills ?? venue?.ambiguousFills?.() ?? 0,
      fillModel: this.exchange?.fillModelName ?? venue?.fillModel ?? 'venue',
      unpairedQuoteBars: this.driver.unpairedQuoteBars,
      skipped: this.driver.skipped(),
    });
  }
}

/**
 * The venue of a backtest (and of a paper run): a SimulatedExchange over the
 * kernel's instruments with the run's fill, slippage, latency and volume
 * settings, connected to the kernel as its venue and market-data sink.
 */
export function connectSimulatedExchange(
  k: TradingKernel,
  instruments: readonly Instrument[],
  options: Pick<BacktestOptions, 'fillModel' | 'slippage' | 'latency' | 'volumeLimit' | 'sessions'>,
): SimulatedExchange {
  const exchange = new SimulatedExchange(
    instruments.map((i) => ({ symbol: i.symbol, tickSize: i.tickSize, lotSize: i.lotSize, ...(options.sessions !== undefined ? { sessions: options.sessions } : {}) })),
    k.orders,
    {
      fillModel: options.fillModel ?? new ClassicBarFill(),
      ...(options.slippage !== undefined ? { slippage: options.slippage } : {}),
      ...(options.latency !== undefined ? { latency: options.latency } : {}),
      ...(options.volumeLimit !== undefined ? { volumeLimit: options.volumeLimit } : {}),
      positionOf: k.positionOf,
    },
  );
  k.connectVenue(exchange, exchange);
  return exchange;
}

/** Events between progress reports: a positive whole number (default 65,536). */
function progressEvery(every: number | undefined): number {
  if (every === undefined) return 1 << 16;
  if (!Number.isSafeInteger(every) || every < 1) {
    throw new InputError({ code: 'invalid_option', field: 'progressEvery', value: String(every), message: 'progressEvery must be a whole number of events, 1 or more' });
  }
  return every;
}

/** The run's symbols in feed order; two feeds of one kind (and price side) for one symbol are an input error. */
function runSymbols(feeds: readonly MarketFeed[]): string[] {
  const symbols: string[] = [];
  const seen = new Set<string>();
  for (const f of feeds) {
    const side = f.kind === 'bar' && (f.priceSide === 'bid' || f.priceSide === 'ask') ? f.priceSide : '';
    const key = `${f.symbol}\u0000${f.kind}\u0000${side}`;
    if (seen.has(key)) {
      throw new InputError({
        code: 'invalid_option',
        file: f.source,
        field: 'symbol',
        value: f.symbol,
        message: `two ${f.kind} feeds for ${f.symbol}; give each file its own symbol`,
      });
    }
    seen.add(key);
    if (!symbols.includes(f.symbol)) symbols.push(f.symbol);
  }
  return symbols;
}

/** Runs a backtest to completion. */
export function runBacktest(options: BacktestOptions): BacktestResult {
  return new BacktestEngine(options).run();
}
