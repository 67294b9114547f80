import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { InputError, type Issue } from '../../core/errors.js';
import { moduleUrl, tsxRegistration } from '../../core/module-url.js';
import type { Columns, DataKind, MarketFeed, PriceSide } from '../../model/market.js';
import { openCsvFeed } from '../csv/open.js';
import { formatPart, parseCsvFeedOptions, readSettings, type CsvFeedOptions } from '../csv/options.js';
import type { CsvFormat } from '../csv/format.js';
import { emptyColumns } from '../collect.js';
import { valueArrays } from './columns.js';
import { readColumnCount, type ReadRequest } from './read-plan.js';
import type { ReadWorkerData, WorkerMessage, WorkerSource } from './read-worker.js';
import { BYTES_READ, CANCEL, CONSUMED, ColumnRing, PRODUCED, SIGNAL, STATE, STATE_DONE, STATE_FAILED, STATE_RUNNING, THREAD_ENDED } from './ring.js';
import { acquireReadLease } from './lock.js';
import { describeDataset } from './schema.js';

export interface CatalogFeedOptions {
  /** Rows per block handed to the engine (default 65,536). */
  readonly blockRows?: number;
  /** Blocks decoded ahead of the engine (default 4). Memory: blocks x blockRows x columns x 8 bytes. */
  readonly blocks?: number;
}

/**
 * A worker runs a small CommonJS bootstrap that imports the reader module:
 * its entry point of the build, or, when running from the TypeScript
 * sources (tests), the .ts file through tsx's loader. A module
 * that fails to load is reported through the ring(s) like any other failure,
 * since the consumer's thread, waiting on a ring, would never see the
 * worker's error event. `shared`: the catalog reader serving every catalog
 * stream of the process (requests arrive as messages); otherwise one source,
 * from workerData.
 */
function workerBootstrap(shared: boolean, source?: WorkerSource): string {
  const reader = moduleUrl('data/catalog/read-worker');
  const entry = source?.type === 'module' ? source.module : reader;
  const run = shared ? 'serveCatalogReads' : source?.type === 'module' ? source.run : 'runReadWorker';
  return `
const { workerData, parentPort } = require('node:worker_threads');
const fail = (data, message) => {
  data.messages.postMessage({ error: message });
  const control = new Int32Array(data.buffer, 0, 8);
  Atomics.store(control, ${STATE}, ${STATE_FAILED});
  Atomics.add(control, ${SIGNAL}, 1);
  Atomics.notify(control, ${SIGNAL});
};
// Whatever ends this thread, its ring is not left running: the consumer
// waits on the ring and would never see the thread go. (The shared reader
// keeps the list of the rings it serves itself.)
process.on('exit', () => {
  const data = workerData;
  if (!data) return;
  const control = new Int32Array(data.buffer, 0, 8);
  if (Atomics.compareExchange(control, ${STATE}, ${STATE_RUNNING}, ${STATE_FAILED}) === ${STATE_RUNNING}) {
    try { data.messages.postMessage({ error: ${JSON.stringify(THREAD_ENDED)} }); } catch {}
    Atomics.add(control, ${SIGNAL}, 1);
    Atomics.notify(control, ${SIGNAL});
  }
});
(async () => {
  try {
    ${tsxRegistration(entry.endsWith('.ts'))}
    const entry = await import(${JSON.stringify(entry)});
    await entry[${JSON.stringify(run)}](${shared ? '' : 'workerData'});
  } catch (e) {
    const message = String((e && e.message) || e);
    ${shared ? 'parentPort.on("message", (data) => fail(data, message));' : 'fail(workerData, message);'}
  }
})();
`;
}

let sharedReader: Worker | undefined;

/** The process's catalog reader thread, started on first use; it does not keep the process alive. */
function catalogReader(): Worker {
  if (sharedReader === undefined) {
    sharedReader = new Worker(workerBootstrap(true), { eval: true });
    sharedReader.unref();
  }
  return sharedReader;
}

/** What a ring feed says about its rows before the first one arrives. */
interface FeedMeta {
  readonly kind: DataKind;
  readonly symbol: string;
  readonly priceSide?: PriceSide | undefined;
  readonly source: string;
}

/**
 * A feed whose rows are decoded on a worker thread into a small ring of
 * shared blocks while the consumer replays the previous ones; `next()` waits
 * (Atomics.wait) only when the consumer is ahead of the decoder. Issues of
 * skipped rows and the failure that ends the worker come back as messages,
 * read synchronously, so they surface in order with the rows.
 */
export class RingFeed implements MarketFeed {
  readonly kind: DataKind;
  readonly symbol: string;
  readonly source: string;
  readonly priceSide?: PriceSide;
  readonly skipped: Issue[] = [];
  /** Rows delivered so far. */
  rows = 0;
  private readonly ring: ColumnRing;
  private readonly out: Columns;
  /** The out columns' value arrays, in the ring's column order after time. */
  private readonly values: (Float64Array | Int8Array | Uint8Array)[];
  private readonly messages: MessagePort;
  private consumed = 0;
  private holding = false;
  private finished = false;
  private failure: Extract<WorkerMessage, { error: string }> | undefined;

  constructor(
    meta: FeedMeta,
    private readonly workerSource: WorkerSource,
    options: CatalogFeedOptions = {},
    private readonly onIssue?: (issue: Issue) => void,
  ) {
    this.kind = meta.kind;
    this.symbol = meta.symbol;
    if (meta.priceSide !== undefined) this.priceSide = meta.priceSide;
    this.source = meta.source;
    const slotRows = options.blockRows ?? 65_536;
    const layout = { slots: options.blocks ?? 4, slotRows, columns: readColumnCount(meta.kind) };
    this.ring = ColumnRing.allocate(layout);
    this.out = emptyColumns(meta.kind, slotRows);
    this.values = valueArrays(this.out);
    const channel = new MessageChannel();
    this.messages = channel.port1;
    const data: ReadWorkerData = { source: workerSource, buffer: this.ring.buffer, layout, messages: channel.port2 };
    if (workerSource.type === 'catalog') catalogReader().postMessage(data, [channel.port2]);
    else new Worker(workerBootstrap(false, workerSource), { eval: true, workerData: data, transferList: [channel.port2] }).unref();
  }

  /** Bytes of the source read so far (CSV sources; KiB resolution). */
  get bytesRead(): number {
    return Atomics.load(this.ring.control, BYTES_READ) * 1024;
  }

  next(): Columns | null {
    if (this.finished) return null;
    const control = this.ring.control;
    if (this.holding) {
      this.holding = false;
      this.consumed++;
      Atomics.store(control, CONSUMED, this.consumed);
      Atomics.notify(control, CONSUMED);
    }
    for (;;) {
      const signal = Atomics.load(control, SIGNAL);
      this.readMessages();
      if (Atomics.load(control, PRODUCED) > this.consumed) break;
      const state = Atomics.load(control, STATE);
      if (state === STATE_DONE) {
        this.readMessages();
        this.close();
        return null;
      }
      if (state === STATE_FAILED) {
        this.readMessages();
        this.close();
        throw this.failureError(this.failure);
      }
      Atomics.wait(control, SIGNAL, signal, 5000);
    }
    const slot = this.consumed % this.ring.layout.slots;
    this.fill(slot, this.ring.lengths[slot] as number);
    this.holding = true;
    return this.out;
  }

  /** Takes the worker's pending messages: skipped rows go to `skipped` and onIssue, a failure to `failure`. */
  private readMessages(): void {
    for (let m = receiveMessageOnPort(this.messages); m !== undefined; m = receiveMessageOnPort(this.messages)) {
      const msg = m.message as WorkerMessage;
      if ('issue' in msg) {
        this.skipped.push(msg.issue);
        this.onIssue?.(msg.issue);
      } else this.failure = msg;
    }
  }

  /** The error a worker failure becomes: the source's own input error, or one naming the source. */
  protected failureError(failure: Extract<WorkerMessage, { error: string }> | undefined): Error {
    if (failure?.issues !== undefined && failure.issues.length > 0) return new InputError(failure.issues);
    const src = this.workerSource;
    const where = src.type === 'catalog' ? src.request.root : src.type === 'csv' ? src.path : this.source;
    return new InputError({ code: 'file_not_found', file: where, message: `reading ${this.source}: ${failure?.error ?? 'the reader failed'}` });
  }

  /** Copies a block into the reused columns, so the slot goes back to the decoder at once. */
  private fill(slot: number, n: number): void {
    const o = this.out;
    o.time.set(this.ring.column(slot, 0).subarray(0, n));
    for (let k = 0; k < this.values.length; k++) (this.values[k] as Float64Array).set(this.ring.column(slot, k + 1).subarray(0, n));
    for (let i = 0; i < n; i++) o.line[i] = this.rows + i + 1;
    o.length = n;
    this.rows += n;
  }

  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.holding = false;
    // Ask a decoder still running to stop; it cleans up and exits by itself
    // (terminating it inside a native call would take the process down).
    Atomics.store(this.ring.control, CANCEL, 1);
    Atomics.notify(this.ring.control, CONSUMED);
    this.messages.close();
  }
}

/** Streams one data set of a catalog (local folder or s3://) in time order with bounded memory. */
export class CatalogFeed extends RingFeed {
  /** Lets go of the catalog's read lease (lock.ts): imports publish only while no feed reads. */
  private readonly releaseLease: () => void;

  constructor(
    readonly request: ReadRequest,
    options: CatalogFeedOptions = {},
  ) {
    const { key } = request;
    const releaseLease = acquireReadLease(request.root);
    super(
      { kind: key.kind, symbol: key.symbol, priceSide: key.kind === 'bar' ? (key.side ?? 'trade') : undefined, source: `${request.root} (${describeDataset(key)})` },
      { type: 'catalog', request },
      options,
    );
    this.releaseLease = releaseLease;
  }

  override close(): void {
    super.close();
    this.releaseLease();
  }
}

/**
 * A CSV file parsed on a worker thread: the same rows, checks and errors as
 * openCsvFeed (the format is detected here first), while the consumer works
 * in parallel; used by the catalog import so parsing overlaps the Parquet writer.
 */
export class CsvWorkerFeed extends RingFeed {
  readonly format: CsvFormat;

  constructor(path: string, options: CsvFeedOptions = {}, ringOptions: CatalogFeedOptions = {}) {
    const opts = parseCsvFeedOptions(options);
    const { onIssue, ...settings } = readSettings(opts);
    const probe = openCsvFeed(path, { ...opts, onIssue: undefined });
    probe.close();
    super(
      { kind: probe.kind, symbol: probe.symbol, priceSide: probe.kind === 'bar' ? probe.priceSide : undefined, source: probe.source },
      { type: 'csv', path, format: formatPart(opts), settings },
      ringOptions,
      onIssue,
    );
    this.format = probe.format;
  }
}
