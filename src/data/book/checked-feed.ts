import { InputError, InvariantError, type Issue } from '../../core/errors.js';
import { formatIso } from '../../core/time.js';
import { BookColumns, F_CLEAR, F_LAST, F_SNAPSHOT, type MarketFeed } from '../../model/market.js';
import { OrderBook } from '../../model/order-book.js';
import { appendColumns } from '../collect.js';
import { BookSequence, CrossedBookCheck, gapMessage, type SequenceGap } from './sequence.js';

export interface BookCheckOptions {
  /** Decides the default of onGap, as in openBookFeed: 'fail' under 'fail' (the default), 'warn' under 'skip'. */
  readonly onInvalid?: 'fail' | 'skip';
  /** A sequence gap or a crossed book: 'fail' throws InputError; 'warn' records it in `warnings` and goes on. */
  readonly onGap?: 'fail' | 'warn';
}

/**
 * Book rows read back from storage (a catalog data set), checked as
 * openBookFeed checks files: the same sequence rules on each event's stored
 * update ids (`sequence`, `firstSequence`, `prevSequence`) and the same
 * crossed-book check, with the same issues and messages; an issue names the
 * feed's source and the row's number in it instead of a file and line.
 * Events the rules leave out (stale updates and snapshots, ids going back
 * under 'warn') are left out here too. The rows were stored as the book feed
 * handed them out, so updates before the first snapshot are kept (had a
 * snapshot file been among the imported files, they would not be there) and
 * a book built without a snapshot is reported once.
 */
export class CheckedBookFeed implements MarketFeed {
  readonly kind = 'book' as const;
  readonly symbol: string;
  readonly source: string;
  /** Sequence gaps and crossed books found under onGap 'warn', in the order found. */
  readonly warnings: Issue[] = [];
  private readonly onGap: 'fail' | 'warn';
  private readonly sequence = new BookSequence(false);
  private readonly book: OrderBook;
  /** The kept rows of a chunk from which rows were left out (else the inner chunk goes out as it is). */
  private kept: BookColumns | null = null;
  private inEvent = false;
  private keep = true;
  private eventSnapshot = false;
  private readonly crossing = new CrossedBookCheck();

  constructor(
    private readonly inner: MarketFeed,
    options: BookCheckOptions = {},
  ) {
    if (inner.kind !== 'book') throw new InvariantError(`a ${inner.kind} feed is not an order book`);
    this.symbol = inner.symbol;
    this.source = inner.source;
    this.onGap = options.onGap ?? (options.onInvalid === 'skip' ? 'warn' : 'fail');
    this.book = new OrderBook(inner.symbol);
  }

  get skipped(): readonly Issue[] {
    return this.inner.skipped;
  }

  get rowsHint(): number | undefined {
    return this.inner.rowsHint;
  }

  next(): BookColumns | null {
    try {
      for (;;) {
        const c = this.inner.next();
        if (c === null) return null;
        if (c.kind !== 'book') throw new InvariantError(`a book feed handed out ${c.kind} rows`);
        const out = this.check(c);
        if (out.length > 0) return out;
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  close(): void {
    this.inner.close();
  }

  /** Applies the checks to a chunk's rows; the rows kept (the chunk itself when it keeps them all). */
  private check(c: BookColumns): BookColumns {
    let out: BookColumns | null = null;
    // The start of the run of kept rows the current row is in (-1 in a run left out): copied to `out` once one is left out.
    let run = 0;
    for (let i = 0; i < c.length; i++) {
      const flags = c.flags[i] as number;
      if (!this.inEvent) this.startEvent(c, i);
      if (this.keep) {
        if (run < 0) run = i;
        this.apply(c, i);
      } else if (run >= 0) {
        out ??= this.keptBuffer(c.capacity);
        appendColumns(out, c, i - run, run);
        run = -1;
      }
      if ((flags & F_LAST) !== 0) {
        if (this.keep) this.endEvent(c, i);
        this.inEvent = false;
      }
    }
    if (out === null) return c;
    if (run >= 0) appendColumns(out, c, c.length - run, run);
    return out;
  }

  private keptBuffer(capacity: number): BookColumns {
    if (this.kept === null || this.kept.capacity < capacity) this.kept = new BookColumns(capacity);
    this.kept.length = 0;
    return this.kept;
  }

  /** The sequence rules for the event starting at row i. */
  private startEvent(c: BookColumns, i: number): void {
    this.inEvent = true;
    this.eventSnapshot = ((c.flags[i] as number) & F_SNAPSHOT) !== 0;
    const first = c.firstSequence[i] as number;
    const id = c.sequence[i] as number;
    const prev = c.prevSequence[i] as number;
    this.keep = this.sequence.admit(this.eventSnapshot, first, id, prev, (g) => this.gap(c, i, g)) === 'apply';
    this.crossing.startEvent();
  }

  private apply(c: BookColumns, i: number): void {
    const flags = c.flags[i] as number;
    const side = c.side[i] as number;
    const price = c.price[i] as number;
    const size = c.size[i] as number;
    if ((flags & F_CLEAR) !== 0) this.book.clear();
    this.book.update(side, price, size);
    if (this.crossing.level(side, price, size, c.line[i] as number)) this.crossing.column(side, 'price');
  }

  /** After an event's last row: the crossed-book check. */
  private endEvent(c: BookColumns, i: number): void {
    const book = this.book;
    book.sequence = c.sequence[i] as number;
    book.time = c.time[i] as number;
    const crossed = this.crossing.endEvent(book, this.eventSnapshot, this.source);
    if (crossed !== 'ok' && crossed !== 'again') this.report(crossed);
  }

  private gap(c: BookColumns, i: number, g: SequenceGap): void {
    const row = c.line[i] as number;
    this.report({
      code: 'sequence_gap',
      file: this.source,
      ...(row > 0 ? { line: row } : {}),
      column: g.id === 'prev' ? 'prev_sequence' : 'first_sequence',
      field: 'sequence',
      value: String(g.value),
      message: gapMessage(formatIso(c.time[i] as number), g),
    });
  }

  private report(issue: Issue): void {
    if (this.onGap === 'fail') throw new InputError(issue);
    this.warnings.push(issue);
  }
}
