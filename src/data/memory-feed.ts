import type { Issue } from '../core/errors.js';
import type { Columns, DataKind, MarketFeed, PriceSide } from '../model/market.js';

/** Replays columns already in memory (generated bars, a loaded catalog) as one chunk. */
export class ColumnsFeed implements MarketFeed {
  readonly kind: DataKind;
  readonly skipped: readonly Issue[] = [];
  readonly priceSide?: PriceSide;
  private consumed = false;

  constructor(
    readonly symbol: string,
    private readonly columns: Columns,
    readonly source: string = 'memory',
    /** Bars: which side of the market the prices are ('bid' / 'ask' for quote bars). */
    priceSide?: PriceSide,
  ) {
    this.kind = columns.kind;
    if (priceSide !== undefined) this.priceSide = priceSide;
  }

  get rowsHint(): number {
    return this.columns.length;
  }

  next(): Columns | null {
    if (this.consumed || this.columns.length === 0) {
      this.consumed = true;
      return null;
    }
    this.consumed = true;
    return this.columns;
  }

  close(): void {
    this.consumed = true;
  }
}
