import { InvariantError } from '../../core/errors.js';
import type { Micros } from '../../core/time.js';
import { F_LAST, F_SNAPSHOT, SIDE_BUY, SIDE_SELL } from '../../model/market.js';
import { BOOK_BID, OrderBook } from '../../model/order-book.js';
import type { ExchangeDataset, ExchangeMarket, ServedBars } from './dataset.js';

/** Where the replay's messages go: the stream (its name in lower case, as subscriptions are kept) and the JSON text. */
export type Publish = (stream: string, payload: string) => void;

/** The exchange's state of one market at the replay's current time. */
export class MarketState {
  /** The book as replayed so far. */
  readonly book: OrderBook;
  /**
   * The last depth update id sent (REST depth's lastUpdateId). 0 before any
   * book event; every depth message covers ids lastUpdateId+1..u, so the
   * stream is continuous by construction (see docs/live.md).
   */
  lastUpdateId = 0;
  /** Trades replayed so far: rows 0..tradesSent-1 of the trade file (trade id = row + 1). */
  tradesSent = 0;
  /** Bars replayed so far, per entry of market.bars. */
  readonly barsSent: number[];
  /** The last best bid and ask sent on bookTicker (NaN before any). */
  bid = NaN;
  ask = NaN;
  bidSize = NaN;
  askSize = NaN;
  tickerId = 0;
  tickerTime = 0;
  readonly streamId: string;

  constructor(readonly market: ExchangeMarket) {
    this.book = new OrderBook(market.id);
    this.barsSent = market.bars.map(() => 0);
    this.streamId = market.id.toLowerCase();
  }

  /** A price as Binance writes it (fixed decimals); '0' for none (an empty side of the book). */
  price(x: number): string {
    return Number.isFinite(x) ? x.toFixed(this.market.priceDecimals) : '0';
  }

  size(x: number): string {
    return Number.isFinite(x) ? x.toFixed(this.market.sizeDecimals) : '0';
  }
}

export const KIND_TRADE = 0;
export const KIND_QUOTE = 1;
export const KIND_BOOK = 2;
export const KIND_BAR = 3;

/** One time-ordered stream of events of the dataset (a file's rows, or a book's events). */
interface Cursor {
  readonly kind: number;
  readonly state: MarketState;
  readonly fileIndex: number;
  /** Row where each event starts; an event ends where the next starts (book events span rows). */
  readonly starts: Float64Array;
  readonly times: Float64Array;
  readonly bars: ServedBars | null;
  readonly barsIndex: number;
  pos: number;
}

/**
 * The merged replay of a dataset: its files' events in time order (ties to
 * the file given first), applied to the markets' states and published as
 * Binance stream messages. Times in messages are the data's, in ms.
 */
export class MarketReplay {
  readonly states: readonly MarketState[];
  private readonly cursors: Cursor[] = [];
  /** Events replayed and in all. */
  position = 0;
  readonly total: number;
  /** The data time of the last event replayed (before any: the first event's time). */
  now: Micros;
  /** The last event replayed, for the order matcher: its kind (KIND_*), market, row, and bars when a bar. */
  lastKind = -1;
  lastState: MarketState | undefined;
  lastRow = -1;
  lastBars: ServedBars | null = null;

  constructor(dataset: ExchangeDataset) {
    this.states = dataset.markets.map((m) => new MarketState(m));
    for (const state of this.states) this.addCursors(state);
    this.cursors.sort((a, b) => a.fileIndex - b.fileIndex);
    this.total = this.cursors.reduce((n, c) => n + c.starts.length, 0);
    const first = this.nextCursor();
    this.now = first === undefined ? 0 : (first.times[first.pos] as number);
  }

  get done(): boolean {
    return this.position >= this.total;
  }

  /** Time of the next event, or NaN at the end. */
  nextTime(): Micros {
    const c = this.nextCursor();
    return c === undefined ? NaN : (c.times[c.pos] as number);
  }

  /** Replays the next event: updates the state and publishes its messages. False at the end. */
  step(publish: Publish): boolean {
    const c = this.nextCursor();
    if (c === undefined) return false;
    const t = c.times[c.pos] as number;
    this.now = t;
    switch (c.kind) {
      case KIND_TRADE:
        this.trade(c.state, c.pos, publish);
        break;
      case KIND_QUOTE:
        this.quote(c.state, c.pos, publish);
        break;
      case KIND_BOOK:
        this.bookEvent(c.state, c.starts[c.pos] as number, c.pos + 1 < c.starts.length ? (c.starts[c.pos + 1] as number) : (c.state.market.book?.rows.length ?? 0), publish);
        break;
      case KIND_BAR:
        this.bar(c.state, c.bars as ServedBars, c.barsIndex, c.pos, publish);
        break;
      default:
        throw new InvariantError(`unknown replay kind ${c.kind}`);
    }
    this.lastKind = c.kind;
    this.lastState = c.state;
    this.lastRow = c.pos;
    this.lastBars = c.bars;
    c.pos++;
    this.position++;
    return true;
  }

  private nextCursor(): Cursor | undefined {
    let best: Cursor | undefined;
    let bestTime = Infinity;
    for (const c of this.cursors) {
      if (c.pos >= c.starts.length) continue;
      const t = c.times[c.pos] as number;
      if (t < bestTime) {
        best = c;
        bestTime = t;
      }
    }
    return best;
  }

  private addCursors(state: MarketState): void {
    const m = state.market;
    const rowsCursor = (kind: number, time: Float64Array, length: number, fileIndex: number, bars: ServedBars | null, barsIndex: number): Cursor => {
      const starts = new Float64Array(length);
      for (let i = 0; i < length; i++) starts[i] = i;
      return { kind, state, fileIndex, starts, times: time.subarray(0, length), bars, barsIndex, pos: 0 };
    };
    if (m.trades !== null) this.cursors.push(rowsCursor(KIND_TRADE, m.trades.rows.time, m.trades.rows.length, m.trades.fileIndex, null, -1));
    if (m.quotes !== null) this.cursors.push(rowsCursor(KIND_QUOTE, m.quotes.rows.time, m.quotes.rows.length, m.quotes.fileIndex, null, -1));
    m.bars.forEach((b, i) => this.cursors.push(rowsCursor(KIND_BAR, b.bars.time, b.bars.length, b.fileIndex, b, i)));
    if (m.book !== null) {
      const rows = m.book.rows;
      const starts: number[] = [];
      for (let i = 0; i < rows.length; i++) {
        if (i === 0 || ((rows.flags[i - 1] as number) & F_LAST) !== 0) starts.push(i);
      }
      const times = new Float64Array(starts.length);
      starts.forEach((s, i) => (times[i] = rows.time[s] as number));
      this.cursors.push({ kind: KIND_BOOK, state, fileIndex: m.book.fileIndex, starts: Float64Array.from(starts), times, bars: null, barsIndex: -1, pos: 0 });
    }
  }

  private trade(s: MarketState, i: number, publish: Publish): void {
    const rows = (s.market.trades as NonNullable<ExchangeMarket['trades']>).rows;
    s.tradesSent = i + 1;
    const ms = Math.floor((rows.time[i] as number) / 1000);
    const side = rows.side[i] as number;
    // m: the buyer is the maker, so the aggressor sold. An unknown aggressor is sent without m.
    const maker = side === SIDE_SELL ? ',"m":true' : side === SIDE_BUY ? ',"m":false' : '';
    const p = s.price(rows.price[i] as number);
    const q = s.size(rows.size[i] as number);
    const id = i + 1;
    publish(`${s.streamId}@trade`, `{"e":"trade","E":${ms},"s":"${s.market.id}","t":${id},"p":"${p}","q":"${q}","T":${ms}${maker},"M":true}`);
    publish(`${s.streamId}@aggtrade`, `{"e":"aggTrade","E":${ms},"s":"${s.market.id}","a":${id},"p":"${p}","q":"${q}","f":${id},"l":${id},"T":${ms}${maker},"M":true}`);
  }

  private quote(s: MarketState, i: number, publish: Publish): void {
    const rows = (s.market.quotes as NonNullable<ExchangeMarket['quotes']>).rows;
    this.ticker(s, rows.time[i] as number, rows.bid[i] as number, rows.ask[i] as number, rows.bidSize[i] as number, rows.askSize[i] as number, publish);
  }

  private ticker(s: MarketState, t: Micros, bid: number, ask: number, bidSize: number, askSize: number, publish: Publish): void {
    s.bid = bid;
    s.ask = ask;
    s.bidSize = bidSize;
    s.askSize = askSize;
    s.tickerTime = t;
    s.tickerId = s.market.quotes === null ? s.lastUpdateId : s.tickerId + 1;
    const ms = Math.floor(t / 1000);
    publish(
      `${s.streamId}@bookticker`,
      `{"u":${s.tickerId},"s":"${s.market.id}","b":"${s.price(bid)}","B":"${s.size(bidSize)}","a":"${s.price(ask)}","A":"${s.size(askSize)}","E":${ms},"T":${ms}}`,
    );
  }

  private bar(s: MarketState, served: ServedBars, index: number, i: number, publish: Publish): void {
    s.barsSent[index] = i + 1;
    const ms = Math.floor((served.bars.time[i] as number) / 1000);
    publish(`${s.streamId}@kline_${served.interval}`, `{"e":"kline","E":${ms},"s":"${s.market.id}","k":${klineObject(s, served, i)}}`);
  }

  /**
   * Applies one book event and publishes it as a depthUpdate. A snapshot in
   * the data becomes the update that turns the current book into it (its
   * levels, and size 0 for every level it no longer has).
   */
  private bookEvent(s: MarketState, start: number, end: number, publish: Publish): void {
    const rows = (s.market.book as NonNullable<ExchangeMarket['book']>).rows;
    const bids: string[] = [];
    const asks: string[] = [];
    if (((rows.flags[start] as number) & F_SNAPSHOT) !== 0) {
      const kept = new Set<string>();
      for (let i = start; i < end; i++) kept.add(`${rows.side[i]}:${rows.price[i]}`);
      for (const side of [s.book.bids, s.book.asks]) {
        for (let k = 0; k < side.count; k++) {
          const price = side.price(k);
          if (!kept.has(`${side.side}:${price}`)) (side.side === BOOK_BID ? bids : asks).push(`["${s.price(price)}","${s.size(0)}"]`);
        }
      }
    }
    for (let i = start; i < end; i++) {
      const level = `["${s.price(rows.price[i] as number)}","${s.size(rows.size[i] as number)}"]`;
      if ((rows.side[i] as number) === BOOK_BID) bids.push(level);
      else asks.push(level);
    }
    s.book.applyRows(rows, start, end);
    const first = s.lastUpdateId + 1;
    const fileId = rows.sequence[end - 1] as number;
    s.lastUpdateId = fileId >= first ? fileId : first;
    const ms = Math.floor((rows.time[start] as number) / 1000);
    const msg = `{"e":"depthUpdate","E":${ms},"s":"${s.market.id}","U":${first},"u":${s.lastUpdateId},"b":[${bids.join(',')}],"a":[${asks.join(',')}]}`;
    publish(`${s.streamId}@depth`, msg);
    publish(`${s.streamId}@depth@100ms`, msg);
    if (s.market.quotes === null) {
      const b = s.book;
      if (!Object.is(b.bestBid, s.bid) || !Object.is(b.bestAsk, s.ask) || !Object.is(b.bestBidSize, s.bidSize) || !Object.is(b.bestAskSize, s.askSize)) {
        this.ticker(s, rows.time[start] as number, b.bestBid, b.bestAsk, b.bestBidSize, b.bestAskSize, publish);
      }
    }
  }
}

/** A closed kline as Binance's stream object `k` (t is the bar file's own time). */
export function klineObject(s: MarketState, served: ServedBars, i: number): string {
  const c = served.bars;
  const t = Math.floor((c.time[i] as number) / 1000);
  return (
    `{"t":${t},"T":${t + served.intervalMs - 1},"s":"${s.market.id}","i":"${served.interval}","f":-1,"L":-1,` +
    `"o":"${s.price(c.open[i] as number)}","c":"${s.price(c.close[i] as number)}","h":"${s.price(c.high[i] as number)}","l":"${s.price(c.low[i] as number)}",` +
    `"v":"${volumeText(c.volume[i] as number)}","n":0,"x":true,"q":"0","V":"0","Q":"0","B":"0"}`
  );
}

/** Bar volumes as written (they are sums, not on the lot grid). */
export function volumeText(v: number): string {
  return Number.isFinite(v) ? String(v) : '0';
}
