import { noColumns, type CsvColumnIndexes, type CsvKind } from './format.js';
import type { CsvField } from './format.js';

/** 'Adj Close' -> 'adjclose', 'local_timestamp' -> 'localtimestamp', '"Open"' -> 'open'. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Accepted header names (normalized) of each field, most usual first. */
const SYNONYMS: Readonly<Partial<Record<CsvField, readonly string[]>>> = {
  open: ['open', 'o', 'openprice'],
  high: ['high', 'h', 'highprice'],
  low: ['low', 'l', 'lowprice'],
  close: ['close', 'c', 'closeprice', 'last'],
  volume: ['volume', 'vol', 'v'],
  openInterest: ['openinterest', 'oi'],
  adjClose: ['adjclose', 'adjustedclose'],
  bid: ['bid', 'bidprice', 'bestbid', 'bidpx'],
  ask: ['ask', 'askprice', 'bestask', 'askpx', 'offer'],
  bidSize: ['bidsize', 'bidamount', 'bidqty', 'bidvolume', 'bidvol'],
  askSize: ['asksize', 'askamount', 'askqty', 'askvolume', 'askvol'],
  price: ['price', 'px', 'tradeprice'],
  size: ['amount', 'size', 'qty', 'quantity', 'volume', 'vol'],
  side: ['side', 'aggressor', 'aggressorside', 'takerside'],
  symbol: ['symbol', 'ticker', 'instrument'],
};

const KIND_FIELDS: Readonly<Record<CsvKind, readonly CsvField[]>> = {
  bar: ['open', 'high', 'low', 'close', 'volume', 'openInterest', 'adjClose', 'symbol'],
  quote: ['bid', 'ask', 'bidSize', 'askSize', 'symbol'],
  trade: ['price', 'size', 'side', 'symbol'],
};

/** Columns that mark order-book data, which is neither bars, quotes nor trades. */
const BOOK_MARKERS = /^(updatetype|firstupdateid|lastupdateid|issnapshot|(asks|bids)\d+(price|amount))$/;

export function looksLikeOrderBook(names: readonly string[]): boolean {
  return names.some((n) => BOOK_MARKERS.test(normalizeName(n)));
}

export function findColumn(names: readonly string[], field: CsvField): number {
  const norm = names.map(normalizeName);
  for (const synonym of SYNONYMS[field] ?? []) {
    const i = norm.indexOf(synonym);
    if (i >= 0) return i;
  }
  return -1;
}

/** The time columns: one time column, or a date column plus a time-of-day column. */
export function findTimeColumns(names: readonly string[]): { time: number; date: number; timeOfDay: number } {
  const norm = names.map(normalizeName);
  const datetime = norm.findIndex((n) => n === 'datetime' || n === 'timestamp' || n === 'ts' || n === 'datetimeutc');
  if (datetime >= 0) return { time: datetime, date: -1, timeOfDay: -1 };
  const date = norm.indexOf('date');
  const time = norm.indexOf('time');
  if (date >= 0 && time >= 0) return { time: -1, date, timeOfDay: time };
  if (date >= 0) return { time: date, date: -1, timeOfDay: -1 };
  return { time, date: -1, timeOfDay: -1 };
}

/** Which kind a header describes, judged by its columns; undefined when none fits. */
export function kindOfHeader(names: readonly string[]): CsvKind | undefined {
  if (looksLikeOrderBook(names)) return undefined;
  const has = (f: CsvField): boolean => findColumn(names, f) >= 0;
  if (has('open') && has('high') && has('low') && has('close')) return 'bar';
  if (has('bid') && has('ask')) return 'quote';
  if (has('price') && has('size')) return 'trade';
  return undefined;
}

/** Maps header names to the fields of a kind. */
export function mapHeader(names: readonly string[], kind: CsvKind): CsvColumnIndexes {
  const columns = noColumns();
  Object.assign(columns, findTimeColumns(names));
  for (const field of KIND_FIELDS[kind]) columns[field] = findColumn(names, field);
  return columns;
}
