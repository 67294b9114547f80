import type { PriceSide } from '../../model/market.js';
import type { DataKind } from '../../model/market.js';

/** The kinds a CSV feed reads (order books have their own readers in data/book). */
export type CsvKind = Exclude<DataKind, 'book'>;
import type { TimeFormat } from './timestamp.js';

/** 0-based field index of each field in a row; -1 when the file has no such column. */
export type CsvColumnIndexes = { readonly [F in CsvField]: number };

/** A resolved CSV layout: what was detected, with any options applied. */
export interface CsvFormat {
  /**
   * What the layout is: 'yahoo-daily', 'generic-bars', 'tick-bars',
   * 'date-time-split-bars', 'generic-quotes', 'histdata-quotes',
   * 'tardis-quotes', 'generic-trades', 'tardis-trades', or 'custom' when
   * options described a layout that detection did not recognise.
   */
  readonly name: string;
  readonly kind: CsvKind;
  readonly hasHeader: boolean;
  readonly delimiter: string;
  /**
   * The name of each field of a data row: the header's names (with a 'Time'
   * name inserted for date-time-split files), or field names for headerless
   * files. Issues name columns with these.
   */
  readonly columnNames: readonly string[];
  /** Fields in every data row. */
  readonly fieldCount: number;
  readonly columns: CsvColumnIndexes;
  readonly timeFormat: TimeFormat;
  readonly timezone: string;
  readonly symbol: string;
  readonly allowDuplicateTime: boolean;
  /** 'bid' / 'ask' for quote bars (from the option or a -bid / -ask file name), else 'trade'. */
  readonly priceSide: PriceSide;
}

export function noColumns(): { -readonly [F in CsvField]: number } {
  return {
    time: -1,
    date: -1,
    timeOfDay: -1,
    open: -1,
    high: -1,
    low: -1,
    close: -1,
    volume: -1,
    openInterest: -1,
    adjClose: -1,
    bid: -1,
    ask: -1,
    bidSize: -1,
    askSize: -1,
    price: -1,
    size: -1,
    side: -1,
    symbol: -1,
  };
}

/** Fields a kind cannot do without (besides the time). */
export const REQUIRED_FIELDS: Readonly<Record<CsvKind, readonly CsvField[]>> = {
  bar: ['open', 'high', 'low', 'close'],
  quote: ['bid', 'ask'],
  trade: ['price'],
};

/** The fields a CSV column can hold. */
export const CSV_FIELDS = [
  'time',
  'date',
  'timeOfDay',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'openInterest',
  'adjClose',
  'bid',
  'ask',
  'bidSize',
  'askSize',
  'price',
  'size',
  'side',
  'symbol',
] as const;
export type CsvField = (typeof CSV_FIELDS)[number];
