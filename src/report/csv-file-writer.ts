import { closeSync, openSync } from 'node:fs';
import { writeAllBytes } from '../core/output-file.js';
import { MICROS_PER_DAY, MICROS_PER_SECOND, civilFromDays, formatIso } from '../core/time.js';
import { formatNumber } from './format.js';
import { ShortestDigits } from './shortest-digits.js';

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const ZERO = 0x30;
const MINUS = 0x2d;
const DOT = 0x2e;

/** 10^0 .. 10^22: every one exact as a double. */
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Below this an integer has at most 15 digits: any two such decimals are different doubles. */
const FIFTEEN_DIGITS = 1e15;
/** Columns repeatedNumber keeps the last value of. */
const REPEAT_SLOTS = 8;
const TWO_POW_53 = 2 ** 53;
const TWO_POW_31 = 2 ** 31;

/** "00".."99" as byte pairs. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = ZERO + Math.floor(i / 10);
  PAIRS[2 * i + 1] = ZERO + (i % 10);
}

/** How much room a field may need before the buffer is flushed (the longest number text is about 330 bytes). */
const FIELD_ROOM = 1024;

/**
 * A CSV file written as bytes: fields are encoded straight into one reusable
 * buffer (no string per row or per number on the common paths) and written
 * to the file in large blocks. Numbers come out exactly as `formatNumber`
 * writes them, times as `formatTime` (format.ts); integers and every number
 * above 1e-7 and below 1e16 (shortest-digits.ts) take paths that build no
 * string; below 1e-7, String(x)'s exponent form is expanded into the buffer.
 */
export class CsvFileWriter {
  private fd: number;
  private readonly buf: Buffer;
  private pos = 0;
  /** Past this the buffer is flushed before the next field. */
  private readonly limit: number;
  /** Start (µs) of the day whose "YYYY-MM-DDT" is in `datePart`, NaN for none. */
  private dayStart = NaN;
  private readonly datePart = new Uint8Array(11);
  private readonly shortest = new ShortestDigits();
  /** Buffer flushes so far: text written before the last flush is no longer in the buffer to copy. */
  private flushes = 0;
  /** repeatedNumber's slots: the last value of each (NaN: none), where its text is in the buffer, how long, as of which flush. */
  private readonly repeatValue = new Float64Array(REPEAT_SLOTS).fill(NaN);
  private readonly repeatAt = new Int32Array(REPEAT_SLOTS);
  private readonly repeatLength = new Int32Array(REPEAT_SLOTS);
  private readonly repeatFlushes = new Int32Array(REPEAT_SLOTS);

  /** `append`: add to the end of an existing file (live runs write their files as they go) instead of replacing it. */
  constructor(path: string, capacity = 1 << 20, append = false) {
    this.buf = Buffer.allocUnsafe(capacity + FIELD_ROOM);
    this.limit = capacity;
    this.fd = openSync(path, append ? 'a' : 'w');
  }

  /** A header or any other text, written as UTF-8. */
  text(s: string): void {
    const n = s.length;
    if (this.pos > this.limit) this.flush();
    if (n <= 64) {
      let p = this.pos;
      const buf = this.buf;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) return this.utf8(s);
        buf[p++] = c;
      }
      this.pos = p;
      return;
    }
    this.utf8(s);
  }

  private utf8(s: string): void {
    const bytes = Buffer.byteLength(s, 'utf8');
    if (this.pos + bytes > this.buf.length) this.flush();
    if (bytes > this.buf.length) {
      this.writeOut(Buffer.from(s, 'utf8'));
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  comma(): void {
    this.buf[this.pos++] = COMMA;
  }

  /** Ends the row (a newline), flushing the buffer when it is full. */
  endRow(): void {
    this.buf[this.pos++] = NEWLINE;
    if (this.pos > this.limit) this.flush();
  }

  /** An integer count or id, as String(n) writes it. */
  int(n: number): void {
    if (this.pos > this.limit) this.flush();
    if (Number.isSafeInteger(n)) {
      if (n < 0) {
        this.buf[this.pos++] = MINUS;
        n = -n;
      }
      this.unsigned(n);
    } else this.text(String(n));
  }

  /**
   * `number(x)` for a column whose values often repeat from row to row (a
   * flat equity curve's equity and cash): when the value is the one last
   * written for `slot` (0 to 7, one per column) and that text is still in
   * the buffer, its bytes are copied instead of working out its digits. The
   * same bytes as number(x); equal values have the same text (0 and -0
   * both write "0").
   */
  repeatedNumber(x: number, slot: number): void {
    if (this.pos > this.limit) this.flush();
    const start = this.pos;
    const flushes = this.flushes;
    if (x === this.repeatValue[slot] && this.repeatFlushes[slot] === flushes) {
      const buf = this.buf;
      const from = this.repeatAt[slot] as number;
      const n = this.repeatLength[slot] as number;
      for (let i = 0; i < n; i++) buf[start + i] = buf[from + i] as number;
      this.pos = start + n;
    } else {
      this.number(x);
      this.repeatValue[slot] = flushes === this.flushes ? x : NaN;
      this.repeatLength[slot] = this.pos - start;
    }
    this.repeatAt[slot] = start;
    this.repeatFlushes[slot] = flushes;
  }

  /** A number as `formatNumber` writes it: shortest round-trip digits, never an exponent; empty for NaN and infinities. */
  number(x: number): void {
    if (this.pos > this.limit) this.flush();
    if (x !== x || x === Infinity || x === -Infinity) return;
    const a = x < 0 ? -x : x;
    if (a < TWO_POW_53 && Math.floor(a) === a) {
      // An integer (or ±0): its digits are its shortest text.
      if (x < 0) this.buf[this.pos++] = MINUS;
      this.unsigned(a);
      return;
    }
    // Above 1e-7 and below 1e16 (returns, ratios, prices: nearly every
    // value), the shortest digits straight into the buffer.
    const start = x < 0 ? this.pos + 1 : this.pos;
    const end = this.shortest.writePlain(this.buf, start, a);
    if (end >= 0) {
      if (x < 0) this.buf[this.pos] = MINUS;
      this.pos = end;
      return;
    }
    if (a < 1e-7) {
      // Tiny (returns of a large account): String(a) is d.ddde-k, expanded here byte by byte.
      if (x < 0) this.buf[this.pos++] = MINUS;
      this.tiny(String(a));
      return;
    }
    if (a < FIFTEEN_DIGITS && this.fitsFifteenDigits(a)) {
      // Tiny short decimals (1.5e-8). The fewest decimals d with which some
      // decimal reads back as x: the nearest one, round(a * 10^d), when
      // m / 10^d (the double nearest to that decimal) is x. With at most 15
      // digits no other decimal of that length reads back as x, so this is
      // the text String(x) gives.
      for (let d = 1; d < 23; d++) {
        const p = POW10[d] as number;
        const m = Math.round(a * p);
        if (m >= FIFTEEN_DIGITS) break;
        if (m / p === a) {
          if (x < 0) this.buf[this.pos++] = MINUS;
          this.decimal(m, d);
          return;
        }
      }
    }
    this.text(formatNumber(x));
  }

  /**
   * String(a) of a positive a below 1e-7 ("d.ddde-k", k >= 8; always the
   * exponent form below 1e-6) as formatNumber expands it: "0.", k - 1 zeros,
   * the digits. The same text formatNumber builds, without its substrings.
   */
  private tiny(s: string): void {
    const buf = this.buf;
    const e = s.indexOf('e');
    let k = 0;
    for (let i = e + 2; i < s.length; i++) k = k * 10 + (s.charCodeAt(i) - ZERO);
    let p = this.pos;
    buf[p++] = ZERO;
    buf[p++] = DOT;
    for (let i = 1; i < k; i++) buf[p++] = ZERO;
    for (let i = 0; i < e; i++) {
      const c = s.charCodeAt(i);
      if (c !== DOT) buf[p++] = c;
    }
    this.pos = p;
  }

  /**
   * Whether `a` (not an integer, below 10^15) is a decimal of at most 15
   * significant digits, tried once at the most decimals such a decimal can
   * have: if a shorter decimal reads back as `a`, so does this one (scaled
   * up, its error stays far below a half), so a full-precision number (a
   * ratio, a return: 16 or 17 digits) goes to String(x) after one try
   * instead of one per decimal place.
   */
  private fitsFifteenDigits(a: number): boolean {
    let d = 14 - Math.floor(Math.log10(a));
    if (d > 22) return true; // tiny: let the search decide (it gives up at 22 decimals)
    if (d < 1) return false;
    let p = POW10[d] as number;
    let m = Math.round(a * p);
    if (m >= FIFTEEN_DIGITS && d > 1) {
      // log10 rounded up across a power of ten
      d--;
      p = POW10[d] as number;
      m = Math.round(a * p);
    }
    return m < FIFTEEN_DIGITS && m / p === a;
  }

  /** A time (µs UTC) as `formatTime` writes it: ISO 8601, `.ffffff` only when not zero; empty for NaN. */
  time(t: number): void {
    if (this.pos > this.limit) this.flush();
    if (t !== t || t === Infinity || t === -Infinity) return;
    let rem = t - this.dayStart;
    if (!(rem >= 0 && rem < MICROS_PER_DAY)) {
      // Another day than the last time's: its date part, worked out once.
      const days = Math.floor(t / MICROS_PER_DAY);
      if (!this.cacheDay(days)) {
        this.text(formatIso(t));
        return;
      }
      rem = t - this.dayStart;
    }
    const sec = (rem / MICROS_PER_SECOND) | 0;
    const us = rem - sec * MICROS_PER_SECOND;
    if ((us | 0) !== us) {
      // Not a whole microsecond: formatIso says how that looks.
      this.text(formatIso(t));
      return;
    }
    const h = (sec / 3600) | 0;
    const hs = sec - h * 3600;
    const m = (hs / 60) | 0;
    const s = hs - m * 60;
    const buf = this.buf;
    let p = this.pos;
    const date = this.datePart;
    for (let i = 0; i < 11; i++) buf[p++] = date[i] as number;
    p = pair(buf, p, h);
    buf[p++] = 0x3a;
    p = pair(buf, p, m);
    buf[p++] = 0x3a;
    p = pair(buf, p, s);
    if (us !== 0) {
      const hi = (us / 10000) | 0;
      const lo = us - hi * 10000;
      const mid = (lo / 100) | 0;
      buf[p++] = DOT;
      p = pair(buf, p, hi);
      p = pair(buf, p, mid);
      p = pair(buf, p, lo - mid * 100);
    }
    buf[p++] = 0x5a;
    this.pos = p;
  }

  /** Fills `datePart` for a day; false for years that are not four digits (written by formatIso instead). */
  private cacheDay(days: number): boolean {
    const { year, month, day } = civilFromDays(days);
    if (year < 0 || year > 9999) return false;
    const d = this.datePart;
    pair(d, 0, Math.floor(year / 100));
    pair(d, 2, year % 100);
    d[4] = MINUS;
    pair(d, 5, month);
    d[7] = MINUS;
    pair(d, 8, day);
    d[10] = 0x54;
    this.dayStart = days * MICROS_PER_DAY;
    return true;
  }

  /** A non-negative integer below 2^53: its digits. */
  private unsigned(n: number): void {
    this.pos = uint53(this.buf, this.pos, n);
  }

  /** m / 10^d, m a positive integer below 10^15 not ending in 0: its digits with the point d from the right. */
  private decimal(m: number, d: number): void {
    const buf = this.buf;
    const start = this.pos;
    this.unsigned(m);
    const end = this.pos;
    const k = end - start;
    if (k > d) {
      // Move the last d digits one place on, for the point.
      for (let i = end; i > end - d; i--) buf[i] = buf[i - 1] as number;
      buf[end - d] = DOT;
      this.pos = end + 1;
      return;
    }
    // 0.00ddd: the digits move right by 2 + (d - k).
    const shift = 2 + d - k;
    for (let i = end - 1; i >= start; i--) buf[i + shift] = buf[i] as number;
    buf[start] = ZERO;
    buf[start + 1] = DOT;
    for (let i = start + 2; i < start + shift; i++) buf[i] = ZERO;
    this.pos = end + shift;
  }

  /** Writes the buffer to the file. */
  flush(): void {
    if (this.pos === 0) return;
    const n = this.pos;
    this.pos = 0;
    this.flushes++;
    this.writeOut(this.buf.subarray(0, n));
  }

  private writeOut(bytes: Uint8Array): void {
    try {
      writeAllBytes(this.fd, bytes);
    } catch (e) {
      closeSync(this.fd); // a full disk: the caller removes the file
      this.fd = -1;
      throw e;
    }
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Writes n (0 <= n < 2^31, an integer) at p; returns the position after it.
 * In int32 arithmetic the divisions by 100 become multiplications.
 */
function int31(buf: Uint8Array, p: number, n: number): number {
  let v = n | 0;
  const len = v < 100000 ? (v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : v < 10000 ? 4 : 5) : v < 10000000 ? (v < 1000000 ? 6 : 7) : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  let q = p + len;
  while (v >= 100) {
    const next = (v / 100) | 0;
    const r = (v - next * 100) | 0;
    q -= 2;
    buf[q] = PAIRS[2 * r] as number;
    buf[q + 1] = PAIRS[2 * r + 1] as number;
    v = next;
  }
  if (v >= 10) {
    buf[q - 2] = PAIRS[2 * v] as number;
    buf[q - 1] = PAIRS[2 * v + 1] as number;
  } else buf[q - 1] = ZERO + v;
  return p + len;
}

/** Writes n (0 <= n < 10^8, an integer) as exactly eight digits at p. */
function fixed8(buf: Uint8Array, p: number, n: number): number {
  let v = n | 0;
  for (let q = p + 6; q >= p; q -= 2) {
    const next = (v / 100) | 0;
    const r = (v - next * 100) | 0;
    buf[q] = PAIRS[2 * r] as number;
    buf[q + 1] = PAIRS[2 * r + 1] as number;
    v = next;
  }
  return p + 8;
}

/** Writes n (0 <= n < 2^53, an integer) at p; returns the position after it. */
function uint53(buf: Uint8Array, p: number, n: number): number {
  if (n < TWO_POW_31) return int31(buf, p, n);
  // The digits above the last eight (below 2^53 / 10^8, about 9e7), then those eight.
  const hi = Math.floor(n / 1e8);
  return fixed8(buf, int31(buf, p, hi), n - hi * 1e8);
}

function pair(buf: Uint8Array, p: number, v: number): number {
  buf[p] = PAIRS[2 * v] as number;
  buf[p + 1] = PAIRS[2 * v + 1] as number;
  return p + 2;
}
