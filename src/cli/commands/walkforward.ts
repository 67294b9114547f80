import type { Command } from 'commander';
import { resolve } from 'node:path';
import { parseRunConfig } from '../../backtest/config.js';
import { InputError, formatIssue } from '../../core/errors.js';
import { outputError } from '../../core/output-file.js';
import { buildSearch } from '../../optimize/search.js';
import type { SpaceSpec } from '../../optimize/space.js';
import { parseWindowLength, walkForward } from '../../optimize/walk-forward.js';
import { checkOutputFolder } from '../../optimize/outputs.js';
import { writeWalkForwardFiles } from '../../optimize/walk-forward-outputs.js';
import { formatTime } from '../../report/format.js';
import { mergeSettings } from '../backtest-flags.js';
import { addSweepFlags, checkSweepFlags, sweepSettings, type SweepFlags } from '../sweep-flags.js';
import type { CliIO } from '../io.js';

interface WalkForwardFlags extends SweepFlags {
  train?: string;
  test?: string;
  step?: string;
  anchored?: boolean;
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
    .option('--anchored', 'every in-sample window starts at the data start (default: rolling windows)');
  addSweepFlags(cmd, specs);
  cmd.action(async (flags: WalkForwardFlags) => {
    checkSweepFlags(flags);
    const settings = mergeSettings(flags);
    if (flags.out === undefined && settings.out === undefined) settings.out = 'runs/walkforward';
    const config = parseRunConfig(settings, flags.config);
    checkOutputFolder(config.out); // before any window runs
    if (config.tradeFrom !== undefined || config.tradeTo !== undefined) {
      throw new InputError({ code: 'invalid_option', field: config.tradeFrom !== undefined ? '--trade-from' : '--trade-to', value: config.tradeFrom ?? config.tradeTo ?? '', message: 'walkforward sets each run\'s trading window itself: use --from/--to to limit the data' });
    }
    const train = parseWindowLength('--train', required('--train', flags.train));
    const test = parseWindowLength('--test', required('--test', flags.test));
    const step = flags.step !== undefined ? parseWindowLength('--step', flags.step) : undefined;
    const { method, objective, minimize, workers, trials, seed, splits, search: searchSettings } = sweepSettings(flags, config, specs);
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
