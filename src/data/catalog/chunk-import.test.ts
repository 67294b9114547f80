/**
 * Chunk imports (a recording's flushes): a data set imported in chunks reads
 * back exactly as the source, ranks n go on across chunks that split rows
 * sharing a time, each chunk adds one file per partition instead of
 * rewriting it, one manifest record per session adds the chunks up, a
 * second session over the same rows adds none, and a partition with enough
 * files is compacted.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BarColumns, TradeColumns, type Columns } from '../../model/market.js';
import { collectColumns } from '../collect.js';
import { openCsvFeed } from '../csv/index.js';
import { ColumnsFeed } from '../memory-feed.js';
import { parquetFilesUnder as parquetFilesUnderForTest } from './import.js';
import { datasetDir, importFeed, openCatalogFeed, queryCatalog, readManifest, type DatasetKey, type ImportReport, type RowBefore } from './index.js';

const SAMPLES = join(import.meta.dirname, '../../../data/samples');
const dir = mkdtempSync(join(tmpdir(), 'quantflow-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows [from, to) of bar columns as new columns. */
function barSlice(c: BarColumns, from: number, to: number): BarColumns {
  const out = new BarColumns(Math.max(1, to - from));
  for (const k of ['time', 'open', 'high', 'low', 'close', 'volume', 'adjClose'] as const) out[k].set(c[k].subarray(from, to));
  out.length = to - from;
  return out;
}

function barRows(c: Columns): number[][] {
  if (c.kind !== 'bar') throw new Error('bars expected');
  return Array.from({ length: c.length }, (_, i) => [c.time[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]] as number[]);
}

async function importChunks(root: string, all: BarColumns, cuts: readonly number[], session: string, maxFiles?: number): Promise<ImportReport[]> {
  const reports: ImportReport[] = [];
  let before: RowBefore | undefined;
  const bounds = [0, ...cuts, all.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const feed = new ColumnsFeed('FUT', barSlice(all, bounds[k] as number, bounds[k + 1] as number), 'recording');
    const report = await importFeed(root, feed, {
      source: 'record:test:FUT:bars',
      sha256: '',
      chunk: { session, ...(before !== undefined ? { before } : {}), ...(maxFiles !== undefined ? { maxFiles } : {}) },
    });
    before = report.lastRow ?? before;
    reports.push(report);
  }
  return reports;
}

const KEY: DatasetKey = { kind: 'bar', symbol: 'FUT', side: 'trade' };

describe('chunk imports', () => {
  // 135 tick bars, many sharing a timestamp: cuts inside such runs test the ranks.
  const all = collectColumns(openCsvFeed(join(SAMPLES, 'FUT-2015-ticks.csv'), { symbol: 'FUT' })) as BarColumns;
  const sameTimeCut = (() => {
    for (let i = 1; i < all.length; i++) if (all.time[i] === all.time[i - 1]) return i;
    throw new Error('the sample has no rows sharing a time');
  })();
  const cuts = [20, sameTimeCut, sameTimeCut + 1, 100];

  it('reads back as the source, one file per chunk, one record per session', async () => {
    const root = join(dir, 'a');
    const reports = await importChunks(root, all, cuts, 's1');
    expect(reports.map((r) => r.added)).toEqual([20, sameTimeCut - 20, 1, 100 - sameTimeCut - 1, all.length - 100]);
    const back = collectColumns(openCatalogFeed({ root, key: KEY }));
    expect(barRows(back)).toEqual(barRows(all));
    // The first chunk creates the partition, every later one adds a file to it.
    expect(parquetFilesUnderForTest(join(root, datasetDir(KEY))).length).toBe(cuts.length + 1);
    const records = readManifest(root).imports;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ source: 'record:test:FUT:bars', session: 's1', chunks: cuts.length + 1, rows: all.length, added: all.length, duplicates: 0, conflicts: 0 });
    // Keys are unique and ranks are those of a one-piece import.
    const keys = await queryCatalog(root, 'SELECT count(*) AS rows, count(DISTINCT (time, n)) AS keys FROM bars');
    expect(keys.rows[0]).toEqual([String(all.length), String(all.length)]);
    const whole = join(dir, 'whole');
    await importFeed(whole, new ColumnsFeed('FUT', barSlice(all, 0, all.length)), { source: 'whole', sha256: 'x' });
    const rank = 'SELECT n FROM bars ORDER BY time, n';
    expect((await queryCatalog(root, rank)).rows).toEqual((await queryCatalog(whole, rank)).rows);
  });

  it('a second session over the same rows (a restarted recorder) adds nothing', async () => {
    const root = join(dir, 'b');
    await importChunks(root, all, cuts, 's1');
    const again = await importChunks(root, all, [sameTimeCut, 50].sort((a, b) => a - b), 's2');
    expect(again.map((r) => r.added)).toEqual([0, 0, 0]);
    expect(again.reduce((a, r) => a + r.duplicates, 0)).toBe(all.length);
    expect(barRows(collectColumns(openCatalogFeed({ root, key: KEY })))).toEqual(barRows(all));
    expect(readManifest(root).imports.map((r) => [r.session, r.added, r.duplicates])).toEqual([
      ['s1', all.length, 0],
      ['s2', 0, all.length],
    ]);
  });

  it('a restarted session whose first rows share the last stored time continues their ranks', async () => {
    const root = join(dir, 'c');
    await importChunks(root, all, [], 's1', undefined);
    // New rows stamped like the last stored one: they come after it, not over it.
    const last = all.time[all.length - 1] as number;
    const more = barSlice(all, all.length - 2, all.length);
    more.time.fill(last);
    const report = await importFeed(root, new ColumnsFeed('FUT', more), { source: 'record:test:FUT:bars', sha256: '', chunk: { session: 's2' } });
    expect(report.added).toBe(2);
    expect(report.conflicts).toBe(0);
    const tail = await queryCatalog(root, `SELECT count(*) FROM bars WHERE epoch_us(time) = ${last}`);
    const stored = Array.from(all.time.subarray(0, all.length)).filter((t) => t === last).length;
    expect(tail.rows[0]).toEqual([String(stored + 2)]);
  });

  it('compacts a partition that holds maxFiles files', async () => {
    const root = join(dir, 'd');
    await importChunks(root, all, [10, 20, 30, 40, 50], 's1', 3);
    // Chunks 2 and 3 add files (3 in all); chunk 4 finds 3 and rewrites the partition as one file; 5 and 6 add files again.
    expect(parquetFilesUnderForTest(join(root, datasetDir(KEY))).length).toBe(3);
    expect(barRows(collectColumns(openCatalogFeed({ root, key: KEY })))).toEqual(barRows(all));
  });

  it('trades in chunks across a month boundary land in both partitions', async () => {
    const root = join(dir, 'e');
    const t0 = Date.UTC(2024, 0, 31, 23, 59, 59) * 1000;
    const trades = new TradeColumns(6);
    for (let i = 0; i < 6; i++) {
      trades.time[i] = t0 + i * 400_000;
      trades.price[i] = 100 + i;
      trades.size[i] = 1;
      trades.side[i] = i % 2 === 0 ? 1 : -1;
    }
    trades.length = 6;
    const half = (from: number, to: number): TradeColumns => {
      const c = new TradeColumns(to - from);
      c.time.set(trades.time.subarray(from, to));
      c.price.set(trades.price.subarray(from, to));
      c.size.set(trades.size.subarray(from, to));
      c.side.set(trades.side.subarray(from, to));
      c.length = to - from;
      return c;
    };
    await importFeed(root, new ColumnsFeed('X', half(0, 2)), { source: 'r', sha256: '', chunk: { session: 's' } });
    await importFeed(root, new ColumnsFeed('X', half(2, 6)), { source: 'r', sha256: '', chunk: { session: 's' } });
    const files = parquetFilesUnderForTest(join(root, 'trades')).map((f) => f.slice(root.length + 1));
    expect(files.some((f) => f.includes('month=1/') && f.includes('chunk-'))).toBe(true);
    expect(files.some((f) => f.includes('month=2/'))).toBe(true);
    const back = collectColumns(openCatalogFeed({ root, key: { kind: 'trade', symbol: 'X' } })) as TradeColumns;
    expect(Array.from(back.price.subarray(0, back.length))).toEqual([100, 101, 102, 103, 104, 105]);
    expect(readdirSync(root).filter((n) => n.startsWith('.staging'))).toEqual([]);
  });
});
