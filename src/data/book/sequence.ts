import type { Issue } from '../../core/errors.js';
import { formatIso } from '../../core/time.js';
import type { OrderBook } from '../../model/order-book.js';

/** What the sequence rules make of an event: hand it out, or leave it out and why. */
export type Admission = 'apply' | 'stale_update' | 'stale_snapshot' | 'before_snapshot' | 'backwards';

/** A sequence gap: which id of the event shows it (its first id, or the previous id it names), the id, and what is missing. */
export interface SequenceGap {
  readonly id: 'first' | 'prev';
  readonly value: number;
  readonly message: string;
}

/**
 * Binance's rules for diff-depth streams, event by event (docs/order-books.md):
 * after a snapshot with last id L, updates up to L are stale and the first
 * one applied must cover L+1; afterwards each update's previous id (`pu`)
 * must be the last applied id, or without one its first id must follow it.
 * Shared by the book feed (files) and the check of stored book rows
 * (the catalog), so that both find the same gaps with the same words.
 */
export class BookSequence {
  private haveSnapshot = false;
  private afterSnapshot = false;
  private synced = false;
  private lastId = -1;
  private reportedNoSnapshot = false;

  /**
   * `anySnapshots`: a snapshot is among the inputs, so updates before the
   * first one are left out (the snapshot will set the book); without one the
   * book is built from the updates, which is reported as a gap once.
   */
  constructor(private readonly anySnapshots: boolean) {}

  /** Whether the book follows the exchange's sequence (false before a snapshot and after a gap until the next one). */
  get inSync(): boolean {
    return this.synced;
  }

  /**
   * The rules for an event with these ids (-1 for an id the source does not
   * have); `gap` is told of each gap found (it may throw).
   */
  admit(snapshot: boolean, first: number, id: number, prev: number, gap: (g: SequenceGap) => void): Admission {
    const report = (g: SequenceGap): void => {
      this.synced = false;
      gap(g);
    };
    if (snapshot) {
      if (id >= 0 && this.synced && this.lastId >= 0 && id <= this.lastId) return 'stale_snapshot';
      this.haveSnapshot = true;
      this.afterSnapshot = true;
      this.synced = true;
      this.lastId = id;
      return 'apply';
    }
    if (!this.haveSnapshot) {
      if (this.anySnapshots) return 'before_snapshot';
      if (!this.reportedNoSnapshot) {
        this.reportedNoSnapshot = true;
        report({ id: 'first', value: first, message: 'no snapshot among the files: the book holds only the levels that updates set' });
      }
      this.lastId = id;
      return 'apply';
    }
    if (id < 0 || this.lastId < 0) {
      // Ids are missing on one side (a snapshot without ids): nothing to check.
      this.afterSnapshot = false;
      this.lastId = id;
      return 'apply';
    }
    if (first < 0) {
      // An update without its first id (rows recorded without one): nothing to check it by, so the book is
      // not known to follow the sequence, and the next snapshot is taken whatever its id.
      this.afterSnapshot = false;
      this.synced = false;
      this.lastId = id;
      return 'apply';
    }
    if (this.afterSnapshot) {
      const L = this.lastId;
      if (id <= L) return 'stale_update';
      this.afterSnapshot = false;
      if (first > L + 1) {
        report({
          id: 'first',
          value: first,
          message: `the first update after the snapshot (last_update_id ${L}) must cover update id ${L + 1}, but it starts at ${first}: update ids ${L + 1}..${first - 1} (${first - L - 1}) are missing`,
        });
      }
      this.lastId = id;
      return 'apply';
    }
    if (id <= this.lastId) {
      report({ id: 'first', value: first, message: `update ids go back: last_update_id ${id} is not after the previous update's ${this.lastId}` });
      return 'backwards'; // only reached when gaps are warnings: applying an older update would undo newer ones
    }
    if (prev >= 0) {
      if (prev !== this.lastId) report({ id: 'prev', value: prev, message: `pu ${prev} is not the previous update's last_update_id ${this.lastId}: updates are missing` });
    } else if (first !== this.lastId + 1) {
      report({ id: 'first', value: first, message: `first_update_id ${first} does not follow the previous update's last_update_id ${this.lastId}` });
    }
    this.lastId = id;
    return 'apply';
  }
}

/** The message of a sequence gap found at `time` (ISO). */
export function gapMessage(time: string, g: SequenceGap): string {
  return `sequence gap at ${time}: ${g.message}; the book is out of sync until the next snapshot`;
}

/**
 * The crossed-book check, event by event: a book whose best bid is at or
 * above its best ask after an event is crossed; the first event of a run of
 * crossed ones is reported, naming the level it set that crossed the book
 * (the highest bid or the lowest ask it set). Shared by the book feed and
 * the check of stored rows.
 */
export class CrossedBookCheck {
  private crossed = false;
  private hiBid = -Infinity;
  private hiBidLine = 0;
  private hiBidColumn = '';
  private loAsk = Infinity;
  private loAskLine = 0;
  private loAskColumn = '';

  startEvent(): void {
    this.hiBid = -Infinity;
    this.loAsk = Infinity;
  }

  /**
   * A level the event set, at `line` of its source; true when it is the
   * event's highest bid or lowest ask so far: the caller then names its
   * column with `column` (asked only then, since naming it may cost a lookup).
   */
  level(side: number, price: number, size: number, line: number): boolean {
    if (!(size > 0)) return false;
    if (side > 0) {
      if (!(price > this.hiBid)) return false;
      this.hiBid = price;
      this.hiBidLine = line;
    } else {
      if (!(price < this.loAsk)) return false;
      this.loAsk = price;
      this.loAskLine = line;
    }
    return true;
  }

  /** The column of the level `level` just took. */
  column(side: number, name: string): void {
    if (side > 0) this.hiBidColumn = name;
    else this.loAskColumn = name;
  }

  /**
   * After an event, with the book it left: 'ok' when it is not crossed,
   * 'again' when it stays crossed (reported already), else the issue of the
   * first crossed event, naming `file` and the book's time.
   */
  endEvent(book: OrderBook, snapshot: boolean, file: string): 'ok' | 'again' | Issue {
    if (!book.isCrossed()) {
      this.crossed = false;
      return 'ok';
    }
    if (this.crossed) return 'again';
    this.crossed = true;
    const bid = book.bestBid;
    const ask = book.bestAsk;
    const byBid = this.hiBid === bid;
    const line = byBid ? this.hiBidLine : this.loAskLine;
    const column = byBid ? this.hiBidColumn : this.loAskColumn;
    return {
      code: 'crossed_book',
      file,
      ...(line > 0 ? { line } : {}),
      ...(column !== '' ? { column } : {}),
      field: 'price',
      value: String(byBid ? bid : ask),
      message: `crossed book after the ${snapshot ? 'snapshot' : 'update'} at ${formatIso(book.time)}: best bid ${bid} is at or above best ask ${ask}`,
    };
  }
}
