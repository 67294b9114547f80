import { InputError, type Issue } from '../../core/errors.js';
import { BarColumns, type Columns, type DataKind, type MarketFeed, type PriceSide } from '../../model/market.js';
import { CsvFeed } from '../csv/csv-feed.js';
import { actionsFor, buildSchedule, referenceCloses, type AdjustmentSchedule } from './schedule.js';
import type { ActionsFile } from './actions.js';

/**
 * How bar prices are adjusted for corporate actions: 'none' (prices as
 * written, the default), 'splits' (split-adjusted), 'all' (splits and
 * dividends: total-return, back-adjusted prices like Yahoo's Adj Close).
 */
export const ADJUST_MODES = ['none', 'splits', 'all'] as const;
export type AdjustMode = (typeof ADJUST_MODES)[number];

/** Where the adjustment comes from: the file's Adj Close column, or an actions file. */
export type AdjustSource = 'adj_close' | 'actions';

/** What an adjusted feed did, for the run's summary. */
export interface AdjustmentInfo {
  readonly mode: Exclude<AdjustMode, 'none'>;
  readonly source: AdjustSource;
  /** The actions file (source 'actions'). */
  readonly actionsFile?: string;
  /** Splits and dividends of the feed's instrument that the mode uses (source 'actions'). */
  readonly splits?: number;
  readonly dividends?: number;
}

export interface AdjustOptions {
  readonly mode: AdjustMode;
  /**
   * Corporate actions (readActionsFile). Without them the source is the
   * data's Adj Close column, which only mode 'all' can use: the column mixes
   * splits and dividends, so 'splits' needs an actions file.
   */
  readonly actions?: ActionsFile | undefined;
  /**
   * Opens the same data again from its first row (no time window), for the
   * closes before dividend ex-dates. Needed with dividends in mode 'all'; the
   * pass stops after the last dividend.
   */
  readonly reopen?: (() => MarketFeed) | undefined;
}

/**
 * Wraps a bar feed so that its prices come out adjusted for corporate
 * actions (`mode` 'none' returns the feed itself). See AdjustedFeed.
 * Throws InputError when the mode cannot be served: 'splits' without
 * actions, 'all' without actions on a file with no Adj Close column, a feed
 * that is not bars.
 */
export function adjustFeed(feed: MarketFeed, options: AdjustOptions): MarketFeed {
  if (options.mode === 'none') return feed;
  if (feed.kind !== 'bar') {
    throw new InputError({ code: 'invalid_option', file: feed.source, field: 'adjust', value: options.mode, message: `corporate actions adjust bars, and this file holds ${feed.kind}s` });
  }
  const actions = options.actions;
  if (actions === undefined) {
    if (options.mode === 'splits') {
      throw new InputError({
        code: 'invalid_option',
        field: 'adjust',
        value: 'splits',
        message: 'split-only adjustment needs an actions file (--actions): the Adj Close column mixes splits and dividends',
      });
    }
    if (feed instanceof CsvFeed && feed.adjClose === undefined) {
      throw new InputError({
        code: 'missing_column',
        file: feed.source,
        field: 'adjClose',
        message: "adjustment without an actions file reads the 'Adj Close' column, and this file has none: give an actions file (--actions)",
      });
    }
    return new AdjustedFeed(feed, { mode: 'all', source: 'adj_close' }, undefined);
  }
  const own = actionsFor(actions.actions, feed.symbol);
  const reopen = options.reopen;
  const schedule = buildSchedule(own, options.mode, (times) => {
    if (reopen === undefined) throw new Error('adjustFeed: dividends need options.reopen to read the closes before their ex-dates');
    return referenceCloses(reopen(), times);
  });
  return new AdjustedFeed(
    feed,
    { mode: options.mode, source: 'actions', actionsFile: actions.path, splits: schedule.splits, dividends: schedule.dividends },
    schedule,
  );
}

/**
 * A bar feed with prices adjusted for corporate actions, chunk by chunk:
 * each chunk of the inner feed is copied into the wrapper's own columns
 * (the inner chunk is not changed), with no allocation per chunk or row.
 *
 * Source 'adj_close': each row's factor is adjClose / close; open, high and
 * low are multiplied by it and the close becomes the Adj Close as written
 * (a price equal to the close becomes it too, so high >= close >= low
 * holds). Volume is unchanged: the column does not say which part of the
 * factor is a split.
 *
 * Source 'actions': the schedule's factors, found per row by walking the
 * ex-dates forward as time advances (O(1) per row): price / divisor *
 * dividend factor, volume * divisor.
 *
 * Adjusted prices are doubles that need not sit on the tick grid.
 */
export class AdjustedFeed implements MarketFeed {
  readonly symbol: string;
  readonly kind: DataKind = 'bar';
  readonly source: string;
  readonly priceSide?: PriceSide;
  private out: BarColumns | undefined;
  private segment = 0;
  private lastTime = -Infinity;

  constructor(
    readonly inner: MarketFeed,
    readonly adjustment: AdjustmentInfo,
    readonly schedule: AdjustmentSchedule | undefined,
  ) {
    this.symbol = inner.symbol;
    this.source = inner.source;
    if (inner.priceSide !== undefined) this.priceSide = inner.priceSide;
  }

  get skipped(): readonly Issue[] {
    return this.inner.skipped;
  }

  next(): Columns | null {
    const src = this.inner.next();
    if (src === null) return null;
    if (src.kind !== 'bar') {
      throw new InputError({ code: 'invalid_option', file: this.source, field: 'adjust', message: `corporate actions adjust bars, and this file holds ${src.kind}s` });
    }
    let out = this.out;
    if (out === undefined || out.capacity < src.length) out = this.out = new BarColumns(Math.max(src.capacity, src.length));
    const n = src.length;
    out.time.set(src.time.subarray(0, n));
    out.line.set(src.line.subarray(0, n));
    out.adjClose.set(src.adjClose.subarray(0, n));
    if (this.schedule === undefined) this.fromAdjClose(src, out, n);
    else this.fromSchedule(this.schedule, src, out, n);
    out.length = n;
    return out;
  }

  close(): void {
    this.inner.close();
  }

  private fromAdjClose(src: BarColumns, out: BarColumns, n: number): void {
    for (let i = 0; i < n; i++) {
      const close = src.close[i] as number;
      const adj = src.adjClose[i] as number;
      if (!(adj > 0)) {
        this.inner.close();
        throw new InputError({
          code: 'missing_column',
          file: this.source,
          line: src.line[i] as number,
          field: 'adjClose',
          value: String(adj),
          message: 'no adjusted close on this row: adjustment without an actions file needs one on every row',
        });
      }
      const f = adj / close;
      const open = src.open[i] as number;
      const high = src.high[i] as number;
      const low = src.low[i] as number;
      out.open[i] = open === close ? adj : open * f;
      out.high[i] = high === close ? adj : high * f;
      out.low[i] = low === close ? adj : low * f;
      out.close[i] = adj;
      out.volume[i] = src.volume[i] as number;
    }
  }

  private fromSchedule(s: AdjustmentSchedule, src: BarColumns, out: BarColumns, n: number): void {
    const ex = s.exTimes;
    const m = ex.length;
    let k = this.segment;
    let last = this.lastTime;
    for (let i = 0; i < n; i++) {
      const t = src.time[i] as number;
      if (t < last) k = s.segmentOf(t);
      else while (k < m && t >= (ex[k] as number)) k++;
      last = t;
      const div = s.splitDivisor[k] as number;
      const f = s.dividendFactor[k] as number;
      if (div === 1 && f === 1) {
        out.open[i] = src.open[i] as number;
        out.high[i] = src.high[i] as number;
        out.low[i] = src.low[i] as number;
        out.close[i] = src.close[i] as number;
        out.volume[i] = src.volume[i] as number;
      } else {
        out.open[i] = ((src.open[i] as number) / div) * f;
        out.high[i] = ((src.high[i] as number) / div) * f;
        out.low[i] = ((src.low[i] as number) / div) * f;
        out.close[i] = ((src.close[i] as number) / div) * f;
        out.volume[i] = (src.volume[i] as number) * div;
      }
    }
    this.segment = k;
    this.lastTime = last;
  }
}
