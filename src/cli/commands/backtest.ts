import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { readConfigFile, parseRunConfig } from '../../backtest/config.js';
import { runBacktestConfig } from '../../backtest/run.js';
import { coerceParamText } from '../../backtest/strategy-loader.js';
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
import { expandDataPaths } from '../../data/index.js';
import { logFormatOf, strategyLogger } from '../logger.js';
import { adjustFlag, collect, numberFlag, parsePairs } from '../args.js';
import type { SummaryAdjustment } from '../../report/summary.js';
import type { CliIO } from '../io.js';
import type { ExecutionFlags } from '../execution-flags.js';
import type { InstrumentFlags } from '../instrument-flags.js';
import type { RiskFlags } from '../risk-flags.js';
import { addRiskFlags, riskFromFlags } from '../risk-flags.js';
import { addInstrumentFlags, instrumentFromFlags } from '../instrument-flags.js';
import { addExecutionFlags, executionFromFlags } from '../execution-flags.js';
import type { FormatFlags } from '../format-flags.js';
import { addFormatFlags, formatFromFlags } from '../format-flags.js';

interface BacktestFlags extends FormatFlags, ExecutionFlags, InstrumentFlags, RiskFlags {
  instrument?: string;
  strategy?: string;
  data?: string[];
  symbol?: string[];
  from?: string;
  to?: string;
  cash?: string;
  feeRate?: string;
  feePerUnit?: string;
  param?: string[];
  onInvalid?: string;
  onGap?: string;
  out?: string;
  config?: string;
  history?: string;
  progress?: boolean;
  report?: boolean;
  benchmark?: string;
  adjust?: string;
  actions?: string;
  catalog?: string;
  cache?: boolean;
  equitySampling?: string;
  logFormat?: string;
}

/** Flags over the config file: only flags actually given override it. */
function mergeSettings(flags: BacktestFlags): Record<string, unknown> {
  const base = flags.config !== undefined ? readConfigFile(flags.config) : {};
  const out: Record<string, unknown> = { ...base };
  if (flags.strategy !== undefined) out.strategy = flags.strategy;
  if (flags.data !== undefined) out.data = flags.data;
  else if (typeof out.data === 'string') out.data = [out.data];
  // A folder stands for its .csv files, in name order (as data import takes it).
  if (Array.isArray(out.data) && out.data.every((d) => typeof d === 'string')) out.data = expandDataPaths(out.data as string[]);
  if (flags.symbol !== undefined) out.symbol = flags.symbol;
  else if (typeof out.symbol === 'string') out.symbol = [out.symbol];
  if (flags.catalog !== undefined) out.catalog = flags.catalog;
  if (flags.equitySampling !== undefined) out.equitySampling = flags.equitySampling;
  if (flags.cache === true) out.cache = true;
  if (flags.from !== undefined) out.from = flags.from;
  if (flags.to !== undefined) out.to = flags.to;
  if (flags.cash !== undefined) out.cash = numberFlag('--cash', flags.cash);
  if (flags.feeRate !== undefined) {
    out.feeRate = numberFlag('--fee-rate', flags.feeRate);
    delete out.feePerUnit;
  }
  if (flags.feePerUnit !== undefined) {
    out.feePerUnit = numberFlag('--fee-per-unit', flags.feePerUnit);
    if (flags.feeRate === undefined) delete out.feeRate;
  }
  if (flags.param !== undefined) {
    const fromFile = (base.params ?? {}) as Record<string, unknown>;
    out.params = { ...fromFile, ...parsePairs('--param', flags.param, coerceParamText) };
  }
  if (flags.onInvalid !== undefined) out.onInvalid = flags.onInvalid;
  if (flags.onGap !== undefined) out.onGap = flags.onGap;
  if (flags.out !== undefined) out.out = flags.out;
  if (flags.history !== undefined) out.history = numberFlag('--history', flags.history);
  if (flags.timezone !== undefined) out.timezone = flags.timezone;
  if (flags.adjust !== undefined) out.adjust = adjustFlag(flags.adjust);
  if (flags.actions !== undefined) out.actions = flags.actions;
  const fl = flags as { interestRate?: string; borrowRate?: string; accountCurrency?: string; leverage?: string; positionMode?: string };
  if (fl.interestRate !== undefined || fl.borrowRate !== undefined || fl.accountCurrency !== undefined || fl.leverage !== undefined || fl.positionMode !== undefined) {
    out.account = {
      ...((base.account ?? {}) as Record<string, unknown>),
      ...(fl.positionMode !== undefined ? { positionMode: fl.positionMode } : {}),
      ...(fl.leverage !== undefined ? { leverage: numberFlag('--leverage', fl.leverage) } : {}),
      ...(fl.accountCurrency !== undefined ? { currency: fl.accountCurrency } : {}),
      ...(fl.interestRate !== undefined ? { interestRate: numberFlag('--interest-rate', fl.interestRate) } : {}),
      ...(fl.borrowRate !== undefined ? { borrowRate: numberFlag('--borrow-rate', fl.borrowRate) } : {}),
    };
  }
  const risk = riskFromFlags(flags, base.risk);
  if (risk !== undefined) out.risk = risk;
  const instrument = instrumentFromFlags(flags, base.instrument);
  if (instrument !== undefined) out.instrument = instrument;
  const execution = executionFromFlags(flags, base.execution);
  if (execution !== undefined) out.execution = execution;
  const format = formatFromFlags(flags);
  if (format !== undefined) out.format = { ...((base.format ?? {}) as Record<string, unknown>), ...format };
  return out;
}

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
    .description('run a strategy over market data and write summary.json, trades.csv, orders.csv, equity.csv')
    .option('--strategy <file>', 'strategy file (.ts or .js), loaded at run time')
    .option('--data <csv>', 'market data file, or a folder (its .csv files in name order); repeat for several feeds', collect)
    .option('--symbol <symbol>', 'symbol of the data (one for all files, or one per --data); with --catalog, a symbol to read from it (repeatable)', collect)
    .option('--catalog <dir>', 'read the --symbol data sets from this Parquet catalog (a folder or s3://bucket/prefix)')
    .option('--cache', 'catalog runs: replay from the binary column cache, filling it on the first run')
    .option('--from <date>', 'first time to use (ISO 8601); earlier rows are dropped before any indicator sees them')
    .option('--to <date>', 'last time to use (ISO 8601; a date includes the whole day)')
    .option('--cash <n>', 'starting cash (default 100000)')
    .option('--fee-rate <r>', 'fee as a fraction of notional on every fill, e.g. 0.001')
    .option('--fee-per-unit <a>', 'fixed fee per unit or contract on every fill')
    .option('--param <name=value>', 'strategy parameter; repeatable', collect)
    .option('--on-invalid <mode>', 'what to do with a bad data row: fail (default) or skip')
    .option('--on-gap <mode>', "an order book's sequence gap or crossed book: fail (default) or warn (replay the rows as written)")
    .option('--out <dir>', 'output directory (default runs/latest)')
    .option('--config <file>', 'JSON file with the same settings; flags override it')
    .option('--history <n>', 'bars of history kept per instrument for ctx.bars() (default 10000)')
    .option('--equity-sampling <mode>', 'equity curve rows: step (every time step, default) or day (last step of each UTC day; bounded memory on long runs)')
    .option('--no-progress', 'no progress bar')
    .option('--log-format <format>', "the strategy's ctx.log on stderr: pretty (default on a terminal) or json (JSON lines; default otherwise)")
    .option('--benchmark <csv>', 'benchmark prices (any detected format) for alpha and beta in summary.json')
    .option('--report', 'also write report.html, a self-contained performance report')
    .option('--adjust <mode>', 'adjust bar prices for corporate actions: none (default), splits, or all (splits and dividends)')
    .option('--actions <csv>', 'corporate actions (date,symbol,type,value) for --adjust; without it, --adjust all reads the Adj Close column');
  addRiskFlags(addInstrumentFlags(addExecutionFlags(addFormatFlags(cmd)))).action(async (flags: BacktestFlags) => {
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

