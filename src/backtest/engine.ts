import { addExact, mulExact } from '../core/decimal.js';
import type { Issue } from '../core/errors.js';
import { InputError, InvariantError } from '../core/errors.js';
import { GrowableFloat64 } from '../core/growable.js';
import type { Micros } from '../core/time.js';
import { MICROS_PER_DAY, formatIso } from '../core/time.js';
import { TimerQueue } from '../core/timer-queue.js';
import type { FeeModel } from '../execution/models/fee.js';
import { NoFee } from '../execution/models/fee.js';
import type { BarFillModel } from '../execution/models/fill.js';
import { ClassicBarFill } from '../execution/models/fill.js';
import { OrderManager } from '../execution/order-manager.js';
import type { LatencyModel } from '../execution/models/latency.js';
import type { SlippageModel } from '../execution/models/slippage.js';
import { SimulatedExchange } from '../execution/simulated-exchange.js';
import type { Fill } from '../model/events.js';
import type { SessionCalendar } from '../model/session.js';
import type { OrderEvent } from '../model/events.js';
import type { Instrument } from '../model/instrument.js';
import { isMargined, makeInstrument } from '../model/instrument.js';
import type { BarColumns, BookColumns, Columns, MarketFeed, QuoteColumns, TradeColumns } from '../model/market.js';
import { F_LAST } from '../model/market.js';
import { OrderBook } from '../model/order-book.js';
import { SIDE_BUY, SIDE_SELL } from '../model/market.js';
import type { Order, PositionMode, RejectReason } from '../model/order.js';
import { sideSign } from '../model/order.js';
import { BuyingPower } from '../portfolio/buying-power.js';
import { RiskEngine } from '../risk/engine.js';
import type { TradingStateEvent } from '../risk/engine.js';
import type { RiskView } from '../risk/view.js';
import { Portfolio } from '../portfolio/portfolio.js';
import type { PositionState } from '../portfolio/portfolio.js';
import type { ClosedTrade } from '../portfolio/trade-book.js';
import type { Logger } from '../strategy/context.js';
import type { Strategy } from '../strategy/strategy.js';
import { RingBarHistory } from './bar-history.js';
import type { PositionRows } from './position-log.js';
import { PositionLog } from './position-log.js';
import { Series } from './series.js';
import { BarAggregator } from '../data/aggregate/aggregator.js';
import { parseBarSpec } from '../data/aggregate/spec.js';
import { BacktestContext } from './context.js';
import { BarView, QuoteView, TradeView } from './market-views.js';
import { RunSizer } from './sizing.js';

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
  /** Interest on cash and borrow fees on short stock, annual rates accrued daily (act/365). */
  readonly account?: {
    readonly interestRate?: number | undefined;
    readonly borrowRate?: number | undefined;
    readonly currency?: string | undefined;
    /** Above 1: a margin account for cash instruments (orders need 1/leverage of the notional they open). */
    readonly leverage?: number | undefined;
    /** Margin account: equity must stay above this fraction of gross exposure, or every position is closed. */
    readonly maintenanceMargin?: number | undefined;
    /** 'netting' (default): one position per instrument; 'hedging': a long and a short leg per instrument, each order names one. */
    readonly positionMode?: PositionMode | undefined;
  };
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
  /** Initial margin in use (margined instruments); equity = cash + margin + position value. */
  readonly margin: Float64Array;
}

/** One position's results at the end of a run: an instrument's net position, or one leg of it. */
export interface PositionResult {
  readonly quantity: number;
  readonly averagePrice: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  readonly carry: number;
  readonly margin: number;
  readonly closedTrades: number;
}

/** One instrument's results at the end of a run. */
export interface InstrumentResult {
  readonly symbol: string;
  readonly kind: string;
  /** Net quantity: the position, or long leg + short leg in a hedging account. */
  readonly quantity: number;
  readonly averagePrice: number;
  readonly lastPrice: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  readonly margin: number;
  readonly closedTrades: number;
  /** Hedging accounts: each leg's own results (the fields above are their sums; averagePrice is that of the only open leg, else NaN). */
  readonly legs?: { readonly long: PositionResult; readonly short: PositionResult };
}

/** Everything a run produced, as plain data. */
export interface BacktestResult {
  readonly symbols: readonly string[];
  readonly positionMode: PositionMode;
  /** Rows of `equity`: one per time step, or one per UTC day. */
  readonly equitySampling: 'step' | 'day';
  readonly initialCash: number;
  readonly finalCash: number;
  readonly finalEquity: number;
  readonly fees: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly bars: number;
  readonly quotes: number;
  readonly trades: number;
  /** L2 book events (whole exchange messages) replayed. */
  readonly bookEvents: number;
  /** First and last event times (NaN when there was no data). */
  readonly start: Micros;
  readonly end: Micros;
  readonly equity: EquityCurve;
  readonly orders: readonly Order[];
  /** Positions after each fill and at each day's last step. */
  readonly positions: PositionRows;
  /** Per-instrument results at the end. */
  readonly instruments: readonly InstrumentResult[];
  readonly fills: readonly Fill[];
  /** Trading state changes: kill switch trips, manual changes. */
  readonly riskEvents: readonly TradingStateEvent[];
  /** Submissions refused without a record (after the max-orders kill switch), by reason: `{ max_orders: n }`, or `{}`. */
  readonly ordersNotRecorded: Readonly<Record<string, number>>;
  /** Margin calls: equity below maintenance margin, margined positions closed. */
  readonly marginCalls: readonly { readonly time: Micros; readonly equity: number; readonly maintenance: number }[];
  /** Funding, borrow fees and interest received (+) or paid (-). */
  readonly carry: number;
  /** Final balances in other currencies than the account's. */
  readonly balances: readonly (readonly [string, number])[];
  /** Fills whose one-cancels-other partner could have filled on the same bar. */
  readonly ambiguousFills: number;
  readonly fillModel: string;
  /** Bid/ask bar periods with only one side, which could not be traded on. */
  readonly unpairedQuoteBars: number;
  readonly closedTrades: readonly ClosedTrade[];
  readonly openTrades: number;
  /** Rows the feeds rejected and skipped. */
  readonly skipped: readonly Issue[];
}

const silentLog: Logger = { info: () => {}, warn: () => {} };

/** A feed being replayed: its current chunk and row. */
/** Cursor sides: plain data, or one half of a bid/ask bar pair. */
const PLAIN = 0;
const BID = 1;
const ASK = 2;

class Cursor {
  cols: Columns | null = null;
  i = 0;
  n = 0;
  /** Time of the current row; +Infinity when the feed is done. */
  t = Infinity;
  constructor(
    readonly feed: MarketFeed,
    readonly symbolIdx: number,
    readonly side: number,
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
  /** Bar series per instrument: [0] its data's bars, then subscribed aggregations. */
  private readonly series: Series[][];
  private readonly historyCapacity: number;
  private readonly ctx: BacktestContext;
  private readonly cursors: Cursor[];
  private readonly quoteViews: QuoteView[];
  private readonly tradeViews: TradeView[];
  private readonly pending: OrderEvent[] = [];
  private readonly eqTime = new GrowableFloat64();
  private readonly eqEquity = new GrowableFloat64();
  private readonly eqCash = new GrowableFloat64();
  private readonly eqPosValue = new GrowableFloat64();
  private readonly eqMargin = new GrowableFloat64();
  /** Per symbol, the pending halves of a bid/ask bar pair: [time, o, h, l, c, v] for bid then ask. */
  private readonly halfBars: Float64Array[];
  private unpairedBars = 0;
  private bookEvents = 0;
  private readonly positionLog: PositionLog;
  private readonly risk: RiskEngine;
  private readonly riskView: RiskView;
  private readonly marginCalls: { time: Micros; equity: number; maintenance: number }[] = [];
  /** Whether a kill switch limit needs the equity of every step. */
  private readonly watchEquity: boolean;
  private readonly symbolIndexOf: Map<string, number>;
  /** A hedging account: short legs are marked and liquidated next to the long ones. */
  private readonly hedging: boolean;
  private readonly legOf: (order: Order) => PositionState;
  /** An L2 book per instrument with book data. */
  private readonly books: (OrderBook | undefined)[];
  /** Order events one hook may leave waiting before the run is stopped (bounded memory for runaway loops). */
  private readonly maxPendingEvents: number;
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
    const given = new Map((options.instruments ?? []).map((i) => [i.symbol, i]));
    this.instruments = symbols.map((s) => given.get(s) ?? makeInstrument(s));
    const accountCurrency = options.account?.currency ?? 'USD';
    this.hedging = options.account?.positionMode === 'hedging';
    this.portfolio = new Portfolio(options.cash, this.instruments, accountCurrency, this.hedging ? 'hedging' : 'netting');
    this.portfolio.rate = conversionRates(this.portfolio, this.instruments, accountCurrency);
    this.leverage = options.account?.leverage ?? 1;
    this.maintenanceRate = options.account?.maintenanceMargin ?? 0.25;
    this.buyingPower = new BuyingPower(this.portfolio, this.leverage);
    this.positionLog = new PositionLog(this.portfolio.positions);
    this.risk = options.risk ?? new RiskEngine();
    this.watchEquity = this.risk.limits.maxDrawdown !== undefined || this.risk.limits.maxDailyLoss !== undefined;
    this.maxPendingEvents = 4 * this.risk.limits.maxOrders + 10_000;
    this.hasCarry = options.account !== undefined || this.instruments.some((i) => i.kind === 'perpetual' && i.fundingRate !== 0);
    const pf = this.portfolio;
    const positionBy = (symbol: string): PositionState | undefined => pf.positions[this.symbolIndexOf.get(symbol) ?? -1];
    this.riskView = {
      now: () => this.clock,
      equity: () => pf.equity(),
      position: (symbol, side) => {
        const idx = this.symbolIndexOf.get(symbol);
        if (idx === undefined) return 0;
        return side === undefined ? pf.netQuantity(idx) : pf.leg(idx, side).quantity;
      },
      lastPrice: (symbol) => positionBy(symbol)?.lastPrice ?? NaN,
      instrument: (symbol) => positionBy(symbol)?.instrument,
      grossExposure: () => pf.positions.reduce((a, p) => a + Math.abs(p.notional), 0),
      netExposure: () => pf.positions.reduce((a, p) => a + p.notional, 0),
    };
    const symbolIdx = new Map(symbols.map((s, i) => [s, i]));
    this.symbolIndexOf = symbolIdx;
    // The book an order acts on: the instrument's position, or the leg it names.
    const legOf = (order: Order): PositionState => {
      const idx = symbolIdx.get(order.symbol);
      if (idx === undefined) throw new InvariantError(`order for unknown instrument ${order.symbol}`);
      return this.portfolio.leg(idx, order.positionSide);
    };
    const positionOf = (order: Order): number => legOf(order).quantity;
    this.legOf = legOf;
    this.orders = new OrderManager(
      options.fees ?? new NoFee(),
      (order, qty, price, fee) => {
        // Risk rules first (pure), then cash or margin (which commits it), then the order counts for the rate limit.
        const denied = this.risk.evaluate(order, this.riskView, { price, fee });
        if (denied !== undefined) return denied;
        const short = this.buyingPower.check(order, qty, price, fee, legOf(order));
        if (short === undefined) this.risk.recordAccepted(this.clock);
        return short;
      },
      {
        event: (e) => {
          // Events wait for the end of the hook that caused them: a hook that never ends its requests is stopped.
          if (this.pending.push(e) > this.maxPendingEvents) throw tooManyRequests(this.maxPendingEvents);
        },
        fill: (order, fill) => {
          const pos = legOf(order);
          this.portfolio.applyFill(pos, fill.quantity, fill.price, fill.fee, fill.time);
          this.positionLog.onFill(pos.side === 'short' ? this.portfolio.size + pos.index : pos.index, fill.time);
        },
        released: (order) => this.buyingPower.release(order.id),
      },
      {
        positionOf,
        hedging: this.hedging,
        tradedVolume: () => this.portfolio.tradedVolume,
        maxOrders: this.risk.limits.maxOrders,
        onOrderLimit: (time) => this.orderLimitReached(time),
      },
    );
    this.exchange = new SimulatedExchange(
      this.instruments.map((i) => ({ symbol: i.symbol, tickSize: i.tickSize, lotSize: i.lotSize, ...(options.sessions !== undefined ? { sessions: options.sessions } : {}) })),
      this.orders,
      {
        fillModel: options.fillModel ?? new ClassicBarFill(),
        ...(options.slippage !== undefined ? { slippage: options.slippage } : {}),
        ...(options.latency !== undefined ? { latency: options.latency } : {}),
        ...(options.volumeLimit !== undefined ? { volumeLimit: options.volumeLimit } : {}),
        positionOf,
      },
    );
    this.orders.connect(this.exchange);
    const capacity = options.historyCapacity ?? 10_000;
    this.sampleDaily = options.equitySampling === 'day';
    this.historyCapacity = capacity;
    this.series = symbols.map((s, i) => [new Series(i, '', new RingBarHistory(s, capacity), new BarView(s), undefined)]);
    this.quoteViews = symbols.map((s) => new QuoteView(s));
    this.tradeViews = symbols.map((s) => new TradeView(s));
    // A symbol with a bid bar feed and an ask bar feed trades on both: buys on the ask, sells on the bid.
    const sides = (s: string, side: string): boolean => options.feeds.some((f) => f.symbol === s && f.kind === 'bar' && f.priceSide === side);
    const paired = new Set(symbols.filter((s) => sides(s, 'bid') && sides(s, 'ask')));
    this.cursors = options.feeds.map((f) => {
      const side = f.kind === 'bar' && paired.has(f.symbol) ? (f.priceSide === 'bid' ? BID : f.priceSide === 'ask' ? ASK : PLAIN) : PLAIN;
      return new Cursor(f, symbolIdx.get(f.symbol) as number, side);
    });
    this.halfBars = symbols.map(() => new Float64Array(12).fill(NaN));
    this.books = symbols.map((s) => (options.feeds.some((f) => f.symbol === s && f.kind === 'book') ? new OrderBook() : undefined));
    this.ctx = new BacktestContext({
      instruments: this.instruments,
      series: (idx, timeframe) => this.seriesOf(idx, timeframe),
      books: this.books,
      portfolio: this.portfolio,
      orders: this.orders,
      timers: this.timers,
      round: (order, instrument) => {
        const r = this.risk.roundOrder(order, instrument);
        return r.changed ? { ...order, quantity: r.quantity, price: r.price, triggerPrice: r.triggerPrice } : order;
      },
      setTradingState: (state, symbol) => {
        this.risk.setState(symbol === undefined ? 'account' : { symbol }, state, this.clock);
      },
      tradingState: (symbol) => (symbol === undefined ? this.risk.state('account') : this.risk.effectiveState(symbol)),
      log: options.log ?? silentLog,
      now: () => this.clock,
      size: this.sizer(),
    });
  }

  /** ctx.size: the sizers over this run's figures, limits and pre-trade checks. */
  private sizer(): RunSizer {
    const pf = this.portfolio;
    const fees = this.options.fees ?? new NoFee();
    return new RunSizer({
      hedging: this.hedging,
      risk: this.risk,
      indexOf: (symbol) => this.ctxIndexOf(symbol),
      instrument: (idx) => this.instruments[idx] as Instrument,
      lastPrice: (idx) => (pf.positions[idx] as PositionState).lastPrice,
      equity: () => pf.equity(),
      position: (idx, side) => (side === undefined ? pf.netQuantity(idx) : pf.leg(idx, side).quantity),
      closable: (order) => this.orders.closable(order),
      grossExposure: () => this.riskView.grossExposure(),
      netExposure: () => this.riskView.netExposure(),
      conversion: (idx) => {
        const ccy = (this.instruments[idx] as Instrument).currency;
        return ccy === pf.currency ? 1 : pf.rate(ccy);
      },
      bars: (idx) => ((this.series[idx] as Series[])[0] as Series).history,
      preview: (order, price) => {
        const inst = this.instruments[this.symbolIndexOf.get(order.symbol) ?? 0] as Instrument;
        const fee = fees.fee({ symbol: order.symbol, quantity: order.quantity, price, multiplier: inst.multiplier, liquidity: 'taker', tradedVolume: pf.tradedVolume });
        return this.risk.evaluate(order, this.riskView, { price, fee }) ?? this.buyingPower.preview(sideSign(order.side) * order.quantity, price, fee, this.legOf(order));
      },
    });
  }

  private ctxIndexOf(symbol: string | undefined): number {
    if (symbol === undefined) return 0;
    const i = this.symbolIndexOf.get(symbol);
    if (i === undefined) {
      throw new InputError({ code: 'invalid_strategy', field: 'symbol', value: symbol, message: `no data for this symbol; the run has ${this.instruments.map((x) => x.symbol).join(', ')}` });
    }
    return i;
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
          if (!Number.isNaN(stepTime)) {
            this.dropUnpaired();
            this.recordEquity(stepTime);
          } else this.start = bestT;
          this.fireTimers(bestT);
          stepTime = bestT;
        }
        this.clock = bestT;
        const cols = best.cols as Columns;
        switch (cols.kind) {
          case 'bar':
            if (best.side === PLAIN) this.onBar(best.symbolIdx, cols, best.i);
            else this.onHalfBar(best.symbolIdx, best.side, cols, best.i);
            break;
          case 'quote':
            this.onQuote(best.symbolIdx, cols, best.i);
            break;
          case 'trade':
            this.onTrade(best.symbolIdx, cols, best.i);
            break;
          case 'book':
            this.onBookRow(best.symbolIdx, cols, best.i);
            break;
        }
        best.advance();
        if (++events % progressEvery === 0 && onProgress !== undefined) onProgress(events);
      }
      if (!Number.isNaN(stepTime)) {
        this.dropUnpaired();
        this.recordEquity(stepTime);
      }
      if (this.sampleDaily && this.heldDay === this.heldDay) this.pushHeldRow();
      strategy.onStop(ctx);
      this.drain();
      this.positionLog.finish();
    } finally {
      for (const c of cursors) c.feed.close();
    }
    if (onProgress !== undefined) onProgress(events);
    return this.result(stepTime);
  }

  /** The simulated clock: the time of the event being processed (NaN before the first). */
  get time(): Micros {
    return this.clock;
  }

  /**
   * The results up to the point where run() threw (a strategy error): the
   * step it stopped in gets its equity row, as it stood, and positions their
   * last rows. Call it only after run() threw.
   */
  partialResult(): BacktestResult {
    if (!this.ran) throw new InvariantError('partialResult() is for a run that stopped');
    const t = this.clock;
    const n = this.eqTime.length;
    const last = n > 0 ? this.eqTime.get(n - 1) : NaN;
    if (this.sampleDaily) {
      if (t === t && !((this.held[0] as number) >= t && this.heldDay === this.heldDay)) this.recordEquity(t, false);
      if (this.heldDay === this.heldDay && !(last >= (this.held[0] as number))) this.pushHeldRow();
    } else if (t === t && !(last >= t)) this.recordEquity(t, false);
    this.positionLog.finish();
    return this.result(t);
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
    if (this.hedging) (this.portfolio.shortLeg(idx) as PositionState).bars++;
    // Broker phase: orders first, then the mark at the close.
    this.orders.beforeData(pos.instrument.symbol, t);
    this.exchange.onBar(idx, t, open, high, low, close, volume);
    this.afterBrokerPhase(idx, pos, t, open, high, low, close, volume);
  }

  /** After the broker phase of a bar: mark, history, indicators, order events, then the strategy. */
  private afterBrokerPhase(idx: number, pos: PositionState, t: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.portfolio.mark(pos, close);
    pos.openTrade?.observe(high, low);
    if (this.hedging) this.markShort(idx, close, high, low);
    const list = this.series[idx] as Series[];
    const base = list[0] as Series;
    base.history.push(t, open, high, low, close, volume);
    base.update(t, open, high, low, close, volume);
    if (this.pending.length > 0) this.drain();
    if (list.length > 1) for (let k = 1; k < list.length; k++) (list[k] as Series).aggregator?.pushBar(t, open, high, low, close, volume);
    if (list.length > 1) this.deliverAggregated(list, t, false);
    this.callOnBar(base, t, open, high, low, close, volume);
    if (list.length > 1) this.deliverAggregated(list, t, true);
  }

  /**
   * Hands out the aggregated bars that completed. Bars that ended before `t`
   * (completed by data of a later bucket) go before the strategy sees the data
   * at `t`; bars that end at `t` go after it: an aggregated bar always comes
   * after the last bar it contains, never before.
   */
  private deliverAggregated(list: Series[], t: number, endingNow: boolean): void {
    for (let k = 1; k < list.length; k++) {
      const series = list[k] as Series;
      const out = (series.aggregator as BarAggregator).out;
      if (out.length === 0) continue;
      let kept = 0;
      for (let i = 0; i < out.length; i++) {
        const time = out.time[i] as number;
        if ((time === t) !== endingNow) {
          // Not this round: keep it for the other.
          if (kept !== i) copyRow(out, i, kept);
          kept++;
          continue;
        }
        this.deliverBar(series, time, out.open[i] as number, out.high[i] as number, out.low[i] as number, out.close[i] as number, out.volume[i] as number);
      }
      out.length = kept;
    }
  }

  private deliverBar(series: Series, t: number, open: number, high: number, low: number, close: number, volume: number): void {
    series.history.push(t, open, high, low, close, volume);
    series.update(t, open, high, low, close, volume);
    this.callOnBar(series, t, open, high, low, close, volume);
  }

  /** The strategy's onBar for a series, once its indicators are warm (or when the strategy wants every bar). */
  private callOnBar(series: Series, t: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (!series.isWarm() && !this.options.strategy.callOnBarBeforeReady) return;
    const bar = series.view;
    bar.time = t;
    bar.open = open;
    bar.high = high;
    bar.low = low;
    bar.close = close;
    bar.volume = volume;
    this.options.strategy.onBar(bar, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  /** The series of an instrument for a timeframe, created (aggregating its data from now on) on first use. */
  private seriesOf(idx: number, timeframe: string): Series {
    const list = this.series[idx] as Series[];
    const found = list.find((s) => s.timeframe === timeframe);
    if (found !== undefined) return found;
    const spec = parseBarSpec(timeframe, 'timeframe');
    const symbol = (this.instruments[idx] as Instrument).symbol;
    const series = new Series(idx, timeframe, new RingBarHistory(symbol, this.historyCapacity), new BarView(symbol, timeframe), new BarAggregator(spec));
    list.push(series);
    return series;
  }

  /** One side of a bid/ask bar pair; the pair is processed when both halves of a period are in. */
  private onHalfBar(idx: number, side: number, cols: BarColumns, i: number): void {
    const h = this.halfBars[idx] as Float64Array;
    const at = side === BID ? 0 : 6;
    const t = cols.time[i] as number;
    h[at] = t;
    h[at + 1] = cols.open[i] as number;
    h[at + 2] = cols.high[i] as number;
    h[at + 3] = cols.low[i] as number;
    h[at + 4] = cols.close[i] as number;
    h[at + 5] = cols.volume[i] as number;
    const other = side === BID ? 6 : 0;
    if (h[other] !== t) return;
    h[0] = NaN;
    h[6] = NaN;
    this.onQuoteBar(idx, t, h);
  }

  /** A period with only a bid or only an ask bar cannot be traded on: counted, then dropped. */
  private dropUnpaired(): void {
    for (const h of this.halfBars) {
      if (!Number.isNaN(h[0] as number) || !Number.isNaN(h[6] as number)) {
        this.unpairedBars++;
        h[0] = NaN;
        h[6] = NaN;
      }
    }
  }

  /** A bid/ask bar pair: fills on the side each order trades on; the strategy and indicators see the mid bar. */
  private onQuoteBar(idx: number, t: number, h: Float64Array): void {
    const mid = (a: number, b: number): number => addExact(a, b) / 2;
    const open = mid(h[1] as number, h[7] as number);
    const high = mid(h[2] as number, h[8] as number);
    const low = mid(h[3] as number, h[9] as number);
    const close = mid(h[4] as number, h[10] as number);
    const volume = Math.max(h[5] as number, h[11] as number);
    this.bars++;
    const pos = this.portfolio.positions[idx] as PositionState;
    pos.bars++;
    if (this.hedging) (this.portfolio.shortLeg(idx) as PositionState).bars++;
    this.orders.beforeData(pos.instrument.symbol, t);
    this.exchange.onQuoteBar(idx, t, h[1] as number, h[2] as number, h[3] as number, h[4] as number, h[7] as number, h[8] as number, h[9] as number, h[10] as number, volume);
    this.afterBrokerPhase(idx, pos, t, open, high, low, close, volume);
  }

  /** One L2 row; at the last row of an exchange message the book event is complete: broker phase, mark, strategy. */
  private onBookRow(idx: number, cols: BookColumns, i: number): void {
    const book = this.books[idx] as OrderBook;
    book.applyRows(cols, i, i + 1);
    this.exchange.onBookLevel(idx, cols.side[i] as number, cols.price[i] as number);
    if (((cols.flags[i] as number) & F_LAST) === 0) return;
    const t = cols.time[i] as number;
    this.bookEvents++;
    const pos = this.portfolio.positions[idx] as PositionState;
    this.orders.beforeData(pos.instrument.symbol, t);
    this.exchange.onBook(idx, t, book);
    const bid = book.bestBid;
    const ask = book.bestAsk;
    const mark = bid === bid && ask === ask ? book.mid() : bid === bid ? bid : ask;
    if (mark === mark) {
      this.portfolio.mark(pos, mark);
      pos.openTrade?.observe(mark, mark);
      if (this.hedging) this.markShort(idx, mark, mark, mark);
      this.updateTickIndicators(idx, t, mark, NaN, true);
    }
    if (this.pending.length > 0) this.drain();
    this.options.strategy.onBook(book, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  private onQuote(idx: number, cols: QuoteColumns, i: number): void {
    const t = cols.time[i] as number;
    const bid = cols.bid[i] as number;
    const ask = cols.ask[i] as number;
    this.quotes++;
    const pos = this.portfolio.positions[idx] as PositionState;
    this.orders.beforeData(pos.instrument.symbol, t);
    this.exchange.onQuote(idx, t, bid, ask, cols.bidSize[i] as number, cols.askSize[i] as number);
    const mid = addExact(bid, ask) / 2;
    this.portfolio.mark(pos, mid);
    pos.openTrade?.observe(mid, mid);
    if (this.hedging) this.markShort(idx, mid, mid, mid);
    this.updateTickIndicators(idx, t, mid, NaN, true);
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
    this.orders.beforeData(pos.instrument.symbol, t);
    this.exchange.onTrade(idx, t, price, cols.size[i] as number);
    this.portfolio.mark(pos, price);
    pos.openTrade?.observe(price, price);
    if (this.hedging) this.markShort(idx, price, price, price);
    this.updateTickIndicators(idx, t, price, cols.size[i] as number, false);
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

  /** The short leg of a hedging account follows the same marks as the long one. */
  private markShort(idx: number, price: number, high: number, low: number): void {
    const leg = this.portfolio.shortLeg(idx) as PositionState;
    this.portfolio.mark(leg, price);
    leg.openTrade?.observe(high, low);
  }

  /** Ticks have one price: every price field reads it, volume reads NaN; subscribed aggregations take the tick. */
  private updateTickIndicators(idx: number, t: number, price: number, size: number, quote: boolean): void {
    const list = this.series[idx] as Series[];
    (list[0] as Series).update(t, price, price, price, price, NaN);
    if (list.length === 1) return;
    for (let k = 1; k < list.length; k++) {
      const agg = (list[k] as Series).aggregator as BarAggregator;
      if (quote) agg.pushBar(t, price, price, price, price, 0);
      else agg.pushTrade(t, price, size);
    }
    this.deliverAggregated(list, t, false);
    this.deliverAggregated(list, t, true);
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

  /** Equity at step `t`; `act` false records it without the kill-switch and margin checks (which may send orders). */
  private recordEquity(t: Micros, act = true): void {
    const p = this.portfolio;
    this.accrueCarry(t);
    this.positionLog.onStep(t);
    const posValue = p.positionValue();
    const cash = p.balances.size === 0 ? p.cash : p.cashValue();
    const base = p.marginInUse === 0 ? cash : addExact(cash, p.marginInUse);
    const equity = posValue === 0 ? base : addExact(base, posValue);
    if (this.sampleDaily) {
      const day = Math.floor(t / MICROS_PER_DAY);
      if (day !== this.heldDay && this.heldDay === this.heldDay) this.pushHeldRow();
      this.heldDay = day;
      this.held[0] = t;
      this.held[1] = equity;
      this.held[2] = cash;
      this.held[3] = posValue;
      this.held[4] = p.marginInUse;
    } else {
      this.eqTime.push(t);
      this.eqCash.push(cash);
      this.eqPosValue.push(posValue);
      this.eqMargin.push(p.marginInUse);
      this.eqEquity.push(equity);
    }
    if (!act) return;
    if (this.watchEquity) this.checkKillSwitch(t, equity);
    if (p.marginInUse !== 0 || this.leverage > 1) this.checkMaintenance(t, equity);
  }

  private readonly sampleDaily: boolean;
  /** Daily sampling: the latest step of the current day, pushed when the day ends. */
  private readonly held = new Float64Array(5);
  private heldDay = NaN;

  private pushHeldRow(): void {
    const h = this.held;
    this.eqTime.push(h[0] as number);
    this.eqEquity.push(h[1] as number);
    this.eqCash.push(h[2] as number);
    this.eqPosValue.push(h[3] as number);
    this.eqMargin.push(h[4] as number);
  }

  private lastCarryTime = NaN;
  /** Whether any carry (funding, interest, borrow) applies to this run. */
  private readonly hasCarry: boolean;
  private readonly leverage: number;
  private readonly maintenanceRate: number;

  /**
   * Carry between the previous step and this one: perpetual funding at each
   * funding time crossed (quantity x mark x multiplier x rate, paid by longs
   * when the rate is positive); interest on cash and borrow fees on short
   * cash positions for each UTC day crossed (annual rates, act/365).
   */
  private accrueCarry(t: Micros): void {
    if (!this.hasCarry) return;
    const prev = this.lastCarryTime;
    this.lastCarryTime = t;
    if (Number.isNaN(prev)) return;
    const p = this.portfolio;
    for (const pos of p.positions) {
      const inst = pos.instrument;
      if (inst.kind !== 'perpetual' || inst.fundingRate === 0 || pos.quantity === 0) continue;
      const crossed = Math.floor(t / inst.fundingIntervalMicros) - Math.floor(prev / inst.fundingIntervalMicros);
      if (crossed > 0) p.applyCarry(pos, -mulExact(mulExact(pos.notional, inst.fundingRate), crossed));
    }
    const acct = this.options.account;
    if (acct === undefined) return;
    const days = Math.floor(t / MICROS_PER_DAY) - Math.floor(prev / MICROS_PER_DAY);
    if (days <= 0) return;
    if (acct.interestRate !== undefined && acct.interestRate !== 0) p.applyCarry(undefined, (p.cash * acct.interestRate * days) / 365);
    if (acct.borrowRate !== undefined && acct.borrowRate !== 0) {
      for (const pos of p.positions) {
        if (pos.margined || pos.quantity >= 0) continue;
        p.applyCarry(pos, (pos.notional * acct.borrowRate * days) / 365);
      }
    }
  }

  /**
   * Margin call: when equity falls below the maintenance margin of the open
   * margined positions, every margined position is closed at market (orders
   * tagged 'liquidation', filled at the next data), and the call is recorded.
   */
  private checkMaintenance(t: Micros, equity: number): void {
    let maintenance = 0;
    for (const pos of this.portfolio.positions) if (pos.margined) maintenance += Math.abs(pos.quantity) * pos.instrument.marginMaint;
    const onMargin = this.leverage > 1;
    if (onMargin) maintenance += this.portfolio.grossExposure() * this.maintenanceRate;
    if (!(equity < maintenance)) return;
    let sent = false;
    for (const pos of this.portfolio.positions) {
      if ((!pos.margined && !onMargin) || pos.quantity === 0) continue;
      if (pos.side !== 'net') {
        sent = this.liquidateLeg(pos, t) || sent;
        continue;
      }
      if (this.ctx.openOrders(pos.instrument.symbol).some((o) => o.tag === 'liquidation')) continue;
      this.ctx.targetPosition(0, { symbol: pos.instrument.symbol, tag: 'liquidation' });
      sent = true;
    }
    if (sent) this.marginCalls.push({ time: t, equity, maintenance });
    if (this.pending.length > 0) this.drain();
  }

  /**
   * Closes one leg of a hedging account at market: the working orders that
   * reduce the leg are cancelled first (the liquidation takes their place),
   * then a market order closes the whole leg. Returns whether it sent one.
   */
  private liquidateLeg(pos: PositionState, t: Micros): boolean {
    const symbol = pos.instrument.symbol;
    const side = pos.side === 'short' ? 'short' : 'long';
    const closing = side === 'long' ? 'sell' : 'buy';
    const same = (o: Order): boolean => o.symbol === symbol && o.positionSide === side && o.side === closing;
    for (const o of this.orders.liveOrders()) if (same(o) && o.tag === 'liquidation') return false;
    this.orders.cancelAll(t, same);
    const qty = Math.abs(pos.quantity);
    if (closing === 'sell') this.ctx.sell(qty, { symbol, positionSide: side, tag: 'liquidation' });
    else this.ctx.buy(qty, { symbol, positionSide: side, tag: 'liquidation' });
    return true;
  }

  /** The run reached risk.maxOrders: the kill switch halts the account and cancels the working orders. */
  private orderLimitReached(time: Micros): void {
    // Reported as a run warning (backtest/warnings.ts) and a risk event.
    this.risk.tripMaxOrders(time);
    this.orders.cancelAll(time);
  }

  /** The kill switch watches equity at each step; a halt cancels the working orders. */
  private checkKillSwitch(t: Micros, equity: number): void {
    const events = this.risk.onEquity(t, equity);
    if (events.length === 0) return;
    if (events.some((e) => e.to === 'halted')) {
      this.orders.cancelAll(t);
      if (this.pending.length > 0) this.drain();
    }
  }

  private result(end: Micros): BacktestResult {
    const p = this.portfolio;
    const skipped: Issue[] = [];
    for (const c of this.cursors) skipped.push(...c.feed.skipped);
    const legResult = (pos: PositionState): PositionResult => ({
      quantity: pos.quantity,
      averagePrice: pos.averagePrice,
      realizedPnl: pos.realizedPnl,
      unrealizedPnl: pos.unrealizedPnl,
      fees: pos.fees,
      carry: pos.carry,
      margin: pos.margin,
      closedTrades: p.closedTrades.filter((t) => t.symbol === pos.instrument.symbol && t.direction === (pos.side === 'short' ? 'short' : 'long')).length,
    });
    return {
      symbols: this.instruments.map((i) => i.symbol),
      positionMode: this.hedging ? 'hedging' : 'netting',
      equitySampling: this.sampleDaily ? 'day' : 'step',
      initialCash: p.initialCash,
      finalCash: p.cashValue(),
      finalEquity: p.equity(),
      fees: p.fees,
      realizedPnl: p.realizedPnl(),
      unrealizedPnl: p.unrealizedPnl(),
      bars: this.bars,
      quotes: this.quotes,
      trades: this.tradeTicks,
      bookEvents: this.bookEvents,
      start: this.start,
      end,
      equity: {
        time: this.eqTime.view(),
        equity: this.eqEquity.view(),
        cash: this.eqCash.view(),
        positionValue: this.eqPosValue.view(),
        margin: this.eqMargin.view(),
      },
      orders: this.orders.orders,
      positions: this.positionLog.rows(),
      instruments: this.instruments.map((inst, idx) => {
        const pos = p.positions[idx] as PositionState;
        const short = p.shortLeg(idx);
        const all = {
          symbol: inst.symbol,
          kind: inst.kind,
          quantity: pos.quantity,
          averagePrice: pos.averagePrice,
          lastPrice: pos.lastPrice,
          realizedPnl: pos.realizedPnl,
          unrealizedPnl: pos.unrealizedPnl,
          fees: pos.fees,
          margin: pos.margin,
          closedTrades: p.closedTrades.filter((t) => t.symbol === inst.symbol).length,
        };
        if (short === undefined) return all;
        return {
          ...all,
          quantity: addExact(pos.quantity, short.quantity),
          averagePrice: pos.quantity === 0 ? short.averagePrice : short.quantity === 0 ? pos.averagePrice : NaN,
          realizedPnl: addExact(pos.realizedPnl, short.realizedPnl),
          unrealizedPnl: pos.unrealizedPnl + short.unrealizedPnl,
          fees: addExact(pos.fees, short.fees),
          margin: addExact(pos.margin, short.margin),
          legs: { long: legResult(pos), short: legResult(short) },
        };
      }),
      fills: this.orders.fills,
      riskEvents: [...this.risk.events],
      ordersNotRecorded: this.orders.notRecorded > 0 ? { max_orders: this.orders.notRecorded } : {},
      marginCalls: this.marginCalls,
      carry: p.carry,
      balances: [...p.balances].sort(),
      ambiguousFills: this.exchange.ambiguousFills,
      fillModel: this.exchange.fillModelName,
      unpairedQuoteBars: this.unpairedBars,
      closedTrades: p.closedTrades,
      openTrades: p.openTrades(),
      skipped,
    };
  }
}

function tooManyRequests(limit: number): InputError {
  return new InputError({
    code: 'invalid_strategy',
    message: `strategy keeps making order requests within one call (more than ${limit} order events waiting for it to return): stopped`,
  });
}

/** Runs a backtest to completion. */
export function runBacktest(options: BacktestOptions): BacktestResult {
  return new BacktestEngine(options).run();
}

/** Moves row `from` of a bar chunk to row `to`. */
function copyRow(c: BarColumns, from: number, to: number): void {
  c.time[to] = c.time[from] as number;
  c.open[to] = c.open[from] as number;
  c.high[to] = c.high[from] as number;
  c.low[to] = c.low[from] as number;
  c.close[to] = c.close[from] as number;
  c.volume[to] = c.volume[from] as number;
  c.line[to] = c.line[from] as number;
}

/**
 * Account currency per unit of each other currency the run's instruments are
 * quoted in, from the latest mark of a pair among the run's instruments
 * (GBPUSD for GBP in a USD account, or the inverse of USDGBP). A currency with
 * no pair in the data, or a margined instrument in another currency, is an
 * input error.
 */
function conversionRates(portfolio: Portfolio, instruments: readonly Instrument[], account: string): (currency: string) => number {
  const sources = new Map<string, { pos: PositionState; inverse: boolean }>();
  for (const inst of instruments) {
    const ccy = inst.currency;
    if (ccy === account || sources.has(ccy)) continue;
    if (isMargined(inst)) {
      throw new InputError({ code: 'invalid_option', field: 'currency', value: ccy, message: `${inst.symbol}: margined instruments must be quoted in the account currency (${account})` });
    }
    const direct = instruments.find((i) => i.symbol.toUpperCase() === `${ccy}${account}`.toUpperCase());
    const inverse = instruments.find((i) => i.symbol.toUpperCase() === `${account}${ccy}`.toUpperCase());
    const source = direct ?? inverse;
    if (source === undefined) {
      throw new InputError({
        code: 'invalid_option',
        field: 'currency',
        value: ccy,
        message: `${inst.symbol} is quoted in ${ccy}: add market data for ${ccy}${account} (or ${account}${ccy}) to convert it to ${account}`,
      });
    }
    sources.set(ccy, { pos: portfolio.position(source.symbol), inverse: source === inverse && direct === undefined });
  }
  return (currency) => {
    if (currency === account) return 1;
    const s = sources.get(currency);
    if (s === undefined) return NaN;
    const price = s.pos.lastPrice;
    return s.inverse ? 1 / price : price;
  };
}
