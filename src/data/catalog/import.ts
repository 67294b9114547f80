import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatIssue } from '../../core/errors.js';
import { formatIso, parseIsoTime } from '../../core/time.js';
import type { MarketFeed } from '../../model/market.js';
import { feedColumnNames, openSql, queryNumber, queryRows, registerFeedFunction, sqlString, type RowBefore, type Sql } from './duckdb.js';
import { acquireWriterLock, type WriterLock, type WriterLockOptions } from './lock.js';
import { readManifest, writeManifest, type ImportRecord } from './manifest.js';
import { datasetTable, parquetTable, partitionOverlaps, planPartitions } from './read-plan.js';
import { VALUE_COLUMNS, datasetDir, timePartitions, type DatasetKey } from './schema.js';

export interface ImportOptions {
  /** What to call the source in the manifest and in messages (a file name). */
  readonly source: string;
  /** SHA-256 of the source's bytes (sha256File), to recognise a second import of the same file. */
  readonly sha256: string;
  /** A row whose key (time, n) is in the catalog with other values: keep the catalog's (default) or replace it. */
  readonly onConflict?: 'keep' | 'replace';
  /** Waiting for the catalog's writer lock and for readers (lock.ts). */
  readonly lock?: WriterLockOptions;
  /** The feed is one chunk of a continuing source (a recording), not a file: see ChunkOptions. */
  readonly chunk?: ChunkOptions;
}

/**
 * Importing one chunk of a source that goes on (`quantflow record`'s flushes).
 * No source hash: every chunk is new. The chunk's counts are added to one
 * manifest record per session and data set. Its new rows are written as one
 * more file in each partition they fall in (`chunk-<first µs>-<k>.parquet`)
 * instead of rewriting the partition, so a flush costs what it adds, not what
 * the partition holds; only the rows of the catalog within the chunk's time
 * range are read to recognise rows already there. A partition that already
 * holds `maxFiles` files is rewritten whole instead (compacted into one
 * file). Conflicts keep the catalog's values (`onConflict` is ignored).
 */
export interface ChunkOptions {
  /** The recording session: chunks of one session add up in one manifest record. */
  readonly session: string;
  /**
   * The source's row just before this chunk (the previous chunk's `lastRow`),
   * so ranks go on across chunks. Absent for a session's first chunk: then the
   * data set's last row in the catalog stands before it (a restarted recorder
   * whose first rows share that row's time continues its ranks).
   */
  readonly before?: RowBefore;
  /** Rows the source rejected in this chunk, counted as the record's invalid rows. */
  readonly invalid?: number;
  /** Files a partition may hold before a chunk rewrites it whole (default 32). */
  readonly maxFiles?: number;
}

/** Files a partition may hold before a chunk import compacts it. */
export const CHUNK_MAX_FILES = 32;

export interface ImportReport extends ImportRecord {
  /** The same source (by content) was imported into this data set before: nothing was read or written. */
  readonly alreadyImported: boolean;
  /** Partition files written. */
  readonly filesWritten: number;
  /** The key of the feed's last row (its time and n), to continue ranks in the next chunk; absent when the feed had no rows. */
  readonly lastRow?: RowBefore;
}

/** SHA-256 of a file's bytes, hex. */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The data set a feed's rows go to. */
export function datasetOfFeed(feed: MarketFeed): DatasetKey {
  return feed.kind === 'bar' ? { kind: 'bar', symbol: feed.symbol, side: feed.priceSide ?? 'trade' } : { kind: feed.kind, symbol: feed.symbol };
}

/** Every Parquet file under a folder, sorted (so reads are deterministic). */
export function parquetFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.parquet')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The partition folder of a time (µs) and the end of that partition (first µs after it), as DuckDB names hive folders. */
function partitionAt(kind: DatasetKey['kind'], t: number): { folder: string; end: number } {
  const d = new Date(Math.floor(t / 1000));
  const year = d.getUTCFullYear();
  if (timePartitions(kind).length === 1) return { folder: `year=${year}`, end: Date.UTC(year + 1, 0, 1) * 1000 };
  const month = d.getUTCMonth();
  return { folder: `year=${year}/month=${month + 1}`, end: Date.UTC(year, month + 1, 1) * 1000 };
}

/** SQL turning the DOUBLE columns of a feed table (time in µs) into the catalog's typed columns (plus its time partitions, for PARTITION_BY). */
function catalogSelect(key: DatasetKey, from: string, partitionColumns = true): string {
  // NaN marks a missing value in the columns (adj_close of a source without one): NULL in Parquet.
  const values = VALUE_COLUMNS[key.kind].map((c) => `CAST(CASE WHEN isnan(${c.name}) THEN NULL ELSE ${c.name} END AS ${c.sql}) AS ${c.name}`);
  const parts = timePartitions(key.kind).map((p) => `${p}(make_timestamp(CAST(time AS BIGINT))) AS ${p}`);
  return `SELECT make_timestamp(CAST(time AS BIGINT)) AS time, CAST(n AS INTEGER) AS n, ${[...values, ...(partitionColumns ? parts : [])].join(', ')} FROM ${from}`;
}

/** SQL reading catalog files back into the feed table's DOUBLE columns. */
async function feedSelect(sql: Sql, key: DatasetKey, files: readonly string[]): Promise<string> {
  const values = VALUE_COLUMNS[key.kind].map((c) => `coalesce(CAST(${c.name} AS DOUBLE), 'NaN'::DOUBLE) AS ${c.name}`);
  return `SELECT CAST(epoch_us(time) AS DOUBLE) AS time, CAST(n AS DOUBLE) AS n, ${values.join(', ')} FROM ${await datasetTable(sql, key.kind, files)}`;
}

/**
 * Imports a feed's rows into the catalog at `root`. Idempotent: a source
 * imported before (same SHA-256, same data set) is skipped; rows whose key
 * (time, n) is already in the catalog are not added again: identical ones are
 * counted as duplicates, different ones as conflicts (the catalog's values
 * are kept unless onConflict is 'replace'). Only the partitions the new rows
 * fall in are rewritten, each replaced by a rename once complete.
 */
export async function importFeed(root: string, feed: MarketFeed, options: ImportOptions): Promise<ImportReport> {
  let lock: WriterLock;
  try {
    lock = await acquireWriterLock(root, options.lock);
  } catch (e) {
    feed.close();
    throw e;
  }
  try {
    return await importLocked(lock, feed, options);
  } finally {
    lock.release();
  }
}

/** The import, under the catalog's writer lock: nobody else changes the catalog meanwhile. */
async function importLocked(lock: WriterLock, feed: MarketFeed, options: ImportOptions): Promise<ImportReport> {
  const root = lock.root;
  const key = datasetOfFeed(feed);
  const chunk = options.chunk;
  const onConflict = chunk !== undefined ? 'keep' : (options.onConflict ?? 'keep');
  const manifest = readManifest(root);
  const base: Omit<ImportRecord, 'rows' | 'added' | 'duplicates' | 'conflicts' | 'invalid' | 'sameTime' | 'first' | 'last'> = {
    source: options.source,
    sha256: options.sha256,
    kind: key.kind,
    symbol: key.symbol,
    ...(key.side !== undefined ? { side: key.side } : {}),
    onConflict,
  };
  // The same source again changes nothing, unless its conflicts were kept then and are to be replaced now.
  const before = chunk !== undefined ? undefined : manifest.imports.find(
    (r) =>
      r.sha256 === options.sha256 &&
      r.kind === key.kind &&
      r.symbol === key.symbol &&
      r.side === key.side &&
      !(onConflict === 'replace' && r.onConflict === 'keep' && r.conflicts > 0),
  );
  if (before !== undefined) {
    feed.close();
    return { ...before, source: options.source, added: 0, alreadyImported: true, filesWritten: 0 };
  }
  const dir = join(root, datasetDir(key));
  const existing = parquetFilesUnder(dir);
  const sql = await openSql();
  const staging = join(root, `.staging-${process.pid}-${Date.now()}`);
  try {
    const before = chunk === undefined ? undefined : (chunk.before ?? (await lastRowOf(sql, existing)));
    const src = registerFeedFunction(sql, feed, before);
    const run = async (text: string): Promise<void> => {
      try {
        await sql.connection.run(text);
      } catch (e) {
        throw src.error() ?? e;
      }
    };
    let added: number;
    let duplicates = 0;
    let conflicts = 0;
    let write: string | null;
    let filesWritten = 0;
    // Chunk mode: staged files that go into their partitions beside the files there (not replacing the partition).
    let appended: [string, string][] | null = null;
    if (existing.length === 0) {
      // A new data set: rows go straight from the feed into Parquet, one
      // statement per partition (rows arrive in time order), which is faster
      // than DuckDB's PARTITION_BY for a single sorted stream.
      write = null;
      mkdirSync(staging, { recursive: true });
      for (let t = src.peek(); t !== null; t = src.peek()) {
        const part = partitionAt(key.kind, t);
        src.setLimit(part.end);
        mkdirSync(join(staging, part.folder), { recursive: true });
        await run(`COPY (${catalogSelect(key, `${src.name}()`, false)}) TO ${sqlString(join(staging, part.folder, 'data_0.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
      }
      added = src.rows();
    } else {
      await run(`CREATE TEMP TABLE incoming AS SELECT * FROM ${src.name}()`);
      const lo = src.first();
      const hi = src.last();
      // Only partitions the new rows fall in can overlap; read those.
      const touched = Number.isNaN(lo) ? [] : existing.filter((f) => partitionOverlaps(relative(dir, f), lo, hi));
      // A chunk adds a file to its partitions unless one of them has enough files to be compacted.
      const append = chunk !== undefined && !tooManyFiles(touched, chunk.maxFiles ?? CHUNK_MAX_FILES);
      // Appending rewrites nothing, so only rows in the chunk's time range can matter (Parquet statistics skip the rest).
      const range = append ? ` WHERE time BETWEEN make_timestamp(${lo}) AND make_timestamp(${hi})` : '';
      await sql.connection.run(
        touched.length > 0
          ? `CREATE TEMP TABLE existing AS ${await feedSelect(sql, key, touched)}${range}`
          : `CREATE TEMP TABLE existing AS SELECT * FROM incoming WHERE false`,
      );
      const cols = feedColumnNames(key.kind).slice(2);
      const same = cols.map((c) => `i.${c} IS NOT DISTINCT FROM e.${c}`).join(' AND ');
      duplicates = await queryNumber(sql, `SELECT count(*) FROM incoming i JOIN existing e ON i.time = e.time AND i.n = e.n WHERE ${same}`);
      const matched = await queryNumber(sql, `SELECT count(*) FROM incoming i JOIN existing e ON i.time = e.time AND i.n = e.n`);
      conflicts = matched - duplicates;
      added = src.rows() - matched;
      const fresh = `SELECT * FROM incoming i ANTI JOIN existing e ON i.time = e.time AND i.n = e.n`;
      if (added === 0 && (conflicts === 0 || onConflict === 'keep')) write = null;
      else if (append) {
        // Only the new rows, one file per partition, moved in beside the partition's files.
        mkdirSync(staging, { recursive: true });
        const parts = timePartitions(key.kind).join(', ');
        await run(`CREATE TEMP TABLE fresh AS ${fresh} ORDER BY time, n`);
        await run(`COPY (${catalogSelect(key, 'fresh')}) TO ${sqlString(staging)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${parts}), OVERWRITE_OR_IGNORE true)`);
        appended = chunkFiles(staging, dir, lo);
        write = null;
      } else if (onConflict === 'replace') {
        write = `(SELECT * FROM existing e ANTI JOIN incoming i ON i.time = e.time AND i.n = e.n UNION ALL SELECT * FROM incoming)`;
      } else write = `(SELECT * FROM existing UNION ALL ${fresh})`;
      if (write !== null) {
        // Rewrite the touched partitions: the files read above are replaced as a whole.
        await run(`CREATE TEMP TABLE merged AS SELECT * FROM ${write}`);
        write = 'merged';
      }
    }
    if (write !== null) {
      mkdirSync(staging, { recursive: true });
      const parts = timePartitions(key.kind).join(', ');
      await run(
        `COPY (${catalogSelect(key, write)}) TO ${sqlString(staging)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${parts}), OVERWRITE_OR_IGNORE true)`,
      );
    }
    const rows = src.rows();
    const record: ImportRecord = {
      ...base,
      rows,
      added,
      duplicates,
      conflicts,
      invalid: feed.skipped.length + (chunk?.invalid ?? 0),
      sameTime: src.sameTime(),
      first: rows > 0 ? formatIso(src.first()) : null,
      last: rows > 0 ? formatIso(src.last()) : null,
      ...bookWarnings(feed),
    };
    if (chunk !== undefined) addChunkRecord(manifest.imports, record, chunk);
    else manifest.imports.push(record);
    // Readers see all of it at once: the staged partitions and the manifest entry.
    let moves: [string, string][];
    if (appended !== null) {
      moves = appended;
      filesWritten = appended.length;
    } else {
      moves = existsSync(staging) ? stagedPartitions(staging, dir) : [];
      filesWritten = moves.reduce((a, [leaf]) => a + readdirSync(leaf).filter((f) => f.endsWith('.parquet')).length, 0);
    }
    await lock.publish(moves, () => writeManifest(root, manifest));
    return { ...record, alreadyImported: false, filesWritten, ...(rows > 0 ? { lastRow: { time: src.last(), n: src.lastRank() } } : {}) };
  } finally {
    feed.close();
    sql.close();
    rmSync(staging, { recursive: true, force: true });
  }
}

/** What a book feed warned of (gaps, crossed books), for the import record. */
function bookWarnings(feed: MarketFeed): Pick<ImportRecord, 'sequenceGaps' | 'crossedBooks' | 'firstBookWarning'> {
  if (feed.kind !== 'book' || feed.warnings === undefined) return {};
  const w = feed.warnings;
  const first = w[0];
  return {
    sequenceGaps: w.filter((i) => i.code === 'sequence_gap').length,
    crossedBooks: w.filter((i) => i.code === 'crossed_book').length,
    ...(first !== undefined ? { firstBookWarning: formatIssue(first) } : {}),
  };
}

/** The key of the last row among a data set's files (those of its last partition are enough), if any. */
async function lastRowOf(sql: Sql, files: readonly string[]): Promise<RowBefore | undefined> {
  const last = planPartitions(files).at(-1);
  if (last === undefined) return undefined;
  const rows = await queryRows(sql, `SELECT CAST(epoch_us(time) AS DOUBLE) AS t, CAST(n AS DOUBLE) AS n FROM ${parquetTable(last)} ORDER BY time DESC, n DESC LIMIT 1`);
  const row = rows[0];
  return row === undefined ? undefined : { time: Number(row.t), n: Number(row.n) };
}

/** Whether a partition among these files holds at least `max` files. */
function tooManyFiles(files: readonly string[], max: number): boolean {
  const perFolder = new Map<string, number>();
  for (const f of files) {
    const folder = join(f, '..');
    const n = (perFolder.get(folder) ?? 0) + 1;
    if (n >= max) return true;
    perFolder.set(folder, n);
  }
  return false;
}

/**
 * Each staged Parquet file and the new file it becomes in its partition:
 * `chunk-<first µs of the chunk>-<k>.parquet`, k the first free number (the
 * writer lock is held, so nobody else takes it meanwhile).
 */
function chunkFiles(staging: string, dir: string, first: number): [string, string][] {
  const out: [string, string][] = [];
  for (const [leaf, target] of stagedPartitions(staging, dir)) {
    const taken = new Set(existsSync(target) ? readdirSync(target) : []);
    let k = 0;
    for (const f of readdirSync(leaf).filter((name) => name.endsWith('.parquet')).sort()) {
      let name: string;
      do name = `chunk-${first}-${k++}.parquet`;
      while (taken.has(name));
      out.push([join(leaf, f), join(target, name)]);
    }
  }
  return out;
}

/** Adds a chunk's counts to its session's record of the data set (a new record for the session's first chunk). */
function addChunkRecord(imports: ImportRecord[], record: ImportRecord, chunk: ChunkOptions): void {
  const at = imports.findIndex((r) => r.session === chunk.session && r.kind === record.kind && r.symbol === record.symbol && r.side === record.side);
  const prior = at >= 0 ? imports[at] : undefined;
  if (prior === undefined) {
    imports.push({ ...record, sha256: '', session: chunk.session, chunks: 1 });
    return;
  }
  const earlier = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : (parseIsoTime(a) ?? 0) <= (parseIsoTime(b) ?? 0) ? a : b);
  const later = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : (parseIsoTime(a) ?? 0) >= (parseIsoTime(b) ?? 0) ? a : b);
  imports[at] = {
    ...prior,
    rows: prior.rows + record.rows,
    added: prior.added + record.added,
    duplicates: prior.duplicates + record.duplicates,
    conflicts: prior.conflicts + record.conflicts,
    invalid: prior.invalid + record.invalid,
    sameTime: prior.sameTime + record.sameTime,
    first: earlier(prior.first, record.first),
    last: later(prior.last, record.last),
    chunks: (prior.chunks ?? 0) + 1,
  };
}

/** Each staged leaf partition folder and its place in the data set, in path order. */
function stagedPartitions(staging: string, dir: string): [string, string][] {
  const leaves: string[] = [];
  const walk = (d: string): void => {
    const entries = readdirSync(d, { withFileTypes: true });
    if (entries.some((e) => e.isFile())) leaves.push(d);
    for (const e of entries) if (e.isDirectory()) walk(join(d, e.name));
  };
  walk(staging);
  return leaves.sort().map((leaf) => [leaf, join(dir, relative(staging, leaf))]);
}
