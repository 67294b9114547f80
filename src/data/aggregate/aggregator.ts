import { InputError } from '../../core/errors.js';
import { MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, type Micros } from '../../core/time.js';
import { BarColumns } from '../../model/market.js';
import { Zone, parseFixedOffset } from '../csv/timezone.js';
import type { BarSpec } from './spec.js';

export interface AggregatorOptions {
  /** Time zone of day boundaries and the session (default UTC). */
  readonly timezone?: string;
  /**
   * Trading session as local wall-clock 'HH:MM-HH:MM' (e.g. '09:30-16:00'):
   * rows outside it are left out, intraday bars are aligned to its start and
   * cut at its end, and a day bar covers one session. Default: the whole day.
   */
  readonly session?: string;
  /** Capacity of the output columns (default 8,192). */
  readonly capacity?: number;
}

/**
 * Builds bars from a stream of rows (smaller bars, trades or quote mids), one
 * row at a time, with no allocation per row: completed bars are appended to
 * `out` (a BarColumns the caller drains by reading `out.length` rows and
 * setting it back to 0). At most one bar completes per row, so a caller that
 * drains whenever `out.length === out.capacity` never overflows.
 *
 * Time bars, from close-stamped inputs: a row stamped t belongs to the
 * bucket (start, end] whose end is the first boundary at or after t; the bar
 * is stamped at its end (a bar is an event at its close). It is complete when
 * a row stamped exactly at its end arrives, or when a row of a later bucket
 * arrives (then it is emitted before that row is added). Day bars (and
 * multiples) end at the last microsecond of the local day (or at the session
 * end), like daily files. Tick, volume and value bars close on the row that
 * reaches the count or the threshold and are stamped with that row's time.
 * `flush()` emits the bar still open at the end of the data.
 */
export class BarAggregator {
  readonly out: BarColumns;
  /** Rows outside the session, left out. */
  outsideSession = 0;
  private open = NaN;
  private high = NaN;
  private low = NaN;
  private close = NaN;
  private volume = 0;
  private value = 0;
  private rows = 0;
  private end = NaN;
  private lastTime = NaN;
  private readonly zone: Zone;
  private readonly fixedOffset: number | undefined;
  private readonly sessionStart: number;
  private readonly sessionEnd: number;
  private cachedHour = NaN;
  private cachedOffset = 0;

  constructor(
    readonly spec: BarSpec,
    options: AggregatorOptions = {},
  ) {
    this.out = new BarColumns(options.capacity ?? 8192);
    const zone = Zone.parse(options.timezone ?? 'UTC');
    if (zone === undefined) throw new InputError({ code: 'invalid_option', field: 'timezone', value: String(options.timezone), message: 'not a time zone' });
    this.zone = zone;
    // Fixed zones: local = utc + offset with offset = -toUtc(0).
    const name = zone.name.toUpperCase();
    const fixed = name === 'UTC' || name === 'Z' || name === 'GMT' || name === 'ETC/UTC' || name === 'EST' || parseFixedOffset(zone.name) !== undefined;
    this.fixedOffset = fixed ? -zone.toUtc(0) : undefined;
    if (options.session !== undefined) {
      const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(options.session.trim());
      const start = m === null ? NaN : Number(m[1]) * MICROS_PER_HOUR + Number(m[2]) * MICROS_PER_MINUTE;
      const end = m === null ? NaN : Number(m[3]) * MICROS_PER_HOUR + Number(m[4]) * MICROS_PER_MINUTE;
      if (!(start >= 0 && end > start && end <= MICROS_PER_DAY)) {
        throw new InputError({ code: 'invalid_option', field: 'session', value: options.session, message: "expected 'HH:MM-HH:MM' within one day" });
      }
      this.sessionStart = start;
      this.sessionEnd = end;
    } else {
      this.sessionStart = 0;
      this.sessionEnd = MICROS_PER_DAY;
    }
  }

  /** Adds a smaller bar (stamped at its close). */
  pushBar(t: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    this.add(t, open, high, low, close, volume);
  }

  /** Adds a trade print. */
  pushTrade(t: Micros, price: number, size: number): void {
    this.add(t, price, price, price, price, size);
  }

  /** Adds a quote as its mid price (no volume). */
  pushQuote(t: Micros, bid: number, ask: number): void {
    const mid = (bid + ask) / 2;
    this.add(t, mid, mid, mid, mid, 0);
  }

  /** Emits the bar still open, if any (at the end of the data). */
  flush(): void {
    if (this.rows > 0) this.emit(this.spec.kind === 'time' ? this.end : this.lastTime);
  }

  private add(t: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    const spec = this.spec;
    if (spec.kind === 'time') {
      const end = this.bucketEnd(t);
      if (Number.isNaN(end)) {
        this.outsideSession++;
        return;
      }
      if (this.rows > 0 && end !== this.end) this.emit(this.end);
      this.end = end;
      this.merge(t, open, high, low, close, volume);
      if (t === end) this.emit(end);
      return;
    }
    if (this.sessionStart !== 0 || this.sessionEnd !== MICROS_PER_DAY) {
      if (Number.isNaN(this.bucketEnd(t))) {
        this.outsideSession++;
        return;
      }
    }
    this.merge(t, open, high, low, close, volume);
    if (spec.kind === 'ticks' ? this.rows >= spec.count : spec.kind === 'volume' ? this.volume >= spec.size : this.value >= spec.size) this.emit(t);
  }

  private merge(t: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    if (this.rows === 0) {
      this.open = open;
      this.high = high;
      this.low = low;
    } else {
      if (high > this.high) this.high = high;
      if (low < this.low) this.low = low;
    }
    this.close = close;
    this.volume += volume;
    this.value += close * volume;
    this.rows++;
    this.lastTime = t;
  }

  private emit(time: Micros): void {
    const o = this.out;
    const i = o.length;
    if (i >= o.capacity) throw new InputError({ code: 'invalid_option', message: 'aggregator output full: drain `out` before pushing more rows' });
    o.time[i] = time;
    o.open[i] = this.open;
    o.high[i] = this.high;
    o.low[i] = this.low;
    o.close[i] = this.close;
    o.volume[i] = this.volume;
    o.line[i] = 0;
    o.length = i + 1;
    this.rows = 0;
    this.volume = 0;
    this.value = 0;
  }

  /** Local offset (local = utc + offset) at a UTC time. */
  private offsetAt(utc: Micros): number {
    if (this.fixedOffset !== undefined) return this.fixedOffset;
    const hour = Math.floor(utc / MICROS_PER_HOUR);
    if (hour !== this.cachedHour) {
      let off = utc - this.zone.toUtc(utc);
      off = utc + off - this.zone.toUtc(utc + off);
      this.cachedOffset = off;
      this.cachedHour = hour;
    }
    return this.cachedOffset;
  }

  /**
   * The end of the bucket a row stamped t belongs to (UTC), or NaN when t is
   * outside the session. Buckets are (start, end].
   */
  private bucketEnd(t: Micros): Micros {
    const off = this.offsetAt(t);
    const local = t + off;
    const ss = this.sessionStart;
    const se = this.sessionEnd;
    const whole = ss === 0 && se === MICROS_PER_DAY;
    // The session a close-stamped row belongs to: (day + ss, day + se].
    let day = Math.floor(local / MICROS_PER_DAY) * MICROS_PER_DAY;
    let within = local - day;
    if (whole) {
      // Midnight closes the previous day's last interval.
      if (within === 0) {
        day -= MICROS_PER_DAY;
        within = MICROS_PER_DAY;
      }
    } else if (!(within > ss && within <= se)) {
      return NaN;
    }
    const spec = this.spec as { micros: number };
    const size = spec.micros;
    let endLocal: number;
    if (size >= MICROS_PER_DAY) {
      // Day bars end at the last microsecond of the (multi-)day, or at the session end.
      const days = size / MICROS_PER_DAY;
      const dayIndex = Math.floor(day / MICROS_PER_DAY);
      const lastDay = Math.ceil((dayIndex + 1) / days) * days - 1;
      endLocal = lastDay * MICROS_PER_DAY + (whole ? MICROS_PER_DAY - 1 : se);
    } else {
      const k = Math.ceil((within - ss) / size);
      endLocal = day + Math.min(ss + k * size, se);
    }
    return endLocal - off;
  }
}
