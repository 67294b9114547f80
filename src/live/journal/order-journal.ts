/**
 * The run's order journal: an append-only file of checksummed records.
 *
 * Durability rule: an intent (submit, cancel, modify) is written and fsynced
 * before `appendIntent` returns, so the caller sends nothing the journal
 * could forget. Reports are written at once (they survive the process being
 * killed) and fsynced with the next intent or note, or by `flush()`: a
 * report lost to a power cut is fetched again from the exchange at start.
 * On open, a torn last record (a crash mid-write) is cut off; a damaged
 * record that valid ones follow is an error naming the file and offset.
 */

import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';
import { InputError, invariant } from '../../core/errors.js';
import { JOURNAL_MAGIC, encodeFrame, scanFrames } from './frames.js';
import { decodeRecord, encodeRecord, type JournalIntent, type JournalNote, type JournalRecord, type JournalReport } from './records.js';

/** The file system calls the journal makes; node:fs by default, a recorder in tests. */
export interface JournalFs {
  existsSync(path: string): boolean;
  readFileSync(path: string): Uint8Array;
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
}

export interface OrderJournalOptions {
  readonly fs?: JournalFs;
}

export interface OpenedJournal {
  readonly journal: OrderJournal;
  /** Every record in the file, in order. */
  readonly records: readonly JournalRecord[];
  /** Bytes of a torn last record cut off on open (0 for a clean file). */
  readonly tornBytes: number;
}

export const JOURNAL_FILE = 'journal.qfj';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class OrderJournal {
  private fd: number;
  private unsynced = false;

  private constructor(
    readonly path: string,
    private readonly fs: JournalFs,
    fd: number,
    /** Bytes of whole records in the file. */
    private size: number,
  ) {
    this.fd = fd;
  }

  /** Opens (or creates) the journal at `path`, reading back what it holds. */
  static open(path: string, options: OrderJournalOptions = {}): OpenedJournal {
    const fs = options.fs ?? (nodeFs as unknown as JournalFs);
    if (!fs.existsSync(path)) return { journal: OrderJournal.create(path, fs), records: [], tornBytes: 0 };
    const bytes = fs.readFileSync(path);
    if (bytes.length < JOURNAL_MAGIC.length && isPrefixOfMagic(bytes)) {
      // Torn while being created: nothing was ever journalled.
      return { journal: OrderJournal.create(path, fs), records: [], tornBytes: bytes.length };
    }
    const { records, validLength } = decodeJournal(path, bytes);
    const fd = fs.openSync(path, 'r+');
    const tornBytes = bytes.length - validLength;
    if (tornBytes > 0) {
      fs.ftruncateSync(fd, validLength);
      fs.fsyncSync(fd);
    }
    fs.closeSync(fd);
    return { journal: new OrderJournal(path, fs, fs.openSync(path, 'a'), validLength), records, tornBytes };
  }

  private static create(path: string, fs: JournalFs): OrderJournal {
    // Emptied first (a file torn while being created), then opened to append: after a failed write is
    // taken back, the next one must land at the end, not at a position past it.
    fs.closeSync(fs.openSync(path, 'w'));
    const fd = fs.openSync(path, 'a');
    writeAll(fs, fd, JOURNAL_MAGIC);
    fs.fsyncSync(fd);
    // The new file's directory entry must be durable too.
    const dir = fs.openSync(dirname(path), 'r');
    fs.fsyncSync(dir);
    fs.closeSync(dir);
    return new OrderJournal(path, fs, fd, JOURNAL_MAGIC.length);
  }

  /** Appends the intent and makes it durable; send it only after this returns. */
  appendIntent(intent: JournalIntent): void {
    this.appendDurably([intent]);
  }

  /** Group commit: one write and one fsync for several intents. */
  appendIntents(intents: readonly JournalIntent[]): void {
    if (intents.length > 0) this.appendDurably(intents);
  }

  /** Appends a report from the venue; durable at the next intent, note or flush. */
  appendReport(report: JournalReport): void {
    this.write([report]);
    this.unsynced = true;
  }

  /** Appends a note (balances, an adopted order), durably. */
  appendNote(note: JournalNote): void {
    this.appendDurably([note]);
  }

  /** Makes every report written so far durable. */
  flush(): void {
    this.checkOpen();
    if (!this.unsynced) return;
    this.fs.fsyncSync(this.fd);
    this.unsynced = false;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    this.fs.closeSync(this.fd);
    this.fd = -1;
  }

  private appendDurably(records: readonly JournalRecord[]): void {
    this.write(records);
    this.fs.fsyncSync(this.fd);
    this.unsynced = false;
  }

  private write(records: readonly JournalRecord[]): void {
    this.checkOpen();
    // Every record is checked before any is written: a batch goes in whole or not at all.
    const frames = records.map((r) => encodeFrame(encoder.encode(encodeRecord(r))));
    let bytes = frames[0] as Uint8Array;
    if (frames.length > 1) {
      bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      let at = 0;
      for (const f of frames) {
        bytes.set(f, at);
        at += f.length;
      }
    }
    try {
      writeAll(this.fs, this.fd, bytes);
    } catch (error) {
      // A failed write (a full disk) must not leave part of a record for later records to follow.
      this.fs.ftruncateSync(this.fd, this.size);
      throw error;
    }
    this.size += bytes.length;
  }

  private checkOpen(): void {
    invariant(this.fd >= 0, `order journal ${this.path} is closed`);
  }
}

function writeAll(fs: JournalFs, fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * The journal's records, read without changing the file (for a reader while
 * or after a run writes it, e.g. reconcile): a torn last record is not read;
 * damage before the tail is an error naming the byte offset, as on open.
 */
export function readJournal(path: string): JournalRecord[] {
  if (!nodeFs.existsSync(path)) throw new InputError({ code: 'file_not_found', file: path, message: 'not found (a live run journals its orders there)' });
  const bytes = nodeFs.readFileSync(path);
  if (bytes.length < JOURNAL_MAGIC.length && isPrefixOfMagic(bytes)) return [];
  return decodeJournal(path, bytes).records;
}

/** Every whole record of a journal file's bytes, and how many bytes they take (a torn tail after them). */
function decodeJournal(path: string, bytes: Uint8Array): { records: JournalRecord[]; validLength: number } {
  if (!isPrefixOfMagic(bytes.subarray(0, JOURNAL_MAGIC.length)) || bytes.length < JOURNAL_MAGIC.length) {
    throw new InputError({ code: 'unknown_format', file: path, message: 'not a QuantFlow order journal (the file does not start with QFJOURNAL1)' });
  }
  const scan = scanFrames(bytes, JOURNAL_MAGIC.length);
  if (scan.corruptAt >= 0) throw damaged(path, scan.corruptAt, 'checksum does not match and valid records follow it: the journal is corrupt, not torn');
  const records: JournalRecord[] = [];
  scan.payloads.forEach((payload, i) => {
    const offset = scan.offsets[i] as number;
    let text: string;
    try {
      text = decoder.decode(payload);
    } catch {
      throw damaged(path, offset, 'record is not UTF-8 text');
    }
    const decoded = decodeRecord(text);
    if (!decoded.ok) throw damaged(path, offset, `not a journal record (${decoded.reason})`);
    records.push(decoded.record);
  });
  return { records, validLength: scan.validLength };
}

function isPrefixOfMagic(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== JOURNAL_MAGIC[i]) return false;
  return true;
}

function damaged(file: string, offset: number, why: string): InputError {
  return new InputError({ code: 'unparseable_field', file, field: 'byte offset', value: String(offset), message: `journal record ${why}` });
}
