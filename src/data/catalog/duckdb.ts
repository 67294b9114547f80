// DuckDB is loaded when a catalog is first opened, not when the package is
// imported: its native library costs about 0.15 s, which every other command
// (a CSV backtest, an indicator) would otherwise pay at start-up.
import type { DuckDBConnection } from '@duckdb/node-api';
import type duckdbBindings from '@duckdb/node-bindings';
import type { Columns, MarketFeed } from '../../model/market.js';
import { chunkColumns } from './columns.js';
import { VALUE_COLUMNS } from './schema.js';

type Api = typeof import('@duckdb/node-api');
type Bindings = typeof duckdbBindings;

/** An embedded DuckDB database in memory with one connection: the catalog's SQL engine. */
export interface Sql {
  readonly connection: DuckDBConnection;
  /** The loaded modules, for table functions and raw vector access. */
  readonly api: Api;
  readonly bindings: Bindings;
  /** Another connection to the same database (one per concurrent streaming query); closing it leaves the database open. */
  connect(): Promise<Sql>;
  close(): void;
}

/** Opens an in-memory DuckDB (spilling to the system temp folder when a query outgrows memory). */
export async function openSql(): Promise<Sql> {
  const api = await import('@duckdb/node-api');
  const bindings = (await import('@duckdb/node-bindings')).default;
  const instance = await api.DuckDBInstance.create(':memory:');
  const session = (connection: DuckDBConnection, closeDatabase: boolean): Sql => ({
    connection,
    api,
    bindings,
    connect: async () => session(await instance.connect(), false),
    close() {
      connection.closeSync();
      if (closeDatabase) instance.closeSync();
    },
  });
  return session(await instance.connect(), true);
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A SQL list of string literals, e.g. for read_parquet([...]). */
export function sqlStringList(items: readonly string[]): string {
  return `[${items.map(sqlString).join(', ')}]`;
}

/**
 * A DuckDB error message on one line: its first line and the hints after it
 * (`Did you mean "book"?`), without the quoted query line and its caret.
 */
export function oneLineMessage(message: string): string {
  const kept: string[] = [];
  for (const line of message.split(/\r?\n/)) {
    if (/^\s*LINE \d+:/.test(line)) break;
    if (line.trim() !== '') kept.push(line.trim());
  }
  return kept.join(' ');
}

/** All rows of a query as plain objects (BIGINTs become numbers, timestamps ISO strings). */
export async function queryRows(sql: Sql, text: string): Promise<Record<string, unknown>[]> {
  const reader = await sql.connection.runAndReadAll(text);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** The one value of a one-row, one-column query, as a number. */
export async function queryNumber(sql: Sql, text: string): Promise<number> {
  const reader = await sql.connection.runAndReadAll(text);
  const v = reader.getRows()[0]?.[0];
  return v === null || v === undefined ? NaN : Number(v);
}

let functionCount = 0;

/** Names of the columns a feed table function yields: time, n, then the kind's value columns (all DOUBLE). */
export function feedColumnNames(kind: Columns['kind']): string[] {
  return ['time', 'n', ...VALUE_COLUMNS[kind].map((c) => c.name)];
}

/**
 * Registers a table function that pulls a feed chunk by chunk, so that SQL
 * (`SELECT * FROM name()`) reads the feed without the data being held in
 * JavaScript: columns are copied straight from the chunk's typed arrays into
 * DuckDB's vectors. `n` is computed on the way: a row's rank among the rows
 * with its time. An error thrown by the feed (a bad row) is kept and handed
 * back by `error()` so the caller can rethrow the original, typed error.
 */
export interface FeedFunction {
  /** The table function's name in SQL. */
  readonly name: string;
  /** Rows yielded so far. */
  rows(): number;
  /** Rows whose time equals the previous row's. */
  sameTime(): number;
  /** First and last time yielded (NaN before any row). */
  first(): number;
  last(): number;
  /** The rank n of the last row (with last(), the key of the last row). */
  lastRank(): number;
  /** What the feed threw, if it threw. */
  error(): unknown;
  /** The time of the next row to yield (loading the feed's next chunk if needed), or null at the end. */
  peek(): number | null;
  /** Until changed, a scan ends before the first row at or after this time (µs): one statement per partition. */
  setLimit(end: number): void;
}

/** The row just before a feed's first, when the feed continues an earlier one: ranks `n` go on from it. */
export interface RowBefore {
  readonly time: number;
  readonly n: number;
}

export function registerFeedFunction(sql: Sql, feed: MarketFeed, before?: RowBefore): FeedFunction {
  const name = `qf_feed_${++functionCount}`;
  const names = feedColumnNames(feed.kind);
  const { api, bindings } = sql;
  const vectorSize = bindings.vector_size();
  const copyColumn = (chunk: duckdbBindings.DataChunk, index: number, src: Float64Array, at: number, n: number): void => {
    bindings.copy_data_to_vector(bindings.data_chunk_get_vector(chunk, index), 0, src.buffer as ArrayBuffer, src.byteOffset + at * 8, n * 8);
  };
  let chunk: Columns | null = null;
  let cols: Float64Array[] = [];
  const scratch: Float64Array[] = [];
  let nCol = new Float64Array(0);
  let at = 0;
  let done = false;
  let total = 0;
  let lastTime = before?.time ?? NaN;
  let rank = before?.n ?? 0;
  let sameTime = 0;
  let first = NaN;
  let failure: unknown;
  let limit = Infinity;
  /** Makes chunk[at] the next row, loading chunks as needed; false at the end of the feed. */
  const load = (): boolean => {
    while (!done && (chunk === null || at >= chunk.length)) {
      chunk = feed.next();
      at = 0;
      if (chunk === null) {
        done = true;
        break;
      }
      cols = chunkColumns(chunk, scratch);
      if (Number.isNaN(first) && chunk.length > 0) first = chunk.time[0] as number;
      if (nCol.length < chunk.length) nCol = new Float64Array(chunk.capacity);
      const time = chunk.time;
      for (let i = 0; i < chunk.length; i++) {
        const t = time[i] as number;
        if (t === lastTime) {
          rank++;
          sameTime++;
        } else rank = 0;
        lastTime = t;
        nCol[i] = rank;
      }
    }
    return !done && chunk !== null;
  };
  const fn = api.DuckDBTableFunction.create({
    name,
    bindFunction: (bind) => {
      for (const n of names) bind.addResultColumn(n, api.DOUBLE);
    },
    initFunction: (init) => init.setMaxThreads(1),
    mainFunction: (info, out) => {
      try {
        if (!load() || chunk === null) {
          out.rowCount = 0;
          return;
        }
        let n = Math.min(vectorSize, chunk.length - at);
        const time = chunk.time;
        if ((time[at + n - 1] as number) >= limit) {
          let k = 0;
          while (k < n && (time[at + k] as number) < limit) k++;
          n = k;
        }
        if (n === 0) {
          out.rowCount = 0;
          return;
        }
        out.rowCount = n;
        const raw = out.chunk;
        copyColumn(raw, 0, chunk.time, at, n);
        copyColumn(raw, 1, nCol, at, n);
        for (let k = 0; k < cols.length; k++) copyColumn(raw, k + 2, cols[k] as Float64Array, at, n);
        at += n;
        total += n;
      } catch (e) {
        failure = e;
        done = true;
        info.setError(e instanceof Error ? e.message : String(e));
      }
    },
  });
  sql.connection.registerTableFunction(fn);
  return {
    name,
    rows: () => total,
    sameTime: () => sameTime,
    first: () => first,
    last: () => (total > 0 ? lastTime : NaN),
    lastRank: () => rank,
    error: () => failure,
    peek: () => (load() && chunk !== null ? (chunk.time[at] as number) : null),
    setLimit: (end: number) => {
      limit = end;
    },
  };
}
