/**
 * Where a cold process's time goes: the phases of a backtest of the
 * 1,000,000-bar CSV as `quantflow backtest` runs them (loading the package,
 * loading the strategy, the run with the CSV parsed as it goes, the metrics,
 * the output files), each with its milliseconds and the page faults it took
 * (memory the process touched for the first time). Not run by `npm run bench`.
 *
 *   npm run bench -- --only csv_ingest      # generates bench/out/bars-1000000.csv once
 *   node bench/cold-phases.mjs [--reps N] [--strategy FILE] [--pin]
 *
 * Each repetition is a new process (this file, started again with
 * `--child`), so that every phase is as cold as in the CLI: no compiled
 * code, no heap and no allocator memory from a run before. Plain JavaScript,
 * so that no TypeScript loader is part of what is measured. `--pin` runs the
 * children on one core (taskset -c 1), as the bench does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CSV = join(ROOT, 'bench', 'out', 'bars-1000000.csv');
const OUT = join(ROOT, 'bench', 'out', 'cold-phases');
const PHASES = ['import', 'strategy', 'setup', 'run', 'summarize', 'write'];

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** One cold run: a JSON line of [phase, ms, faults] rows on stdout. */
async function child() {
  const faults = () => process.resourceUsage().minorPageFault;
  const rows = [];
  let t = performance.now();
  let f = faults();
  const lap = (phase) => {
    const t2 = performance.now();
    const f2 = faults();
    rows.push([phase, t2 - t, f2 - f]);
    t = t2;
    f = f2;
  };
  const q = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href);
  lap('import');
  const strategyFile = option('--strategy', join(ROOT, 'examples', 'sma-cross.ts'));
  const cls = await q.loadStrategyFile(strategyFile);
  lap('strategy');
  const params = strategyFile.endsWith('sma-cross.ts') ? { fast: 10, slow: 30, size: 100 } : {};
  const engine = new q.BacktestEngine({ strategy: q.instantiateStrategy(cls, params), feeds: [q.openCsvFeed(CSV)], cash: 1e9 });
  lap('setup');
  const result = engine.run();
  lap('run');
  const summary = q.summarize(result, cls.name, params);
  lap('summarize');
  q.writeRunOutputs(OUT, result, summary);
  lap('write');
  process.stdout.write(`${JSON.stringify({ rows, maxRssMiB: process.resourceUsage().maxRSS / 1024, faults: faults() })}\n`);
}

function parent() {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('no dist/: run `npm run build` first');
  if (!existsSync(CSV)) throw new Error(`no ${relative(ROOT, CSV)}: run \`npm run bench -- --only csv_ingest\` once to generate it`);
  const reps = Number(option('--reps', '5'));
  const pin = process.argv.includes('--pin') && process.platform === 'linux';
  const passOn = process.argv.includes('--strategy') ? ['--strategy', resolve(option('--strategy'))] : [];
  const runs = [];
  for (let i = 0; i < reps; i++) {
    rmSync(OUT, { recursive: true, force: true });
    const argv = [fileURLToPath(import.meta.url), '--child', ...passOn];
    const r = pin ? spawnSync('taskset', ['-c', '1', process.execPath, ...argv], { encoding: 'utf8' }) : spawnSync(process.execPath, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`run ${i + 1} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`${reps} cold process(es)${pin ? ', pinned to CPU 1' : ''}: median ms and page faults per phase (min-max ms)`);
  let ms = 0;
  let faults = 0;
  for (const [k, phase] of PHASES.entries()) {
    const t = runs.map((r) => r.rows[k][1]);
    const f = runs.map((r) => r.rows[k][2]);
    ms += median(t);
    faults += median(f);
    console.log(`${phase.padEnd(10)} ${median(t).toFixed(0).padStart(6)} ms ${String(median(f)).padStart(7)} faults   (${Math.min(...t).toFixed(0)}-${Math.max(...t).toFixed(0)} ms)`);
  }
  console.log(`${'phases'.padEnd(10)} ${ms.toFixed(0).padStart(6)} ms ${String(faults).padStart(7)} faults; whole process ${median(runs.map((r) => r.faults))} faults, peak RSS ${median(runs.map((r) => r.maxRssMiB)).toFixed(0)} MiB`);
}

if (process.argv.includes('--child')) await child();
else parent();
