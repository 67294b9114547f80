import { decimalPlaces } from '../../core/decimal.js';
import { InputError, type Issue } from '../../core/errors.js';
import { isBookFile } from '../../backtest/run.js';
import { collectColumns } from '../../data/collect.js';
import { openBookFeed, openCsvFeed } from '../../data/index.js';
import type { BarColumns, BookColumns, MarketFeed, QuoteColumns, TradeColumns } from '../../model/market.js';

/** One data file and the market (unified symbol, BASE/QUOTE) it is served as; without one, the market the file's own symbol names (BTCUSDT -> BTC/USDT). */
export interface ExchangeDataFile {
  readonly path: string;
  readonly symbol?: string;
}

/** Bars of one market at one Binance interval. */
export interface ServedBars {
  /** Binance interval name: 1m, 1h, 1d. */
  readonly interval: string;
  readonly intervalMs: number;
  readonly bars: BarColumns;
  /** Index of the file in the dataset's file list (ties in the replay go to the file given first). */
  readonly fileIndex: number;
}

/** What the local exchange knows of one market: its data, read into memory, and its grid. */
export interface ExchangeMarket {
  /** Unified symbol, BTC/USDT. */
  readonly symbol: string;
  /** Binance id, BTCUSDT. */
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly priceDecimals: number;
  readonly sizeDecimals: number;
  readonly trades: { readonly rows: TradeColumns; readonly fileIndex: number } | null;
  readonly quotes: { readonly rows: QuoteColumns; readonly fileIndex: number } | null;
  readonly book: { readonly rows: BookColumns; readonly fileIndex: number } | null;
  readonly bars: readonly ServedBars[];
}

export interface ExchangeDataset {
  readonly markets: readonly ExchangeMarket[];
  /** Facts about the data worth telling (sequence gaps and crossed books of the book files). */
  readonly warnings: readonly Issue[];
}

export interface GridOverrides {
  readonly tickSize?: string;
  readonly lotSize?: string;
}

/** Binance's kline intervals and their lengths in ms. */
export const BINANCE_INTERVALS: ReadonlyMap<string, number> = new Map([
  ['1s', 1_000],
  ['1m', 60_000],
  ['3m', 180_000],
  ['5m', 300_000],
  ['15m', 900_000],
  ['30m', 1_800_000],
  ['1h', 3_600_000],
  ['2h', 7_200_000],
  ['4h', 14_400_000],
  ['6h', 21_600_000],
  ['8h', 28_800_000],
  ['12h', 43_200_000],
  ['1d', 86_400_000],
  ['3d', 259_200_000],
  ['1w', 604_800_000],
]);

/** Quote currencies recognised at the end of a file's own symbol (BTCUSDT -> BTC/USDT), longest first. */
const QUOTE_SUFFIXES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'USD', 'BTC', 'ETH', 'BNB', 'EUR', 'GBP', 'JPY', 'TRY'];

/**
 * The market a file's own symbol stands for when no map is given: BASE/QUOTE
 * as written, or a known quote currency at its end (BTCUSDT, XBTUSD).
 */
export function unifiedSymbolOf(raw: string): string | undefined {
  const s = raw.toUpperCase();
  if (/^[A-Z0-9]+\/[A-Z0-9]+$/.test(s)) return s;
  for (const q of QUOTE_SUFFIXES) {
    if (s.length > q.length && s.endsWith(q) && /^[A-Z0-9]+$/.test(s)) return `${s.slice(0, -q.length)}/${q}`;
  }
  return undefined;
}

/** Splits a unified symbol; InputError naming `field` and the value unless it is BASE/QUOTE of letters and digits. */
export function splitSymbol(symbol: string, field: string): { base: string; quote: string } {
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+)$/.exec(symbol);
  if (m === null) throw new InputError({ code: 'invalid_option', field, value: symbol, message: 'expected a market as BASE/QUOTE (BTC/USDT)' });
  return { base: m[1] as string, quote: m[2] as string };
}

/**
 * Reads the files into memory, grouped by market. Book files of a market are
 * merged by the book feed (a snapshot and its updates); sequence gaps and
 * crossed books are kept as warnings (the exchange serves its book as
 * replayed). Any other problem (a missing file, a bad row, two trade files
 * for one market) is an InputError.
 */
export function loadExchangeDataset(files: readonly ExchangeDataFile[], grid: GridOverrides = {}): ExchangeDataset {
  if (files.length === 0) throw new InputError({ code: 'invalid_option', field: '--data', message: 'give at least one data file' });
  const bySymbol = new Map<string, { book: string[]; bookIndex: number; trades?: { rows: TradeColumns; fileIndex: number; path: string }; quotes?: { rows: QuoteColumns; fileIndex: number; path: string }; bars: ServedBars[] }>();
  const warnings: Issue[] = [];
  const entry = (symbol: string) => {
    let e = bySymbol.get(symbol);
    if (e === undefined) {
      e = { book: [], bookIndex: -1, bars: [] };
      bySymbol.set(symbol, e);
    }
    return e;
  };
  files.forEach((given, fileIndex) => {
    const book = isBookFile(given.path);
    let feed: MarketFeed | undefined;
    if (!book) feed = openCsvFeed(given.path);
    const file = { path: given.path, symbol: given.symbol ?? symbolOfFile(given.path, feed?.symbol ?? bookSymbol(given.path)) };
    splitSymbol(file.symbol, '--symbol');
    const e = entry(file.symbol);
    if (feed === undefined) {
      e.book.push(file.path);
      if (e.bookIndex < 0) e.bookIndex = fileIndex;
      return;
    }
    const cols = collectColumns(feed);
    const twice = (kind: string, other: string): never => {
      throw new InputError({ code: 'invalid_option', field: '--data', value: file.path, message: `a second ${kind} file for ${file.symbol} (the first: ${other}); give one per market` });
    };
    if (cols.kind === 'trade') {
      if (e.trades !== undefined) twice('trade', e.trades.path);
      e.trades = { rows: cols, fileIndex, path: file.path };
    } else if (cols.kind === 'quote') {
      if (e.quotes !== undefined) twice('quote', e.quotes.path);
      e.quotes = { rows: cols, fileIndex, path: file.path };
    } else if (cols.kind === 'bar') {
      const interval = intervalOf(cols, file.path);
      if (e.bars.some((b) => b.interval === interval.name)) twice(`${interval.name} bar`, 'given before');
      e.bars.push({ interval: interval.name, intervalMs: interval.ms, bars: cols, fileIndex });
    }
  });

  const markets: ExchangeMarket[] = [];
  for (const [symbol, e] of bySymbol) {
    let book: ExchangeMarket['book'] = null;
    if (e.book.length > 0) {
      const feed = openBookFeed(e.book, { onGap: 'warn', onWarning: (w) => warnings.push(w), symbol: symbol.replace('/', '') });
      book = { rows: collectColumns(feed) as BookColumns, fileIndex: e.bookIndex };
    }
    const { base, quote } = splitSymbol(symbol, '--symbol');
    const trades = e.trades === undefined ? null : { rows: e.trades.rows, fileIndex: e.trades.fileIndex };
    const quotes = e.quotes === undefined ? null : { rows: e.quotes.rows, fileIndex: e.quotes.fileIndex };
    const places = gridPlaces(trades?.rows ?? null, quotes?.rows ?? null, book?.rows ?? null, e.bars);
    const priceDecimals = grid.tickSize !== undefined ? Math.max(decimalsOfText(grid.tickSize), places.price) : places.price;
    const sizeDecimals = grid.lotSize !== undefined ? Math.max(decimalsOfText(grid.lotSize), places.size) : places.size;
    markets.push({
      symbol,
      id: `${base}${quote}`,
      base,
      quote,
      tickSize: grid.tickSize ?? incrementOf(places.price),
      lotSize: grid.lotSize ?? incrementOf(places.size),
      priceDecimals,
      sizeDecimals,
      trades,
      quotes,
      book,
      bars: e.bars,
    });
  }
  return { markets, warnings };
}

function bookSymbol(path: string): string {
  const feed = openBookFeed(path, { onGap: 'warn' });
  feed.close();
  return feed.symbol;
}

function symbolOfFile(path: string, own: string): string {
  const symbol = unifiedSymbolOf(own);
  if (symbol !== undefined) return symbol;
  throw new InputError({
    code: 'invalid_option',
    field: '--data',
    value: path,
    message: `cannot tell which market symbol '${own}' is: give --data ${path}=BASE/QUOTE or --symbol BASE/QUOTE`,
  });
}

/** '0.01' for 2, '1' for 0. */
export function incrementOf(places: number): string {
  return places <= 0 ? '1' : `0.${'0'.repeat(places - 1)}1`;
}

function decimalsOfText(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Most decimals Binance writes. */
const MAX_DECIMALS = 8;

/** The decimals of the data's prices and sizes: the finest grid every value lies on. */
function gridPlaces(
  trades: TradeColumns | null,
  quotes: QuoteColumns | null,
  book: BookColumns | null,
  bars: readonly ServedBars[],
): { price: number; size: number } {
  let price = 0;
  let size = 0;
  const p = (x: number): void => {
    const d = decimalPlaces(x);
    if (Number.isFinite(x) && (d < 0 || d > price)) price = d < 0 ? MAX_DECIMALS : Math.min(d, MAX_DECIMALS);
  };
  const s = (x: number): void => {
    const d = decimalPlaces(x);
    if (Number.isFinite(x) && (d < 0 || d > size)) size = d < 0 ? MAX_DECIMALS : Math.min(d, MAX_DECIMALS);
  };
  if (trades !== null) {
    for (let i = 0; i < trades.length; i++) {
      p(trades.price[i] as number);
      s(trades.size[i] as number);
    }
  }
  if (quotes !== null) {
    for (let i = 0; i < quotes.length; i++) {
      p(quotes.bid[i] as number);
      p(quotes.ask[i] as number);
      s(quotes.bidSize[i] as number);
      s(quotes.askSize[i] as number);
    }
  }
  if (book !== null) {
    for (let i = 0; i < book.length; i++) {
      p(book.price[i] as number);
      s(book.size[i] as number);
    }
  }
  for (const b of bars) {
    const c = b.bars;
    for (let i = 0; i < c.length; i++) {
      p(c.open[i] as number);
      p(c.high[i] as number);
      p(c.low[i] as number);
      p(c.close[i] as number);
      // Bar volumes only set the lot when nothing else does (they are sums, often in the quote currency).
      if (trades === null && book === null) s(c.volume[i] as number);
    }
  }
  return { price, size };
}

/** The Binance interval of a bar file: the smallest step between its bars. */
function intervalOf(bars: BarColumns, path: string): { name: string; ms: number } {
  let step = Infinity;
  for (let i = 1; i < bars.length; i++) {
    const d = (bars.time[i] as number) - (bars.time[i - 1] as number);
    if (d > 0 && d < step) step = d;
  }
  const ms = step / 1000;
  for (const [name, len] of BINANCE_INTERVALS) if (len === ms) return { name, ms: len };
  const what = Number.isFinite(step) ? `${ms} ms apart` : 'fewer than two bar times';
  throw new InputError({
    code: 'invalid_option',
    field: '--data',
    value: path,
    message: `cannot serve these bars as klines: they are ${what}, which is no Binance interval (1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w)`,
  });
}
