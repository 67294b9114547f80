import { InvariantError } from '../../core/errors.js';
import type { Micros } from '../../core/time.js';
import { MICROS_PER_SECOND } from '../../core/time.js';
import type { TradingKernel } from '../../kernel/kernel.js';
import type { FeedStatus } from '../../model/events.js';
import { BookColumns, F_LAST } from '../../model/market.js';
import type { Incident, MarketEventSink } from '../source.js';
import { wallMicros } from '../replay-source.js';
import { LatencyHistogram } from '../feed/latency.js';

export interface LiveDriverOptions {
  /** Started (kernel.start()), with its venue; its instruments are the subscription's symbols, in order. */
  readonly kernel: TradingKernel;
  readonly symbols: readonly string[];
  /**
   * Market time per wall time between events, for timers on a quiet feed:
   * 1 for a live exchange (default), the speed of a paced replay, 0 when
   * time moves only with the events (a replay as fast as possible).
   */
  readonly timeRate?: number | undefined;
  /** No market event for this long (µs of wall time): the feed is stale (an incident and onFeedStatus). 0 or absent: no watchdog. */
  readonly staleAfter?: number | undefined;
  /** The machine's clock (µs); tests give their own. */
  readonly wallNow?: (() => Micros) | undefined;
  /** Every incident, the source's and the driver's, in order. */
  readonly onIncident?: ((incident: Incident) => void) | undefined;
  /** The events as the kernel saw them (times as used), for the recorded market data. */
  readonly record?: MarketEventSink | undefined;
  /** The strategy (or the kernel) threw: the run must stop (the driver drops later events). */
  readonly onFailure?: ((error: unknown) => void) | undefined;
}

/** Events counted by kind. */
export interface LiveEventCounts {
  trades: number;
  quotes: number;
  bars: number;
  /** Book updates (whole messages), not rows. */
  book: number;
  /** Events stamped before the kernel's time (out of order across streams, or behind a timer that fired): processed at the kernel's time. */
  late: number;
}

/**
 * The live driver: a MarketEventSink that pushes each event into a
 * TradingKernel as the replay driver does (advanceTo a new time, then the
 * kernel's method for the kind; book rows one by one, the update applied at
 * its F_LAST row), with the simulated venue the kernel was given.
 *
 * Time: the kernel runs on the events' exchange times, as a backtest runs
 * on the data's, so a paper run of a replayed file is that file's backtest.
 * An event stamped before the kernel's time (streams interleave, or a timer
 * fired past it) is processed at the kernel's time and counted `late`.
 * Between events the wall clock moves market time on (`tick`): the last
 * event's time plus the wall time since it came (times `timeRate`), so that
 * timers fire on a quiet feed (TradingKernel.idleUntil). A stale-feed
 * watchdog reports a feed with no event for `staleAfter`.
 *
 * Nothing is allocated per event: one reused one-row book chunk per symbol,
 * latency histograms of fixed size.
 */
export class LiveDriver implements MarketEventSink {
  readonly counts: LiveEventCounts = { trades: 0, quotes: 0, bars: 0, book: 0, late: 0 };
  /** Exchange time to receive time (trades, quotes, book updates; bars are stamped at their start). */
  readonly feedLatency = new LatencyHistogram();
  /** Receive time to the kernel's handling of the event (the strategy's hook). */
  readonly handlingLatency = new LatencyHistogram();
  incidents = 0;
  /** The failure that stopped the run, if any. */
  failure: unknown = undefined;
  /** Whether the watchdog holds the feed stale. */
  stale = false;

  private readonly kernel: TradingKernel;
  private readonly wallNow: () => Micros;
  private readonly timeRate: number;
  private readonly staleAfter: number;
  private readonly books: BookColumns[];
  private readonly record: MarketEventSink | undefined;
  /** The earliest time the next event may be processed at. */
  private floor = -Infinity;
  /** The last data event's kernel time and the wall time it was handled at. */
  private anchorTime = NaN;
  private anchorWall: Micros;
  /** A book update is half applied (its F_LAST row has not come): no idle step now. */
  private inBookEvent = false;
  private finished = false;

  constructor(private readonly options: LiveDriverOptions) {
    this.kernel = options.kernel;
    if (options.kernel.instruments.length !== options.symbols.length) throw new InvariantError('the kernel and the subscription have different symbols');
    this.wallNow = options.wallNow ?? wallMicros;
    this.timeRate = options.timeRate ?? 1;
    this.staleAfter = options.staleAfter ?? 0;
    this.books = options.symbols.map(() => new BookColumns(1));
    this.record = options.record;
    this.anchorWall = this.wallNow();
  }

  // ------------------------------------------------------------ MarketEventSink

  trade(symbol: number, exchangeTime: Micros, receiveTime: Micros, price: number, size: number, aggressor: number): void {
    if (this.failure !== undefined || this.finished) return;
    try {
      const t = this.enter(exchangeTime, receiveTime, true);
      this.counts.trades++;
      this.record?.trade(symbol, t, receiveTime, price, size, aggressor);
      this.kernel.onTrade(symbol, t, price, size, aggressor);
      this.handled(receiveTime);
    } catch (e) {
      this.fail(e);
    }
  }

  quote(symbol: number, exchangeTime: Micros, receiveTime: Micros, bid: number, ask: number, bidSize: number, askSize: number): void {
    if (this.failure !== undefined || this.finished) return;
    try {
      const t = this.enter(exchangeTime, receiveTime, true);
      this.counts.quotes++;
      this.record?.quote(symbol, t, receiveTime, bid, ask, bidSize, askSize);
      this.kernel.onQuote(symbol, t, bid, ask, bidSize, askSize);
      this.handled(receiveTime);
    } catch (e) {
      this.fail(e);
    }
  }

  bar(symbol: number, exchangeTime: Micros, receiveTime: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    if (this.failure !== undefined || this.finished) return;
    try {
      const t = this.enter(exchangeTime, receiveTime, false);
      this.counts.bars++;
      this.record?.bar(symbol, t, receiveTime, open, high, low, close, volume);
      this.kernel.onBar(symbol, t, open, high, low, close, volume);
      this.handled(receiveTime);
    } catch (e) {
      this.fail(e);
    }
  }

  bookLevel(symbol: number, exchangeTime: Micros, receiveTime: Micros, side: number, price: number, size: number, flags: number, sequence: number): void {
    if (this.failure !== undefined || this.finished) return;
    try {
      const last = (flags & F_LAST) !== 0;
      // The rows of one update share a time: the first row fixes it.
      const t = this.inBookEvent ? this.kernel.stepTime : this.enter(exchangeTime, receiveTime, true);
      const cols = this.books[symbol] as BookColumns;
      cols.length = 1;
      cols.time[0] = t;
      cols.side[0] = side;
      cols.price[0] = price;
      cols.size[0] = size;
      cols.flags[0] = flags;
      cols.sequence[0] = sequence;
      this.record?.bookLevel(symbol, t, receiveTime, side, price, size, flags, sequence);
      this.inBookEvent = !last;
      this.kernel.onBookRow(symbol, cols, 0);
      if (last) {
        this.counts.book++;
        this.handled(receiveTime);
      }
    } catch (e) {
      this.fail(e);
    }
  }

  incident(incident: Incident): void {
    // Incidents are never dropped, even from a source that goes on after the run finished.
    this.incidents++;
    this.options.onIncident?.(incident);
  }

  // ------------------------------------------------------------ time

  /**
   * Called by the run every few tens of milliseconds, and by tests: the
   * stale-feed watchdog, market time moved on by the wall clock (timers
   * due by then fire, their step ended first), and the venue's reports
   * that arrived since the last event (TradingKernel.pollVenue).
   */
  tick(): void {
    if (this.failure !== undefined || this.finished || this.inBookEvent) return;
    try {
      const wall = this.wallNow();
      if (this.staleAfter > 0 && !this.stale && wall - this.anchorWall >= this.staleAfter) {
        this.stale = true;
        const seconds = this.staleAfter / MICROS_PER_SECOND;
        this.feedStatus('stale', 'stale_feed', `no market data for ${seconds} s`);
      }
      if (this.timeRate > 0 && this.anchorTime === this.anchorTime) {
        const market = Math.floor(this.anchorTime + (wall - this.anchorWall) * this.timeRate);
        if (market > this.floor) {
          this.kernel.idleUntil(market);
          const floor = this.kernel.nextDataFloor;
          if (floor > this.floor) this.floor = floor;
        }
      }
      // A live venue's reports (fills, cancels) reach the strategy on a quiet feed too.
      this.kernel.pollVenue();
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * The end of the run (the source has stopped): the kernel's last step
   * ends and the strategy's onStop runs; after a failure, the records close
   * as they stood.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.failure !== undefined) {
      this.kernel.finishPartial();
      return;
    }
    try {
      this.kernel.finish();
    } catch (e) {
      this.failure = e;
      this.kernel.finishPartial();
    }
  }

  /** A new event: the watchdog hears it, latency is counted, the kernel moves to its time (clamped to the kernel's). */
  private enter(exchangeTime: Micros, receiveTime: Micros, measured: boolean): Micros {
    const wall = this.wallNow();
    if (this.stale) {
      this.stale = false;
      this.feedStatus('live', 'feed_resumed', `market data again after ${((wall - this.anchorWall) / MICROS_PER_SECOND).toFixed(3)} s`);
    }
    this.anchorWall = wall;
    if (measured) this.feedLatency.record(receiveTime - exchangeTime);
    let t = exchangeTime;
    if (!(t >= this.floor)) {
      if (t === t) this.counts.late++;
      t = this.floor === -Infinity ? receiveTime : this.floor;
    }
    this.kernel.advanceTo(t);
    this.floor = t;
    this.anchorTime = t;
    return t;
  }

  private handled(receiveTime: Micros): void {
    this.handlingLatency.record(this.wallNow() - receiveTime);
  }

  private feedStatus(state: FeedStatus['state'], kind: 'stale_feed' | 'feed_resumed', detail: string): void {
    const time = this.wallNow();
    this.incident({ time, kind, symbol: '', channel: '', detail });
    const since = this.anchorTime;
    this.kernel.onFeedStatus({ state, time: this.kernel.time === this.kernel.time ? this.kernel.time : since, since, detail });
  }

  private fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.options.onFailure?.(e);
  }
}
