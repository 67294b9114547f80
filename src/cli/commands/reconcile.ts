import type { Command } from 'commander';
import { relative, resolve, sep } from 'node:path';
import { parseRunConfig } from '../../backtest/config.js';
import { InputError } from '../../core/errors.js';
import { SESSIONS_DIR } from '../../live/live-run/session-archive.js';
import { makeOutputFolder } from '../../live/live-run/session-folder.js';
import { reconcileRun } from '../../live/reconcile/reconcile-run.js';
import type { ExecutionFlags } from '../execution-flags.js';
import { addExecutionFlags, executionFromFlags } from '../execution-flags.js';
import type { CliIO } from '../io.js';
import { logFormatOf, strategyLogger } from '../logger.js';

interface ReconcileFlags extends ExecutionFlags {
  out?: string;
  logFormat?: string;
}

export function registerReconcile(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('reconcile')
    .description("backtest versus live: re-run a paper or live run's strategy as a backtest on the market data it recorded, pair the orders, split the P&L gap")
    .argument('<run-dir>', 'a directory written by quantflow paper or live (run.json, market-data/, fills.csv, orders.csv, summary.json)')
    .option('--out <dir>', 'where reconcile.csv, reconcile.json and report.html go (default RUN_DIR)')
    .option('--log-format <format>', "the strategy's ctx.log on stderr: pretty or json");
  addExecutionFlags(cmd).action(async (dir: string, flags: ReconcileFlags) => {
    if (flags.out !== undefined) checkReconcileOut(dir, flags.out);
    const execution = executionFromFlags(flags, undefined);
    checkExecutionFlags(execution);
    const logFormat = logFormatOf(flags.logFormat, io);
    const r = await reconcileRun({ dir, out: flags.out, execution, hooks: { logWith: (now) => strategyLogger(logFormat, io, now) } });
    const v = r.view;
    const parts = Object.entries(v.parts).map(([k, x]) => `${k} ${x}`).join(', ');
    io.stdout.write(
      [
        `strategy        ${v.strategy} (${v.symbols.join(', ')})`,
        `orders          ${v.orders.matched} matched, ${v.orders.only_live} only live, ${v.orders.only_backtest} only backtest`,
        `final equity    live ${v.live_final_equity}, backtest ${v.backtest_final_equity}`,
        `gap             ${v.total_gap} = ${parts}`,
        `outputs         ${r.out} (reconcile.csv, reconcile.json, report.html)`,
      ].join('\n') + '\n',
    );
    done(0);
  });
}

/**
 * --out may be the run folder (the default) or a folder outside it, never
 * one of the run's inputs (market-data/, an earlier session's folder): files
 * written there would be read as the run's data by the next reconcile.
 */
function checkReconcileOut(dir: string, out: string): void {
  for (const input of ['market-data', SESSIONS_DIR]) {
    const rel = relative(resolve(dir, input), resolve(out));
    if (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel))) {
      throw new InputError({ code: 'invalid_option', field: '--out', value: out, message: `it is inside the run's ${input}/, which reconcile reads: give the run folder or a folder outside it` });
    }
  }
  makeOutputFolder(out);
}

/** The flag each execution setting comes from. */
const EXECUTION_FLAGS: Readonly<Record<string, string>> = {
  fillModel: '--fill-model',
  slippage: '--slippage',
  volumeLimit: '--volume-limit',
  latencyMs: '--latency-ms',
  feeMaker: '--fee-maker',
  feeTaker: '--fee-taker',
  feeMinimum: '--fee-min',
  seed: '--seed',
};

/** The execution flags checked on their own, so that a bad one is named as the flag, not as a field of the run's run.json. */
function checkExecutionFlags(execution: Record<string, unknown> | undefined): void {
  if (execution === undefined) return;
  try {
    parseRunConfig({ strategy: 'strategy.ts', data: ['data.csv'], execution });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const issues = e.issues.filter((i) => i.field?.startsWith('execution.') === true);
    if (issues.length > 0) throw new InputError(issues.map((i) => ({ ...i, field: EXECUTION_FLAGS[(i.field as string).slice('execution.'.length)] ?? (i.field as string) })));
  }
}
