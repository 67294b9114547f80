import { BookColumns } from '../../src/model/market.js';
import { OrderBook } from '../../src/model/order-book.js';
import type { Incident, MarketEventSink } from '../../src/live/source.js';

export interface TradeEvent { symbol: number; exchangeTime: number; receiveTime: number; price: number; size: number; aggressor: number }
export interface QuoteEvent { symbol: number; exchangeTime: number; receiveTime: number; bid: number; ask: number; bidSize: number; askSize: number }
export interface BarEvent { symbol: number; exchangeTime: number; receiveTime: number; open: number; high: number; low: number; close: number; volume: number }
export interface BookRow { symbol: number; exchangeTime: number; receiveTime: number; side: number; price: number; size: number; flags: number; sequence: number }

/** A MarketEventSink that keeps everything, and a consumer's book per symbol built from the rows as a consumer would. */
export class RecordingSink implements MarketEventSink {
  readonly trades: TradeEvent[] = [];
  readonly quotes: QuoteEvent[] = [];
  readonly bars: BarEvent[] = [];
  readonly rows: BookRow[] = [];
  readonly incidents: Incident[] = [];
  readonly books = new Map<number, OrderBook>();

  trade(symbol: number, exchangeTime: number, receiveTime: number, price: number, size: number, aggressor: number): void {
    this.trades.push({ symbol, exchangeTime, receiveTime, price, size, aggressor });
  }
  quote(symbol: number, exchangeTime: number, receiveTime: number, bid: number, ask: number, bidSize: number, askSize: number): void {
    this.quotes.push({ symbol, exchangeTime, receiveTime, bid, ask, bidSize, askSize });
  }
  bar(symbol: number, exchangeTime: number, receiveTime: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.bars.push({ symbol, exchangeTime, receiveTime, open, high, low, close, volume });
  }
  bookLevel(symbol: number, exchangeTime: number, receiveTime: number, side: number, price: number, size: number, flags: number, sequence: number): void {
    this.rows.push({ symbol, exchangeTime, receiveTime, side, price, size, flags, sequence });
    let book = this.books.get(symbol);
    if (book === undefined) this.books.set(symbol, (book = new OrderBook()));
    const cols = new BookColumns(1);
    cols.time[0] = exchangeTime;
    cols.side[0] = side;
    cols.price[0] = price;
    cols.size[0] = size;
    cols.flags[0] = flags;
    cols.sequence[0] = sequence;
    cols.length = 1;
    book.applyRows(cols);
  }
  incident(incident: Incident): void {
    this.incidents.push(incident);
  }

  kinds(): string[] {
    return this.incidents.map((i) => i.kind);
  }
}

/** The book's levels, best first: [[price, size], ...] per side. */
export function levelsOf(book: OrderBook | undefined): { bids: number[][]; asks: number[][] } {
  if (book === undefined) return { bids: [], asks: [] };
  const d = book.depth(10_000);
  const side = (n: number, p: Float64Array, s: Float64Array): number[][] => Array.from({ length: n }, (_, i) => [p[i] as number, s[i] as number]);
  return { bids: side(d.bids, d.bidPrices, d.bidSizes), asks: side(d.asks, d.askPrices, d.askSizes) };
}

/** Resolves when `condition` holds (checked every few ms); the test's timeout bounds it. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
