import { readFileSync } from 'node:fs';
import { InputError, type Issue } from '../../core/errors.js';
import { parseIsoTime, type Micros } from '../../core/time.js';
import { fileIssue } from '../data-file.js';

/** What a corporate action is: a share split (or reverse split), or a cash dividend. */
export type CorporateActionType = 'split' | 'dividend';

/**
 * One row of an actions file. `time` is the start of the ex-date (a date
 * means 00:00 UTC of that day): bars stamped before it are adjusted for the
 * action, bars at or after it are not.
 */
export interface CorporateAction {
  /** The ex-date as written. */
  readonly date: string;
  readonly time: Micros;
  /** The instrument; undefined when the file has no symbol column (the action applies to every instrument). */
  readonly symbol: string | undefined;
  readonly type: CorporateActionType;
  /**
   * Split: new shares per old share (2 for 2-for-1, 1.5 for 3-for-2, 0.1 for
   * 1-for-10). Dividend: cash per share, in the prices' units and share basis
   * on the day before the ex-date.
   */
  readonly value: number;
  /** The value as written (for messages). */
  readonly text: string;
  readonly file: string;
  /** 1-based line in the file; the header is line 1. */
  readonly line: number;
}

/** An actions file, read and validated, its rows in time order (ties in file order). */
export interface ActionsFile {
  readonly path: string;
  readonly actions: readonly CorporateAction[];
}

/** Accepted header names (lowercase, without spaces, '_' or '-') of each field. */
const NAMES = {
  date: ['date', 'exdate', 'time', 'datetime'],
  symbol: ['symbol', 'ticker', 'instrument'],
  type: ['type', 'action', 'kind'],
  value: ['value', 'ratio', 'amount'],
} as const;
type Field = keyof typeof NAMES;

const normalize = (name: string): string => name.trim().replace(/^"|"$/g, '').toLowerCase().replace(/[\s_-]/g, '');

/** Lines of a text: LF or CR LF line ends, or CR alone (old Mac files) when the first line break is one. */
export function splitLines(text: string): string[] {
  const m = /\r\n?|\n/.exec(text);
  if (m !== null && m[0] === '\r') return text.split('\r');
  return text.split('\n').map((l) => l.replace(/\r$/, ''));
}

/** Reads and validates an actions file (see parseActions); a missing file is an InputError. */
export function readActionsFile(path: string): ActionsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    const message = code === 'ENOENT' ? 'actions file not found' : fileIssue(path, e).message;
    throw new InputError({ code: 'file_not_found', file: path, field: 'actions', message });
  }
  return { path, actions: parseActions(text, path) };
}

/**
 * Parses the text of an actions file: a CSV with a header naming `date`,
 * `type` and `value` and optionally `symbol` (other columns are ignored),
 * then one action per line, in any order. Blank lines and lines starting
 * with `#` are skipped. Every bad row is reported, each with its line, field
 * and value, in one InputError.
 */
export function parseActions(text: string, file: string): CorporateAction[] {
  const lines = splitLines(text.replace(/^\uFEFF/, ''));
  const headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (headerIndex < 0) throw new InputError({ code: 'empty_file', file, message: 'the actions file is empty: expected a header date,symbol,type,value' });
  const names = (lines[headerIndex] as string).split(',').map(normalize);
  const col = (field: Field): number => names.findIndex((n) => (NAMES[field] as readonly string[]).includes(n));
  const cDate = col('date');
  const cSymbol = col('symbol');
  const cType = col('type');
  const cValue = col('value');
  const missing = (['date', 'type', 'value'] as const).filter((f) => col(f) < 0);
  if (missing.length > 0) {
    throw new InputError({
      code: 'missing_column',
      file,
      line: headerIndex + 1,
      value: lines[headerIndex] as string,
      message: `the header has no ${missing.join(', ')} column: expected date,symbol,type,value (symbol optional)`,
    });
  }
  const issues: Issue[] = [];
  const actions: CorporateAction[] = [];
  const seen = new Map<string, number>();
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const line = i + 1;
    const fields = raw.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    if (fields.length !== names.length) {
      issues.push({ code: 'field_count', file, line, value: raw, message: `expected ${names.length} fields, found ${fields.length}` });
      continue;
    }
    const at = (c: number): string => fields[c] as string;
    const bad = (code: Issue['code'], field: Field, message: string): void => {
      const c = field === 'date' ? cDate : field === 'symbol' ? cSymbol : field === 'type' ? cType : cValue;
      issues.push({ code, file, line, field, value: at(c), message });
    };
    const date = at(cDate);
    const time = parseIsoTime(date, 'start');
    if (time === undefined) {
      bad('unparseable_field', 'date', 'not an ISO 8601 date or date-time (the ex-date)');
      continue;
    }
    let symbol: string | undefined;
    if (cSymbol >= 0) {
      symbol = at(cSymbol);
      if (symbol === '') {
        bad('unparseable_field', 'symbol', 'empty symbol');
        continue;
      }
    }
    const typeText = at(cType).toLowerCase();
    if (typeText !== 'split' && typeText !== 'dividend') {
      bad('unparseable_field', 'type', "not an action type: use split or dividend");
      continue;
    }
    const type: CorporateActionType = typeText;
    const text = at(cValue);
    const value = type === 'split' ? parseRatio(text) : Number(text);
    if (type === 'split' && !(value > 0 && Number.isFinite(value))) {
      bad('unparseable_field', 'value', "not a split ratio: new shares per old share, above zero (2, 1.5, 0.1, or 3:2)");
      continue;
    }
    if (type === 'dividend' && (text === '' || !(value >= 0 && Number.isFinite(value)))) {
      bad('unparseable_field', 'value', 'not a dividend: cash per share, zero or more');
      continue;
    }
    const key = `${symbol ?? ''}\u0000${time}\u0000${type}`;
    const first = seen.get(key);
    if (first !== undefined) {
      bad('duplicate_time', 'date', `a second ${type} on this ex-date${symbol !== undefined ? ` for ${symbol}` : ''} (the first is on line ${first})`);
      continue;
    }
    seen.set(key, line);
    actions.push({ date, time, symbol, type, value, text, file, line });
  }
  if (issues.length > 0) throw new InputError(issues);
  return actions.sort((a, b) => a.time - b.time || a.line - b.line);
}

/** '2', '1.5', '3:2' or '3/2' -> new shares per old share; NaN when not a ratio. */
function parseRatio(text: string): number {
  const m = /^([0-9]*\.?[0-9]+)\s*[:/]\s*([0-9]*\.?[0-9]+)$/.exec(text);
  if (m !== null) return Number(m[1]) / Number(m[2]);
  return text === '' ? NaN : Number(text);
}
