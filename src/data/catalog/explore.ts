import { existsSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { InputError } from '../../core/errors.js';
import { F_SNAPSHOT, type DataKind, type PriceSide } from '../../model/market.js';
import { oneLineMessage, openSql, queryRows, sqlString, type Sql } from './duckdb.js';

/** DuckDB strftime format of the ISO 8601 UTC times the project writes. */
const ISO = "'%Y-%m-%dT%H:%M:%S.%fZ'";
import { parquetFilesUnder } from './import.js';
import { readManifest } from './manifest.js';
import { enableRemote, listDatasetFiles } from './catalog-pump.js';
import { withReadLease } from './lock.js';
import { datasetTable, isRemoteRoot, parquetTable, windowWhere } from './read-plan.js';
import { KIND_DIR, KIND_OF_DIR, VALUE_COLUMNS, datasetDir, describeDataset, type DatasetKey } from './schema.js';

/** A data set of the catalog with its size and time range. */
export interface DatasetSummary extends DatasetKey {
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
  readonly first: string | null;
  readonly last: string | null;
}

/** The data sets under a local catalog root, from its folders. */
export function listDatasets(root: string): DatasetKey[] {
  const out: DatasetKey[] = [];
  const dirs = (d: string): string[] =>
    existsSync(d) ? readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];
  for (const kindDir of Object.values(KIND_DIR)) {
    const kind = KIND_OF_DIR[kindDir] as DataKind;
    for (const s of dirs(join(root, kindDir))) {
      if (!s.startsWith('symbol=')) continue;
      const symbol = decodeURIComponent(s.slice('symbol='.length));
      if (kind !== 'bar') {
        out.push({ kind, symbol });
        continue;
      }
      for (const side of dirs(join(root, kindDir, s))) {
        if (side.startsWith('side=')) out.push({ kind, symbol, side: side.slice('side='.length) as PriceSide });
      }
    }
  }
  return out;
}

/** Fails with a clear message when `root` is not a catalog. */
export function requireCatalog(root: string): void {
  if (isRemoteRoot(root)) return;
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new InputError({ code: 'file_not_found', file: root, message: 'no catalog here (create one with: quantflow data import FILE --catalog DIR)' });
  }
}

/** Fails unless `root` is a local catalog folder (commands that walk its folders). */
function requireLocalCatalog(root: string, command: string): void {
  if (isRemoteRoot(root)) {
    // The data sets are found from local folders; an empty answer would be wrong.
    throw new InputError({ code: 'invalid_option', file: root, message: `${command} needs a local catalog folder; query an object-store catalog with: quantflow data query` });
  }
  requireCatalog(root);
}

/** Rows, files, bytes and time range of every data set (`quantflow data ls`). */
export async function summarizeCatalog(root: string): Promise<DatasetSummary[]> {
  return withReadLease(root, () => summarizeCatalogUnleased(root));
}

/** summarizeCatalog itself, run under a read lease. */
async function summarizeCatalogUnleased(root: string): Promise<DatasetSummary[]> {
  requireLocalCatalog(root, 'data ls');
  const sql = await openSql();
  try {
    const out: DatasetSummary[] = [];
    for (const key of listDatasets(root)) {
      const files = parquetFilesUnder(join(root, datasetDir(key)));
      if (files.length === 0) continue;
      const [r] = await queryRows(
        sql,
        `SELECT count(*) AS rows, strftime(min(time), ${ISO}) AS first, strftime(max(time), ${ISO}) AS last FROM ${parquetTable(files)}`,
      );
      out.push({
        ...key,
        rows: Number(r?.rows ?? 0),
        files: files.length,
        bytes: files.reduce((a, f) => a + statSync(f).size, 0),
        first: (r?.first as string | null) ?? null,
        last: (r?.last as string | null) ?? null,
      });
    }
    return out;
  } finally {
    sql.close();
  }
}

/** A gap: consecutive rows further apart than the data set's usual spacing allows. */
export interface Gap {
  readonly from: string;
  readonly to: string;
  readonly hours: number;
}

/** A price far from its neighbours: a return beyond `OUTLIER_SIGMAS` robust standard deviations. */
export interface Outlier {
  readonly time: string;
  readonly price: number;
  readonly previous: number;
  readonly return: number;
  readonly sigmas: number;
}

export interface DatasetInfo extends DatasetSummary {
  /** Median spacing of consecutive rows, in seconds. */
  readonly spacing_seconds: number | null;
  readonly gaps: number;
  /** Long intervals recurring at the same times of day (overnight and weekend closes of intraday data): not counted as gaps. */
  readonly session_breaks: number;
  readonly largest_gaps: readonly Gap[];
  /** Rows found again on import: identical (skipped) and with other values (conflicts), from the import log. */
  readonly duplicates_on_import: number;
  readonly conflicts_on_import: number;
  /** Rows sharing a timestamp with the previous row (normal for ticks; a sign of trouble for bars). */
  readonly same_time_rows: number;
  readonly invalid_rows_skipped: number;
  /** Order books: sequence gaps and crossed books found on import (the rows are stored as written), and the first one. */
  readonly sequence_gaps_on_import?: number;
  readonly crossed_books_on_import?: number;
  readonly first_book_warning?: string;
  readonly outliers: number;
  readonly largest_outliers: readonly Outlier[];
  readonly imports: number;
}

/** How many robust standard deviations (1.4826 x MAD of log returns) make a price an outlier. */
export const OUTLIER_SIGMAS = 10;


const firstOf = (warnings: readonly (string | undefined)[]): { first_book_warning?: string } => {
  const w = warnings.find((x) => x !== undefined);
  return w !== undefined ? { first_book_warning: w } : {};
};

/** The price column outliers are looked for in. */
function priceExpr(kind: DataKind): string {
  return kind === 'bar' ? 'close' : kind === 'quote' ? '(bid + ask) / 2' : 'price';
}

/**
 * Time range, rows, gaps, duplicates and price outliers of each data set of
 * a symbol (`quantflow data info SYMBOL`). A gap is an interval between
 * consecutive rows longer than 3x the median interval and, for data sets
 * spaced a day or more apart, longer than 4 days (so weekends and one-day
 * holidays are not gaps); in intraday data, such intervals that recur at the
 * same times of day (3 times or more) are session breaks, not gaps. Outliers
 * are looked for in returns between consecutive rows, not across gaps or
 * breaks. Book deltas are not checked for outliers.
 */
export async function datasetInfo(root: string, symbol: string): Promise<DatasetInfo[]> {
  return withReadLease(root, () => datasetInfoUnleased(root, symbol));
}

/** datasetInfo itself, run under a read lease. */
async function datasetInfoUnleased(root: string, symbol: string): Promise<DatasetInfo[]> {
  requireLocalCatalog(root, 'data info');
  const keys = listDatasets(root).filter((k) => k.symbol === symbol);
  if (keys.length === 0) {
    const known = [...new Set(listDatasets(root).map((k) => k.symbol))].join(', ');
    throw new InputError({ code: 'invalid_option', field: 'SYMBOL', value: symbol, message: `not in the catalog ${root}${known !== '' ? ` (it has ${known})` : ''}` });
  }
  const manifest = readManifest(root);
  const summaries = (await summarizeCatalog(root)).filter((s) => s.symbol === symbol);
  const sql = await openSql();
  try {
    const out: DatasetInfo[] = [];
    for (const s of summaries) {
      const files = parquetFilesUnder(join(root, datasetDir(s)));
      const src = parquetTable(files);
      const price = priceExpr(s.kind);
      await sql.connection.run(
        `CREATE OR REPLACE TEMP TABLE steps AS SELECT time, epoch_us(time) - epoch_us(lag(time) OVER w) AS dt, lag(time) OVER w AS prev_time, ` +
          `${s.kind === 'book' ? 'NULL::DOUBLE' : price} AS price, lag(${s.kind === 'book' ? 'NULL::DOUBLE' : price}) OVER w AS prev_price, n ` +
          `FROM ${src} WINDOW w AS (ORDER BY time, n)`,
      );
      const [m] = await queryRows(sql, `SELECT median(dt) AS spacing, count(*) FILTER (WHERE n > 0) AS same FROM steps WHERE dt > 0 OR n > 0`);
      const spacing = m?.spacing === null || m?.spacing === undefined ? null : Number(m.spacing);
      const day = 86_400_000_000;
      const limit = spacing === null ? null : Math.max(3 * spacing, spacing >= day ? 4 * day : 0);
      // Long intervals that recur at the same times of day (overnight and weekend
      // closes of a session) are session breaks, not gaps.
      await sql.connection.run(
        `CREATE OR REPLACE TEMP TABLE longs AS SELECT *, count(*) OVER (PARTITION BY hour(prev_time), hour(time)) AS seen ` +
          `FROM steps WHERE ${limit === null ? 'false' : `dt > ${limit}`}`,
      );
      const breakWhere = spacing !== null && spacing < day ? 'seen >= 3' : 'false';
      const [g] = await queryRows(sql, `SELECT count(*) FILTER (WHERE NOT (${breakWhere})) AS gaps, count(*) FILTER (WHERE ${breakWhere}) AS breaks FROM longs`);
      const gaps = await queryRows(
        sql,
        `SELECT strftime(prev_time, ${ISO}) AS "from", strftime(time, ${ISO}) AS "to", round(dt / 3.6e9, 2) AS hours FROM longs WHERE NOT (${breakWhere}) ORDER BY dt DESC, time LIMIT 5`,
      );
      let outliers: Record<string, unknown>[] = [];
      let outlierCount = 0;
      if (s.kind !== 'book') {
        await sql.connection.run(
          // Returns across a gap or a session break are left out: a move over a close is not a bad print.
          `CREATE OR REPLACE TEMP TABLE rets AS SELECT time, price, prev_price, ln(price / prev_price) AS r FROM steps WHERE prev_price > 0 AND price > 0 AND NOT (${limit === null ? 'false' : `dt > ${limit}`})`,
        );
        const [sd] = await queryRows(sql, `SELECT 1.4826 * mad(r) AS sigma FROM rets`);
        const sigma = Number(sd?.sigma ?? NaN);
        if (Number.isFinite(sigma) && sigma > 0) {
          const where = `abs(r) > ${OUTLIER_SIGMAS} * ${sigma}`;
          const [c] = await queryRows(sql, `SELECT count(*) AS c FROM rets WHERE ${where}`);
          outlierCount = Number(c?.c ?? 0);
          outliers = await queryRows(
            sql,
            `SELECT strftime(time, ${ISO}) AS time, price, prev_price AS previous, exp(r) - 1 AS "return", abs(r) / ${sigma} AS sigmas FROM rets WHERE ${where} ORDER BY abs(r) DESC, time LIMIT 5`,
          );
        }
      }
      const mine = manifest.imports.filter((r) => r.kind === s.kind && r.symbol === s.symbol && (s.kind !== 'bar' || r.side === s.side));
      out.push({
        ...s,
        spacing_seconds: spacing === null ? null : spacing / 1e6,
        gaps: Number(g?.gaps ?? 0),
        session_breaks: Number(g?.breaks ?? 0),
        largest_gaps: gaps.map((r) => ({ from: String(r.from), to: String(r.to), hours: Number(r.hours) })),
        duplicates_on_import: mine.reduce((a, r) => a + r.duplicates, 0),
        conflicts_on_import: mine.reduce((a, r) => a + r.conflicts, 0),
        same_time_rows: Number(m?.same ?? 0),
        invalid_rows_skipped: mine.reduce((a, r) => a + r.invalid, 0),
        ...(s.kind === 'book'
          ? {
              sequence_gaps_on_import: mine.reduce((a, r) => a + (r.sequenceGaps ?? 0), 0),
              crossed_books_on_import: mine.reduce((a, r) => a + (r.crossedBooks ?? 0), 0),
              ...firstOf(mine.map((r) => r.firstBookWarning)),
            }
          : {}),
        outliers: outlierCount,
        largest_outliers: outliers.map((r) => ({
          time: String(r.time),
          price: Number(r.price),
          previous: Number(r.previous),
          return: Number(r.return),
          sigmas: Number(r.sigmas),
        })),
        imports: mine.length,
      });
    }
    return out;
  } finally {
    sql.close();
  }
}

/**
 * Opens DuckDB with one view per kind over the whole catalog (`bars`,
 * `quotes`, `trades`, `book`; partition folders appear as columns symbol,
 * side, year, month), for `quantflow data query`.
 */
export async function openCatalogSql(root: string): Promise<Sql> {
  requireCatalog(root);
  const sql = await openSql();
  try {
    await enableRemote(sql, root);
    const base = root.replace(/\/+$/, '');
    for (const dir of Object.values(KIND_DIR)) {
      const has = isRemoteRoot(root) ? true : parquetFilesUnder(join(root, dir)).length > 0;
      if (!has) continue;
      await sql.connection.run(
        `CREATE VIEW ${dir} AS SELECT * FROM read_parquet(${sqlString(`${base}/${dir}/**/*.parquet`)}, hive_partitioning = true, union_by_name = true)`,
      );
    }
    return sql;
  } catch (e) {
    sql.close();
    throw e;
  }
}

/** Result of a query: column names and rows of printable values. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface QueryOptions {
  /**
   * Let the SQL write files, attach databases and read files outside the
   * catalog (DuckDB unrestricted). Off by default: only SELECT and EXPLAIN
   * statements run, and files are read from the catalog folder only.
   */
  readonly allowWrite?: boolean;
}

/** Statement types a read-only query may run (DuckDB's StatementType). */
const READ_ONLY_STATEMENTS = new Set([1 /* SELECT */, 4 /* EXPLAIN */]);
const STATEMENT_NAMES: Record<number, string> = { 2: 'INSERT', 3: 'UPDATE', 5: 'DELETE', 7: 'CREATE', 9: 'ALTER', 11: 'COPY', 13: 'SET', 15: 'DROP', 16: 'EXPORT', 17: 'PRAGMA', 19: 'CALL', 20: 'SET', 21: 'LOAD', 23: 'INSTALL', 25: 'ATTACH', 26: 'DETACH', 28: 'COPY DATABASE' };

/**
 * Closes a session over a catalog to everything but reading it: files only
 * from the catalog folder (the DuckDB settings enable_external_access and
 * allowed_directories, locked so that SQL cannot set them back), and only
 * SELECT and EXPLAIN statements, so nothing is written, not even into the
 * catalog. An object-store catalog keeps network access (the views need it)
 * and relies on the statement check.
 */
async function readOnly(sql: Sql, root: string, text: string): Promise<void> {
  if (!isRemoteRoot(root)) {
    await sql.connection.run(`SET allowed_directories = [${sqlString(`${resolve(root)}/`)}]`);
    await sql.connection.run('SET enable_external_access = false');
  }
  await sql.connection.run('SET lock_configuration = true');
  const statements = await sql.connection.extractStatements(text);
  for (let i = 0; i < statements.count; i++) {
    const type = (await statements.prepare(i)).statementType as number;
    if (!READ_ONLY_STATEMENTS.has(type)) {
      throw new InputError({
        code: 'invalid_option',
        field: 'SQL',
        value: oneLineSql(text),
        message: `data query is read-only: ${STATEMENT_NAMES[type] ?? 'this'} statements are refused (SELECT and EXPLAIN run; --allow-write lifts this)`,
      });
    }
  }
}

/** The query as it is named in a one-line message (its line breaks as spaces). */
function oneLineSql(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Runs SQL over the catalog's views, read-only unless asked; a SQL error is an input error naming the query. */
export async function queryCatalog(root: string, text: string, options: QueryOptions = {}): Promise<QueryResult> {
  return withReadLease(root, () => queryCatalogUnleased(root, text, options));
}

/** queryCatalog itself, run under a read lease. */
async function queryCatalogUnleased(root: string, text: string, options: QueryOptions): Promise<QueryResult> {
  const sql = await openCatalogSql(root);
  const sqlError = (e: unknown): never => {
    if (e instanceof InputError) throw e;
    throw new InputError({ code: 'invalid_option', field: 'SQL', value: oneLineSql(text), message: oneLineMessage(e instanceof Error ? e.message : String(e)) });
  };
  try {
    if (options.allowWrite !== true) await readOnly(sql, root, text).catch(sqlError);
    const reader = await sql.connection.runAndReadAll(text).catch(sqlError);
    const columns = reader.columnNames();
    const rows = reader.getRowsJson().map((r) => r.map((v) => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))));
    return { columns, rows };
  } finally {
    sql.close();
  }
}

/**
 * Writes a data set (optionally within [from, to] µs) as CSV or Parquet.
 * The CSV reads back as it was written and imports again to the same rows:
 * ISO 8601 UTC times; bars and quotes in the CSV feed's generic layout (a
 * column that is empty in some row, adj_close or the quote sizes, left out);
 * trades with the aggressor as buy / sell / unknown; a book in the Binance
 * depth layout with its flags (exact event boundaries), which the book feed
 * reads. Parquet holds the catalog's columns. A path inside the catalog is
 * refused (refuseOutputInCatalog).
 */
export async function exportDataset(
  root: string,
  key: DatasetKey,
  out: string,
  options: { from?: number; to?: number; format?: 'csv' | 'parquet' } = {},
): Promise<number> {
  refuseOutputInCatalog(root, out);
  return withReadLease(root, () => exportDatasetUnleased(root, key, out, options));
}

/**
 * Refuses an output path in a local catalog (its folder itself or anything
 * under it, real paths compared): a file written there would replace the
 * catalog's own files or be read as part of a data set.
 */
export function refuseOutputInCatalog(root: string, out: string, flag = '--out'): void {
  if (isRemoteRoot(root) || !existsSync(root)) return;
  const base = realpathSync(root);
  const target = realPathOf(out);
  if (target === base || target.startsWith(base.endsWith(sep) ? base : `${base}${sep}`)) {
    throw new InputError({ code: 'invalid_option', field: flag, value: out, message: `is inside the catalog ${root}: write to a path outside it` });
  }
}

/** The real path of a file that may not exist yet: its nearest existing folder's real path, then the rest. */
function realPathOf(path: string): string {
  let dir = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(dir), ...rest.reverse());
    } catch {
      const up = dirname(dir);
      if (up === dir) return resolve(path);
      rest.push(basename(dir));
      dir = up;
    }
  }
}

/** The SELECT list of a CSV export: the columns the CSV feed (or, for a book, the book feed) reads back. */
async function csvColumns(sql: Sql, key: DatasetKey, src: string): Promise<string[]> {
  const time = `strftime(time, ${ISO}) AS time`;
  switch (key.kind) {
    case 'bar': {
      // adj_close goes out only when every row has one (an empty CSV field would not read back).
      const [r] = await queryRows(sql, `SELECT count(*) = count(adj_close) AS full FROM ${src}`);
      return [time, 'open', 'high', 'low', 'close', 'volume', ...(r?.full === true ? ['adj_close'] : [])];
    }
    case 'quote': {
      // Sizes likewise: a source without them (TrueFX, HistData) has NaN sizes, stored as NULL.
      const [r] = await queryRows(sql, `SELECT count(*) = count(bid_size) AND count(*) = count(ask_size) AS full FROM ${src}`);
      return [time, 'bid', 'ask', ...(r?.full === true ? ['bid_size', 'ask_size'] : [])];
    }
    case 'trade':
      return [time, 'price', 'size', `CASE aggressor WHEN 1 THEN 'buy' WHEN -1 THEN 'sell' ELSE 'unknown' END AS aggressor`];
    case 'book':
      return [
        `${sqlString(key.symbol)} AS symbol`,
        `strftime(time, ${ISO}) AS timestamp`,
        'first_sequence AS first_update_id',
        'sequence AS last_update_id',
        `CASE WHEN side > 0 THEN 'b' ELSE 'a' END AS side`,
        `CASE WHEN flags & ${F_SNAPSHOT} <> 0 THEN 'snap' ELSE 'set' END AS update_type`,
        'price',
        'size AS qty',
        'prev_sequence AS pu',
        'flags',
      ];
  }
}

/** exportDataset itself, run under a read lease. */
async function exportDatasetUnleased(
  root: string,
  key: DatasetKey,
  out: string,
  options: { from?: number; to?: number; format?: 'csv' | 'parquet' } = {},
): Promise<number> {
  requireCatalog(root);
  const sql = await openSql();
  try {
    await enableRemote(sql, root);
    const files = await listDatasetFiles(sql, { root, key });
    if (files.length === 0) {
      throw new InputError({ code: 'invalid_option', field: '--symbol', value: key.symbol, message: `no ${describeDataset(key)} in the catalog ${root}` });
    }
    const src = await datasetTable(sql, key.kind, files);
    const format = options.format ?? (out.endsWith('.parquet') ? 'parquet' : 'csv');
    let columns: string[];
    if (format === 'csv') columns = await csvColumns(sql, key, src);
    else {
      const [adj] = key.kind === 'bar' ? await queryRows(sql, `SELECT count(*) = count(adj_close) AS full FROM ${src}`) : [];
      columns = ['time', ...VALUE_COLUMNS[key.kind].map((c) => c.name).filter((c) => c !== 'adj_close' || adj?.full === true)];
    }
    const select = `SELECT ${columns.join(', ')} FROM ${src}${windowWhere(options.from, options.to)} ORDER BY time, n`;
    const [r] = await queryRows(sql, `SELECT count(*) AS c FROM (${select})`);
    mkdirSync(dirname(out), { recursive: true });
    await sql.connection.run(
      `COPY (${select}) TO ${sqlString(out)} (${format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd'})`,
    );
    return Number(r?.c ?? 0);
  } finally {
    sql.close();
  }
}

/**
 * The data sets of some symbols in a catalog (all kinds and sides each has),
 * local or remote; a symbol with none is an input error naming what the
 * catalog holds.
 */
export async function findDatasets(root: string, symbols: readonly string[]): Promise<DatasetKey[]> {
  requireCatalog(root);
  let all: DatasetKey[];
  if (!isRemoteRoot(root)) all = listDatasets(root);
  else {
    const sql = await openSql();
    try {
      await enableRemote(sql, root);
      const base = root.replace(/\/+$/, '');
      const rows = await queryRows(sql, `SELECT file FROM glob(${sqlString(`${base}/*/symbol=*/**/*.parquet`)})`);
      const seen = new Map<string, DatasetKey>();
      for (const r of rows) {
        const m = /\/(bars|quotes|trades|book)\/symbol=([^/]+)\/(?:side=(bid|ask|trade)\/)?/.exec(String(r.file));
        if (m === null) continue;
        const kind = KIND_OF_DIR[m[1] as string] as DataKind;
        const key: DatasetKey = { kind, symbol: decodeURIComponent(m[2] as string), ...(m[3] !== undefined ? { side: m[3] as PriceSide } : {}) };
        seen.set(datasetDir(key), key);
      }
      all = [...seen.values()];
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError({ code: 'file_not_found', file: root, message: `cannot list the catalog: ${oneLineMessage(e instanceof Error ? e.message : String(e))}` });
    } finally {
      sql.close();
    }
  }
  const out: DatasetKey[] = [];
  for (const symbol of symbols) {
    const mine = all.filter((k) => k.symbol === symbol);
    if (mine.length === 0) {
      const known = [...new Set(all.map((k) => k.symbol))].sort().join(', ');
      throw new InputError({
        code: 'invalid_option',
        field: '--symbol',
        value: symbol,
        message: `not in the catalog ${root}${known !== '' ? ` (it has ${known})` : ' (it is empty)'}`,
      });
    }
    out.push(...mine);
  }
  return out;
}
