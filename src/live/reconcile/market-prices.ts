import type { Micros } from '../../core/time.js';
import type { MarketFeed } from '../../model/market.js';
import { GrowableFloat64 } from '../../core/growable.js';
import type { Exact } from './exact.js';
import { ZERO, exactOf } from './exact.js';

/** Per symbol, the prices a market order could have taken, in time order. */
interface SymbolPrices {
  readonly kind: 'trade' | 'quote' | 'bar';
  readonly time: GrowableFloat64;
  /** What a buy pays and a sell gets: the ask and the bid of quotes, a trade's price, a bar's open. */
  readonly buy: GrowableFloat64;
  readonly sell: GrowableFloat64;
}

/** Trades say most about the price of the moment, then quotes, then bars. */
const RANK = { trade: 0, quote: 1, bar: 2 } as const;

/**
 * The market's price at a time, read from the run's market data: for an
 * order's side at time t, the first trade print at or after t (its price),
 * else the first quote (the ask for a buy, the bid for a sell), else the
 * first bar stamped at or after t (its open). After the last event, the
 * last one's price. Book-only data gives no price (zero): the latency part
 * is then zero and the whole price difference is slippage.
 */
export class MarketPrices {
  private readonly bySymbol = new Map<string, SymbolPrices>();

  /** Reads every feed to its end (and closes it). */
  static read(feeds: readonly MarketFeed[]): MarketPrices {
    const prices = new MarketPrices();
    for (const feed of feeds) {
      try {
        prices.add(feed);
      } finally {
        feed.close();
      }
    }
    return prices;
  }

  priceAt(symbol: string, side: 'buy' | 'sell', time: Micros): Exact {
    const p = this.bySymbol.get(symbol);
    if (p === undefined || p.time.length === 0) return ZERO;
    const times = p.time.view();
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((times[mid] as number) < time) lo = mid + 1;
      else hi = mid;
    }
    const i = Math.min(lo, times.length - 1);
    return exactOf((side === 'buy' ? p.buy.view() : p.sell.view())[i] as number);
  }

  private add(feed: MarketFeed): void {
    const kind = feed.kind === 'trade' || feed.kind === 'quote' || feed.kind === 'bar' ? feed.kind : undefined;
    if (kind === undefined) return;
    const known = this.bySymbol.get(feed.symbol);
    if (known !== undefined && RANK[known.kind] <= RANK[kind]) return;
    const p: SymbolPrices = { kind, time: new GrowableFloat64(), buy: new GrowableFloat64(), sell: new GrowableFloat64() };
    for (let c = feed.next(); c !== null; c = feed.next()) {
      for (let i = 0; i < c.length; i++) {
        const t = c.time[i] as number;
        const buy = c.kind === 'trade' ? c.price[i] : c.kind === 'quote' ? c.ask[i] : c.kind === 'bar' ? c.open[i] : undefined;
        const sell = c.kind === 'trade' ? c.price[i] : c.kind === 'quote' ? c.bid[i] : c.kind === 'bar' ? c.open[i] : undefined;
        if (buy === undefined || sell === undefined) continue;
        p.time.push(t);
        p.buy.push(buy);
        p.sell.push(sell);
      }
    }
    this.bySymbol.set(feed.symbol, p);
  }
}
