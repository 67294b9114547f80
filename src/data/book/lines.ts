import { ChunkedLines } from '../chunked-lines.js';
import { latin1 } from '../csv/decimal.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const SHOWN_CHARS = 200;

/**
 * Reads a comma-separated file line by line in fixed-size byte blocks and
 * splits each line into fields in place: field i is buf[starts[i], ends[i]).
 * Offsets are valid until the next call of nextLine(). Blank lines are
 * skipped; a UTF-8 byte order mark, CR LF or CR-only line ends and a last
 * line without a line break are accepted; a quoted field's value is what is
 * inside the quotes (no line breaks or doubled quotes inside), and a quote
 * left open or text after the closing one keep the whole field as the value
 * (which then reads as nothing valid).
 */
export class LineReader extends ChunkedLines {
  starts: Int32Array;
  ends: Int32Array;
  /** Fields in the current line. */
  fields = 0;
  /** 1-based number of the current line in the file. */
  line = 0;
  private lineStart = 0;
  private lineEnd = 0;

  constructor(
    readonly path: string,
    chunkBytes = 1 << 20,
  ) {
    super(path, Math.max(64, chunkBytes));
    this.starts = new Int32Array(16);
    this.ends = new Int32Array(16);
  }

  /** Loads the next non-blank line; false at the end of the file. */
  nextLine(): boolean {
    for (;;) {
      if (this.pos >= this.limit && !this.refill()) return false;
      const buf = this.buf;
      let p = this.pos;
      const lineStart = p;
      let n = 0;
      let c = 0;
      // The region before `limit` ends with LF, so the scans need no bounds check.
      for (;;) {
        let s = p;
        let e: number;
        c = buf[p]!;
        if (c === QUOTE) {
          s = ++p;
          while (buf[p] !== QUOTE && buf[p] !== LF) p++;
          e = p;
          c = buf[p]!;
          if (c === QUOTE) {
            c = buf[++p]!;
            if (c === CR && buf[p + 1] === LF) c = buf[++p]!;
          }
          if (c !== COMMA && c !== LF) {
            // Text after the closing quote: the whole field, quotes and all, is the value.
            s--;
            while (c !== COMMA && c !== LF) c = buf[++p]!;
            e = p;
          } else if (e === p) s--; // no closing quote before the line end
        } else {
          while (c !== COMMA && c !== LF) c = buf[++p]!;
          e = p;
        }
        if (n === this.starts.length) this.growFields();
        this.starts[n] = s;
        this.ends[n] = e;
        n++;
        if (c === LF) break;
        p++;
      }
      this.pos = p + 1;
      this.line++;
      const last = n - 1;
      const e = this.ends[last]!;
      if (e > this.starts[last]! && buf[e - 1] === CR) this.ends[last] = e - 1;
      if (n === 1 && this.ends[0] === this.starts[0]) continue; // blank line
      this.fields = n;
      this.lineStart = lineStart;
      this.lineEnd = p;
      return true;
    }
  }

  /** Field i of the current line as text. */
  text(i: number): string {
    return latin1(this.buf, this.starts[i]!, this.ends[i]!);
  }

  /** Whether field i of the current line is empty. */
  empty(i: number): boolean {
    return this.ends[i]! <= this.starts[i]!;
  }

  /** Whether field i equals `word` (ASCII, any letter case). */
  is(i: number, word: string): boolean {
    const s = this.starts[i]!;
    if (this.ends[i]! - s !== word.length) return false;
    for (let k = 0; k < word.length; k++) if ((this.buf[s + k]! | 0x20) !== word.charCodeAt(k)) return false;
    return true;
  }

  /** Whether field i holds the same bytes as `bytes`. */
  equals(i: number, bytes: Buffer): boolean {
    const s = this.starts[i]!;
    const n = bytes.length;
    if (this.ends[i]! - s !== n) return false;
    const buf = this.buf;
    for (let k = 0; k < n; k++) if (buf[s + k] !== bytes[k]) return false;
    return true;
  }

  /** A copy of field i's bytes. */
  bytes(i: number): Buffer {
    return Buffer.from(this.buf.subarray(this.starts[i]!, this.ends[i]!));
  }

  /** The current line as text, shortened for messages. */
  lineText(): string {
    let end = this.lineEnd;
    if (end > this.lineStart && this.buf[end - 1] === CR) end--;
    const t = latin1(this.buf, this.lineStart, end);
    return t.length > SHOWN_CHARS ? `${t.slice(0, SHOWN_CHARS)}...` : t;
  }

  close(): void {
    this.closeFile();
    this.eof = true;
    this.pos = this.limit = this.dataEnd = 0;
  }

  private growFields(): void {
    const starts = new Int32Array(this.starts.length * 2);
    const ends = new Int32Array(this.ends.length * 2);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }

}
