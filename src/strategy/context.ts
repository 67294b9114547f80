import type { Micros } from '../core/time.js';
import type { Order, OrderRequest, OrderSide, OrderType, PositionMode, PositionSide, TimeInForce } from '../model/order.js';
import type { OrderChanges } from '../model/execution.js';
import type { Indicator } from './indicators/indicator.js';
import type { OrderBook } from '../model/order-book.js';

/** Which field of a bar an indicator reads. Quotes feed their mid price, trades their price. */
export type PriceSource = 'open' | 'high' | 'low' | 'close' | 'volume';

export interface IndicatorOptions {
  /** Instrument; defaults to the first one. */
  readonly symbol?: string;
  readonly source?: PriceSource;
  /** The series it reads: '' (default) the data's bars, or a subscribed aggregation like '1h'. */
  readonly timeframe?: string;
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
  /** Which position: 'net' (the instrument's whole position), or one leg ('long', 'short'). */
  readonly side: 'net' | PositionSide;
  /** Signed: positive long, negative short, 0 flat. */
  readonly quantity: number;
  /** Average entry price of the open position; NaN when flat. */
  readonly averagePrice: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
}

/**
 * Options of buy() and sell(). The order type follows from what is given:
 * `limit` -> limit; `stop` -> stop; both -> stop-limit; `trailOffset` or
 * `trailPercent` -> trailing stop; nothing -> market. `type` names the rest
 * (market_on_open, market_on_close, market_if_touched and limit_if_touched,
 * which take their trigger in `stop`).
 */
export interface OrderOptions {
  readonly symbol?: string;
  readonly type?: OrderType;
  /** Limit price. */
  readonly limit?: number;
  /** Stop or touch trigger price. */
  readonly stop?: number;
  readonly trailOffset?: number;
  readonly trailPercent?: number;
  readonly timeInForce?: TimeInForce;
  /** Good until this time (inclusive); implies gtd. */
  readonly expire?: Micros | string;
  /** Good for this many bars after submission. */
  readonly validBars?: number;
  readonly reduceOnly?: boolean;
  readonly postOnly?: boolean;
  readonly tag?: string;
  /** Held until this order fills (one-triggers-other), then armed on the next data. */
  readonly parent?: Order;
  /**
   * Hedging accounts (required there): the position the order acts on. buy +
   * long opens or adds to the long, sell + long reduces it; sell + short opens
   * or adds to the short, buy + short reduces it. Netting accounts: leave out.
   */
  readonly positionSide?: PositionSide;
}

/** A bracket: an entry, a stop-loss and a take-profit that cancel each other. */
export interface BracketOptions {
  readonly symbol?: string;
  readonly side?: OrderSide;
  readonly quantity: number;
  /** Entry limit price; market when absent. */
  readonly limit?: number;
  /** Entry stop price (with `limit`: a stop-limit entry). */
  readonly stop?: number;
  /** Stop-loss trigger price. */
  readonly stopLoss: number;
  /** Take-profit limit price. */
  readonly takeProfit: number;
  readonly timeInForce?: TimeInForce;
  readonly expire?: Micros | string;
  readonly validBars?: number;
  readonly tag?: string;
  /** Hedging accounts: the leg the entry opens and the exits reduce. */
  readonly positionSide?: PositionSide;
}

export interface Bracket {
  readonly entry: Order;
  readonly stopLoss: Order;
  readonly takeProfit: Order;
}

/** active: anything passes the risk rules; reducing: only orders that reduce exposure; halted: nothing. */
export type TradingState = 'active' | 'reducing' | 'halted';

/** What a sizer sizes: the order to come. */
export interface SizeOptions {
  /** Instrument; defaults to the first one. */
  readonly symbol?: string;
  /** Direction of the order (default 'buy'): position, exposure and cash limits depend on it. */
  readonly side?: OrderSide;
  /** Hedging accounts (required there): the position the order will act on. */
  readonly positionSide?: PositionSide;
  /** The limit price the order will carry; default the last price (a market order). */
  readonly limit?: number;
}

/**
 * Position sizing with the run's figures: each method returns a quantity
 * >= 0 on the instrument's lot grid, from the last price (or `limit`), the
 * account's equity and the instrument's multiplier, capped so that an order
 * of that quantity, submitted now, passes the run's size limits
 * (maxOrderQuantity, maxOrderNotional, maxPosition with the current position,
 * maxGrossExposure, maxNetExposure, maxLeverage) and its cash or margin check.
 * 0 means no order fits (or no price yet, or trading halted). Sizes count
 * the account as it is: size and submit one order at a time.
 */
export interface Sizer {
  /** A fixed quantity, within the limits. */
  fixed(quantity: number, options?: SizeOptions): number;
  /** amount / (price x multiplier). */
  notional(amount: number, options?: SizeOptions): number;
  /** equity x fraction / (price x multiplier). */
  percentOfEquity(fraction: number, options?: SizeOptions): number;
  /** equity x riskFraction / (stopDistance x multiplier): the stop, hit, costs riskFraction of equity. */
  fixedFractional(riskFraction: number, stopDistance: number, options?: SizeOptions): number;
  /**
   * equity x targetVolatility / (ATR x multiplier). The ATR is `atr`, or
   * Wilder's ATR(`period`, default 14) of the instrument's kept bars; 0
   * until there are more than `period` bars.
   */
  volatilityTarget(targetVolatility: number, options?: SizeOptions & { readonly atr?: number; readonly period?: number }): number;
  /** equity x min(maxFraction, max(0, p - (1 - p) / b)) / (price x multiplier). */
  kelly(winRate: number, payoffRatio: number, maxFraction: number, options?: SizeOptions): number;
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

  /** History of an instrument's bars ('' = as in the data), or of a subscribed aggregation. */
  bars(symbol?: string, timeframe?: string): BarHistory;
  /**
   * Subscribes to bars aggregated from an instrument's data: '5m', '1h', '1d',
   * 'ticks:100', 'volume:1000', 'value:1e6'. Each completed bar reaches onBar
   * (with `bar.timeframe` set) after the last bar or tick it contains, never before.
   */
  subscribe(timeframe: string, symbol?: string): BarHistory;
  /** Any indicator of the library by its TA-Lib name and parameters (`timeperiod`, `fastperiod`, ...). */
  indicator(name: string, params?: Record<string, unknown>, options?: IndicatorOptions): Indicator;
  /** The L2 book of an instrument that has book data (read-only), or undefined. */
  book(symbol?: string): OrderBook | undefined;

  sma(period: number, options?: IndicatorOptions): Indicator;
  ema(period: number, options?: IndicatorOptions): Indicator;
  rsi(period?: number, options?: IndicatorOptions): Indicator;
  crossover(a: Indicator, b: Indicator): Indicator;
  /** Registers any indicator to be updated from a price source before each onBar/onQuote/onTrade. */
  register<T extends Indicator>(indicator: T, options?: IndicatorOptions): T;

  /** Submits an order; with `parent`, it is held until the parent fills (one-triggers-other). */
  submit(request: OrderRequest, link?: { readonly parent?: Order }): Order;
  buy(quantity: number, options?: OrderOptions): Order;
  sell(quantity: number, options?: OrderOptions): Order;
  /** Entry plus stop-loss and take-profit; the exits arm on the bar after the entry fills and cancel each other. */
  bracket(options: BracketOptions): Bracket;
  /** Links live orders so that when one fills or is cancelled, the others are cancelled in the same pass. */
  oco(...orders: Order[]): boolean;
  /** Asks to change a live order's price, trigger or quantity; answered by an `updated` or `modify_rejected` event. */
  modify(order: Order | number, changes: OrderChanges): boolean;
  /** Asks to cancel a live order; answered by a `cancelled` or `cancel_rejected` event. Returns false if it was not live. */
  cancel(order: Order | number): boolean;
  /**
   * Trades to a target signed quantity with one market order for the
   * difference between the target and the position plus live market orders.
   * Returns the order, or undefined when already there. Hedging accounts:
   * give `positionSide`; the target is that leg's (>= 0 long, <= 0 short).
   */
  targetPosition(quantity: number, options?: { readonly symbol?: string; readonly tag?: string; readonly positionSide?: PositionSide }): Order | undefined;
  openOrders(symbol?: string): readonly Order[];
  hasOpenOrders(symbol?: string): boolean;

  /**
   * Signed position of an instrument. Without `side`: the net position (in
   * a hedging account, long leg + short leg). With `side`: that leg (long
   * >= 0, short <= 0); in a netting account the long or short part of the
   * net position.
   */
  position(symbol?: string, side?: PositionSide): number;
  /** As `position`, with average price and P&L (both legs summed when `side` is absent; averagePrice is then NaN if both are open). */
  positionInfo(symbol?: string, side?: PositionSide): PositionView;
  /** 'netting' (one position per instrument) or 'hedging' (a long and a short leg per instrument). */
  readonly positionMode: PositionMode;
  readonly cash: number;
  readonly equity: number;
  /** Position sizers with the run's prices, equity, lot sizes and limits. */
  readonly size: Sizer;

  /** Fires onTimer at `at` (µs or ISO text) with this name. */
  setTimer(name: string, at: Micros | string): void;
  /** Fires onTimer every `everyMicros`, first at now + everyMicros. */
  setInterval(name: string, everyMicros: number): void;
  cancelTimer(name: string): void;

  /** Trading state of the account, or of one instrument. */
  setTradingState(state: TradingState, symbol?: string): void;
  tradingState(symbol?: string): TradingState;

  readonly log: Logger;
}
