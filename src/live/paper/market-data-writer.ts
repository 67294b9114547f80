import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Micros } from '../../core/time.js';
import { F_LAST, F_SNAPSHOT, SIDE_BUY, SIDE_SELL } from '../../model/market.js';
import { CsvFileWriter } from '../../report/csv-file-writer.js';
import { csvField } from '../../report/format.js';
import type { DataChannel, Incident, MarketEventSink } from '../source.js';

const HEADERS: Readonly<Record<DataChannel, string>> = {
  bars: 'timestamp,symbol,open,high,low,close,volume',
  trades: 'timestamp,symbol,price,amount,side',
  quotes: 'timestamp,symbol,bid,ask,bid_size,ask_size',
  // Binance's depth layout, which the book reader checks update by update.
  book: 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu',
};

const UNSIZED_QUOTES = 'timestamp,symbol,bid,ask';

const CHANNELS: readonly DataChannel[] = ['bars', 'trades', 'quotes', 'book'];

/** The file a symbol's channel is recorded in: BTC/USDT trades -> BTC-USDT_trades.csv. */
export function marketDataFileName(symbol: string, channel: DataChannel): string {
  return `${symbol.replace(/[^A-Za-z0-9.]+/g, '-')}_${channel}.csv`;
}

/**
 * Records market events as CSV files the backtest reads (`--data` each
 * file, or the folder), one file per symbol and channel, created on the
 * first event: bars, trades and quotes with a symbol column (quotes with
 * size columns when the first quote has sizes; a later quote without them
 * is written with size 0), the book in
 * Binance's depth layout (times in ms, update ids numbered 1, 2, ... per
 * symbol so that the reader's sequence checks hold; a snapshot's rows are
 * `snap`). The times written are those the paper run's kernel used, so a
 * backtest of the files replays the run.
 */
export class MarketDataWriter implements MarketEventSink {
  private readonly writers = new Map<string, CsvFileWriter>();
  /** The writer of each symbol's channel, at symbol * 4 + channel index (no lookup by name per event). */
  private readonly slots: (CsvFileWriter | undefined)[] = [];
  private readonly quoted: string[];
  /** Per symbol: the last update id written, and whether the current update's rows are a snapshot. */
  private readonly bookIds: number[];
  private readonly bookInEvent: boolean[];
  private made = false;
  /** Per symbol: whether its quotes file has size columns. */
  private readonly sized: boolean[] = [];
  /** File names in the order they were made. */
  private readonly names: string[] = [];

  constructor(
    readonly dir: string,
    readonly symbols: readonly string[],
  ) {
    this.quoted = symbols.map((s) => csvField(s));
    this.bookIds = symbols.map(() => 0);
    this.bookInEvent = symbols.map(() => false);
  }

  /** The files written so far. */
  files(): string[] {
    return this.names.map((k) => join(this.dir, k));
  }

  trade(symbol: number, exchangeTime: Micros, _receiveTime: Micros, price: number, size: number, aggressor: number): void {
    const w = this.writer(symbol, 'trades');
    w.time(exchangeTime);
    w.comma();
    w.text(this.quoted[symbol] as string);
    w.comma();
    w.number(price);
    w.comma();
    w.number(size);
    w.comma();
    w.text(aggressor === SIDE_BUY ? 'buy' : aggressor === SIDE_SELL ? 'sell' : 'unknown');
    w.endRow();
  }

  quote(symbol: number, exchangeTime: Micros, _receiveTime: Micros, bid: number, ask: number, bidSize: number, askSize: number): void {
    // A source without sizes (NaN) gets a file without size columns, decided at its first quote (the reader takes no empty size).
    const w = this.writer(symbol, 'quotes', bidSize === bidSize || askSize === askSize);
    w.time(exchangeTime);
    w.comma();
    w.text(this.quoted[symbol] as string);
    w.comma();
    w.number(bid);
    w.comma();
    w.number(ask);
    if (this.sized[symbol] === true) {
      w.comma();
      w.number(bidSize === bidSize ? bidSize : 0);
      w.comma();
      w.number(askSize === askSize ? askSize : 0);
    }
    w.endRow();
  }

  bar(symbol: number, exchangeTime: Micros, _receiveTime: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    const w = this.writer(symbol, 'bars');
    w.time(exchangeTime);
    w.comma();
    w.text(this.quoted[symbol] as string);
    w.comma();
    w.number(open);
    w.comma();
    w.number(high);
    w.comma();
    w.number(low);
    w.comma();
    w.number(close);
    w.comma();
    w.number(volume);
    w.endRow();
  }

  bookLevel(symbol: number, exchangeTime: Micros, _receiveTime: Micros, side: number, price: number, size: number, flags: number, _sequence: number): void {
    const w = this.writer(symbol, 'book');
    const ids = this.bookIds;
    // A new update takes the next id; its rows share it.
    if (!(this.bookInEvent[symbol] as boolean)) ids[symbol] = (ids[symbol] as number) + 1;
    const id = ids[symbol] as number;
    this.bookInEvent[symbol] = (flags & F_LAST) === 0;
    const snap = (flags & F_SNAPSHOT) !== 0;
    w.text(this.quoted[symbol] as string);
    w.comma();
    w.int(Math.floor(exchangeTime / 1000));
    w.comma();
    w.int(id);
    w.comma();
    w.int(id);
    w.comma();
    w.text(side > 0 ? 'b' : 'a');
    w.comma();
    w.text(snap ? 'snap' : 'set');
    w.comma();
    w.number(price);
    w.comma();
    w.number(size);
    w.comma();
    w.int(snap ? -1 : id - 1);
    w.endRow();
  }

  incident(_incident: Incident): void {}

  /** Writes what is buffered to the files. */
  flush(): void {
    for (const w of this.writers.values()) w.flush();
  }

  close(): void {
    for (const w of this.writers.values()) w.close();
    this.writers.clear();
    this.slots.length = 0;
  }

  private writer(symbol: number, channel: DataChannel, sized = false): CsvFileWriter {
    const slot = symbol * 4 + CHANNELS.indexOf(channel);
    const found = this.slots[slot];
    if (found !== undefined) return found;
    const name = marketDataFileName(this.symbols[symbol] as string, channel);
    let w = this.writers.get(name);
    if (w === undefined) {
      if (!this.made) {
        mkdirSync(this.dir, { recursive: true });
        this.made = true;
      }
      w = new CsvFileWriter(join(this.dir, name), 1 << 16);
      if (channel === 'quotes') this.sized[symbol] = sized;
      w.text(channel === 'quotes' && !sized ? UNSIZED_QUOTES : HEADERS[channel]);
      w.endRow();
      this.writers.set(name, w);
      this.names.push(name);
    }
    this.slots[slot] = w;
    return w;
  }
}
