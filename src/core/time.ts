/**
 * Time in QuantFlow is an integer count of microseconds since the Unix epoch,
 * UTC, held in a JS number. Doubles are exact for integers below 2^53, which
 * covers microsecond timestamps until the year 2255, so no BigInt is needed on
 * the hot path.
 */
export type Micros = number;

export const MICROS_PER_MILLI = 1_000;
export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND;
export const MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE;
export const MICROS_PER_DAY = 24 * MICROS_PER_HOUR;

/** A date-only stamp (a daily bar, a `--to` date) stands for the last microsecond of that UTC day. */
export const END_OF_DAY_OFFSET = MICROS_PER_DAY - 1;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * ISO 8601 in UTC: `2006-01-02T09:01:00Z`, with `.ffffff` only when the
 * microseconds are not zero, so that round trips are exact.
 */
export function formatIso(t: Micros): string {
  const days = Math.floor(t / MICROS_PER_DAY);
  let rem = t - days * MICROS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const h = Math.floor(rem / MICROS_PER_HOUR);
  rem -= h * MICROS_PER_HOUR;
  const m = Math.floor(rem / MICROS_PER_MINUTE);
  rem -= m * MICROS_PER_MINUTE;
  const s = Math.floor(rem / MICROS_PER_SECOND);
  const us = rem - s * MICROS_PER_SECOND;
  const base = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
  if (us === 0) return `${base}Z`;
  return `${base}.${pad(us, 6)}Z`;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses an ISO 8601 date or date-time (a user's `--from`, an expiry) to
 * microseconds UTC. A date alone means the start of the day unless
 * `dateOnly: 'end'` asks for its last microsecond. Returns undefined when the
 * text is not a valid time.
 */
export function parseIsoTime(text: string, dateOnly: 'start' | 'end' = 'start'): Micros | undefined {
  const m = ISO_RE.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const base = daysFromCivil(year, month, day) * MICROS_PER_DAY;
  if (m[4] === undefined) return dateOnly === 'end' ? base + END_OF_DAY_OFFSET : base;
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const frac = m[7] === undefined ? 0 : Math.floor(Number((m[7] + '000000').slice(0, 6)));
  let offset = 0;
  const z = m[8];
  if (z !== undefined && z.toUpperCase() !== 'Z') {
    const sign = z.startsWith('-') ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    // No such offset: refused, as in a data file's time column, rather than shifting the time.
    if (oh > 23 || om > 59) return undefined;
    offset = sign * (oh * MICROS_PER_HOUR + om * MICROS_PER_MINUTE);
  }
  return base + h * MICROS_PER_HOUR + mi * MICROS_PER_MINUTE + s * MICROS_PER_SECOND + frac - offset;
}
