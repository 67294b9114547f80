/** QuantFlow's public API. */
export { z } from 'zod';

export type { Issue, IssueCode, Result } from './core/errors.js';
export { InputError, InvariantError, formatIssue } from './core/errors.js';
export { mulExact, addExact, subExact } from './core/decimal.js';
export type { Micros } from './core/time.js';
export { MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, formatIso, parseIsoTime } from './core/time.js';

export type { Bar, QuoteTick, TradeTick, DataKind, MarketFeed, Columns } from './model/market.js';
export { BarColumns, QuoteColumns, TradeColumns, BookColumns, F_SNAPSHOT, F_CLEAR, F_LAST } from './model/market.js';
export { OrderBook, BookLevels, BookDepth, BookWalk, walkBook, QueuePosition, BOOK_BID, BOOK_ASK } from './model/order-book.js';
export type { BookSideCode, QueueDecreaseRule } from './model/order-book.js';
export type { Order, OrderRequest, OrderSide, OrderType, OrderStatus, RejectReason, TimeInForce, CancelReason, Contingency, PositionMode, PositionSide } from './model/order.js';
export { ORDER_TRANSITIONS, ORDER_TYPES, OrderStateError, isLive, leavesQuantity } from './model/order.js';
export type { OrderEvent, OrderEventKind, Fill, Liquidity, TimerEvent, FeedStatus } from './model/events.js';
export type { OrderChanges } from './model/execution.js';
export type { Instrument } from './model/instrument.js';
export { makeInstrument } from './model/instrument.js';
export type { ExecutionClient } from './model/execution.js';

export * from './data/index.js';

export { Strategy } from './strategy/strategy.js';
export type { StrategyClass } from './strategy/strategy.js';
export type { StrategyContext, BarHistory, PositionView, OrderOptions, BracketOptions, Bracket, IndicatorOptions, PriceSource, Logger, Sizer, SizeOptions } from './strategy/context.js';
export * from './strategy/indicators/index.js';

export type { FeeModel, FeeParams } from './execution/models/fee.js';
export { NoFee, PercentFee, PerUnitFee, MakerTakerFee, TieredFee, MinimumFee } from './execution/models/fee.js';
export type { BarFillModel, FillModelName } from './execution/models/fill.js';
export { ClassicBarFill, IntrabarFill, barFillModel } from './execution/models/fill.js';
export type { SlippageModel, SlippageParams } from './execution/models/slippage.js';
export { NoSlippage, FixedTickSlippage, PercentSlippage, SqrtImpactSlippage, RandomTickSlippage } from './execution/models/slippage.js';
export type { LatencyModel } from './execution/models/latency.js';
export { NoLatency, FixedLatency, JitterLatency } from './execution/models/latency.js';
export { SimulatedExchange } from './execution/simulated-exchange.js';
export { OrderManager } from './execution/order-manager.js';
export type { SessionCalendar } from './model/session.js';
export { DailySessions, UTC_DAILY_SESSIONS } from './model/session.js';

export type { ClosedTrade } from './portfolio/trade-book.js';
export * from './risk/index.js';
export type { InstrumentKind, InstrumentInput } from './model/instrument.js';
export { InstrumentSchema, isMargined } from './model/instrument.js';

export type { BacktestOptions, BacktestResult, EquityCurve, InstrumentResult, PositionResult } from './backtest/engine.js';
export { runRecords, type RunRecords } from './kernel/result.js';
export { BacktestEngine, runBacktest, connectSimulatedExchange } from './backtest/engine.js';
export { Float64Pool } from './core/growable.js';
export { loadStrategyFile, parseStrategyParams, instantiateStrategy } from './backtest/strategy-loader.js';
export { StrategyError, type StrategyStage, type StrategyFrame } from './backtest/strategy-error.js';
export { GuardedStrategy } from './backtest/guarded-strategy.js';
export { runWarnings, COMPLETE_RUN, type RunStatus, type RunWarning } from './backtest/warnings.js';
export type { RunConfig } from './backtest/config.js';
export { RunConfigSchema, parseRunConfig } from './backtest/config.js';

export type { Summary, SummaryOptions } from './report/summary.js';
export { summarize } from './report/summary.js';
export { writeRunOutputs, writeRunSettings } from './report/writers.js';
export { StagedRunFolder, RUN_FOLDER_FILES } from './report/run-folder.js';
export { OutputError, writeOutputFile, writeOutputFiles } from './core/output-file.js';
export {
  sharpeRatio,
  maxDrawdown,
  inferPeriodsPerYear,
  stepReturns,
  cumulativeReturn,
  annualReturn,
  annualVolatility,
  downsideRisk,
  sortinoRatio,
  calmarRatio,
  omegaRatio,
  tailRatio,
  stability,
  valueAtRisk,
  conditionalValueAtRisk,
  returnsSkew,
  returnsKurtosis,
  alphaBeta,
  drawdownSeries,
  drawdownInfo,
  rollingSharpe,
  rollingVolatility,
  rollingSharpeAndVolatility,
  rollingSharpeAndVolatilityAt,
  defaultRollingWindow,
  periodReturns,
  type DrawdownInfo,
  type PeriodReturn,
} from './report/metrics.js';
export { tradeStats, exposureTime, turnover, type TradeOutcome, type TradeStats } from './report/trade-metrics.js';
export { computePerformance, runMetrics, MetricsScratch, alignBenchmark, type PerformanceInput, type PerformanceMetrics, type PriceSeries, type RunMetrics } from './report/performance.js';
export { summarizeReturns, returnQuantiles, type ReturnSummary, type ReturnQuantiles } from './report/return-summary.js';
export { CsvFileWriter } from './report/csv-file-writer.js';
export { loadBenchmark, readPriceSeries, OhlcDownsampler, type OhlcSeries } from './report/prices.js';
export { readRunDir, runPerformance, type RunFiles, type TradeRow } from './report/run-dir.js';
export { writeReport, type ReportOptions, type ReportResult } from './report/tearsheet.js';
export { compareRuns, writeCompare, type ComparedRun } from './report/compare.js';

// Parameter sweeps (docs/optimize.md)
export { optimize, optimizeTrials, openSweep, type OptimizeOptions, type OptimizeResult } from './optimize/optimize.js';
export { runSweep, bestTrial, listSampler, scoreOf, type TrialSampler, type SweepOptions } from './optimize/sweep.js';
export { TrialRunner, TRIAL_METRICS, simpleReturns, type TrialRequest, type TrialOutcome, type TrialStatus, type TrialMetric, type MetricValue } from './optimize/trial.js';
export { loadSweepData, sweepFeeds, shareColumns, reviveColumns, type SweepData, type SweepFeed } from './optimize/sweep-data.js';
export { InlinePool, ThreadPool, defaultWorkers, type TrialPool } from './optimize/pool.js';
export { RedisPool, openRedisPool, type RedisPoolOptions, type RedisPoolStats, type RedisSweepOptions } from './optimize/redis-pool.js';
export { RedisTrialWorker, defaultStrategyCache, type RedisWorkerOptions } from './optimize/redis-worker.js';
export { trialJobId, sweepDataHash, TRIAL_QUEUE, KEY_PREFIX, type TrialJobData } from './optimize/redis-job.js';
export { encodeOutcome, decodeOutcome, type EncodedOutcome } from './optimize/trial-codec.js';
export { buildSearch, strategyParamNames, DEFAULT_TRIALS, TPE_BATCH, type Search, type SearchMethod, type SearchSettings } from './optimize/search.js';
export { parseSpace, parseRange, parseValues, ParameterSpace, GridSampler, RandomSampler, MAX_GRID_SIZE, type ParameterSet, type ParamValue, type SpaceSpec, type Dimension } from './optimize/space.js';
export { parseConstraint, printExpr, type Constraint, type Expr } from './optimize/constraint.js';
export { TpeSampler, defaultGamma, defaultWeights, type TpeOptions } from './optimize/tpe.js';
export { norm, invNorm, normDensity } from './optimize/normal.js';
export {
  sharpeRatio as perPeriodSharpe,
  skewness,
  kurtosis,
  sharpeStd,
  expectedMaxFactor,
  expectedMaxSharpe,
  probabilisticSharpe,
  deflatedSharpe,
  minimumBacktestLength,
  pbo,
  overfittingReport,
  overfittingVerdict,
  EULER_MASCHERONI,
  DEFAULT_CSCV_SPLITS,
  MAX_CSCV_SPLITS,
  type PboOptions,
  type PboResult,
  type OverfittingInput,
  type OverfittingReport,
  type DeflatedSharpeInput,
  type ProbabilisticSharpeInput,
} from './optimize/overfitting.js';
export { trialsCsv, writeReturnsCsv, writeSweepFiles, type BestTrial, type SweepFiles } from './optimize/outputs.js';
export { optimizeReportHtml, type OptimizeReportInput } from './optimize/report.js';
// Walk-forward analysis (docs/optimize.md#walk-forward)
export {
  walkForward,
  walkForwardEfficiency,
  parameterStability,
  stitch as stitchWalkForward,
  type WalkForwardOptions,
  type WalkForwardResult,
  type WalkForwardFigures,
  type WalkForwardOverfitting,
  type WindowResult,
  type ParameterStability,
} from './optimize/walk-forward.js';
export { parseWindowLength, planWindows, stepTimes, type PlannedWindow, type WindowLength, type WindowPlanSpec } from './optimize/walk-forward-windows.js';
export { windowsCsv, walkForwardReportHtml, writeWalkForwardFiles } from './optimize/walk-forward-outputs.js';

// Live: recording market data into the catalog
export {
  CatalogRecorder,
  recordMarket,
  IncidentLog,
  INCIDENT_COLUMNS,
  type CatalogRecorderOptions,
  type FlushReport,
  type RecorderStats,
  type RecordMarketOptions,
} from './live/record/index.js';
// Live market data through ccxt pro (docs/live.md#market-data-through-ccxt)
export { CcxtSource, DEFAULT_STALE_AFTER_MS, type CcxtSourceOptions } from './live/ccxt/ccxt-source.js';
export { DEFAULT_BACKOFF, type BackoffOptions } from './live/ccxt/backoff.js';

export {
  startLocalExchange,
  pointCcxtAt,
  RestRateLimiter,
  type LocalExchange,
  type LocalExchangeOptions,
  type LocalExchangeStatus,
  type LocalExchangeStepOptions,
  type ExchangeDataFile,
  type CcxtUrlTarget,
  type RateVerdict,
} from './live/local-exchange/index.js';
// The local exchange's accounts and order matching (docs/live.md#orders-and-accounts)
export { type AccountSpec, type ExchangeOrder, type ExchangeTrade } from './live/local-exchange/index.js';
// Paper trading (docs/live.md#paper-trading)
export { FileReplaySource, type FileReplayOptions } from './live/replay-source.js';
export { LiveDriver, type LiveDriverOptions, type LiveEventCounts } from './live/paper/live-driver.js';
export { MarketDataWriter, marketDataFileName } from './live/paper/market-data-writer.js';
export { PaperOutputs, INCIDENTS_HEADER } from './live/paper/paper-outputs.js';
export { runPaper, type PaperRunOptions, type PaperRunResult, type PaperStopReason, type LiveSummary, type LatencyFigures } from './live/paper/paper-run.js';
export { registerMarketSource, resolveMarketSource, marketSourceIds, type SourceRequest, type SourceChoice, type SourceFactory } from './live/sources.js';
// Paper and live share one session loop; live trading (docs/live.md#quantflow-live)
export { runSession, type SessionVenue, type SessionVenueInfo, type SessionAccount } from './live/paper/trading-session.js';
export { simulatedVenue } from './live/paper/paper-run.js';
export { runLive, liveSessionVenue, LiveVenueStopError, type LiveRunOptions } from './live/live-run/run-live.js';
export { archivePreviousSession, SESSIONS_DIR } from './live/live-run/session-archive.js';
export { registerLiveVenue, liveVenueFactory } from './live/live-run/venues.js';
export { loadCredentials, credentialsSource } from './live/credentials.js';
export { OpeningPositions, type OpeningPosition, type OpeningOrder } from './kernel/opening-account.js';
// Live feed: the I/O thread and its event ring (docs/live.md#the-io-thread-and-the-ring)
export type { MarketEventSink, MarketSource, MarketSubscription, DataChannel, LiveMarket, Incident, IncidentKind } from './live/source.js';
export { startIoThread, IoThread, MarketSourceError, IO_THREAD_ENDED, type IoThreadOptions, type IoThreadStats, type SourceSpec } from './live/feed/io-thread.js';
export { EventRing, ringCapacity, RECORD_WIDTH, DEFAULT_CAPACITY as DEFAULT_EVENT_RING_CAPACITY } from './live/feed/event-ring.js';
export { EventRingWriter, type RingWriterOptions } from './live/feed/ring-writer.js';
export { EventRingReader } from './live/feed/ring-reader.js';
export { LatencyHistogram, FeedLatency, type LatencySummary } from './live/feed/latency.js';
export { wallMicros } from './live/feed/clock.js';
export { SyntheticSource, SYNTHETIC_SOURCE_MODULE, EventLog, EVENT_LOG_WIDTH, type SyntheticSourceOptions } from './live/feed/synthetic-source.js';
// The order journal and start-up reconciliation (docs/live.md#the-order-journal-and-reconciliation)
export * from './live/journal/index.js';
// The live venue port (src/live/live-venue.ts)
export type { LiveVenue, LiveVenueStart, LiveVenueOptions, LiveVenueFactory, LivePosition, LiveWorkingOrder, ApiCredentials } from './live/live-venue.js';
// Live orders through ccxt (docs/live.md#live-orders-through-ccxt)
export { CcxtVenue, createCcxtVenue, ccxtOrderArgs, sessionRunId, type CcxtExchange, type CcxtVenueOptions, type CcxtVenueRetained, type CcxtOrderArgs } from './live/venue/index.js';
// Backtest versus live, per order (docs/live.md#backtest-versus-live-quantflow-reconcile)
export { reconcileRun, pairOrders, type ReconcileRunOptions, type ReconcileRunResult } from './live/reconcile/reconcile-run.js';
export { decomposePair, orderValue, PART_NAMES, type OrderFills, type PairMarket, type GapParts, type PairGap, type PairStatus } from './live/reconcile/decompose.js';
export { MarketPrices } from './live/reconcile/market-prices.js';
export { RECONCILE_HEADER, type ReconcileRow } from './live/reconcile/reconcile-csv.js';
export { renderReconciliation, type ReconciliationView } from './report/reconciliation-section.js';
