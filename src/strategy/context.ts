import type { Micros } from '../core/time.js';
import type { Order, OrderRequest } from '../model/order.js';
import type { Indicator } from './indicators/indicator.js';

/** Which field of a bar an indicator reads. Quotes feed their mid price, trades their price. */
export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume';

export interface IndicatorOptions {
  /** Instrument; defaults to the first one. */
  readonly symbol?: string;
  readonly source?: PriceSource;
}

/** Read-only bar history of one instrument; `ago` 0 is the latest bar. */
export interface BarHistory {
  readonly symbol: string;
  /** Bars available (up to the history capacity). */
  readonly length: number;
  time(ago?: number): Micros;
  open(ago?: number): number;
  high(ago?: number): number;
  low(ago?: number): number;
  close(ago?: number): number;
  volume(ago?: number): number;
}

export interface PositionView {
  readonly symbol: string;
  /** Signed: positive long, negative short, 0 flat. */
  readonly quantity: number;
  /** Average entry price of the open position; NaN when flat. */
  readonly averagePrice: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
}

export interface OrderOptions {
  readonly symbol?: string;
  /** Limit price: makes it a limit order. */
  readonly limit?: number;
  /** Stop (trigger) price: makes it a stop order. */
  readonly stop?: number;
  readonly expire?: Micros | string;
  readonly tag?: string;
}

export interface Logger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}

/**
 * Everything a strategy may see and do. Backtest, paper and live implement
 * this same contract; a strategy never sees the engine.
 */
export interface StrategyContext {
  /** Current simulated (or wall) time, µs UTC. */
  readonly time: Micros;
  /** Instruments this run trades, in data order; the first is the default. */
  readonly symbols: readonly string[];

  bars(symbol?: string): BarHistory;

  sma(period: number, options?: IndicatorOptions): Indicator;
  ema(period: number, options?: IndicatorOptions): Indicator;
  rsi(period?: number, options?: IndicatorOptions): Indicator;
  crossover(a: Indicator, b: Indicator): Indicator;
  /** Registers any indicator to be updated from a price source before each onBar/onQuote/onTrade. */
  register<T extends Indicator>(indicator: T, options?: IndicatorOptions): T;

  submit(request: OrderRequest): Order;
  buy(quantity: number, options?: OrderOptions): Order;
  sell(quantity: number, options?: OrderOptions): Order;
  /** Cancels a live order; the answer comes as an order event. Returns false if it was no longer live. */
  cancel(order: Order | number): boolean;
  /**
   * Trades to a target signed quantity with one market order for the
   * difference between the target and the position plus live market orders.
   * Returns the order, or undefined when already there.
   */
  targetPosition(quantity: number, options?: { readonly symbol?: string; readonly tag?: string }): Order | undefined;
  openOrders(symbol?: string): readonly Order[];
  hasOpenOrders(symbol?: string): boolean;

  position(symbol?: string): number;
  positionInfo(symbol?: string): PositionView;
  readonly cash: number;
  readonly equity: number;

  /** Fires onTimer at `at` (µs or ISO text) with this name. */
  setTimer(name: string, at: Micros | string): void;
  /** Fires onTimer every `everyMicros`, first at now + everyMicros. */
  setInterval(name: string, everyMicros: number): void;
  cancelTimer(name: string): void;

  readonly log: Logger;
}
