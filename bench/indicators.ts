/**
 * Indicator speed, streaming: nanoseconds per value for SMA(20), EMA(20),
 * RSI(14), MACD(12,26,9), BBANDS(20,2) and ATR(14), QuantFlow side by side
 * with trading-signals and technicalindicators, in one run.
 *
 *   npm run build && npx tsx bench/indicators.ts [--values N] [--reps R]
 *
 * Measures the built package (../dist/index.js). Input: N (default 1,000,000)
 * generated bars (generateBarColumns, seed 7). Each library gets the values
 * one at a time through its streaming API: QuantFlow `update(close)` (ATR:
 * `updateBar(open, high, low, close, volume)`), trading-signals `add(close)`
 * (ATR: `add({high, low, close})`), technicalindicators `nextValue(close)`
 * (ATR: `nextValue({high, low, close})`); candle objects for the other two
 * libraries are built before timing. Each indicator is measured in its own
 * child process (`--case NAME` runs one), so that no indicator runs with
 * type feedback left in a library's shared code (base classes, helpers) by
 * the indicators measured before it. Each run is preceded by a warm-up run on
 * a fresh instance; the three libraries are timed in turn (interleaved, R
 * times, default 7) so that load from other processes hits them alike, and
 * each figure is the median of its R runs. The process pins itself to one
 * CPU with taskset where it can (--no-pin to skip); the child processes
 * inherit the pin. Prints a table and writes bench/indicators-results.json as
 * [{name, value, unit}]: ns per value for each library, and the ratio of the
 * faster other library to QuantFlow (floor: 5).
 */
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as TS from 'trading-signals';
import { ATR, BBANDS, EMA, MACD, RSI, SMA, generateBarColumns } from '../dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'indicators-results.json');
const FLOOR = 5;

const require = createRequire(import.meta.url);
// technicalindicators ships CommonJS.
const TI = require('technicalindicators') as {
  SMA: new (o: object) => { nextValue(x: number): unknown };
  EMA: new (o: object) => { nextValue(x: number): unknown };
  RSI: new (o: object) => { nextValue(x: number): unknown };
  MACD: new (o: object) => { nextValue(x: number): unknown };
  BollingerBands: new (o: object) => { nextValue(x: number): unknown };
  ATR: new (o: object) => { nextValue(x: object): unknown };
};

/** Re-runs this process pinned to the CPU idle the most just before (Linux, taskset), unless --no-pin. */
function pinToOneCore(): void {
  if (process.argv.includes('--no-pin') || process.env.QF_BENCH_CPU !== undefined || process.platform !== 'linux') return;
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) return;
  const idle = (): number[] =>
    readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => {
        const f = l.split(/\s+/).slice(1).map(Number);
        return (f[3] ?? 0) + (f[4] ?? 0);
      });
  const a = idle();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  const b = idle();
  let cpu = 0;
  for (let i = 1; i < b.length; i++) if ((b[i] as number) - (a[i] as number) > (b[cpu] as number) - (a[cpu] as number)) cpu = i;
  const r = spawnSync('taskset', ['-c', String(cpu), process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, QF_BENCH_CPU: String(cpu) },
  });
  process.exit(r.status ?? 1);
}
pinToOneCore();

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('--values', 1_000_000);
const REPS = arg('--reps', 7);
/** Set in a child process: the one case it measures. */
const CASE = process.argv.includes('--case') ? process.argv[process.argv.indexOf('--case') + 1] : undefined;

// The parent process only starts the cases and reports: it needs no input.
const bars = generateBarColumns({ bars: CASE === undefined ? 1 : N, seed: 7 });
const open = bars.open.subarray(0, N);
const high = bars.high.subarray(0, N);
const low = bars.low.subarray(0, N);
const close = bars.close.subarray(0, N);
const volume = bars.volume.subarray(0, N);
const candles: { high: number; low: number; close: number }[] = [];
for (let i = 0; i < close.length; i++) candles.push({ high: high[i] as number, low: low[i] as number, close: close[i] as number });

let sink = 0;

/** One timed run: ns per value. */
function time(run: () => number): number {
  const t0 = process.hrtime.bigint();
  sink += run();
  return Number(process.hrtime.bigint() - t0) / N;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * The three libraries' runs of one indicator, interleaved (each repetition
 * times all three, in a rotating order), so that a burst of load from other
 * processes hits them alike; medians per library.
 */
function measure(c: Case): { qf: number; ts: number; ti: number } {
  const runs = [c.qf, c.ts, c.ti];
  for (const r of runs) sink += r(); // warm-up
  const t: number[][] = [[], [], []];
  for (let r = 0; r < REPS; r++) {
    for (let k = 0; k < 3; k++) {
      const j = (r + k) % 3;
      (t[j] as number[]).push(time(runs[j] as () => number));
    }
  }
  return { qf: median(t[0] as number[]), ts: median(t[1] as number[]), ti: median(t[2] as number[]) };
}

/*
 * Each case and library has its own loop (no shared helper), so that every
 * call site sees one class, as in a strategy that updates its indicators: a
 * loop shared by several classes would measure V8's polymorphic dispatch
 * instead. With each case in its own process, the code inside each library
 * (trading-signals' `add` and `setResult`, shared by all its indicators; our
 * SMA, read by BBANDS and EMA) also sees only the classes of that case.
 */
interface Case {
  readonly name: string;
  readonly qf: () => number;
  readonly ts: () => number;
  readonly ti: () => number;
}

const cases: Case[] = [
  {
    name: 'SMA(20)',
    qf: () => {
      const ind = new SMA(20);
      for (let i = 0; i < N; i++) ind.update(close[i] as number);
      return ind.value;
    },
    ts: () => {
      const ind = new TS.SMA(20);
      for (let i = 0; i < N; i++) ind.add(close[i] as number);
      return ind.isStable ? 1 : 0;
    },
    ti: () => {
      const ind = new TI.SMA({ period: 20, values: [] });
      for (let i = 0; i < N; i++) ind.nextValue(close[i] as number);
      return 1;
    },
  },
  {
    name: 'EMA(20)',
    qf: () => {
      const ind = new EMA(20);
      for (let i = 0; i < N; i++) ind.update(close[i] as number);
      return ind.value;
    },
    ts: () => {
      const ind = new TS.EMA(20);
      for (let i = 0; i < N; i++) ind.add(close[i] as number);
      return ind.isStable ? 1 : 0;
    },
    ti: () => {
      const ind = new TI.EMA({ period: 20, values: [] });
      for (let i = 0; i < N; i++) ind.nextValue(close[i] as number);
      return 1;
    },
  },
  {
    name: 'RSI(14)',
    qf: () => {
      const ind = new RSI(14);
      for (let i = 0; i < N; i++) ind.update(close[i] as number);
      return ind.value;
    },
    ts: () => {
      const ind = new TS.RSI(14);
      for (let i = 0; i < N; i++) ind.add(close[i] as number);
      return ind.isStable ? 1 : 0;
    },
    ti: () => {
      const ind = new TI.RSI({ period: 14, values: [] });
      for (let i = 0; i < N; i++) ind.nextValue(close[i] as number);
      return 1;
    },
  },
  {
    name: 'MACD(12,26,9)',
    qf: () => {
      const ind = new MACD(12, 26, 9);
      for (let i = 0; i < N; i++) ind.update(close[i] as number);
      return ind.value;
    },
    ts: () => {
      const ind = new TS.MACD(new TS.EMA(12), new TS.EMA(26), new TS.EMA(9));
      for (let i = 0; i < N; i++) ind.add(close[i] as number);
      return ind.isStable ? 1 : 0;
    },
    ti: () => {
      const ind = new TI.MACD({ fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false, values: [] });
      for (let i = 0; i < N; i++) ind.nextValue(close[i] as number);
      return 1;
    },
  },
  {
    name: 'BBANDS(20,2)',
    qf: () => {
      const ind = new BBANDS(20, 2, 2, 0);
      for (let i = 0; i < N; i++) ind.update(close[i] as number);
      return ind.value;
    },
    ts: () => {
      const ind = new TS.BollingerBands(20, 2);
      for (let i = 0; i < N; i++) ind.add(close[i] as number);
      return ind.isStable ? 1 : 0;
    },
    ti: () => {
      const ind = new TI.BollingerBands({ period: 20, stdDev: 2, values: [] });
      for (let i = 0; i < N; i++) ind.nextValue(close[i] as number);
      return 1;
    },
  },
  {
    name: 'ATR(14)',
    qf: () => {
      const ind = new ATR(14);
      for (let i = 0; i < N; i++) ind.updateBar(open[i] as number, high[i] as number, low[i] as number, close[i] as number, volume[i] as number);
      return ind.value;
    },
    ts: () => {
      const ind = new TS.ATR(14);
      for (let i = 0; i < N; i++) ind.add(candles[i] as { high: number; low: number; close: number });
      return ind.isStable ? 1 : 0;
    },
    ti: () => {
      const ind = new TI.ATR({ period: 14, high: [], low: [], close: [] });
      for (let i = 0; i < N; i++) ind.nextValue(candles[i] as object);
      return 1;
    },
  },
];

if (CASE !== undefined) {
  const c = cases.find((x) => x.name === CASE);
  if (c === undefined) throw new Error(`unknown case '${CASE}'; cases are ${cases.map((x) => x.name).join(', ')}`);
  // One line of JSON for the parent (see runCase); `sink` keeps the results alive.
  writeSync(1, JSON.stringify({ ...measure(c), sink }) + '\n');
  process.exit(0);
}

/** Measures one case in a fresh child process (same runtime flags, same CPU). */
function runCase(name: string): { qf: number; ts: number; ti: number } {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1), '--case', name], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${name}: child process failed (status ${String(r.status)})`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as { qf: number; ts: number; ti: number };
}

const results: { name: string; value: number; unit: string }[] = [];
const rows: string[][] = [];
console.log(
  `indicators bench: ${N.toLocaleString('en-US')} values, ${REPS} interleaved repetitions (median), node ${process.version}, dist/ build, ` +
    `cpu ${process.env.QF_BENCH_CPU ?? 'unpinned'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
);
for (const c of cases) {
  const m = runCase(c.name);
  const qf = { median: m.qf };
  const ts = { median: m.ts };
  const ti = { median: m.ti };
  const faster = Math.min(ts.median, ti.median);
  const ratio = faster / qf.median;
  const key = c.name.replace(/\(.*\)/, '').toLowerCase();
  results.push(
    { name: `${key}_quantflow_ns_per_value`, value: round(qf.median), unit: 'ns/value' },
    { name: `${key}_trading_signals_ns_per_value`, value: round(ts.median), unit: 'ns/value' },
    { name: `${key}_technicalindicators_ns_per_value`, value: round(ti.median), unit: 'ns/value' },
    { name: `${key}_speedup_vs_faster`, value: round(ratio), unit: 'x' },
  );
  rows.push([c.name, fmt(qf.median), fmt(ts.median), fmt(ti.median), `${fmt(ratio)}x`, ratio >= FLOOR ? 'ok' : 'FAIL']);
}
const head = ['indicator', 'quantflow ns', 'trading-signals ns', 'technicalindicators ns', 'speedup vs faster', `floor ${FLOOR}x`];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (r: string[]): string => r.map((s, i) => (i === 0 ? s.padEnd(widths[i] as number) : s.padStart(widths[i] as number))).join('  ');
console.log(line(head));
for (const r of rows) console.log(line(r));
writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${RESULTS}${sink === -1 ? ' ' : ''}`);

function round(x: number): number {
  return Number(x.toPrecision(4));
}
function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
