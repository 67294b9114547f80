import type { DataKind } from '../../model/market.js';
import { queryRows, sqlStringList, type Sql } from './duckdb.js';
import { VALUE_COLUMNS, type DatasetKey } from './schema.js';

/** What a catalog reader streams: one data set, optionally within [from, to] (µs, inclusive). */
export interface ReadRequest {
  /** Catalog root: a folder or an object-store URI (s3://bucket/prefix). */
  readonly root: string;
  readonly key: DatasetKey;
  readonly from?: number;
  readonly to?: number;
}

/** Columns a reader delivers, in order: time then the kind's value columns (all as doubles). */
export function readColumnCount(kind: DataKind): number {
  return 1 + VALUE_COLUMNS[kind].length;
}

/** Whether a root names an object store rather than a local folder. */
export function isRemoteRoot(root: string): boolean {
  return /^(s3|gcs|gs|r2|az|azure|abfss|https?):\/\//i.test(root);
}

/** The partition of a file path: [year, month] (month 0 when the kind has none), or null. */
export function partitionOf(path: string): [number, number] | null {
  const y = /year=(\d+)/.exec(path);
  if (y === null) return null;
  const m = /month=(\d+)/.exec(path);
  return [Number(y[1]), m === null ? 0 : Number(m[1])];
}

/** Files grouped by partition in time order, dropping partitions wholly outside [from, to]. */
export function planPartitions(files: readonly string[], from?: number, to?: number): string[][] {
  const groups = new Map<number, string[]>();
  for (const f of files) {
    const p = partitionOf(f);
    const order = p === null ? -Infinity : p[0] * 13 + p[1];
    if (p !== null && !overlaps(p, from, to)) continue;
    const list = groups.get(order) ?? [];
    list.push(f);
    groups.set(order, list);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list.sort());
}

/** Whether a file's partition can hold rows in [from, to] (µs); true for a file outside the partition layout. */
export function partitionOverlaps(path: string, from?: number, to?: number): boolean {
  const p = partitionOf(path);
  return p === null || overlaps(p, from, to);
}

function overlaps([year, month]: [number, number], from?: number, to?: number): boolean {
  const start = month === 0 ? Date.UTC(year, 0, 1) : Date.UTC(year, month - 1, 1);
  const end = month === 0 ? Date.UTC(year + 1, 0, 1) : Date.UTC(year, month, 1);
  if (from !== undefined && end * 1000 <= from) return false;
  if (to !== undefined && start * 1000 > to) return false;
  return true;
}

/** The files of a data set as a SQL table. */
export function parquetTable(files: readonly string[]): string {
  return `read_parquet(${sqlStringList(files)}, hive_partitioning = false)`;
}

/** ` WHERE` clause keeping times in [from, to] (µs), or '' with no window. */
export function windowWhere(from?: number, to?: number): string {
  const where: string[] = [];
  if (from !== undefined) where.push(`time >= make_timestamp(${Math.ceil(from)})`);
  if (to !== undefined) where.push(`time <= make_timestamp(${Math.floor(to)})`);
  return where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
}

/**
 * The files of a data set as a SQL table with every column of its kind. A
 * column added to the schema later (`absent`) reads as its default in files
 * written before it; a folder mixing such files with newer ones (a recording's
 * chunks beside them) is read by column name.
 */
export async function datasetTable(sql: Sql, kind: DataKind, files: readonly string[]): Promise<string> {
  const later = VALUE_COLUMNS[kind].filter((c) => c.absent !== undefined);
  if (later.length === 0 || files.length === 0) return parquetTable(files);
  const rows = await queryRows(sql, `SELECT name, count(DISTINCT file_name) AS files FROM parquet_schema(${sqlStringList(files)}) GROUP BY name`);
  const filesWith = new Map(rows.map((r) => [String(r.name), Number(r.files)]));
  if (later.every((c) => filesWith.get(c.name) === files.length)) return parquetTable(files);
  const have = later.filter((c) => filesWith.has(c.name));
  const lack = later.filter((c) => !filesWith.has(c.name));
  const replace = have.length > 0 ? ` REPLACE (${have.map((c) => `coalesce(${c.name}, ${c.absent}) AS ${c.name}`).join(', ')})` : '';
  const add = lack.map((c) => `, CAST(${c.absent} AS ${c.sql}) AS ${c.name}`).join('');
  return `(SELECT *${replace}${add} FROM read_parquet(${sqlStringList(files)}, hive_partitioning = false, union_by_name = true))`;
}

/** SQL reading one partition (`table`: its files, from datasetTable) as doubles in (time, n) order, within the window. */
export function partitionQuery(kind: DataKind, table: string, from?: number, to?: number): string {
  const values = VALUE_COLUMNS[kind].map((c) => `coalesce(CAST(${c.name} AS DOUBLE), 'NaN'::DOUBLE) AS ${c.name}`);
  return `SELECT CAST(epoch_us(time) AS DOUBLE) AS time, ${values.join(', ')} FROM ${table}${windowWhere(from, to)} ORDER BY time, n`;
}
