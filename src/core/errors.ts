/**
 * Three kinds of failure, kept apart on purpose:
 * - bad input at a boundary (a file, a flag, a parameter) is a list of issues
 *   carried by an InputError; the CLI prints them and exits with status 2;
 * - a domain refusal (an order that cannot be paid for) is an event with a
 *   reason, never an exception;
 * - a broken invariant is a bug and throws an InvariantError.
 */

export type IssueCode =
  | 'unparseable_field'
  | 'field_count'
  | 'high_below_low'
  | 'open_outside_range'
  | 'close_outside_range'
  | 'non_positive_price'
  | 'negative_volume'
  | 'invalid_date'
  | 'time_backwards'
  | 'duplicate_time'
  | 'crossed_quote'
  | 'crossed_book'
  | 'sequence_gap'
  | 'unknown_format'
  | 'missing_column'
  | 'file_not_found'
  | 'empty_file'
  | 'invalid_option'
  | 'invalid_param'
  | 'invalid_config'
  | 'invalid_strategy';

export interface Issue {
  readonly code: IssueCode;
  readonly message: string;
  readonly file?: string;
  /** 1-based line in the file; the header, when there is one, is line 1. */
  readonly line?: number;
  readonly column?: string;
  readonly field?: string;
  readonly value?: string;
}

/** "file:line: column 'High' value '1.2': high is below low" */
export function formatIssue(issue: Issue): string {
  const where: string[] = [];
  if (issue.file !== undefined) where.push(issue.line !== undefined ? `${issue.file}:${issue.line}` : issue.file);
  else if (issue.line !== undefined) where.push(`line ${issue.line}`);
  const what: string[] = [];
  if (issue.column !== undefined) what.push(`column '${issue.column}'`);
  if (issue.field !== undefined) what.push(`field '${issue.field}'`);
  if (issue.value !== undefined) what.push(`value '${issue.value}'`);
  const head = [where.join(' '), what.join(' ')].filter((s) => s.length > 0).join(': ');
  return head.length > 0 ? `${head}: ${issue.message}` : issue.message;
}

/** A user's mistake: bad data, a bad flag, a bad parameter. Exit status 2, no stack trace. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly issues: readonly Issue[];
  constructor(issues: Issue | readonly Issue[]) {
    const list = Array.isArray(issues) ? (issues as readonly Issue[]) : [issues as Issue];
    super(list.map(formatIssue).join('\n'));
    this.issues = list;
  }
}

/** A bug: the engine reached a state it must never reach. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly Issue[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(issues: readonly Issue[]): Result<T> => ({ ok: false, issues });
