import type { Command } from 'commander';
import { readConfigFile } from '../backtest/config.js';
import { InputError } from '../core/errors.js';
import { parseIsoTime } from '../core/time.js';
import { coerceParamText } from '../backtest/strategy-loader.js';
import { expandDataPaths } from '../data/index.js';
import { adjustFlag, collect, numberFlag, parsePairs } from './args.js';
import type { ExecutionFlags } from './execution-flags.js';
import type { InstrumentFlags } from './instrument-flags.js';
import type { RiskFlags } from './risk-flags.js';
import { addRiskFlags, riskFromFlags } from './risk-flags.js';
import { addInstrumentFlags, instrumentFromFlags } from './instrument-flags.js';
import { addExecutionFlags, executionFromFlags } from './execution-flags.js';
import type { FormatFlags } from './format-flags.js';
import { addFormatFlags, formatFromFlags } from './format-flags.js';

/** The flags of a backtest, which every command that runs backtests (backtest, optimize) takes. */
export interface BacktestFlags extends FormatFlags, ExecutionFlags, InstrumentFlags, RiskFlags {
  instrument?: string;
  strategy?: string;
  data?: string[];
  symbol?: string[];
  from?: string;
  to?: string;
  tradeFrom?: string;
  tradeTo?: string;
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
export function mergeSettings(flags: BacktestFlags): Record<string, unknown> {
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
  if (flags.from !== undefined) out.from = timeFlag('--from', flags.from);
  if (flags.to !== undefined) out.to = timeFlag('--to', flags.to);
  if (flags.tradeFrom !== undefined) out.tradeFrom = timeFlag('--trade-from', flags.tradeFrom);
  if (flags.tradeTo !== undefined) out.tradeTo = timeFlag('--trade-to', flags.tradeTo);
  if (flags.cash !== undefined) out.cash = numberFlag('--cash', flags.cash);
  // The fee model the flags give replaces the config file's whole (the execution object's maker/taker rates below).
  const feeModel = feeModelFlag(flags);
  if (feeModel !== undefined) {
    delete out.feeRate;
    delete out.feePerUnit;
  }
  if (flags.feeRate !== undefined) out.feeRate = numberFlag('--fee-rate', flags.feeRate);
  if (flags.feePerUnit !== undefined) out.feePerUnit = numberFlag('--fee-per-unit', flags.feePerUnit);
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
  let baseExecution = base.execution;
  if ((feeModel === '--fee-rate' || feeModel === '--fee-per-unit') && isObject(baseExecution)) {
    const rest = { ...baseExecution };
    delete rest.feeMaker;
    delete rest.feeTaker;
    out.execution = baseExecution = rest;
  }
  const execution = executionFromFlags(flags, baseExecution);
  if (execution !== undefined) out.execution = execution;
  const format = formatFromFlags(flags);
  if (format !== undefined) out.format = { ...((base.format ?? {}) as Record<string, unknown>), ...format };
  return out;
}

/** A time flag's text, refused (naming the flag) unless it is an ISO 8601 date or date-time as the config takes it. */
function timeFlag(flag: string, text: string): string {
  if (parseIsoTime(text) === undefined) throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'not an ISO 8601 date or date-time (2020-01-02, 2020-01-02T09:30:00Z, 2020-01-02T09:30:00-05:00)' });
  return text;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The flag of the one fee model the flags give (`--fee-rate`,
 * `--fee-per-unit`, or `--fee-maker` / `--fee-taker`, which go together),
 * undefined when none. Two models is a mistake: no fee flag is silently
 * ignored. (`--fee-min` is a floor over any of them.)
 */
function feeModelFlag(flags: BacktestFlags): string | undefined {
  const given: [flag: string, value: string][] = [];
  if (flags.feeRate !== undefined) given.push(['--fee-rate', flags.feeRate]);
  if (flags.feePerUnit !== undefined) given.push(['--fee-per-unit', flags.feePerUnit]);
  if (flags.feeMaker !== undefined) given.push(['--fee-maker', flags.feeMaker]);
  else if (flags.feeTaker !== undefined) given.push(['--fee-taker', flags.feeTaker]);
  const [first, second] = given;
  if (first !== undefined && second !== undefined) {
    const model = (flag: string): string => (flag === '--fee-maker' || flag === '--fee-taker' ? '--fee-maker/--fee-taker' : flag);
    throw new InputError({ code: 'invalid_option', field: second[0], value: second[1], message: `give either ${model(first[0])} or ${model(second[0])}, not both` });
  }
  return first?.[0];
}

/** Adds the backtest's flags to a command. */
export function addBacktestFlags(cmd: Command): Command {
  cmd
    .option('--strategy <file>', 'strategy file (.ts or .js), loaded at run time')
    .option('--data <csv>', 'market data file, or a folder (its .csv files in name order); repeat for several feeds', collect)
    .option('--symbol <symbol>', 'symbol of the data (one for all files, or one per --data); with --catalog, a symbol to read from it (repeatable)', collect)
    .option('--catalog <dir>', 'read the --symbol data sets from this Parquet catalog (a folder or s3://bucket/prefix)')
    .option('--cache', 'catalog runs: replay from the binary column cache, filling it on the first run')
    .option('--from <date>', 'first time to use (ISO 8601); earlier rows are dropped before any indicator sees them')
    .option('--to <date>', 'last time to use (ISO 8601; a date includes the whole day)')
    .option('--trade-from <date>', 'trade from this time (ISO 8601): earlier bars warm the strategy up, its orders are rejected (outside_trading_window) and nothing is recorded')
    .option('--trade-to <date>', 'trade until this time (ISO 8601; a date includes the whole day): later data is not replayed, open positions close at the last close')
    .option('--cash <n>', 'starting cash (default 100000)')
    .option('--fee-rate <r>', 'fee as a fraction of notional on every fill, e.g. 0.001')
    .option('--fee-per-unit <a>', 'fixed fee per unit or contract on every fill')
    .option('--param <name=value>', 'strategy parameter; repeatable', collect)
    .option('--on-invalid <mode>', 'what to do with a bad data row: fail (default) or skip')
    .option('--on-gap <mode>', "an order book's sequence gap or crossed book: fail (default) or warn (replay the rows as written)")
    .option('--out <dir>', 'output directory (default runs/latest; optimize: runs/optimize)')
    .option('--config <file>', 'JSON file with the same settings; flags override it')
    .option('--history <n>', 'bars of history kept per instrument for ctx.bars() (default 10000)')
    .option('--equity-sampling <mode>', 'equity curve rows: step (every time step, default) or day (last step of each UTC day; bounded memory on long runs)')
    .option('--no-progress', 'no progress bar')
    .option('--log-format <format>', "the strategy's ctx.log on stderr: pretty (default on a terminal) or json (JSON lines; default otherwise)")
    .option('--benchmark <csv>', 'benchmark prices (any detected format) for alpha and beta in summary.json')
    .option('--report', 'also write report.html, a self-contained performance report')
    .option('--adjust <mode>', 'adjust bar prices for corporate actions: none (default), splits, or all (splits and dividends)')
    .option('--actions <csv>', 'corporate actions (date,symbol,type,value) for --adjust; without it, --adjust all reads the Adj Close column');
  return addRiskFlags(addInstrumentFlags(addExecutionFlags(addFormatFlags(cmd))));
}
