import { closeSync, fstatSync, readSync } from 'node:fs';
import { openDataFile } from './data-file.js';

const LF = 0x0a;
const CR = 0x0d;

const BREAKS_UNKNOWN = 0;
const BREAKS_LF = 1;
const BREAKS_CR = 2;

/**
 * How the lines of a file end, from its first line break in buf[start, end):
 * 'lf' (LF or CR LF), 'cr' (CR alone: old Mac files), or undefined when
 * there is none yet (or a CR is the last byte and more may follow; at the
 * end of the file, `eof`, that is a CR line end).
 */
export function lineBreaks(buf: Uint8Array, start: number, end: number, eof: boolean): 'lf' | 'cr' | undefined {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === LF) return 'lf';
    if (c === CR) {
      if (i + 1 < end) return buf[i + 1] === LF ? 'lf' : 'cr';
      return eof ? 'cr' : undefined;
    }
  }
  return undefined;
}

/** CR bytes to LF in buf[start, end): a CR-only file then reads like any other (a CR LF would read as an extra blank line). */
function crToLf(buf: Uint8Array, start: number, end: number): void {
  for (let i = buf.indexOf(CR, start); i >= 0 && i < end; i = buf.indexOf(CR, i + 1)) buf[i] = LF;
}

/**
 * A file read in fixed-size chunks into one reused buffer, kept so that
 * buf[pos, limit) always holds whole lines ending with LF (the last line of
 * the file gets one if it lacks it), and buf[limit, dataEnd) a partial line.
 * Readers scan lines in place without a bounds check, then call `refill`.
 */
export abstract class ChunkedLines {
  /** The chunk buffer; lines are parsed in place from it. */
  buf: Buffer;
  protected fd = -1;
  protected pos = 0;
  protected limit = 0;
  protected dataEnd = 0;
  protected filePos = 0;
  protected eof = false;
  /** How lines end: decided at the first line break; CR-only files are read with each CR as an LF. */
  private breaks = BREAKS_UNKNOWN;

  constructor(path: string, chunkBytes: number) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    this.fd = openDataFile(path);
  }

  /** Bytes of the file read so far (for progress). */
  get bytesRead(): number {
    return this.filePos;
  }

  /**
   * About how many lines the file has: its size over the mean length of the
   * lines in its first 64 KiB (read apart, at offset 0: the reading position
   * does not move). For sizing records, never for counting; undefined when
   * the file cannot tell (empty, closed, no line break in the sample).
   */
  estimateLines(): number | undefined {
    if (this.fd < 0) return undefined;
    const size = fstatSync(this.fd).size;
    const sample = Buffer.allocUnsafe(Math.min(size, 65_536));
    const n = readSync(this.fd, sample, 0, sample.length, 0);
    let lines = 0;
    for (let i = sample.indexOf(LF, 0); i >= 0 && i < n; i = sample.indexOf(LF, i + 1)) lines++;
    if (lines === 0) return undefined;
    return Math.ceil((size / n) * lines);
  }

  protected closeFile(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  protected grow(): void {
    const bigger = Buffer.allocUnsafe(this.buf.length * 2);
    this.buf.copy(bigger, 0, 0, this.dataEnd);
    this.buf = bigger;
  }

  /** Off the LF path: until the first line break is seen, and for a CR-only file (whose new bytes get LFs). */
  private lineBreaksOf(start: number, eof: boolean): void {
    if (this.breaks === BREAKS_CR) {
      crToLf(this.buf, start, this.dataEnd);
      return;
    }
    const mode = lineBreaks(this.buf, this.pos, this.dataEnd, eof);
    if (mode === 'lf') this.breaks = BREAKS_LF;
    else if (mode === 'cr') {
      this.breaks = BREAKS_CR;
      crToLf(this.buf, this.pos, this.dataEnd);
    }
  }

  /**
   * Moves the partial line to the front and reads the next chunk behind it.
   * Afterwards buf[pos, limit) holds whole lines (or the last line of the
   * file); false at the end of the file.
   */
  protected refill(): boolean {
    if (this.eof) return false;
    const rest = this.dataEnd - this.pos;
    if (rest > 0 && this.pos > 0) this.buf.copy(this.buf, 0, this.pos, this.dataEnd);
    this.pos = 0;
    this.dataEnd = rest;
    for (;;) {
      if (this.dataEnd === this.buf.length) this.grow(); // one line longer than the buffer
      const start = this.dataEnd;
      const n = readSync(this.fd, this.buf, start, this.buf.length - start, this.filePos);
      if (this.filePos === 0 && n >= 3 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) {
        this.pos = 3; // UTF-8 byte order mark
      }
      this.filePos += n;
      this.dataEnd += n;
      if (this.breaks !== BREAKS_LF) this.lineBreaksOf(start, n === 0);
      if (n === 0) {
        this.eof = true;
        if (this.dataEnd > this.pos && this.buf[this.dataEnd - 1] !== LF) {
          // The last line has no line break: add one so every line ends alike.
          if (this.dataEnd === this.buf.length) this.grow();
          this.buf[this.dataEnd++] = LF;
        }
        this.limit = this.dataEnd;
        return this.limit > this.pos;
      }
      const lf = this.buf.lastIndexOf(LF, this.dataEnd - 1);
      if (lf >= this.pos) {
        this.limit = lf + 1;
        return true;
      }
    }
  }
}
