import { MICROS_PER_HOUR, MICROS_PER_MINUTE, type Micros } from '../../core/time.js';

/**
 * The zone that wall-clock times without an explicit offset are written in.
 * 'UTC' (default), a fixed offset ('-05:00', '+0530'), 'EST' (a fixed UTC-5
 * with no daylight saving, as HistData writes), or an IANA name
 * ('America/New_York') resolved through Intl.
 */
export class Zone {
  private cachedHour = Number.NaN;
  private cachedOffset = 0;

  private constructor(
    readonly name: string,
    /** Fixed offset in microseconds (local = utc + offset); unused for IANA zones. */
    private readonly fixedOffset: Micros,
    private readonly intl: Intl.DateTimeFormat | undefined,
  ) {}

  static readonly UTC = new Zone('UTC', 0, undefined);

  /** The zone for a name, or undefined when the name is not a zone. */
  static parse(name: string): Zone | undefined {
    const text = name.trim();
    const upper = text.toUpperCase();
    if (upper === 'UTC' || upper === 'Z' || upper === 'GMT' || upper === 'ETC/UTC') return new Zone(text, 0, undefined);
    if (upper === 'EST') return new Zone(text, -5 * MICROS_PER_HOUR, undefined);
    const fixed = parseFixedOffset(text);
    if (fixed !== undefined) return new Zone(text, fixed, undefined);
    try {
      const intl = new Intl.DateTimeFormat('en-US', {
        timeZone: text,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      return new Zone(text, 0, intl);
    } catch {
      return undefined;
    }
  }

  get isUtc(): boolean {
    return this.intl === undefined && this.fixedOffset === 0;
  }

  /** UTC time of a wall-clock time in this zone. */
  toUtc(local: Micros): Micros {
    if (this.intl === undefined) return local - this.fixedOffset;
    // Offsets change at most at hour boundaries (in practice), so one Intl
    // lookup serves a whole local hour of rows.
    const hour = Math.floor(local / MICROS_PER_HOUR);
    if (hour !== this.cachedHour) {
      this.cachedOffset = this.offsetForLocal(local);
      this.cachedHour = hour;
    }
    return local - this.cachedOffset;
  }

  private offsetForLocal(local: Micros): Micros {
    const first = this.offsetAtUtc(local);
    const second = this.offsetAtUtc(local - first);
    if (first === second) return first;
    // Near a transition: keep the offset that maps back onto this wall time.
    return this.offsetAtUtc(local - second) === second ? second : first;
  }

  private offsetAtUtc(utc: Micros): Micros {
    const ms = Math.floor(utc / 1000);
    const seconds = Math.floor(ms / 1000) * 1000;
    const parts = this.intl!.formatToParts(new Date(seconds));
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of parts) {
      const v = Number(part.value);
      switch (part.type) {
        case 'year':
          year = v;
          break;
        case 'month':
          month = v;
          break;
        case 'day':
          day = v;
          break;
        case 'hour':
          hour = v;
          break;
        case 'minute':
          minute = v;
          break;
        case 'second':
          second = v;
          break;
        default:
          break;
      }
    }
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, 0);
    return (date.getTime() - seconds) * 1000;
  }
}

/** '+05:30', '-0500', '+05' -> microseconds; undefined when not an offset. */
export function parseFixedOffset(text: string): Micros | undefined {
  const m = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})?$/i.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 23 || minutes > 59) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (hours * MICROS_PER_HOUR + minutes * MICROS_PER_MINUTE);
}
