/**
 * Catalog benchmarks (part of `npm run bench`; alone: `npx tsx bench/catalog.ts`).
 * Not pinned to one core: DuckDB writes and decodes Parquet on its own
 * threads, and the CSV parser (import) and the Parquet reader (backtests)
 * run on worker threads, by design.
 *
 *   catalog_import_rows_per_sec  rows/s of `importFeed` (hash, parse on a worker, validate, write Parquet) of the
 *                                generated 1M-bar CSV into an empty catalog (floor 2,000,000)
 *   catalog_read_rows_per_sec    rows/s streamed from Parquet through CatalogFeed (worker + shared ring), 10M bars
 *   cache_read_gb_per_sec        GB/s (10^9 bytes/s) replaying the binary column cache of those 10M bars (floor 1)
 *   backtest_100m_peak_rss_mb    peak resident memory (MiB) of `quantflow backtest --catalog` over 100M bars
 *                                of sma-cross with --equity-sampling day (ceiling 1,536 MiB = 1.5 GiB)
 *   backtest_100m_bars_per_sec   bars/s of that run, end to end
 *
 * Options: --reps N (default 3), --only a,b (prefixes: catalog_import, catalog_read, cache, backtest_100m),
 * --big N (bars of the memory run, default 100,000,000). Generated catalogs live in bench/out/
 * and are reused while their settings match. Writes bench/catalog-results.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CsvWorkerFeed, GeneratedBarFeed, importFeed, openCatalogFeed, sha256File, writeGeneratedCsv } from '../dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out');
const RESULTS = join(ROOT, 'bench', 'catalog-results.json');
const SEED = 20240611;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const REPS = Number(arg('--reps') ?? 3);
const BIG = Number(arg('--big') ?? 100_000_000);
const ONLY = arg('--only')?.split(',') ?? null;
const selected = (name: string): boolean => ONLY === null || ONLY.some((o) => name.startsWith(o) || o.startsWith(name));

interface Row {
  name: string;
  value: number;
  unit: string;
  bound?: { kind: 'min' | 'max'; value: number; label: string };
  detail: string;
}
const rows: Row[] = [];
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (x: number, d = 1): string => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** A catalog of `bars` generated bars of symbol GEN under bench/out, built once and reused. */
async function generatedCatalog(bars: number): Promise<string> {
  const dir = join(OUT, `catalog-${bars}`);
  const meta = join(dir, 'bench-meta.json');
  const wanted = JSON.stringify({ bars, seed: SEED, format: 2 });
  if (existsSync(meta) && readFileSync(meta, 'utf8') === wanted) return dir;
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  await importFeed(dir, new GeneratedBarFeed('GEN', { bars, seed: SEED }), { source: `generated ${bars}`, sha256: `generated-${bars}-${SEED}` });
  writeFileSync(meta, wanted);
  console.log(`built ${dir}: ${fmt(bars, 0)} bars in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  return dir;
}

async function benchImport(): Promise<void> {
  console.log('\n--- catalog_import: the generated 1M-bar CSV into an empty catalog');
  mkdirSync(OUT, { recursive: true });
  const csv = join(OUT, 'bars-1000000.csv');
  if (!existsSync(csv)) writeGeneratedCsv({ bars: 1_000_000, seed: SEED, out: csv });
  const target = join(OUT, 'catalog-import');
  const rates: number[] = [];
  for (let r = 0; r <= REPS; r++) {
    rmSync(target, { recursive: true, force: true });
    const t0 = performance.now();
    // As `quantflow data import` does it: the parse starts on its worker, then the file is hashed.
    const feed = new CsvWorkerFeed(csv, { symbol: 'GEN' }, { blocks: 16 });
    const report = await importFeed(target, feed, { source: 'bars-1000000.csv', sha256: sha256File(csv) });
    const secs = (performance.now() - t0) / 1000;
    if (report.added !== 1_000_000) throw new Error(`imported ${report.added} rows`);
    if (r > 0) rates.push(report.added / secs); // the first is a warm-up
  }
  rows.push({
    name: 'catalog_import_rows_per_sec',
    value: Math.round(median(rates)),
    unit: 'rows/s',
    bound: { kind: 'min', value: 2_000_000, label: '>= 2,000,000' },
    detail: `median of ${rates.length}; ${fmt(statSync(csv).size / 1e6)} MB CSV, sha256 + parse + validate + Parquet (zstd)`,
  });
}

function drain(feed: { next(): { length: number; time: Float64Array } | null; close(): void }): { rows: number; check: number } {
  let n = 0;
  let check = 0;
  for (let c = feed.next(); c !== null; c = feed.next()) {
    n += c.length;
    if (c.length > 0) check += c.time[c.length - 1] as number;
  }
  feed.close();
  return { rows: n, check };
}

async function benchRead(): Promise<void> {
  const bars = 10_000_000;
  const root = await generatedCatalog(bars);
  const request = { root, key: { kind: 'bar' as const, symbol: 'GEN', side: 'trade' as const } };
  if (selected('catalog_read')) {
    console.log('\n--- catalog_read: 10M bars from Parquet through the worker ring');
    const rates: number[] = [];
    for (let r = 0; r <= REPS; r++) {
      const t0 = performance.now();
      const { rows: n } = drain(openCatalogFeed(request));
      if (n !== bars) throw new Error(`read ${n} rows`);
      if (r > 0) rates.push(n / ((performance.now() - t0) / 1000));
    }
    rows.push({ name: 'catalog_read_rows_per_sec', value: Math.round(median(rates)), unit: 'rows/s', detail: `median of ${rates.length}; DuckDB decode on a worker thread` });
  }
  if (selected('cache')) {
    console.log('\n--- cache_read: the same 10M bars from the binary column cache');
    const cacheDir = join(OUT, 'cache-10m');
    rmSync(cacheDir, { recursive: true, force: true });
    drain(openCatalogFeed(request, { cache: true, cacheDir })); // fills it
    const rates: number[] = [];
    let bytes = 0;
    for (let r = 0; r <= REPS; r++) {
      const feed = openCatalogFeed(request, { cache: true, cacheDir });
      if (!feed.source.includes('cached')) throw new Error('expected a cache hit');
      bytes = statSync((feed as unknown as { path: string }).path).size;
      const t0 = performance.now();
      const { rows: n } = drain(feed);
      if (n !== bars) throw new Error(`read ${n} rows from the cache`);
      if (r > 0) rates.push(bytes / 1e9 / ((performance.now() - t0) / 1000));
    }
    rows.push({
      name: 'cache_read_gb_per_sec',
      value: Math.round(median(rates) * 100) / 100,
      unit: 'GB/s',
      bound: { kind: 'min', value: 1, label: '>= 1' },
      detail: `median of ${rates.length}; ${fmt(bytes / 1e9, 2)} GB file (7 Float64 columns), page cache warm`,
    });
  }
}

async function benchBig(): Promise<void> {
  console.log(`\n--- backtest_100m: sma-cross over ${fmt(BIG, 0)} bars from a catalog`);
  const root = await generatedCatalog(BIG);
  const rssFile = join(OUT, 'rss-100m.json');
  rmSync(rssFile, { force: true });
  const out = join(OUT, 'run-100m');
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      join(ROOT, 'bench', 'rss-probe.mjs'),
      join(ROOT, 'bin', 'quantflow.js'),
      'backtest',
      '--strategy', join(ROOT, 'examples', 'sma-cross.ts'),
      '--catalog', root,
      '--symbol', 'GEN',
      '--equity-sampling', 'day',
      '--param', 'fast=50', '--param', 'slow=200', '--param', 'size=100',
      '--cash', '1000000000',
      '--no-progress',
      '--out', out,
    ],
    { env: { ...process.env, QF_RSS_OUT: rssFile }, encoding: 'utf8' },
  );
  const secs = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`backtest failed (${r.status}): ${r.stderr}`);
  const rss = (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number }).maxRssKiB / 1024;
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { bars: number; closed_trades?: number; trades?: number };
  if (summary.bars !== BIG) throw new Error(`the run saw ${summary.bars} bars, expected ${BIG}`);
  rows.push({
    name: 'backtest_100m_peak_rss_mb',
    value: Math.round(rss),
    unit: 'MiB',
    bound: { kind: 'max', value: 1536, label: '<= 1,536' },
    detail: `${fmt(BIG, 0)} bars, ${JSON.stringify(summary.closed_trades ?? summary.trades)} closed trades, whole process incl. DuckDB worker`,
  });
  rows.push({ name: 'backtest_100m_bars_per_sec', value: Math.round(BIG / secs), unit: 'bars/s', detail: `${fmt(secs, 1)} s end to end (process start to exit)` });
}

console.log(`QuantFlow catalog benchmarks: node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (selected('catalog_import')) await benchImport();
if (selected('catalog_read') || selected('cache')) await benchRead();
if (selected('backtest_100m')) await benchBig();

let failures = 0;
console.log('');
const table = rows.map((r) => {
  let status = '';
  if (r.bound !== undefined) {
    const ok = r.bound.kind === 'min' ? r.value >= r.bound.value : r.value <= r.bound.value;
    if (!ok) failures++;
    status = ok ? 'PASS' : 'FAIL';
  }
  return [r.name, fmt(r.value, r.unit === 'GB/s' ? 2 : 0), r.unit, r.bound?.label ?? '', status, r.detail];
});
const head = ['benchmark', 'value', 'unit', 'bound', 'status', 'detail'];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] as string).length)));
const line = (c: string[]): string => c.map((x, i) => (i === 1 ? x.padStart(widths[i] as number) : x.padEnd(widths[i] as number))).join('  ').trimEnd();
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const t of table) console.log(line(t));
writeFileSync(RESULTS, `${JSON.stringify(rows.map(({ name, value, unit }) => ({ name, value, unit })), null, 2)}\n`);
console.log(`\nwrote bench/catalog-results.json`);
if (failures > 0) console.log(`${failures} bound(s) not met`);
