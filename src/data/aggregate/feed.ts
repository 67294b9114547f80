import type { Issue } from '../../core/errors.js';
import type { BarColumns, Columns, MarketFeed } from '../../model/market.js';
import { BarAggregator, type AggregatorOptions } from './aggregator.js';
import type { BarSpec } from './spec.js';

export interface AggregatedFeedOptions extends AggregatorOptions {
  /** Emit the bar still open when the data ends (default true); false leaves it out. */
  readonly partial?: boolean;
}

/**
 * A MarketFeed of bars built from another feed (bars, trades or quote mids)
 * by a BarAggregator: usable anywhere a feed is (a backtest, `collectColumns`,
 * the CSV writer). Pulls its source chunk by chunk; memory is bounded by the
 * chunk sizes.
 */
export class AggregatedFeed implements MarketFeed {
  readonly kind = 'bar' as const;
  readonly symbol: string;
  readonly source: string;
  readonly aggregator: BarAggregator;
  private cols: Columns | null = null;
  private i = 0;
  private ended = false;
  private readonly partial: boolean;

  constructor(
    readonly inner: MarketFeed,
    readonly spec: BarSpec,
    options: AggregatedFeedOptions = {},
  ) {
    this.symbol = inner.symbol;
    this.source = `${inner.source} (${spec.text} bars)`;
    this.aggregator = new BarAggregator(spec, options);
    this.partial = options.partial ?? true;
  }

  get skipped(): readonly Issue[] {
    return this.inner.skipped;
  }

  next(): BarColumns | null {
    const agg = this.aggregator;
    const out = agg.out;
    out.length = 0;
    const cap = out.capacity;
    while (!this.ended) {
      let cols = this.cols;
      if (cols === null || this.i >= cols.length) {
        cols = this.inner.next();
        this.i = 0;
        this.cols = cols;
        if (cols === null) {
          this.ended = true;
          if (this.partial) agg.flush();
          break;
        }
        continue;
      }
      let i = this.i;
      const n = cols.length;
      const t = cols.time;
      switch (cols.kind) {
        case 'bar':
          for (; i < n && out.length < cap; i++) agg.pushBar(t[i] as number, cols.open[i] as number, cols.high[i] as number, cols.low[i] as number, cols.close[i] as number, cols.volume[i] as number);
          break;
        case 'trade':
          for (; i < n && out.length < cap; i++) agg.pushTrade(t[i] as number, cols.price[i] as number, cols.size[i] as number);
          break;
        case 'quote':
          for (; i < n && out.length < cap; i++) agg.pushQuote(t[i] as number, cols.bid[i] as number, cols.ask[i] as number);
          break;
      }
      this.i = i;
      if (out.length >= cap) break;
    }
    return out.length > 0 ? out : null;
  }

  close(): void {
    this.ended = true;
    this.inner.close();
  }
}
