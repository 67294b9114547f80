import { addExact, mulExact, subExact } from '../core/decimal.js';
import { InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import { F_CLEAR, type BookColumns } from './market.js';
import type { OrderSide } from './order.js';

/** Side codes of book levels, as in BookColumns.side. */
export const BOOK_BID = 1;
export const BOOK_ASK = -1;
export type BookSideCode = 1 | -1;

const MIN_CAPACITY = 16;
/** Below this many levels to move, a plain loop beats copyWithin's call overhead. */
const SHORT_MOVE = 24;

/**
 * The price levels of one side of an L2 book, as a struct of arrays: no
 * object per level. Levels are kept sorted by `key` ascending with the best
 * level LAST (key = price for bids, -price for asks, so the best level has
 * the largest key on both sides). Most updates of a real book land near the
 * top, which is then the short end of every move, and the best level is
 * read in O(1). Lookups are binary searches.
 *
 * Indexes taken by `price(i)` and `size(i)` count from the best level
 * (0 = best). Sizes are always > 0: a size of 0 removes the level.
 */
export class BookLevels {
  /** Number of levels. */
  count = 0;
  private keys: Float64Array;
  private sizes: Float64Array;

  constructor(
    /** +1 for bids, -1 for asks. */
    readonly side: BookSideCode,
    capacity = 64,
  ) {
    const c = Math.max(MIN_CAPACITY, capacity | 0);
    this.keys = new Float64Array(c);
    this.sizes = new Float64Array(c);
  }

  /** Price of the i-th best level (0 = best); NaN when there is no such level. */
  price(i: number): number {
    const j = this.count - 1 - i;
    if (i < 0 || j < 0) return NaN;
    return this.side * (this.keys[j] as number);
  }

  /** Size of the i-th best level (0 = best); 0 when there is no such level. */
  size(i: number): number {
    const j = this.count - 1 - i;
    if (i < 0 || j < 0) return 0;
    return this.sizes[j] as number;
  }

  /** The best price, NaN when the side is empty. O(1). */
  get bestPrice(): number {
    const n = this.count;
    return n === 0 ? NaN : this.side * (this.keys[n - 1] as number);
  }

  /** The size at the best price, 0 when the side is empty. O(1). */
  get bestSize(): number {
    const n = this.count;
    return n === 0 ? 0 : (this.sizes[n - 1] as number);
  }

  /** The displayed size at `price`, 0 when there is no level there. */
  sizeAt(price: number): number {
    const key = this.side * price;
    const j = this.lowerBound(key);
    return j < this.count && this.keys[j] === key ? (this.sizes[j] as number) : 0;
  }

  /** How many levels have a price at or better than `limit` (bids: >= limit, asks: <= limit). */
  levelsAtOrBetter(limit: number): number {
    return this.count - this.lowerBound(this.side * limit);
  }

  /** Total size of all levels (plain float sum). */
  totalSize(): number {
    let s = 0;
    const sizes = this.sizes;
    for (let j = 0; j < this.count; j++) s += sizes[j] as number;
    return s;
  }

  /**
   * Sets the level at `price` to `size`: inserts it, changes it, or removes
   * it when size is 0 (removing a level that is not there does nothing).
   */
  set(price: number, size: number): void {
    const key = this.side * price;
    const keys = this.keys;
    const n = this.count;
    // Lower bound: the first j with keys[j] >= key. Most updates are at or
    // near the top (the end), so look there before the binary search.
    let j: number;
    if (n === 0 || key > (keys[n - 1] as number)) j = n;
    else {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((keys[mid] as number) < key) lo = mid + 1;
        else hi = mid;
      }
      j = lo;
      if (keys[j] === key) {
        if (size > 0) this.sizes[j] = size;
        else this.removeAt(j);
        return;
      }
    }
    if (size > 0) this.insertAt(j, key, size);
  }

  /** Removes every level. */
  clear(): void {
    this.count = 0;
  }

  /**
   * Replaces the side with the given levels (any order; zero sizes are left
   * out; for a repeated price the last size wins).
   */
  load(prices: ArrayLike<number>, sizes: ArrayLike<number>, length = prices.length): void {
    this.count = 0;
    if (length === 0) return;
    const order = Array.from({ length }, (_, i) => i);
    const s = this.side;
    // Sort by key, then by position so that the last of equal prices comes last.
    order.sort((a, b) => s * (prices[a] as number) - s * (prices[b] as number) || a - b);
    this.reserve(length);
    const keys = this.keys;
    const out = this.sizes;
    let n = 0;
    for (let k = 0; k < length; k++) {
      const i = order[k] as number;
      const key = s * (prices[i] as number);
      const size = sizes[i] as number;
      checkLevel(prices[i] as number, size);
      if (n > 0 && keys[n - 1] === key) {
        // A repeated price: the later one replaces the earlier.
        if (size > 0) out[n - 1] = size;
        else n--;
      } else if (size > 0) {
        keys[n] = key;
        out[n] = size;
        n++;
      }
    }
    this.count = n;
  }

  /** Copies the `n` best levels, best first, into `prices` and `sizes`; returns how many were copied. */
  copyBest(n: number, prices: Float64Array, sizes: Float64Array): number {
    const m = Math.min(n, this.count, prices.length, sizes.length);
    const top = this.count - 1;
    const s = this.side;
    for (let i = 0; i < m; i++) {
      prices[i] = s * (this.keys[top - i] as number);
      sizes[i] = this.sizes[top - i] as number;
    }
    return m;
  }

  /** Checks the storage invariants (sorted, unique, sizes > 0); throws InvariantError. For tests and debugging. */
  assertValid(): void {
    for (let j = 0; j < this.count; j++) {
      const size = this.sizes[j] as number;
      if (!(size > 0)) throw new InvariantError(`level ${j} has size ${size}`);
      if (j > 0 && !((this.keys[j - 1] as number) < (this.keys[j] as number))) {
        throw new InvariantError(`levels ${j - 1} and ${j} are out of order or repeated`);
      }
    }
  }

  private lowerBound(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertAt(j: number, key: number, size: number): void {
    const n = this.count;
    if (n === this.keys.length) this.reserve(n + 1);
    const keys = this.keys;
    const sizes = this.sizes;
    if (n - j <= SHORT_MOVE) {
      for (let k = n; k > j; k--) {
        keys[k] = keys[k - 1] as number;
        sizes[k] = sizes[k - 1] as number;
      }
    } else {
      keys.copyWithin(j + 1, j, n);
      sizes.copyWithin(j + 1, j, n);
    }
    keys[j] = key;
    sizes[j] = size;
    this.count = n + 1;
  }

  private removeAt(j: number): void {
    const n = this.count - 1;
    const keys = this.keys;
    const sizes = this.sizes;
    if (n - j <= SHORT_MOVE) {
      for (let k = j; k < n; k++) {
        keys[k] = keys[k + 1] as number;
        sizes[k] = sizes[k + 1] as number;
      }
    } else {
      keys.copyWithin(j, j + 1, n + 1);
      sizes.copyWithin(j, j + 1, n + 1);
    }
    this.count = n;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.keys.length) return;
    let c = this.keys.length * 2;
    while (c < capacity) c *= 2;
    const keys = new Float64Array(c);
    const sizes = new Float64Array(c);
    keys.set(this.keys.subarray(0, this.count));
    sizes.set(this.sizes.subarray(0, this.count));
    this.keys = keys;
    this.sizes = sizes;
  }
}

function checkLevel(price: number, size: number): void {
  // Finite price, size >= 0 (NaN fails both). Bad data is stopped by the
  // readers; reaching here with it is a bug.
  if (!(size >= 0 && size < Infinity) || !(price > -Infinity && price < Infinity)) {
    throw new InvariantError(`invalid book level: price ${price}, size ${size}`);
  }
}

/** The best levels of both sides, best first; reusable between calls of `OrderBook.depth`. */
export class BookDepth {
  bids = 0;
  asks = 0;
  readonly bidPrices: Float64Array;
  readonly bidSizes: Float64Array;
  readonly askPrices: Float64Array;
  readonly askSizes: Float64Array;
  constructor(readonly capacity: number) {
    this.bidPrices = new Float64Array(capacity);
    this.bidSizes = new Float64Array(capacity);
    this.askPrices = new Float64Array(capacity);
    this.askSizes = new Float64Array(capacity);
  }
}

/**
 * An L2 order book for one instrument: the total size at each price level of
 * bids and asks, kept up to date by deltas (side, price, new size; size 0
 * removes the level) and snapshots.
 *
 * Top of book is O(1); an update is a binary search plus a move of the
 * levels between it and the top. Nothing is allocated per update (the arrays
 * double when full).
 */
export class OrderBook {
  readonly bids: BookLevels;
  readonly asks: BookLevels;
  /** Exchange update id of the last applied update; -1 before any (or when the source has none). */
  sequence = -1;
  /** Time of the last applied update (µs UTC); NaN before any. */
  time: Micros = NaN;

  constructor(
    readonly symbol = '',
    capacity = 64,
  ) {
    this.bids = new BookLevels(BOOK_BID, capacity);
    this.asks = new BookLevels(BOOK_ASK, capacity);
  }

  /** The levels of one side. */
  levels(side: number): BookLevels {
    return side === BOOK_BID ? this.bids : this.asks;
  }

  /**
   * Applies one delta: the level at `price` on `side` (BOOK_BID = +1,
   * BOOK_ASK = -1) now holds `size`; size 0 deletes it. Throws InvariantError
   * for a NaN or negative size or a non-finite price.
   */
  update(side: number, price: number, size: number): void {
    if (!(size >= 0 && size < Infinity) || !(price > -Infinity && price < Infinity)) {
      throw new InvariantError(`invalid book update: price ${price}, size ${size}`);
    }
    if (side === BOOK_BID) this.bids.set(price, size);
    else if (side === BOOK_ASK) this.asks.set(price, size);
    else throw new InvariantError(`invalid book side ${side}`);
  }

  /** Empties one side (BOOK_BID or BOOK_ASK), or both when no side is given. */
  clear(side?: number): void {
    if (side === undefined || side === BOOK_BID) this.bids.clear();
    if (side === undefined || side === BOOK_ASK) this.asks.clear();
  }

  /**
   * Replaces the whole book with a snapshot. Levels may come in any order;
   * zero sizes are left out.
   */
  applySnapshot(
    bidPrices: ArrayLike<number>,
    bidSizes: ArrayLike<number>,
    askPrices: ArrayLike<number>,
    askSizes: ArrayLike<number>,
    sequence = -1,
    time: Micros = NaN,
  ): void {
    if (bidPrices.length !== bidSizes.length || askPrices.length !== askSizes.length) {
      throw new InvariantError('a snapshot needs one size per price');
    }
    this.bids.load(bidPrices, bidSizes);
    this.asks.load(askPrices, askSizes);
    this.sequence = sequence;
    this.time = time;
  }

  /**
   * Applies rows [start, end) of a BookColumns chunk in order: F_CLEAR
   * empties the book first, every row sets its level, and `sequence` and
   * `time` follow the rows. Applying a whole event (up to its F_LAST row)
   * gives the book after that event.
   */
  applyRows(cols: BookColumns, start = 0, end = cols.length): void {
    const side = cols.side;
    const price = cols.price;
    const size = cols.size;
    const flags = cols.flags;
    const bids = this.bids;
    const asks = this.asks;
    for (let i = start; i < end; i++) {
      if (((flags[i] as number) & F_CLEAR) !== 0) {
        bids.clear();
        asks.clear();
      }
      const p = price[i] as number;
      const q = size[i] as number;
      if (!(q >= 0 && q < Infinity) || !(p > -Infinity && p < Infinity)) {
        throw new InvariantError(`invalid book row ${i}: price ${p}, size ${q}`);
      }
      if ((side[i] as number) > 0) bids.set(p, q);
      else asks.set(p, q);
    }
    if (end > start) {
      this.sequence = cols.sequence[end - 1] as number;
      this.time = cols.time[end - 1] as number;
    }
  }

  /** Best bid price; NaN when there are no bids. */
  get bestBid(): number {
    return this.bids.bestPrice;
  }
  /** Best ask price; NaN when there are no asks. */
  get bestAsk(): number {
    return this.asks.bestPrice;
  }
  get bestBidSize(): number {
    return this.bids.bestSize;
  }
  get bestAskSize(): number {
    return this.asks.bestSize;
  }

  /** Best ask - best bid, decimal-exact (0.1, not 0.10000000000218279); NaN when a side is empty. */
  spread(): number {
    if (this.bids.count === 0 || this.asks.count === 0) return NaN;
    return subExact(this.asks.bestPrice, this.bids.bestPrice);
  }

  /** (best bid + best ask) / 2, decimal-exact; NaN when a side is empty. */
  mid(): number {
    if (this.bids.count === 0 || this.asks.count === 0) return NaN;
    return addExact(this.asks.bestPrice, this.bids.bestPrice) / 2;
  }

  /** Whether the best bid is at or above the best ask (crossed, or locked at equal prices). */
  isCrossed(): boolean {
    return this.bids.count > 0 && this.asks.count > 0 && this.bids.bestPrice >= this.asks.bestPrice;
  }

  /** The `n` best levels of each side, best first, into `out` (allocated when not given or too small). */
  depth(n: number, out?: BookDepth): BookDepth {
    const d = out !== undefined && out.capacity >= n ? out : new BookDepth(n);
    d.bids = this.bids.copyBest(n, d.bidPrices, d.bidSizes);
    d.asks = this.asks.copyBest(n, d.askPrices, d.askSizes);
    return d;
  }

  /**
   * How many levels of `side` have a price at or better than `limit` (bids:
   * price >= limit, asks: price <= limit): walk them with
   * `levels(side).price(i)` / `.size(i)` for i from 0 (the best).
   */
  levelsAtOrBetter(side: number, limit: number): number {
    return this.levels(side).levelsAtOrBetter(limit);
  }

  /** The displayed size at `price` on `side`, 0 when there is no level there. */
  sizeAt(side: number, price: number): number {
    return this.levels(side).sizeAt(price);
  }
}

/** What walking the book for an order would fill, level by level; reusable between calls of `walkBook`. */
export class BookWalk {
  /** Levels touched; the fills are prices[0..levels) x sizes[0..levels), best first. */
  levels = 0;
  prices: Float64Array;
  sizes: Float64Array;
  /** Total quantity filled (decimal-exact sum), <= the quantity asked and <= the size displayed. */
  filled = 0;
  /** Sum of price x size over the fills (decimal-exact products and sums). */
  notional = 0;
  /** notional / filled, kept within the prices touched; NaN when nothing fills. */
  averagePrice = NaN;
  /** The first and last price touched (NaN when nothing fills). */
  bestPrice = NaN;
  worstPrice = NaN;
  /** Quantity asked for and not filled (book too thin, or the limit reached). */
  unfilled = 0;
  constructor(capacity = 16) {
    this.prices = new Float64Array(Math.max(1, capacity));
    this.sizes = new Float64Array(Math.max(1, capacity));
  }
}

/**
 * Walks the book for a market order (or a marketable limit order with
 * `limit`) of `quantity` on `side`: a buy takes the asks from the best
 * upward, a sell the bids from the best downward, each level up to its
 * displayed size. Returns the fills per level, the total filled and the
 * average price. Does not change the book. Pass `out` to reuse its arrays.
 */
export function walkBook(book: OrderBook, side: OrderSide, quantity: number, limit = NaN, out: BookWalk = new BookWalk()): BookWalk {
  if (!(quantity >= 0 && quantity < Infinity)) throw new InvariantError(`invalid quantity ${quantity} to walk the book`);
  const levels = side === 'buy' ? book.asks : book.bids;
  const hasLimit = limit === limit;
  // Levels at or better than the limit, on the side the order takes from.
  const available = hasLimit ? levels.levelsAtOrBetter(limit) : levels.count;
  let remaining = quantity;
  let filled = 0;
  let notional = 0;
  let k = 0;
  for (let i = 0; i < available && remaining > 0; i++) {
    const price = levels.price(i);
    const size = levels.size(i);
    const take = size < remaining ? size : remaining;
    if (k === out.prices.length) growWalk(out);
    out.prices[k] = price;
    out.sizes[k] = take;
    k++;
    filled = addExact(filled, take);
    notional = addExact(notional, mulExact(price, take));
    remaining = take === remaining ? 0 : subExact(remaining, take);
  }
  out.levels = k;
  out.filled = filled;
  out.notional = notional;
  out.unfilled = remaining;
  if (k === 0) {
    out.averagePrice = NaN;
    out.bestPrice = NaN;
    out.worstPrice = NaN;
  } else {
    const first = out.prices[0] as number;
    const last = out.prices[k - 1] as number;
    out.bestPrice = first;
    out.worstPrice = last;
    // The exact average lies between the first and last price; the rounded
    // quotient can land an ulp outside, so keep it inside.
    const lo = first < last ? first : last;
    const hi = first < last ? last : first;
    const avg = k === 1 ? first : notional / filled;
    out.averagePrice = avg < lo ? lo : avg > hi ? hi : avg;
  }
  return out;
}

function growWalk(w: BookWalk): void {
  const prices = new Float64Array(w.prices.length * 2);
  const sizes = new Float64Array(w.sizes.length * 2);
  prices.set(w.prices);
  sizes.set(w.sizes);
  w.prices = prices;
  w.sizes = sizes;
}

/**
 * How displayed size at a price level is read when it falls without a trade
 * print explaining it: 'ahead' (the default) takes it from the queue ahead
 * of the order first, 'behind' from the queue behind the order first (the
 * queue ahead then shrinks only when the whole level becomes smaller than it).
 */
export type QueueDecreaseRule = 'ahead' | 'behind';

/**
 * Where a resting limit order stands in the FIFO queue of its price level,
 * tracked from L2 data (which shows each level's total size, not the orders
 * in it). The order joins behind everything displayed when it arrives; then:
 *
 * - a trade at the level consumes the queue from the front: first the volume
 *   ahead, then the order itself (`onTrade` returns how much reached it);
 * - a size decrease at the level (cancellations, or trades when there is no
 *   trade feed) consumes the queue ahead first under the default rule
 *   'ahead'; under 'behind' cancellations are assumed to come from behind
 *   the order and the volume ahead only shrinks to the level's new size;
 * - a size increase joins behind the order and never changes the volume ahead;
 * - the level disappearing (size 0) leaves nothing ahead.
 *
 * The order's own quantity is not part of the displayed sizes given here
 * (in a backtest the data never contains the simulated order).
 */
export class QueuePosition {
  /** Displayed volume ahead of the order at its price. */
  ahead: number;
  /** The level's displayed size as last seen (after trades reported through onTrade). */
  levelSize: number;

  constructor(
    readonly side: BookSideCode,
    readonly price: number,
    /** The displayed size at `price` when the order joined (0 when the level was empty). */
    displayedAtJoin: number,
    readonly rule: QueueDecreaseRule = 'ahead',
  ) {
    if (!(displayedAtJoin >= 0)) throw new InvariantError(`invalid displayed size ${displayedAtJoin}`);
    this.ahead = displayedAtJoin;
    this.levelSize = displayedAtJoin;
  }

  /** Whether nothing is displayed ahead of the order. */
  get atFront(): boolean {
    return this.ahead <= 0;
  }

  /**
   * The level's displayed size is now `size` (from a book update at this
   * price; 0 when the level was removed).
   */
  onLevelSize(size: number): void {
    if (!(size >= 0)) throw new InvariantError(`invalid level size ${size}`);
    const before = this.levelSize;
    this.levelSize = size;
    if (size >= before) return; // joins behind
    if (this.rule === 'ahead') {
      const drop = subExact(before, size);
      this.ahead = drop >= this.ahead ? 0 : subExact(this.ahead, drop);
    }
    // Under either rule the volume ahead cannot exceed what is displayed.
    if (this.ahead > size) this.ahead = size;
  }

  /**
   * A trade of `size` printed at this level (taking from this side). It
   * consumes the queue ahead first; returns the part of it that reached the
   * order (0 while volume is ahead). The displayed level size is expected to
   * fall by the traded amount, so a book update that follows and shows that
   * decrease does not count it a second time.
   */
  onTrade(size: number): number {
    if (!(size >= 0)) throw new InvariantError(`invalid trade size ${size}`);
    const ahead = this.ahead;
    this.levelSize = size >= this.levelSize ? 0 : subExact(this.levelSize, size);
    if (size <= ahead) {
      this.ahead = size === ahead ? 0 : subExact(ahead, size);
      return 0;
    }
    this.ahead = 0;
    return ahead === 0 ? size : subExact(size, ahead);
  }
}
