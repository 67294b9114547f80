import { argumentError, integerArg, numberArg, oneOfArg } from '../core/arguments.js';
import { InputError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import { parseIsoTime } from '../core/time.js';
import type { TimerQueue } from '../core/timer-queue.js';
import type { NewOrder, OrderManager } from '../execution/order-manager.js';
import type { Instrument } from '../model/instrument.js';
import type { OrderChanges } from '../model/execution.js';
import type { Order, OrderRequest, OrderType, PositionMode, PositionSide } from '../model/order.js';
import { sideSign } from '../model/order.js';
import type { Portfolio, PositionState } from '../portfolio/portfolio.js';
import type { BarHistory, Bracket, BracketOptions, IndicatorOptions, Logger, OrderOptions, PositionView, Sizer, StrategyContext, TradingState } from '../strategy/context.js';
import { Crossover } from '../strategy/indicators/crossover.js';
import { EMA } from '../strategy/indicators/ema.js';
import type { Indicator } from '../strategy/indicators/indicator.js';
import { createIndicator } from '../strategy/indicators/registry.js';
import { RSI } from '../strategy/indicators/rsi.js';
import { SMA } from '../strategy/indicators/sma.js';
import { MAX_WINDOW, isIndicator } from '../strategy/indicators/indicator.js';
import { OrderEntry, orderRequest, resolveTime } from './order-entry.js';
import type { Series } from './series.js';
import { checkBracketOptions, checkChanges, checkOrderOptions, checkOrderRequest, orderIdOf } from './strategy-arguments.js';
import type { OrderBook } from '../model/order-book.js';

/** The parts of the engine the context reads and drives. */
export interface ContextHost {
  readonly instruments: readonly Instrument[];
  readonly books: readonly (OrderBook | undefined)[];
  /** The bar series of an instrument: '' for its data, else an aggregation, created on first use. */
  series(symbolIdx: number, timeframe: string): Series;
  readonly portfolio: Portfolio;
  readonly orders: OrderManager;
  readonly timers: TimerQueue;
  setTradingState(state: TradingState, symbol: string | undefined): void;
  /** Prices to the tick and quantity to the lot, when the run asks for rounding; else unchanged. */
  round(order: NewOrder, instrument: Instrument): NewOrder;
  tradingState(symbol: string | undefined): TradingState;
  readonly log: Logger;
  now(): Micros;
  /** Sizers over the run's figures and limits. */
  readonly size: Sizer;
  /** Requests into orders (shared with the kernel's own account modules). */
  readonly entry: OrderEntry;
}

/** The backtest's StrategyContext. */
export class BacktestContext implements StrategyContext {
  readonly symbols: readonly string[];
  private readonly index = new Map<string, number>();
  /** The series each indicator updates with, for indicators of indicators. */
  private readonly owner = new Map<Indicator, Series>();

  constructor(private readonly host: ContextHost) {
    this.symbols = host.instruments.map((i) => i.symbol);
    this.symbols.forEach((s, i) => this.index.set(s, i));
  }

  get time(): Micros {
    return this.host.now();
  }

  get log(): Logger {
    return this.host.log;
  }

  get positionMode(): PositionMode {
    return this.host.portfolio.mode;
  }

  get size(): Sizer {
    return this.host.size;
  }

  bars(symbol?: string, timeframe = ''): BarHistory {
    return this.seriesOf('ctx.bars', symbol, timeframe).history;
  }

  subscribe(timeframe: string, symbol?: string): BarHistory {
    return this.seriesOf('ctx.subscribe', symbol, timeframe).history;
  }

  /** A series of the run; a bad symbol or timeframe is an InputError naming `call`. */
  private seriesOf(call: string, symbol: string | undefined, timeframe: unknown, name = 'timeframe'): Series {
    const idx = this.indexOf(symbol, call, name === 'timeframe' ? 'symbol' : 'options.symbol');
    if (typeof timeframe !== 'string') throw argumentError(call, name, timeframe, `${name} must be text such as '5m', '1h', '1d' or 'ticks:100'`);
    try {
      return this.host.series(idx, timeframe);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw argumentError(call, name, timeframe, e.issues[0]?.message ?? e.message);
    }
  }

  indicator(name: string, params: Record<string, unknown> = {}, options?: IndicatorOptions): Indicator {
    return this.registerAs('ctx.indicator', createIndicator(name, params, 'ctx.indicator'), options);
  }

  book(symbol?: string): OrderBook | undefined {
    return this.host.books[this.indexOf(symbol, 'ctx.book')];
  }

  sma(period: number, options?: IndicatorOptions): Indicator {
    return this.registerAs('ctx.sma', new SMA(indicatorPeriod('ctx.sma', period)), options);
  }
  ema(period: number, options?: IndicatorOptions): Indicator {
    return this.registerAs('ctx.ema', new EMA(indicatorPeriod('ctx.ema', period)), options);
  }
  rsi(period = 14, options?: IndicatorOptions): Indicator {
    return this.registerAs('ctx.rsi', new RSI(indicatorPeriod('ctx.rsi', period)), options);
  }

  crossover(a: Indicator, b: Indicator): Indicator {
    const sa = this.owner.get(a);
    const sb = this.owner.get(b);
    if (sa === undefined) throw argumentError('ctx.crossover', 'a', isIndicator(a) ? a.constructor.name : a, 'crossover(a, b) takes indicators created through the context', 'invalid_strategy');
    if (sb === undefined) throw argumentError('ctx.crossover', 'b', isIndicator(b) ? b.constructor.name : b, 'crossover(a, b) takes indicators created through the context', 'invalid_strategy');
    if (sa !== sb) {
      throw new InputError({ code: 'invalid_strategy', field: 'ctx.crossover(a, b)', message: 'crossover(a, b) compares two indicators of the same instrument and timeframe' });
    }
    const cross = sa.add(new Crossover(a, b));
    this.owner.set(cross, sa);
    return cross;
  }

  register<T extends Indicator>(indicator: T, options?: IndicatorOptions): T {
    return this.registerAs('ctx.register', indicator, options);
  }

  private registerAs<T extends Indicator>(call: string, indicator: T, options?: IndicatorOptions): T {
    if (!isIndicator(indicator)) throw argumentError(call, 'indicator', indicator, 'indicator must be an Indicator (new SMA(20), ...)');
    if (options !== undefined && (options === null || typeof options !== 'object')) throw argumentError(call, 'options', options, 'options must be an object');
    const series = this.seriesOf(call, options?.symbol, options?.timeframe ?? '', 'options.timeframe');
    if (options?.source !== undefined) {
      try {
        indicator.withSource(options.source);
      } catch {
        throw argumentError(call, 'options.source', options.source, 'unknown price source; give open, high, low, close or volume');
      }
    }
    series.add(indicator);
    this.owner.set(indicator, series);
    return indicator;
  }

  submit(request: OrderRequest, link: { readonly parent?: Order } = {}): Order {
    checkOrderRequest('ctx.submit', request, link);
    return this.place('ctx.submit', request, link.parent);
  }

  buy(quantity: number, options?: OrderOptions): Order {
    const o = checkOrderOptions('ctx.buy', quantity, options);
    return this.place('ctx.buy', orderRequest('buy', quantity, o), o.parent);
  }

  sell(quantity: number, options?: OrderOptions): Order {
    const o = checkOrderOptions('ctx.sell', quantity, options);
    return this.place('ctx.sell', orderRequest('sell', quantity, o), o.parent);
  }

  /** A checked request to the order manager. */
  private place(call: string, request: OrderRequest, parent: Order | undefined): Order {
    const idx = this.indexOf(request.symbol, call, call === 'ctx.submit' ? 'request.symbol' : 'options.symbol');
    return this.host.entry.place(idx, request, parent, call);
  }

  bracket(o: BracketOptions): Bracket {
    checkBracketOptions('ctx.bracket', o);
    const idx = this.indexOf(o.symbol, 'ctx.bracket', 'options.symbol');
    const side = o.side ?? 'buy';
    const exit = side === 'buy' ? 'sell' : 'buy';
    const symbol = this.symbols[idx] as string;
    const common = { symbol, ...(o.tag !== undefined ? { tag: o.tag } : {}) };
    const entry = orderRequest(side, o.quantity, {
      ...common,
      ...(o.positionSide !== undefined ? { positionSide: o.positionSide } : {}),
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
      ...(o.stop !== undefined ? { stop: o.stop } : {}),
      ...(o.timeInForce !== undefined ? { timeInForce: o.timeInForce } : {}),
      ...(o.expire !== undefined ? { expire: o.expire } : {}),
      ...(o.validBars !== undefined ? { validBars: o.validBars } : {}),
    });
    const side_ = o.positionSide !== undefined ? { positionSide: o.positionSide } : {};
    const stopLoss = orderRequest(exit, o.quantity, { ...common, ...side_, stop: o.stopLoss });
    const takeProfit = orderRequest(exit, o.quantity, { ...common, ...side_, limit: o.takeProfit });
    const pos = this.host.portfolio.positions[idx] as PositionState;
    const call = 'ctx.bracket';
    const e_ = this.host.entry;
    const [e, sl, tp] = this.host.orders.bracket(e_.resolve(entry, idx, call), e_.resolve(stopLoss, idx, call), e_.resolve(takeProfit, idx, call), this.host.now(), pos.lastPrice);
    return { entry: e, stopLoss: sl, takeProfit: tp };
  }

  oco(...orders: Order[]): boolean {
    return this.host.orders.oco(
      orders.map((o, i) => orderIdOf('ctx.oco', `orders[${i}]`, o)),
      this.host.now(),
    );
  }

  modify(order: Order | number, changes: OrderChanges): boolean {
    const id = orderIdOf('ctx.modify', 'order', order);
    return this.host.orders.modify(id, checkChanges('ctx.modify', changes), this.host.now());
  }

  cancel(order: Order | number): boolean {
    return this.host.orders.cancel(orderIdOf('ctx.cancel', 'order', order), this.host.now());
  }

  targetPosition(quantity: number, options: { readonly symbol?: string; readonly tag?: string; readonly positionSide?: PositionSide } = {}): Order | undefined {
    const call = 'ctx.targetPosition';
    numberArg(call, 'quantity', quantity);
    if (options === null || typeof options !== 'object') throw argumentError(call, 'options', options, 'options must be an object');
    if (options.tag !== undefined && typeof options.tag !== 'string') throw argumentError(call, 'options.tag', options.tag, 'options.tag must be text');
    if (options.positionSide !== undefined) oneOfArg(call, 'options.positionSide', options.positionSide, ['long', 'short']);
    const idx = this.indexOf(options.symbol, call, 'options.symbol');
    const side = options.positionSide;
    if (side !== undefined && (side === 'long' ? quantity < 0 : quantity > 0)) {
      throw argumentError(call, 'quantity', quantity, `a ${side} leg's target is ${side === 'long' ? '>= 0' : '<= 0'}`, 'invalid_strategy');
    }
    return this.host.entry.targetPosition(idx, quantity, { tag: options.tag, positionSide: side });
  }

  openOrders(symbol?: string): readonly Order[] {
    const out: Order[] = [];
    const only = symbol === undefined ? undefined : this.symbols[this.indexOf(symbol, 'ctx.openOrders')];
    for (const o of this.host.orders.liveOrders()) if (only === undefined || o.symbol === only) out.push(o);
    return out;
  }

  hasOpenOrders(symbol?: string): boolean {
    if (symbol === undefined) return this.host.orders.liveCount > 0;
    const only = this.symbols[this.indexOf(symbol, 'ctx.hasOpenOrders')];
    for (const o of this.host.orders.liveOrders()) if (o.symbol === only) return true;
    return false;
  }

  position(symbol?: string, side?: PositionSide): number {
    const pf = this.host.portfolio;
    const idx = this.indexOf(symbol, 'ctx.position');
    if (side !== undefined) oneOfArg('ctx.position', 'side', side, ['long', 'short']);
    if (pf.hedging) return side === undefined ? pf.netQuantity(idx) : pf.leg(idx, side).quantity;
    const q = (pf.positions[idx] as PositionState).quantity;
    return side === undefined ? q : side === 'long' ? Math.max(q, 0) : Math.min(q, 0);
  }

  positionInfo(symbol?: string, side?: PositionSide): PositionView {
    const pf = this.host.portfolio;
    const idx = this.indexOf(symbol, 'ctx.positionInfo');
    if (side !== undefined) oneOfArg('ctx.positionInfo', 'side', side, ['long', 'short']);
    const p = pf.positions[idx] as PositionState;
    const short = pf.shortLeg(idx);
    if (short === undefined) {
      // Netting: one position; a side asks for its part of it.
      const mine = side === undefined || (side === 'long' ? p.quantity >= 0 : p.quantity <= 0);
      return {
        symbol: p.instrument.symbol,
        side: side ?? 'net',
        quantity: mine ? p.quantity : 0,
        averagePrice: mine ? p.averagePrice : NaN,
        realizedPnl: p.realizedPnl,
        unrealizedPnl: mine ? p.unrealizedPnl : 0,
      };
    }
    if (side !== undefined) {
      const leg = side === 'long' ? p : short;
      return { symbol: leg.instrument.symbol, side, quantity: leg.quantity, averagePrice: leg.averagePrice, realizedPnl: leg.realizedPnl, unrealizedPnl: leg.unrealizedPnl };
    }
    return {
      symbol: p.instrument.symbol,
      side: 'net',
      quantity: pf.netQuantity(idx),
      averagePrice: p.quantity === 0 ? short.averagePrice : short.quantity === 0 ? p.averagePrice : NaN,
      realizedPnl: p.realizedPnl + short.realizedPnl,
      unrealizedPnl: p.unrealizedPnl + short.unrealizedPnl,
    };
  }

  get cash(): number {
    return this.host.portfolio.cash;
  }

  get equity(): number {
    return this.host.portfolio.equity();
  }

  setTimer(name: string, at: Micros | string): void {
    timerName('ctx.setTimer', name);
    if (typeof at !== 'string') numberArg('ctx.setTimer', 'at', at);
    const time = resolveTime(at, 'ctx.setTimer', 'at');
    this.host.timers.set(name, time);
  }

  setInterval(name: string, everyMicros: number): void {
    timerName('ctx.setInterval', name);
    integerArg('ctx.setInterval', 'everyMicros', everyMicros, 1);
    this.host.timers.set(name, this.host.now() + everyMicros, everyMicros);
  }

  setTradingState(state: TradingState, symbol?: string): void {
    oneOfArg('ctx.setTradingState', 'state', state, ['active', 'reducing', 'halted']);
    this.host.setTradingState(state, symbol === undefined ? undefined : this.symbols[this.indexOf(symbol, 'ctx.setTradingState')]);
  }

  tradingState(symbol?: string): TradingState {
    return this.host.tradingState(symbol === undefined ? undefined : this.symbols[this.indexOf(symbol, 'ctx.tradingState')]);
  }

  cancelTimer(name: string): void {
    timerName('ctx.cancelTimer', name);
    this.host.timers.cancel(name);
  }

  /** The index of a symbol of the run (undefined: the first); an unknown one is an InputError naming `call`. */
  private indexOf(symbol: string | undefined, call: string, name = 'symbol'): number {
    if (symbol === undefined) return 0;
    const i = this.index.get(symbol);
    if (i === undefined) throw argumentError(call, name, symbol, `no data for this symbol; the run has ${this.symbols.join(', ')}`, 'invalid_strategy');
    return i;
  }
}

/** An indicator period given to a context helper: an integer from 1 to MAX_WINDOW. */
function indicatorPeriod(call: string, period: unknown): number {
  const p = integerArg(call, 'period', period, 1);
  if (p > MAX_WINDOW) throw argumentError(call, 'period', p, `period must be at most ${MAX_WINDOW}`);
  return p;
}

function timerName(call: string, name: unknown): void {
  if (typeof name !== 'string' || name.length === 0) throw argumentError(call, 'name', name, 'name must be non-empty text');
}
