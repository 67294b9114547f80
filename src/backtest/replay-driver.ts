import { InvariantError } from '../core/errors.js';
import type { Issue } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import type { TradingKernel } from '../kernel/kernel.js';
import type { BarColumns, BidAskBar, Columns, MarketFeed } from '../model/market.js';
import { ROW_CLOSE, ROW_HIGH, ROW_LOW, ROW_OPEN, ROW_TIME, ROW_VOLUME } from '../model/market.js';

/** Where a replay reports its progress: `report(events)` after every `every` events (a positive integer). */
interface ProgressSink {
  readonly every: number;
  readonly report: (events: number) => void;
}

/** How a feed's rows reach the kernel: as they are, or as one side of a bid/ask bar pair. */
const enum Role {
  Plain,
  BidBars,
  AskBars,
}

/** A feed being replayed: its current chunk and row (also the live file replay's cursor). */
export class FeedCursor {
  cols: Columns | null = null;
  i = 0;
  n = 0;
  /** Time of the current row; +Infinity when the feed is done. */
  t = Infinity;

  constructor(
    readonly feed: MarketFeed,
    readonly symbolIdx: number,
    readonly role: Role = Role.Plain,
  ) {}

  load(): void {
    for (;;) {
      const cols = this.feed.next();
      if (cols === null) {
        this.cols = null;
        this.t = Infinity;
        return;
      }
      if (cols.length > 0) {
        this.cols = cols;
        this.i = 0;
        this.n = cols.length;
        this.t = cols.time[0] as number;
        return;
      }
    }
  }

  advance(): void {
    if (++this.i < this.n) {
      this.t = (this.cols as Columns).time[this.i] as number;
    } else {
      this.load();
    }
  }
}

/**
 * Pairs the bid bars and the ask bars of one instrument period by period:
 * when both halves of a period are in, the kernel gets one bid/ask bar. A
 * period with one side only cannot be traded on: it is counted and dropped
 * when the time step ends.
 */
class BidAskPairer {
  private readonly bar: BidAskBar = {
    time: NaN,
    bidOpen: NaN,
    bidHigh: NaN,
    bidLow: NaN,
    bidClose: NaN,
    askOpen: NaN,
    askHigh: NaN,
    askLow: NaN,
    askClose: NaN,
    volume: NaN,
  };
  private bidTime = NaN;
  private askTime = NaN;
  private bidVolume = NaN;
  private askVolume = NaN;

  /** Takes one half; returns the pair once both halves of the period are in, else undefined. */
  take(role: Role, cols: BarColumns, i: number): BidAskBar | undefined {
    const b = this.bar;
    const t = cols.time[i] as number;
    if (role === Role.BidBars) {
      this.bidTime = t;
      b.bidOpen = cols.open[i] as number;
      b.bidHigh = cols.high[i] as number;
      b.bidLow = cols.low[i] as number;
      b.bidClose = cols.close[i] as number;
      this.bidVolume = cols.volume[i] as number;
      if (this.askTime !== t) return undefined;
    } else {
      this.askTime = t;
      b.askOpen = cols.open[i] as number;
      b.askHigh = cols.high[i] as number;
      b.askLow = cols.low[i] as number;
      b.askClose = cols.close[i] as number;
      this.askVolume = cols.volume[i] as number;
      if (this.bidTime !== t) return undefined;
    }
    this.bidTime = NaN;
    this.askTime = NaN;
    b.time = t;
    b.volume = Math.max(this.bidVolume, this.askVolume);
    return b;
  }

  /** At the end of a step: a half left alone is dropped; returns whether one was. */
  dropUnpaired(): boolean {
    if (this.bidTime !== this.bidTime && this.askTime !== this.askTime) return false;
    this.bidTime = NaN;
    this.askTime = NaN;
    return true;
  }
}

/**
 * The replay driver: merges columnar feeds (files, the catalog, memory) in
 * time order and pushes their rows into the kernel. The earliest row goes
 * next; ties go to the feed given first. A symbol with both a bid and an ask
 * bar feed trades on both: its halves are paired per period. Book rows go to
 * the kernel row by row (it completes an event at the message's last row).
 */
export class ReplayDriver {
  private readonly cursors: FeedCursor[];
  private readonly pairers: (BidAskPairer | undefined)[];
  /** Bid/ask bar periods with only one side, which could not be traded on. */
  unpairedQuoteBars = 0;
  /** The last step's time (NaN when there was no data). */
  lastStep: Micros = NaN;
  /** Events replayed so far. */
  events = 0;
  /**
   * The current step's time while replaying: a typed array, not a local, as
   * V8 kept a local double that lives across the loop's calls boxed (a heap
   * number for every bar).
   */
  private readonly stepCell = new Float64Array(1);

  constructor(
    readonly feeds: readonly MarketFeed[],
    symbolIndex: ReadonlyMap<string, number>,
    private readonly progress?: ProgressSink,
    /** The last time replayed: rows after it are not (the end of a trading window). */
    private readonly until: Micros = Infinity,
  ) {
    const symbols = [...symbolIndex.keys()];
    // A symbol with a bid bar feed and an ask bar feed trades on both: buys on the ask, sells on the bid.
    const has = (s: string, side: string): boolean => feeds.some((f) => f.symbol === s && f.kind === 'bar' && f.priceSide === side);
    const paired = new Set(symbols.filter((s) => has(s, 'bid') && has(s, 'ask')));
    this.cursors = feeds.map((f) => {
      const role = f.kind === 'bar' && paired.has(f.symbol) ? (f.priceSide === 'bid' ? Role.BidBars : f.priceSide === 'ask' ? Role.AskBars : Role.Plain) : Role.Plain;
      return new FeedCursor(f, symbolIndex.get(f.symbol) as number, role);
    });
    this.pairers = symbols.map((s) => (paired.has(s) ? new BidAskPairer() : undefined));
  }

  /** Replays every feed to its end into the kernel (which has started); closes the feeds. */
  run(kernel: TradingKernel): void {
    const cursors = this.cursors;
    const nCursors = cursors.length;
    const progress = this.progress;
    try {
      for (const c of cursors) c.load();
      const only = cursors[0];
      if (nCursors === 1 && only !== undefined && only.role === Role.Plain && only.cols?.kind === 'bar') {
        this.runBars(kernel, only);
        return;
      }
      const step = this.stepCell;
      step[0] = NaN;
      let untilReport = this.eventsUntilReport(this.events);
      for (;;) {
        // The cursor with the earliest row; ties go to the earlier feed.
        let best: FeedCursor | undefined;
        let bestT = Infinity;
        for (let k = 0; k < nCursors; k++) {
          const c = cursors[k] as FeedCursor;
          if (c.t < bestT) {
            bestT = c.t;
            best = c;
          }
        }
        if (best === undefined || bestT > this.until) break;
        const last = step[0] as number;
        if (bestT !== last) {
          if (bestT < last) throw new InvariantError(`feed ${best.feed.source} went back in time`);
          if (last === last) this.dropUnpaired();
          kernel.advanceTo(bestT);
          step[0] = bestT;
        }
        const cols = best.cols as Columns;
        const i = best.i;
        const idx = best.symbolIdx;
        switch (cols.kind) {
          case 'bar':
            if (best.role === Role.Plain) {
              kernel.onBar(idx, bestT, cols.open[i] as number, cols.high[i] as number, cols.low[i] as number, cols.close[i] as number, cols.volume[i] as number);
            } else {
              const pair = (this.pairers[idx] as BidAskPairer).take(best.role, cols, i);
              if (pair !== undefined) kernel.onBidAskBar(idx, pair);
            }
            break;
          case 'quote':
            kernel.onQuote(idx, bestT, cols.bid[i] as number, cols.ask[i] as number, cols.bidSize[i] as number, cols.askSize[i] as number);
            break;
          case 'trade':
            kernel.onTrade(idx, bestT, cols.price[i] as number, cols.size[i] as number, cols.side[i] as number);
            break;
          case 'book':
            kernel.onBookRow(idx, cols, i);
            break;
        }
        best.advance();
        this.events++;
        if (--untilReport === 0) {
          untilReport = (progress as ProgressSink).every;
          (progress as ProgressSink).report(this.events);
        }
      }
      const last = step[0] as number;
      if (last === last) this.dropUnpaired();
      this.lastStep = last;
      kernel.finish();
    } finally {
      for (const c of cursors) c.feed.close();
    }
    this.progress?.report(this.events);
  }

  /**
   * Events to go before the next progress report (at every multiple of
   * `every`), counted down per event: `events % every` per event would be a
   * float modulo when there is no progress to report (every = Infinity).
   * Without progress the count starts below zero and never reaches it.
   */
  private eventsUntilReport(events: number): number {
    const every = this.progress?.every;
    return every === undefined ? -1 : every - (events % every);
  }

  /**
   * One bar feed: no merge, no pairing, a plain loop over each chunk's
   * columns (the common single-instrument backtest, and the fastest).
   */
  private runBars(kernel: TradingKernel, c: FeedCursor): void {
    const progress = this.progress;
    const idx = c.symbolIdx;
    const step = this.stepCell;
    step[0] = NaN;
    let events = this.events;
    let untilReport = this.eventsUntilReport(events);
    const until = this.until;
    const row = kernel.barRow;
    feed: for (let cols = c.cols as BarColumns | null; cols !== null; c.load(), cols = c.cols as BarColumns | null) {
      const { time, open, high, low, close, volume } = cols;
      const n = c.n;
      for (let i = c.i; i < n; i++) {
        const t = time[i] as number;
        if (t > until) break feed;
        row[ROW_TIME] = t;
        row[ROW_OPEN] = open[i] as number;
        row[ROW_HIGH] = high[i] as number;
        row[ROW_LOW] = low[i] as number;
        row[ROW_CLOSE] = close[i] as number;
        row[ROW_VOLUME] = volume[i] as number;
        if (t !== step[0]) {
          if (t < (step[0] as number)) throw new InvariantError(`feed ${c.feed.source} went back in time`);
          kernel.advanceToBarRow();
          step[0] = t;
        }
        kernel.onBarRow(idx);
        events++;
        if (--untilReport === 0) {
          untilReport = (progress as ProgressSink).every;
          this.events = events;
          (progress as ProgressSink).report(events);
        }
      }
      c.i = n;
    }
    this.events = events;
    this.lastStep = step[0] as number;
    kernel.finish();
    this.progress?.report(events);
  }

  /** Rows the feeds rejected and skipped (under 'skip'). */
  skipped(): Issue[] {
    const out: Issue[] = [];
    for (const c of this.cursors) out.push(...c.feed.skipped);
    return out;
  }

  private dropUnpaired(): void {
    for (const p of this.pairers) if (p !== undefined && p.dropUnpaired()) this.unpairedQuoteBars++;
  }
}
