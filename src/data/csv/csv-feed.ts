import type { PriceSide } from '../../model/market.js';
import { InputError, type Issue, type IssueCode } from '../../core/errors.js';
import { formatIso, type Micros } from '../../core/time.js';
import {
  BarColumns,
  QuoteColumns,
  SIDE_BUY,
  SIDE_SELL,
  SIDE_UNKNOWN,
  TradeColumns,
  type Columns,
  type DataKind,
  type MarketFeed,
} from '../../model/market.js';
import { parseDecimal, utf8Text } from './decimal.js';
import { ChunkedLines } from '../chunked-lines.js';
import type { CsvFormat } from './format.js';
// Types only: the options' zod schemas stay out of this module, so a worker
// thread that parses CSV (catalog import) starts without loading zod.
import type { CsvReadSettings } from './options.js';
import { TIME_INVALID, TimestampParser } from './timestamp.js';
import { Zone } from './timezone.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const KIND_BAR = 0;
const KIND_QUOTE = 1;
const KIND_TRADE = 2;
const SHOWN_CHARS = 200;

/** The most rows a CSV file's estimate sizes records for; a longer run grows them as it goes. */
const ROWS_HINT_MAX = 4_000_000;

/**
 * Streams a CSV file in fixed-size byte chunks and parses the bytes in place
 * into reused columns, validating each row as it goes: memory stays constant
 * whatever the file size. Blank lines are ignored; lines may end in LF, CR LF
 * or CR alone (ChunkedLines). Rows are validated whether
 * or not they fall in the from/to window; reading stops at the first valid row
 * after `to` (rows are in time order, so none after it can be kept).
 */
export class CsvFeed extends ChunkedLines implements MarketFeed {
  readonly symbol: string;
  readonly priceSide: PriceSide;
  readonly kind: DataKind;
  readonly source: string;
  readonly format: CsvFormat;
  readonly skipped: Issue[] = [];
  /** Data rows read so far: valid or not, inside the from/to window or not. */
  rowsRead = 0;
  /** Valid rows dropped because they fall outside the from/to window. */
  rowsOutsideWindow = 0;
  /**
   * Adjusted close of each row of the last chunk when the file has that
   * column (Yahoo): the chunk's own `adjClose` column (BarColumns). Undefined
   * otherwise, and the chunk's column stays NaN.
   */
  readonly adjClose: Float64Array | undefined;
  /** Open interest of each row of the last chunk, when the file has that column. */
  readonly openInterest: Float64Array | undefined;

  private readonly settings: CsvReadSettings;
  private readonly out: Columns;
  private readonly kindCode: number;
  private readonly times: TimestampParser;
  private readonly delimiter: number;
  private readonly fieldCount: number;
  private readonly allowDuplicateTime: boolean;
  private readonly from: Micros;
  private readonly to: Micros;
  // Field indexes, -1 when absent.
  private readonly cTime: number;
  private readonly cDate: number;
  private readonly cTimeOfDay: number;
  private readonly cOpen: number;
  private readonly cHigh: number;
  private readonly cLow: number;
  private readonly cClose: number;
  private readonly cBid: number;
  private readonly cAsk: number;
  private readonly cBidSize: number;
  private readonly cAskSize: number;
  private readonly cPrice: number;
  private readonly cSize: number;
  private readonly cSide: number;
  private readonly cVolume: number;
  private readonly cAdjClose: number;
  private readonly cOpenInterest: number;
  private readonly cSymbol: number;

  private done = false;
  private headerPending: boolean;
  private line = 0;
  private lineStart = 0;
  private lineEnd = 0;
  private fieldsInLine = 0;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private prevTime = -Infinity;
  private firstSymbol: Buffer | undefined;

  /**
   * About how many rows the file holds (its size over its first lines'
   * length, up to ROWS_HINT_MAX), for the run to size its records at once;
   * undefined with a time window (only part of the rows are handed out).
   */
  get rowsHint(): number | undefined {
    if (this.from !== -Infinity || this.to !== Infinity) return undefined;
    // Estimated once (a read of the file's head), on first asking.
    if (this.estimatedRows === null) {
      const lines = this.estimateLines();
      this.estimatedRows = lines === undefined ? undefined : Math.min(lines, ROWS_HINT_MAX);
    }
    return this.estimatedRows;
  }

  private estimatedRows: number | undefined | null = null;

  constructor(path: string, format: CsvFormat, settings: CsvReadSettings) {
    super(path, settings.chunkBytes);
    this.source = path;
    this.format = format;
    this.symbol = format.symbol;
    this.priceSide = format.priceSide;
    this.kind = format.kind;
    this.settings = settings;
    const zone = Zone.parse(format.timezone);
    if (zone === undefined) {
      throw new InputError({ code: 'invalid_option', field: 'timezone', value: format.timezone, message: 'not a timezone' });
    }
    this.times = new TimestampParser(format.timeFormat, zone);
    this.delimiter = format.delimiter.charCodeAt(0);
    this.fieldCount = format.fieldCount;
    this.allowDuplicateTime = format.allowDuplicateTime;
    this.from = settings.from;
    this.to = settings.to;
    this.headerPending = format.hasHeader;
    const c = format.columns;
    this.cTime = c.time;
    this.cDate = c.date;
    this.cTimeOfDay = c.timeOfDay;
    this.cVolume = c.volume;
    this.cSymbol = c.symbol;
    this.cOpen = c.open;
    this.cHigh = c.high;
    this.cLow = c.low;
    this.cClose = c.close;
    this.cBid = c.bid;
    this.cAsk = c.ask;
    this.cBidSize = c.bidSize;
    this.cAskSize = c.askSize;
    this.cPrice = c.price;
    this.cSize = c.size;
    this.cSide = c.side;
    this.cAdjClose = -1;
    this.cOpenInterest = -1;
    switch (format.kind) {
      case 'bar':
        this.kindCode = KIND_BAR;
        this.out = new BarColumns(settings.capacity);
        this.cAdjClose = c.adjClose;
        this.cOpenInterest = c.openInterest;
        break;
      case 'quote':
        this.kindCode = KIND_QUOTE;
        this.out = new QuoteColumns(settings.capacity);
        break;
      case 'trade':
        this.kindCode = KIND_TRADE;
        this.out = new TradeColumns(settings.capacity);
        break;
    }
    this.adjClose = this.cAdjClose >= 0 ? (this.out as BarColumns).adjClose : undefined;
    this.openInterest = this.cOpenInterest >= 0 ? new Float64Array(settings.capacity) : undefined;
    this.starts = new Int32Array(this.fieldCount + 1);
    this.ends = new Int32Array(this.fieldCount + 1);
  }

  next(): Columns | null {
    const out = this.out;
    out.length = 0;
    if (this.done) {
      this.close();
      return null;
    }
    switch (this.kindCode) {
      case KIND_BAR:
        this.fill(out as BarColumns, null, null);
        break;
      case KIND_QUOTE:
        this.fill(null, out as QuoteColumns, null);
        break;
      default:
        this.fill(null, null, out as TradeColumns);
        break;
    }
    if (out.length === 0) {
      this.close();
      return null;
    }
    return out;
  }

  close(): void {
    this.done = true;
    this.closeFile();
  }

  /** Parses lines into one of the column sets (the other two are null) until it is full or the file ends. */
  private fill(bars: BarColumns | null, quotes: QuoteColumns | null, trades: TradeColumns | null): void {
    const out = (bars ?? quotes ?? trades)!;
    const capacity = out.capacity;
    const starts = this.starts;
    const ends = this.ends;
    const maxFields = starts.length;
    const delimiter = this.delimiter;
    let buf = this.buf;
    let limit = this.limit;
    let pos = this.pos;
    while (out.length < capacity) {
      if (pos >= limit) {
        this.pos = pos;
        if (!this.refill()) {
          this.done = true;
          break;
        }
        buf = this.buf;
        limit = this.limit;
        pos = this.pos;
        continue;
      }
      // Split one line into fields: [starts[i], ends[i]) for each. The region
      // before `limit` always ends with LF (refill adds one at the end of the
      // file), so the scan needs no bounds check.
      const lineStart = pos;
      let p = pos;
      let n = 0;
      let c = 0;
      for (;;) {
        let s = p;
        c = buf[p]!;
        if (c === QUOTE) {
          p = this.quotedField(buf, p, n);
          c = buf[p]!;
        } else {
          while (c !== delimiter && c !== LF) c = buf[++p]!;
          if (n < maxFields) {
            starts[n] = s;
            ends[n] = p;
          }
        }
        n++;
        if (c === LF) break;
        p++;
      }
      const lineEnd = p;
      pos = p + 1;
      this.line++;
      if (n <= maxFields) {
        const e = ends[n - 1]!;
        if (e > starts[n - 1]! && buf[e - 1] === CR) ends[n - 1] = e - 1;
      }
      if (n === 1 && ends[0] === starts[0]) continue; // blank line
      if (this.headerPending) {
        this.headerPending = false;
        continue;
      }
      this.rowsRead++;
      this.lineStart = lineStart;
      this.lineEnd = lineEnd;
      this.fieldsInLine = n;
      if (n !== this.fieldCount) {
        this.rejectLine();
        continue;
      }
      if (bars !== null) this.barRow(bars);
      else if (quotes !== null) this.quoteRow(quotes);
      else this.tradeRow(trades!);
      if (this.done) break;
    }
    this.pos = pos;
  }

  /**
   * A quoted field starting at `p` (field `n` of the line): its value is
   * inside the quotes (no line break in it); a quote left open, or text
   * after the closing one, makes the whole field the value (which reads as
   * no number or time). Returns where the field ends (a delimiter or LF).
   * Out of the line loop, which stays small for the JIT.
   */
  private quotedField(buf: Buffer, p: number, n: number): number {
    const delimiter = this.delimiter;
    let s = ++p;
    while (buf[p] !== QUOTE && buf[p] !== LF) p++;
    let e = p;
    let c = buf[p]!;
    if (c === QUOTE) {
      c = buf[++p]!;
      if (c === CR && buf[p + 1] === LF) c = buf[++p]!;
    }
    if (c !== delimiter && c !== LF) {
      s--;
      while (c !== delimiter && c !== LF) c = buf[++p]!;
      e = p;
    } else if (e === p) s--;
    if (n < this.starts.length) {
      this.starts[n] = s;
      this.ends[n] = e;
    }
    return p;
  }

  private barRow(out: BarColumns): void {
    const b = this.buf;
    const starts = this.starts;
    const ends = this.ends;
    const t = this.readTime();
    if (t !== t) return;
    const cOpen = this.cOpen;
    const cHigh = this.cHigh;
    const cLow = this.cLow;
    const cClose = this.cClose;
    const open = parseDecimal(b, starts[cOpen]!, ends[cOpen]!);
    if (open !== open) return this.rejectNumber(cOpen, 'open');
    const high = parseDecimal(b, starts[cHigh]!, ends[cHigh]!);
    if (high !== high) return this.rejectNumber(cHigh, 'high');
    const low = parseDecimal(b, starts[cLow]!, ends[cLow]!);
    if (low !== low) return this.rejectNumber(cLow, 'low');
    const close = parseDecimal(b, starts[cClose]!, ends[cClose]!);
    if (close !== close) return this.rejectNumber(cClose, 'close');
    let volume = 0; // files without a volume column read as volume 0
    const cVolume = this.cVolume;
    if (cVolume >= 0) {
      volume = parseDecimal(b, starts[cVolume]!, ends[cVolume]!);
      if (volume !== volume) return this.rejectNumber(cVolume, 'volume');
    }
    let adjClose = NaN;
    const cAdjClose = this.cAdjClose;
    if (cAdjClose >= 0) {
      adjClose = parseDecimal(b, starts[cAdjClose]!, ends[cAdjClose]!);
      if (adjClose !== adjClose) return this.rejectNumber(cAdjClose, 'adjClose');
    }
    let openInterest = 0;
    if (this.cOpenInterest >= 0) {
      openInterest = parseDecimal(b, starts[this.cOpenInterest]!, ends[this.cOpenInterest]!);
      if (openInterest !== openInterest) return this.rejectNumber(this.cOpenInterest, 'openInterest');
    }
    if (open <= 0) return this.reject('non_positive_price', cOpen, 'open', 'open must be above zero');
    if (high <= 0) return this.reject('non_positive_price', cHigh, 'high', 'high must be above zero');
    if (low <= 0) return this.reject('non_positive_price', cLow, 'low', 'low must be above zero');
    if (close <= 0) return this.reject('non_positive_price', cClose, 'close', 'close must be above zero');
    if (adjClose <= 0) return this.reject('non_positive_price', cAdjClose, 'adjClose', 'adjusted close must be above zero');
    if (high < low) return this.reject('high_below_low', cHigh, 'high', `high ${high} is below low ${low}`);
    if (open < low || open > high) {
      return this.reject('open_outside_range', cOpen, 'open', `open ${open} is outside low..high ${low}..${high}`);
    }
    if (close < low || close > high) {
      return this.reject('close_outside_range', cClose, 'close', `close ${close} is outside low..high ${low}..${high}`);
    }
    if (volume < 0) return this.reject('negative_volume', cVolume, 'volume', 'volume is negative');
    if (!this.admits(t)) return;
    const i = out.length;
    out.time[i] = t;
    out.open[i] = open;
    out.high[i] = high;
    out.low[i] = low;
    out.close[i] = close;
    out.volume[i] = volume;
    out.line[i] = this.line;
    if (this.adjClose !== undefined) this.adjClose[i] = adjClose;
    if (this.openInterest !== undefined) this.openInterest[i] = openInterest;
    out.length = i + 1;
  }

  /**
   * A valid row goes out when its symbol matches, its time keeps the order,
   * and it lies in the from..to window (rows after `to` end the read).
   */
  private admits(t: number): boolean {
    if (this.cSymbol >= 0 && !this.sameSymbol()) return false;
    if (!this.inOrder(t)) return false;
    if (t < this.from || t > this.to) {
      this.rowsOutsideWindow++;
      if (t > this.to) this.done = true;
      return false;
    }
    return true;
  }

  private quoteRow(out: QuoteColumns): void {
    const b = this.buf;
    const starts = this.starts;
    const ends = this.ends;
    const t = this.readTime();
    if (t !== t) return;
    const cBid = this.cBid;
    const cAsk = this.cAsk;
    const cBidSize = this.cBidSize;
    const cAskSize = this.cAskSize;
    const bid = parseDecimal(b, starts[cBid]!, ends[cBid]!);
    if (bid !== bid) return this.rejectNumber(cBid, 'bid');
    const ask = parseDecimal(b, starts[cAsk]!, ends[cAsk]!);
    if (ask !== ask) return this.rejectNumber(cAsk, 'ask');
    let bidSize = NaN; // sizes are NaN when the source has none
    if (cBidSize >= 0) {
      bidSize = parseDecimal(b, starts[cBidSize]!, ends[cBidSize]!);
      if (bidSize !== bidSize) return this.rejectNumber(cBidSize, 'bidSize');
    }
    let askSize = NaN;
    if (cAskSize >= 0) {
      askSize = parseDecimal(b, starts[cAskSize]!, ends[cAskSize]!);
      if (askSize !== askSize) return this.rejectNumber(cAskSize, 'askSize');
    }
    if (bid <= 0) return this.reject('non_positive_price', cBid, 'bid', 'bid must be above zero');
    if (ask <= 0) return this.reject('non_positive_price', cAsk, 'ask', 'ask must be above zero');
    if (bid > ask) return this.reject('crossed_quote', cBid, 'bid', `bid ${bid} is above ask ${ask}`);
    if (bidSize < 0) return this.reject('negative_volume', cBidSize, 'bidSize', 'bid size is negative');
    if (askSize < 0) return this.reject('negative_volume', cAskSize, 'askSize', 'ask size is negative');
    if (!this.admits(t)) return;
    const i = out.length;
    out.time[i] = t;
    out.bid[i] = bid;
    out.ask[i] = ask;
    out.bidSize[i] = bidSize;
    out.askSize[i] = askSize;
    out.line[i] = this.line;
    out.length = i + 1;
  }

  private tradeRow(out: TradeColumns): void {
    const b = this.buf;
    const starts = this.starts;
    const ends = this.ends;
    const t = this.readTime();
    if (t !== t) return;
    const cPrice = this.cPrice;
    const cSize = this.cSize;
    const cSide = this.cSide;
    const price = parseDecimal(b, starts[cPrice]!, ends[cPrice]!);
    if (price !== price) return this.rejectNumber(cPrice, 'price');
    let size = NaN;
    if (cSize >= 0) {
      size = parseDecimal(b, starts[cSize]!, ends[cSize]!);
      if (size !== size) return this.rejectNumber(cSize, 'size');
    }
    let side = SIDE_UNKNOWN;
    if (cSide >= 0) {
      side = sideCode(b, starts[cSide]!, ends[cSide]!);
      if (side === SIDE_INVALID) return this.reject('unparseable_field', cSide, 'side', "not a side: use buy, sell or unknown (or b, s)");
    }
    if (price <= 0) return this.reject('non_positive_price', cPrice, 'price', 'price must be above zero');
    if (size < 0) return this.reject('negative_volume', cSize, 'size', 'size is negative');
    if (!this.admits(t)) return;
    const i = out.length;
    out.time[i] = t;
    out.price[i] = price;
    out.size[i] = size;
    out.side[i] = side;
    out.line[i] = this.line;
    out.length = i + 1;
  }

  /** The row's time, or NaN after reporting why it is not one. */
  private readTime(): Micros {
    const starts = this.starts;
    const ends = this.ends;
    const c = this.cTime;
    if (c >= 0) {
      const t = this.times.parse(this.buf, starts[c]!, ends[c]!);
      if (t !== t) this.rejectTime(c, starts[c]!, ends[c]!);
      return t;
    }
    const d = this.cDate;
    const h = this.cTimeOfDay;
    const t = this.times.parseSplit(this.buf, starts[d]!, ends[d]!, starts[h]!, ends[h]!);
    if (t !== t) this.rejectTime(d, starts[d]!, ends[h]!);
    return t;
  }

  /** Time order: never backwards; equal only where allowed. Reports and returns false otherwise. */
  private inOrder(t: Micros): boolean {
    const prev = this.prevTime;
    if (t > prev) {
      this.prevTime = t;
      return true;
    }
    const c = this.cTime >= 0 ? this.cTime : this.cDate;
    if (t < prev) {
      this.reject('time_backwards', c, 'time', `time ${formatIso(t)} is before the previous row's ${formatIso(prev)}`);
      return false;
    }
    if (this.allowDuplicateTime) return true;
    this.reject(
      'duplicate_time',
      c,
      'time',
      `time ${formatIso(t)} repeats the previous row's; bars need distinct times (option allowDuplicateTime allows repeats)`,
    );
    return false;
  }

  /** Rows of one feed must name one instrument. */
  private sameSymbol(): boolean {
    const c = this.cSymbol;
    const s = this.starts[c]!;
    const e = this.ends[c]!;
    if (this.firstSymbol === undefined) {
      this.firstSymbol = Buffer.from(this.buf.subarray(s, e));
      return true;
    }
    if (this.buf.compare(this.firstSymbol, 0, this.firstSymbol.length, s, e) === 0) return true;
    this.reject(
      'unparseable_field',
      c,
      'symbol',
      `symbol differs from '${this.firstSymbol.toString('utf8')}' on the first row; one feed reads one instrument`,
    );
    return false;
  }

  private rejectTime(column: number, start: number, end: number): void {
    if (this.times.error === TIME_INVALID) {
      this.report(this.issue('invalid_date', column, 'time', 'no such date or time', utf8Text(this.buf, start, end)));
    } else {
      const message = `not a time in the '${this.format.timeFormat}' format`;
      this.report(this.issue('unparseable_field', column, 'time', message, utf8Text(this.buf, start, end)));
    }
  }

  private rejectNumber(column: number, field: string): void {
    this.reject('unparseable_field', column, field, 'not a number');
  }

  private reject(code: IssueCode, column: number, field: string, message: string): void {
    const value = utf8Text(this.buf, this.starts[column]!, this.ends[column]!);
    this.report(this.issue(code, column, field, message, value));
  }

  private rejectLine(): void {
    let end = this.lineEnd;
    if (end > this.lineStart && this.buf[end - 1] === CR) end--;
    const text = utf8Text(this.buf, this.lineStart, end);
    this.report({
      code: 'field_count',
      file: this.source,
      line: this.line,
      value: text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}...` : text,
      message: `expected ${this.fieldCount} fields, found ${this.fieldsInLine}`,
    });
  }

  private issue(code: IssueCode, column: number, field: string, message: string, value: string): Issue {
    const name = this.format.columnNames[column];
    return {
      code,
      file: this.source,
      line: this.line,
      ...(name !== undefined ? { column: name } : {}),
      field,
      value,
      message,
    };
  }

  private report(issue: Issue): void {
    if (this.settings.onInvalid === 'fail') {
      this.close();
      throw new InputError(issue);
    }
    this.skipped.push(issue);
    this.settings.onIssue?.(issue);
  }

}

const SIDE_INVALID = 2;

/** buy / b -> SIDE_BUY, sell / s -> SIDE_SELL, unknown / empty -> SIDE_UNKNOWN (any case); else SIDE_INVALID. */
function sideCode(b: Uint8Array, s: number, e: number): number {
  while (s < e && b[s] === 32) s++;
  while (e > s && b[e - 1] === 32) e--;
  const n = e - s;
  if (n === 0) return SIDE_UNKNOWN;
  const c = b[s]! | 0x20;
  if (c === 98 /* b */ && (n === 1 || matches(b, s, e, 'buy'))) return SIDE_BUY;
  if (c === 115 /* s */ && (n === 1 || matches(b, s, e, 'sell'))) return SIDE_SELL;
  if (c === 117 /* u */ && matches(b, s, e, 'unknown')) return SIDE_UNKNOWN;
  return SIDE_INVALID;
}

function matches(b: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((b[s + i]! | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}
