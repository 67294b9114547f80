/**
 * The catalog reader's worker thread: runs DuckDB over the partitions of one
 * data set in time order and writes the rows into the shared ring for the
 * CatalogFeed on the engine's thread (ring.ts). Started by catalog-feed.ts.
 */
import duckdb from '@duckdb/node-bindings';
import type { MessagePort } from 'node:worker_threads';
import { openSql, type Sql } from './duckdb.js';
import { parquetFilesUnder } from './import.js';
import { isRemoteRoot, partitionQuery, planPartitions, type ReadRequest } from './read-plan.js';
import { CANCEL, CONSUMED, ColumnRing, PRODUCED, STATE, STATE_DONE, STATE_FAILED, type RingLayout } from './ring.js';
import { datasetDir } from './schema.js';

export interface ReadWorkerData {
  readonly request: ReadRequest;
  readonly buffer: SharedArrayBuffer;
  readonly layout: RingLayout;
  /** Where errors are posted (read synchronously by the feed). */
  readonly errors: MessagePort;
}

/** Loads httpfs for object-store roots (needs the extension installed or a network to fetch it). */
export async function enableRemote(sql: Sql, root: string): Promise<void> {
  if (!isRemoteRoot(root)) return;
  await sql.connection.run('INSTALL httpfs');
  await sql.connection.run('LOAD httpfs');
  if (/^s3:\/\//i.test(root)) {
    await sql.connection.run("CREATE OR REPLACE SECRET qf_s3 (TYPE s3, PROVIDER credential_chain)");
  }
}

/** Every Parquet file of a data set, local or remote. */
export async function listDatasetFiles(sql: Sql, request: ReadRequest): Promise<string[]> {
  const dir = `${request.root.replace(/\/+$/, '')}/${datasetDir(request.key)}`;
  if (!isRemoteRoot(request.root)) return parquetFilesUnder(dir);
  const reader = await sql.connection.runAndReadAll(`SELECT file FROM glob('${dir.replaceAll("'", "''")}/**/*.parquet') ORDER BY file`);
  return reader.getRows().map((r) => String(r[0]));
}

/** The worker's body: decodes the request into the ring until the end, a failure or a cancel. */
export async function runReadWorker(data: ReadWorkerData): Promise<void> {
  const ring = new ColumnRing(data.buffer, data.layout);
  const { slots, slotRows, columns } = data.layout;
  const control = ring.control;
  const sql = await openSql();
  let produced = 0;
  let fill = 0;
  const publish = (): void => {
    ring.lengths[produced % slots] = fill;
    produced++;
    Atomics.store(control, PRODUCED, produced);
    ring.signal();
    fill = 0;
  };
  /** Waits until the slot to fill next is free (the consumer has taken it); false when the consumer has gone. */
  const waitForSlot = (): boolean => {
    for (;;) {
      if (Atomics.load(control, CANCEL) !== 0) return false;
      const consumed = Atomics.load(control, CONSUMED);
      if (produced - consumed < slots) return true;
      Atomics.wait(control, CONSUMED, consumed, 1000);
    }
  };
  try {
    await enableRemote(sql, data.request.root);
    const { request } = data;
    const files = await listDatasetFiles(sql, request);
    const targets: Float64Array[] = [];
    let cancelled = false;
    for (const group of planPartitions(files, request.from, request.to)) {
      if (cancelled) break;
      const result = await sql.connection.stream(partitionQuery(request.key.kind, group, request.from, request.to));
      for (let chunk = await result.fetchChunk(); !cancelled && chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const n = chunk.rowCount;
        let done = 0;
        while (done < n) {
          if (fill === 0) {
            if (!waitForSlot()) {
              cancelled = true;
              break;
            }
            const slot = produced % slots;
            for (let k = 0; k < columns; k++) targets[k] = ring.column(slot, k);
          }
          const take = Math.min(n - done, slotRows - fill);
          for (let k = 0; k < columns; k++) {
            const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, k), n * 8);
            const src = new Float64Array(bytes.buffer, bytes.byteOffset, n);
            (targets[k] as Float64Array).set(src.subarray(done, done + take), fill);
          }
          fill += take;
          done += take;
          if (fill === slotRows) publish();
        }
      }
    }
    if (!cancelled && fill > 0 && waitForSlot()) publish();
    Atomics.store(control, STATE, STATE_DONE);
  } catch (e) {
    data.errors.postMessage({ message: e instanceof Error ? e.message : String(e) });
    Atomics.store(control, STATE, STATE_FAILED);
  } finally {
    ring.signal();
    sql.close();
  }
}
