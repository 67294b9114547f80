import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, formatIssue } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import { isBookFile } from '../backtest/run.js';
import { FeedCursor } from '../backtest/replay-driver.js';
import { wallMicros as preciseWallMicros } from './feed/clock.js';
import { openBookFeed, openCsvFeed } from '../data/index.js';
import type { Columns, MarketFeed } from '../model/market.js';
import { F_LAST } from '../model/market.js';
import type { DataChannel, LiveMarket, MarketEventSink, MarketSource, MarketSubscription } from './source.js';

export interface FileReplayOptions {
  /**
   * Data files, any the backtest reads: bars, quotes or trades CSV files
   * (layouts detected), Binance depth or Tardis book files (those of one
   * symbol make one book, a snapshot file with its update files).
   */
  readonly files: readonly string[];
  /**
   * Market time per wall time: 0 (default) replays as fast as possible;
   * 1 at the pace the data was stamped; 60 a minute of data per second.
   */
  readonly speed?: number | undefined;
  /** The local clock for receive times (µs since the epoch); the machine's by default. */
  readonly now?: (() => Micros) | undefined;
  /** A book file's sequence gap or crossed book: 'fail' (default) or 'warn' (replay the rows as written), as the backtest's --on-gap. */
  readonly onGap?: 'fail' | 'warn' | undefined;
}

const CHANNEL: Readonly<Record<Columns['kind'], DataChannel>> = { bar: 'bars', quote: 'quotes', trade: 'trades', book: 'book' };

/** Events pushed between two turns of the event loop when replaying as fast as possible (lets signals and timers in). */
const BATCH = 4096;

/** The machine's time in whole microseconds (the I/O thread's clock, src/live/feed/clock.ts, without its fraction). */
export function wallMicros(): Micros {
  return Math.floor(preciseWallMicros());
}

/**
 * A MarketSource that replays data files into a sink, in time order (ties to
 * the file given first, as a backtest merges them), with receive time = the
 * local clock. Files are read with the backtest's readers, so a paper run on
 * a replayed file sees exactly the rows a backtest of it sees.
 *
 * Symbols: with one subscribed symbol every file is that symbol's; with
 * several, each file's own symbol (from its name or symbol column) must
 * match one (BTC/USDT matches BTCUSDT, BTC-USDT). Files of a channel not
 * subscribed are left out.
 */
export class FileReplaySource implements MarketSource {
  private readonly speed: number;
  private readonly now: () => Micros;

  constructor(private readonly options: FileReplayOptions) {
    if (options.files.length === 0) throw new InputError({ code: 'invalid_option', field: 'files', message: 'no data file to replay' });
    const speed = options.speed ?? 0;
    if (!(speed >= 0) || speed === Infinity) {
      throw new InputError({ code: 'invalid_option', field: 'speed', value: String(speed), message: 'speed must be 0 (as fast as possible) or a positive number' });
    }
    this.speed = speed;
    this.now = options.now ?? wallMicros;
  }

  markets(symbols: readonly string[]): Promise<readonly LiveMarket[]> {
    return Promise.resolve(
      symbols.map((symbol) => {
        const [base = symbol, quote = ''] = symbol.split('/');
        return { symbol, id: compact(symbol), base, quote, tickSize: '0', lotSize: '0' };
      }),
    );
  }

  async run(subscription: MarketSubscription, sink: MarketEventSink, signal: AbortSignal): Promise<void> {
    const feeds = openReplayFeeds(this.options.files, subscription, this.options.onGap ?? 'fail');
    try {
      await this.replay(feeds, sink, signal);
    } finally {
      for (const f of feeds) {
        // What a book feed let through under onGap 'warn' (sequence gaps, crossed books): incidents.
        for (const w of f.feed.warnings ?? []) {
          sink.incident({ time: this.now(), kind: 'book_gap', symbol: subscription.symbols[f.symbolIdx] ?? '', channel: CHANNEL[f.feed.kind], detail: formatIssue(w) });
        }
        f.feed.close();
      }
    }
  }

  private async replay(feeds: FeedCursor[], sink: MarketEventSink, signal: AbortSignal): Promise<void> {
    const now = this.now;
    const speed = this.speed;
    for (const c of feeds) c.load();
    let firstTime = NaN;
    let wallStart = NaN;
    let sinceYield = 0;
    for (;;) {
      if (signal.aborted) return;
      let best: FeedCursor | undefined;
      let bestT = Infinity;
      for (const c of feeds) {
        if (c.t < bestT) {
          bestT = c.t;
          best = c;
        }
      }
      if (best === undefined) return;
      if (speed > 0) {
        if (firstTime !== firstTime) {
          firstTime = bestT;
          wallStart = now();
        }
        const due = wallStart + (bestT - firstTime) / speed;
        const wait = due - now();
        if (wait >= 1000) {
          try {
            await sleep(wait / 1000, undefined, { signal });
          } catch {
            return; // aborted
          }
          sinceYield = 0;
        }
      }
      // One whole event (every row of a book message) at a time: a consumer never sees half a book update between turns.
      const cols = best.cols as Columns;
      const i = best.i;
      const s = best.symbolIdx;
      const recv = now();
      switch (cols.kind) {
        case 'bar':
          sink.bar(s, bestT, recv, cols.open[i] as number, cols.high[i] as number, cols.low[i] as number, cols.close[i] as number, cols.volume[i] as number);
          best.advance();
          break;
        case 'quote':
          sink.quote(s, bestT, recv, cols.bid[i] as number, cols.ask[i] as number, cols.bidSize[i] as number, cols.askSize[i] as number);
          best.advance();
          break;
        case 'trade':
          sink.trade(s, bestT, recv, cols.price[i] as number, cols.size[i] as number, cols.side[i] as number);
          best.advance();
          break;
        case 'book':
          for (;;) {
            const b = best.cols;
            if (b === null || b.kind !== 'book') break;
            const k = best.i;
            const flags = b.flags[k] as number;
            sink.bookLevel(s, b.time[k] as number, recv, b.side[k] as number, b.price[k] as number, b.size[k] as number, flags, b.sequence[k] as number);
            best.advance();
            if ((flags & F_LAST) !== 0) break;
          }
          break;
      }
      if (++sinceYield >= BATCH) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
}

/** BTC/USDT, BTC-USDT, btcusdt -> BTCUSDT. */
function compact(symbol: string): string {
  return symbol.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
}

/** Opens the files as the backtest does (book files of a symbol together) and places each on a subscribed symbol. */
function openReplayFeeds(files: readonly string[], subscription: MarketSubscription, onGap: 'fail' | 'warn'): FeedCursor[] {
  const symbols = subscription.symbols;
  const single = symbols.length === 1 ? symbols[0] : undefined;
  const opened: MarketFeed[] = [];
  const cursors: FeedCursor[] = [];
  try {
    const books = files.filter((f) => isBookFile(f));
    for (const path of files) {
      if (books.includes(path)) continue;
      opened.push(openCsvFeed(path, single !== undefined ? { symbol: single } : {}));
    }
    if (books.length > 0) {
      if (single !== undefined) opened.push(openBookFeed(books, { symbol: single, onGap }));
      else {
        // Book files name their symbol (Binance's symbol column, Tardis's): one feed per symbol.
        const bySymbol = new Map<string, string[]>();
        for (const path of books) {
          const probe = openBookFeed(path, { onGap });
          const s = probe.symbol;
          probe.close();
          bySymbol.set(s, [...(bySymbol.get(s) ?? []), path]);
        }
        for (const paths of bySymbol.values()) opened.push(openBookFeed(paths, { onGap }));
      }
    }
    for (const feed of opened) {
      if (!subscription.channels.includes(CHANNEL[feed.kind])) continue;
      const idx = single !== undefined ? 0 : symbols.findIndex((s) => compact(s) === compact(feed.symbol));
      if (idx < 0) {
        throw new InputError({
          code: 'invalid_option',
          file: feed.source,
          field: 'symbol',
          value: feed.symbol,
          message: `the file's symbol is not among the subscribed symbols (${symbols.join(', ')})`,
        });
      }
      cursors.push(new FeedCursor(feed, idx));
    }
    for (const feed of opened) if (!cursors.some((c) => c.feed === feed)) feed.close();
    return cursors;
  } catch (e) {
    for (const f of opened) f.close();
    throw e;
  }
}
