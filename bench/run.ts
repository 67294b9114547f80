/**
 * QuantFlow benchmarks: `npm run bench` (builds first).
 *
 * Measures the built package (../dist), i.e. what users run, on one core:
 * the process re-runs itself under `taskset -c N` where taskset exists, N
 * being the CPU that was idle the most just before (pass --no-pin to skip). Each measurement is warmed up, then repeated; the
 * reported value is the median of the repetitions (best and worst are shown
 * too). Prints a table and writes bench/results.json as
 * [{ "name", "value", "unit" }].
 *
 *   csv_ingest              MB/s (10^6 bytes/s) through openCsvFeed, generated 1M-bar CSV
 *   csv_ingest_orcl         MB/s on data/samples/ORCL-1995-2014.csv, opened and read many times
 *   engine_bars_per_sec     bars/s of examples/sma-cross.ts over 1M in-memory bars, engine.run() only
 *   engine_trades           closed round trips in that run (shows the strategy is trading)
 *   csv_writers             MB/s writing the six outputs of a 1M-bar run (writeRunOutputs)
 *   summary_metrics_ms      ms for summarize() of that run (every metric of summary.json)
 *   cli_end_to_end_seconds  wall time of `node bin/quantflow.js backtest ...` on the 1M-bar CSV
 *   cli_peak_rss_mb         peak resident memory of that CLI run
 *   l2_replay               deltas/s applied to an OrderBook from a generated 5M-delta L2 stream
 *
 * Then, unpinned, the catalog benchmarks of bench/catalog.ts (catalog_import,
 * catalog_read, cache, backtest_100m; see that file) and the optimizer's of
 * bench/optimize.ts (optimize_grid, optimize_random, optimize_scaling), and the live
 * feed's of bench/live-ring.ts (live_ring_events_per_sec, live_ring_p50_us, live_ring_p99_us) and
 * bench/live-exchange.ts (live_exchange_p50_us, live_exchange_p99_us: a paper run's receive -> onTrade latency).
 *
 * Options: --reps N (default 5), --only a,b (names or prefixes: csv, engine, writers, cli, l2, catalog, cache, backtest_100m, live_ring, live_exchange), --no-pin.
 * Generated inputs live in bench/out/ (gitignored) and are reused while their
 * generator settings and size still match.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BacktestEngine,
  ColumnsFeed,
  OrderBook,
  Strategy,
  Xoshiro128,
  generateBarColumns,
  instantiateStrategy,
  loadStrategyFile,
  openCsvFeed,
  summarize,
  writeGeneratedCsv,
  writeRunOutputs,
  type BarColumns,
  type StrategyClass,
} from '../dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out');
const RESULTS = join(ROOT, 'bench', 'results.json');

const BARS = 1_000_000;
const SEED = 20240611;
const GENERATED_CSV = join(OUT, `bars-${BARS}.csv`);
const ORCL_PATHS = [join(ROOT, 'data', 'samples', 'ORCL-1995-2014.csv'), join(ROOT, '..', 'shared', 'data', 'equities-daily', 'ORCL-1995-2014.csv')];
const STRATEGY_FILE = join(ROOT, 'examples', 'sma-cross.ts');
const STRATEGY_PARAMS = { fast: 10, slow: 30, size: 100 };
const CASH = 1e9;

/** Bounds a figure must keep: at least `min`, or at most `max`. */
const FLOORS: Record<string, { min?: number; max?: number; label: string }> = {
  csv_ingest: { min: 150, label: '>= 150' },
  engine_bars_per_sec: { min: 6_000_000, label: '>= 6,000,000' },
  csv_writers: { min: 200, label: '>= 200' },
  cli_end_to_end_seconds: { max: 1.2, label: '<= 1.2' },
  cli_peak_rss_mb: { max: 250, label: '<= 250' },
  l2_replay: { min: 5_000_000, label: '>= 5,000,000' },
};

// ---------------------------------------------------------------- arguments

interface Args {
  reps: number;
  only: string[] | null;
  pin: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { reps: 5, only: null, pin: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reps') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) fail('--reps needs a positive integer');
      args.reps = n;
    } else if (a === '--only') {
      const v = argv[++i];
      if (v === undefined || v === '') fail('--only needs a comma-separated list');
      args.only = v.split(',').map((s) => s.trim());
    } else if (a === '--no-pin') {
      args.pin = false;
    } else {
      fail(`unknown argument ${a}; known: --reps N, --only a,b, --no-pin`);
    }
  }
  return args;
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));

/** Idle jiffies per CPU from /proc/stat (idle + iowait), by CPU number. */
function idleTimes(): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const f = (m[2] as string).split(/\s+/).map(Number);
    out.set(Number(m[1]), (f[3] ?? 0) + (f[4] ?? 0));
  }
  return out;
}

/** The CPU that was idle the most over a short sample (another job on a fixed CPU would halve the figures). */
function quietestCpu(): number {
  try {
    const a = idleTimes();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    const b = idleTimes();
    let best = 0;
    let bestIdle = -1;
    for (const [cpu, idle] of b) {
      const d = idle - (a.get(cpu) ?? idle);
      if (d > bestIdle) {
        bestIdle = d;
        best = cpu;
      }
    }
    return best;
  } catch {
    return 0;
  }
}

/** Re-runs this process pinned to one CPU when taskset is available. */
function pinToOneCore(): void {
  if (!args.pin || process.env.QF_BENCH_CPU !== undefined || process.platform !== 'linux') return;
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    console.log('(taskset not available: running unpinned)');
    return;
  }
  const cpu = String(quietestCpu());
  const r = spawnSync('taskset', ['-c', cpu, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, QF_BENCH_CPU: cpu },
  });
  process.exit(r.status === 0 ? runUnpinnedBenches() : (r.status ?? 1));
}

/** The benchmarks that run unpinned, after the pinned part (by design on several threads): their worst exit status. */
function runUnpinnedBenches(): number {
  const catalog = runCatalogBench();
  return Math.max(catalog, runOptimizeBench(), runLiveRingBench(), runLiveExchangeBench());
}

/** The catalog benchmarks they select (names or prefixes), run unpinned as a child process: bench/catalog.ts. */
const CATALOG_BENCHES = ['catalog_import_rows_per_sec', 'catalog_read_rows_per_sec', 'cache_read_gb_per_sec', 'backtest_100m_peak_rss_mb'];
/** The optimizer's benchmarks (bench/optimize.ts), unpinned: sweeps run on worker threads. */
function runOptimizeBench(): number {
  const names = ['optimize_grid', 'optimize_random', 'optimize_scaling'];
  const wanted = args.only === null ? names : names.filter((b) => args.only?.some((o) => b.startsWith(o) || o.startsWith(b)));
  if (wanted.length === 0) return 0;
  const r = spawnSync(process.execPath, [...process.execArgv, join(ROOT, 'bench', 'optimize.ts'), '--reps', String(Math.min(args.reps, 3)), '--only', wanted.join(',')], { stdio: 'inherit' });
  return r.status ?? 1;
}

/** The live feed's I/O thread and ring (bench/live-ring.ts), unpinned: producer and consumer are two threads. */
function runLiveRingBench(): number {
  const names = ['live_ring_events_per_sec', 'live_ring_p50_us', 'live_ring_p99_us'];
  if (args.only !== null && !names.some((b) => args.only?.some((o) => b.startsWith(o) || o.startsWith(b)))) return 0;
  const r = spawnSync(process.execPath, [...process.execArgv, join(ROOT, 'bench', 'live-ring.ts'), '--reps', String(Math.min(args.reps, 3))], { stdio: 'inherit' });
  return r.status ?? 1;
}

/** The paper run's receive -> onTrade latency on the local exchange (bench/live-exchange.ts), unpinned: two processes, three threads. */
function runLiveExchangeBench(): number {
  const names = ['live_exchange_p50_us', 'live_exchange_p99_us'];
  if (args.only !== null && !names.some((b) => args.only?.some((o) => b.startsWith(o) || o.startsWith(b)))) return 0;
  const r = spawnSync(process.execPath, [...process.execArgv, join(ROOT, 'bench', 'live-exchange.ts')], { stdio: 'inherit' });
  return r.status ?? 1;
}

function runCatalogBench(): number {
  const wanted = args.only === null ? CATALOG_BENCHES : CATALOG_BENCHES.filter((b) => args.only?.some((o) => b.startsWith(o)));
  if (wanted.length === 0) return 0;
  const only = args.only === null ? [] : ['--only', wanted.map((b) => b.replace(/_(rows|gb|peak).*$/, '')).join(',')];
  const r = spawnSync(process.execPath, [...process.execArgv, join(ROOT, 'bench', 'catalog.ts'), '--reps', String(Math.min(args.reps, 3)), ...only], { stdio: 'inherit' });
  return r.status ?? 1;
}
pinToOneCore();

const selected = (name: string): boolean => args.only === null || args.only.some((o) => name === o || name.startsWith(o));

// ---------------------------------------------------------------- helpers

interface Row {
  name: string;
  value: number;
  unit: string;
  detail: string;
}
const rows: Row[] = [];

interface Stats {
  median: number;
  best: number;
  worst: number;
  samples: number[];
}

function stats(samples: number[], higherIsBetter: boolean): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  const lo = s[0] as number;
  const hi = s[s.length - 1] as number;
  return { median, best: higherIsBetter ? hi : lo, worst: higherIsBetter ? lo : hi, samples };
}

/** Runs `fn` `warmup` times untimed, then `reps` times timed; returns seconds per run. */
function timeRuns(warmup: number, reps: number, fn: () => void): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return out;
}

const fmt = (x: number, digits = 1): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rel = (p: string): string => relative(process.cwd(), p) || '.';

function section(title: string): void {
  console.log(`\n--- ${title}`);
}

/** The generated CSV, written once and reused while its settings and size match. */
function generatedCsv(): { path: string; bytes: number } {
  mkdirSync(OUT, { recursive: true });
  const metaPath = `${GENERATED_CSV}.meta.json`;
  const wanted = { bars: BARS, seed: SEED };
  if (existsSync(GENERATED_CSV) && existsSync(metaPath)) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { bars: number; seed: number; bytes: number };
      const size = statSync(GENERATED_CSV).size;
      if (meta.bars === wanted.bars && meta.seed === wanted.seed && meta.bytes === size) {
        console.log(`reusing ${rel(GENERATED_CSV)} (${fmt(size / 1e6)} MB)`);
        return { path: GENERATED_CSV, bytes: size };
      }
    } catch {
      // regenerate below
    }
  }
  const t0 = performance.now();
  const r = writeGeneratedCsv({ ...wanted, out: GENERATED_CSV });
  const bytes = statSync(GENERATED_CSV).size;
  writeFileSync(metaPath, `${JSON.stringify({ ...wanted, bytes })}\n`);
  console.log(`generated ${rel(GENERATED_CSV)}: ${r.bars} bars, ${fmt(bytes / 1e6)} MB in ${fmt((performance.now() - t0) / 1000, 2)} s`);
  return { path: GENERATED_CSV, bytes };
}

/** Reads every chunk of a CSV through openCsvFeed; returns rows and a checksum of the close column. */
function ingest(path: string): { rows: number; sum: number } {
  const feed = openCsvFeed(path);
  let n = 0;
  let sum = 0;
  try {
    for (let cols = feed.next(); cols !== null; cols = feed.next()) {
      if (cols.kind !== 'bar') throw new Error(`${path}: expected bars, got ${cols.kind}`);
      const close = cols.close;
      const len = cols.length;
      for (let i = 0; i < len; i++) sum += close[i] as number;
      n += len;
    }
  } finally {
    feed.close();
  }
  return { rows: n, sum };
}

/** Loads examples/sma-cross.ts the way the CLI does, and checks it got the built package's classes. */
async function loadExampleStrategy(): Promise<StrategyClass<object>> {
  const cls = await loadStrategyFile(STRATEGY_FILE);
  if (Object.getPrototypeOf(cls) !== Strategy) throw new Error(`${rel(STRATEGY_FILE)}: 'quantflow' did not resolve to the built package`);
  return cls;
}

// ---------------------------------------------------------------- benchmarks

function benchCsvGenerated(): void {
  section('csv_ingest: generated bars through openCsvFeed');
  const { path, bytes } = generatedCsv();
  let check = { rows: 0, sum: 0 };
  const secs = timeRuns(1, args.reps, () => {
    check = ingest(path);
  });
  if (check.rows !== BARS) throw new Error(`read ${check.rows} rows from ${path}, expected ${BARS}`);
  const s = stats(
    secs.map((t) => bytes / 1e6 / t),
    true,
  );
  rows.push({
    name: 'csv_ingest',
    value: round(s.median, 1),
    unit: 'MB/s',
    detail: `${fmt(bytes / 1e6)} MB, ${BARS.toLocaleString('en-US')} bars; ${fmt(BARS / 1e6 / stats(secs, false).median, 2)} M rows/s; best ${fmt(s.best)}, worst ${fmt(s.worst)} (${reps(args.reps)})`,
  });
  console.log(`checksum of close: ${check.sum.toFixed(2)}`);
}

function benchCsvOrcl(): void {
  section('csv_ingest_orcl: ORCL daily sample through openCsvFeed');
  const path = ORCL_PATHS.find((p) => existsSync(p));
  if (path === undefined) {
    console.log(`skipped: none of ${ORCL_PATHS.map(rel).join(', ')} exists`);
    return;
  }
  if (path !== ORCL_PATHS[0]) console.log(`note: ${rel(ORCL_PATHS[0] as string)} is missing; using ${rel(path)}`);
  const bytes = statSync(path).size;
  // Enough loops for about 70 MB per timed run; each loop opens the file anew (format detection included).
  const loops = Math.max(1, Math.ceil(70e6 / bytes));
  let rowsPerFile = 0;
  let sum = 0;
  const secs = timeRuns(1, args.reps, () => {
    sum = 0;
    for (let k = 0; k < loops; k++) {
      const r = ingest(path);
      rowsPerFile = r.rows;
      sum += r.sum;
    }
  });
  const s = stats(
    secs.map((t) => (bytes * loops) / 1e6 / t),
    true,
  );
  rows.push({
    name: 'csv_ingest_orcl',
    value: round(s.median, 1),
    unit: 'MB/s',
    detail: `${fmt(bytes / 1e3)} kB x ${loops} opens, ${rowsPerFile.toLocaleString('en-US')} rows each; best ${fmt(s.best)}, worst ${fmt(s.worst)} (${reps(args.reps)})`,
  });
  console.log(`checksum of close: ${sum.toFixed(2)}`);
}

async function benchEngine(): Promise<void> {
  section('engine_bars_per_sec: sma-cross over generated bars in memory');
  const t0 = performance.now();
  const cols: BarColumns = generateBarColumns({ bars: BARS, seed: SEED });
  console.log(`generated ${cols.length.toLocaleString('en-US')} bars in memory in ${fmt((performance.now() - t0) / 1000, 2)} s`);
  const cls = await loadExampleStrategy();
  let last: ReturnType<BacktestEngine['run']> | undefined;
  const secs: number[] = [];
  const warmup = 2;
  for (let i = 0; i < warmup + args.reps; i++) {
    const engine = new BacktestEngine({
      strategy: instantiateStrategy(cls, STRATEGY_PARAMS),
      feeds: [new ColumnsFeed('SYN', cols, 'generated')],
      cash: CASH,
    });
    const start = process.hrtime.bigint();
    const result = engine.run();
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    if (i >= warmup) secs.push(s);
    last = result;
  }
  if (last === undefined) return;
  if (last.bars !== BARS) throw new Error(`engine saw ${last.bars} bars, expected ${BARS}`);
  const rejected = last.orders.filter((o) => o.status === 'rejected').length;
  if (rejected > 0) throw new Error(`${rejected} orders were rejected; the benchmark expects none (cash ${CASH})`);
  const s = stats(
    secs.map((t) => BARS / t),
    true,
  );
  rows.push({
    name: 'engine_bars_per_sec',
    value: Math.round(s.median),
    unit: 'bars/s',
    detail: `${BARS.toLocaleString('en-US')} bars, params ${JSON.stringify(STRATEGY_PARAMS)}; best ${fmt(s.best, 0)}, worst ${fmt(s.worst, 0)} (${reps(args.reps)})`,
  });
  rows.push({
    name: 'engine_trades',
    value: last.closedTrades.length,
    unit: 'trades',
    detail: `closed round trips (+${last.openTrades} open), ${last.orders.length} orders, 0 rejected, final equity ${fmt(last.finalEquity, 2)}`,
  });
}

/** The outputs of one engine run over the generated bars in memory: summarize() and writeRunOutputs() timed. */
async function benchWriters(): Promise<void> {
  section('csv_writers, summary_metrics_ms: the outputs and metrics of a 1,000,000-bar run');
  const cols: BarColumns = generateBarColumns({ bars: BARS, seed: SEED });
  const cls = await loadExampleStrategy();
  const engine = new BacktestEngine({ strategy: instantiateStrategy(cls, STRATEGY_PARAMS), feeds: [new ColumnsFeed('SYN', cols, 'generated')], cash: CASH });
  const result = engine.run();
  const outDir = join(OUT, 'writers');
  let summary = summarize(result, 'SmaCross', STRATEGY_PARAMS);
  const metricSecs = timeRuns(1, args.reps, () => {
    summary = summarize(result, 'SmaCross', STRATEGY_PARAMS);
  });
  let bytes = 0;
  const writeSecs = timeRuns(1, args.reps, () => {
    rmSync(outDir, { recursive: true, force: true });
    writeRunOutputs(outDir, result, summary);
  });
  for (const f of ['trades.csv', 'orders.csv', 'equity.csv', 'fills.csv', 'positions.csv']) bytes += statSync(join(outDir, f)).size;
  const w = stats(
    writeSecs.map((t) => bytes / 1e6 / t),
    true,
  );
  rows.push({
    name: 'csv_writers',
    value: round(w.median, 1),
    unit: 'MB/s',
    detail: `${fmt(bytes / 1e6)} MB of CSV (equity ${fmt(statSync(join(outDir, 'equity.csv')).size / 1e6)} MB, ${result.equity.time.length.toLocaleString('en-US')} rows) and summary.json in ${fmt(stats(writeSecs, false).median * 1000, 0)} ms; best ${fmt(w.best)}, worst ${fmt(w.worst)} (${reps(args.reps)})`,
  });
  const m = stats(
    metricSecs.map((t) => t * 1000),
    false,
  );
  rows.push({
    name: 'summary_metrics_ms',
    value: round(m.median, 1),
    unit: 'ms',
    detail: `summarize() of that run: every metric of summary.json over ${result.equity.time.length.toLocaleString('en-US')} steps and ${result.closedTrades.length.toLocaleString('en-US')} trades; best ${fmt(m.best)}, worst ${fmt(m.worst)} (${reps(args.reps)})`,
  });
}

function benchCli(): void {
  section('cli_end_to_end_seconds: quantflow backtest on the generated CSV');
  const { path } = generatedCsv();
  const outDir = join(OUT, 'run');
  const rssFile = join(OUT, 'rss-cli.json');
  const argv = [
    '--import',
    join(ROOT, 'bench', 'rss-probe.mjs'),
    join(ROOT, 'bin', 'quantflow.js'),
    'backtest',
    '--strategy',
    relative(ROOT, STRATEGY_FILE),
    '--data',
    relative(ROOT, path),
    '--cash',
    String(CASH),
    '--out',
    relative(ROOT, outDir),
  ];
  console.log(`$ node ${argv.map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : a)).join(' ')}`);
  let lastOut = '';
  const rss: number[] = [];
  const secs = timeRuns(1, Math.min(args.reps, 3), () => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(rssFile, { force: true });
    const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, QF_RSS_OUT: rssFile } });
    if (r.error !== undefined) throw r.error;
    if (r.status !== 0) throw new Error(`quantflow exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
    lastOut = r.stdout;
    rss.push((JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number }).maxRssKiB / 1024);
  });
  const s = stats(secs, false);
  const trades = /closed trades\s*\|?\s*(\d+)/.exec(lastOut)?.[1];
  rows.push({
    name: 'cli_end_to_end_seconds',
    value: round(s.median, 3),
    unit: 's',
    detail: `${BARS.toLocaleString('en-US')} bars${trades !== undefined ? `, ${trades} closed trades` : ''}; best ${fmt(s.best, 3)}, worst ${fmt(s.worst, 3)} (${secs.length} run${secs.length === 1 ? '' : 's'}); ${fmt(BARS / s.median, 0)} bars/s overall`,
  });
  // The warm-up run is measured too: memory does not depend on warm caches.
  const m = stats(rss, false);
  rows.push({
    name: 'cli_peak_rss_mb',
    value: Math.round(m.median),
    unit: 'MiB',
    detail: `peak resident memory of that command (process.resourceUsage().maxRSS at exit); best ${fmt(m.best, 0)}, worst ${fmt(m.worst, 0)} (${rss.length} runs)`,
  });
}

const L2_DELTAS = 5_000_000;
const L2_LEVELS = 1000;

interface DeltaStream {
  side: Int8Array;
  price: Float64Array;
  size: Float64Array;
  /** Levels per side at the end, and how each kind of delta was used. */
  bids: number;
  asks: number;
  kinds: { add: number; change: number; remove: number };
}

/**
 * A seeded L2 delta stream shaped like an exchange feed: it starts with
 * L2_LEVELS levels a side (tick 0.01), then each delta picks a side and a
 * depth from the best (exponential, mean 4 levels: most updates are at or
 * near the top), and changes the level there, adds one where there was
 * none, removes one (about a fifth of the deltas, the best level included,
 * which moves the market), or improves the best price inside the spread.
 * It never crosses: the generator keeps its own book per tick.
 */
function generateDeltas(n: number, seed: number): DeltaStream {
  const rng = new Xoshiro128(seed);
  const TICKS = 400_000;
  const bid = new Float64Array(TICKS);
  const ask = new Float64Array(TICKS);
  const out: DeltaStream = {
    side: new Int8Array(n),
    price: new Float64Array(n),
    size: new Float64Array(n),
    bids: 0,
    asks: 0,
    kinds: { add: 0, change: 0, remove: 0 },
  };
  let k = 0;
  const emit = (side: number, tick: number, size: number): void => {
    out.side[k] = side;
    out.price[k] = tick / 100; // the double nearest to the 2-decimal price
    out.size[k] = size;
    k++;
  };
  const randomSize = (): number => (1 + Math.floor(rng.nextFloat() * 20_000)) / 1000;
  const mid = TICKS / 2;
  let bestBid = mid - 1;
  let bestAsk = mid;
  for (let i = 0; i < L2_LEVELS && k < n; i++) {
    const b = randomSize();
    bid[mid - 1 - i] = b;
    emit(1, mid - 1 - i, b);
    if (k === n) break;
    const a = randomSize();
    ask[mid + i] = a;
    emit(-1, mid + i, a);
  }
  while (k < n) {
    const isBid = rng.nextFloat() < 0.5;
    const book = isBid ? bid : ask;
    const dir = isBid ? -1 : 1; // away from the top
    const depth = Math.min(Math.floor(-Math.log(1 - rng.nextFloat()) * 4), 2 * L2_LEVELS);
    const u = rng.nextFloat();
    if (u < 0.06 && bestAsk - bestBid > 1) {
      // A new best price inside the spread.
      const tick = isBid ? bestBid + 1 : bestAsk - 1;
      const size = randomSize();
      book[tick] = size;
      if (isBid) bestBid = tick;
      else bestAsk = tick;
      emit(isBid ? 1 : -1, tick, size);
      out.kinds.add++;
      continue;
    }
    const tick = (isBid ? bestBid : bestAsk) + dir * depth;
    if (tick <= 0 || tick >= TICKS - 1) continue;
    if (u < 0.26 && book[tick]! > 0) {
      book[tick] = 0;
      emit(isBid ? 1 : -1, tick, 0);
      out.kinds.remove++;
      // The best level went: the next one below (above) is the best, unless the side is thin.
      if (isBid && tick === bestBid) {
        let t = tick - 1;
        while (t > 0 && bid[t] === 0) t--;
        bestBid = t;
      } else if (!isBid && tick === bestAsk) {
        let t = tick + 1;
        while (t < TICKS - 1 && ask[t] === 0) t++;
        bestAsk = t;
      }
      continue;
    }
    const size = randomSize();
    if (book[tick]! > 0) out.kinds.change++;
    else out.kinds.add++;
    book[tick] = size;
    emit(isBid ? 1 : -1, tick, size);
  }
  for (let t = 0; t < TICKS; t++) {
    if (bid[t]! > 0) out.bids++;
    if (ask[t]! > 0) out.asks++;
  }
  return out;
}

function replayDeltas(d: DeltaStream): OrderBook {
  const book = new OrderBook('L2');
  const side = d.side;
  const price = d.price;
  const size = d.size;
  const n = side.length;
  for (let i = 0; i < n; i++) book.update(side[i] as number, price[i] as number, size[i] as number);
  return book;
}

function benchL2(): void {
  section('l2_replay: generated L2 deltas applied to an OrderBook');
  const t0 = performance.now();
  const deltas = generateDeltas(L2_DELTAS, SEED);
  const { add, change, remove } = deltas.kinds;
  console.log(
    `generated ${L2_DELTAS.toLocaleString('en-US')} deltas in ${fmt((performance.now() - t0) / 1000, 2)} s: ` +
      `${L2_LEVELS * 2} initial levels, then ${change.toLocaleString('en-US')} changes, ${add.toLocaleString('en-US')} adds, ${remove.toLocaleString('en-US')} removals; ` +
      `${deltas.bids} bid and ${deltas.asks} ask levels at the end`,
  );
  let book: OrderBook | undefined;
  const secs = timeRuns(2, args.reps, () => {
    book = replayDeltas(deltas);
  });
  if (book === undefined) return;
  if (book.bids.count !== deltas.bids || book.asks.count !== deltas.asks) {
    throw new Error(`the book holds ${book.bids.count}/${book.asks.count} levels, the generator ${deltas.bids}/${deltas.asks}`);
  }
  if (book.isCrossed()) throw new Error('the replayed book is crossed');
  const s = stats(
    secs.map((t) => L2_DELTAS / t),
    true,
  );
  rows.push({
    name: 'l2_replay',
    value: Math.round(s.median),
    unit: 'deltas/s',
    detail: `${L2_DELTAS.toLocaleString('en-US')} deltas, ${book.bids.count} + ${book.asks.count} levels at the end, best ${book.bestBid} / ${book.bestAsk}; best ${fmt(s.best, 0)}, worst ${fmt(s.worst, 0)} (${reps(args.reps)})`,
  });
}

const reps = (n: number): string => `${n} rep${n === 1 ? '' : 's'}`;

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ---------------------------------------------------------------- main

function printTable(): number {
  const header = ['benchmark', 'value', 'unit', 'floor', 'status', 'detail'];
  let failures = 0;
  const body = rows.map((r) => {
    const floor = FLOORS[r.name];
    let status = '';
    if (floor !== undefined) {
      const ok = (floor.min === undefined || r.value >= floor.min) && (floor.max === undefined || r.value <= floor.max);
      if (!ok) failures++;
      status = ok ? 'PASS' : 'FAIL';
    }
    const value = r.unit === 'bars/s' || r.unit === 'trades' || r.unit === 'deltas/s' || r.unit === 'MiB' ? fmt(r.value, 0) : r.unit === 's' ? fmt(r.value, 3) : fmt(r.value, 1);
    return [r.name, value, r.unit, floor?.label ?? '', status, r.detail];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  console.log(`\n${line(header)}`);
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  return failures;
}

console.log(`QuantFlow benchmarks: node ${process.version}, ${process.platform}/${process.arch}, ${process.env.QF_BENCH_CPU !== undefined ? `pinned to CPU ${process.env.QF_BENCH_CPU}` : 'not pinned'}, ${reps(args.reps)}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${cpus().length} CPUs`);
if (selected('csv_ingest')) benchCsvGenerated();
if (selected('csv_ingest_orcl')) benchCsvOrcl();
if (selected('engine_bars_per_sec')) await benchEngine();
if (selected('csv_writers') || selected('summary_metrics_ms') || selected('writers')) await benchWriters();
if (selected('cli_end_to_end_seconds') || selected('cli_peak_rss_mb')) benchCli();
if (selected('l2_replay')) benchL2();

const failures = printTable();
writeFileSync(RESULTS, `${JSON.stringify(rows.map(({ name, value, unit }) => ({ name, value, unit })), null, 2)}\n`);
console.log(`\nwrote ${rel(RESULTS)}`);
if (failures > 0) console.log(`${failures} floor(s) not met`);
// Pinned, the parent process runs the unpinned benchmarks once this child is done.
if (process.env.QF_BENCH_CPU === undefined) process.exitCode = runUnpinnedBenches();
