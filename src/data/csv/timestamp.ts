import {
  END_OF_DAY_OFFSET,
  MICROS_PER_DAY,
  MICROS_PER_HOUR,
  MICROS_PER_MILLI,
  MICROS_PER_MINUTE,
  MICROS_PER_SECOND,
  daysFromCivil,
  daysInMonth,
  type Micros,
} from '../../core/time.js';
import { Zone } from './timezone.js';

/**
 * How a time field is written:
 * - 'iso': `2020-01-02`, `2020-01-02T03:04:05.123456789Z`, a space instead of
 *   'T', offsets `Z` / `+00:00` / `-0500`;
 * - 'compact': `YYYYMMDD HHMMSSfff` (HistData), or `YYYYMMDD` alone;
 * - 'epoch_s' | 'epoch_ms' | 'epoch_us' | 'epoch_ns': a number since 1970 UTC
 *   (seconds and milliseconds may carry a fraction).
 */
export type TimeFormat = 'iso' | 'compact' | 'epoch_s' | 'epoch_ms' | 'epoch_us' | 'epoch_ns';
export const TIME_FORMATS = ['iso', 'compact', 'epoch_s', 'epoch_ms', 'epoch_us', 'epoch_ns'] as const;

/** Why the last parse returned NaN. */
export const TIME_OK = 0;
/** Not shaped like the expected format. */
export const TIME_UNPARSEABLE = 1;
/** Shaped right but no such moment (2019-02-30, 25:00). */
export const TIME_INVALID = 2;

const MODE_ISO = 0;
const MODE_COMPACT = 1;
const MODE_EPOCH_S = 2;
const MODE_EPOCH_MS = 3;
const MODE_EPOCH_US = 4;
const MODE_EPOCH_NS = 5;

const CH_0 = 48;
const CH_SPACE = 32;
const CH_TAB = 9;
const CH_COLON = 58;
const CH_DASH = 45;
const CH_PLUS = 43;
const CH_DOT = 46;
const CH_COMMA = 44;
const CH_T = 84;
const CH_LOWER_T = 116;
const CH_Z = 90;
const CH_LOWER_Z = 122;

/**
 * Parses time fields from bytes to Micros (UTC). Stateless apart from a
 * one-entry date cache (consecutive rows share a date) and the outputs of the
 * last parse (`error`, `subSecond`), so one instance serves one file.
 *
 * Date-only values stand for the end of that UTC day (a daily bar is an event
 * at its close); the zone does not apply to them. Explicit offsets in the text
 * win over the zone; epoch numbers are UTC by definition.
 */
export class TimestampParser {
  /** TIME_OK, or why the last call returned NaN. */
  error = TIME_OK;
  private readonly mode: number;
  private readonly zoneIsUtc: boolean;
  private cachedDateKey = -1;
  private cachedDays = 0;
  // Outputs of the clock and offset helpers (kept as fields to avoid allocating).
  private clock = 0;
  private cursor = 0;
  private offset = 0;
  private hasOffset = false;

  constructor(
    readonly format: TimeFormat,
    readonly zone: Zone = Zone.UTC,
  ) {
    this.mode = modeOf(format);
    this.zoneIsUtc = zone.isUtc;
  }

  /** One field holding the whole time. NaN (with `error` set) when it is not a time. */
  parse(b: Uint8Array, start: number, end: number): Micros {
    this.error = TIME_OK;
    while (start < end && (b[start] === CH_SPACE || b[start] === CH_TAB)) start++;
    while (end > start && (b[end - 1] === CH_SPACE || b[end - 1] === CH_TAB)) end--;
    switch (this.mode) {
      case MODE_ISO:
        return this.parseIso(b, start, end);
      case MODE_COMPACT:
        return this.parseCompact(b, start, end);
      default:
        return this.parseEpoch(b, start, end);
    }
  }

  /** A date field (`2006-01-02` or `20060102`) and a time-of-day field (`09:01:00[.fff]` or `090100[fff]`). */
  parseSplit(b: Uint8Array, dateStart: number, dateEnd: number, timeStart: number, timeEnd: number): Micros {
    this.error = TIME_OK;
    while (dateStart < dateEnd && b[dateStart] === CH_SPACE) dateStart++;
    while (dateEnd > dateStart && b[dateEnd - 1] === CH_SPACE) dateEnd--;
    while (timeStart < timeEnd && b[timeStart] === CH_SPACE) timeStart++;
    while (timeEnd > timeStart && b[timeEnd - 1] === CH_SPACE) timeEnd--;
    let days: number;
    if (dateEnd - dateStart === 10 && b[dateStart + 4] === CH_DASH && b[dateStart + 7] === CH_DASH) {
      days = this.days(four(b, dateStart), two(b, dateStart + 5), two(b, dateStart + 8));
    } else if (dateEnd - dateStart === 8) {
      days = this.days(four(b, dateStart), two(b, dateStart + 4), two(b, dateStart + 6));
    } else {
      return this.fail(TIME_UNPARSEABLE);
    }
    if (days !== days) return NaN;
    const ok =
      timeEnd - timeStart >= 3 && b[timeStart + 2] === CH_COLON
        ? this.readClock(b, timeStart, timeEnd)
        : this.readCompactClock(b, timeStart, timeEnd);
    if (!ok) return NaN;
    if (!this.readOffset(b, this.cursor, timeEnd)) return NaN;
    return this.finish(days * MICROS_PER_DAY + this.clock);
  }

  private parseIso(b: Uint8Array, s: number, e: number): Micros {
    if (e - s < 10 || b[s + 4] !== CH_DASH || b[s + 7] !== CH_DASH) return this.fail(TIME_UNPARSEABLE);
    const days = this.days(four(b, s), two(b, s + 5), two(b, s + 8));
    if (days !== days) return NaN;
    if (e - s === 10) return days * MICROS_PER_DAY + END_OF_DAY_OFFSET;
    const sep = b[s + 10];
    if (sep !== CH_T && sep !== CH_SPACE && sep !== CH_LOWER_T) return this.fail(TIME_UNPARSEABLE);
    if (!this.readClock(b, s + 11, e)) return NaN;
    if (!this.readOffset(b, this.cursor, e)) return NaN;
    return this.finish(days * MICROS_PER_DAY + this.clock);
  }

  private parseCompact(b: Uint8Array, s: number, e: number): Micros {
    if (e - s < 8) return this.fail(TIME_UNPARSEABLE);
    const days = this.days(four(b, s), two(b, s + 4), two(b, s + 6));
    if (days !== days) return NaN;
    if (e - s === 8) return days * MICROS_PER_DAY + END_OF_DAY_OFFSET;
    let i = s + 8;
    if (b[i] === CH_SPACE || b[i] === CH_T || b[i] === CH_LOWER_T) i++;
    if (!this.readCompactClock(b, i, e)) return NaN;
    if (!this.readOffset(b, this.cursor, e)) return NaN;
    return this.finish(days * MICROS_PER_DAY + this.clock);
  }

  private parseEpoch(b: Uint8Array, s: number, e: number): Micros {
    let i = s;
    let negative = false;
    if (i < e && (b[i] === CH_DASH || b[i] === CH_PLUS)) {
      negative = b[i] === CH_DASH;
      i++;
    }
    const intStart = i;
    while (i < e && isDigit(b[i]!)) i++;
    const intEnd = i;
    if (intEnd === intStart) return this.fail(TIME_UNPARSEABLE);
    let fracStart = i;
    let fracEnd = i;
    if (i < e && b[i] === CH_DOT) {
      fracStart = ++i;
      while (i < e && isDigit(b[i]!)) i++;
      fracEnd = i;
    }
    if (i !== e) return this.fail(TIME_UNPARSEABLE);
    let t: number;
    switch (this.mode) {
      case MODE_EPOCH_S:
        t = number(b, intStart, intEnd) * MICROS_PER_SECOND + fraction(b, fracStart, fracEnd, 6);
        break;
      case MODE_EPOCH_MS:
        t = number(b, intStart, intEnd) * MICROS_PER_MILLI + fraction(b, fracStart, fracEnd, 3);
        break;
      case MODE_EPOCH_US:
        t = number(b, intStart, intEnd);
        break;
      default:
        // Nanoseconds overflow 2^53; drop the last three digits before converting.
        t = intEnd - intStart > 3 ? number(b, intStart, intEnd - 3) : 0;
        break;
    }
    if (!Number.isSafeInteger(t)) return this.fail(TIME_INVALID);
    return negative ? -t : t;
  }

  /** `HH:MM[:SS[.fffffffff]]` from i; sets clock and cursor. */
  private readClock(b: Uint8Array, i: number, e: number): boolean {
    if (e - i < 5 || b[i + 2] !== CH_COLON) return this.failed(TIME_UNPARSEABLE);
    const h = two(b, i);
    const m = two(b, i + 3);
    let sec = 0;
    i += 5;
    if (i < e && b[i] === CH_COLON) {
      if (e - i < 3) return this.failed(TIME_UNPARSEABLE);
      sec = two(b, i + 1);
      i += 3;
    }
    if (h < 0 || m < 0 || sec < 0) return this.failed(TIME_UNPARSEABLE);
    let micros = 0;
    if (i < e && (b[i] === CH_DOT || b[i] === CH_COMMA)) {
      const fracStart = ++i;
      while (i < e && isDigit(b[i]!)) i++;
      if (i === fracStart || i - fracStart > 9) return this.failed(TIME_UNPARSEABLE);
      micros = fraction(b, fracStart, i, 6);
    }
    if (h > 23 || m > 59 || sec > 59) return this.failed(TIME_INVALID);
    this.clock = h * MICROS_PER_HOUR + m * MICROS_PER_MINUTE + sec * MICROS_PER_SECOND + micros;
    this.cursor = i;
    return true;
  }

  /** `HHMMSS[fff...]` or `HHMMSS.fff` from i; sets clock and cursor. */
  private readCompactClock(b: Uint8Array, i: number, e: number): boolean {
    if (e - i < 4) return this.failed(TIME_UNPARSEABLE);
    const h = two(b, i);
    const m = two(b, i + 2);
    let sec = 0;
    i += 4;
    if (e - i >= 2 && isDigit(b[i]!)) {
      sec = two(b, i);
      i += 2;
    }
    if (h < 0 || m < 0 || sec < 0) return this.failed(TIME_UNPARSEABLE);
    if (i < e && (b[i] === CH_DOT || b[i] === CH_COMMA)) i++;
    const fracStart = i;
    while (i < e && isDigit(b[i]!)) i++;
    if (i - fracStart > 9) return this.failed(TIME_UNPARSEABLE);
    if (h > 23 || m > 59 || sec > 59) return this.failed(TIME_INVALID);
    this.clock = h * MICROS_PER_HOUR + m * MICROS_PER_MINUTE + sec * MICROS_PER_SECOND + fraction(b, fracStart, i, 6);
    this.cursor = i;
    return true;
  }

  /** Nothing, `Z`, or `+HH[:MM]` / `-HHMM` up to the end; sets offset and hasOffset. */
  private readOffset(b: Uint8Array, i: number, e: number): boolean {
    while (i < e && b[i] === CH_SPACE) i++;
    this.hasOffset = false;
    if (i === e) return true;
    const c = b[i];
    if ((c === CH_Z || c === CH_LOWER_Z) && i + 1 === e) {
      this.hasOffset = true;
      this.offset = 0;
      return true;
    }
    if (c !== CH_PLUS && c !== CH_DASH) return this.failed(TIME_UNPARSEABLE);
    const n = e - i - 1;
    let h: number;
    let m = 0;
    if (n === 2) h = two(b, i + 1);
    else if (n === 4) {
      h = two(b, i + 1);
      m = two(b, i + 3);
    } else if (n === 5 && b[i + 3] === CH_COLON) {
      h = two(b, i + 1);
      m = two(b, i + 4);
    } else return this.failed(TIME_UNPARSEABLE);
    if (h < 0 || m < 0 || h > 23 || m > 59) return this.failed(TIME_UNPARSEABLE);
    const offset = h * MICROS_PER_HOUR + m * MICROS_PER_MINUTE;
    this.offset = c === CH_DASH ? -offset : offset;
    this.hasOffset = true;
    return true;
  }

  private finish(local: Micros): Micros {
    if (this.hasOffset) return local - this.offset;
    return this.zoneIsUtc ? local : this.zone.toUtc(local);
  }

  /** Days since 1970 of a valid date; NaN with error set otherwise. */
  private days(y: number, m: number, d: number): number {
    if (y < 0 || m < 0 || d < 0) return this.fail(TIME_UNPARSEABLE);
    const key = y * 10000 + m * 100 + d;
    if (key === this.cachedDateKey) return this.cachedDays;
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return this.fail(TIME_INVALID);
    this.cachedDateKey = key;
    this.cachedDays = daysFromCivil(y, m, d);
    return this.cachedDays;
  }

  private fail(code: number): number {
    this.error = code;
    return NaN;
  }

  private failed(code: number): false {
    this.error = code;
    return false;
  }
}

function modeOf(format: TimeFormat): number {
  switch (format) {
    case 'iso':
      return MODE_ISO;
    case 'compact':
      return MODE_COMPACT;
    case 'epoch_s':
      return MODE_EPOCH_S;
    case 'epoch_ms':
      return MODE_EPOCH_MS;
    case 'epoch_us':
      return MODE_EPOCH_US;
    case 'epoch_ns':
      return MODE_EPOCH_NS;
  }
}

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_0 + 9;
}

/** The 2-digit number at i, or -1 when a byte is not a digit. */
function two(b: Uint8Array, i: number): number {
  const hi = b[i]! - CH_0;
  const lo = b[i + 1]! - CH_0;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

/** The 4-digit number at i, or -1 when a byte is not a digit. */
function four(b: Uint8Array, i: number): number {
  const hi = two(b, i);
  const lo = two(b, i + 2);
  return hi >= 0 && lo >= 0 ? hi * 100 + lo : -1;
}

function number(b: Uint8Array, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 10 + (b[i]! - CH_0);
  return v;
}

/** The first `places` digits of a fraction as an integer (`.5` with 6 places -> 500000); further digits truncate. */
function fraction(b: Uint8Array, start: number, end: number, places: number): number {
  let v = 0;
  for (let k = 0; k < places; k++) {
    const i = start + k;
    v = v * 10 + (i < end ? b[i]! - CH_0 : 0);
  }
  return v;
}

/**
 * Guesses how a time field is written from one sample text; undefined when it
 * does not look like a time. Epoch units follow the magnitude: 10 digits are
 * seconds (years 2001-2286), 13 milliseconds, 16 microseconds, 19 nanoseconds.
 */
export function guessTimeFormat(text: string): TimeFormat | undefined {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d{1,9})?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/.test(t)) return 'iso';
  // A separator is required before the clock, or 13-digit epoch milliseconds would look compact.
  const compact = /^(\d{4})(\d{2})(\d{2})([ Tt]\d{4}(?:\d{2})?(?:[.,]?\d{1,9})?)?$/.exec(t);
  if (compact) {
    if (compact[4] !== undefined) return 'compact';
    const y = Number(compact[1]);
    const m = Number(compact[2]);
    const d = Number(compact[3]);
    if (y >= 1900 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31) return 'compact';
  }
  const epoch = /^[+-]?(\d+)(?:\.\d+)?$/.exec(t);
  if (epoch) {
    const n = epoch[1]!.replace(/^0+/, '').length;
    if (n <= 11) return 'epoch_s';
    if (n <= 14) return 'epoch_ms';
    if (n <= 17) return 'epoch_us';
    return 'epoch_ns';
  }
  return undefined;
}

/** `09:01:00`, `09:01`, `09:01:00.5`: a time of day in a field of its own. */
export function looksLikeTimeOfDay(text: string): boolean {
  return /^\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?$/.test(text.trim());
}
