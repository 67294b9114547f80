import type { Issue, IssueCode } from '../../core/errors.js';
import { formatIso } from '../../core/time.js';
import type { LineReader } from './lines.js';

/** The order-book file layouts read without options. */
export type BookFormatName = 'binance-depth' | 'tardis-book-snapshot';

/** Reports a problem with the input; throws when the feed fails at the first one. */
export type Reporter = (issue: Issue) => void;

/**
 * One file of book rows, read a row at a time with the current row in
 * public fields (a cursor). Rows come in file order, grouped in events;
 * `flags` carries F_SNAPSHOT, F_CLEAR (the first row of a snapshot) and
 * F_LAST (the last row of its event). Bad rows are reported and left out.
 */
export interface BookSource {
  readonly path: string;
  readonly format: BookFormatName;
  /** The instrument named by the first row (or the file name). */
  readonly symbol: string;
  /** Whether the file holds snapshots (its first event is one). */
  readonly hasSnapshots: boolean;
  /** Whether the current row is valid; false at the end. */
  has: boolean;
  time: number;
  /** +1 bid, -1 ask */
  side: number;
  price: number;
  size: number;
  flags: number;
  /** Exchange update ids of the row's event: first, last, and the previous event's last (-1 when absent). */
  firstId: number;
  lastId: number;
  prevId: number;
  line: number;
  /** Moves to the next row. */
  advance(): void;
  /** Header name of the current row's price column, and of its id columns, for messages. */
  priceColumn(): string;
  readonly firstIdColumn: string;
  readonly prevIdColumn: string;
  close(): void;
}

/** An issue about field `column` (index) of the reader's current line. */
export function fieldIssue(reader: LineReader, names: readonly string[], code: IssueCode, column: number, field: string, message: string): Issue {
  const name = names[column];
  return {
    code,
    file: reader.path,
    line: reader.line,
    ...(name !== undefined ? { column: name } : {}),
    field,
    value: reader.text(column),
    message,
  };
}

export function fieldCountIssue(reader: LineReader, expected: number): Issue {
  return {
    code: 'field_count',
    file: reader.path,
    line: reader.line,
    value: reader.lineText(),
    message: `expected ${expected} fields, found ${reader.fields}`,
  };
}

/** Header names normalised for matching: lower case, letters and digits only. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The checks every book file makes on each row: time never goes backwards,
 * and every row names the instrument of the first (one book is one
 * instrument). `admit` reports through `bad` and returns false on a failure;
 * `accept` records an admitted row's time.
 */
export class RowGuard {
  private prevTime = -Infinity;
  /** The instrument the first row names, if the file has a symbol column. */
  firstSymbol: string | undefined;
  private symbolBytes: Buffer | undefined;

  admit(r: LineReader, t: number, timeColumn: number, symbolColumn: number, bad: (column: number, code: IssueCode, field: string, message: string) => void): boolean {
    if (t < this.prevTime) {
      bad(timeColumn, 'time_backwards', 'time', `time ${formatIso(t)} is before the previous row's ${formatIso(this.prevTime)}`);
      return false;
    }
    if (symbolColumn >= 0) {
      if (this.firstSymbol === undefined) {
        this.firstSymbol = r.text(symbolColumn);
        this.symbolBytes = r.bytes(symbolColumn);
      } else if (!r.equals(symbolColumn, this.symbolBytes as Buffer)) {
        bad(symbolColumn, 'unparseable_field', 'symbol', `symbol differs from '${this.firstSymbol}' on the first row; one book is one instrument`);
        return false;
      }
    }
    return true;
  }

  accept(t: number): void {
    this.prevTime = t;
  }
}
