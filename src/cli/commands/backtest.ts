import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { parseRunConfig } from '../../backtest/config.js';
import { runBacktestConfig } from '../../backtest/run.js';
import { formatIssue } from '../../core/errors.js';
import { join } from 'node:path';
import { loadBenchmark } from '../../report/prices.js';
import type { Summary } from '../../report/summary.js';
import { summarize } from '../../report/summary.js';
import { writeReport } from '../../report/tearsheet.js';
import { writeRunOutputs, writeRunSettings } from '../../report/writers.js';
import { StagedRunFolder } from '../../report/run-folder.js';
import { outputError } from '../../core/output-file.js';
import { formatTime } from '../../report/format.js';
import type { CompletedRun } from '../../backtest/completed-run.js';
import { StrategyError } from '../../backtest/strategy-error.js';
import { runWarnings, type RunStatus } from '../../backtest/warnings.js';
import { logFormatOf, strategyLogger } from '../logger.js';
import type { SummaryAdjustment } from '../../report/summary.js';
import type { CliIO } from '../io.js';
import { addBacktestFlags, mergeSettings, type BacktestFlags } from '../backtest-flags.js';

function summaryTable(s: Summary, outDir: string): string {
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  const money = (x: number): string => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const rows: [string, string][] = [
    ['strategy', `${s.strategy} ${JSON.stringify(s.params)}`],
    ['symbols', s.symbols.join(', ')],
    ['period', `${s.start} .. ${s.end}`],
    ['bars', String(s.bars)],
    ['initial cash', money(s.initial_cash)],
    ['final equity', money(s.final_equity)],
    ['total return', pct(s.total_return)],
    ['max drawdown', pct(s.max_drawdown)],
    ['annual return', s.annual_return === null ? 'n/a' : pct(s.annual_return)],
    ['sharpe', s.sharpe === null ? 'n/a' : s.sharpe.toFixed(3)],
    ['sortino', s.sortino === null ? 'n/a' : s.sortino.toFixed(3)],
    ...(s.benchmark !== null
      ? ([[`alpha, beta vs ${s.benchmark}`, `${s.alpha === null ? 'n/a' : pct(s.alpha)}, ${s.beta === null ? 'n/a' : s.beta.toFixed(3)}`]] as [string, string][])
      : []),
    ['win rate', s.win_rate === null ? 'n/a' : pct(s.win_rate)],
    ['profit factor', s.profit_factor === null ? 'n/a' : s.profit_factor.toFixed(3)],
    ['closed trades', String(s.closed_trades)],
    ['open trades', String(s.open_trades)],
    ['fees', money(s.fees)],
    ['orders', `${s.orders} (${s.orders_filled} filled, ${s.orders_rejected} rejected)`],
    ['invalid rows', String(s.invalid_rows)],
    ...(s.adjustment !== undefined ? ([['adjustment', adjustmentText(s.adjustment)]] as [string, string][]) : []),
    ['outputs', outDir],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

function adjustmentText(a: SummaryAdjustment): string {
  if (a.source === 'adj_close') return `${a.mode}, from the Adj Close column`;
  return `${a.mode}, from ${a.actions_file ?? 'an actions file'} (${a.splits ?? 0} splits, ${a.dividends ?? 0} dividends)`;
}

export function registerBacktest(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('backtest')
    .description('run a strategy over market data and write summary.json, trades.csv, orders.csv, equity.csv');
  addBacktestFlags(cmd).action(async (flags: BacktestFlags) => {
    const config = parseRunConfig(mergeSettings(flags), flags.config);
    const logFormat = logFormatOf(flags.logFormat, io);
    const benchmark = flags.benchmark !== undefined ? loadBenchmark(flags.benchmark) : undefined;
    // --out is checked (and a staging folder made beside it) before the run, not after it.
    const folder = StagedRunFolder.begin(config.out);
    try {
      const skippedLines: string[] = [];
      const bar =
        flags.progress !== false && io.stderr.isTTY === true && process.env.CI === undefined
          ? new cliProgress.SingleBar(
              { stream: io.stderr as NodeJS.WritableStream, format: 'backtest {value} events | {duration_formatted}', hideCursor: true, clearOnComplete: true },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(0, 0);
      let run: CompletedRun;
      let failure: StrategyError | undefined;
      try {
        run = await runBacktestConfig(config, {
          onIssue: (issue) => {
            const line = `skipped: ${formatIssue(issue)}`;
            skippedLines.push(line);
            io.stderr.write(`${line}\n`);
          },
          ...(bar !== undefined ? { onProgress: (n: number) => bar.update(n) } : {}),
          logWith: (now) => strategyLogger(logFormat, io, now),
        });
      } catch (e) {
        // A strategy error that stopped the run: what ran so far is written, marked incomplete.
        if (!(e instanceof StrategyError) || e.partial === undefined) throw e;
        failure = e;
        run = e.partial;
      } finally {
        bar?.stop();
      }
      // What an unfinished run did not read says nothing about the data: warnings are for runs that went to the end.
      const warnings = failure === undefined ? runWarnings(run.result, run.feeds, config) : [];
      const status: RunStatus =
        failure === undefined
          ? { complete: true, warnings }
          : { complete: false, incompleteReason: stoppedReason(failure), warnings };
      const summary = summarize(run.result, run.strategyName, run.params, { benchmark, adjustment: run.adjustment });
      const notes: string[] = [];
      try {
        writeRunOutputs(folder.dir, run.result, summary, status);
        writeRunSettings(join(folder.dir, 'run.json'), config, flags.benchmark);
        if (flags.report === true) notes.push(...writeReport(folder.dir).notes);
      } catch (e) {
        throw outputError(config.out, e); // a full disk, named by --out (the staging folder goes)
      }
      folder.commit();
      for (const w of warnings) io.stderr.write(`warning: ${w.message}\n`);
      if (failure !== undefined) {
        failure.notes.push(`the run stopped there: its outputs up to ${failedAt(failure)} are in ${config.out}, marked incomplete in summary.json`);
        throw failure;
      }
      io.stdout.write(summaryTable(summary, config.out));
      if (flags.report === true) {
        for (const note of notes) io.stderr.write(`note: ${note}\n`);
        io.stdout.write(`report: ${join(config.out, 'report.html')}\n`);
      }
      if (skippedLines.length > 0) io.stdout.write(`${skippedLines.length} invalid row(s) skipped (listed on stderr)\n`);
      done(0);
    } finally {
      folder.discard();
    }
  });
}

/** summary.json's incomplete_reason: the error, without the strategy's stack. */
function stoppedReason(e: StrategyError): string {
  const input = e.inputError;
  if (input === undefined) return e.headline();
  return `${input.issues.map(formatIssue).join('; ')} (called at ${e.location}, ${e.stage})`;
}

function failedAt(e: StrategyError): string {
  return e.time === e.time ? formatTime(e.time) : 'the start (no data had been read)';
}

