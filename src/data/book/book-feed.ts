import { z } from 'zod';
import { InputError, type Issue } from '../../core/errors.js';
import { formatIso, type Micros } from '../../core/time.js';
import { BookColumns, F_CLEAR, F_LAST, F_SNAPSHOT, type MarketFeed } from '../../model/market.js';
import { OrderBook } from '../../model/order-book.js';
import { symbolFromFileName } from '../csv/symbol.js';
import { BinanceDepthSource, binanceColumns } from './binance.js';
import { LineReader } from './lines.js';
import { BookSequence, CrossedBookCheck, gapMessage } from './sequence.js';
import type { BookFormatName, BookSource } from './source.js';
import { TardisSnapshotSource, tardisColumns } from './tardis.js';

const micros = z.number().int().refine(Number.isSafeInteger, 'not a safe integer');

export const bookFeedOptionsSchema = z
  .object({
    /** 'fail' (default): throw InputError at the first problem. 'skip': report it in `skipped` and go on. */
    onInvalid: z.enum(['fail', 'skip']).optional(),
    /** Called with each issue as it is found (under 'skip'). */
    onIssue: z.custom<(issue: Issue) => void>((v) => typeof v === 'function', 'must be a function').optional(),
    /**
     * A sequence gap or a crossed book, facts about well-formed data rather
     * than bad rows: 'fail' throws InputError; 'warn' records it in
     * `warnings` (and onWarning) and goes on, the rows as they are. Default:
     * 'fail' under onInvalid 'fail', 'warn' under 'skip'.
     */
    onGap: z.enum(['fail', 'warn']).optional(),
    /** Called with each gap or crossed book as it is found (under onGap 'warn'). */
    onWarning: z.custom<(issue: Issue) => void>((v) => typeof v === 'function', 'must be a function').optional(),
    /** The instrument; default: the files' symbol column, else the first file's name. */
    symbol: z.string().min(1).optional(),
    /** Stop before the first event stamped after `to` (Micros, inclusive). */
    to: micros.optional(),
    /** Rows per chunk handed out by next() (default 8192). */
    capacity: z.number().int().min(1).optional(),
    /** Bytes read per read call (default 1 MiB); grows if one line is longer. */
    chunkBytes: z.number().int().min(64).optional(),
  })
  .strict();
export type BookFeedOptions = z.infer<typeof bookFeedOptionsSchema>;

/** A file of the feed and the layout it was read as. */
export interface BookFeedSource {
  readonly path: string;
  readonly format: BookFormatName;
}

/** What the feed did with the events it read (so far). */
export interface BookFeedStats {
  /** Events handed out: snapshots and updates. */
  events: number;
  snapshots: number;
  updates: number;
  rows: number;
  /** Update events left out because an applied snapshot already covers them (last_update_id <= the snapshot's). */
  staleDropped: number;
  /** Snapshots left out because the book was in sync and already past them. */
  staleSnapshots: number;
  /** Update events before the first snapshot, left out because a snapshot file will set the book. */
  beforeSnapshot: number;
  /** Sequence gaps found (reported as 'sequence_gap' issues). */
  gaps: number;
  /** Events after which the book was crossed or locked (the first of a run is reported as 'crossed_book'). */
  crossedEvents: number;
  /** Rows with bad fields, left out (reported). */
  invalidRows: number;
}

/**
 * Opens order-book files for one instrument as a MarketFeed of kind 'book'.
 * Each file's layout is detected from its header: Binance depth
 * (`symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu`)
 * or Tardis `book_snapshot_N`. Several files (a snapshot and its updates)
 * are merged event by event in time order; at equal times snapshots come
 * first, then the order of the paths. Throws InputError for a missing, empty
 * or unknown file, files naming different instruments, bad options, and
 * (under the default `onInvalid: 'fail'`) at the first bad row, and (under
 * the default `onGap`, which follows onInvalid) at the first sequence gap or
 * crossed book.
 */
export function openBookFeed(paths: string | readonly string[], options: BookFeedOptions = {}): BookFeed {
  const r = bookFeedOptionsSchema.safeParse(options);
  if (!r.success) {
    throw new InputError(
      r.error.issues.map((i) => {
        const path = i.path.map(String).join('.');
        return { code: 'invalid_option' as const, message: `book feed option${path ? ` '${path}'` : ''}: ${i.message}`, ...(path ? { field: path } : {}) };
      }),
    );
  }
  const list = typeof paths === 'string' ? [paths] : [...paths];
  if (list.length === 0) throw new InputError({ code: 'invalid_option', field: 'paths', message: 'no order-book file given' });
  if (list.length > 0xffff) throw new InputError({ code: 'invalid_option', field: 'paths', message: 'too many files' });
  return new BookFeed(list, r.data);
}

/**
 * The merged, checked stream of book rows. Binance update ids are checked
 * as Binance documents for diff-depth streams:
 *
 * - after a snapshot with last_update_id L, updates with last_update_id <= L
 *   are left out (`staleDropped`), and the first update applied must have
 *   first_update_id <= L+1 <= last_update_id;
 * - afterwards each update's `pu` must equal the previous update's
 *   last_update_id (futures), or without a `pu` column its first_update_id
 *   must be the previous last_update_id + 1 (spot);
 * - updates before the first snapshot are left out when a snapshot file is
 *   among the inputs (`beforeSnapshot`); with no snapshot at all the book is
 *   built from the updates alone, which is reported as a gap once;
 * - a snapshot whose last_update_id is not past an in-sync book is left out.
 *
 * Anything else is a gap: an issue 'sequence_gap' naming the file, line,
 * column and id. After every event the feed's own book is checked; a book
 * whose best bid is at or above its best ask is an issue 'crossed_book'
 * (once per run of crossed events). Under onGap 'fail' either stops the feed
 * with an InputError; under 'warn' it is recorded in `warnings`, and the event is
 * handed out as read (after a gap the levels no update has touched since may
 * be stale, until the next snapshot). Updates whose ids go backwards are
 * left out under 'skip'.
 */
export class BookFeed implements MarketFeed {
  readonly kind = 'book' as const;
  readonly symbol: string;
  readonly source: string;
  readonly sources: readonly BookFeedSource[];
  readonly skipped: Issue[] = [];
  readonly stats: BookFeedStats = {
    events: 0,
    snapshots: 0,
    updates: 0,
    rows: 0,
    staleDropped: 0,
    staleSnapshots: 0,
    beforeSnapshot: 0,
    gaps: 0,
    crossedEvents: 0,
    invalidRows: 0,
  };
  /**
   * The book as of the rows read so far (the feed applies every row it hands
   * out, to check it). It runs ahead of a consumer by up to one chunk.
   */
  readonly book: OrderBook;

  private readonly readers: BookSource[] = [];
  private readonly onInvalid: 'fail' | 'skip';
  private readonly onIssue: ((issue: Issue) => void) | undefined;
  private readonly onGap: 'fail' | 'warn';
  private readonly onWarning: ((issue: Issue) => void) | undefined;
  /** Sequence gaps and crossed books found under onGap 'warn', in the order found. */
  readonly warnings: Issue[] = [];
  /** Every issue reported and gone past, skipped rows and warnings alike, in file order. */
  readonly issues: Issue[] = [];
  private readonly to: Micros;
  private readonly out: BookColumns;
  private readonly sequence: BookSequence;
  private done = false;
  /** The source whose event is being handed out, or null between events. */
  private current: BookSource | null = null;
  private currentIndex = 0;
  private currentSnapshot = false;
  private eventId = -1;
  private eventTime = 0;
  private readonly crossing = new CrossedBookCheck();

  constructor(paths: readonly string[], options: BookFeedOptions) {
    this.onInvalid = options.onInvalid ?? 'fail';
    this.onIssue = options.onIssue;
    this.onGap = options.onGap ?? (this.onInvalid === 'skip' ? 'warn' : 'fail');
    this.onWarning = options.onWarning;
    this.to = options.to ?? Infinity;
    this.out = new BookColumns(options.capacity ?? 8192);
    const report = (issue: Issue): void => this.report(issue);
    try {
      for (const path of paths) this.readers.push(openSource(path, report, options.chunkBytes ?? 1 << 20));
    } catch (e) {
      this.close();
      throw e;
    }
    this.sources = this.readers.map((r) => ({ path: r.path, format: r.format }));
    this.source = paths.join(' + ');
    const symbols = [...new Set(this.readers.map((r) => r.symbol))];
    if (options.symbol === undefined && symbols.length > 1) {
      this.close();
      throw new InputError({
        code: 'invalid_option',
        field: 'symbol',
        value: symbols.join(', '),
        message: `the files name different instruments (${this.readers.map((r) => `${r.symbol} in ${r.path}`).join(', ')}); one book is one instrument`,
      });
    }
    this.symbol = options.symbol ?? symbols[0] ?? 'BOOK';
    this.sequence = new BookSequence(this.readers.some((r) => r.hasSnapshots));
    this.book = new OrderBook(this.symbol);
  }

  /** Whether the book follows the exchange's sequence (false before a snapshot and after a gap until the next one). */
  get inSync(): boolean {
    return this.sequence.inSync;
  }

  next(): BookColumns | null {
    const out = this.out;
    out.length = 0;
    if (this.done) return null;
    try {
      this.fill(out);
    } catch (e) {
      this.close();
      throw e;
    }
    if (out.length === 0) {
      this.close();
      return null;
    }
    return out;
  }

  close(): void {
    this.done = true;
    this.current = null;
    for (const r of this.readers) r.close();
  }

  private fill(out: BookColumns): void {
    const capacity = out.capacity;
    const book = this.book;
    while (out.length < capacity) {
      let src = this.current;
      if (src === null) {
        src = this.startEvent();
        if (src === null) {
          this.done = true;
          return;
        }
      }
      // Copy the event's rows until its last or the chunk is full.
      const index = this.currentIndex;
      let i = out.length;
      while (i < capacity) {
        const flags = src.flags;
        const side = src.side;
        const price = src.price;
        const size = src.size;
        out.time[i] = src.time;
        out.side[i] = side;
        out.price[i] = price;
        out.size[i] = size;
        out.flags[i] = flags;
        out.sequence[i] = src.lastId;
        out.firstSequence[i] = src.firstId;
        out.prevSequence[i] = src.prevId;
        out.line[i] = src.line;
        out.source[i] = index;
        i++;
        if ((flags & F_CLEAR) !== 0) book.clear();
        book.update(side, price, size);
        if (this.crossing.level(side, price, size, src.line)) this.crossing.column(side, src.priceColumn());
        // The event's checks come before the source reads on, so that issues
        // are reported in the order of the file.
        if ((flags & F_LAST) !== 0) {
          this.endEvent();
          src.advance();
          break;
        }
        src.advance();
        if (!src.has) {
          this.endEvent();
          break;
        }
      }
      this.stats.rows += i - out.length;
      out.length = i;
    }
  }

  /** Picks the source whose next event goes next, applies the sequence rules; null at the end. */
  private startEvent(): BookSource | null {
    for (;;) {
      let best: BookSource | null = null;
      let bestIndex = -1;
      for (let k = 0; k < this.readers.length; k++) {
        const r = this.readers[k]!;
        if (!r.has) continue;
        if (
          best === null ||
          r.time < best.time ||
          (r.time === best.time && (r.flags & F_SNAPSHOT) !== 0 && (best.flags & F_SNAPSHOT) === 0)
        ) {
          best = r;
          bestIndex = k;
        }
      }
      if (best === null || best.time > this.to) return null;
      const snapshot = (best.flags & F_SNAPSHOT) !== 0;
      if (!this.admit(best, snapshot)) {
        this.skipEvent(best);
        continue;
      }
      this.current = best;
      this.currentIndex = bestIndex;
      this.currentSnapshot = snapshot;
      this.eventId = best.lastId;
      this.eventTime = best.time;
      this.crossing.startEvent();
      if (snapshot) this.stats.snapshots++;
      else this.stats.updates++;
      this.stats.events++;
      return best;
    }
  }

  /** The sequence rules for the event starting at `src`'s current row: whether to hand it out. */
  private admit(src: BookSource, snapshot: boolean): boolean {
    const admission = this.sequence.admit(snapshot, src.firstId, src.lastId, src.prevId, (g) => {
      this.stats.gaps++;
      const column = g.id === 'prev' ? src.prevIdColumn : src.firstIdColumn;
      this.report({
        code: 'sequence_gap',
        file: src.path,
        line: src.line,
        ...(column !== '' ? { column } : {}),
        field: 'sequence',
        value: String(g.value),
        message: gapMessage(formatIso(src.time), g),
      });
    });
    switch (admission) {
      case 'apply':
        return true;
      case 'stale_snapshot':
        this.stats.staleSnapshots++;
        return false;
      case 'stale_update':
        this.stats.staleDropped++;
        return false;
      case 'before_snapshot':
        this.stats.beforeSnapshot++;
        return false;
      case 'backwards':
        return false;
    }
  }

  /** Leaves out the rest of the event starting at `src`'s current row. */
  private skipEvent(src: BookSource): void {
    for (;;) {
      const last = (src.flags & F_LAST) !== 0;
      src.advance();
      if (last || !src.has) return;
    }
  }

  /** After an event's last row: the crossed-book check. */
  private endEvent(): void {
    this.current = null;
    const book = this.book;
    book.sequence = this.eventId;
    book.time = this.eventTime;
    const crossed = this.crossing.endEvent(book, this.currentSnapshot, this.sources[this.currentIndex]?.path ?? this.source);
    if (crossed === 'ok') return;
    this.stats.crossedEvents++;
    if (crossed !== 'again') this.report(crossed);
  }

  private report(issue: Issue): void {
    if (issue.code === 'sequence_gap' || issue.code === 'crossed_book') {
      // Counted by admit() and endEvent(). The event is handed out as read either way.
      if (this.onGap === 'fail') throw new InputError(issue);
      this.warnings.push(issue);
      this.issues.push(issue);
      this.onWarning?.(issue);
      return;
    }
    this.stats.invalidRows++;
    if (this.onInvalid === 'fail') throw new InputError(issue);
    this.skipped.push(issue);
    this.issues.push(issue);
    this.onIssue?.(issue);
  }
}

function openSource(path: string, report: (issue: Issue) => void, chunkBytes: number): BookSource {
  const reader = new LineReader(path, chunkBytes);
  try {
    if (!reader.nextLine()) throw new InputError({ code: 'empty_file', file: path, message: 'the file has no lines' });
    const names: string[] = [];
    for (let i = 0; i < reader.fields; i++) names.push(reader.text(i).trim());
    const fallback = symbolFromFileName(path);
    const binance = binanceColumns(names);
    if (binance !== undefined) return new BinanceDepthSource(path, reader, names, binance, report, fallback);
    const tardis = tardisColumns(names);
    if (tardis !== undefined) return new TardisSnapshotSource(path, reader, names, tardis, report, fallback);
    throw new InputError({
      code: 'unknown_format',
      file: path,
      line: reader.line,
      value: reader.lineText(),
      message:
        'not an order-book layout read here: expected a Binance depth header (symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty[,pu]) ' +
        'or a Tardis book snapshot header (exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,...)',
    });
  } catch (e) {
    reader.close();
    throw e;
  }
}
