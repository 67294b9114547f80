import { describeDataset, importFeed, type DatasetKey, type ImportReport, type RowBefore } from '../../data/catalog/index.js';
import { appendColumns, emptyColumns } from '../../data/collect.js';
import { ColumnsFeed } from '../../data/memory-feed.js';
import type { Micros } from '../../core/time.js';
import { formatIso } from '../../core/time.js';
import { F_CLEAR, F_LAST, F_SNAPSHOT, type BarColumns, type BookColumns, type Columns, type QuoteColumns, type TradeColumns } from '../../model/market.js';
import type { DataChannel, Incident, MarketEventSink } from '../source.js';
import { ColumnBuffer } from './column-buffer.js';

export interface CatalogRecorderOptions {
  /** The catalog folder. */
  readonly root: string;
  /** The exchange id, for the manifest's source names (`record:binance:BTC/USDT:trades`). */
  readonly exchange: string;
  /** The subscription's symbols: event `symbol` numbers index this list; each is the data set's symbol in the catalog. */
  readonly symbols: readonly string[];
  /** Names this recording in the manifest: its records add up the flushes of one session. */
  readonly session: string;
  /** Where incidents go (the source's, passed through, and the recorder's own: bad events, failed flushes). */
  readonly onIncident: (incident: Incident) => void;
  /** Told when a flush waits for another writer or for readers. */
  readonly onWait?: (message: string) => void;
  /** How long a flush waits for the writer lock before it fails (and is retried at the next flush), ms. Default 60 s. */
  readonly lockTimeoutMs?: number;
  /** Files a partition may hold before a flush compacts it (import's ChunkOptions.maxFiles). */
  readonly maxFiles?: number;
  /** The local clock for the recorder's own incidents (µs). */
  readonly now?: () => Micros;
}

/** What one flush wrote, per data set that had something. */
export interface FlushReport {
  readonly datasets: readonly (ImportReport & { readonly dataset: string })[];
  /** Rows added to the catalog by this flush. */
  readonly added: number;
  /** Data sets whose import failed (their rows stay buffered for the next flush). */
  readonly failed: number;
}

/** Counts of a recording so far. */
export interface RecorderStats {
  /** Valid events (book: rows) received. */
  readonly received: number;
  /** Rows added to the catalog. */
  readonly added: number;
  /** Events (book: rows) refused by validation, each reported as an incident. */
  readonly invalid: number;
  readonly flushes: number;
}

const CHANNEL_OF: Readonly<Record<Columns['kind'], DataChannel>> = { bar: 'bars', quote: 'quotes', trade: 'trades', book: 'book' };

/** One data set being recorded: its rows since the last flush and what validation needs. */
class Stream<C extends Columns> {
  readonly buffer: ColumnBuffer<C>;
  /** Rows taken by a flush whose import failed: imported first at the next flush. */
  pending: C | null = null;
  /** The last row written to the catalog (its key), so that ranks n go on across flushes. */
  before: RowBefore | undefined;
  /** Exchange time of the last accepted event: times must not go back. */
  lastTime = -Infinity;
  /** Rows refused since the last flush. */
  invalid = 0;
  // Book events: where the event being received starts in the buffer, its time and sequence, whether it is a snapshot.
  eventStart = -1;
  eventTime = NaN;
  eventSequence = NaN;
  eventSnapshot = false;
  /** A bad row was found in the current book event: its remaining rows are refused too, up to its last. */
  skipping = false;

  constructor(
    readonly key: DatasetKey,
    readonly source: string,
  ) {
    this.buffer = new ColumnBuffer<C>(key.kind as C['kind']);
  }

  /** Rows a flush may take: all, except a book event still open. */
  ready(): number {
    return this.eventStart >= 0 ? this.eventStart : this.buffer.length;
  }
}

/**
 * A MarketEventSink that records into a catalog: events are validated as an
 * import validates rows, buffered per data set (kind and symbol) in the
 * import's columns, and written by `flush()` through the catalog import
 * (chunk mode: one more file per partition, published whole under the
 * writer lock, the manifest last). A bad event is refused, counted (the
 * manifest's `invalid`) and reported as an incident, never written. A flush
 * takes only whole book events; one still arriving waits for the next.
 */
export class CatalogRecorder implements MarketEventSink {
  private readonly trades: Stream<TradeColumns>[];
  private readonly quotes: Stream<QuoteColumns>[];
  private readonly bars: Stream<BarColumns>[];
  private readonly books: Stream<BookColumns>[];
  private received = 0;
  private added = 0;
  private invalidTotal = 0;
  private flushCount = 0;
  private flushing: Promise<FlushReport> | null = null;
  private readonly now: () => Micros;

  constructor(private readonly options: CatalogRecorderOptions) {
    this.now = options.now ?? (() => Date.now() * 1000);
    const make = <C extends Columns>(kind: Columns['kind']): Stream<C>[] =>
      options.symbols.map((symbol) => {
        const key: DatasetKey = kind === 'bar' ? { kind, symbol, side: 'trade' } : { kind, symbol };
        return new Stream<C>(key, `record:${options.exchange}:${symbol}:${CHANNEL_OF[kind]}`);
      });
    this.trades = make('trade');
    this.quotes = make('quote');
    this.bars = make('bar');
    this.books = make('book');
  }

  // --- the sink: validation and buffering, no allocation per event -----------

  trade(symbol: number, exchangeTime: Micros, _receiveTime: Micros, price: number, size: number, aggressor: number): void {
    const s = this.trades[symbol];
    if (s === undefined) return this.unknownSymbol(symbol, 'trades');
    if (!this.inOrder(s, exchangeTime)) return;
    if (!(price > 0) || !Number.isFinite(price)) return this.refuse(s, exchangeTime, `price ${price} is not a positive number`);
    if (!(size >= 0) || !Number.isFinite(size)) return this.refuse(s, exchangeTime, `size ${size} is not a number >= 0`);
    if (aggressor !== 1 && aggressor !== -1 && aggressor !== 0) return this.refuse(s, exchangeTime, `aggressor ${aggressor} is not 1, -1 or 0`);
    const c = s.buffer.row();
    const i = c.length;
    c.time[i] = exchangeTime;
    c.price[i] = price;
    c.size[i] = size;
    c.side[i] = aggressor;
    c.line[i] = 0;
    s.buffer.commit();
    s.lastTime = exchangeTime;
    this.received++;
  }

  quote(symbol: number, exchangeTime: Micros, _receiveTime: Micros, bid: number, ask: number, bidSize: number, askSize: number): void {
    const s = this.quotes[symbol];
    if (s === undefined) return this.unknownSymbol(symbol, 'quotes');
    if (!this.inOrder(s, exchangeTime)) return;
    if (!(bid > 0) || !Number.isFinite(bid)) return this.refuse(s, exchangeTime, `bid ${bid} is not a positive number`);
    if (!(ask > 0) || !Number.isFinite(ask)) return this.refuse(s, exchangeTime, `ask ${ask} is not a positive number`);
    if (bid > ask) return this.refuse(s, exchangeTime, `bid ${bid} is above ask ${ask}`);
    // Sizes are NaN when the exchange gives none.
    if (bidSize < 0 || bidSize === Infinity) return this.refuse(s, exchangeTime, `bid size ${bidSize} is not a number >= 0`);
    if (askSize < 0 || askSize === Infinity) return this.refuse(s, exchangeTime, `ask size ${askSize} is not a number >= 0`);
    const c = s.buffer.row();
    const i = c.length;
    c.time[i] = exchangeTime;
    c.bid[i] = bid;
    c.ask[i] = ask;
    c.bidSize[i] = bidSize;
    c.askSize[i] = askSize;
    c.line[i] = 0;
    s.buffer.commit();
    s.lastTime = exchangeTime;
    this.received++;
  }

  bar(symbol: number, exchangeTime: Micros, _receiveTime: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    const s = this.bars[symbol];
    if (s === undefined) return this.unknownSymbol(symbol, 'bars');
    if (!this.inOrder(s, exchangeTime)) return;
    if (!this.positive(s, exchangeTime, 'open', open) || !this.positive(s, exchangeTime, 'high', high)) return;
    if (!this.positive(s, exchangeTime, 'low', low) || !this.positive(s, exchangeTime, 'close', close)) return;
    if (high < low) return this.refuse(s, exchangeTime, `high ${high} is below low ${low}`);
    if (open < low || open > high) return this.refuse(s, exchangeTime, `open ${open} is outside low..high ${low}..${high}`);
    if (close < low || close > high) return this.refuse(s, exchangeTime, `close ${close} is outside low..high ${low}..${high}`);
    if (!(volume >= 0) || !Number.isFinite(volume)) return this.refuse(s, exchangeTime, `volume ${volume} is not a number >= 0`);
    const c = s.buffer.row();
    const i = c.length;
    c.time[i] = exchangeTime;
    c.open[i] = open;
    c.high[i] = high;
    c.low[i] = low;
    c.close[i] = close;
    c.volume[i] = volume;
    c.adjClose[i] = NaN;
    c.line[i] = 0;
    s.buffer.commit();
    s.lastTime = exchangeTime;
    this.received++;
  }

  bookLevel(symbol: number, exchangeTime: Micros, _receiveTime: Micros, side: number, price: number, size: number, flags: number, sequence: number): void {
    const s = this.books[symbol];
    if (s === undefined) return this.unknownSymbol(symbol, 'book');
    const newEvent = (flags & F_CLEAR) !== 0 || exchangeTime !== s.eventTime || sequence !== s.eventSequence;
    if (s.skipping) {
      if (!newEvent) {
        // The rest of an event spoiled by a bad row.
        s.invalid++;
        this.invalidTotal++;
        if ((flags & F_LAST) !== 0) s.skipping = false;
        return;
      }
      s.skipping = false;
    } else if (s.eventStart >= 0 && newEvent) {
      // The previous event ended without its last row: it is not whole, so it is not written.
      this.dropEvent(s, exchangeTime, 'the previous book event ended without a row flagged last (F_LAST)');
    }
    const startsEvent = s.eventStart < 0;
    const problem = this.bookRowProblem(s, startsEvent, exchangeTime, side, price, size, flags, sequence);
    if (problem !== null) {
      // A bad row spoils its whole event: the rows before it go, and those after it up to the event's last.
      if (s.eventStart >= 0) this.dropEvent(s, exchangeTime, problem);
      else this.streamIncident(s, exchangeTime, `book event refused (${problem})`);
      s.invalid++;
      this.invalidTotal++;
      s.skipping = (flags & F_LAST) === 0;
      if (s.skipping) {
        s.eventTime = exchangeTime;
        s.eventSequence = sequence;
      }
      return;
    }
    if (startsEvent) {
      s.eventStart = s.buffer.length;
      s.eventTime = exchangeTime;
      s.eventSequence = sequence;
      s.eventSnapshot = (flags & F_SNAPSHOT) !== 0;
      s.lastTime = exchangeTime;
    }
    const c = s.buffer.row();
    const i = c.length;
    c.time[i] = exchangeTime;
    c.side[i] = side;
    c.price[i] = price;
    c.size[i] = size;
    c.flags[i] = flags;
    c.sequence[i] = sequence;
    c.line[i] = 0;
    c.source[i] = 0;
    s.buffer.commit();
    this.received++;
    if ((flags & F_LAST) !== 0) s.eventStart = -1;
  }

  /** The source's incidents go to the recording's incident log as they are. */
  incident(incident: Incident): void {
    this.options.onIncident(incident);
  }

  // --- flushing --------------------------------------------------------------

  /**
   * Writes what was received since the last flush into the catalog, one
   * chunk import per data set. Events keep arriving meanwhile (into the
   * buffers, for the next flush). A data set whose import fails keeps its
   * rows for the next flush, and the failure is an incident. One flush at a
   * time: a call during a flush waits for it and then flushes again.
   */
  async flush(): Promise<FlushReport> {
    while (this.flushing !== null) await this.flushing.catch(() => undefined);
    const run = this.flushOnce();
    this.flushing = run;
    try {
      return await run;
    } finally {
      this.flushing = null;
    }
  }

  stats(): RecorderStats {
    return { received: this.received, added: this.added, invalid: this.invalidTotal, flushes: this.flushCount };
  }

  private async flushOnce(): Promise<FlushReport> {
    const datasets: (ImportReport & { dataset: string })[] = [];
    let added = 0;
    let failed = 0;
    for (const s of [...this.trades, ...this.quotes, ...this.bars, ...this.books] as Stream<Columns>[]) {
      const ready = s.ready();
      if (ready === 0 && s.invalid === 0 && s.pending === null) continue;
      // Rows of a failed flush go first, then the new ones (in time order: a stream's rows only go forward).
      const taken = ready > 0 ? s.buffer.take(ready) : null;
      if (s.eventStart >= 0) s.eventStart -= ready;
      const chunk = joinColumns(s.pending, taken);
      const invalid = s.invalid;
      s.pending = null;
      s.invalid = 0;
      try {
        const report = await importFeed(this.options.root, new ColumnsFeed(s.key.symbol, chunk ?? emptyLike(s), s.source, s.key.side), {
          source: s.source,
          sha256: '',
          chunk: {
            session: this.options.session,
            invalid,
            ...(s.before !== undefined ? { before: s.before } : {}),
            ...(this.options.maxFiles !== undefined ? { maxFiles: this.options.maxFiles } : {}),
          },
          lock: {
            command: 'quantflow record',
            timeoutMs: this.options.lockTimeoutMs ?? 60_000,
            ...(this.options.onWait !== undefined ? { onWait: this.options.onWait } : {}),
          },
        });
        if (report.lastRow !== undefined) s.before = report.lastRow;
        added += report.added;
        datasets.push({ ...report, dataset: describeDataset(s.key) });
      } catch (e) {
        failed++;
        s.pending = chunk;
        s.invalid += invalid;
        this.options.onIncident({
          time: this.now(),
          kind: 'error',
          symbol: s.key.symbol,
          channel: CHANNEL_OF[s.key.kind],
          detail: `flush to the catalog failed (${e instanceof Error ? e.message : String(e)}); ${chunk?.length ?? 0} rows kept for the next flush`,
        });
      }
    }
    this.added += added;
    this.flushCount++;
    return { datasets, added, failed };
  }

  // --- validation helpers ------------------------------------------------------

  private inOrder(s: Stream<Columns>, t: Micros): boolean {
    if (!Number.isFinite(t)) {
      this.refuse(s, t, `exchange time ${t} is not a time`);
      return false;
    }
    if (t < s.lastTime) {
      this.refuse(s, t, `time goes back: ${formatIso(t)} is before the previous event's ${formatIso(s.lastTime)}`);
      return false;
    }
    return true;
  }

  private bookRowProblem(s: Stream<BookColumns>, startsEvent: boolean, t: Micros, side: number, price: number, size: number, flags: number, sequence: number): string | null {
    if (startsEvent) {
      if (!Number.isFinite(t)) return `exchange time ${t} is not a time`;
      if (t < s.lastTime) return `time goes back: ${formatIso(t)} is before the previous event's ${formatIso(s.lastTime)}`;
    }
    if (side !== 1 && side !== -1) return `side ${side} is not 1 (bid) or -1 (ask)`;
    if (!(price > 0) || !Number.isFinite(price)) return `price ${price} is not a positive number`;
    if (!(size >= 0) || !Number.isFinite(size)) return `size ${size} is not a number >= 0`;
    if (!Number.isInteger(flags) || flags < 0 || (flags & ~(F_SNAPSHOT | F_CLEAR | F_LAST)) !== 0) return `flags ${flags} are not F_SNAPSHOT | F_CLEAR | F_LAST bits`;
    if ((flags & F_CLEAR) !== 0 && (flags & F_SNAPSHOT) === 0) return `flags ${flags}: F_CLEAR without F_SNAPSHOT`;
    if (!Number.isSafeInteger(sequence) || sequence < -1) return `sequence ${sequence} is not an update id (or -1)`;
    if (!startsEvent && ((flags & F_SNAPSHOT) !== 0) !== s.eventSnapshot) return `flags ${flags}: a snapshot row and an update row in one event`;
    return null;
  }

  private positive(s: Stream<Columns>, t: Micros, name: string, v: number): boolean {
    if (v > 0 && Number.isFinite(v)) return true;
    this.refuse(s, t, `${name} ${v} is not a positive number`);
    return false;
  }

  private refuse(s: Stream<Columns>, t: Micros, problem: string): void {
    s.invalid++;
    this.invalidTotal++;
    this.streamIncident(s, t, `${s.key.kind} event refused (${problem})`);
  }

  /** The recorder's own incident about a data set: an event refused, an event dropped. */
  private streamIncident(s: Stream<Columns>, t: Micros, detail: string): void {
    this.options.onIncident({
      time: this.now(),
      kind: 'error',
      symbol: s.key.symbol,
      channel: CHANNEL_OF[s.key.kind],
      detail: `${detail} at exchange time ${Number.isFinite(t) ? formatIso(t) : String(t)}; not recorded`,
    });
  }

  /** Drops the rows of the book event being received (not whole, or spoiled by a bad row). */
  private dropEvent(s: Stream<BookColumns>, t: Micros, problem: string): void {
    const rows = s.buffer.length - s.eventStart;
    s.buffer.truncate(s.eventStart);
    s.eventStart = -1;
    s.invalid += rows;
    this.invalidTotal += rows;
    this.received -= rows;
    this.streamIncident(s, t, `book event refused (${problem}); its ${rows} earlier row(s) dropped too`);
  }

  private unknownSymbol(symbol: number, channel: DataChannel): void {
    this.invalidTotal++;
    this.options.onIncident({ time: this.now(), kind: 'error', symbol: '', channel, detail: `event for symbol number ${symbol}, not in the subscription (${this.options.symbols.length} symbols); not recorded` });
  }
}

function emptyLike(s: Stream<Columns>): Columns {
  return s.buffer.take(0);
}

/** Two chunks of one stream as one (either may be null). */
function joinColumns<C extends Columns>(a: C | null, b: C | null): C | null {
  if (a === null) return b;
  if (b === null) return a;
  const joined = emptyColumns(a.kind, a.length + b.length) as C;
  appendColumns(joined, a);
  appendColumns(joined, b);
  return joined;
}
