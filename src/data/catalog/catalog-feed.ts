import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { InputError, type Issue } from '../../core/errors.js';
import type { Columns, DataKind, MarketFeed, PriceSide } from '../../model/market.js';
import { emptyColumns } from '../collect.js';
import { readColumnCount, type ReadRequest } from './read-plan.js';
import type { ReadWorkerData } from './read-worker.js';
import { CANCEL, CONSUMED, ColumnRing, PRODUCED, SIGNAL, STATE, STATE_DONE, STATE_FAILED } from './ring.js';
import { describeDataset } from './schema.js';

export interface CatalogFeedOptions {
  /** Rows per block handed to the engine (default 65,536). */
  readonly blockRows?: number;
  /** Blocks decoded ahead of the engine (default 4). Memory: blocks x blockRows x columns x 8 bytes. */
  readonly blocks?: number;
}

/**
 * The worker runs a small CommonJS bootstrap that imports the reader module:
 * compiled JavaScript next to this file, or, when running from the
 * TypeScript sources (tests), the .ts file through tsx's loader. A module
 * that fails to load is reported through the ring like any other failure,
 * since the engine's thread, waiting on the ring, would never see the
 * worker's error event.
 */
function workerBootstrap(): string {
  const js = new URL('./read-worker.js', import.meta.url);
  const fromSource = !import.meta.url.endsWith('.js') && !existsSync(js);
  const entry = fromSource ? new URL('./read-worker.ts', import.meta.url).href : js.href;
  // tsx's ESM API entry (its package exports map it; require.resolve finds the CommonJS twin beside it).
  const tsx = fromSource ? pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href : '';
  return `
const { workerData } = require('node:worker_threads');
(async () => {
  try {
    ${fromSource ? `(await import(${JSON.stringify(tsx)})).register();` : ''}
    await (await import(${JSON.stringify(entry)})).runReadWorker(workerData);
  } catch (e) {
    workerData.errors.postMessage({ message: String((e && e.message) || e) });
    const control = new Int32Array(workerData.buffer, 0, 8);
    Atomics.store(control, ${STATE}, ${STATE_FAILED});
    Atomics.add(control, ${SIGNAL}, 1);
    Atomics.notify(control, ${SIGNAL});
  }
})();
`;
}

/**
 * Streams one data set of a catalog (local folder or s3://) in time order
 * with bounded memory: a worker thread runs DuckDB over the Parquet
 * partitions and fills a small ring of shared blocks while the engine
 * replays the previous ones; `next()` waits (Atomics.wait) only when the
 * engine is ahead of the decoder.
 */
export class CatalogFeed implements MarketFeed {
  readonly kind: DataKind;
  readonly symbol: string;
  readonly source: string;
  readonly priceSide?: PriceSide;
  readonly skipped: readonly Issue[] = [];
  /** Rows delivered so far. */
  rows = 0;
  private readonly ring: ColumnRing;
  private readonly out: Columns;
  private readonly worker: Worker;
  private readonly errors: MessagePort;
  private consumed = 0;
  private holding = false;
  private finished = false;

  constructor(
    readonly request: ReadRequest,
    options: CatalogFeedOptions = {},
  ) {
    const { key } = request;
    this.kind = key.kind;
    this.symbol = key.symbol;
    if (key.kind === 'bar') this.priceSide = key.side ?? 'trade';
    this.source = `${request.root} (${describeDataset(key)})`;
    const slotRows = options.blockRows ?? 65_536;
    const layout = { slots: options.blocks ?? 4, slotRows, columns: readColumnCount(key.kind) };
    this.ring = ColumnRing.allocate(layout);
    this.out = emptyColumns(key.kind, slotRows);
    const channel = new MessageChannel();
    this.errors = channel.port1;
    const data: ReadWorkerData = { request, buffer: this.ring.buffer, layout, errors: channel.port2 };
    this.worker = new Worker(workerBootstrap(), { eval: true, workerData: data, transferList: [channel.port2] });
    this.worker.unref();
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
      if (Atomics.load(control, PRODUCED) > this.consumed) break;
      const state = Atomics.load(control, STATE);
      if (state === STATE_DONE) {
        this.close();
        return null;
      }
      if (state === STATE_FAILED) {
        const msg = receiveMessageOnPort(this.errors)?.message as { message?: string } | undefined;
        this.close();
        throw new InputError({ code: 'file_not_found', file: this.request.root, message: `reading ${describeDataset(this.request.key)}: ${msg?.message ?? 'the catalog reader failed'}` });
      }
      Atomics.wait(control, SIGNAL, signal, 5000);
    }
    const slot = this.consumed % this.ring.layout.slots;
    const n = this.ring.lengths[slot] as number;
    this.fill(slot, n);
    this.holding = true;
    return this.out;
  }

  /** Copies a block into the reused columns, so the slot goes back to the decoder at once. */
  private fill(slot: number, n: number): void {
    const o = this.out;
    const col = (k: number): Float64Array => this.ring.column(slot, k).subarray(0, n);
    o.time.set(col(0));
    for (let i = 0; i < n; i++) o.line[i] = this.rows + i + 1;
    switch (o.kind) {
      case 'bar':
        o.open.set(col(1));
        o.high.set(col(2));
        o.low.set(col(3));
        o.close.set(col(4));
        o.volume.set(col(5));
        o.adjClose.set(col(6));
        break;
      case 'quote':
        o.bid.set(col(1));
        o.ask.set(col(2));
        o.bidSize.set(col(3));
        o.askSize.set(col(4));
        break;
      case 'trade':
        o.price.set(col(1));
        o.size.set(col(2));
        o.side.set(col(3));
        break;
      case 'book':
        o.side.set(col(1));
        o.price.set(col(2));
        o.size.set(col(3));
        o.flags.set(col(4));
        o.sequence.set(col(5));
        break;
    }
    o.length = n;
    this.rows += n;
  }

  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.holding = false;
    // Ask a decoder still running to stop; it closes DuckDB and exits by itself
    // (terminating it inside a native call would take the process down).
    Atomics.store(this.ring.control, CANCEL, 1);
    Atomics.notify(this.ring.control, CONSUMED);
    this.errors.close();
  }
}
