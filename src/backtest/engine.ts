import { addExact } from '../core/decimal.js';
import type { Issue } from '../core/errors.js';
import { InputError, InvariantError } from '../core/errors.js';
import { GrowableFloat64 } from '../core/growable.js';
import type { Micros } from '../core/time.js';
import { TimerQueue } from '../core/timer-queue.js';
import type { FeeModel } from '../execution/models/fee.js';
import { NoFee } from '../execution/models/fee.js';
import type { BarFillModel } from '../execution/models/fill.js';
import { ClassicBarFill } from '../execution/models/fill.js';
import { OrderManager } from '../execution/order-manager.js';
import { SimulatedExchange } from '../execution/simulated-exchange.js';
import type { OrderEvent } from '../model/events.js';
import type { Instrument } from '../model/instrument.js';
import { makeInstrument } from '../model/instrument.js';
import type { BarColumns, Columns, MarketFeed, QuoteColumns, TradeColumns } from '../model/market.js';
import { SIDE_BUY, SIDE_SELL } from '../model/market.js';
import type { Order } from '../model/order.js';
import { BuyingPower } from '../portfolio/buying-power.js';
import { Portfolio } from '../portfolio/portfolio.js';
import type { PositionState } from '../portfolio/portfolio.js';
import type { ClosedTrade } from '../portfolio/trade-book.js';
import type { Logger } from '../strategy/context.js';
import type { Strategy } from '../strategy/strategy.js';
import { RingBarHistory } from './bar-history.js';
import type { IndicatorSlot } from './context.js';
import { BacktestContext } from './context.js';
import { BarView, QuoteView, TradeView } from './market-views.js';

export interface BacktestOptions {
  readonly strategy: Strategy<object>;
  readonly feeds: readonly MarketFeed[];
  readonly cash: number;
  /** Instrument settings by symbol; symbols without one are plain cash equities. */
  readonly instruments?: readonly Instrument[];
  readonly fees?: FeeModel;
  readonly fillModel?: BarFillModel;
  /** Bars of history kept per instrument for `ctx.bars()` (default 10,000). */
  readonly historyCapacity?: number;
  readonly log?: Logger;
  /** Called every `progressEvery` events with the count so far. */
  readonly onProgress?: (events: number) => void;
  readonly progressEvery?: number;
}

/** The equity curve: one row per time step (all events sharing a timestamp). */
export interface EquityCurve {
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  readonly positionValue: Float64Array;
}

/** Everything a run produced, as plain data. */
export interface BacktestResult {
  readonly symbols: readonly string[];
  readonly initialCash: number;
  readonly finalCash: number;
  readonly finalEquity: number;
  readonly fees: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly bars: number;
  readonly quotes: number;
  readonly trades: number;
  /** First and last event times (NaN when there was no data). */
  readonly start: Micros;
  readonly end: Micros;
  readonly equity: EquityCurve;
  readonly orders: readonly Order[];
  readonly closedTrades: readonly ClosedTrade[];
  readonly openTrades: number;
  /** Rows the feeds rejected and skipped. */
  readonly skipped: readonly Issue[];
}

const silentLog: Logger = { info: () => {}, warn: () => {} };

/** A feed being replayed: its current chunk and row. */
class Cursor {
  cols: Columns | null = null;
  i = 0;
  n = 0;
  /** Time of the current row; +Infinity when the feed is done. */
  t = Infinity;
  constructor(
    readonly feed: MarketFeed,
    readonly symbolIdx: number,
  ) {}

  load(): void {
    for (;;) {
      const cols = this.feed.next();
      if (cols === null) {
        this.cols = null;
        this.t = Infinity;
        return;
      }
      if (cols.length > 0) {
        this.cols = cols;
        this.i = 0;
        this.n = cols.length;
        this.t = cols.time[0] as number;
        return;
      }
    }
  }

  advance(): void {
    if (++this.i < this.n) {
      this.t = (this.cols as Columns).time[this.i] as number;
    } else {
      this.load();
    }
  }
}

/**
 * The deterministic event loop: one simulated clock, all feeds merged in time
 * order (ties broken by feed order, then timers), a broker phase before the
 * strategy sees each bar (docs/bar-execution.md), equity at each time step.
 */
export class BacktestEngine {
  private clock: Micros = NaN;
  private readonly instruments: Instrument[];
  private readonly portfolio: Portfolio;
  private readonly orders: OrderManager;
  private readonly exchange: SimulatedExchange;
  private readonly buyingPower: BuyingPower;
  private readonly timers = new TimerQueue();
  private readonly histories: RingBarHistory[];
  private readonly indicators: IndicatorSlot[][];
  private readonly ctx: BacktestContext;
  private readonly cursors: Cursor[];
  private readonly barViews: BarView[];
  private readonly quoteViews: QuoteView[];
  private readonly tradeViews: TradeView[];
  private readonly pending: OrderEvent[] = [];
  private readonly eqTime = new GrowableFloat64();
  private readonly eqEquity = new GrowableFloat64();
  private readonly eqCash = new GrowableFloat64();
  private readonly eqPosValue = new GrowableFloat64();
  private bars = 0;
  private quotes = 0;
  private tradeTicks = 0;
  private start: Micros = NaN;
  private ran = false;

  constructor(private readonly options: BacktestOptions) {
    if (!(options.cash >= 0) || !Number.isFinite(options.cash)) {
      throw new InputError({ code: 'invalid_option', field: 'cash', value: String(options.cash), message: 'cash must be a non-negative number' });
    }
    const symbols: string[] = [];
    const seen = new Set<string>();
    for (const f of options.feeds) {
      const key = `${f.symbol}\u0000${f.kind}`;
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
    const given = new Map((options.instruments ?? []).map((i) => [i.symbol, i]));
    this.instruments = symbols.map((s) => given.get(s) ?? makeInstrument(s));
    this.portfolio = new Portfolio(options.cash, this.instruments);
    this.buyingPower = new BuyingPower(this.portfolio);
    const multipliers = this.instruments.map((i) => i.multiplier);
    const symbolIdx = new Map(symbols.map((s, i) => [s, i]));
    this.orders = new OrderManager(
      options.fees ?? new NoFee(),
      (order, qty, price, fee) => this.buyingPower.check(order, qty, price, fee, multipliers[symbolIdx.get(order.symbol) ?? 0] ?? 1),
      {
        event: (e) => {
          if (e.kind === 'filled' || e.kind === 'cancelled' || e.kind === 'expired') this.buyingPower.release(e.order.id);
          this.pending.push(e);
        },
        fill: (order, quantity, price, fee, time) => {
          const pos = this.portfolio.positions[symbolIdx.get(order.symbol) ?? -1];
          if (pos === undefined) throw new InvariantError(`fill for unknown instrument ${order.symbol}`);
          this.portfolio.applyFill(pos, quantity, price, fee, time);
        },
      },
    );
    this.exchange = new SimulatedExchange(symbols, this.orders, options.fillModel ?? new ClassicBarFill());
    this.orders.connect(this.exchange);
    const capacity = options.historyCapacity ?? 10_000;
    this.histories = symbols.map((s) => new RingBarHistory(s, capacity));
    this.indicators = symbols.map(() => []);
    this.barViews = symbols.map((s) => new BarView(s));
    this.quoteViews = symbols.map((s) => new QuoteView(s));
    this.tradeViews = symbols.map((s) => new TradeView(s));
    this.cursors = options.feeds.map((f) => new Cursor(f, symbolIdx.get(f.symbol) as number));
    this.ctx = new BacktestContext({
      instruments: this.instruments,
      histories: this.histories,
      indicators: this.indicators,
      portfolio: this.portfolio,
      orders: this.orders,
      timers: this.timers,
      log: options.log ?? silentLog,
      now: () => this.clock,
    });
  }

  run(): BacktestResult {
    if (this.ran) throw new InvariantError('a BacktestEngine runs once');
    this.ran = true;
    const strategy = this.options.strategy;
    const ctx = this.ctx;
    const cursors = this.cursors;
    const nCursors = cursors.length;
    const progressEvery = this.options.progressEvery ?? 1 << 16;
    const onProgress = this.options.onProgress;

    strategy.onStart(ctx);
    this.drain();
    for (const c of cursors) c.load();

    let stepTime = NaN;
    let events = 0;
    try {
      for (;;) {
        // The cursor with the earliest row; ties go to the earlier feed.
        let best: Cursor | undefined;
        let bestT = Infinity;
        for (let k = 0; k < nCursors; k++) {
          const c = cursors[k] as Cursor;
          if (c.t < bestT) {
            bestT = c.t;
            best = c;
          }
        }
        if (best === undefined) break;
        if (bestT !== stepTime) {
          if (bestT < stepTime) throw new InvariantError(`feed ${best.feed.source} went back in time`);
          if (!Number.isNaN(stepTime)) this.recordEquity(stepTime);
          else this.start = bestT;
          this.fireTimers(bestT);
          stepTime = bestT;
        }
        this.clock = bestT;
        const cols = best.cols as Columns;
        switch (cols.kind) {
          case 'bar':
            this.onBar(best.symbolIdx, cols, best.i);
            break;
          case 'quote':
            this.onQuote(best.symbolIdx, cols, best.i);
            break;
          case 'trade':
            this.onTrade(best.symbolIdx, cols, best.i);
            break;
        }
        best.advance();
        if (++events % progressEvery === 0 && onProgress !== undefined) onProgress(events);
      }
      if (!Number.isNaN(stepTime)) this.recordEquity(stepTime);
      strategy.onStop(ctx);
      this.drain();
    } finally {
      for (const c of cursors) c.feed.close();
    }
    if (onProgress !== undefined) onProgress(events);
    return this.result(stepTime);
  }

  private onBar(idx: number, cols: BarColumns, i: number): void {
    const t = cols.time[i] as number;
    const open = cols.open[i] as number;
    const high = cols.high[i] as number;
    const low = cols.low[i] as number;
    const close = cols.close[i] as number;
    const volume = cols.volume[i] as number;
    this.bars++;
    const pos = this.portfolio.positions[idx] as PositionState;
    pos.bars++;
    // Broker phase: orders first, then the mark at the close.
    const symbol = pos.instrument.symbol;
    this.exchange.onBar(idx, symbol, t, open, high, low, close);
    pos.lastPrice = close;
    pos.openTrade?.observe(high, low);
    (this.histories[idx] as RingBarHistory).push(t, open, high, low, close, volume);
    const slots = this.indicators[idx] as IndicatorSlot[];
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k] as IndicatorSlot;
      const src = s.source;
      s.indicator.update(src === 3 ? close : src === 0 ? open : src === 1 ? high : src === 2 ? low : src === 4 ? volume : NaN);
    }
    if (this.pending.length > 0) this.drain();
    const bar = this.barViews[idx] as BarView;
    bar.time = t;
    bar.open = open;
    bar.high = high;
    bar.low = low;
    bar.close = close;
    bar.volume = volume;
    this.options.strategy.onBar(bar, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  private onQuote(idx: number, cols: QuoteColumns, i: number): void {
    const t = cols.time[i] as number;
    const bid = cols.bid[i] as number;
    const ask = cols.ask[i] as number;
    this.quotes++;
    const pos = this.portfolio.positions[idx] as PositionState;
    this.exchange.onQuote(idx, pos.instrument.symbol, t, bid, ask);
    const mid = (bid + ask) / 2;
    pos.lastPrice = mid;
    pos.openTrade?.observe(mid, mid);
    this.updateTickIndicators(idx, mid);
    if (this.pending.length > 0) this.drain();
    const q = this.quoteViews[idx] as QuoteView;
    q.time = t;
    q.bid = bid;
    q.ask = ask;
    q.bidSize = cols.bidSize[i] as number;
    q.askSize = cols.askSize[i] as number;
    this.options.strategy.onQuote(q, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  private onTrade(idx: number, cols: TradeColumns, i: number): void {
    const t = cols.time[i] as number;
    const price = cols.price[i] as number;
    this.tradeTicks++;
    const pos = this.portfolio.positions[idx] as PositionState;
    this.exchange.onTrade(idx, pos.instrument.symbol, t, price);
    pos.lastPrice = price;
    pos.openTrade?.observe(price, price);
    this.updateTickIndicators(idx, price);
    if (this.pending.length > 0) this.drain();
    const tr = this.tradeViews[idx] as TradeView;
    tr.time = t;
    tr.price = price;
    tr.size = cols.size[i] as number;
    const side = cols.side[i];
    tr.aggressor = side === SIDE_BUY ? 'buy' : side === SIDE_SELL ? 'sell' : 'unknown';
    this.options.strategy.onTrade(tr, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  /** Ticks have one price: every price source reads it (volume reads NaN). */
  private updateTickIndicators(idx: number, price: number): void {
    const slots = this.indicators[idx] as IndicatorSlot[];
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k] as IndicatorSlot;
      s.indicator.update(s.source === 4 ? NaN : price);
    }
  }

  /** Timers due before the next data time fire after all data of earlier steps. */
  private fireTimers(nextDataTime: Micros): void {
    if (this.timers.size === 0) return;
    for (;;) {
      if (!(this.timers.peekTime() < nextDataTime)) return;
      const due = this.timers.popDue(nextDataTime);
      if (due === undefined) return;
      this.clock = due.time;
      this.options.strategy.onTimer(due, this.ctx);
      this.drain();
    }
  }

  /** Delivers queued order events; handlers may queue more. */
  private drain(): void {
    const q = this.pending;
    for (let i = 0; i < q.length; i++) this.options.strategy.onOrderEvent(q[i] as OrderEvent, this.ctx);
    q.length = 0;
  }

  private recordEquity(t: Micros): void {
    const posValue = this.portfolio.positionValue();
    this.eqTime.push(t);
    this.eqCash.push(this.portfolio.cash);
    this.eqPosValue.push(posValue);
    this.eqEquity.push(posValue === 0 ? this.portfolio.cash : addExact(this.portfolio.cash, posValue));
  }

  private result(end: Micros): BacktestResult {
    const p = this.portfolio;
    const skipped: Issue[] = [];
    for (const c of this.cursors) skipped.push(...c.feed.skipped);
    return {
      symbols: this.instruments.map((i) => i.symbol),
      initialCash: p.initialCash,
      finalCash: p.cash,
      finalEquity: p.equity(),
      fees: p.fees,
      realizedPnl: p.realizedPnl(),
      unrealizedPnl: p.unrealizedPnl(),
      bars: this.bars,
      quotes: this.quotes,
      trades: this.tradeTicks,
      start: this.start,
      end,
      equity: {
        time: this.eqTime.view(),
        equity: this.eqEquity.view(),
        cash: this.eqCash.view(),
        positionValue: this.eqPosValue.view(),
      },
      orders: this.orders.orders,
      closedTrades: p.closedTrades,
      openTrades: p.openTrades(),
      skipped,
    };
  }
}

/** Runs a backtest to completion. */
export function runBacktest(options: BacktestOptions): BacktestResult {
  return new BacktestEngine(options).run();
}
