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

/** The message of a crossed book after an event (the book feed's and the stored rows' check say it alike). */
export function crossedBookMessage(snapshot: boolean, time: string, bid: number, ask: number): string {
  return `crossed book after the ${snapshot ? 'snapshot' : 'update'} at ${time}: best bid ${bid} is at or above best ask ${ask}`;
}
