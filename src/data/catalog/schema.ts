import type { DataKind, PriceSide } from '../../model/market.js';

/**
 * The catalog's layout on disk (docs/catalog.md):
 *
 *   <root>/_catalog.json                                  imports done so far
 *   <root>/bars/symbol=ORCL/side=trade/year=1995/data_0.parquet
 *   <root>/quotes/symbol=USDJPY/year=2013/month=1/data_0.parquet
 *   <root>/trades/symbol=XBTUSD/year=2019/month=3/data_0.parquet
 *   <root>/book/symbol=BTCUSDT/year=2023/month=1/data_0.parquet
 *
 * Hive-style partition folders, so any Parquet reader (DuckDB, Polars, Spark,
 * pyarrow) sees symbol/side/year/month as columns. Bars are partitioned by
 * year (a year of minute bars is ~0.5M rows); ticks and book deltas by month.
 * Within a file rows are sorted by (time, n).
 */

/** A catalog column: its Parquet name and its SQL type. */
export interface CatalogColumn {
  readonly name: string;
  readonly sql: string;
  /**
   * A column added to the schema after catalogs were first written: the SQL
   * value it reads as in files written before (and where it is NULL).
   */
  readonly absent?: string;
}

/** Folder name of each kind under the catalog root. */
export const KIND_DIR: Readonly<Record<DataKind, string>> = { bar: 'bars', quote: 'quotes', trade: 'trades', book: 'book' };

export const KIND_OF_DIR: Readonly<Record<string, DataKind>> = { bars: 'bar', quotes: 'quote', trades: 'trade', book: 'book' };

/**
 * The value columns of each kind, after `time` (TIMESTAMP, µs UTC) and `n`
 * (the row's rank among rows with the same time in its source, from 0: with
 * time it is the row's key, so that ticks sharing a timestamp keep their order
 * and a re-import recognises them).
 */
export const VALUE_COLUMNS: Readonly<Record<DataKind, readonly CatalogColumn[]>> = {
  bar: [
    { name: 'open', sql: 'DOUBLE' },
    { name: 'high', sql: 'DOUBLE' },
    { name: 'low', sql: 'DOUBLE' },
    { name: 'close', sql: 'DOUBLE' },
    { name: 'volume', sql: 'DOUBLE' },
    /** The source's adjusted close (Yahoo's Adj Close), NULL when it has none. */
    { name: 'adj_close', sql: 'DOUBLE' },
  ],
  quote: [
    { name: 'bid', sql: 'DOUBLE' },
    { name: 'ask', sql: 'DOUBLE' },
    { name: 'bid_size', sql: 'DOUBLE' },
    { name: 'ask_size', sql: 'DOUBLE' },
  ],
  trade: [
    { name: 'price', sql: 'DOUBLE' },
    { name: 'size', sql: 'DOUBLE' },
    { name: 'aggressor', sql: 'TINYINT' },
  ],
  book: [
    { name: 'side', sql: 'TINYINT' },
    { name: 'price', sql: 'DOUBLE' },
    { name: 'size', sql: 'DOUBLE' },
    { name: 'flags', sql: 'UTINYINT' },
    { name: 'sequence', sql: 'BIGINT' },
    /** The event's first update id (Binance: first_update_id), -1 when none: with `prev_sequence`, what a replay checks continuity with. */
    { name: 'first_sequence', sql: 'BIGINT', absent: '-1' },
    /** The previous event's last update id as the exchange states it (Binance futures: pu), -1 when none. */
    { name: 'prev_sequence', sql: 'BIGINT', absent: '-1' },
  ],
};

/** Partition levels below symbol (bars also have side=bid|ask|trade before year). */
export function timePartitions(kind: DataKind): readonly ('year' | 'month')[] {
  return kind === 'bar' ? ['year'] : ['year', 'month'];
}

/** Which data set of the catalog: a kind, a symbol and, for bars, the side of the market the prices are. */
export interface DatasetKey {
  readonly kind: DataKind;
  readonly symbol: string;
  /** Bars only: 'trade' for trade bars, 'bid' / 'ask' for quote bars. */
  readonly side?: PriceSide;
}

/** A symbol is used as a folder name: letters, digits and . _ - / : only ("/" and ":" are escaped). */
export const SYMBOL_PATTERN = /^[A-Za-z0-9._\-/:^=]+$/;

/** The folder of a data set, relative to the catalog root (no trailing slash). */
export function datasetDir(key: DatasetKey): string {
  const sym = `symbol=${encodeURIComponent(key.symbol)}`;
  const base = `${KIND_DIR[key.kind]}/${sym}`;
  return key.kind === 'bar' ? `${base}/side=${key.side ?? 'trade'}` : base;
}

/** "bars ORCL", "bars GBPUSD (bid)", "quotes USDJPY" */
export function describeDataset(key: DatasetKey): string {
  const side = key.kind === 'bar' && key.side !== undefined && key.side !== 'trade' ? ` (${key.side})` : '';
  return `${KIND_DIR[key.kind]} ${key.symbol}${side}`;
}
