/**
 * The CSV writer's numbers: `CsvFileWriter.number` against `formatNumber`
 * (String() with the exponent expanded), the text the writer must write.
 *
 *   npx tsx bench/number-format.ts                    # speed: ns per value, writer vs formatNumber text
 *   npx tsx bench/number-format.ts --check 100000000  # byte-for-byte check over that many seeded doubles
 *
 * Speed: ns per value writing 1,000,000 values of each kind (returns, tiny
 * returns, ratios, short decimals, integers) through `number()` and through
 * `text(formatNumber(x))` (what full-precision values cost before the
 * shortest-digits path), alternating, median of --reps (default 7).
 *
 * Check: seeded doubles (--seed, default 1), a quarter each of random 64-bit
 * patterns, returns and ratios of random prices (both signs), random
 * magnitudes 1e-9 .. 1e17, and ulp neighbours of short decimals; written in
 * blocks of 2^20 to a file under bench/out/ and compared line by line with
 * formatNumber. Prints the count, the mismatches (the first ten) and how many
 * values took the exact path (above 1e-7, below 1e16). Not part of `npm test`.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Xoshiro128 } from '../src/core/random.js';
import { CsvFileWriter } from '../src/report/csv-file-writer.js';
import { formatNumber } from '../src/report/format.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
mkdirSync(OUT, { recursive: true });
const FILE = join(OUT, 'number-format.csv');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** Fills xs with the check's mix of doubles. */
function fill(rng: Xoshiro128, xs: Float64Array): void {
  for (let i = 0; i < xs.length; i++) {
    let x: number;
    switch (i & 3) {
      case 0:
        WORDS[0] = rng.nextUint32();
        WORDS[1] = rng.nextUint32();
        x = BITS[0] as number;
        break;
      case 1: {
        const a = 1 + Math.floor(rng.nextFloat() * 1e7);
        const b = a + Math.floor((rng.nextFloat() - 0.5) * a * 0.1);
        x = rng.nextUint32() & 1 ? a / 100 / (b / 100) - 1 : (b / 100) * (a / 1e4);
        break;
      }
      case 2:
        x = (rng.nextFloat() - 0.5) * 10 ** Math.floor(rng.nextFloat() * 27 - 9);
        break;
      default: {
        // A short decimal, then up to 8 ulps away.
        BITS[0] = Math.floor(rng.nextFloat() * 1e7) / 10 ** Math.floor(rng.nextFloat() * 15);
        WORDS[LOW] = (WORDS[LOW] as number) + (rng.nextUint32() % 17) - 8;
        x = BITS[0] as number;
      }
    }
    xs[i] = x;
  }
}

function check(count: number, seed: number): void {
  const rng = new Xoshiro128(seed);
  const block = new Float64Array(1 << 20);
  let done = 0;
  let bad = 0;
  let exactPath = 0;
  const started = performance.now();
  while (done < count) {
    const xs = block.subarray(0, Math.min(block.length, count - done));
    fill(rng, xs);
    const w = new CsvFileWriter(FILE);
    for (let i = 0; i < xs.length; i++) {
      w.number(xs[i] as number);
      w.endRow();
    }
    w.close();
    const text = readFileSync(FILE, 'latin1');
    let from = 0;
    for (let i = 0; i < xs.length; i++) {
      const to = text.indexOf('\n', from);
      const line = text.slice(from, to);
      from = to + 1;
      const x = xs[i] as number;
      const a = Math.abs(x);
      if (a > 1e-7 && a < 1e16) exactPath++;
      if (line !== formatNumber(x)) {
        if (bad++ < 10) console.log(`MISMATCH ${x}: wrote ${line}, formatNumber ${formatNumber(x)}`);
      }
    }
    done += xs.length;
    if ((done / block.length) % 16 === 0) console.log(`${done} checked, ${bad} mismatches, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  rmSync(FILE, { force: true });
  console.log(`checked ${done} doubles (seed ${seed}), ${exactPath} of them in the shortest-digits range: ${bad} mismatches`);
  if (bad > 0) process.exitCode = 1;
}

function speed(reps: number): void {
  const n = 1_000_000;
  const rng = new Xoshiro128(7);
  const kinds: [string, Float64Array][] = [
    ['returns', Float64Array.from({ length: n }, () => (100 + rng.nextFloat()) / (100 + rng.nextFloat()) - 1)],
    // A large account's returns (1e9 of equity moving by cents to tens of dollars): below 1e-7, where String() has an exponent.
    ['tiny returns', Float64Array.from({ length: n }, () => (1e9 + Math.round(rng.nextFloat() * 1e5 - 5e4) / 100) / 1e9 - 1)],
    ['ratios', Float64Array.from({ length: n }, () => rng.nextFloat() * 3)],
    ['short decimals', Float64Array.from({ length: n }, () => Math.round(rng.nextFloat() * 1e6) / 100)],
    ['integers', Float64Array.from({ length: n }, () => Math.round(rng.nextFloat() * 1e6))],
  ];
  const viaNumber = (w: CsvFileWriter, x: number): void => w.number(x);
  const viaString = (w: CsvFileWriter, x: number): void => w.text(formatNumber(x));
  const run = (write: (w: CsvFileWriter, x: number) => void, xs: Float64Array): number => {
    const w = new CsvFileWriter(FILE);
    const t0 = performance.now();
    for (let i = 0; i < xs.length; i++) {
      write(w, xs[i] as number);
      w.endRow();
    }
    w.close();
    return ((performance.now() - t0) * 1e6) / xs.length;
  };
  const median = (v: number[]): number => v.sort((a, b) => a - b)[v.length >> 1] as number;
  console.log('ns per value (median of %d; best-worst)', reps);
  for (const [name, xs] of kinds) {
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < reps; r++) {
      a.push(run(viaNumber, xs));
      b.push(run(viaString, xs));
    }
    const show = (v: number[]): string => `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)}-${Math.max(...v).toFixed(1)})`;
    console.log(`${name.padEnd(15)} number() ${show(a).padEnd(22)} text(formatNumber) ${show(b)}`);
  }
  rmSync(FILE, { force: true });
}

const count = arg('--check', 0);
if (count > 0) check(count, arg('--seed', 1));
else speed(arg('--reps', 7));
