import { addExact, decimalPlaces, mulExact, subExact } from '../../core/decimal.js';
import { InvariantError } from '../../core/errors.js';
import type { Account, ApiError } from './accounts.js';
import { KIND_BAR, KIND_BOOK, KIND_QUOTE, KIND_TRADE, type MarketReplay, type MarketState } from './replay.js';

export type OrderSide = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT' | 'STOP_LOSS' | 'STOP_LOSS_LIMIT' | 'TAKE_PROFIT' | 'TAKE_PROFIT_LIMIT';

/** Order types with a limit price. */
export function hasLimitPrice(type: OrderType): boolean {
  return type === 'LIMIT' || type === 'STOP_LOSS_LIMIT' || type === 'TAKE_PROFIT_LIMIT';
}
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';

/** An order as the exchange keeps it. Amounts are exact decimals (src/core/decimal.ts). */
export interface ExchangeOrder {
  readonly id: number;
  readonly account: Account;
  readonly clientId: string;
  readonly state: MarketState;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  /** NaN for a market order (and a stop that becomes one). */
  readonly price: number;
  /** The trigger of a stop or take-profit order (NaN for none), and whether it has triggered. */
  readonly stopPrice: number;
  triggered: boolean;
  readonly qty: number;
  filled: number;
  quoteFilled: number;
  status: OrderStatus;
  /** Data time (ms) it arrived, and of its last change. */
  readonly time: number;
  updateTime: number;
  /** What it holds locked: quote for a limit buy (at its price, fee included), base for a sell. */
  locked: number;
  /** No event of its market's matching data has been seen since it arrived (it meets the next one as its "open"). */
  fresh: boolean;
}

export interface ExchangeTrade {
  readonly id: number;
  readonly order: ExchangeOrder;
  readonly price: number;
  readonly qty: number;
  readonly quoteQty: number;
  readonly commission: number;
  readonly commissionAsset: string;
  readonly time: number;
}

/** What the matcher tells the user stream: an order's change (with the trade when a fill), then the account's balances. */
export interface MatcherListener {
  orderUpdate(order: ExchangeOrder, execution: 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED', trade: ExchangeTrade | undefined): void;
  balanceUpdate(account: Account, assets: readonly string[]): void;
}

export interface NewOrder {
  readonly state: MarketState;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly price: number;
  readonly stopPrice: number;
  readonly qty: number;
  readonly clientId: string | undefined;
}

/** The asset a fill's commission is charged in: always the quote, or a buy's in the base (as Binance without BNB). */
export type FeeAsset = 'quote' | 'base';

export interface MatcherOptions {
  /** Commission per fill, as a fraction of its amount: of the quote amount in the quote asset, of the quantity in the base asset. */
  readonly feeRate: number;
  /** 'base': a buy pays its commission in the base asset it receives (a sell still in the quote). */
  readonly feeAsset: FeeAsset;
  /** Reject every Nth new order (0: none). */
  readonly rejectEvery: number;
  /** Split every fill into two trades (lot-rounded halves). */
  readonly partialFills: boolean;
  /** Every fill this many basis points worse for the account than the rule's price, on the tick grid (0: none). */
  readonly slippageBps: number;
}

/** Binance writes commissions with 8 decimals. */
const COMMISSION_PLACES = 1e8;

/**
 * Matches the accounts' orders against the replayed data by the classic fill
 * rules (docs/bar-execution.md, docs/live.md): each market matches against one
 * kind of its data, the finest it has: the book (market orders and marketable
 * limits walk it on arrival; resting limits fill when the touch crosses them),
 * else best bid/ask quotes, else trade prints (an order meets the first print
 * after it arrives as its open; later a limit fills at its price when a print
 * goes through it), else bars (market at the next bar's open; limits at their
 * price or a better open). The replayed data is not changed by the fills.
 */
export class OrderMatcher {
  readonly orders: ExchangeOrder[] = [];
  readonly trades: ExchangeTrade[] = [];
  /** Open orders per market id; an empty list costs the replay nothing. */
  private readonly open = new Map<string, ExchangeOrder[]>();
  private openCount = 0;
  private newOrders = 0;

  constructor(
    private readonly replay: MarketReplay,
    private readonly options: MatcherOptions,
    private readonly listener: MatcherListener,
  ) {}

  /** The data time in ms. */
  private nowMs(): number {
    return Math.floor(this.replay.now / 1000);
  }

  /** Accepts or rejects a new order; a rejection is an error answer with Binance's code and reason. */
  place(account: Account, o: NewOrder): ExchangeOrder | ApiError {
    const m = o.state.market;
    this.newOrders++;
    if (this.options.rejectEvery > 0 && this.newOrders % this.options.rejectEvery === 0) {
      return { status: 400, code: -2010, msg: `Order rejected by the local exchange (--reject-every ${this.options.rejectEvery}).` };
    }
    const limited = hasLimitPrice(o.type);
    const stop = o.type !== 'MARKET' && o.type !== 'LIMIT';
    if (((limited && !onGrid(o.price, m.tickSize)) || (stop && !onGrid(o.stopPrice, m.tickSize)))) return { status: 400, code: -1013, msg: 'Filter failure: PRICE_FILTER' };
    if (!onGrid(o.qty, m.lotSize)) return { status: 400, code: -1013, msg: 'Filter failure: LOT_SIZE' };
    if (o.clientId !== undefined && account.clientIds.has(o.clientId)) return { status: 400, code: -2010, msg: 'Duplicate order sent.' };
    // What the order needs: a sell its base; a limit buy its cost at the limit (with the fee when paid in the quote); a market buy the cost at the last price seen.
    let need: number;
    let asset: string;
    if (o.side === 'SELL') {
      need = o.qty;
      asset = m.base;
    } else {
      asset = m.quote;
      const ref = limited ? o.price : stop ? o.stopPrice : this.referencePrice(o.state);
      need = Number.isFinite(ref) ? this.buyCost(mulExact(o.qty, ref)) : 0;
    }
    if (account.freeOf(asset) < need) return { status: 400, code: -2010, msg: 'Account has insufficient balance for requested action.' };
    const id = this.orders.length + 1;
    const clientId = o.clientId ?? `local-${id}`;
    account.clientIds.add(clientId);
    const now = this.nowMs();
    const order: ExchangeOrder = {
      id,
      account,
      clientId,
      state: o.state,
      side: o.side,
      type: o.type,
      timeInForce: o.timeInForce,
      price: limited ? o.price : NaN,
      stopPrice: stop ? o.stopPrice : NaN,
      triggered: !stop,
      qty: o.qty,
      filled: 0,
      quoteFilled: 0,
      status: 'NEW',
      time: now,
      updateTime: now,
      locked: 0,
      fresh: true,
    };
    this.orders.push(order);
    // A market buy locks nothing: it is checked again when it fills.
    if (o.side === 'SELL' || limited) {
      order.locked = need;
      account.lock(asset, need);
    }
    this.listener.orderUpdate(order, 'NEW', undefined);
    this.listener.balanceUpdate(account, [asset]);
    let list = this.open.get(m.id);
    if (list === undefined) this.open.set(m.id, (list = []));
    list.push(order);
    this.openCount++;
    // Book and quote data are known at arrival: the order meets them at once.
    const kind = matchingKind(o.state);
    // (A stop waits for the next event: a trigger is a move of the market, not its state on arrival.)
    if (!stop && ((kind === KIND_BOOK && o.state.book.bids.count + o.state.book.asks.count > 0) || (kind === KIND_QUOTE && Number.isFinite(o.state.ask)))) this.matchOrder(order, kind, -1);
    return order;
  }

  /** Cancels an open order; false when it is not open. */
  cancel(order: ExchangeOrder): boolean {
    if (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED') return false;
    this.close(order, 'CANCELED');
    return true;
  }

  /** Called after every replayed event: the open orders of its market meet it. */
  onEvent(): void {
    if (this.openCount === 0) return;
    const s = this.replay.lastState;
    if (s === undefined) return;
    const kind = this.replay.lastKind;
    if (kind !== matchingKind(s)) return;
    const list = this.open.get(s.market.id);
    if (list === undefined || list.length === 0) return;
    // Oldest first; an order that closes leaves the list, so the next one moves into its place.
    for (let i = 0; i < list.length; ) {
      const order = list[i] as ExchangeOrder;
      this.matchOrder(order, kind, this.replay.lastRow);
      if (list[i] === order) i++;
    }
  }

  private matchOrder(order: ExchangeOrder, kind: number, row: number): void {
    const s = order.state;
    const buy = order.side === 'BUY';
    if (!order.triggered) {
      const at = this.triggerPrice(order, kind, row);
      order.fresh = false;
      if (Number.isNaN(at)) return;
      order.triggered = true;
      order.updateTime = this.nowMs();
      if (Number.isFinite(order.price)) {
        // A stop-limit becomes a limit order: on book or quote data it meets them now, else the next event.
        order.fresh = true;
        if (kind === KIND_TRADE || kind === KIND_BAR) return;
      } else if (kind === KIND_TRADE || kind === KIND_BAR) {
        // A stop market order fills at its trigger: the gapped price, or the stop itself (docs/bar-execution.md).
        this.fill(order, at, this.remaining(order));
        if (this.isOpen(order)) this.close(order, 'EXPIRED');
        return;
      }
    }
    const fresh = order.fresh;
    order.fresh = false;
    const limit = order.price;
    const isLimit = Number.isFinite(limit);
    // Fill or kill: the whole remainder at this meeting, or nothing (it expires below).
    if (order.timeInForce === 'FOK' && this.available(order, kind) < this.remaining(order)) {
      this.close(order, 'EXPIRED');
      return;
    }
    if (kind === KIND_BOOK) {
      // Walk the opposite side, level by level, up to the limit.
      const levels = buy ? s.book.asks : s.book.bids;
      for (let i = 0; i < levels.count && this.remaining(order) > 0; i++) {
        const p = levels.price(i);
        if (isLimit && (buy ? p > limit : p < limit)) break;
        this.fill(order, p, Math.min(this.remaining(order), levels.size(i)));
        if (!this.isOpen(order)) return;
      }
    } else if (kind === KIND_QUOTE) {
      const p = buy ? s.ask : s.bid;
      const size = buy ? s.askSize : s.bidSize;
      if (Number.isFinite(p) && (!isLimit || (buy ? p <= limit : p >= limit))) this.fill(order, p, Math.min(this.remaining(order), Number.isFinite(size) ? size : Infinity));
    } else if (kind === KIND_TRADE) {
      const rows = s.market.trades?.rows;
      if (rows === undefined) throw new InvariantError('a trade event of a market without trades');
      const p = rows.price[row] as number;
      if (!isLimit) this.fill(order, p, this.remaining(order));
      else if (fresh ? (buy ? p <= limit : p >= limit) : buy ? p < limit : p > limit) this.fill(order, fresh ? p : limit, this.remaining(order));
    } else if (kind === KIND_BAR) {
      const bars = this.replay.lastBars?.bars;
      if (bars === undefined) throw new InvariantError('a bar event without bars');
      const open = bars.open[row] as number;
      if (!isLimit) this.fill(order, open, this.remaining(order));
      else if (buy ? open <= limit : open >= limit) this.fill(order, open, this.remaining(order));
      else if (buy ? (bars.low[row] as number) <= limit : (bars.high[row] as number) >= limit) this.fill(order, limit, this.remaining(order));
    }
    if (!this.isOpen(order)) return;
    // What the first meeting did not fill: a market order or IOC expires (FOK fills whole or not at all: see fill()).
    if (!isLimit || order.timeInForce !== 'GTC') this.close(order, 'EXPIRED');
  }

  /**
   * Where the event triggers a stop, or NaN. A stop loss sells when the price
   * falls to its stop and buys when it rises to it; a take profit the other
   * way round. Bars: the open when it is already through the stop, else the
   * stop when the bar's range reaches it; trades: the print at or through it;
   * quotes and books: the bid (a sell) or ask (a buy) at or through it.
   */
  private triggerPrice(order: ExchangeOrder, kind: number, row: number): number {
    const s = order.state;
    const buy = order.side === 'BUY';
    const stop = order.stopPrice;
    const loss = order.type === 'STOP_LOSS' || order.type === 'STOP_LOSS_LIMIT';
    const down = loss !== buy; // triggers on a fall: a stop-loss sell, a take-profit buy
    const through = (p: number): boolean => (down ? p <= stop : p >= stop);
    if (kind === KIND_BAR) {
      const bars = this.replay.lastBars?.bars;
      if (bars === undefined) throw new InvariantError('a bar event without bars');
      const open = bars.open[row] as number;
      if (through(open)) return open;
      return through(down ? (bars.low[row] as number) : (bars.high[row] as number)) ? stop : NaN;
    }
    if (kind === KIND_TRADE) {
      const p = s.market.trades?.rows.price[row] as number;
      return through(p) ? p : NaN;
    }
    const p = kind === KIND_BOOK ? (buy ? s.book.bestAsk : s.book.bestBid) : buy ? s.ask : s.bid;
    return Number.isFinite(p) && through(p) ? p : NaN;
  }

  /** What the book or quote offers the order within its limit (trades and bars: unlimited). */
  private available(order: ExchangeOrder, kind: number): number {
    const s = order.state;
    const buy = order.side === 'BUY';
    if (kind === KIND_BOOK) {
      const levels = buy ? s.book.asks : s.book.bids;
      let sum = 0;
      for (let i = 0; i < levels.count; i++) {
        const p = levels.price(i);
        if (buy ? p > order.price : p < order.price) break;
        sum = addExact(sum, levels.size(i));
      }
      return sum;
    }
    if (kind === KIND_QUOTE) {
      const size = buy ? s.askSize : s.bidSize;
      return Number.isFinite(size) ? size : Infinity;
    }
    return Infinity;
  }

  private isOpen(order: ExchangeOrder): boolean {
    return order.status === 'NEW' || order.status === 'PARTIALLY_FILLED';
  }

  private remaining(order: ExchangeOrder): number {
    return subExact(order.qty, order.filled);
  }

  /** Fills `qty` of the order at `price` (two trades with --partial-fills), moving the balances exactly. */
  private fill(order: ExchangeOrder, rulePrice: number, qty: number): void {
    if (qty <= 0) return;
    const price = this.options.slippageBps > 0 ? slipped(rulePrice, order, this.options.slippageBps) : rulePrice;
    if (this.options.partialFills) {
      const first = floorToGrid(qty / 2, order.state.market.lotSize);
      if (first > 0 && first < qty) {
        this.fillOnce(order, price, first);
        if (!this.isOpen(order)) return;
        this.fillOnce(order, price, subExact(qty, first));
        return;
      }
    }
    this.fillOnce(order, price, qty);
  }

  private fillOnce(order: ExchangeOrder, price: number, qty: number): void {
    const a = order.account;
    const m = order.state.market;
    const quoteQty = mulExact(price, qty);
    // A buy's commission in the base asset is a share of the quantity received; else of the quote amount.
    const inBase = order.side === 'BUY' && this.options.feeAsset === 'base';
    const commission = this.fee(inBase ? qty : quoteQty);
    if (order.side === 'BUY') {
      const cost = inBase ? quoteQty : addExact(quoteQty, commission);
      if (Number.isFinite(order.price)) {
        order.locked = subExact(order.locked, cost);
        a.addLocked(m.quote, -cost);
      } else if (a.freeOf(m.quote) < cost) {
        this.close(order, 'EXPIRED'); // a market buy the free quote no longer pays for
        return;
      } else a.addFree(m.quote, -cost);
      a.addFree(m.base, inBase ? subExact(qty, commission) : qty);
    } else {
      order.locked = subExact(order.locked, qty);
      a.addLocked(m.base, -qty);
      a.addFree(m.quote, subExact(quoteQty, commission));
    }
    order.filled = addExact(order.filled, qty);
    order.quoteFilled = addExact(order.quoteFilled, quoteQty);
    const now = this.nowMs();
    order.updateTime = now;
    a.updateTime = now;
    order.status = order.filled >= order.qty ? 'FILLED' : 'PARTIALLY_FILLED';
    const trade: ExchangeTrade = { id: this.trades.length + 1, order, price, qty, quoteQty, commission, commissionAsset: inBase ? m.base : m.quote, time: now };
    this.trades.push(trade);
    if (order.status === 'FILLED') this.release(order);
    this.listener.orderUpdate(order, 'TRADE', trade);
    this.listener.balanceUpdate(a, [m.base, m.quote]);
  }

  private close(order: ExchangeOrder, status: 'CANCELED' | 'EXPIRED'): void {
    order.status = status;
    order.updateTime = this.nowMs();
    this.release(order);
    this.listener.orderUpdate(order, status, undefined);
    const m = order.state.market;
    this.listener.balanceUpdate(order.account, [order.side === 'BUY' ? m.quote : m.base]);
  }

  /** Gives back what a closed order still holds, and forgets it as open. */
  private release(order: ExchangeOrder): void {
    const m = order.state.market;
    if (order.locked !== 0) order.account.unlock(order.side === 'BUY' ? m.quote : m.base, order.locked);
    order.locked = 0;
    const list = this.open.get(m.id);
    const at = list?.indexOf(order) ?? -1;
    if (list !== undefined && at >= 0) {
      list.splice(at, 1);
      this.openCount--;
    }
  }

  /** The commission on `amount` (a quote amount, or a buy's base quantity), rounded to 8 decimals. */
  private fee(amount: number): number {
    return Math.round(mulExact(amount, this.options.feeRate) * COMMISSION_PLACES) / COMMISSION_PLACES;
  }

  /** What a buy of this quote amount takes from the quote balance: the amount, plus the fee when the fee is paid in the quote. */
  private buyCost(quoteQty: number): number {
    return this.options.feeAsset === 'base' ? quoteQty : addExact(quoteQty, this.fee(quoteQty));
  }

  /** The last price the market showed: its ask, last trade, or last bar's close (NaN before any). */
  private referencePrice(s: MarketState): number {
    if (Number.isFinite(s.book.bestAsk)) return s.book.bestAsk;
    if (Number.isFinite(s.ask)) return s.ask;
    const rows = s.market.trades?.rows;
    if (rows !== undefined && s.tradesSent > 0) return rows.price[s.tradesSent - 1] as number;
    for (let i = 0; i < s.market.bars.length; i++) {
      const sent = s.barsSent[i] as number;
      const bars = s.market.bars[i];
      if (bars !== undefined && sent > 0) return bars.bars.close[sent - 1] as number;
    }
    return NaN;
  }
}

/**
 * The injected slippage: `bps` basis points worse for the account than
 * `price` (a buy pays more, a sell gets less), rounded to the market's tick
 * away from the account (a buy up, a sell down), and never past a limit
 * order's own limit. Integer arithmetic on tick units, so the price is exact.
 */
export function slipped(price: number, order: ExchangeOrder, bps: number): number {
  const tick = order.state.market.tickSize;
  const ds = tick.includes('.') ? tick.length - tick.indexOf('.') - 1 : 0;
  const scale = 10 ** ds;
  const tickUnits = BigInt(Math.round(Number(tick) * scale));
  const buy = order.side === 'BUY';
  const units = BigInt(Math.round(price * scale)) * BigInt(buy ? 10_000 + bps : 10_000 - bps);
  const step = tickUnits * 10_000n;
  // Whole ticks: a buy rounds up, a sell down (units are positive).
  const ticks = buy ? (units + step - 1n) / step : units / step;
  let out = Number(ticks * tickUnits) / scale;
  if (Number.isFinite(order.price)) out = buy ? Math.min(out, order.price) : Math.max(out, order.price);
  return out;
}

/** The kind of data a market's orders match against: its book, else quotes, else trades, else bars. */
export function matchingKind(s: MarketState): number {
  const m = s.market;
  if (m.book !== null) return KIND_BOOK;
  if (m.quotes !== null) return KIND_QUOTE;
  if (m.trades !== null) return KIND_TRADE;
  return KIND_BAR;
}

/** x is a positive whole multiple of the increment `step` (a decimal text). */
export function onGrid(x: number, step: string): boolean {
  const d = decimalPlaces(x);
  const ds = step.includes('.') ? step.length - step.indexOf('.') - 1 : 0;
  if (!(x > 0) || d < 0 || d > ds) return false;
  const units = Math.round(x * 10 ** ds);
  const stepUnits = Math.round(Number(step) * 10 ** ds);
  return units % stepUnits === 0;
}

function floorToGrid(x: number, step: string): number {
  const ds = step.includes('.') ? step.length - step.indexOf('.') - 1 : 0;
  const stepUnits = Math.round(Number(step) * 10 ** ds);
  const units = Math.floor(Math.round(x * 10 ** ds * 1e6) / 1e6);
  return ((units - (units % stepUnits)) / 10 ** ds);
}
