/**
 * The decoding side of a ring feed, on a worker thread: fills the shared
 * ring (ring.ts) with the rows of one source while the engine's thread
 * consumes earlier blocks. Two sources: a catalog data set (DuckDB over its
 * Parquet partitions, in time order) and a CSV file (the CSV feed, so that
 * parsing runs beside whatever consumes the rows, e.g. a catalog import).
 * Started by ring-feed.ts.
 */
import type { MessagePort } from 'node:worker_threads';
import { InputError, type Issue } from '../../core/errors.js';
import type { Columns } from '../../model/market.js';
import { CsvFeed } from '../csv/csv-feed.js';
import { detectCsvFormatWith } from '../csv/detect.js';
import type { CsvFormatOptions, CsvReadSettings } from '../csv/options.js';
import { chunkColumns } from './columns.js';
import type { ReadRequest } from './read-plan.js';
import { BYTES_READ, CANCEL, CONSUMED, ColumnRing, PRODUCED, STATE, STATE_DONE, STATE_FAILED, STATE_RUNNING, THREAD_ENDED, type RingLayout, type RowSink } from './ring.js';

/** What a worker reads. CSV options are plain data (no callbacks: issues come back as messages). */
export type WorkerSource =
  | { readonly type: 'catalog'; readonly request: ReadRequest }
  | {
      /**
       * Any decoder: the function `run` exported by the ES module `module`
       * (a URL; a .ts file is loaded through tsx) is called with the
       * ReadWorkerData on a thread of its own, fills the ring with a
       * RingWriter and ends it with `settleRing`.
       */
      readonly type: 'module';
      readonly module: string;
      readonly run: string;
      /** Plain data for the decoder (structured-cloned). */
      readonly params?: unknown;
    }
  | {
      readonly type: 'csv';
      readonly path: string;
      /** Validated on the consumer's side already (the worker does not load the option schemas). */
      readonly format: CsvFormatOptions;
      readonly settings: Omit<CsvReadSettings, 'onIssue'>;
    };

export interface ReadWorkerData {
  readonly source: WorkerSource;
  readonly buffer: SharedArrayBuffer;
  readonly layout: RingLayout;
  /** Where skipped-row issues and the failure, if any, are posted (read synchronously by the feed). */
  readonly messages: MessagePort;
}

/** A message from the worker: a skipped row, or the failure that ended it. */
export type WorkerMessage = { readonly issue: Issue } | { readonly error: string; readonly issues?: readonly Issue[] };

/** Atomics.waitAsync (Node 16+; in the ES2024 library, newer than this project's type target). */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync.bind(Atomics);

/**
 * Awaits a promise with the thread's event loop held open. A pending
 * Atomics.waitAsync is no libuv handle: a worker with nothing else to do
 * while it waits for a free slot would simply exit, mid-stream, and leave
 * its consumer waiting for rows that never come.
 */
export async function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  const hold = setInterval(() => {}, 1 << 30);
  try {
    return await promise;
  } finally {
    clearInterval(hold);
  }
}

/** Copies rows into the ring's slots, publishing each full slot; waits while the ring is full. */
export class RingWriter implements RowSink {
  private produced = 0;
  private fill = 0;
  private readonly targets: Float64Array[] = [];
  cancelled = false;

  constructor(private readonly ring: ColumnRing) {}

  /**
   * Appends rows [0, n) of the columns (time first); false once the consumer
   * has gone. Waits for a free slot without blocking the thread
   * (Atomics.waitAsync), so that a thread serving several rings goes on
   * filling the others meanwhile.
   */
  async write(columns: readonly Float64Array[], n: number): Promise<boolean> {
    const { slotRows } = this.ring.layout;
    let done = 0;
    while (done < n) {
      if (this.fill === 0) {
        if (!(await this.slotFreed())) return false;
        this.openSlot();
      }
      const take = Math.min(n - done, slotRows - this.fill);
      for (let k = 0; k < columns.length; k++) (this.targets[k] as Float64Array).set((columns[k] as Float64Array).subarray(done, done + take), this.fill);
      this.fill += take;
      done += take;
      if (this.fill === slotRows) this.publish();
    }
    return true;
  }

  async finish(): Promise<void> {
    if (!this.cancelled && this.fill > 0 && (await this.slotFreed())) this.publish();
  }

  /** Resolves true once the next slot is free, false when the consumer has gone. */
  private async slotFreed(): Promise<boolean> {
    const { control, layout } = this.ring;
    for (;;) {
      if (Atomics.load(control, CANCEL) !== 0) {
        this.cancelled = true;
        return false;
      }
      const consumed = Atomics.load(control, CONSUMED);
      if (this.produced - consumed < layout.slots) return true;
      const w = waitAsync(control, CONSUMED, consumed, 1000);
      if (w.async) await keepingAlive(w.value);
    }
  }

  private openSlot(): void {
    const slot = this.produced % this.ring.layout.slots;
    for (let k = 0; k < this.ring.layout.columns; k++) this.targets[k] = this.ring.column(slot, k);
  }

  private publish(): void {
    const { control, lengths, layout } = this.ring;
    lengths[this.produced % layout.slots] = this.fill;
    this.produced++;
    Atomics.store(control, PRODUCED, this.produced);
    this.ring.signal();
    this.fill = 0;
  }

}

async function pumpCsv(writer: RingWriter, ring: ColumnRing, source: Extract<WorkerSource, { type: 'csv' }>, port: MessagePort): Promise<void> {
  const onIssue = (issue: Issue): void => port.postMessage({ issue } satisfies WorkerMessage);
  const feed = new CsvFeed(source.path, detectCsvFormatWith(source.path, source.format), { ...source.settings, onIssue });
  const scratch: Float64Array[] = [];
  try {
    for (let c: Columns | null = feed.next(); c !== null; c = feed.next()) {
      Atomics.store(ring.control, BYTES_READ, Math.min(0x7fffffff, Math.floor(feed.bytesRead / 1024)));
      if (c.length > 0 && !(await writer.write([c.time, ...chunkColumns(c, scratch)], c.length))) return;
    }
    Atomics.store(ring.control, BYTES_READ, Math.min(0x7fffffff, Math.floor(feed.bytesRead / 1024)));
  } finally {
    feed.close();
  }
}

/** Ends a ring: done, or failed with the error posted to its consumer. */
export async function settleRing(data: ReadWorkerData, ring: ColumnRing, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    Atomics.store(ring.control, STATE, STATE_DONE);
    ring.signal();
  } catch (e) {
    failRing(data, ring, e instanceof InputError ? { error: e.message, issues: e.issues } : { error: e instanceof Error ? e.message : String(e) });
  }
}

/** Ends a ring that is still running as failed, the message posted first; a ring already ended is left alone. */
export function failRing(data: ReadWorkerData, ring: ColumnRing, failure: string | Extract<WorkerMessage, { error: string }>): void {
  if (Atomics.load(ring.control, STATE) !== STATE_RUNNING) return;
  try {
    data.messages.postMessage(typeof failure === 'string' ? { error: failure } : failure);
  } catch {
    // The consumer has closed its port: nobody is waiting.
  }
  Atomics.store(ring.control, STATE, STATE_FAILED);
  ring.signal();
}

/** A dedicated worker's body (a CSV file being parsed): fills the ring until the end, a failure or a cancel. */
export async function runReadWorker(data: ReadWorkerData): Promise<void> {
  const ring = new ColumnRing(data.buffer, data.layout);
  const writer = new RingWriter(ring);
  await settleRing(data, ring, async () => {
    const source = data.source;
    if (source.type === 'catalog') {
      const { pumpCatalog } = await import('./catalog-pump.js');
      await pumpCatalog(writer, source.request, data.layout.columns);
    } else if (source.type === 'csv') await pumpCsv(writer, ring, source, data.messages);
    else throw new Error(`a ${source.type} source runs its own module`);
    await writer.finish();
  });
}

/**
 * The shared catalog reader's body: one worker thread and one DuckDB
 * database serve every catalog stream of the process. Each request (a ring
 * and its message port, posted by a CatalogFeed) gets its own connection and
 * runs concurrently with the others; a full ring waits without blocking the
 * thread, so a consumer that needs another stream first is never stuck.
 */
export async function serveCatalogReads(): Promise<void> {
  const { parentPort } = await import('node:worker_threads');
  const { pumpCatalog, enableRemote } = await import('./catalog-pump.js');
  const { openSql } = await import('./duckdb.js');
  let database: ReturnType<typeof openSql> | undefined;
  // Rings still being filled: failed, not left running, if this thread ends.
  const serving = new Set<ReadWorkerData>();
  process.on('exit', () => {
    for (const data of serving) failRing(data, new ColumnRing(data.buffer, data.layout), THREAD_ENDED);
  });
  parentPort?.on('message', (data: ReadWorkerData) => {
    const ring = new ColumnRing(data.buffer, data.layout);
    const writer = new RingWriter(ring);
    serving.add(data);
    void settleRing(data, ring, async () => {
      if (data.source.type !== 'catalog') throw new Error('the shared reader reads catalogs only');
      const request = data.source.request;
      database ??= openSql();
      const sql = await (await database).connect();
      try {
        await enableRemote(sql, request.root);
        await pumpCatalog(writer, request, data.layout.columns, sql);
        await writer.finish();
      } finally {
        sql.close();
      }
    }).finally(() => serving.delete(data));
  });
}
