import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { fileIssue } from './csv/detect.js';

const LF = 0x0a;

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

  constructor(path: string, chunkBytes: number) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(fileIssue(path, e));
    }
  }

  /** Bytes of the file read so far (for progress). */
  get bytesRead(): number {
    return this.filePos;
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
