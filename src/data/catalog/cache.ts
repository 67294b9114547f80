import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InvariantError, type Issue } from '../../core/errors.js';
import type { Columns, DataKind, MarketFeed, PriceSide } from '../../model/market.js';
import { emptyColumns } from '../collect.js';
import { valueArrays } from './columns.js';
import { parquetFilesUnder } from './import.js';
import { isRemoteRoot, readColumnCount, type ReadRequest } from './read-plan.js';
import { datasetDir, describeDataset, type DatasetKey } from './schema.js';

/**
 * The binary column cache: a data set (or a window of it) decoded once from
 * Parquet and kept as raw little-endian Float64 columns, so that replaying it
 * again is a sequence of large reads straight into the feed's typed arrays,
 * with no decoding at all.
 *
 * File: a 4096-byte header (magic "QFCOLS01", then JSON: kind, symbol, side,
 * rows, columns, fingerprint), then blocks. A block is its row count (one
 * Float64) followed by each column's values for those rows. A cache is
 * written under a temporary name and renamed when complete, so a reader never
 * sees a partial one.
 */
const MAGIC = 'QFCOLS01';
const HEADER_BYTES = 4096;

interface CacheHeader {
  readonly kind: DataKind;
  readonly symbol: string;
  readonly side?: PriceSide;
  readonly rows: number;
  readonly columns: number;
  readonly fingerprint: string;
}

/** Where caches of a catalog live: `<root>/_cache`, or ~/.cache/quantflow for an object-store catalog. */
export function defaultCacheDir(root: string): string {
  return isRemoteRoot(root) ? join(homedir(), '.cache', 'quantflow') : join(root, '_cache');
}

/**
 * What a cache must match, in two parts: the request (catalog, data set,
 * window) and the data set's Parquet files (paths, sizes, modification
 * times). Any import that touches the data set changes the second part, so a
 * stale cache is never read, and is deleted when its replacement is written.
 */
export function cacheFingerprint(request: ReadRequest): string {
  const req = createHash('sha256').update(`${MAGIC}\n${request.root}\n${datasetDir(request.key)}\n${request.from ?? ''}\n${request.to ?? ''}\n`);
  const data = createHash('sha256');
  if (!isRemoteRoot(request.root)) {
    for (const f of parquetFilesUnder(join(request.root, datasetDir(request.key)))) {
      const s = statSync(f);
      data.update(`${f}\t${s.size}\t${s.mtimeMs}\n`);
    }
  }
  return `${req.digest('hex').slice(0, 16)}-${data.digest('hex').slice(0, 16)}`;
}

/** The cache file of a request: `<kind>-<symbol>[-<side>]-<request>-<data>.qfcols`. */
export function cachePath(cacheDir: string, request: ReadRequest, fingerprint = cacheFingerprint(request)): string {
  const k = request.key;
  const name = `${k.kind}-${encodeURIComponent(k.symbol)}${k.kind === 'bar' ? `-${k.side ?? 'trade'}` : ''}-${fingerprint}.qfcols`;
  return join(cacheDir, name);
}

/** Deletes the caches of the same request made from older data (same name up to the data part). */
function removeStaleCaches(path: string): void {
  const dir = dirname(path);
  const name = basename(path);
  const stem = name.slice(0, name.lastIndexOf('-') + 1);
  for (const f of readdirSync(dir)) {
    if (f !== name && f.startsWith(stem) && f.endsWith('.qfcols')) rmSync(join(dir, f), { force: true });
  }
}

/** Time and the value columns of a cacheable chunk (all Float64). */
function columnsOf(c: Columns): Float64Array[] {
  return [c.time, ...(valueArrays(c) as Float64Array[])];
}

/** Whether a kind can be cached (bars and quotes: all-Float64 columns). */
export function cacheable(kind: DataKind): boolean {
  return kind === 'bar' || kind === 'quote';
}

/**
 * Passes a feed through unchanged while writing every chunk to a cache file;
 * the file is published (renamed into place) only when the feed reached its
 * end, so an interrupted run leaves no cache behind.
 */
export class CacheWritingFeed implements MarketFeed {
  readonly kind: DataKind;
  readonly symbol: string;
  readonly source: string;
  readonly priceSide?: PriceSide;
  private fd: number;
  private rows = 0;
  /** Where the next block goes (writes are positioned: the header is filled in last). */
  private pos = HEADER_BYTES;
  private readonly tmp: string;
  private readonly rowBuf = new Float64Array(1);

  constructor(
    private readonly inner: MarketFeed,
    private readonly path: string,
    private readonly fingerprint: string,
  ) {
    if (!cacheable(inner.kind)) throw new InvariantError(`no cache for ${inner.kind} data`);
    this.kind = inner.kind;
    this.symbol = inner.symbol;
    this.source = inner.source;
    if (inner.priceSide !== undefined) this.priceSide = inner.priceSide;
    mkdirSync(join(path, '..'), { recursive: true });
    // A name of its own: two writers of the same cache (a feed and its reopened twin) must not share a file.
    this.tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    this.fd = openSync(this.tmp, 'w');
    writeSync(this.fd, Buffer.alloc(HEADER_BYTES), 0, HEADER_BYTES, 0);
  }

  get skipped(): readonly Issue[] {
    return this.inner.skipped;
  }

  next(): Columns | null {
    const c = this.inner.next();
    if (this.fd < 0) return c;
    if (c === null) {
      this.publish();
      return null;
    }
    if (c.length > 0) {
      this.rowBuf[0] = c.length;
      this.pos += writeSync(this.fd, new Uint8Array(this.rowBuf.buffer), 0, 8, this.pos);
      for (const col of columnsOf(c)) this.pos += writeSync(this.fd, new Uint8Array(col.buffer, col.byteOffset, c.length * 8), 0, c.length * 8, this.pos);
      this.rows += c.length;
    }
    return c;
  }

  private publish(): void {
    const header: CacheHeader = {
      kind: this.kind,
      symbol: this.symbol,
      ...(this.kind === 'bar' ? { side: this.priceSide ?? 'trade' } : {}),
      rows: this.rows,
      columns: readColumnCount(this.kind),
      fingerprint: this.fingerprint,
    };
    const text = Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`);
    if (text.length > HEADER_BYTES) throw new InvariantError('cache header too long');
    writeSync(this.fd, text, 0, text.length, 0);
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.path);
    removeStaleCaches(this.path);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
      rmSync(this.tmp, { force: true });
    }
    this.inner.close();
  }
}

/** Reads a cache file's header; undefined when the file is missing, partial or for something else. */
export function readCacheHeader(path: string, fingerprint?: string): CacheHeader | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    readSync(fd, buf, 0, HEADER_BYTES, 0);
    const text = buf.toString('utf8');
    if (!text.startsWith(MAGIC)) return undefined;
    const header = JSON.parse(text.slice(MAGIC.length, text.indexOf('\n'))) as CacheHeader;
    if (fingerprint !== undefined && header.fingerprint !== fingerprint) return undefined;
    return header;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Replays a cache file: each block is read with one read per column
 * straight into the feed's reused typed arrays (no parsing, no copies).
 */
export class CacheFeed implements MarketFeed {
  readonly kind: DataKind;
  readonly symbol: string;
  readonly source: string;
  readonly priceSide?: PriceSide;
  readonly skipped: readonly Issue[] = [];
  readonly rows: number;
  private fd: number;
  private pos = HEADER_BYTES;
  private readonly end: number;
  private out: Columns;
  private cols: Float64Array[];
  private readonly rowBuf = new Float64Array(1);

  constructor(
    readonly path: string,
    key: DatasetKey,
    header: CacheHeader,
  ) {
    this.kind = key.kind;
    this.symbol = key.symbol;
    if (key.kind === 'bar') this.priceSide = key.side ?? 'trade';
    this.source = `${path} (${describeDataset(key)}, cached)`;
    this.rows = header.rows;
    this.fd = openSync(path, 'r');
    this.end = fstatSync(this.fd).size;
    this.out = emptyColumns(key.kind, 65_536);
    this.cols = columnsOf(this.out);
  }

  next(): Columns | null {
    if (this.fd < 0 || this.pos >= this.end) {
      this.close();
      return null;
    }
    readSync(this.fd, new Uint8Array(this.rowBuf.buffer), 0, 8, this.pos);
    const n = this.rowBuf[0] as number;
    this.pos += 8;
    if (n > this.out.capacity) {
      this.out = emptyColumns(this.kind, n);
      this.cols = columnsOf(this.out);
    }
    const bytes = n * 8;
    for (const col of this.cols) {
      const got = readSync(this.fd, new Uint8Array(col.buffer, col.byteOffset, bytes), 0, bytes, this.pos);
      if (got !== bytes) throw new InvariantError(`${this.path}: cache file is truncated`);
      this.pos += bytes;
    }
    this.out.length = n;
    return this.out;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
