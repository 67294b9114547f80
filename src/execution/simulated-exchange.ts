import { numberArg } from '../core/arguments.js';
import { InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import type { Liquidity } from '../model/events.js';
import type { ExecutionClient, ExecutionReports, MarketDataSink, OrderChanges } from '../model/execution.js';
import { BAR_ROW_LENGTH, setBarRow, ROW_CLOSE, ROW_HIGH, ROW_LOW, ROW_OPEN, ROW_TIME, ROW_VOLUME, type BarRow, type BidAskBar } from '../model/market.js';
import type { Order } from '../model/order.js';
import { closesPositionSide } from '../model/order.js';
import type { OrderBook } from '../model/order-book.js';
import { BOOK_ASK, BOOK_BID, QueuePosition } from '../model/order-book.js';
import { addExact, subExact } from '../core/decimal.js';
import { IdTable, ReusableList } from '../core/reusable.js';
import type { SessionCalendar } from '../model/session.js';
import { UTC_DAILY_SESSIONS } from '../model/session.js';
import type { BarFillModel } from './models/fill.js';
import { ClassicBarFill } from './models/fill.js';
import type { LatencyModel } from './models/latency.js';
import { NoLatency } from './models/latency.js';
import type { SlippageModel } from './models/slippage.js';
import { NoSlippage } from './models/slippage.js';

/** Per-instrument settings the venue needs. */
export interface VenueInstrument {
  readonly symbol: string;
  readonly tickSize: number;
  readonly lotSize: number;
  readonly sessions?: SessionCalendar;
}

export interface SimulatedExchangeOptions {
  readonly fillModel?: BarFillModel;
  readonly slippage?: SlippageModel;
  readonly latency?: LatencyModel;
  /** At most this fraction of a bar's volume (or a tick's size) fills per instrument and bar; 0 = no limit. */
  readonly volumeLimit?: number;
  /**
   * Signed position an order acts on (the instrument's, or its leg in a
   * hedging account), for reduce-only orders and orders that reduce a leg.
   */
  readonly positionOf?: (order: Order) => number;
}

/** A cancel (no changes) or modify on its way to the venue (latency). */
interface InFlight {
  /** When it reaches the venue: it acts on data stamped after this. */
  readonly at: Micros;
  /** Order of the requests, for those arriving at the same time. */
  readonly seq: number;
  readonly changes: OrderChanges | undefined;
}

/** The venue's working state of one order. */
class Working {
  /** Removed from the book (filled, cancelled, expired) during the current pass. */
  done = false;
  barsSeen = 0;
  /** End of the session a day order (or market-on-close) trades in; NaN until it first meets data. */
  sessionEnd = NaN;
  /** Best price seen by a trailing stop. */
  extreme = NaN;
  triggered = false;
  /** Cancels and modifies on their way (latency), in the order they were sent. */
  requests: InFlight[] | undefined = undefined;
  // Candidate of the current pass.
  candTime = NaN;
  candPrice = NaN;
  candTrigger = NaN;
  candLiquidity: Liquidity = 'taker';
  /** A resting limit order's place in the queue of its price level (L2 data). */
  queue: QueuePosition | undefined = undefined;
  /** Its one-cancels-other partners, as the venue was told (in submit, or by link). */
  partners: readonly number[];
  constructor(
    readonly order: Order,
    readonly seq: number,
    readonly symbolIdx: number,
    readonly eligibleAfter: Micros,
  ) {
    this.partners = order.ocoIds.length === 0 ? NO_PARTNERS : [...order.ocoIds];
  }
}

const NO_PARTNERS: readonly number[] = [];

const stillWorking = (w: Working): boolean => !w.done;

/**
 * The prices and volume one side of the market trades at in a broker phase:
 * buy orders against the ask (or the bar), sell orders against the bid (or
 * the bar). One reusable object per side: the phase reads its fields, and no
 * price is passed (and boxed) through a call.
 */
class SidePrices {
  // Fields start as doubles (0.5, not 0: a small integer would make them integer fields, changed to doubles at the first price).
  open = 0.5;
  high = 0.5;
  low = 0.5;
  close = 0.5;
  volume = 0.5;

  set(open: number, high: number, low: number, close: number, volume: number): void {
    this.open = open;
    this.high = high;
    this.low = low;
    this.close = close;
    this.volume = volume;
  }
}

const leaves = (o: Order): number => o.quantity - o.filledQuantity;

const notConnected = (): never => {
  throw new InvariantError('the simulated exchange is not connected to an order manager');
};
/** Reports before connect(): any report is a bug. */
const unconnected: ExecutionReports = {
  accepted: notConnected,
  rejected: notConnected,
  filled: notConnected,
  triggered: notConnected,
  triggerMoved: notConnected,
  expired: notConnected,
  cancelled: notConnected,
  cancelRejected: notConnected,
  modified: notConnected,
  modifyRejected: notConnected,
};

/**
 * A venue that works orders against market data in simulated time: bars
 * (through a bar fill model), quote ticks (buys at the ask, sells at the bid)
 * and trade prints. An order trades only on data stamped after it reached the
 * venue, so nothing fills on the bar that produced it. Orders are visited in
 * submission order (the classic rule), or in the order the bar touched them
 * when the fill model says so.
 */
export class SimulatedExchange implements ExecutionClient, MarketDataSink {
  /** Working orders in arrival order (ended ones until the next compaction: see remove). */
  private readonly working = new ReusableList<Working>();
  private readonly byId = new IdTable<Working>();
  private readonly countBySymbol: Int32Array;
  private readonly symbolIndex = new Map<string, number>();
  /** Time of the instrument's latest data (NaN before any): whether data opens a new session is known from it when needed. */
  private readonly lastDataTime: Float64Array;
  private readonly pass = new ReusableList<Working>();
  /** What buy and sell orders trade against in the broker phase under way. */
  private readonly buys = new SidePrices();
  private readonly sells = new SidePrices();
  /** The touch a book event reached (trailing stops follow it). */
  private readonly touched = new SidePrices();
  /** A bar for `onBar`: its row. */
  private readonly row = new Float64Array(BAR_ROW_LENGTH);
  /** Orders that ended while a cancel or modify was on its way: those requests are refused. */
  private readonly orphans: Working[] = [];
  /** Requests on their way to the venue, over all orders. */
  private inFlight = 0;
  private requestSeq = 0;
  private seq = 0;
  private visiting = false;
  private readonly fillModel: BarFillModel;
  private readonly slippage: SlippageModel;
  private readonly latency: LatencyModel;
  private readonly volumeLimit: number;
  private readonly positionOf: (order: Order) => number;
  /** Fills whose OCO partner could also have filled on the same bar: the bar alone cannot tell which came first. */
  ambiguousFills = 0;

  private reports: ExecutionReports = unconnected;

  constructor(
    private readonly instruments: readonly VenueInstrument[],
    reports?: ExecutionReports,
    options: SimulatedExchangeOptions = {},
  ) {
    if (reports !== undefined) this.reports = reports;
    this.countBySymbol = new Int32Array(instruments.length);
    this.lastDataTime = new Float64Array(instruments.length).fill(NaN);
    instruments.forEach((s, i) => this.symbolIndex.set(s.symbol, i));
    this.fillModel = options.fillModel ?? new ClassicBarFill();
    this.slippage = options.slippage ?? new NoSlippage();
    this.latency = options.latency ?? new NoLatency();
    this.volumeLimit = numberArg('new SimulatedExchange', 'options.volumeLimit', options.volumeLimit ?? 0, { min: 0, max: 1 });
    this.positionOf = options.positionOf ?? (() => 0);
  }

  get fillModelName(): string {
    return this.fillModel.name;
  }

  // ------------------------------------------------------------ requests

  connect(reports: ExecutionReports): void {
    this.reports = reports;
  }

  /**
   * Takes an order (acknowledged at once, as `SIM-<n>`; rejected,
   * `unknown_symbol`, when the venue does not list its instrument). It trades only on
   * data stamped after it became active (`activatedTime`: its creation, or
   * its parent's fill) plus the submit latency: nothing fills on the data
   * that produced it.
   */
  submit(order: Order, time: Micros): void {
    const idx = this.symbolIndex.get(order.symbol);
    if (idx === undefined) {
      // A venue answers an order for an instrument it does not list; it does not fail.
      this.reports.rejected(order.id, time, 'unknown_symbol');
      return;
    }
    const n = this.seq++;
    const w = new Working(order, n, idx, order.activatedTime + this.latency.delay('submit'));
    // A trailing stop trails from the price when it was submitted.
    if (order.type === 'trailing_stop') w.extreme = order.referencePrice;
    this.working.push(w);
    this.byId.set(order.id, w);
    this.countBySymbol[idx] = (this.countBySymbol[idx] as number) + 1;
    this.reports.accepted(order.id, `SIM-${n + 1}`, time);
  }

  cancel(orderId: number, time: Micros): void {
    const w = this.byId.get(orderId);
    if (w === undefined || w.done) {
      this.reports.cancelRejected(orderId, time, 'not_live');
      return;
    }
    // One cancel on its way is enough: another is refused at once (a loop that waits for the cancel cannot queue them forever).
    if (w.requests !== undefined && w.requests.some((r) => r.changes === undefined)) {
      this.reports.cancelRejected(orderId, time, 'cancel_pending');
      return;
    }
    const delay = this.latency.delay('cancel');
    if (delay === 0) {
      this.remove(w);
      this.reports.cancelled(orderId, time, 'user');
    } else {
      this.send(w, time + delay, undefined);
    }
  }

  modify(orderId: number, changes: OrderChanges, time: Micros): void {
    const w = this.byId.get(orderId);
    if (w === undefined || w.done) {
      this.reports.modifyRejected(orderId, time, 'not_live');
      return;
    }
    const delay = this.latency.delay('modify');
    if (delay === 0) {
      this.reports.modified(orderId, time, changes);
    } else {
      this.send(w, time + delay, changes);
    }
  }

  private send(w: Working, at: Micros, changes: OrderChanges | undefined): void {
    (w.requests ??= []).push({ at, seq: this.requestSeq++, changes });
    this.inFlight++;
  }

  /** Cancels and modifies of the instrument's orders that arrived before data stamped `time` take effect. */
  beforeData(symbolIdx: number, time: Micros): void {
    if (this.inFlight === 0) return;
    this.deliverRequests(symbolIdx, time);
    this.refuseOrphans();
  }

  /** A one-cancels-other group of orders working here: each learns its partners. */
  link(orderIds: readonly number[]): void {
    for (const id of orderIds) {
      const w = this.byId.get(id);
      if (w !== undefined) w.partners = orderIds.filter((other) => other !== id);
    }
  }

  /** Cancels an order now, for the order manager's own reasons (OCO, parent gone). */
  withdraw(orderId: number): boolean {
    const w = this.byId.get(orderId);
    if (w === undefined || w.done) return false;
    this.remove(w);
    return true;
  }

  hasWorking(symbolIdx: number): boolean {
    return (this.countBySymbol[symbolIdx] as number) > 0;
  }

  // ------------------------------------------------------------ market data

  /** Broker phase of one bar (a row of time, open, high, low, close, volume: model/market.ts): requests that arrived, expiry, then the fill rules. */
  onBarRow(symbolIdx: number, bar: BarRow): void {
    const time = bar[ROW_TIME] as number;
    if (this.countBySymbol[symbolIdx] === 0) {
      this.lastDataTime[symbolIdx] = time;
      return;
    }
    const first = this.opensSession(symbolIdx, time);
    const last = time >= this.sessionOf(symbolIdx).sessionEnd(time);
    this.buys.set(bar[ROW_OPEN] as number, bar[ROW_HIGH] as number, bar[ROW_LOW] as number, bar[ROW_CLOSE] as number, bar[ROW_VOLUME] as number);
    this.sells.set(bar[ROW_OPEN] as number, bar[ROW_HIGH] as number, bar[ROW_LOW] as number, bar[ROW_CLOSE] as number, bar[ROW_VOLUME] as number);
    this.run(symbolIdx, time, true, first, last);
  }

  /** onBarRow for a bar given field by field. */
  onBar(symbolIdx: number, time: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    setBarRow(this.row, time, open, high, low, close, volume);
    this.onBarRow(symbolIdx, this.row);
  }

  /** Bid and ask bars of one period: buys trade on the ask bar, sells on the bid bar. */
  onBidAskBar(symbolIdx: number, b: BidAskBar): void {
    const time = b.time;
    if (this.countBySymbol[symbolIdx] === 0) {
      this.lastDataTime[symbolIdx] = time;
      return;
    }
    const calendar = this.sessionOf(symbolIdx);
    const first = this.opensSession(symbolIdx, time);
    const last = time >= calendar.sessionEnd(time);
    this.buys.set(b.askOpen, b.askHigh, b.askLow, b.askClose, b.volume);
    this.sells.set(b.bidOpen, b.bidHigh, b.bidLow, b.bidClose, b.volume);
    this.run(symbolIdx, time, true, first, last);
  }

  /**
   * An L2 book event (after a whole exchange message is applied). Market
   * orders, and orders whose trigger the touch reached, walk the book level by
   * level (a fill per level). A limit order takes what is displayed at or
   * better than its limit, then rests: it keeps a place in the queue of its
   * price level (the displayed size ahead of it when it arrived); size that
   * leaves the level beyond the queue ahead is taken to have traded against
   * it; a book that moves through its price fills it at its price.
   */
  onBook(symbolIdx: number, time: Micros, book: OrderBook): void {
    this.lastDataTime[symbolIdx] = time;
    if (this.countBySymbol[symbolIdx] === 0) return;
    if (this.visiting) throw new InvariantError('re-entrant broker phase');
    this.visiting = true;
    try {
      this.matchBook(symbolIdx, time, book);
    } finally {
      this.visiting = false;
      if (this.working.length !== this.byId.size) this.compact();
      this.refuseOrphans();
    }
  }

  /** One pass over the instrument's working orders for a book event; an order ended earlier in the pass is skipped. */
  private matchBook(symbolIdx: number, time: Micros, book: OrderBook): void {
    this.deliverRequests(symbolIdx, time);
    const bestBid = book.bestBid;
    const bestAsk = book.bestAsk;
    const working = this.working;
    for (let i = 0; i < working.length; i++) {
      const w = working.at(i);
      if (w.symbolIdx !== symbolIdx || w.done) continue;
      if (!(time > w.eligibleAfter)) continue;
      const o = w.order;
      if (time > o.expireTime) {
        this.remove(w);
        this.reports.expired(o.id, time);
        continue;
      }
      const buy = o.side === 'buy';
      const touch = buy ? bestAsk : bestBid;
      // Triggers read the touch like a quote.
      let market = o.type === 'market' || o.type === 'market_on_open' || o.type === 'market_on_close';
      let limit = o.type === 'limit' ? o.price : NaN;
      if (!market && o.type !== 'limit') {
        const trigger = o.type === 'trailing_stop' ? this.trailTrigger(w) : o.triggerPrice;
        if (!w.triggered) {
          const stopLike = o.type === 'stop' || o.type === 'stop_limit' || o.type === 'trailing_stop';
          const hit = stopLike ? (buy ? touch >= trigger : touch <= trigger) : buy ? touch <= trigger : touch >= trigger;
          if (!(touch === touch) || !hit) {
            if (o.type === 'trailing_stop' && touch === touch) {
              this.touched.set(touch, touch, touch, touch, 0);
              this.trail(w, this.touched);
            }
            continue;
          }
          w.triggered = true;
          this.reports.triggered(o.id, time);
        }
        if (o.type === 'stop_limit' || o.type === 'limit_if_touched') limit = o.price;
        else market = true;
      }
      this.fillFromBook(w, time, book, market ? NaN : limit);
      if (w.done) continue;
      if (o.timeInForce === 'ioc' || o.timeInForce === 'fok') {
        this.remove(w);
        this.reports.cancelled(o.id, time, o.filledQuantity > 0 ? 'ioc_remainder' : o.timeInForce === 'fok' ? 'fok_unfilled' : 'ioc_remainder');
        continue;
      }
      if (!market && limit === limit) this.restInQueue(w, time, book, limit);
    }
  }

  /**
   * Displayed size our simulated fills took, per instrument, side (0 bid, 1 ask)
   * and price: the data never shows our own trades, so that size stays
   * unavailable until the data updates the level.
   */
  private readonly consumed: Map<number, number>[][] = [];

  /** The data updated a level: what it shows now supersedes what we took from it. */
  onBookLevel(symbolIdx: number, side: number, price: number): void {
    const maps = this.consumed[symbolIdx];
    if (maps === undefined) return;
    const m = maps[side === BOOK_BID ? 0 : 1] as Map<number, number>;
    if (m.size > 0) m.delete(price);
  }

  private consumedMaps(idx: number): Map<number, number>[] {
    let maps = this.consumed[idx];
    if (maps === undefined) {
      maps = [new Map(), new Map()];
      this.consumed[idx] = maps;
    }
    return maps;
  }

  /** Takes liquidity from the book for a market order (limit NaN) or a limit order's marketable part. */
  private fillFromBook(w: Working, time: Micros, book: OrderBook, limit: number): void {
    const o = w.order;
    const buy = o.side === 'buy';
    const levels = buy ? book.asks : book.bids;
    const used = this.consumedMaps(w.symbolIdx)[buy ? 1 : 0] as Map<number, number>;
    const open = o.quantity - o.filledQuantity;
    const cap = this.legCap(w, time);
    if (!(cap > 0)) return;
    const leaves = cap < open ? cap : open;
    const n = limit === limit ? levels.levelsAtOrBetter(limit) : levels.count;
    if (o.timeInForce === 'fok') {
      let available = 0;
      for (let i = 0; i < n && available < leaves; i++) available += levels.size(i) - (used.get(levels.price(i)) ?? 0);
      if (available < leaves) return;
    }
    // An order already resting when the book came through its price is hit at its price, as a maker.
    const resting = w.queue !== undefined;
    let remaining = leaves;
    for (let i = 0; i < n && remaining > 0 && !w.done; i++) {
      const price = levels.price(i);
      const taken = used.get(price) ?? 0;
      const size = levels.size(i) - taken;
      if (!(size > 0)) continue;
      const qty = size < remaining ? size : remaining;
      used.set(price, addExact(taken, qty));
      remaining = qty === remaining ? 0 : subExact(remaining, qty);
      if (remaining === 0) this.remove(w);
      this.reports.filled(o.id, time, qty, resting ? limit : price, resting ? 'maker' : 'taker');
      if (remaining === 0) this.cancelPartners(w, time);
    }
    if (remaining === 0 && leaves < open) this.reports.cancelled(o.id, time, 'reduce_only');
  }

  /**
   * What an order that reduces a leg of a hedging account may fill (the
   * leg's quantity; Infinity for other orders). At 0 the order is cancelled
   * ('reduce_only') and 0 is returned.
   */
  private legCap(w: Working, time: Micros): number {
    const o = w.order;
    if (o.positionSide === undefined || !closesPositionSide(o.side, o.positionSide)) return Infinity;
    const cap = Math.abs(this.positionOf(o));
    if (cap > 0) return cap;
    this.remove(w);
    this.reports.cancelled(o.id, time, 'reduce_only');
    return 0;
  }

  /** A resting limit order: its queue place, and fills when size leaves the front or the book trades through it. */
  private restInQueue(w: Working, time: Micros, book: OrderBook, limit: number): void {
    const o = w.order;
    const side = o.side === 'buy' ? BOOK_BID : BOOK_ASK;
    const displayed = book.sizeAt(side, limit);
    if (w.queue === undefined || w.queue.price !== limit) {
      w.queue = new QueuePosition(side, limit, displayed);
      return;
    }
    const q = w.queue;
    const before = q.levelSize;
    const aheadBefore = q.ahead;
    q.onLevelSize(displayed);
    // What left the level beyond the volume that was ahead reached the order; only at the touch
    // (the best price of its side) can size leaving a level be trades against it.
    const touch = side === BOOK_BID ? book.bestBid : book.bestAsk;
    const atTouch = !(touch === touch) || (side === BOOK_BID ? limit >= touch : limit <= touch);
    const reached = atTouch && before > displayed ? before - displayed - aheadBefore : 0;
    if (reached <= 0) return;
    const cap = this.legCap(w, time);
    if (!(cap > 0)) return;
    const leaves = o.quantity - o.filledQuantity;
    const qty = Math.min(leaves, reached, cap);
    const capped = qty === cap && cap < leaves;
    if (qty >= leaves || capped) this.remove(w);
    this.reports.filled(o.id, time, qty, limit, 'maker');
    if (qty >= leaves) this.cancelPartners(w, time);
    if (capped) this.reports.cancelled(o.id, time, 'reduce_only');
  }

  /** Quote tick: buys trade at the ask, sells at the bid. */
  onQuote(symbolIdx: number, time: Micros, bid: number, ask: number, bidSize: number, askSize: number): void {
    if (this.countBySymbol[symbolIdx] === 0) {
      this.lastDataTime[symbolIdx] = time;
      return;
    }
    const first = this.opensSession(symbolIdx, time);
    this.buys.set(ask, ask, ask, ask, askSize);
    this.sells.set(bid, bid, bid, bid, bidSize);
    this.run(symbolIdx, time, false, first, false);
  }

  /** Trade print: both sides at the print. */
  onTrade(symbolIdx: number, time: Micros, price: number, size: number): void {
    if (this.countBySymbol[symbolIdx] === 0) {
      this.lastDataTime[symbolIdx] = time;
      return;
    }
    const first = this.opensSession(symbolIdx, time);
    this.buys.set(price, price, price, price, size);
    this.sells.set(price, price, price, price, size);
    this.run(symbolIdx, time, false, first, false);
  }

  // ------------------------------------------------------------ matching

  /**
   * One pass over the instrument's working orders for one piece of data:
   * buy orders trade against `this.buys`, sell orders against `this.sells`.
   */
  private run(idx: number, time: Micros, isBar: boolean, firstOfSession: boolean, lastOfSession: boolean): void {
    if (this.visiting) throw new InvariantError('re-entrant broker phase');
    this.visiting = true;
    try {
      // Requests that reached the venue before this data, then the orders this data can reach.
      this.deliverRequests(idx, time);
      const pass = this.pass;
      pass.clear();
      const working = this.working;
      for (let i = 0; i < working.length; i++) {
        const w = working.at(i);
        if (w.symbolIdx !== idx || w.done) continue;
        if (!(time > w.eligibleAfter)) continue;
        pass.push(w);
      }
      if (pass.length === 0) return;

      // Expiry first, then a candidate fill per order (nothing changes yet). Every report below may end
      // other orders of the pass (an OCO partner withdrawn, a parent's children): each order is
      // checked again when its turn comes.
      const model = this.fillModel;
      for (let i = 0; i < pass.length; i++) {
        const w = pass.at(i);
        if (w.done) continue;
        const o = w.order;
        if (isBar) w.barsSeen++;
        if (Number.isNaN(w.sessionEnd) && (o.timeInForce === 'day' || o.type === 'market_on_close')) {
          w.sessionEnd = this.sessionOf(idx).sessionEnd(time);
        }
        if (time > o.expireTime || time > w.sessionEnd || (o.validBars > 0 && w.barsSeen > o.validBars)) {
          this.remove(w);
          this.reports.expired(o.id, time);
          continue;
        }
        this.evaluate(w, model, o.side === 'buy' ? this.buys : this.sells, firstOfSession, lastOfSession);
      }
      if (model.byTouchTime && isBar) {
        pass.sort((a, b) => {
          const ta = Number.isNaN(a.candTime) ? Infinity : a.candTime;
          const tb = Number.isNaN(b.candTime) ? Infinity : b.candTime;
          return ta - tb || a.seq - b.seq;
        });
      }

      let budget = this.volumeLimit > 0 ? NaN : Infinity;
      for (let i = 0; i < pass.length; i++) {
        const w = pass.at(i);
        if (w.done) continue;
        const o = w.order;
        const buy = o.side === 'buy';
        if (!Number.isNaN(w.candTrigger) && !w.triggered) {
          w.triggered = true;
          this.reports.triggered(o.id, time);
        }
        const ioc = o.timeInForce === 'ioc' || o.timeInForce === 'fok';
        if (Number.isNaN(w.candPrice)) {
          if (ioc) {
            this.remove(w);
            this.reports.cancelled(o.id, time, o.timeInForce === 'fok' ? 'fok_unfilled' : 'ioc_remainder');
          } else {
            this.trail(w, buy ? this.buys : this.sells);
          }
          continue;
        }
        const side = buy ? this.buys : this.sells;
        if (Number.isNaN(budget)) {
          const v = side.volume;
          budget = v > 0 ? this.volumeLimit * v : Number.isNaN(v) ? Infinity : 0;
        }
        let qty = Math.min(leaves(o), this.roundLot(idx, budget));
        // An order that reduces a leg of a hedging account never takes it through zero, as a reduce-only order.
        if (o.reduceOnly || (o.positionSide !== undefined && closesPositionSide(o.side, o.positionSide))) {
          const pos = this.positionOf(o);
          const reducible = buy ? Math.max(0, -pos) : Math.max(0, pos);
          if (reducible <= 0) {
            this.remove(w);
            this.reports.cancelled(o.id, time, 'reduce_only');
            continue;
          }
          qty = Math.min(qty, reducible);
        }
        if (o.timeInForce === 'fok' && qty < leaves(o)) {
          this.remove(w);
          this.reports.cancelled(o.id, time, 'fok_unfilled');
          continue;
        }
        if (!(qty > 0)) {
          if (ioc) {
            this.remove(w);
            this.reports.cancelled(o.id, time, 'ioc_remainder');
          }
          continue;
        }
        budget -= qty;
        let price = w.candPrice;
        if (w.candLiquidity === 'taker') {
          const inst = this.instruments[idx] as VenueInstrument;
          const slip = this.slippage.slippage({ side: o.side, price, quantity: qty, volume: side.volume, tickSize: inst.tickSize });
          if (slip > 0) {
            // Slipped, but never outside what the market offered, nor through the order's limit.
            price = buy ? Math.min(price + slip, side.high) : Math.max(price - slip, side.low);
            if (!Number.isNaN(o.price)) price = buy ? Math.min(price, o.price) : Math.max(price, o.price);
          }
        }
        if (this.siblingCouldFill(w, pass)) this.ambiguousFills++;
        const complete = qty >= leaves(o);
        if (complete) this.remove(w);
        this.reports.filled(o.id, time, qty, price, w.candLiquidity);
        if (complete) this.cancelPartners(w, time);
        if (!complete && ioc && !w.done) {
          this.remove(w);
          this.reports.cancelled(o.id, time, 'ioc_remainder');
        } else if (!w.done) {
          this.trail(w, side);
        }
      }
    } finally {
      this.visiting = false;
      this.pass.clear();
      if (this.working.length !== this.byId.size) this.compact();
      this.refuseOrphans();
    }
  }

  /**
   * Sets the order's candidate fill (time, price, liquidity) and trigger on
   * this data, without changing anything. `side`: the prices on the order's
   * side.
   */
  private evaluate(w: Working, m: BarFillModel, side: SidePrices, first: boolean, last: boolean): void {
    const { open, high, low, close } = side;
    const o = w.order;
    const buy = o.side === 'buy';
    w.candTime = NaN;
    w.candPrice = NaN;
    w.candTrigger = NaN;
    w.candLiquidity = 'taker';
    let t = NaN;
    switch (o.type) {
      case 'market':
        t = 0;
        m.price = open;
        break;
      case 'market_on_open':
        if (!first) return;
        t = 0;
        m.price = open;
        break;
      case 'market_on_close':
        if (!last) return;
        w.candTime = 3;
        w.candPrice = close;
        return;
      case 'limit':
        t = m.touch(buy, o.price, 0, open, high, low, close);
        w.candLiquidity = 'maker';
        break;
      case 'stop':
        t = m.touch(!buy, o.triggerPrice, 0, open, high, low, close);
        break;
      case 'market_if_touched':
        t = m.touch(buy, o.triggerPrice, 0, open, high, low, close);
        break;
      case 'trailing_stop': {
        const trigger = this.trailTrigger(w);
        if (Number.isNaN(trigger)) return;
        t = m.touch(!buy, trigger, 0, open, high, low, close);
        break;
      }
      case 'stop_limit':
      case 'limit_if_touched': {
        let from = 0;
        if (!w.triggered) {
          // A stop triggers going against the order's side (a buy stop on the way up); a touch order going with it.
          const down = o.type === 'stop_limit' ? !buy : buy;
          const tt = m.touch(down, o.triggerPrice, 0, open, high, low, close);
          if (Number.isNaN(tt)) return;
          w.candTrigger = tt;
          from = tt;
        }
        // The limit part, from the trigger on: at the trigger price when that is already good enough.
        t = m.touch(buy, o.price, from, open, high, low, close);
        // Resting before this data, or resting after the trigger until the price came back: maker.
        w.candLiquidity = w.triggered || t !== from ? 'maker' : 'taker';
        break;
      }
    }
    if (Number.isNaN(t)) return;
    w.candTime = t;
    w.candPrice = m.price;
  }

  /** The trigger of a trailing stop from the best price seen so far. */
  private trailTrigger(w: Working): number {
    const o = w.order;
    const buy = o.side === 'buy';
    if (o.trailPercent > 0) return buy ? w.extreme * (1 + o.trailPercent) : w.extreme * (1 - o.trailPercent);
    return buy ? w.extreme + o.trailOffset : w.extreme - o.trailOffset;
  }

  /** After a bar, a trailing stop follows the best price (high for a sell stop, low for a buy stop). */
  private trail(w: Working, side: SidePrices): void {
    const o = w.order;
    if (o.type !== 'trailing_stop') return;
    const buy = o.side === 'buy';
    const before = this.trailTrigger(w);
    w.extreme = buy ? Math.min(w.extreme, side.low) : Math.max(w.extreme, side.high);
    const after = this.trailTrigger(w);
    if (after !== before) this.reports.triggerMoved(o.id, after);
  }

  private siblingCouldFill(w: Working, pass: ReusableList<Working>): boolean {
    const ids = w.partners;
    if (ids.length === 0) return false;
    for (let i = 0; i < pass.length; i++) {
      const s = pass.at(i);
      if (s === w || s.done || Number.isNaN(s.candPrice) || !ids.includes(s.order.id)) continue;
      // A gap through the level at the open came first for sure; anything else inside the bar is a guess.
      if (w.candTime === 0 && s.candTime > 0) continue;
      return true;
    }
    return false;
  }

  private roundLot(idx: number, q: number): number {
    if (q === Infinity) return q;
    const lot = (this.instruments[idx] as VenueInstrument).lotSize;
    const step = lot > 0 ? lot : 1;
    return Math.floor(q / step + 1e-9) * step;
  }

  /**
   * Cancels and modifies of the instrument's orders that reached the venue
   * before data stamped `time`, in the order they arrived (not the order of
   * the book): a cancel that came first wins, and what it ends (its OCO
   * partners) refuses the requests that come after it.
   */
  private deliverRequests(idx: number, time: Micros): void {
    if (this.inFlight === 0) return;
    let due: [Working, InFlight][] | undefined;
    const working = this.working;
    for (let i = 0; i < working.length; i++) {
      const w = working.at(i);
      if (w.symbolIdx !== idx || w.done || w.requests === undefined) continue;
      for (const r of w.requests) if (r.at < time) (due ??= []).push([w, r]);
    }
    if (due === undefined) return;
    due.sort((a, b) => a[1].at - b[1].at || a[1].seq - b[1].seq);
    for (const [w, r] of due) {
      if (w.done) {
        this.refuse(w, r);
        continue;
      }
      this.take(w, r);
      if (r.changes === undefined) {
        this.remove(w);
        this.reports.cancelled(w.order.id, r.at, 'user');
      } else {
        this.reports.modified(w.order.id, r.at, r.changes);
      }
    }
  }

  /** A request leaves the way: it arrived, or it is refused. */
  private take(w: Working, r: InFlight): void {
    const list = w.requests as InFlight[];
    list.splice(list.indexOf(r), 1);
    if (list.length === 0) w.requests = undefined;
    this.inFlight--;
  }

  /** A request for an order that is no longer live: refused when it arrives. */
  private refuse(w: Working, r: InFlight): void {
    this.take(w, r);
    if (r.changes === undefined) this.reports.cancelRejected(w.order.id, r.at, 'not_live');
    else this.reports.modifyRejected(w.order.id, r.at, 'not_live');
  }

  private refuseOrphans(): void {
    if (this.orphans.length === 0) return;
    const list = this.orphans.splice(0);
    for (const w of list) while (w.requests !== undefined) this.refuse(w, w.requests[0] as InFlight);
  }

  /** Whether data stamped `time` is the instrument's first of a session (sessions computed only when orders work). */
  private opensSession(idx: number, time: Micros): boolean {
    const prev = this.lastDataTime[idx] as number;
    this.lastDataTime[idx] = time;
    if (prev !== prev) return true;
    const calendar = this.sessionOf(idx);
    return calendar.sessionKey(time) !== calendar.sessionKey(prev);
  }

  private sessionOf(idx: number): SessionCalendar {
    return (this.instruments[idx] as VenueInstrument).sessions ?? UTC_DAILY_SESSIONS;
  }

  /**
   * One-cancels-other held at the venue: an order that filled takes its
   * partners still working with it, in the same pass. (The order manager,
   * told of the fill, usually withdraws them first; a venue whose answers
   * travel cancels them here.)
   */
  private cancelPartners(w: Working, time: Micros): void {
    for (const id of w.partners) {
      const p = this.byId.get(id);
      if (p === undefined || p.done) continue;
      this.remove(p);
      this.reports.cancelled(id, time, 'oco');
    }
  }

  private remove(w: Working): void {
    if (w.done) return;
    w.done = true;
    if (w.requests !== undefined) this.orphans.push(w);
    this.byId.delete(w.order.id);
    this.countBySymbol[w.symbolIdx] = (this.countBySymbol[w.symbolIdx] as number) - 1;
    // Outside a pass, ended orders are dropped from the list once they are half of it: cancelling
    // every working order (a kill-switch halt) stays linear. Passes skip them meanwhile.
    if (!this.visiting && this.working.length > 2 * this.byId.size + 16) this.compact();
  }

  private compact(): void {
    this.working.retain(stillWorking);
  }
}
