import { F_CLEAR, F_LAST, F_SNAPSHOT } from '../../model/market.js';
import { BOOK_ASK, BOOK_BID } from '../../model/order-book.js';
import type { Micros } from '../../core/time.js';
import type { MarketEventSink } from '../source.js';
import { grownCopy } from '../../core/growable.js';

/** One side of a ccxt order book: [price, amount] pairs, best first (bids descending, asks ascending). */
export type CcxtBookSide = ArrayLike<ArrayLike<number>>;

/** A growable pair of price and size columns. */
class Levels {
  price = new Float64Array(64);
  size = new Float64Array(64);
  count = 0;

  reserve(n: number): void {
    if (n <= this.price.length) return;
    let cap = this.price.length;
    while (cap < n) cap *= 2;
    const price = new Float64Array(cap);
    const size = new Float64Array(cap);
    price.set(this.price.subarray(0, this.count));
    size.set(this.size.subarray(0, this.count));
    this.price = price;
    this.size = size;
  }

  copyFrom(side: CcxtBookSide): void {
    const n = side.length;
    this.reserve(n);
    for (let i = 0; i < n; i++) {
      const level = side[i] as ArrayLike<number>;
      this.price[i] = level[0] as number;
      this.size[i] = level[1] as number;
    }
    this.count = n;
  }
}

/**
 * Turns successive pictures of one symbol's ccxt order book into L2 rows:
 * the first picture (and the first after `restart()`) as a snapshot, every
 * later one as the levels that changed since the previous picture (a level
 * gone is sent with size 0), F_LAST on the last row of each update, nothing
 * when nothing changed. The previous picture is kept in typed arrays, so a
 * picture costs no allocation once the arrays have grown to the book's depth.
 */
export class BookDiffer {
  private readonly bids = new Levels();
  private readonly asks = new Levels();
  private fresh = true;
  // changed rows of the update being built: side, price, size
  private changedSide = new Int8Array(64);
  private changedPrice = new Float64Array(64);
  private changedSize = new Float64Array(64);
  private changed = 0;

  /** The next picture is sent whole, as a snapshot that clears the consumer's book. */
  restart(): void {
    this.fresh = true;
  }

  /** Sends the rows for this picture; returns how many were sent. */
  picture(
    sink: MarketEventSink,
    symbol: number,
    exchangeTime: Micros,
    receiveTime: Micros,
    bids: CcxtBookSide,
    asks: CcxtBookSide,
    sequence: number,
  ): number {
    if (this.fresh) {
      this.fresh = false;
      this.bids.copyFrom(bids);
      this.asks.copyFrom(asks);
      return this.sendSnapshot(sink, symbol, exchangeTime, receiveTime, sequence);
    }
    this.changed = 0;
    this.diffSide(this.bids, bids, BOOK_BID);
    this.diffSide(this.asks, asks, BOOK_ASK);
    const n = this.changed;
    for (let i = 0; i < n; i++) {
      const flags = i === n - 1 ? F_LAST : 0;
      sink.bookLevel(symbol, exchangeTime, receiveTime, this.changedSide[i] as number, this.changedPrice[i] as number, this.changedSize[i] as number, flags, sequence);
    }
    if (n > 0) {
      this.bids.copyFrom(bids);
      this.asks.copyFrom(asks);
    }
    return n;
  }

  private sendSnapshot(sink: MarketEventSink, symbol: number, exchangeTime: Micros, receiveTime: Micros, sequence: number): number {
    const nb = this.bids.count;
    const na = this.asks.count;
    const total = nb + na;
    if (total === 0) {
      // An empty book still clears the consumer's: one row that removes nothing.
      sink.bookLevel(symbol, exchangeTime, receiveTime, BOOK_BID, 0, 0, F_SNAPSHOT | F_CLEAR | F_LAST, sequence);
      return 1;
    }
    for (let i = 0; i < total; i++) {
      let flags = F_SNAPSHOT;
      if (i === 0) flags |= F_CLEAR;
      if (i === total - 1) flags |= F_LAST;
      if (i < nb) sink.bookLevel(symbol, exchangeTime, receiveTime, BOOK_BID, this.bids.price[i] as number, this.bids.size[i] as number, flags, sequence);
      else sink.bookLevel(symbol, exchangeTime, receiveTime, BOOK_ASK, this.asks.price[i - nb] as number, this.asks.size[i - nb] as number, flags, sequence);
    }
    return total;
  }

  /** Merge walk of two best-first sides: bids run downwards (dir -1), asks upwards (dir +1). */
  private diffSide(prev: Levels, cur: CcxtBookSide, side: number): void {
    const dir = side === BOOK_BID ? -1 : 1;
    const pp = prev.price;
    const ps = prev.size;
    const np = prev.count;
    const nc = cur.length;
    let i = 0;
    let j = 0;
    while (i < np || j < nc) {
      if (j >= nc) {
        this.add(side, pp[i] as number, 0);
        i++;
        continue;
      }
      const level = cur[j] as ArrayLike<number>;
      const price = level[0] as number;
      const size = level[1] as number;
      if (i >= np) {
        this.add(side, price, size);
        j++;
        continue;
      }
      const old = pp[i] as number;
      if (old === price) {
        if (ps[i] !== size) this.add(side, price, size);
        i++;
        j++;
      } else if ((price - old) * dir < 0) {
        this.add(side, price, size); // a new level ahead of the old one
        j++;
      } else {
        this.add(side, old, 0); // the old level is gone
        i++;
      }
    }
  }

  private add(side: number, price: number, size: number): void {
    const k = this.changed;
    if (k === this.changedPrice.length) {
      this.changedSide = grownCopy(this.changedSide, this.changedSide.length * 2);
      this.changedPrice = grownCopy(this.changedPrice, this.changedPrice.length * 2);
      this.changedSize = grownCopy(this.changedSize, this.changedSize.length * 2);
    }
    this.changedSide[k] = side;
    this.changedPrice[k] = price;
    this.changedSize[k] = size;
    this.changed = k + 1;
  }
}
