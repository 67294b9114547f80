/**
 * The Parquet side of a catalog read (worker thread): DuckDB over the data
 * set's partitions in time order, column vectors handed to the ring as they
 * come. Also where remote (object-store) catalogs are listed and opened.
 */
import { InputError } from '../../core/errors.js';
import { openSql, type Sql } from './duckdb.js';
import { parquetFilesUnder } from './import.js';
import { datasetTable, isRemoteRoot, partitionQuery, planPartitions, type ReadRequest } from './read-plan.js';
import type { RowSink } from './ring.js';
import { datasetDir, describeDataset } from './schema.js';

/** Loads httpfs for object-store roots (needs the extension installed or a network to fetch it). */
export async function enableRemote(sql: Sql, root: string): Promise<void> {
  if (!isRemoteRoot(root)) return;
  try {
    await sql.connection.run('INSTALL httpfs');
    await sql.connection.run('LOAD httpfs');
  } catch (e) {
    throw new InputError({
      code: 'file_not_found',
      file: root,
      message: `an object-store catalog needs DuckDB's httpfs extension, which is not installed here and could not be fetched (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); see docs/catalog.md`,
    });
  }
  if (/^s3:\/\//i.test(root)) {
    await sql.connection.run('CREATE OR REPLACE SECRET qf_s3 (TYPE s3, PROVIDER credential_chain)');
  }
}

/** Every Parquet file of a data set, local or remote. */
export async function listDatasetFiles(sql: Sql, request: ReadRequest): Promise<string[]> {
  const dir = `${request.root.replace(/\/+$/, '')}/${datasetDir(request.key)}`;
  if (!isRemoteRoot(request.root)) return parquetFilesUnder(dir);
  const reader = await sql.connection.runAndReadAll(`SELECT file FROM glob('${dir.replaceAll("'", "''")}/**/*.parquet') ORDER BY file`);
  return reader.getRows().map((r) => String(r[0]));
}

/** Streams a catalog data set's partitions, in time order, into the sink. */
export async function pumpCatalog(writer: RowSink, request: ReadRequest, columns: number, shared?: Sql): Promise<void> {
  const sql = shared ?? (await openSql());
  try {
    if (shared === undefined) await enableRemote(sql, request.root);
    const files = await listDatasetFiles(sql, request);
    if (files.length === 0) throw new Error(`no ${describeDataset(request.key)} in this catalog`);
    const views: Float64Array[] = [];
    const bindings = sql.bindings;
    for (const group of planPartitions(files, request.from, request.to)) {
      const table = await datasetTable(sql, request.key.kind, group);
      const result = await sql.connection.stream(partitionQuery(request.key.kind, table, request.from, request.to));
      for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const n = chunk.rowCount;
        for (let k = 0; k < columns; k++) {
          const bytes = bindings.vector_get_data(bindings.data_chunk_get_vector(chunk.chunk, k), n * 8);
          views[k] = new Float64Array(bytes.buffer, bytes.byteOffset, n);
        }
        if (!(await writer.write(views, n))) return;
      }
    }
  } finally {
    if (shared === undefined) sql.close();
  }
}

