/** QuantFlow's public API. */
export { z } from 'zod';

export type { Issue, IssueCode, Result } from './core/errors.js';
export { InputError, InvariantError, formatIssue } from './core/errors.js';
export type { Micros } from './core/time.js';
export { MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, formatIso, parseIsoTime } from './core/time.js';

export type { Bar, QuoteTick, TradeTick, DataKind, MarketFeed, Columns } from './model/market.js';
export { BarColumns, QuoteColumns, TradeColumns } from './model/market.js';
export type { Order, OrderRequest, OrderSide, OrderType, OrderStatus, RejectReason } from './model/order.js';
export { ORDER_TRANSITIONS, OrderStateError } from './model/order.js';
export type { OrderEvent, OrderEventKind, Fill, TimerEvent } from './model/events.js';
export type { Instrument } from './model/instrument.js';
export { makeInstrument } from './model/instrument.js';
export type { ExecutionClient } from './model/execution.js';

export * from './data/index.js';

export { Strategy } from './strategy/strategy.js';
export type { StrategyClass } from './strategy/strategy.js';
export type { StrategyContext, BarHistory, PositionView, OrderOptions, IndicatorOptions, PriceSource, Logger } from './strategy/context.js';
export * from './strategy/indicators/index.js';

export type { FeeModel, FeeParams } from './execution/models/fee.js';
export { NoFee, PercentFee, PerUnitFee } from './execution/models/fee.js';
export type { BarFillModel } from './execution/models/fill.js';
export { ClassicBarFill } from './execution/models/fill.js';

export type { ClosedTrade } from './portfolio/trade-book.js';

export type { BacktestOptions, BacktestResult, EquityCurve } from './backtest/engine.js';
export { BacktestEngine, runBacktest } from './backtest/engine.js';
export { loadStrategyFile, parseStrategyParams, instantiateStrategy } from './backtest/strategy-loader.js';
export type { RunConfig } from './backtest/config.js';
export { RunConfigSchema, parseRunConfig } from './backtest/config.js';

export type { Summary } from './report/summary.js';
export { summarize } from './report/summary.js';
export { writeRunOutputs } from './report/writers.js';
export { sharpeRatio, maxDrawdown, inferPeriodsPerYear } from './report/metrics.js';
