/**
 * The catalog's read side against the CSV feed it was imported from: a
 * CatalogFeed hands out exactly the rows the CSV (or book) feed reads, in any
 * block size and window; it can be closed at any point; reading what is not
 * there is an input error, not a hang; and the column cache is never stale
 * or partial.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { parseIsoTime } from '../../core/time.js';
import type { Columns, MarketFeed } from '../../model/market.js';
import { collectColumns, openBookFeed, openCsvFeed } from '../index.js';
import {
  CacheFeed,
  CacheWritingFeed,
  CatalogFeed,
  CsvWorkerFeed,
  cacheFingerprint,
  cachePath,
  defaultCacheDir,
  importFeed,
  openCatalogFeed,
  readCacheHeader,
  datasetDir,
  preloadDatasets,
  sha256File,
  type DatasetKey,
  type ReadRequest,
} from './index.js';

const SAMPLES = join(import.meta.dirname, '../../../data/samples');
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const dir = mkdtempSync(join(tmpdir(), 'quantflow-catalog-'));
const root = join(dir, 'catalog');

const ORCL_KEY: DatasetKey = { kind: 'bar', symbol: 'ORCL', side: 'trade' };
/** Each sample data set of the shared catalog: its key and how to read the same rows from the source. */
const SETS: { name: string; key: DatasetKey; open: () => MarketFeed }[] = [
  { name: 'daily bars (ORCL)', key: ORCL_KEY, open: () => openCsvFeed(ORCL) },
  { name: 'tick bars sharing times (FUT 2015)', key: { kind: 'bar', symbol: 'FUT', side: 'trade' }, open: () => openCsvFeed(join(SAMPLES, 'FUT-2015-ticks.csv')) },
  { name: 'ask bars (GBPUSD)', key: { kind: 'bar', symbol: 'GBPUSD', side: 'ask' }, open: () => openCsvFeed(join(SAMPLES, 'GBPUSD-2012-m1-ask.csv')) },
  { name: 'quote ticks (USDJPY)', key: { kind: 'quote', symbol: 'USDJPY' }, open: () => openCsvFeed(join(SAMPLES, 'USDJPY-2013-ticks.csv')) },
  { name: 'trades (XBTUSD)', key: { kind: 'trade', symbol: 'XBTUSD' }, open: () => openCsvFeed(join(SAMPLES, 'tardis-bitmex-trades-XBTUSD.csv')) },
  { name: 'L2 book (Tardis top 25)', key: { kind: 'book', symbol: 'BTCUSDT' }, open: () => openBookFeed([join(SAMPLES, 'tardis-binance-futures-book-snapshot-25.csv')]) },
];

/** Every column of a kind but `line` (a source line number there, a row number here), as plain arrays. */
function rowsOf(c: Columns): Record<string, number[]> {
  const n = c.length;
  const a = (x: ArrayLike<number> & { subarray(s: number, e: number): ArrayLike<number> }): number[] => Array.from(x.subarray(0, n));
  switch (c.kind) {
    case 'bar':
      return { time: a(c.time), open: a(c.open), high: a(c.high), low: a(c.low), close: a(c.close), volume: a(c.volume), adjClose: a(c.adjClose) };
    case 'quote':
      return { time: a(c.time), bid: a(c.bid), ask: a(c.ask), bidSize: a(c.bidSize), askSize: a(c.askSize) };
    case 'trade':
      return { time: a(c.time), price: a(c.price), size: a(c.size), side: a(c.side) };
    case 'book':
      return { time: a(c.time), side: a(c.side), price: a(c.price), size: a(c.size), flags: a(c.flags), sequence: a(c.sequence) };
  }
}

/** Reads a feed to its end, checking that no chunk is larger than `max` rows; returns all rows and the chunk sizes. */
function drain(feed: MarketFeed): { rows: Record<string, number[]>; chunks: number[] } {
  const chunks: number[] = [];
  const probe: MarketFeed = {
    get kind() {
      return feed.kind;
    },
    symbol: feed.symbol,
    source: feed.source,
    skipped: feed.skipped,
    next() {
      const c = feed.next();
      if (c !== null) chunks.push(c.length);
      return c;
    },
    close: () => feed.close(),
  };
  return { rows: rowsOf(collectColumns(probe)), chunks };
}

async function importFile(into: string, path: string, onConflict?: 'keep' | 'replace'): Promise<void> {
  const feed = path.includes('book-snapshot') ? openBookFeed([path]) : openCsvFeed(path);
  await importFeed(into, feed, { source: path, sha256: sha256File(path), ...(onConflict !== undefined ? { onConflict } : {}) });
}

beforeAll(async () => {
  for (const f of ['ORCL-1995-2014.csv', 'FUT-2015-ticks.csv', 'GBPUSD-2012-m1-ask.csv', 'USDJPY-2013-ticks.csv', 'tardis-bitmex-trades-XBTUSD.csv', 'tardis-binance-futures-book-snapshot-25.csv']) {
    await importFile(root, join(SAMPLES, f));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CatalogFeed', () => {
  it.each(SETS)('hands out exactly the rows of the source feed in blocks of 7, two ahead: $name', ({ key, open }) => {
    const expected = rowsOf(collectColumns(open()));
    expect(expected.time!.length).toBeGreaterThan(0);
    const { rows, chunks } = drain(new CatalogFeed({ root, key }, { blockRows: 7, blocks: 2 }));
    expect(rows).toEqual(expected);
    expect(Math.max(...chunks)).toBe(7);
    // Every block but the last is full.
    expect(chunks.slice(0, -1).every((n) => n === 7)).toBe(true);
  });

  it('reads windows [from, to] as the CSV feed does: within a year, across years, from a day with no row, before the first row, after the last', () => {
    const windows = [
      ['2003-02-10', '2003-02-20'],
      ['2001-09-01', '2003-06-30'],
      ['2012-10-28', '2014-12-31'],
      ['1990-01-01', '1995-01-05'],
      ['2015-01-01', '2016-01-01'],
    ] as const;
    // All open at once (their decoders start in parallel), then read one after the other.
    const feeds = windows.map(([fromDate, toDate]) => {
      const from = parseIsoTime(fromDate, 'start') as number;
      const to = parseIsoTime(toDate, 'end') as number;
      return { from, to, feed: new CatalogFeed({ root, key: ORCL_KEY, from, to }, { blockRows: 7, blocks: 2 }) };
    });
    feeds.forEach(({ from, to, feed }, i) => {
      const expected = rowsOf(collectColumns(openCsvFeed(ORCL, { from, to })));
      expect(expected.time!.length > 0).toBe(i < 4);
      expect(drain(feed).rows, windows[i]!.join('..')).toEqual(expected);
    });
  });

  it('can be closed after its first block, and later feeds still read everything', async () => {
    const first = new CatalogFeed({ root, key: ORCL_KEY }, { blockRows: 7, blocks: 2 });
    expect(first.next()?.length).toBe(7);
    first.close();
    expect(first.next()).toBeNull();
    first.close(); // twice is harmless
    // One closed before its first block, while its decoder is starting.
    new CatalogFeed({ root, key: ORCL_KEY }, { blockRows: 7, blocks: 2 }).close();
    await new Promise((r) => setTimeout(r, 20));
    // The default blocks (65,536 rows: the whole file in one).
    expect(drain(new CatalogFeed({ root, key: ORCL_KEY })).rows).toEqual(rowsOf(collectColumns(openCsvFeed(ORCL))));
  });

  it('lets a process that closed a feed early (or left one open) exit at once, cleanly', () => {
    const script = join(dir, 'early-close.ts');
    const index = join(import.meta.dirname, 'index.ts');
    writeFileSync(
      script,
      `import { CatalogFeed } from ${JSON.stringify(index)};
const request = { root: ${JSON.stringify(root)}, key: { kind: 'bar' as const, symbol: 'ORCL', side: 'trade' as const } };
const a = new CatalogFeed(request, { blockRows: 7, blocks: 2 });
const first = a.next();
a.close();
const b = new CatalogFeed(request, { blockRows: 7, blocks: 2 });
b.next(); // left open: its decoder is still running
console.log('first', first?.length);
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('first 7\n');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });

  it('reports a data set the catalog does not have as an input error', () => {
    const read = (request: ReadRequest) => () => collectColumns(new CatalogFeed(request, { blockRows: 7, blocks: 2 }));
    const missing = (request: ReadRequest): unknown => {
      try {
        read(request)();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    // ORCL has trade bars only.
    const e1 = missing({ root, key: { kind: 'bar', symbol: 'ORCL', side: 'bid' } });
    expect(e1).toBeInstanceOf(InputError);
    expect(String(e1)).toContain('bars ORCL (bid)');
    expect(missing({ root: join(dir, 'no-such-catalog'), key: ORCL_KEY })).toBeInstanceOf(InputError);
  });

  it('reports an object store it cannot reach as an input error, without hanging', () => {
    const started = Date.now();
    expect(() => collectColumns(new CatalogFeed({ root: 's3://quantflow-test-no-such-bucket/catalog', key: ORCL_KEY }))).toThrow(InputError);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);
});

describe('the column cache', () => {
  const cacheRoot = join(dir, 'cached');
  const request: ReadRequest = { root: cacheRoot, key: ORCL_KEY };
  const cacheFiles = (): string[] => (existsSync(defaultCacheDir(cacheRoot)) ? readdirSync(defaultCacheDir(cacheRoot)).sort() : []);
  const original = rowsOf(collectColumns(openCsvFeed(ORCL)));

  beforeAll(async () => {
    await importFile(cacheRoot, ORCL);
  });

  it('is written by a first full read, then replayed with the same rows', () => {
    const path = cachePath(defaultCacheDir(cacheRoot), request);
    const filling = openCatalogFeed(request, { cache: true, blockRows: 7, blocks: 2 });
    expect(filling).toBeInstanceOf(CacheWritingFeed);
    expect(drain(filling).rows).toEqual(original);
    expect(cacheFiles()).toEqual([path.slice(defaultCacheDir(cacheRoot).length + 1)]);
    expect(readCacheHeader(path, cacheFingerprint(request))?.rows).toBe(original.time!.length);
    const hit = openCatalogFeed(request, { cache: true });
    expect(hit).toBeInstanceOf(CacheFeed);
    expect(drain(hit).rows).toEqual(original);
  });

  it('is not used once an import has changed the data set', async () => {
    drain(openCatalogFeed(request, { cache: true }));
    const before = cacheFingerprint(request);
    // A new version of one row (a close moved up to the high), imported over the catalog's.
    const lines = readFileSync(ORCL, 'utf8').trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('2008-03-03,'));
    const f = lines[at]!.split(',');
    expect(Number(f[2])).toBeGreaterThan(Number(f[4]));
    f[4] = f[2]!;
    const edited = join(dir, 'ORCL-2008-edited.csv');
    writeFileSync(edited, [lines[0], ...lines.slice(at - 5, at), f.join(','), ...lines.slice(at + 1, at + 5)].join('\n') + '\n');
    await importFile(cacheRoot, edited, 'replace');
    expect(cacheFingerprint(request)).not.toBe(before);
    const fresh = openCatalogFeed(request, { cache: true });
    expect(fresh).not.toBeInstanceOf(CacheFeed);
    const rows = drain(fresh).rows;
    const i = rows.time!.indexOf(parseIsoTime('2008-03-03', 'end') as number);
    expect(rows.close![i]).toBe(Number(f[2]));
    expect(rows.close![i]).not.toBe(original.close![i]);
    expect(rows.time).toEqual(original.time);
    // The new cache holds the new rows, and replaced the stale one.
    const hit = openCatalogFeed(request, { cache: true });
    expect(hit).toBeInstanceOf(CacheFeed);
    expect(drain(hit).rows).toEqual(rows);
    expect(cacheFiles()).toEqual([cachePath(defaultCacheDir(cacheRoot), request).slice(defaultCacheDir(cacheRoot).length + 1)]);
  });

  it('leaves no file behind when the feed that writes it is closed before its end', () => {
    const other = join(dir, 'partial');
    const path = join(other, 'orcl.qfcols');
    const writer = new CacheWritingFeed(new CatalogFeed({ root: cacheRoot, key: ORCL_KEY }, { blockRows: 7, blocks: 2 }), path, 'x');
    expect(writer.next()?.length).toBe(7);
    writer.close();
    expect(readdirSync(other)).toEqual([]);
    expect(readCacheHeader(path)).toBeUndefined();
  });

  it('is written whole when two feeds of one request fill it at once and one stops early', () => {
    const other = join(dir, 'twins');
    const path = join(other, 'orcl.qfcols');
    // E.g. a bar feed and the reopened twin that reads closes before dividend ex-dates.
    const a = new CacheWritingFeed(new CatalogFeed({ root, key: ORCL_KEY }, { blockRows: 7, blocks: 2 }), path, 'fp');
    const b = new CacheWritingFeed(new CatalogFeed({ root, key: ORCL_KEY }, { blockRows: 7, blocks: 2 }), path, 'fp');
    b.next();
    b.close();
    const rows = drain(a).rows;
    expect(rows).toEqual(original);
    expect(readdirSync(other)).toEqual(['orcl.qfcols']);
    const header = readCacheHeader(path, 'fp');
    expect(header?.rows).toBe(original.time!.length);
    expect(drain(new CacheFeed(path, ORCL_KEY, header!)).rows).toEqual(original);
  });

  it('ignores a file that is not a complete cache', () => {
    const path = join(dir, 'junk.qfcols');
    copyFileSync(ORCL, path);
    expect(readCacheHeader(path)).toBeUndefined();
    expect(readCacheHeader(join(dir, 'missing.qfcols'))).toBeUndefined();
  });
});

describe('preloadDatasets', () => {
  it('reads small data sets whole, as the CSV feed does, and leaves the rest to be streamed', async () => {
    const window = { from: parseIsoTime('2003-02-10', 'start') as number, to: parseIsoTime('2003-02-20', 'end') as number };
    const requests = SETS.map(({ key }) => ({ root, key }));
    const all = await preloadDatasets([...requests, { root, key: ORCL_KEY, ...window }]);
    // Keyed by data set: the windowed ORCL request replaced the whole one.
    expect(all.size).toBe(SETS.length);
    for (const { key, open } of SETS.slice(1)) expect(rowsOf(all.get(datasetDir(key))!)).toEqual(rowsOf(collectColumns(open())));
    const windowed = rowsOf(collectColumns(openCsvFeed(ORCL, window)));
    expect(windowed.time!.length).toBe(8);
    expect(rowsOf(all.get(datasetDir(ORCL_KEY))!)).toEqual(windowed);
    // Over the per-set limit (ORCL has 5,036 rows), or over the total budget: not loaded.
    const limited = await preloadDatasets([{ root, key: ORCL_KEY }, { root, key: { kind: 'quote', symbol: 'USDJPY' } }], { maxRowsPerSet: 5_000 });
    expect([...limited.keys()]).toEqual([datasetDir({ kind: 'quote', symbol: 'USDJPY' })]);
    const budget = await preloadDatasets([{ root, key: { kind: 'quote', symbol: 'USDJPY' } }, { root, key: ORCL_KEY }], { maxRows: 5_100 });
    expect([...budget.keys()]).toEqual([datasetDir({ kind: 'quote', symbol: 'USDJPY' })]);
  });
});

describe('importing from the CSV worker', () => {
  it('finishes when the ring is full while the writer is busy (the worker waits for a free slot, it does not quietly exit)', async () => {
    // Two slots of 64 rows against 20 yearly partitions: the parser fills the
    // ring long before DuckDB has written a partition, and must then wait.
    const into = join(dir, 'worker-import');
    const report = await importFeed(into, new CsvWorkerFeed(ORCL, {}, { blocks: 2, blockRows: 64 }), { source: ORCL, sha256: sha256File(ORCL) });
    const csv = collectColumns(openCsvFeed(ORCL));
    expect(report.added).toBe(csv.length);
    expect(rowsOf(collectColumns(new CatalogFeed({ root: into, key: ORCL_KEY })))).toEqual(rowsOf(csv));
  }, 60_000);
});
