/**
 * The catalog's acceptance check: every example that runs on the sample
 * files, run from the CSV files and from a catalog made of the same files
 * (`--catalog DIR --symbol ...`, every other flag the same), writes
 * byte-identical results; so do two more runs from the catalog with
 * `--cache` (the first fills the column cache, the second replays it).
 * run.json differs by design (it records the data source) and is not compared.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, cli, tempDir, type CliRun } from '../helpers/cli.js';

const OUTPUTS = ['summary.json', 'trades.csv', 'orders.csv', 'equity.csv', 'fills.csv', 'positions.csv'];
const SMA = ['--param', 'fast=10', '--param', 'slow=30'];

interface ExampleRun {
  readonly name: string;
  readonly strategy: string;
  readonly files: readonly string[];
  readonly symbols: readonly string[];
  readonly flags: readonly string[];
}

/** The command lines of the examples' tests and golden outputs (test/e2e/*.test.ts, test/golden). */
const RUNS: readonly ExampleRun[] = [
  { name: 'sma-cross ORCL', strategy: 'sma-cross', files: ['ORCL-1995-2014.csv'], symbols: ['ORCL'], flags: ['--cash', '100000', '--fee-rate', '0.001', ...SMA, '--param', 'size=100'] },
  { name: 'sma-reversal NVDA', strategy: 'sma-reversal', files: ['NVDA-1999-2014.csv'], symbols: ['NVDA'], flags: ['--cash', '100000', '--fee-rate', '0.001', ...SMA, '--param', 'size=100'] },
  {
    name: 'sma-reversal FUT futures',
    strategy: 'sma-reversal',
    files: ['FUT-2006-min.csv'],
    symbols: ['FUT'],
    flags: ['--cash', '100000', '--multiplier', '10', '--margin', '2000', '--fee-per-unit', '2', ...SMA, '--param', 'size=1'],
  },
  { name: 'sma-reversal GBPUSD bid and ask bars', strategy: 'sma-reversal', files: ['GBPUSD-2012-m1-bid.csv', 'GBPUSD-2012-m1-ask.csv'], symbols: ['GBPUSD'], flags: ['--param', 'size=10000', '--cash', '100000'] },
  { name: 'rsi-bracket YHOO', strategy: 'rsi-bracket', files: ['YHOO-1996-2014.csv'], symbols: ['YHOO'], flags: ['--cash', '100000', '--fee-rate', '0.001'] },
  { name: 'limit-entry ORCL 2003-2005', strategy: 'limit-entry', files: ['ORCL-1995-2014.csv'], symbols: ['ORCL'], flags: ['--from', '2003-01-01', '--to', '2005-12-31', '--cash', '100000', '--fee-rate', '0.001'] },
  { name: 'breakout NVDA', strategy: 'breakout', files: ['NVDA-1999-2014.csv'], symbols: ['NVDA'], flags: ['--param', 'lookback=30'] },
  { name: 'quote-reversion EURUSD quotes', strategy: 'quote-reversion', files: ['EURUSD-2020-01-ticks-histdata.csv'], symbols: ['EURUSD'], flags: [] },
  { name: 'mtf-trend FUT minute bars', strategy: 'mtf-trend', files: ['FUT-2006-min.csv'], symbols: ['FUT'], flags: ['--cash', '100000'] },
  {
    name: 'equal-weight ORCL NVDA YHOO',
    strategy: 'equal-weight',
    files: ['ORCL-1995-2014.csv', 'NVDA-1999-2014.csv', 'YHOO-1996-2014.csv'],
    symbols: ['ORCL', 'NVDA', 'YHOO'],
    flags: ['--cash', '100000', '--fee-rate', '0.001'],
  },
  {
    name: 'hedged-core ORCL',
    strategy: 'hedged-core',
    files: ['ORCL-1995-2014.csv'],
    symbols: ['ORCL'],
    flags: ['--position-mode', 'hedging', '--lot-size', '1', '--leverage', '2', '--borrow-rate', '0.03', '--fee-rate', '0.001'],
  },
  { name: 'book-maker Tardis L2 book', strategy: 'book-maker', files: ['tardis-binance-futures-book-snapshot-25.csv'], symbols: ['BTCUSDT'], flags: [] },
];

/** The built command line, started without waiting, so that runs can share the machine's cores. */
function cliAsync(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** Runs jobs with at most `limit` at a time. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

const dir = tempDir('qf-catalog-diff-');
const catalog = join(dir, 'catalog');
const cacheDir = join(catalog, '_cache');
const MODES = ['csv', 'catalog', 'cache-fill', 'cache-hit'] as const;
type Mode = (typeof MODES)[number];
const outOf = (i: number, mode: Mode): string => join(dir, `run-${i}`, mode);

function argsOf(run: ExampleRun, i: number, mode: Mode): string[] {
  const data = mode === 'csv' ? run.files.flatMap((f) => ['--data', join(SAMPLES, f)]) : ['--catalog', catalog, ...run.symbols.flatMap((s) => ['--symbol', s])];
  return ['backtest', '--strategy', `examples/${run.strategy}.ts`, ...data, ...(mode.startsWith('cache') ? ['--cache'] : []), ...run.flags, '--out', outOf(i, mode)];
}

/** Name, size and modification time of each cache file. */
const cacheState = (): string[] => readdirSync(cacheDir).sort().map((f) => `${f} ${statSync(join(cacheDir, f)).size} ${statSync(join(cacheDir, f)).mtimeMs}`);

const results = new Map<string, CliRun>();
let cacheAfterFill: string[] = [];
let cacheAfterHit: string[] = [];

beforeAll(async () => {
  const files = [...new Set(RUNS.flatMap((r) => r.files))];
  const imp = cli(['data', 'import', ...files.map((f) => join(SAMPLES, f)), '--catalog', catalog]);
  expect(imp.stderr).toBe('');
  expect(imp.status).toBe(0);
  const limit = Math.max(2, cpus().length);
  const job = (i: number, mode: Mode) => async (): Promise<void> => {
    results.set(`${i} ${mode}`, await cliAsync(argsOf(RUNS[i]!, i, mode)));
  };
  // First the runs from the files, from Parquet and filling the cache; then the runs that replay the cache.
  await pool(RUNS.flatMap((_, i) => (['csv', 'catalog', 'cache-fill'] as const).map((m) => job(i, m))), limit);
  cacheAfterFill = cacheState();
  await pool(RUNS.map((_, i) => job(i, 'cache-hit')), limit);
  cacheAfterHit = cacheState();
}, 300_000);

describe.each(RUNS.map((run, i) => ({ ...run, i })))('example $name', ({ i }) => {
  it('runs from the CSV files, from the catalog, and from the catalog with --cache (twice)', () => {
    for (const mode of MODES) {
      const r = results.get(`${i} ${mode}`)!;
      expect(r.stderr, mode).toBe('');
      expect(r.status, mode).toBe(0);
    }
    // Something to compare: every example places orders on its data.
    const summary = JSON.parse(readFileSync(join(outOf(i, 'csv'), 'summary.json'), 'utf8')) as { orders: number };
    expect(summary.orders).toBeGreaterThan(0);
  });

  it.each(MODES.slice(1))('writes the same bytes from %s as from the CSV files', (mode) => {
    for (const f of OUTPUTS) {
      const want = readFileSync(join(outOf(i, 'csv'), f));
      const got = readFileSync(join(outOf(i, mode), f));
      expect(got.equals(want), `${f}: ${mode} differs from csv`).toBe(true);
    }
  });
});

describe('the column cache of these runs', () => {
  it('was filled for each cacheable data set (bars and quotes) and each window', () => {
    const names = cacheAfterFill.map((l) => l.split(' ')[0]!);
    for (const prefix of ['bar-ORCL-trade-', 'bar-NVDA-trade-', 'bar-YHOO-trade-', 'bar-FUT-trade-', 'bar-GBPUSD-bid-', 'bar-GBPUSD-ask-', 'quote-EURUSD-']) {
      expect(names.some((n) => n.startsWith(prefix)), prefix).toBe(true);
    }
    // ORCL whole and ORCL 2003-2005 (limit-entry) are two caches.
    expect(names.filter((n) => n.startsWith('bar-ORCL-')).length).toBe(2);
    expect(names.every((n) => n.endsWith('.qfcols')), 'no partial file left').toBe(true);
  });

  it('was only read by the second runs: no file written or replaced', () => {
    expect(cacheAfterHit).toEqual(cacheAfterFill);
  });
});
