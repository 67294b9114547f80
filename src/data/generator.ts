import { closeSync, openSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { InputError, type Issue } from '../core/errors.js';
import { MICROS_PER_DAY, MICROS_PER_MINUTE, civilFromDays, type Micros } from '../core/time.js';
import { BarColumns, type MarketFeed } from '../model/market.js';
import { Xoshiro128 } from '../core/random.js';

const generateOptionsSchema = z
  .object({
    /** Number of bars. */
    bars: z.number().int().nonnegative(),
    /** Any number; the same seed gives the same bars. */
    seed: z.number().finite(),
    /** Time of the first bar (its close). Default 2020-01-01T00:01:00Z. */
    start: z.number().int().optional(),
    /** Time between bars. Default one minute. */
    intervalMicros: z.number().int().positive().optional(),
    /** Price around which the walk starts. Default 100. */
    startPrice: z.number().positive().finite().optional(),
    /** Price decimals; prices are multiples of 10^-decimals. Default 2. */
    decimals: z.number().int().min(0).max(8).optional(),
    /** Typical standard deviation of one bar's log return. Default 0.0005 (about 20% a year on minute bars). */
    volatility: z.number().positive().max(0.2).optional(),
  })
  .strict();

export type GenerateBarsOptions = z.infer<typeof generateOptionsSchema>;
export type WriteGeneratedCsvOptions = GenerateBarsOptions & { readonly out: string };

export interface WriteGeneratedCsvResult {
  readonly path: string;
  readonly bars: number;
  readonly bytes: number;
}

const DEFAULT_START: Micros = Date.UTC(2020, 0, 1, 0, 1) * 1000;
// GARCH(1,1) weights: today's variance leans on yesterday's and on the last shock, so calm and busy spells cluster.
const GARCH_SHOCK = 0.08;
const GARCH_PERSISTENCE = 0.9;
/** Pull of the log price back towards its start, so that a walk of 100M bars stays in a plausible band. */
const MEAN_REVERSION = 2e-6;
const BASE_VOLUME = 1000;

function checkOptions(options: GenerateBarsOptions): GenerateBarsOptions {
  const r = generateOptionsSchema.safeParse(options);
  if (r.success) return r.data;
  throw new InputError(
    r.error.issues.map((i) => ({
      code: 'invalid_option' as const,
      field: i.path.map(String).join('.'),
      message: `generator option '${i.path.map(String).join('.')}': ${i.message}`,
    })),
  );
}

/**
 * A seeded random walk of bars: returns with volatility clustering (GARCH),
 * a slight pull back to the start price, opens near the previous close, high
 * and low around the body, prices on a tick grid, volume that rises with the
 * size of the move. Holds one bar at a time; prices are integer ticks.
 */
export class BarWalk {
  readonly tickSize: number;
  /** 10^decimals: ticks per price unit. */
  readonly scale: number;
  time: Micros;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  private readonly rng: Xoshiro128;
  private readonly interval: Micros;
  private readonly baseVariance: number;
  private readonly anchor: number;
  private variance: number;
  private lastShock = 0;
  private logClose: number;
  private started = false;

  constructor(options: GenerateBarsOptions) {
    const o = checkOptions(options);
    const decimals = o.decimals ?? 2;
    this.scale = 10 ** decimals;
    this.tickSize = 1 / this.scale;
    this.rng = new Xoshiro128(o.seed);
    this.interval = o.intervalMicros ?? MICROS_PER_MINUTE;
    this.time = (o.start ?? DEFAULT_START) - this.interval;
    const vol = o.volatility ?? 0.0005;
    this.baseVariance = vol * vol;
    this.variance = this.baseVariance;
    this.anchor = Math.log(o.startPrice ?? 100);
    this.logClose = this.anchor;
  }

  /** Advances to the next bar; open/high/low/close are in ticks. */
  step(): void {
    const rng = this.rng;
    this.time += this.interval;
    const v = this.baseVariance;
    this.variance = Math.min(
      v * (1 - GARCH_SHOCK - GARCH_PERSISTENCE) + GARCH_SHOCK * this.lastShock * this.lastShock + GARCH_PERSISTENCE * this.variance,
      100 * v,
    );
    const sigma = Math.sqrt(this.variance);
    const logOpen = this.started ? this.logClose + 0.1 * sigma * rng.nextNormal() : this.logClose;
    this.started = true;
    const shock = sigma * rng.nextNormal();
    this.lastShock = shock;
    this.logClose = logOpen + shock - MEAN_REVERSION * (logOpen - this.anchor);

    const scale = this.scale;
    const open = Math.max(1, Math.round(Math.exp(logOpen) * scale));
    const close = Math.max(1, Math.round(Math.exp(this.logClose) * scale));
    const top = Math.max(open, close);
    const bottom = Math.min(open, close);
    const up = Math.abs(rng.nextNormal()) * 0.6 * sigma;
    const down = Math.abs(rng.nextNormal()) * 0.6 * sigma;
    this.open = open;
    this.close = close;
    this.high = Math.max(top, Math.ceil(top * Math.exp(up)));
    this.low = Math.max(1, Math.min(bottom, Math.floor(bottom * Math.exp(-down))));
    const move = Math.abs(shock) / Math.sqrt(v);
    this.volume = Math.max(1, Math.round(BASE_VOLUME * Math.exp(0.5 * rng.nextNormal()) * (0.5 + 0.5 * move)));
  }
}

/** All bars in memory (for benchmarks and tests). Rows carry line 0 (generated). */
export function generateBarColumns(options: GenerateBarsOptions): BarColumns {
  return new GeneratedBarFeed('', options, Math.max(1, options.bars)).next() ?? new BarColumns(0);
}

/**
 * The same bars as generateBarColumns as a feed of reused chunks: any number
 * of bars in constant memory (e.g. to fill a catalog with 100M bars).
 */
export class GeneratedBarFeed implements MarketFeed {
  readonly kind = 'bar' as const;
  readonly source: string;
  readonly skipped: readonly Issue[] = [];
  private readonly walk: BarWalk;
  private readonly out: BarColumns;
  private left: number;

  constructor(
    readonly symbol: string,
    options: GenerateBarsOptions,
    chunkRows = 65_536,
  ) {
    this.walk = new BarWalk(options);
    this.left = options.bars;
    this.out = new BarColumns(chunkRows);
    this.source = `generated:seed=${options.seed}`;
  }

  next(): BarColumns | null {
    if (this.left <= 0) return null;
    const n = Math.min(this.left, this.out.capacity);
    const { walk, out } = this;
    const scale = walk.scale;
    for (let i = 0; i < n; i++) {
      walk.step();
      out.time[i] = walk.time;
      out.open[i] = walk.open / scale;
      out.high[i] = walk.high / scale;
      out.low[i] = walk.low / scale;
      out.close[i] = walk.close / scale;
      out.volume[i] = walk.volume;
    }
    out.length = n;
    this.left -= n;
    return out;
  }

  close(): void {
    this.left = 0;
  }
}

/**
 * Streams the same bars as generateBarColumns to a CSV file,
 * `datetime,open,high,low,close,volume` with ISO times and exactly `decimals`
 * price decimals, through one reused byte buffer: memory stays constant
 * however many bars. The same options give the same bytes.
 */
export function writeGeneratedCsv(options: WriteGeneratedCsvOptions): WriteGeneratedCsvResult {
  const { out, ...rest } = options;
  const walk = new BarWalk(rest);
  const decimals = rest.decimals ?? 2;
  const fd = openSync(out, 'w');
  const w = new CsvByteWriter(fd);
  try {
    w.ascii('datetime,open,high,low,close,volume\n');
    for (let i = 0; i < rest.bars; i++) {
      walk.step();
      w.isoTime(walk.time);
      w.byte(COMMA);
      w.fixed(walk.open, decimals);
      w.byte(COMMA);
      w.fixed(walk.high, decimals);
      w.byte(COMMA);
      w.fixed(walk.low, decimals);
      w.byte(COMMA);
      w.fixed(walk.close, decimals);
      w.byte(COMMA);
      w.uint(walk.volume);
      w.byte(NEWLINE);
      if (w.pos > FLUSH_AT) w.flush();
    }
    w.flush();
  } finally {
    closeSync(fd);
  }
  return { path: out, bars: rest.bars, bytes: w.written };
}

const BUFFER_BYTES = 1 << 20;
/** Flush when less than one long row of room is left. */
const FLUSH_AT = BUFFER_BYTES - 512;
const COMMA = 44;
const NEWLINE = 10;
const DIGIT_0 = 48;

/** Writes CSV text as bytes into a reused buffer, flushed to a file descriptor. */
class CsvByteWriter {
  readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  pos = 0;
  written = 0;
  private readonly scratch = new Uint8Array(24);
  private day = Number.NaN;
  private readonly datePart = Buffer.alloc(11); // `YYYY-MM-DDT`

  constructor(private readonly fd: number) {}

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  ascii(text: string): void {
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  /** A non-negative integer in decimal. */
  uint(n: number): void {
    const s = this.scratch;
    let k = s.length;
    do {
      const q = Math.floor(n / 10);
      s[--k] = DIGIT_0 + (n - q * 10);
      n = q;
    } while (n > 0);
    while (k < s.length) this.buf[this.pos++] = s[k++]!;
  }

  /** Integer ticks as a decimal with exactly `decimals` places: 12345, 2 -> `123.45`. */
  fixed(ticks: number, decimals: number): void {
    if (decimals === 0) return this.uint(ticks);
    const s = this.scratch;
    let k = s.length;
    for (let d = 0; d < decimals; d++) {
      const q = Math.floor(ticks / 10);
      s[--k] = DIGIT_0 + (ticks - q * 10);
      ticks = q;
    }
    s[--k] = 46; // '.'
    do {
      const q = Math.floor(ticks / 10);
      s[--k] = DIGIT_0 + (ticks - q * 10);
      ticks = q;
    } while (ticks > 0);
    while (k < s.length) this.buf[this.pos++] = s[k++]!;
  }

  /** ISO 8601 UTC, `2020-01-01T00:01:00Z`, with `.ffffff` only when there are microseconds. */
  isoTime(t: Micros): void {
    const day = Math.floor(t / MICROS_PER_DAY);
    if (day !== this.day) {
      const { year, month, day: d } = civilFromDays(day);
      this.day = day;
      this.datePart.write(`${String(year).padStart(4, '0')}-${two(month)}-${two(d)}T`, 0, 'latin1');
    }
    this.datePart.copy(this.buf, this.pos);
    this.pos += 11;
    let rem = t - day * MICROS_PER_DAY;
    const micros = rem % 1_000_000;
    rem = (rem - micros) / 1_000_000;
    const sec = rem % 60;
    rem = (rem - sec) / 60;
    const min = rem % 60;
    this.twoDigits((rem - min) / 60);
    this.byte(58);
    this.twoDigits(min);
    this.byte(58);
    this.twoDigits(sec);
    if (micros !== 0) {
      this.byte(46);
      let div = 100_000;
      for (let i = 0; i < 6; i++, div /= 10) this.byte(DIGIT_0 + (Math.floor(micros / div) % 10));
    }
    this.byte(90); // 'Z'
  }

  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.written += this.pos;
    this.pos = 0;
  }

  private twoDigits(n: number): void {
    this.buf[this.pos++] = DIGIT_0 + Math.floor(n / 10);
    this.buf[this.pos++] = DIGIT_0 + (n % 10);
  }
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
