import { MICROS_PER_DAY, MICROS_PER_MINUTE } from '../core/time.js';
import type { Micros } from '../core/time.js';

/**
 * Trading sessions of an instrument: which session a time belongs to and
 * when that session ends. Used by day orders and market-on-open/close.
 */
export interface SessionCalendar {
  /** A number that is equal for two times in the same session and grows with time. */
  sessionKey(t: Micros): number;
  /** The last time (inclusive) of the session that contains t; a time after a close belongs to the next session. */
  sessionEnd(t: Micros): Micros;
}

/**
 * Sessions as days in a fixed UTC offset, closing at `closeMinutes` after
 * local midnight (default: the end of the day). A daily bar, stamped at the
 * last microsecond of its UTC day, closes its session.
 */
export class DailySessions implements SessionCalendar {
  private readonly offset: number;
  private readonly close: number;

  constructor(offsetMinutes = 0, closeMinutes = 24 * 60) {
    this.offset = offsetMinutes * MICROS_PER_MINUTE;
    this.close = closeMinutes * MICROS_PER_MINUTE;
  }

  sessionKey(t: Micros): number {
    // A time after the close belongs to the next day's session; a bar stamped at the close still closes this one.
    const local = t + this.offset;
    const day = Math.floor(local / MICROS_PER_DAY);
    return local - day * MICROS_PER_DAY > this.close ? day + 1 : day;
  }

  sessionEnd(t: Micros): Micros {
    const key = this.sessionKey(t);
    const end = this.close >= MICROS_PER_DAY ? MICROS_PER_DAY - 1 : this.close;
    return key * MICROS_PER_DAY + end - this.offset;
  }
}

export const UTC_DAILY_SESSIONS: SessionCalendar = new DailySessions();
