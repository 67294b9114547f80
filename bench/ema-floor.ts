/**
 * What one streaming EMA step costs, taken apart: ns per value of the EMA(20)
 * recurrence written several ways, beside QuantFlow's EMA and trading-signals'
 * EMA (the faster of the two other libraries), on the same input as
 * bench/indicators.ts.
 *
 *   npm run build && npx tsx bench/ema-floor.ts [--values N] [--reps R]
 *
 * Each variant has its own loop; the variants are timed in turn, R times
 * (default 9), after one warm-up run each; each figure is the median. Run it
 * pinned (taskset -c N) for steadier figures. docs/indicators.md ("Speed")
 * explains the figures.
 */
import * as TS from 'trading-signals';
import { EMA, generateBarColumns } from '../dist/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('--values', 1_000_000);
const REPS = arg('--reps', 9);
const close = generateBarColumns({ bars: N, seed: 7 }).close.subarray(0, N);
const PERIOD = 20;

/**
 * The recurrence alone in an object, as any streaming EMA must keep it between
 * calls: no warm-up, no count, no ready flag.
 */
class LeanEMA {
  value = NaN;
  k = NaN;
  k1 = NaN;
  constructor(first: number, k: number) {
    this.value = first;
    this.k = k;
    this.k1 = 1 - k;
  }
  update(x: number): number {
    return (this.value = (x - this.value) * this.k + this.value);
  }
  updateOtherForm(x: number): number {
    return (this.value = x * this.k + this.value * this.k1);
  }
}

const variants: { name: string; run: () => number }[] = [
  {
    name: 'loop and input only: s += x, s in a register',
    run: () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += close[i] as number;
      return s;
    },
  },
  {
    name: "TA-Lib's step v = (x - v) * k + v, v in a register",
    run: () => {
      const k = 2 / (PERIOD + 1);
      let v = close[0] as number;
      for (let i = 0; i < N; i++) v = ((close[i] as number) - v) * k + v;
      return v;
    },
  },
  {
    name: 'v = x * k + v * (1 - k), v in a register',
    run: () => {
      const k = 2 / (PERIOD + 1);
      const k1 = 1 - k;
      let v = close[0] as number;
      for (let i = 0; i < N; i++) v = (close[i] as number) * k + v * k1;
      return v;
    },
  },
  {
    name: "TA-Lib's step in the leanest streaming class",
    run: () => {
      const ind = new LeanEMA(close[0] as number, 2 / (PERIOD + 1));
      for (let i = 0; i < N; i++) ind.update(close[i] as number);
      return ind.value;
    },
  },
  {
    name: 'v = x * k + v * (1 - k) in the leanest streaming class',
    run: () => {
      const ind = new LeanEMA(close[0] as number, 2 / (PERIOD + 1));
      for (let i = 0; i < N; i++) ind.updateOtherForm(close[i] as number);
      return ind.value;
    },
  },
  {
    name: 'QuantFlow EMA(20).update(x)',
    run: () => {
      const ind = new EMA(PERIOD);
      for (let i = 0; i < N; i++) ind.update(close[i] as number);
      return ind.value;
    },
  },
  {
    name: 'trading-signals EMA(20).add(x)',
    run: () => {
      const ind = new TS.EMA(PERIOD);
      for (let i = 0; i < N; i++) ind.add(close[i] as number);
      return ind.isStable ? 1 : 0;
    },
  },
];

let sink = 0;
const times: number[][] = variants.map(() => []);
for (const v of variants) sink += v.run();
for (let r = 0; r < REPS; r++) {
  for (let j = 0; j < variants.length; j++) {
    const t0 = process.hrtime.bigint();
    sink += (variants[j] as { run: () => number }).run();
    (times[j] as number[]).push(Number(process.hrtime.bigint() - t0) / N);
  }
}
const width = Math.max(...variants.map((v) => v.name.length));
console.log(`EMA(${PERIOD}) step costs: ${N.toLocaleString('en-US')} values, median of ${REPS}, node ${process.version}`);
for (let j = 0; j < variants.length; j++) {
  const s = [...(times[j] as number[])].sort((a, b) => a - b);
  console.log(`${(variants[j] as { name: string }).name.padEnd(width)}  ${(s[Math.floor(s.length / 2)] as number).toFixed(2)} ns`);
}
if (sink === -1) console.log('');
