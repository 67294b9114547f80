import type { Command } from 'commander';
import { resolve } from 'node:path';
import { parseRunConfig } from '../../backtest/config.js';
import { InputError, formatIssue } from '../../core/errors.js';
import { outputError } from '../../core/output-file.js';
import { DEFAULT_CSCV_SPLITS, MAX_CSCV_SPLITS, overfittingIssues } from '../../optimize/overfitting.js';
import { defaultWorkers } from '../../optimize/pool.js';
import { buildSearch, type SearchMethod } from '../../optimize/search.js';
import type { SpaceSpec } from '../../optimize/space.js';
import { TRIAL_METRICS, type TrialMetric } from '../../optimize/trial.js';
import { parseWindowLength, walkForward } from '../../optimize/walk-forward.js';
import { writeWalkForwardFiles } from '../../optimize/walk-forward-outputs.js';
import { formatTime } from '../../report/format.js';
import { collect, numberFlag } from '../args.js';
import { addBacktestFlags, mergeSettings, type BacktestFlags } from '../backtest-flags.js';
import type { CliIO } from '../io.js';

interface WalkForwardFlags extends BacktestFlags {
  range?: string[];
  values?: string[];
  method?: string;
  trials?: string;
  objective?: string;
  minimize?: boolean;
  constraint?: string[];
  workers?: string;
  cscvSplits?: string;
  train?: string;
  test?: string;
  step?: string;
  anchored?: boolean;
}

const METHODS: readonly SearchMethod[] = ['grid', 'random', 'tpe'];

function integerFlag(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = numberFlag(name, text);
  if (!Number.isInteger(n) || n < min) throw new InputError({ code: 'invalid_option', field: name, value: text, message: `${name} must be an integer >= ${min}` });
  return n;
}

function objectiveOf(text: string | undefined): TrialMetric {
  const name = text ?? 'sharpe';
  if ((TRIAL_METRICS as readonly string[]).includes(name)) return name as TrialMetric;
  throw new InputError({ code: 'invalid_option', field: '--objective', value: name, message: `not a numeric metric of summary.json; one of: ${TRIAL_METRICS.join(', ')}` });
}

function required(flag: string, text: string | undefined): string {
  if (text === undefined) throw new InputError({ code: 'invalid_option', field: flag, message: `${flag} is required: a number of bars (1000) or a calendar length (3y, 6m, 30d)` });
  return text;
}

export function registerWalkForward(program: Command, io: CliIO, done: (code: number) => void): void {
  const specs: SpaceSpec[] = [];
  const cmd = program
    .command('walkforward')
    .description('walk-forward analysis: optimize on each in-sample window, run the best on the next out-of-sample window, stitch the out-of-sample runs')
    .option('--train <len>', 'in-sample length: bars (1000) or calendar (3y, 6m, 30d)')
    .option('--test <len>', 'out-of-sample length, in the same unit')
    .option('--step <len>', 'how far each window moves on (default: --test)')
    .option('--anchored', 'every in-sample window starts at the data start (default: rolling windows)')
    .option('--range <name=from:to:step>', 'a parameter over a range (integers or exact decimals); repeatable', (text: string, prev?: string[]) => {
      specs.push({ flag: '--range', text });
      return collect(text, prev);
    })
    .option('--values <name=a,b,c>', 'a parameter over listed values; repeatable', (text: string, prev?: string[]) => {
      specs.push({ flag: '--values', text });
      return collect(text, prev);
    })
    .option('--method <method>', 'grid (default), random or tpe')
    .option('--trials <n>', 'trials per window (random and tpe; default: the whole grid or 100)')
    .option('--objective <metric>', 'the summary.json metric to maximize (default sharpe)')
    .option('--minimize', 'minimize the objective instead')
    .option('--constraint <expr>', "keep only combinations where EXPR holds, e.g. 'fast < slow'; repeatable", collect)
    .option('--workers <n>', `worker threads (default: one per core, here ${defaultWorkers()}; 0 runs on this thread)`)
    .option('--cscv-splits <n>', `blocks of the cross-validation behind each window's PBO (even, default ${DEFAULT_CSCV_SPLITS})`);
  addBacktestFlags(cmd).action(async (flags: WalkForwardFlags) => {
    const settings = mergeSettings(flags);
    if (flags.out === undefined && settings.out === undefined) settings.out = 'runs/walkforward';
    const config = parseRunConfig(settings, flags.config);
    if (config.tradeFrom !== undefined || config.tradeTo !== undefined) {
      throw new InputError({ code: 'invalid_option', field: config.tradeFrom !== undefined ? '--trade-from' : '--trade-to', value: config.tradeFrom ?? config.tradeTo ?? '', message: 'walkforward sets each run\'s trading window itself: use --from/--to to limit the data' });
    }
    const train = parseWindowLength('--train', required('--train', flags.train));
    const test = parseWindowLength('--test', required('--test', flags.test));
    const step = flags.step !== undefined ? parseWindowLength('--step', flags.step) : undefined;
    const method = flags.method ?? 'grid';
    if (!(METHODS as readonly string[]).includes(method)) {
      throw new InputError({ code: 'invalid_option', field: '--method', value: method, message: `one of: ${METHODS.join(', ')}` });
    }
    const objective = objectiveOf(flags.objective);
    const minimize = flags.minimize === true;
    const workers = integerFlag('--workers', flags.workers, 0) ?? defaultWorkers();
    const trials = integerFlag('--trials', flags.trials, 1);
    const seed = integerFlag('--seed', flags.seed, 0) ?? 1;
    const splits = integerFlag('--cscv-splits', flags.cscvSplits, 2) ?? DEFAULT_CSCV_SPLITS;
    if (splits % 2 !== 0 || splits > MAX_CSCV_SPLITS) throw new InputError(overfittingIssues(2, splits, splits));
    const searchSettings = { strategy: config.strategy, specs, constraints: flags.constraint ?? [], method: method as SearchMethod, seed, ...(trials !== undefined ? { trials } : {}) };
    const first = await buildSearch(searchSettings); // checks the search before any data is read
    const started = performance.now();
    const wf = await walkForward({
      config,
      sampler: async () => (await buildSearch(searchSettings)).sampler,
      train,
      test,
      step,
      anchored: flags.anchored === true,
      workers,
      objective,
      minimize,
      splits,
      ...(trials !== undefined ? { maxTrials: trials } : {}),
      onIssue: (issue) => io.stderr.write(`skipped: ${formatIssue(issue)}\n`),
      onWindow: (w) => {
        const params = w.best !== undefined ? JSON.stringify(w.best.params) : 'none';
        const oos = w.oosSummary !== undefined ? `oos total return ${(w.oosSummary.total_return * 100).toFixed(2)}%` : 'no out-of-sample run (no trial has a value)';
        io.stdout.write(`window ${w.plan.window}: in sample ${formatTime(w.plan.isStart).slice(0, 10)}..${formatTime(w.plan.isEnd).slice(0, 10)} best ${params}; out of sample ${formatTime(w.plan.oosStart).slice(0, 10)}..${formatTime(w.plan.oosEnd).slice(0, 10)} ${oos}\n`);
      },
    });
    const run = {
      command: 'walkforward',
      strategy: { file: resolve(config.strategy), name: wf.strategyName },
      data: config.data.map((path) => resolve(path)),
      windows: { train: train.text, test: test.text, step: (step ?? test).text, anchored: flags.anchored === true },
      search: { method, ranges: flags.range ?? [], values: flags.values ?? [], constraints: flags.constraint ?? [], seed, trials: trials ?? null, parameters: first.paramNames },
      objective,
      minimize,
      config: { ...config, out: resolve(config.out) },
      rows_skipped: wf.data.skipped.length,
    };
    try {
      writeWalkForwardFiles(config.out, wf, objective, run);
    } catch (e) {
      throw outputError(config.out, e);
    }
    const s = wf.summary;
    const fmt = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
    io.stdout.write(
      `${wf.windows.length} windows in ${((performance.now() - started) / 1000).toFixed(1)} s; out of sample ${s.start} .. ${s.end}: total return ${(s.total_return * 100).toFixed(2)}%, sharpe ${fmt(s.sharpe)}, walk-forward efficiency ${fmt(s.walk_forward_efficiency.overall)}\n`,
    );
    io.stdout.write(`outputs: ${config.out} (windows.csv, equity.csv, trades.csv, summary.json, overfitting.json, report.html)\n`);
    done(0);
  });
}
