import { addExact, addExactHinted, decimalPlaces } from '../core/decimal.js';
import { ReusableList } from '../core/reusable.js';
import type { Float64Pool } from '../core/growable.js';
import { InputError, InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import { TimerQueue } from '../core/timer-queue.js';
import { BarAggregator } from '../data/aggregate/aggregator.js';
import { parseBarSpec } from '../data/aggregate/spec.js';
import type { FeeModel } from '../execution/models/fee.js';
import { NoFee } from '../execution/models/fee.js';
import { OrderManager, type ManagedVenue } from '../execution/order-manager.js';
import type { FeedStatus, OrderEvent } from '../model/events.js';
import type { MarketDataSink } from '../model/execution.js';
import type { Instrument } from '../model/instrument.js';
import { isMargined } from '../model/instrument.js';
import type { BarColumns, BarRow, BidAskBar, BookColumns } from '../model/market.js';
import { BAR_ROW_LENGTH, F_LAST, setBarRow, ROW_CLOSE, ROW_HIGH, ROW_LOW, ROW_OPEN, ROW_TIME, ROW_VOLUME, SIDE_BUY, SIDE_SELL } from '../model/market.js';
import { OrderBook } from '../model/order-book.js';
import type { Order, PositionMode } from '../model/order.js';
import { sideSign } from '../model/order.js';
import { BuyingPower } from '../portfolio/buying-power.js';
import { Portfolio } from '../portfolio/portfolio.js';
import type { PositionState } from '../portfolio/portfolio.js';
import { RiskEngine, type RoundableOrder } from '../risk/engine.js';
import type { RiskView } from '../risk/view.js';
import type { Logger } from '../strategy/context.js';
import type { Strategy } from '../strategy/strategy.js';
import { CarryModule, type CarryRates } from './account/carry.js';
import { KillSwitchModule } from './account/kill-switch.js';
import { MarginCallModule } from './account/margin-call.js';
import type { AccountModule } from './account/module.js';
import { RingBarHistory } from './bar-history.js';
import type { Clock } from './clock.js';
import { SimulatedClock } from './clock.js';
import { BacktestContext } from './context.js';
import { BarView, QuoteView, TradeView } from './market-views.js';
import { OpeningPositions, type OpeningOrder, type OpeningPosition } from './opening-account.js';
import { OrderEntry, orderRequest } from './order-entry.js';
import { PositionLog } from './position-log.js';
import { EquityRecorder, STEP_CASH, STEP_EQUITY, STEP_MARGIN, STEP_POSITION_VALUE, STEP_TIME } from './recorder.js';
import { Series } from './series.js';
import { RunSizer } from './sizing.js';

/** The account's settings. */
export interface AccountOptions extends CarryRates {
  readonly currency?: string | undefined;
  /** Above 1: a margin account for cash instruments (orders need 1/leverage of the notional they open). */
  readonly leverage?: number | undefined;
  /** Margin account: equity must stay above this fraction of gross exposure, or every position is closed. */
  readonly maintenanceMargin?: number | undefined;
  /** 'netting' (default): one position per instrument; 'hedging': a long and a short leg per instrument, each order names one. */
  readonly positionMode?: PositionMode | undefined;
}

export interface KernelOptions {
  readonly strategy: Strategy<object>;
  /** The instruments traded, in the order the venue and the drivers index them. */
  readonly instruments: readonly Instrument[];
  readonly cash: number;
  readonly fees?: FeeModel | undefined;
  readonly account?: AccountOptions | undefined;
  /** Pre-trade risk limits, trading states and the kill switch; default: no limits (tick and lot grids still checked). */
  readonly risk?: RiskEngine | undefined;
  /** Bars of history kept per instrument for `ctx.bars()` (default 10,000). */
  readonly historyCapacity?: number | undefined;
  /** Rows of the equity curve: every time step (default), or each UTC day's last step. */
  readonly equitySampling?: 'step' | 'day' | undefined;
  /** Time steps expected, when known: the equity record is sized for them at once. */
  readonly stepsHint?: number | undefined;
  /**
   * Where the history and equity buffers come from, for runs one after
   * another on a thread (an optimizer's trials); `releaseBuffers()` gives
   * them back once the run's results are no longer read.
   */
  readonly bufferPool?: Float64Pool | undefined;
  /** Record the positions over time (positions.csv; default true). A sweep's trials, which write no files, leave it off. */
  readonly recordPositions?: boolean | undefined;
  /** Which instruments (by index) have an L2 book. */
  readonly books?: readonly boolean[] | undefined;
  readonly clock?: Clock | undefined;
  readonly log?: Logger | undefined;
  /**
   * The trading window (µs). Before `tradeFrom` the strategy runs (indicators
   * warm up) but every order it sends is rejected (`outside_trading_window`)
   * and nothing is recorded; the records start at the first step at or after
   * it. At the end of a run with `tradeTo` (the driver replays nothing after
   * it), positions still open are closed at their last price by a settlement
   * fill. Default: no window.
   */
  readonly tradeFrom?: Micros | undefined;
  readonly tradeTo?: Micros | undefined;
  /**
   * Live runs: positions the account holds at the start (`cash` is then the
   * account's cash without them). Each is taken over at its instrument's
   * first mark (or first fill, if one comes before), at its average price
   * (that price when unknown); the run's opening equity is the cash plus
   * their value.
   */
  readonly openingPositions?: readonly OpeningPosition[] | undefined;
  /** Prefix of the client order ids sent to the venue (`<runId>-<order id>`; default 'QF'). */
  readonly runId?: string | undefined;
}

const silentLog: Logger = { info: () => {}, warn: () => {} };

/** Offsets in TradingKernel's `marks`. */
const MARK_PRICE = 0;
const MARK_HIGH = 1;
const MARK_LOW = 2;

/**
 * The trading kernel: one for backtests, paper trading and live trading. It
 * receives normalized market events (a driver pushes them: a replay of
 * files, or a live feed), runs the venue's broker phase when the venue
 * simulates on market data, marks the portfolio, updates bar series and
 * indicators, calls the strategy, hands it its order events, and at the end
 * of each time step values the account, records it and runs the account
 * modules (carry, margin calls, the kill switch). It knows no file, no feed
 * and no concrete venue: orders go out through the ExecutionClient port.
 *
 * A step, for each event of an instrument:
 *   venue.beforeData (requests that reached it) -> children of filled parents
 *   arm -> venue broker phase (fills) -> mark -> history and indicators ->
 *   order events -> strategy hook -> order events.
 * At a new time: the previous step's valuation and account modules, then
 * timers due before the new time.
 */
export class TradingKernel {
  readonly instruments: readonly Instrument[];
  readonly portfolio: Portfolio;
  readonly orders: OrderManager;
  readonly risk: RiskEngine;
  readonly positionLog: PositionLog;
  readonly equity: EquityRecorder;
  /** An L2 book per instrument with book data. */
  readonly books: (OrderBook | undefined)[];
  readonly clock: Clock;
  readonly ctx: BacktestContext;
  readonly marginCalls: MarginCallModule;
  /** The signed quantity of the position an order acts on (its instrument's, or the leg it names): for a simulated venue's reduce-only rules. */
  readonly positionOf: (order: Order) => number;
  readonly killSwitch: KillSwitchModule;
  /** Events counted by kind. */
  bars = 0;
  quotes = 0;
  trades = 0;
  /** L2 book events (whole exchange messages). */
  bookEvents = 0;
  /** First event time (NaN before the first). */
  firstTime: Micros = NaN;

  private readonly strategy: Strategy<object>;
  private readonly hedging: boolean;
  private readonly buyingPower: BuyingPower;
  private readonly timers = new TimerQueue();
  /** Bar series per instrument: [0] its data's bars, then subscribed aggregations. */
  private readonly series: Series[][];
  private readonly historyCapacity: number;
  private readonly quoteViews: QuoteView[];
  private readonly tradeViews: TradeView[];
  private readonly pending = new ReusableList<OrderEvent>();
  /** Order events one hook may leave waiting before the run is stopped (bounded memory for runaway loops). */
  private readonly maxPendingEvents: number;
  /** Account modules run before / after each step's valuation. */
  private readonly beforeValuation: AccountModule[];
  private readonly afterValuation: AccountModule[];
  private readonly riskView: RiskView;
  /** The price and fee an order is checked at (one object reused: the risk rules keep nothing). */
  private readonly orderCost = { price: 0, fee: 0 };
  /** An order's quantity and prices rounded to the grids (RiskEngine.roundInto; one object reused). */
  private readonly rounded = { quantity: 0.5, price: 0.5, triggerPrice: 0.5 };
  private readonly symbolIndex: Map<string, number>;
  private readonly legOf: (order: Order) => PositionState;
  private venue: ManagedVenue | undefined;
  private sink: MarketDataSink | undefined;
  /** The current time step (NaN before the first event). */
  private step: Micros = NaN;
  /** Live runs: the current step was ended early (idleUntil) because the wall clock moved past it before more data came. */
  private stepEnded = false;
  /** The time of the event being processed. */
  private now: Micros = NaN;
  private started = false;
  // Cash (plus margin in use) as of the latest valuation and its decimal places: it changes only with fills and carry.
  private valuedBase = NaN;
  private valuedBasePlaces = 0;
  private readonly entry: OrderEntry;
  /** The trading window: -Infinity / Infinity when open-ended. */
  private readonly tradeFrom: Micros;
  private readonly tradeTo: Micros;
  /** Whether the trading window has opened (at once without tradeFrom). */
  private trading: boolean;
  /** Positions held before the run, until taken over (undefined: none). */
  private readonly opening: OpeningPositions | undefined;

  constructor(private readonly options: KernelOptions) {
    if (!(options.cash >= 0) || !Number.isFinite(options.cash)) {
      throw new InputError({ code: 'invalid_option', field: 'cash', value: String(options.cash), message: 'cash must be a non-negative number' });
    }
    const instruments = options.instruments;
    this.instruments = instruments;
    this.tradeFrom = options.tradeFrom ?? -Infinity;
    this.tradeTo = options.tradeTo ?? Infinity;
    if (!(this.tradeFrom <= this.tradeTo)) throw new InvariantError(`trading window from ${this.tradeFrom} to ${this.tradeTo}`);
    this.trading = this.tradeFrom === -Infinity;
    this.strategy = options.strategy;
    this.clock = options.clock ?? new SimulatedClock();
    const accountCurrency = options.account?.currency ?? 'USD';
    this.hedging = options.account?.positionMode === 'hedging';
    this.portfolio = new Portfolio(options.cash, instruments, accountCurrency, this.hedging ? 'hedging' : 'netting');
    this.portfolio.rate = conversionRates(this.portfolio, instruments, accountCurrency);
    const leverage = options.account?.leverage ?? 1;
    this.buyingPower = new BuyingPower(this.portfolio, leverage);
    this.positionLog = new PositionLog(this.portfolio.positions, options.recordPositions !== false);
    const daily = options.equitySampling === 'day';
    this.equity = new EquityRecorder(daily ? 'day' : 'step', daily ? 1024 : (options.stepsHint ?? 1024), options.bufferPool);
    this.risk = options.risk ?? new RiskEngine();
    this.maxPendingEvents = 4 * this.risk.limits.maxOrders + 10_000;
    const symbolIndex = new Map(instruments.map((inst, i) => [inst.symbol, i]));
    this.symbolIndex = symbolIndex;
    const pf = this.portfolio;
    const positionBy = (symbol: string): PositionState | undefined => pf.positions[symbolIndex.get(symbol) ?? -1];
    this.riskView = {
      now: () => this.clock.now(),
      equity: () => pf.equity(),
      position: (symbol, side) => {
        const idx = symbolIndex.get(symbol);
        if (idx === undefined) return 0;
        return side === undefined ? pf.netQuantity(idx) : pf.leg(idx, side).quantity;
      },
      lastPrice: (symbol) => positionBy(symbol)?.lastPrice ?? NaN,
      instrument: (symbol) => positionBy(symbol)?.instrument,
      grossExposure: () => pf.positions.reduce((a, p) => a + Math.abs(p.notional), 0),
      netExposure: () => pf.positions.reduce((a, p) => a + p.notional, 0),
    };
    // The book an order acts on: the instrument's position, or the leg it names.
    const legOf = (order: Order): PositionState => {
      const idx = symbolIndex.get(order.symbol);
      if (idx === undefined) throw new InvariantError(`order for unknown instrument ${order.symbol}`);
      return pf.leg(idx, order.positionSide);
    };
    this.legOf = legOf;
    this.positionOf = (order) => legOf(order).quantity;
    this.orders = new OrderManager(
      options.fees ?? new NoFee(),
      (order, qty, price, fee) => {
        // Before the trading window nothing trades; then risk rules (pure), cash or margin (which commits it), the order counts for the rate limit.
        if (this.clock.now() < this.tradeFrom) return 'outside_trading_window';
        const cost = this.orderCost;
        cost.price = price;
        cost.fee = fee;
        const denied = this.risk.evaluate(order, this.riskView, cost);
        if (denied !== undefined) return denied;
        const short = this.buyingPower.check(order, qty, price, fee, legOf(order));
        if (short === undefined) this.risk.recordAccepted(this.clock.now());
        return short;
      },
      {
        event: (e) => {
          // Events wait for the end of the hook that caused them: a hook that never ends its requests is stopped.
          if (this.pending.push(e) > this.maxPendingEvents) throw tooManyRequests(this.maxPendingEvents);
        },
        fill: (order, fill) => {
          const pos = legOf(order);
          // A fill before the instrument's first mark (an adopted order's): the position held before the run comes first.
          if (this.opening !== undefined && this.opening.waiting > 0) this.opening.takeOver(pf, pos, pos.index, fill.price, fill.time);
          pf.applyFill(pos, fill.quantity, fill.price, fill.fee, fill.time, fill.feeInKind);
          this.positionLog.onFill(pos.side === 'short' ? pf.size + pos.index : pos.index, fill.time);
        },
        released: (order) => this.buyingPower.release(order.id),
      },
      {
        positionOf: this.positionOf,
        hedging: this.hedging,
        tradedVolume: () => pf.tradedVolume,
        maxOrders: this.risk.limits.maxOrders,
        onOrderLimit: (time) => this.killSwitch.maxOrdersReached(time),
        ...(options.runId !== undefined ? { runId: options.runId } : {}),
      },
    );
    const opening = options.openingPositions !== undefined ? new OpeningPositions(pf, options.openingPositions) : undefined;
    this.opening = opening !== undefined && opening.waiting > 0 ? opening : undefined;
    const entry = (this.entry = new OrderEntry({
      instruments,
      portfolio: pf,
      orders: this.orders,
      now: () => this.clock.now(),
      round: (order, instrument, held) => this.roundToGrids(order, instrument, held),
    }));
    this.killSwitch = new KillSwitchModule(this.risk, this.orders);
    this.marginCalls = new MarginCallModule(pf, this.orders, entry, leverage, options.account?.maintenanceMargin ?? 0.25);
    // Only the modules with something to do in this run: the step's end runs for every bar.
    const modules: AccountModule[] = [
      ...(CarryModule.applies(pf, options.account) ? [new CarryModule(pf, options.account)] : []),
      ...(this.killSwitch.watching ? [this.killSwitch] : []),
      ...(leverage > 1 || pf.positions.some((p) => p.margined) ? [this.marginCalls] : []),
    ];
    this.beforeValuation = modules.filter((m) => m.beforeValuation !== undefined);
    this.afterValuation = modules.filter((m) => m.afterValuation !== undefined);
    const capacity = options.historyCapacity ?? 10_000;
    this.historyCapacity = capacity;
    // Buffers sized for the steps the run expects (they grow up to the capacity when more come): a short run, an optimizer's trial, does not zero the whole capacity.
    const initialHistory = options.stepsHint ?? capacity;
    this.series = instruments.map((inst, i) => [new Series(i, '', new RingBarHistory(inst.symbol, capacity, initialHistory, options.bufferPool), new BarView(inst.symbol), undefined)]);
    this.quoteViews = instruments.map((inst) => new QuoteView(inst.symbol));
    this.tradeViews = instruments.map((inst) => new TradeView(inst.symbol));
    this.books = instruments.map((_, i) => (options.books?.[i] === true ? new OrderBook() : undefined));
    this.ctx = new BacktestContext({
      instruments,
      series: (idx, timeframe) => this.seriesOf(idx, timeframe),
      books: this.books,
      portfolio: pf,
      orders: this.orders,
      timers: this.timers,
      entry,
      round: (order, instrument) => this.roundToGrids(order, instrument, undefined),
      setTradingState: (state, symbol) => {
        this.risk.setState(symbol === undefined ? 'account' : { symbol }, state, this.clock.now());
      },
      tradingState: (symbol) => (symbol === undefined ? this.risk.state('account') : this.risk.effectiveState(symbol)),
      log: options.log ?? silentLog,
      now: () => this.clock.now(),
      size: this.sizer(options.fees ?? new NoFee()),
    });
  }

  /**
   * Where orders go, and (for a venue that simulates on market data, such as
   * the SimulatedExchange) where market data goes first. Once, before start().
   */
  connectVenue(venue: ManagedVenue, sink?: MarketDataSink): void {
    if (this.venue !== undefined) throw new InvariantError('the kernel has a venue already');
    this.venue = venue;
    this.sink = sink;
    this.orders.connect(venue);
  }

  /**
   * Live runs, before start(): an order working at the venue when the run
   * starts is taken into the order manager as accepted (OrderManager.adopt:
   * no pre-trade check, no venue request); its reports apply to it from now
   * on. The strategy sees its `accepted` event after onStart.
   */
  adoptOrder(working: OpeningOrder, time: Micros): Order {
    if (this.started) throw new InvariantError('orders are adopted before the kernel starts');
    const idx = this.symbolIndex.get(working.request.symbol);
    if (idx === undefined) throw new InvariantError(`adopted order ${working.clientOrderId} is for ${working.request.symbol}, which the run does not trade`);
    return this.orders.adopt(this.entry.resolve(working.request, idx, 'adopt', false), working, working.filledQuantity, time);
  }

  /** Cash at the start plus the value of the positions held before the run taken over so far (the run's opening equity). */
  get initialEquity(): number {
    const value = this.opening?.value ?? 0;
    return value === 0 ? this.portfolio.initialCash : addExact(this.portfolio.initialCash, value);
  }

  /** The strategy's onStart and its order events, before any data. */
  start(): void {
    if (this.venue === undefined) throw new InvariantError('the kernel needs a venue (connectVenue) before it starts');
    if (this.started) throw new InvariantError('a kernel starts once');
    this.started = true;
    this.strategy.onStart(this.ctx);
    this.drain();
  }

  /** The time of the event being processed (NaN before the first). */
  get time(): Micros {
    return this.now;
  }

  /** The current time step (NaN before the first event). */
  get stepTime(): Micros {
    return this.step;
  }

  /**
   * Data stamped `t` comes next: when it is a new time, the previous step
   * ends (valuation, account modules) and the timers due before `t` fire.
   * Drivers call it before the events of each time, in time order.
   */
  advanceTo(t: Micros): void {
    this.nextTime = t;
    this.advance();
  }

  /** advanceTo(the time in barRow): a replay of bars writes the row first, so no time passes through a call. */
  advanceToBarRow(): void {
    this.nextTime = this.barRow[ROW_TIME] as number;
    this.advance();
  }

  /** The time advanceTo was given (a field: a double passed to a call that is not inlined becomes a heap number). */
  private nextTime = NaN;

  private advance(): void {
    const t = this.nextTime;
    if (t === this.step) return;
    if (t < this.step) throw new InvariantError(`time went back: ${t} after ${this.step}`);
    if (this.stepEnded) this.stepEnded = false;
    else if (this.step === this.step) this.endStep();
    else if (this.trading) this.firstTime = t;
    if (!this.trading && t >= this.tradeFrom) this.openWindow(t);
    if (this.timers.size > 0) this.fireTimers(t);
    this.step = t;
  }

  /**
   * Live runs: no data has come up to `t` (the wall clock's time, in the
   * data's time frame), and timers are due by then. The current step ends
   * now, as advanceTo would end it (valuation, account modules), and the
   * timers due at or before `t` fire. The next data must be stamped after
   * the current step and not before the last timer fired (`time`); its
   * advanceTo does not end the step again. A replay never calls it.
   */
  idleUntil(t: Micros): void {
    if (!(this.timers.size > 0 && this.timers.peekTime() <= t)) return;
    if (this.step === this.step && !this.stepEnded) {
      this.endStep();
      this.stepEnded = true;
    }
    this.fireTimers(t + 1);
  }

  /** The earliest time the next data may carry (live drivers clamp to it): after an early-ended step, and not before the last event or timer. */
  get nextDataFloor(): Micros {
    const floor = this.stepEnded ? this.step + 1 : this.step;
    const now = this.now;
    return floor === floor ? (now > floor ? now : floor) : now === now ? now : -Infinity;
  }

  /**
   * Live runs, between market events: the reports an asynchronous venue
   * (ExecutionClient.poll) received since the last event are applied, and
   * the strategy gets their order events, without waiting for more data.
   */
  pollVenue(): void {
    if (!this.started) return;
    this.venue?.poll?.();
    if (this.pending.length > 0) this.drain();
  }

  /** The feed's state changed (live: a stale-feed watchdog): the strategy's onFeedStatus and its order events. */
  onFeedStatus(status: FeedStatus): void {
    this.strategy.onFeedStatus(status, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  /** The first step of the trading window: the run's records (and its event counts) start here. */
  private openWindow(t: Micros): void {
    this.trading = true;
    this.firstTime = t;
    this.bars = 0;
    this.quotes = 0;
    this.trades = 0;
    this.bookEvents = 0;
  }

  /**
   * The end of the trading window: every open position (each leg of a
   * hedging account) is closed at its last price (a bar's close) at the last
   * step, by a settlement fill (OrderManager.settle: a market order tagged
   * `window_end`, filled at that price with the fee of any taker fill,
   * without the venue). The venue cannot fill it: no later data comes.
   */
  private closeWindow(t: Micros): void {
    const pf = this.portfolio;
    for (const pos of pf.positions) {
      const q = pos.quantity;
      if (q === 0) continue;
      const symbol = pos.instrument.symbol;
      const request = orderRequest(q > 0 ? 'sell' : 'buy', Math.abs(q), { symbol, tag: 'window_end', ...(pos.side !== 'net' ? { positionSide: pos.side } : {}) });
      this.orders.settle(this.entry.resolve(request, pos.index, 'window_end'), t, pos.lastPrice);
    }
    if (this.pending.length > 0) this.drain();
  }

  /**
   * Gives the history and equity buffers to the options' `bufferPool`: the
   * run's results (its equity curve) and the strategy's history must not
   * be read after. Without a pool it does nothing.
   */
  releaseBuffers(): void {
    const pool = this.options.bufferPool;
    if (pool === undefined) return;
    this.equity.release(pool);
    for (const list of this.series) for (const series of list) series.history.release(pool);
  }

  /** After the last event: the last step ends, the strategy's onStop runs, the records close. */
  finish(): void {
    if (this.step === this.step && !this.stepEnded) {
      if (this.tradeTo !== Infinity && this.trading) this.closeWindow(this.step);
      this.endStep();
    }
    this.equity.finish();
    this.strategy.onStop(this.ctx);
    this.drain();
    this.positionLog.finish();
  }

  /**
   * After a failure inside a step (a strategy error): the step it stopped in
   * gets its valuation row as it stood (without acting on it), and the
   * records close, so that what ran so far can be written.
   */
  finishPartial(): void {
    const t = this.now;
    if (t === t && !this.equity.has(t)) {
      this.valuationTime = t;
      this.valueStep(false);
    }
    this.equity.finish();
    this.positionLog.finish();
  }

  // ------------------------------------------------------------ market events

  /**
   * The bar being handled (a BarRow: time, open, high, low, close, volume):
   * the replay writes it here and calls `onBarRow(idx)`, and the bar's phases
   * (the venue, the history, the indicators, the strategy's bar) read it from
   * here. A double passed to a call that V8 does not inline is a new heap
   * number (16 bytes for the garbage collector); six per call per bar added
   * up to a third of a backtest's allocation. Read from a typed array they
   * are none.
   */
  readonly barRow: BarRow = new Float64Array(BAR_ROW_LENGTH);

  /** onBar for the bar in `barRow` (what onBar does: kept here so that the doubles stay unboxed). */
  onBarRow(idx: number): void {
    const r = this.barRow;
    this.event(r[ROW_TIME] as number);
    this.bars++;
    const pos = this.portfolio.positions[idx] as PositionState;
    pos.bars++;
    if (this.hedging) (this.portfolio.shortLeg(idx) as PositionState).bars++;
    // Broker phase: orders first, then the mark at the close.
    this.beforeData(idx);
    this.sink?.onBarRow(idx, r);
    this.afterVenue();
    this.afterBrokerPhase(idx, pos);
  }

  onBar(idx: number, t: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    setBarRow(this.barRow, t, open, high, low, close, volume);
    this.onBarRow(idx);
  }

  /** A bid/ask bar pair: fills on the side each order trades on; the strategy and indicators see the mid bar. */
  onBidAskBar(idx: number, b: BidAskBar): void {
    const t = b.time;
    this.event(t);
    this.bars++;
    const pos = this.portfolio.positions[idx] as PositionState;
    pos.bars++;
    if (this.hedging) (this.portfolio.shortLeg(idx) as PositionState).bars++;
    this.beforeData(idx);
    this.sink?.onBidAskBar(idx, b);
    this.afterVenue();
    setBarRow(this.barRow, t, addExact(b.bidOpen, b.askOpen) / 2, addExact(b.bidHigh, b.askHigh) / 2, addExact(b.bidLow, b.askLow) / 2, addExact(b.bidClose, b.askClose) / 2, b.volume);
    this.afterBrokerPhase(idx, pos);
  }

  onQuote(idx: number, t: Micros, bid: number, ask: number, bidSize: number, askSize: number): void {
    this.event(t);
    this.quotes++;
    const pos = this.portfolio.positions[idx] as PositionState;
    this.beforeData(idx);
    this.sink?.onQuote(idx, t, bid, ask, bidSize, askSize);
    this.afterVenue();
    const mid = addExact(bid, ask) / 2;
    this.mark(idx, pos, mid, mid, mid);
    this.updateTickIndicators(idx, t, mid, NaN, true);
    if (this.pending.length > 0) this.drain();
    const q = this.quoteViews[idx] as QuoteView;
    q.time = t;
    q.bid = bid;
    q.ask = ask;
    q.bidSize = bidSize;
    q.askSize = askSize;
    this.strategy.onQuote(q, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  /** A trade print; `aggressor` is SIDE_BUY, SIDE_SELL or 0 (unknown). */
  onTrade(idx: number, t: Micros, price: number, size: number, aggressor: number): void {
    this.event(t);
    this.trades++;
    const pos = this.portfolio.positions[idx] as PositionState;
    this.beforeData(idx);
    this.sink?.onTrade(idx, t, price, size);
    this.afterVenue();
    this.mark(idx, pos, price, price, price);
    this.updateTickIndicators(idx, t, price, size, false);
    if (this.pending.length > 0) this.drain();
    const tr = this.tradeViews[idx] as TradeView;
    tr.time = t;
    tr.price = price;
    tr.size = size;
    tr.aggressor = aggressor === SIDE_BUY ? 'buy' : aggressor === SIDE_SELL ? 'sell' : 'unknown';
    this.strategy.onTrade(tr, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  /**
   * One L2 row of instrument `idx` (its book must exist: KernelOptions.books).
   * At the last row of an exchange message the book event is complete:
   * broker phase, mark, strategy.
   */
  onBookRow(idx: number, cols: BookColumns, i: number): void {
    const book = this.books[idx] as OrderBook;
    book.applyRows(cols, i, i + 1);
    this.sink?.onBookLevel(idx, cols.side[i] as number, cols.price[i] as number);
    if (((cols.flags[i] as number) & F_LAST) === 0) return;
    const t = cols.time[i] as number;
    this.event(t);
    this.bookEvents++;
    const pos = this.portfolio.positions[idx] as PositionState;
    this.beforeData(idx);
    this.sink?.onBook(idx, t, book);
    this.afterVenue();
    const bid = book.bestBid;
    const ask = book.bestAsk;
    const mark = bid === bid && ask === ask ? book.mid() : bid === bid ? bid : ask;
    if (mark === mark) {
      this.mark(idx, pos, mark, mark, mark);
      this.updateTickIndicators(idx, t, mark, NaN, true);
    }
    if (this.pending.length > 0) this.drain();
    this.strategy.onBook(book, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  // ------------------------------------------------------------ the step

  private event(t: Micros): void {
    this.now = t;
    this.clock.advance(t);
  }

  /** Reports that arrived, then the venue's requests in flight arrive, then held children of filled parents arm. */
  private beforeData(idx: number): void {
    const t = this.now;
    this.venue?.poll?.();
    this.sink?.beforeData(idx, t);
    if (this.orders.hasArmingChildren()) this.orders.beforeData((this.instruments[idx] as Instrument).symbol, t);
  }

  /** After the venue's broker phase: the reports of what it did, when they come out of step. */
  private afterVenue(): void {
    this.venue?.poll?.();
  }

  /** After the broker phase of a bar: mark, history, indicators, order events, then the strategy. */
  private afterBrokerPhase(idx: number, pos: PositionState): void {
    const r = this.barRow;
    const t = r[ROW_TIME] as number;
    this.markFrom(idx, pos, r, ROW_CLOSE, ROW_HIGH, ROW_LOW);
    const list = this.series[idx] as Series[];
    const base = list[0] as Series;
    base.history.pushRow(r);
    base.updateRow(r);
    if (this.pending.length > 0) this.drain();
    if (list.length > 1) {
      for (let k = 1; k < list.length; k++) (list[k] as Series).aggregator?.pushBar(t, r[ROW_OPEN] as number, r[ROW_HIGH] as number, r[ROW_LOW] as number, r[ROW_CLOSE] as number, r[ROW_VOLUME] as number);
      this.deliverAggregated(list, t, false);
    }
    this.callOnBar(base, r);
    if (list.length > 1) this.deliverAggregated(list, t, true);
  }

  /** The instrument's last price (both legs of a hedging account), and the open trades' excursions. */
  private mark(idx: number, pos: PositionState, price: number, high: number, low: number): void {
    const m = this.marks;
    m[MARK_PRICE] = price;
    m[MARK_HIGH] = high;
    m[MARK_LOW] = low;
    this.markFrom(idx, pos, m, MARK_PRICE, MARK_HIGH, MARK_LOW);
  }

  /**
   * mark() with the price, high and low read from `row` at the offsets given
   * (a bar's in barRow): no double passes through the call.
   */
  private markFrom(idx: number, pos: PositionState, row: Float64Array, priceAt: number, highAt: number, lowAt: number): void {
    const price = row[priceAt] as number;
    if (this.opening !== undefined && this.opening.waiting > 0) this.opening.takeOver(this.portfolio, pos, idx, price, this.now);
    this.portfolio.mark(pos, price);
    pos.openTrade?.observe(row[highAt] as number, row[lowAt] as number);
    if (this.hedging) {
      const leg = this.portfolio.shortLeg(idx) as PositionState;
      this.portfolio.mark(leg, price);
      leg.openTrade?.observe(row[highAt] as number, row[lowAt] as number);
    }
  }

  /** The mark of a quote, trade or book event (mark()). */
  private readonly marks = new Float64Array(3);

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
        const row = this.aggregatedRow;
        setBarRow(row, time, out.open[i] as number, out.high[i] as number, out.low[i] as number, out.close[i] as number, out.volume[i] as number);
        series.history.pushRow(row);
        series.updateRow(row);
        this.callOnBar(series, row);
      }
      out.length = kept;
    }
  }

  /** An aggregated bar being handed out (deliverAggregated). */
  private readonly aggregatedRow = new Float64Array(BAR_ROW_LENGTH);

  /** The strategy's onBar for a series, once its indicators are warm (or when the strategy wants every bar). */
  private callOnBar(series: Series, r: BarRow): void {
    if (!series.isWarm() && !this.strategy.callOnBarBeforeReady) return;
    const bar = series.view;
    bar.time = r[ROW_TIME] as number;
    bar.open = r[ROW_OPEN] as number;
    bar.high = r[ROW_HIGH] as number;
    bar.low = r[ROW_LOW] as number;
    bar.close = r[ROW_CLOSE] as number;
    bar.volume = r[ROW_VOLUME] as number;
    this.strategy.onBar(bar, this.ctx);
    if (this.pending.length > 0) this.drain();
  }

  /** The series of an instrument for a timeframe, created (aggregating its data from now on) on first use. */
  private seriesOf(idx: number, timeframe: string): Series {
    const list = this.series[idx] as Series[];
    const found = list.find((s) => s.timeframe === timeframe);
    if (found !== undefined) return found;
    const spec = parseBarSpec(timeframe, 'timeframe');
    const symbol = (this.instruments[idx] as Instrument).symbol;
    const series = new Series(idx, timeframe, new RingBarHistory(symbol, this.historyCapacity, this.options.stepsHint ?? this.historyCapacity), new BarView(symbol, timeframe), new BarAggregator(spec));
    list.push(series);
    return series;
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
      this.event(due.time);
      this.strategy.onTimer(due, this.ctx);
      this.drain();
    }
  }

  /** Delivers queued order events; handlers may queue more. */
  private drain(): void {
    const q = this.pending;
    // Events the strategy's handlers cause come after, in this same loop.
    for (let i = 0; i < q.length; i++) this.strategy.onOrderEvent(q.at(i), this.ctx);
    q.clear();
  }

  /** The end of a time step: account modules before and after the valuation, which is recorded. */
  private endStep(): void {
    this.valuationTime = this.step;
    this.valueStep(true);
  }

  /** The time of the step valueStep values (a field, not an argument: see barRow). */
  private valuationTime = NaN;

  /** Values the step at `valuationTime`; `act` false records it without the modules that act on it (which may send orders). */
  private valueStep(act: boolean): void {
    const t = this.valuationTime;
    if (act) {
      this.venue?.poll?.();
      if (this.pending.length > 0) this.drain();
    }
    // Before the trading window: nothing to value (no trade, no carry), nothing recorded.
    if (t < this.tradeFrom) return;
    const p = this.portfolio;
    const before = this.beforeValuation;
    for (let k = 0; k < before.length; k++) (before[k] as AccountModule).beforeValuation?.(t);
    const log = this.positionLog;
    log.stepTime[0] = t;
    log.onStep();
    const posValue = p.positionValue();
    const cash = p.balances.size === 0 ? p.cash : p.cashValue();
    const base = p.marginInUse === 0 ? cash : addExact(cash, p.marginInUse);
    if (base !== this.valuedBase) {
      this.valuedBase = base;
      this.valuedBasePlaces = decimalPlaces(base);
    }
    // The position value's places come with it when the portfolio knows them (one position in the account currency).
    const equity = posValue === 0 ? base : addExactHinted(base, this.valuedBasePlaces, posValue, p.positionValuePlaces);
    const step = this.equity.next;
    step[STEP_TIME] = t;
    step[STEP_EQUITY] = equity;
    step[STEP_CASH] = cash;
    step[STEP_POSITION_VALUE] = posValue;
    step[STEP_MARGIN] = p.marginInUse;
    this.equity.recordNext();
    if (!act) return;
    const after = this.afterValuation;
    for (let k = 0; k < after.length; k++) {
      (after[k] as AccountModule).afterValuation?.(t, equity);
      if (this.pending.length > 0) this.drain();
    }
  }

  /** The order on the instrument's grids as the risk limits ask (a copy when anything moved; `rounded` is reused). */
  private roundToGrids<T extends RoundableOrder>(order: T, instrument: Instrument, held: number | undefined): T {
    const r = this.rounded;
    return this.risk.roundInto(order, instrument, held, r) ? { ...order, quantity: r.quantity, price: r.price, triggerPrice: r.triggerPrice } : order;
  }

  // ------------------------------------------------------------ sizing

  /** ctx.size: the sizers over this run's figures, limits and pre-trade checks. */
  private sizer(fees: FeeModel): RunSizer {
    const pf = this.portfolio;
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
        const inst = this.instruments[this.symbolIndex.get(order.symbol) ?? 0] as Instrument;
        const fee = fees.fee({ symbol: order.symbol, quantity: order.quantity, price, multiplier: inst.multiplier, liquidity: 'taker', tradedVolume: pf.tradedVolume });
        return this.risk.evaluate(order, this.riskView, { price, fee }) ?? this.buyingPower.preview(sideSign(order.side) * order.quantity, price, fee, this.legOf(order));
      },
    });
  }

  private ctxIndexOf(symbol: string | undefined): number {
    if (symbol === undefined) return 0;
    const i = this.symbolIndex.get(symbol);
    if (i === undefined) {
      throw new InputError({ code: 'invalid_strategy', field: 'symbol', value: symbol, message: `no data for this symbol; the run has ${this.instruments.map((x) => x.symbol).join(', ')}` });
    }
    return i;
  }
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

function tooManyRequests(limit: number): InputError {
  return new InputError({
    code: 'invalid_strategy',
    message: `strategy keeps making order requests within one call (more than ${limit} order events waiting for it to return): stopped`,
  });
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
