import type { Command } from 'commander';
import type { RunConfig } from '../backtest/config.js';
import { InputError } from '../core/errors.js';
import { DEFAULT_CSCV_SPLITS, MAX_CSCV_SPLITS, overfittingIssues } from '../optimize/overfitting.js';
import { defaultWorkers } from '../optimize/pool.js';
import type { SearchMethod, SearchSettings } from '../optimize/search.js';
import type { SpaceSpec } from '../optimize/space.js';
import { TRIAL_METRICS, type TrialMetric } from '../optimize/trial.js';
import { collect, numberFlag } from './args.js';
import { addBacktestFlags, type BacktestFlags } from './backtest-flags.js';

/** The flags of a parameter search, which every command that sweeps (optimize, walkforward) takes besides the backtest's. */
export interface SweepFlags extends BacktestFlags {
  range?: string[];
  values?: string[];
  method?: string;
  trials?: string;
  objective?: string;
  minimize?: boolean;
  constraint?: string[];
  workers?: string;
  cscvSplits?: string;
}

const METHODS: readonly SearchMethod[] = ['grid', 'random', 'tpe'];

/** An integer flag of at least `min`, or undefined when not given. */
export function integerFlag(name: string, text: string | undefined, min: number): number | undefined {
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

/**
 * Adds the search's flags (and then the backtest's) to a command; `--range`
 * and `--values` are also kept in `specs` in the order typed, whichever
 * flag: the grid's order. `more` adds a command's own flags between them.
 */
export function addSweepFlags(cmd: Command, specs: SpaceSpec[], more: (cmd: Command) => void = () => undefined): Command {
  cmd
    .option('--range <name=from:to:step>', 'a parameter over a range (integers or exact decimals); repeatable', (text: string, prev?: string[]) => {
      specs.push({ flag: '--range', text });
      return collect(text, prev);
    })
    .option('--values <name=a,b,c>', 'a parameter over listed values; repeatable', (text: string, prev?: string[]) => {
      specs.push({ flag: '--values', text });
      return collect(text, prev);
    })
    .option('--method <method>', 'grid (default), random or tpe')
    .option('--trials <n>', 'trials to run (random and tpe; default: the whole grid or 100)')
    .option('--objective <metric>', 'the summary.json metric to maximize (default sharpe)')
    .option('--minimize', 'minimize the objective instead')
    .option('--constraint <expr>', "keep only combinations where EXPR holds, e.g. 'fast < slow'; repeatable", collect)
    .option('--workers <n>', `threads that run trials: this one and N - 1 worker threads (default: one per core, here ${defaultWorkers()}; 0 or 1: this thread only; never more than the trials)`)
    .option('--cscv-splits <n>', `blocks of the combinatorially symmetric cross-validation behind PBO (even, default ${DEFAULT_CSCV_SPLITS})`);
  more(cmd);
  addBacktestFlags(cmd);
  // The backtest's --seed (random execution models) also seeds the sampling.
  const seedOption = cmd.options.find((o) => o.long === '--seed');
  if (seedOption !== undefined) seedOption.description = 'seed of random and tpe sampling and of random execution models (default 1)';
  return cmd;
}

/** What the search's flags say, checked. */
export interface SweepSettings {
  readonly method: SearchMethod;
  readonly objective: TrialMetric;
  readonly minimize: boolean;
  readonly workers: number;
  readonly trials: number | undefined;
  readonly seed: number;
  readonly splits: number;
  readonly search: SearchSettings;
}

/**
 * Flags checked before the run's config is: `--seed` (which the config
 * would name by its own field, execution.seed).
 */
export function checkSweepFlags(flags: SweepFlags): void {
  integerFlag('--seed', flags.seed, 0);
}

/** `--param` as typed, by parameter name (the last one given for a name wins, as in the config). */
function paramFlags(pairs: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const eq = p.indexOf('=');
    if (eq > 0) out[p.slice(0, eq).trim()] = p;
  }
  return out;
}

export function sweepSettings(flags: SweepFlags, config: Pick<RunConfig, 'strategy' | 'params'>, specs: readonly SpaceSpec[]): SweepSettings {
  const method = flags.method ?? 'grid';
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new InputError({ code: 'invalid_option', field: '--method', value: method, message: `one of: ${METHODS.join(', ')}` });
  }
  const objective = objectiveOf(flags.objective);
  const workers = integerFlag('--workers', flags.workers, 0) ?? defaultWorkers();
  const trials = integerFlag('--trials', flags.trials, 1);
  const seed = integerFlag('--seed', flags.seed, 0) ?? 1;
  const splits = integerFlag('--cscv-splits', flags.cscvSplits, 2) ?? DEFAULT_CSCV_SPLITS;
  if (splits % 2 !== 0 || splits > MAX_CSCV_SPLITS) throw new InputError(overfittingIssues(2, splits, splits));
  const search: SearchSettings = {
    strategy: config.strategy,
    fixed: config.params,
    fixedFlags: paramFlags(flags.param),
    specs,
    constraints: flags.constraint ?? [],
    method: method as SearchMethod,
    seed,
    ...(trials !== undefined ? { trials } : {}),
  };
  return { method: method as SearchMethod, objective, minimize: flags.minimize === true, workers, trials, seed, splits, search };
}
