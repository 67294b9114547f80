import { InputError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import { parseIsoTime } from '../core/time.js';
import type { TimerQueue } from '../core/timer-queue.js';
import type { NewOrder, OrderManager } from '../execution/order-manager.js';
import type { Instrument } from '../model/instrument.js';
import type { OrderChanges } from '../model/execution.js';
import type { Order, OrderRequest, OrderType } from '../model/order.js';
import { sideSign } from '../model/order.js';
import type { Portfolio, PositionState } from '../portfolio/portfolio.js';
import type { BarHistory, Bracket, BracketOptions, IndicatorOptions, Logger, OrderOptions, PositionView, PriceSource, StrategyContext } from '../strategy/context.js';
import { Crossover } from '../strategy/indicators/crossover.js';
import { EMA } from '../strategy/indicators/ema.js';
import type { Indicator } from '../strategy/indicators/indicator.js';
import { RSI } from '../strategy/indicators/rsi.js';
import { SMA } from '../strategy/indicators/sma.js';
import type { RingBarHistory } from './bar-history.js';
import type { OrderBook } from '../model/order-book.js';

/** Codes of PriceSource, so the per-bar indicator update is a switch on a small int. */
export const SOURCE_CODE: Readonly<Record<PriceSource, number>> = { open: 0, high: 1, low: 2, close: 3, volume: 4 };

/** Indicators of one instrument, updated in registration order before the strategy runs. */
export interface IndicatorSlot {
  readonly indicator: Indicator;
  /** SOURCE_CODE, or -1 for indicators of indicators (they read their inputs). */
  readonly source: number;
}

/** The parts of the engine the context reads and drives. */
export interface ContextHost {
  readonly instruments: readonly Instrument[];
  readonly histories: readonly RingBarHistory[];
  readonly books: readonly (OrderBook | undefined)[];
  readonly indicators: readonly IndicatorSlot[][];
  readonly portfolio: Portfolio;
  readonly orders: OrderManager;
  readonly timers: TimerQueue;
  readonly log: Logger;
  now(): Micros;
}

/** The backtest's StrategyContext. */
export class BacktestContext implements StrategyContext {
  readonly symbols: readonly string[];
  private readonly index = new Map<string, number>();
  /** Which instrument each indicator updates with, for crossover's registration. */
  private readonly owner = new Map<Indicator, number>();

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

  bars(symbol?: string): BarHistory {
    return this.host.histories[this.indexOf(symbol)] as RingBarHistory;
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
    const ia = this.owner.get(a);
    const ib = this.owner.get(b);
    if (ia === undefined || ib === undefined) {
      throw new InputError({ code: 'invalid_strategy', message: 'crossover(a, b) takes indicators created through the context' });
    }
    const cross = new Crossover(a, b);
    // Updated with the later of its inputs' instruments, after both.
    const slot = Math.max(ia, ib);
    (this.host.indicators[slot] as IndicatorSlot[]).push({ indicator: cross, source: -1 });
    this.owner.set(cross, slot);
    return cross;
  }

  register<T extends Indicator>(indicator: T, options?: IndicatorOptions): T {
    const idx = this.indexOf(options?.symbol);
    const source = SOURCE_CODE[options?.source ?? 'close'];
    if (source === undefined) {
      throw new InputError({ code: 'invalid_strategy', field: 'source', value: String(options?.source), message: 'unknown price source' });
    }
    (this.host.indicators[idx] as IndicatorSlot[]).push({ indicator, source });
    this.owner.set(indicator, idx);
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
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
      ...(o.stop !== undefined ? { stop: o.stop } : {}),
      ...(o.timeInForce !== undefined ? { timeInForce: o.timeInForce } : {}),
      ...(o.expire !== undefined ? { expire: o.expire } : {}),
      ...(o.validBars !== undefined ? { validBars: o.validBars } : {}),
    });
    const stopLoss = toRequest(exit, o.quantity, { ...common, stop: o.stopLoss });
    const takeProfit = toRequest(exit, o.quantity, { ...common, limit: o.takeProfit });
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
    return {
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
    };
  }

  cancel(order: Order | number): boolean {
    const id = typeof order === 'number' ? order : order.id;
    return this.host.orders.cancel(id, this.host.now());
  }

  targetPosition(quantity: number, options: { readonly symbol?: string; readonly tag?: string } = {}): Order | undefined {
    const idx = this.indexOf(options.symbol);
    const symbol = this.symbols[idx] as string;
    let planned = (this.host.portfolio.positions[idx] as PositionState).quantity;
    for (const o of this.host.orders.liveOrders()) {
      if (o.symbol === symbol && o.type === 'market') planned += sideSign(o.side) * o.quantity;
    }
    const diff = quantity - planned;
    if (diff === 0) return undefined;
    const base = { symbol, ...(options.tag !== undefined ? { tag: options.tag } : {}) };
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

  position(symbol?: string): number {
    return (this.host.portfolio.positions[this.indexOf(symbol)] as PositionState).quantity;
  }

  positionInfo(symbol?: string): PositionView {
    const p = this.host.portfolio.positions[this.indexOf(symbol)] as PositionState;
    return {
      symbol: p.instrument.symbol,
      quantity: p.quantity,
      averagePrice: p.averagePrice,
      realizedPnl: p.realizedPnl,
      unrealizedPnl: p.unrealizedPnl,
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
  };
}
