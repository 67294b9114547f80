import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, InvariantError } from '../../core/errors.js';
import { JOURNAL_MAGIC } from './frames.js';
import { OrderJournal, readJournal, type JournalFs } from './order-journal.js';
import type { JournalIntent, JournalRecord, JournalReport } from './records.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-journal-'));
  path = join(dir, 'journal.qfj');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const submit = (n: number): JournalIntent => ({
  kind: 'submit',
  time: 1_000 + n,
  clientOrderId: `run-${n}`,
  request: { symbol: 'BTC/USDT', side: 'buy', type: 'limit', quantity: 0.5, price: 100 + n },
});
const accepted = (n: number): JournalReport => ({ kind: 'accepted', time: 2_000 + n, clientOrderId: `run-${n}`, venueOrderId: `v${n}` });

function write(records: readonly JournalRecord[]): void {
  const { journal } = OrderJournal.open(path);
  for (const r of records) {
    if (r.kind === 'submit' || r.kind === 'cancel' || r.kind === 'modify' || r.kind === 'replace') journal.appendIntent(r);
    else if (r.kind === 'balances' || r.kind === 'adopted' || r.kind === 'session') journal.appendNote(r);
    else journal.appendReport(r);
  }
  journal.close();
}

function reopen(): { records: readonly JournalRecord[]; tornBytes: number } {
  const { journal, records, tornBytes } = OrderJournal.open(path);
  journal.close();
  return { records, tornBytes };
}

describe('OrderJournal', () => {
  it('reads back every record it appended, across reopenings', () => {
    const all = [submit(1), accepted(1), { kind: 'balances', time: 5, balances: { USDT: 1000, BTC: 0 } } as const, submit(2)];
    write(all.slice(0, 2));
    write(all.slice(2));
    expect(reopen()).toEqual({ records: all, tornBytes: 0 });
  });

  it('writes no record it could not read back: the journal stays readable and the batch is not half written', () => {
    write([submit(1)]);
    const before = readFileSync(path);
    const { journal } = OrderJournal.open(path);
    const fill = (quantity: number, extra: object = {}): JournalReport =>
      ({ kind: 'fill', time: 3_000, clientOrderId: 'run-1', tradeId: 't1', symbol: 'BTC/USDT', side: 'buy', price: 100, quantity, fee: 0, ...extra }) as JournalReport;
    // A zero quantity, a price that JSON writes as null, an empty symbol, a field the reader does not know.
    expect(() => journal.appendReport(fill(0))).toThrow(/'fill' journal record that could not be read back is not written \(quantity: /);
    expect(() => journal.appendReport(fill(0.5, { price: Number.NaN }))).toThrow(InvariantError);
    expect(() => journal.appendReport(fill(0.5, { symbol: '' }))).toThrow(/symbol/);
    expect(() => journal.appendReport(fill(0.5, { note: 'x' }))).toThrow(InvariantError);
    expect(() => journal.appendNote({ kind: 'balances', time: 5, balances: { USDT: Number.POSITIVE_INFINITY } })).toThrow(/balances\.USDT/);
    expect(() => journal.appendIntents([submit(2), { kind: 'submit', time: 3, clientOrderId: 'run-3', request: { symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: 0 } }])).toThrow(InvariantError);
    journal.appendReport(fill(0.5));
    journal.close();
    expect(readFileSync(path).subarray(0, before.length)).toEqual(before);
    expect(reopen().records).toEqual([submit(1), fill(0.5)]);
  });

  it('cuts a torn last record at every byte offset and keeps the ones before it', () => {
    write([submit(1), accepted(1)]);
    const before = readFileSync(path).length;
    write([submit(2)]);
    const whole = readFileSync(path);
    for (let cut = before; cut < whole.length; cut++) {
      writeFileSync(path, whole.subarray(0, cut));
      const { records, tornBytes } = reopen();
      expect(records).toEqual([submit(1), accepted(1)]);
      expect(tornBytes).toBe(cut - before);
      expect(readFileSync(path).length).toBe(before);
      // The journal goes on after the cut.
      write([submit(3)]);
      expect(reopen().records).toEqual([submit(1), accepted(1), submit(3)]);
    }
  });

  it('treats a crash that left the tail zero-filled as a torn record', () => {
    write([submit(1)]);
    const before = readFileSync(path).length;
    write([submit(2)]);
    const torn = Buffer.from(readFileSync(path));
    torn.fill(0, before + 7);
    writeFileSync(path, torn);
    expect(reopen().records).toEqual([submit(1)]);
  });

  it('refuses a damaged record that valid records follow, naming the file and byte offset', () => {
    write([submit(1)]);
    const second = readFileSync(path).length;
    write([submit(2), submit(3)]);
    const bytes = Buffer.from(readFileSync(path));
    bytes[second + 20] = (bytes[second + 20] as number) ^ 0xff;
    writeFileSync(path, bytes);
    let error: unknown;
    try {
      OrderJournal.open(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`${path}: field 'byte offset' value '${second}': journal record checksum does not match and valid records follow it: the journal is corrupt, not torn`);
    expect(readFileSync(path)).toEqual(bytes);
  });

  it('readJournal reads what a run wrote without changing the file: a torn tail is left for the run, damage before it is refused', () => {
    write([submit(1), accepted(1)]);
    const before = readFileSync(path).length;
    write([submit(2)]);
    const torn = readFileSync(path).subarray(0, readFileSync(path).length - 3);
    writeFileSync(path, torn);
    expect(readJournal(path)).toEqual([submit(1), accepted(1)]);
    expect(readFileSync(path)).toEqual(torn);
    write([submit(3)]); // the run cuts the torn record on open
    const bytes = Buffer.from(readFileSync(path));
    bytes[before + 20] = (bytes[before + 20] as number) ^ 0xff;
    writeFileSync(path, Buffer.concat([bytes, Buffer.from(readFileSync(path).subarray(before))]));
    expect(() => readJournal(path)).toThrow(`${path}: field 'byte offset' value '${before}': journal record checksum does not match and valid records follow it: the journal is corrupt, not torn`);
    expect(() => readJournal(join(dir, 'none.qfj'))).toThrow(InputError);
  });

  it('refuses a file that is not a journal and starts a journal torn while it was created', () => {
    writeFileSync(path, 'time,price\n');
    expect(() => OrderJournal.open(path)).toThrow(/not a QuantFlow order journal/);
    writeFileSync(path, JOURNAL_MAGIC.subarray(0, 4));
    expect(reopen()).toEqual({ records: [], tornBytes: 4 });
    expect(readFileSync(path)).toEqual(Buffer.from(JOURNAL_MAGIC));
  });

  it('makes an intent durable before returning and reports at the next intent or flush', () => {
    const calls: string[] = [];
    const recording: JournalFs = {
      existsSync: (p) => fs.existsSync(p),
      readFileSync: (p) => fs.readFileSync(p),
      openSync: (p, flags) => fs.openSync(p, flags),
      writeSync: (fd, b, o, l) => {
        calls.push(`write ${l}`);
        return fs.writeSync(fd, b, o, l);
      },
      fsyncSync: (fd) => {
        calls.push('fsync');
        fs.fsyncSync(fd);
      },
      ftruncateSync: (fd, l) => fs.ftruncateSync(fd, l),
      closeSync: (fd) => fs.closeSync(fd),
    };
    const { journal } = OrderJournal.open(path, { fs: recording });
    calls.length = 0;
    const mark = (what: string) => calls.push(what);
    journal.appendIntent(submit(1));
    mark('send submit');
    journal.appendReport(accepted(1));
    mark('report journalled');
    journal.appendIntents([submit(2), submit(3)]);
    mark('send two');
    journal.appendReport(accepted(2));
    journal.flush();
    journal.flush();
    journal.close();
    const shape = calls.map((c) => c.replace(/write \d+/, 'write'));
    expect(shape).toEqual(['write', 'fsync', 'send submit', 'write', 'report journalled', 'write', 'fsync', 'send two', 'write', 'fsync']);
    expect(reopen().records).toEqual([submit(1), accepted(1), submit(2), submit(3), accepted(2)]);
  });

  it('writes the whole frame when the file system takes it in pieces', () => {
    const piecewise: JournalFs = { ...(fs as unknown as JournalFs), writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, Math.min(l, 5)) };
    const { journal } = OrderJournal.open(path, { fs: piecewise });
    journal.appendIntent(submit(1));
    journal.close();
    expect(reopen().records).toEqual([submit(1)]);
  });

  it('takes back part of a record a failed write left, so later records stay readable', () => {
    let failNext = false;
    const full: JournalFs = {
      ...(fs as unknown as JournalFs),
      writeSync: (fd, b, o, l) => {
        if (!failNext) return fs.writeSync(fd, b, o, l);
        failNext = false;
        fs.writeSync(fd, b, o, 7);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const { journal } = OrderJournal.open(path, { fs: full });
    journal.appendIntent(submit(1));
    failNext = true;
    expect(() => journal.appendReport(accepted(1))).toThrow(/ENOSPC/);
    journal.appendIntent(submit(2));
    journal.close();
    expect(reopen().records).toEqual([submit(1), submit(2)]);
  });

  it('names the offset of a record with a valid checksum that is not a journal record', async () => {
    const { encodeFrame } = await import('./frames.js');
    const bad = encodeFrame(new TextEncoder().encode('{"kind":"submit"}'));
    writeFileSync(path, Buffer.concat([Buffer.from(JOURNAL_MAGIC), Buffer.from(bad)]));
    expect(() => OrderJournal.open(path)).toThrow(`${path}: field 'byte offset' value '${JOURNAL_MAGIC.length}': journal record not a journal record (time: `);
  });
});
