import { join } from 'node:path';
import { InputError, InvariantError } from '../../core/errors.js';
import { writeOutputFile } from '../../core/output-file.js';
import type { Micros } from '../../core/time.js';
import type { RunConfig } from '../../backtest/config.js';
import { executionOptionsOf, instrumentsForSymbols } from '../../backtest/run.js';
import { StrategyError } from '../../backtest/strategy-error.js';
import type { RunStatus } from '../../backtest/warnings.js';
import { TradingKernel } from '../../kernel/kernel.js';
import type { OpeningPosition } from '../../kernel/opening-account.js';
import type { BacktestResult } from '../../kernel/result.js';
import { buildResult } from '../../kernel/result.js';
import { RiskEngine } from '../../risk/engine.js';
import type { Instrument } from '../../model/instrument.js';
import type { Logger } from '../../strategy/context.js';
import type { Strategy } from '../../strategy/strategy.js';
import { formatTime } from '../../report/format.js';
import type { Summary } from '../../report/summary.js';
import { summarize } from '../../report/summary.js';
import { writeSummary } from '../../report/writers.js';
import { wallMicros } from '../replay-source.js';
import type { Incident, LiveMarket, MarketSource, MarketSubscription } from '../source.js';
import { LiveDriver } from './live-driver.js';
import type { LatencyHistogram } from '../feed/latency.js';
import { MarketDataWriter } from './market-data-writer.js';
import { PaperOutputs } from './paper-outputs.js';

export interface PaperRunOptions {
  /** The run's settings: cash (paper runs), fees, execution (fill model, slippage, latency), instruments, risk, account, history. */
  readonly config: Pick<RunConfig, 'cash' | 'feeRate' | 'feePerUnit' | 'execution' | 'instrument' | 'instruments' | 'risk' | 'account' | 'history' | 'equitySampling'>;
  /** The strategy (a GuardedStrategy, for messages naming its file), its name and parameters for summary.json. */
  readonly strategy: Strategy<object>;
  readonly strategyName: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly source: MarketSource;
  /** What the source is, for summary.json (`replay:FILE`, an exchange id). */
  readonly sourceName: string;
  readonly subscription: MarketSubscription;
  /** Market time per wall time between events (LiveDriver.timeRate): 1 live, a paced replay's speed, 0 as fast as possible. */
  readonly timeRate: number;
  /** Where the files go (created). */
  readonly out: string;
  /** Stop after this long (µs of wall time); absent: until the source ends or `signal`. */
  readonly duration?: Micros | undefined;
  /** No market event for this long (µs): a stale feed. 0 or absent: no watchdog. */
  readonly staleAfter?: Micros | undefined;
  /** Stops the run (SIGINT, SIGTERM). */
  readonly signal?: AbortSignal | undefined;
  /** summary.json is rewritten this often (ms; default 5000). */
  readonly summaryEveryMs?: number | undefined;
  /** After the run is stopped, how long to wait for the source to end (ms; default 5000) before finishing without it. */
  readonly stopGraceMs?: number | undefined;
  /** The watchdog and wall-clock timers are looked at this often (ms; default 50). */
  readonly tickEveryMs?: number | undefined;
  readonly wallNow?: (() => Micros) | undefined;
  /** The strategy's ctx.log, made with the kernel's clock (the data's time). */
  readonly logWith?: ((now: () => Micros) => Logger) | undefined;
  /** Each incident (beside incidents.csv), for the log. */
  readonly onIncident?: ((incident: Incident) => void) | undefined;
  /** The instruments are known (with the market's tick and lot sizes), before the venue opens: the CLI writes run.json then. */
  readonly onStart?: ((instruments: readonly Instrument[]) => void) | undefined;
}

/** Why a paper or live run ended ('venue_stop': the live venue's start refused to trade, e.g. an unknown order under --unknown-orders stop). */
export type PaperStopReason = 'end_of_data' | 'duration' | 'signal' | 'strategy_error' | 'source_error' | 'venue_stop';

/** summary.json's `live` part. */
export interface LiveSummary {
  readonly source: string;
  readonly symbols: readonly string[];
  readonly channels: readonly string[];
  readonly started: string;
  readonly stopped: string | null;
  readonly stop_reason: PaperStopReason | null;
  readonly events: { readonly trades: number; readonly quotes: number; readonly bars: number; readonly book: number; readonly late: number };
  readonly latency_us: {
    readonly exchange_to_receive: LatencyFigures;
    readonly receive_to_strategy: LatencyFigures;
  };
  readonly incidents: number;
  readonly market_data: readonly string[];
  /** Live runs: the venue's account at the start and what is left working at the exchange. */
  readonly venue?: Readonly<Record<string, unknown>>;
}

export interface LatencyFigures {
  readonly count: number;
  readonly p50: number | null;
  readonly p99: number | null;
}

/** The account a session's venue states before the kernel is built. */
export interface SessionAccount {
  readonly cash: number;
  /** Positions held before the run (live). */
  readonly positions?: readonly OpeningPosition[] | undefined;
  /** Prefix of the session's client order ids (live). */
  readonly runId?: string | undefined;
  /** What the venue found at the start, for incidents.csv and the log. */
  readonly incidents?: readonly Incident[] | undefined;
  /** The venue refuses to trade: the run ends at once, failing with this (a message naming why). */
  readonly stop?: Error | undefined;
}

/**
 * Where a session's orders go: the simulated exchange (paper) or a live
 * venue. `open` states the account, `connect` joins the kernel to the venue
 * (before the strategy starts), `close` ends the venue's session after the
 * outputs are complete.
 */
export interface SessionVenue {
  open(instruments: readonly Instrument[]): Promise<SessionAccount>;
  connect(kernel: TradingKernel, instruments: readonly Instrument[]): SessionVenueInfo;
  close(kernel: TradingKernel | undefined): Promise<void>;
}

export interface SessionVenueInfo {
  readonly fillModel: string;
  ambiguousFills(): number;
  /** summary.json's `live.venue` (absent for paper runs). */
  summary?(kernel: TradingKernel): Readonly<Record<string, unknown>>;
}

export interface PaperRunResult {
  readonly result: BacktestResult;
  readonly summary: Summary & { readonly live: LiveSummary };
  readonly stopReason: PaperStopReason;
  /** What stopped the run when it was an error (a StrategyError, or the source's). */
  readonly failure?: unknown;
  /** The instruments traded, with the tick and lot sizes the run used (the exchange's where the settings left them open). */
  readonly instruments: readonly Instrument[];
}

/**
 * A trading session, paper or live: market data from `source` into the
 * trading kernel, orders to `venue`, outputs written as it goes. It ends
 * when the source ends, after `duration`, on `signal`, when the strategy
 * throws, or at once when the venue refuses to trade; in every case the
 * source is stopped, what arrived is handled, the kernel is closed out,
 * every file is written complete and then the venue is closed.
 */
export async function runSession(o: PaperRunOptions, venue: SessionVenue): Promise<PaperRunResult> {
  const wallNow = o.wallNow ?? wallMicros;
  const config = o.config;
  const symbols = o.subscription.symbols;
  // The exchange's price and quantity grids, unless the flags give them: orders respect the venue's tick and lot.
  const markets = await o.source.markets(symbols);
  const instruments = instrumentsForSymbols(config, symbols).map((i, k) => withMarketGrid(i, markets[k], config));
  const execution = executionOptionsOf(config as RunConfig);
  o.onStart?.(instruments);
  let account: SessionAccount;
  try {
    account = await venue.open(instruments);
  } catch (e) {
    await venue.close(undefined).catch(() => {});
    throw e;
  }
  let kernelRef: TradingKernel | undefined;
  const log = o.logWith?.(() => kernelRef?.time ?? NaN);
  const kernel = new TradingKernel({
    strategy: o.strategy,
    instruments,
    cash: account.cash,
    ...(account.positions !== undefined ? { openingPositions: account.positions } : {}),
    ...(account.runId !== undefined ? { runId: account.runId } : {}),
    fees: execution.fees,
    account: config.account,
    risk: new RiskEngine(config.risk ?? {}),
    historyCapacity: config.history,
    ...(config.equitySampling !== undefined ? { equitySampling: config.equitySampling } : {}),
    books: symbols.map(() => o.subscription.channels.includes('book')),
    ...(log !== undefined ? { log } : {}),
  });
  kernelRef = kernel;
  let info: SessionVenueInfo;
  try {
    info = venue.connect(kernel, instruments);
  } catch (e) {
    await venue.close(kernel).catch(() => {});
    throw e;
  }
  // From here on the venue is closed whatever happens: last, after the files, or on the way out of an error.
  let closed = false;
  try {
    const started = wallNow();
    const outputs = new PaperOutputs(o.out, kernel);
    const recorder = new MarketDataWriter(join(o.out, 'market-data'), symbols);
    const stop = new AbortController();
    let stopReason: PaperStopReason | undefined;
    const stopFor = (reason: PaperStopReason): void => {
      stopReason ??= reason;
      stop.abort();
    };
    const driver = new LiveDriver({
      kernel,
      symbols,
      timeRate: o.timeRate,
      staleAfter: o.staleAfter,
      wallNow,
      record: recorder,
      onIncident: (i) => {
        outputs.incident(i);
        o.onIncident?.(i);
      },
      onFailure: () => stopFor('strategy_error'),
    });
    const summaryPath = join(o.out, 'summary.json');
    const liveSummary = (stopped: Micros): LiveSummary => ({
      source: o.sourceName,
      symbols,
      channels: o.subscription.channels,
      started: formatTime(started),
      stopped: stopped === stopped ? formatTime(stopped) : null,
      stop_reason: stopReason ?? null,
      events: { ...driver.counts },
      latency_us: { exchange_to_receive: figures(driver.feedLatency), receive_to_strategy: figures(driver.handlingLatency) },
      incidents: driver.incidents,
      market_data: recorder.files().map((f) => f.slice(o.out.length + 1)),
      ...(info.summary !== undefined ? { venue: info.summary(kernel) } : {}),
    });
    const result = (): BacktestResult =>
      buildResult(kernel, { end: kernel.stepTime, ambiguousFills: info.ambiguousFills(), fillModel: info.fillModel, unpairedQuoteBars: 0, skipped: [] });
    const writeLiveSummary = (r: BacktestResult, stopped: Micros, status: RunStatus): Summary & { live: LiveSummary } => {
      const summary = { ...summarize(r, o.strategyName, o.params), live: liveSummary(stopped) };
      writeOutputFile(summaryPath, (path) => writeSummary(path, summary, status));
      return summary;
    };

    const onSignal = (): void => stopFor('signal');
    o.signal?.addEventListener('abort', onSignal, { once: true });
    if (o.signal?.aborted === true) stopFor('signal');
    const timers: NodeJS.Timeout[] = [];
    let failure: unknown;
    for (const i of account.incidents ?? []) driver.incident(i);
    if (account.stop !== undefined) {
      // The venue will not trade (an order it cannot account for): nothing starts, the files are written as they stand.
      failure = account.stop;
      stopFor('venue_stop');
    }
    try {
      if (failure !== undefined) throw failure;
      kernel.start();
      timers.push(setInterval(() => driver.tick(), o.tickEveryMs ?? 50));
      timers.push(
        setInterval(() => {
          outputs.flush();
          recorder.flush();
        }, 1000),
      );
      timers.push(
        setInterval(() => {
          outputs.flush();
          recorder.flush();
          writeLiveSummary(result(), NaN, { complete: false, incompleteReason: 'running', warnings: [] });
        }, o.summaryEveryMs ?? 5000),
      );
      if (o.duration !== undefined) timers.push(setTimeout(() => stopFor('duration'), Math.max(0, o.duration / 1000)));
      for (const t of timers) t.unref();
      writeLiveSummary(result(), NaN, { complete: false, incompleteReason: 'running', warnings: [] });
      if (!stop.signal.aborted) {
        try {
          const running = o.source.run(o.subscription, driver, stop.signal);
          if ((await Promise.race([running.then(() => 'ended' as const), graceAfterStop(stop.signal, o.stopGraceMs ?? 5000)])) === 'late') {
            // A source that does not stop must not hold the outputs back: its later events are dropped (the driver has finished).
            running.catch(() => {});
            driver.incident({ time: wallNow(), kind: 'error', symbol: '', channel: '', detail: `the market source did not stop within ${o.stopGraceMs ?? 5000} ms of being asked to; its later events are dropped` });
          }
          stopReason ??= 'end_of_data';
        } catch (e) {
          if (driver.failure === undefined) {
            failure = e;
            stopFor('source_error');
            if (!(e instanceof InputError)) driver.incident({ time: wallNow(), kind: 'error', symbol: '', channel: '', detail: `the market source failed: ${e instanceof Error ? e.message : String(e)}` });
          }
        }
      }
    } catch (e) {
      // The strategy's onStart threw (or the venue refused to trade).
      failure = e;
      stopReason ??= 'strategy_error';
    } finally {
      for (const t of timers) clearTimeout(t);
      o.signal?.removeEventListener('abort', onSignal);
    }
    if (stopReason === undefined) stopReason = 'signal';
    if (driver.failure !== undefined) failure = driver.failure;
    // No more events come: the kernel's last step ends, onStop runs (not after a failure), every file is completed.
    if (failure === undefined) driver.finish();
    else kernel.finishPartial();
    if (failure === undefined && driver.failure !== undefined) failure = driver.failure;
    const final = result();
    const stopped = wallNow();
    outputs.close(final);
    recorder.close();
    const status: RunStatus =
      failure === undefined ? { complete: true, warnings: [] } : { complete: false, incompleteReason: failureReason(failure), warnings: [] };
    const summary = writeLiveSummary(final, stopped, status);
    // Last: a live venue's streams and journal close (its working orders stay at the exchange).
    closed = true;
    await venue.close(kernel);
    return { result: final, summary, stopReason, instruments, ...(failure !== undefined ? { failure } : {}) };
  } catch (e) {
    if (!closed) await venue.close(kernel).catch(() => {});
    throw e;
  }
}

/** Resolves 'late' `graceMs` after `signal` aborts (never before). */
function graceAfterStop(signal: AbortSignal, graceMs: number): Promise<'late'> {
  return new Promise((resolve) => {
    const later = (): void => {
      setTimeout(() => resolve('late'), graceMs).unref();
    };
    if (signal.aborted) later();
    else signal.addEventListener('abort', later, { once: true });
  });
}

function figures(h: LatencyHistogram): LatencyFigures {
  const p50 = h.percentile(0.5);
  const p99 = h.percentile(0.99);
  return { count: h.count, p50: p50 === p50 ? Math.round(p50) : null, p99: p99 === p99 ? Math.round(p99) : null };
}

function failureReason(e: unknown): string {
  if (e instanceof StrategyError) return e.headline();
  return e instanceof Error ? e.message : String(e);
}

/** An instrument with the market's tick and lot sizes where the run's settings leave them unset (0). */
function withMarketGrid(instrument: Instrument, market: LiveMarket | undefined, config: Pick<RunConfig, 'instrument' | 'instruments'>): Instrument {
  if (market === undefined) return instrument;
  const own = { ...config.instrument, ...config.instruments?.find((i) => i.symbol === instrument.symbol) };
  const tickSize = own.tickSize === undefined ? Number(market.tickSize) : instrument.tickSize;
  const lotSize = own.lotSize === undefined ? Number(market.lotSize) : instrument.lotSize;
  if (!(tickSize >= 0) || !(lotSize >= 0)) {
    throw new InvariantError(`market ${market.symbol}: tick size '${market.tickSize}' and lot size '${market.lotSize}' must be decimal numbers >= 0`);
  }
  return tickSize === instrument.tickSize && lotSize === instrument.lotSize ? instrument : { ...instrument, tickSize, lotSize };
}
