import type { Command } from 'commander';
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
    const execution = executionFromFlags(flags, undefined);
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
