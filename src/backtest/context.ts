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
import type { Series } from './series.js';
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
    return this.host.series(this.indexOf(symbol), timeframe).history;
  }

  subscribe(timeframe: string, symbol?: string): BarHistory {
    return this.host.series(this.indexOf(symbol), timeframe).history;
  }

  indicator(name: string, params: Record<string, unknown> = {}, options?: IndicatorOptions): Indicator {
    let ind: Indicator;
    try {
      ind = createIndicator(name, params);
    } catch (e) {
      throw new InputError({ code: 'invalid_strategy', field: name, value: JSON.stringify(params), message: e instanceof Error ? e.message : String(e) });
    }
    return this.register(ind, options);
  }

  book(symbol?: string): OrderBook | undefined {
    return this.host.books[this.indexOf(symbol)];
  }

  sma(period: number, options?: IndicatorOptions): Indicator {
    return this.register(new SMA(period), options);
  }
  ema(period: number, options?: IndicatorOptions): Indicator {
    return this.register(new EMA(period), options);
  }
  rsi(period = 14, options?: IndicatorOptions): Indicator {
    return this.register(new RSI(period), options);
  }

  crossover(a: Indicator, b: Indicator): Indicator {
    const sa = this.owner.get(a);
    const sb = this.owner.get(b);
    if (sa === undefined || sb === undefined) {
      throw new InputError({ code: 'invalid_strategy', message: 'crossover(a, b) takes indicators created through the context' });
    }
    if (sa !== sb) {
      throw new InputError({ code: 'invalid_strategy', message: 'crossover(a, b) compares two indicators of the same instrument and timeframe' });
    }
    const cross = sa.add(new Crossover(a, b));
    this.owner.set(cross, sa);
    return cross;
  }

  register<T extends Indicator>(indicator: T, options?: IndicatorOptions): T {
    const series = this.host.series(this.indexOf(options?.symbol), options?.timeframe ?? '');
    if (options?.source !== undefined) {
      try {
        indicator.withSource(options.source);
      } catch {
        throw new InputError({ code: 'invalid_strategy', field: 'source', value: String(options.source), message: 'unknown price source' });
      }
    }
    series.add(indicator);
    this.owner.set(indicator, series);
    return indicator;
  }

  submit(request: OrderRequest, link: { readonly parent?: Order } = {}): Order {
    const idx = this.indexOf(request.symbol);
    const pos = this.host.portfolio.positions[idx] as PositionState;
    return this.host.orders.submit(this.resolve(request, idx), this.host.now(), pos.lastPrice, link.parent);
  }

  buy(quantity: number, options: OrderOptions = {}): Order {
    return this.submit(toRequest('buy', quantity, options), options.parent !== undefined ? { parent: options.parent } : {});
  }

  sell(quantity: number, options: OrderOptions = {}): Order {
    return this.submit(toRequest('sell', quantity, options), options.parent !== undefined ? { parent: options.parent } : {});
  }

  bracket(o: BracketOptions): Bracket {
    const idx = this.indexOf(o.symbol);
    const side = o.side ?? 'buy';
    const exit = side === 'buy' ? 'sell' : 'buy';
    const symbol = this.symbols[idx] as string;
    const common = { symbol, ...(o.tag !== undefined ? { tag: o.tag } : {}) };
    const entry = toRequest(side, o.quantity, {
      ...common,
      ...(o.positionSide !== undefined ? { positionSide: o.positionSide } : {}),
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
      ...(o.stop !== undefined ? { stop: o.stop } : {}),
      ...(o.timeInForce !== undefined ? { timeInForce: o.timeInForce } : {}),
      ...(o.expire !== undefined ? { expire: o.expire } : {}),
      ...(o.validBars !== undefined ? { validBars: o.validBars } : {}),
    });
    const side_ = o.positionSide !== undefined ? { positionSide: o.positionSide } : {};
    const stopLoss = toRequest(exit, o.quantity, { ...common, ...side_, stop: o.stopLoss });
    const takeProfit = toRequest(exit, o.quantity, { ...common, ...side_, limit: o.takeProfit });
    const pos = this.host.portfolio.positions[idx] as PositionState;
    const [e, sl, tp] = this.host.orders.bracket(this.resolve(entry, idx), this.resolve(stopLoss, idx), this.resolve(takeProfit, idx), this.host.now(), pos.lastPrice);
    return { entry: e, stopLoss: sl, takeProfit: tp };
  }

  oco(...orders: Order[]): boolean {
    return this.host.orders.oco(
      orders.map((o) => o.id),
      this.host.now(),
    );
  }

  modify(order: Order | number, changes: OrderChanges): boolean {
    return this.host.orders.modify(typeof order === 'number' ? order : order.id, changes, this.host.now());
  }

  /** A strategy's request in the engine's terms. */
  private resolve(request: OrderRequest, idx: number): NewOrder {
    const instrument = this.host.instruments[idx] as Instrument;
    const expireTime = this.resolveTime(request.expire, 'expire');
    // A plain stop given only a price: that price is its trigger.
    const trigger = request.triggerPrice ?? (request.type === 'stop' ? request.price : undefined);
    return this.host.round({
      symbol: instrument.symbol,
      side: request.side,
      type: request.type,
      quantity: request.quantity,
      price: request.type === 'stop' ? NaN : (request.price ?? NaN),
      triggerPrice: trigger ?? NaN,
      trailOffset: request.trailOffset ?? 0,
      trailPercent: request.trailPercent ?? 0,
      timeInForce: request.timeInForce ?? (Number.isFinite(expireTime) ? 'gtd' : 'gtc'),
      expireTime,
      validBars: request.validBars ?? 0,
      reduceOnly: request.reduceOnly ?? false,
      postOnly: request.postOnly ?? false,
      tag: request.tag ?? '',
      multiplier: instrument.multiplier,
      positionSide: request.positionSide,
    }, instrument);
  }

  cancel(order: Order | number): boolean {
    const id = typeof order === 'number' ? order : order.id;
    return this.host.orders.cancel(id, this.host.now());
  }

  targetPosition(quantity: number, options: { readonly symbol?: string; readonly tag?: string; readonly positionSide?: PositionSide } = {}): Order | undefined {
    const idx = this.indexOf(options.symbol);
    const symbol = this.symbols[idx] as string;
    const side = options.positionSide;
    if (side !== undefined && (side === 'long' ? quantity < 0 : quantity > 0)) {
      throw new InputError({ code: 'invalid_strategy', field: 'targetPosition', value: String(quantity), message: `a ${side} leg's target is ${side === 'long' ? '>= 0' : '<= 0'}` });
    }
    const pf = this.host.portfolio;
    let planned = side !== undefined && pf.hedging ? pf.leg(idx, side).quantity : (pf.positions[idx] as PositionState).quantity;
    for (const o of this.host.orders.liveOrders()) {
      if (o.symbol === symbol && o.type === 'market' && o.positionSide === side) planned += sideSign(o.side) * o.quantity;
    }
    const diff = quantity - planned;
    if (diff === 0) return undefined;
    const base = { symbol, ...(options.tag !== undefined ? { tag: options.tag } : {}), ...(side !== undefined ? { positionSide: side } : {}) };
    return diff > 0 ? this.buy(diff, base) : this.sell(-diff, base);
  }

  openOrders(symbol?: string): readonly Order[] {
    const out: Order[] = [];
    const only = symbol === undefined ? undefined : this.symbols[this.indexOf(symbol)];
    for (const o of this.host.orders.liveOrders()) if (only === undefined || o.symbol === only) out.push(o);
    return out;
  }

  hasOpenOrders(symbol?: string): boolean {
    if (symbol === undefined) return this.host.orders.liveCount > 0;
    const only = this.symbols[this.indexOf(symbol)];
    for (const o of this.host.orders.liveOrders()) if (o.symbol === only) return true;
    return false;
  }

  position(symbol?: string, side?: PositionSide): number {
    const pf = this.host.portfolio;
    const idx = this.indexOf(symbol);
    if (pf.hedging) return side === undefined ? pf.netQuantity(idx) : pf.leg(idx, side).quantity;
    const q = (pf.positions[idx] as PositionState).quantity;
    return side === undefined ? q : side === 'long' ? Math.max(q, 0) : Math.min(q, 0);
  }

  positionInfo(symbol?: string, side?: PositionSide): PositionView {
    const pf = this.host.portfolio;
    const idx = this.indexOf(symbol);
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
    this.host.timers.set(name, this.resolveTime(at, 'timer'));
  }

  setInterval(name: string, everyMicros: number): void {
    if (!(everyMicros > 0) || !Number.isInteger(everyMicros)) {
      throw new InputError({ code: 'invalid_strategy', field: 'setInterval', value: String(everyMicros), message: 'interval must be a positive integer of microseconds' });
    }
    this.host.timers.set(name, this.host.now() + everyMicros, everyMicros);
  }

  setTradingState(state: TradingState, symbol?: string): void {
    this.host.setTradingState(state, symbol === undefined ? undefined : this.symbols[this.indexOf(symbol)]);
  }

  tradingState(symbol?: string): TradingState {
    return this.host.tradingState(symbol === undefined ? undefined : this.symbols[this.indexOf(symbol)]);
  }

  cancelTimer(name: string): void {
    this.host.timers.cancel(name);
  }

  private resolveTime(t: Micros | string | undefined, field: string): Micros {
    if (t === undefined) return NaN;
    if (typeof t === 'number') return t;
    const parsed = parseIsoTime(t, 'end');
    if (parsed === undefined) throw new InputError({ code: 'invalid_strategy', field, value: t, message: 'not an ISO 8601 date or time' });
    return parsed;
  }

  private indexOf(symbol: string | undefined): number {
    if (symbol === undefined) return 0;
    const i = this.index.get(symbol);
    if (i === undefined) {
      throw new InputError({ code: 'invalid_strategy', field: 'symbol', value: symbol, message: `no data for this symbol; the run has ${this.symbols.join(', ')}` });
    }
    return i;
  }
}

function toRequest(side: 'buy' | 'sell', quantity: number, o: OrderOptions): OrderRequest {
  const trailing = o.trailOffset !== undefined || o.trailPercent !== undefined;
  const type: OrderType =
    o.type ?? (trailing ? 'trailing_stop' : o.limit !== undefined && o.stop !== undefined ? 'stop_limit' : o.limit !== undefined ? 'limit' : o.stop !== undefined ? 'stop' : 'market');
  return {
    side,
    type,
    quantity,
    ...(o.limit !== undefined ? { price: o.limit } : {}),
    ...(o.stop !== undefined ? { triggerPrice: o.stop } : {}),
    ...(o.trailOffset !== undefined ? { trailOffset: o.trailOffset } : {}),
    ...(o.trailPercent !== undefined ? { trailPercent: o.trailPercent } : {}),
    ...(o.timeInForce !== undefined ? { timeInForce: o.timeInForce } : {}),
    ...(o.symbol !== undefined ? { symbol: o.symbol } : {}),
    ...(o.expire !== undefined ? { expire: o.expire } : {}),
    ...(o.validBars !== undefined ? { validBars: o.validBars } : {}),
    ...(o.reduceOnly !== undefined ? { reduceOnly: o.reduceOnly } : {}),
    ...(o.postOnly !== undefined ? { postOnly: o.postOnly } : {}),
    ...(o.tag !== undefined ? { tag: o.tag } : {}),
    ...(o.positionSide !== undefined ? { positionSide: o.positionSide } : {}),
  };
}
