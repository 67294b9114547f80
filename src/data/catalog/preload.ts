import type { Columns } from '../../model/market.js';
import { emptyColumns } from '../collect.js';
import { enableRemote, listDatasetFiles, pumpCatalog } from './catalog-pump.js';
import { valueArrays } from './columns.js';
import { openSql, queryNumber } from './duckdb.js';
import { acquireReadLease } from './lock.js';
import { parquetTable, readColumnCount, windowWhere, type ReadRequest } from './read-plan.js';
import { datasetDir } from './schema.js';

export interface PreloadOptions {
  /** Data sets with more rows than this (within the window) are left to be streamed (default 2,000,000). */
  readonly maxRowsPerSet?: number;
  /** At most this many rows in all (default 10,000,000, about 0.6 GB of bars). */
  readonly maxRows?: number;
}

/**
 * Reads the small data sets among `requests` into memory in one DuckDB
 * session, before a run: a portfolio of hundreds of daily series then costs
 * one database, not one worker thread and database per series. Larger data
 * sets are left out (stream them with CatalogFeed). Keyed by datasetDir.
 */
export async function preloadDatasets(requests: readonly ReadRequest[], options: PreloadOptions = {}): Promise<Map<string, Columns>> {
  const out = new Map<string, Columns>();
  if (requests.length === 0) return out;
  const perSet = options.maxRowsPerSet ?? 2_000_000;
  let budget = options.maxRows ?? 10_000_000;
  const root = (requests[0] as ReadRequest).root;
  const release = acquireReadLease(root);
  const sql = await openSql().catch((e: unknown) => {
    release();
    throw e;
  });
  try {
    await enableRemote(sql, root);
    for (const request of requests) {
      const files = await listDatasetFiles(sql, request);
      if (files.length === 0) continue; // the streaming reader reports it
      const rows = await queryNumber(sql, `SELECT count(*) FROM ${parquetTable(files)}${windowWhere(request.from, request.to)}`);
      if (rows > perSet || rows > budget) continue;
      budget -= rows;
      const cols = emptyColumns(request.key.kind, Math.max(1, rows));
      const targets = [cols.time, ...valueArrays(cols)];
      let at = 0;
      await pumpCatalog(
        {
          write(columns, n) {
            for (let k = 0; k < targets.length; k++) (targets[k] as Float64Array).set((columns[k] as Float64Array).subarray(0, n), at);
            at += n;
            return true;
          },
        },
        request,
        readColumnCount(request.key.kind),
        sql,
      );
      for (let i = 0; i < at; i++) cols.line[i] = i + 1;
      cols.length = at;
      out.set(datasetDir(request.key), cols);
    }
    return out;
  } finally {
    sql.close();
    release();
  }
}
