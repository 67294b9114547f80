import { writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseRunConfig, type RunConfig } from '../backtest/config.js';
import { GuardedStrategy } from '../backtest/guarded-strategy.js';
import { createStrategy } from '../backtest/run.js';
import { StrategyError } from '../backtest/strategy-error.js';
import { loadStrategyFile } from '../backtest/strategy-loader.js';
import { InputError } from '../core/errors.js';
import { writeOutputFile } from '../core/output-file.js';
import { MICROS_PER_SECOND } from '../core/time.js';
import type { PaperRunOptions, PaperRunResult } from '../live/paper/paper-run.js';
import { claimSessionFolder } from '../live/live-run/session-folder.js';
import { resolveMarketSource } from '../live/sources.js';
import type { Instrument } from '../model/instrument.js';
import type { DataChannel } from '../live/source.js';
import type { Logger } from '../strategy/context.js';
import { collect, numberFlag } from './args.js';
import type { BacktestFlags } from './backtest-flags.js';
import { mergeSettings } from './backtest-flags.js';
import { addExecutionFlags } from './execution-flags.js';
import { addInstrumentFlags } from './instrument-flags.js';
import type { CliIO } from './io.js';
import { channelsOf, parseDuration } from './live-flags.js';
import { logFormatOf, strategyLogger } from './logger.js';
import { addRiskFlags } from './risk-flags.js';

/** Flags of the trading sessions on live market data (paper, live). */
export interface SessionFlags extends BacktestFlags {
  exchange?: string;
  timeframe?: string;
  dataChannels?: string;
  duration?: string;
  staleAfter?: string;
  url?: string;
  speed?: string;
}

/** The options `quantflow paper` and `quantflow live` share; `cash` describes --cash, `out` the default output folder. */
export function addSessionOptions(cmd: Command, cash: string, out: string): Command {
  cmd
    .option('--strategy <file>', 'strategy file (.ts or .js), loaded at run time')
    .option('--exchange <id>', 'market data source: an exchange id, or replay:FILE[,FILE...] to replay data files')
    .option('--symbol <symbol>', 'symbol to trade, as the exchange names it (BTC/USDT); repeatable', collect)
    .option('--timeframe <tf>', 'bar timeframe when bars are subscribed (default 1m)')
    .option('--data <channels>', 'market data to subscribe: a comma-separated list of trades, quotes, book, bars (default bars)')
    .option('--cash <n>', cash)
    .option('--fee-rate <r>', 'fee as a fraction of notional on every fill, e.g. 0.001')
    .option('--fee-per-unit <a>', 'fixed fee per unit or contract on every fill')
    .option('--param <name=value>', 'strategy parameter; repeatable', collect)
    .option('--out <dir>', `output directory (default ${out})`)
    .option('--duration <time>', 'stop after this long (90s, 30m, 1h, 2d); default: until the data ends or Ctrl-C')
    .option('--stale-after <seconds>', 'no market data for this many seconds: a stale_feed incident and onFeedStatus (default 30; 0: off)')
    .option('--url <url>', "a local exchange's base URL (quantflow exchange), for an exchange id")
    .option('--on-gap <mode>', "replays of book files: a sequence gap or crossed book fails the run (fail, default) or is replayed as written (warn)")
    .option('--speed <x>', 'replays: market time per wall time (1: as stamped; default 0: as fast as possible)')
    .option('--config <file>', 'JSON file with the same settings as backtest; flags override it')
    .option('--history <n>', 'bars of history kept per instrument for ctx.bars() (default 10000)')
    .option('--equity-sampling <mode>', 'equity curve rows: step (default) or day')
    .option('--log-format <format>', "the strategy's ctx.log and incidents on stderr: pretty or json");
  return addRiskFlags(addInstrumentFlags(addExecutionFlags(cmd)));
}

/** A session's settings, checked, with its strategy loaded and its market source chosen. */
export interface SessionSetup {
  readonly flags: SessionFlags;
  readonly config: RunConfig;
  readonly symbols: readonly string[];
  readonly channels: readonly DataChannel[];
  readonly timeframe: string;
  /** The options of runPaper / runLive but those each run sets itself. */
  readonly run: Omit<PaperRunOptions, 'signal' | 'logWith' | 'onIncident'>;
  /** The strategy's ctx.log and the incidents on stderr. */
  readonly logWith: (now: () => number) => Logger;
  readonly onIncident: NonNullable<PaperRunOptions['onIncident']>;
}

/** Checks the session flags and loads the strategy; `defaultOut` is the output folder without --out. */
export async function sessionSetup(raw: SessionFlags & { data?: string | string[] }, io: CliIO, defaultOut: string): Promise<SessionSetup> {
  // --data names channels here, not files: keep it away from the backtest settings.
  const channelText = typeof raw.data === 'string' ? raw.data : Array.isArray(raw.data) ? raw.data.join(',') : 'bars';
  const flags: SessionFlags = { ...raw };
  delete (flags as { data?: unknown }).data;
  if (flags.strategy === undefined) throw new InputError({ code: 'invalid_option', field: '--strategy', message: 'give the strategy file (--strategy FILE)' });
  if (flags.exchange === undefined) throw new InputError({ code: 'invalid_option', field: '--exchange', message: 'give the market data source (--exchange ID, or replay:FILE)' });
  const symbols = flags.symbol ?? [];
  if (symbols.length === 0) throw new InputError({ code: 'invalid_option', field: '--symbol', message: 'give the symbol to trade (--symbol BTC/USDT; repeatable)' });
  const channels = channelsOf(channelText);
  const timeframe = flags.timeframe ?? '1m';
  if (!/^\d+[smhdwM]$/.test(timeframe)) throw new InputError({ code: 'invalid_option', field: '--timeframe', value: timeframe, message: 'expected a timeframe such as 1m, 5m, 1h, 1d' });
  const duration = flags.duration !== undefined ? parseDuration('--duration', flags.duration) : undefined;
  const staleSeconds = flags.staleAfter !== undefined ? numberFlag('--stale-after', flags.staleAfter) : 30;
  if (!(staleSeconds >= 0)) throw new InputError({ code: 'invalid_option', field: '--stale-after', value: flags.staleAfter ?? '', message: 'expected seconds, 0 or more' });
  const speed = flags.speed !== undefined ? numberFlag('--speed', flags.speed) : undefined;
  if (speed !== undefined && !(speed >= 0)) throw new InputError({ code: 'invalid_option', field: '--speed', value: flags.speed ?? '', message: 'expected 0 (as fast as possible) or more' });
  const settings = mergeSettings({ ...flags, symbol: symbols });
  delete settings.symbol;
  // A live run has no data files; the source stands in their place in the backtest's settings.
  const config = parseRunConfig({ out: defaultOut, ...settings, data: [flags.exchange] }, flags.config);
  const choice = resolveMarketSource({ exchange: flags.exchange, url: flags.url, speed, onGap: config.onGap });
  const logFormat = logFormatOf(flags.logFormat, io);
  const cls = await loadStrategyFile(config.strategy);
  const { strategy, params } = createStrategy(cls, config);
  const name = cls.name || basename(config.strategy, extname(config.strategy));
  let log: Logger | undefined;
  return {
    flags,
    config,
    symbols,
    channels,
    timeframe,
    run: {
      config,
      strategy: new GuardedStrategy(strategy, config.strategy),
      strategyName: name,
      params,
      source: choice.source,
      sourceName: choice.name,
      subscription: { symbols, channels, timeframe },
      timeRate: choice.timeRate,
      out: config.out,
      duration,
      staleAfter: staleSeconds * MICROS_PER_SECOND,
    },
    logWith: (now) => (log = strategyLogger(logFormat, io, now)),
    onIncident: (i) => log?.warn(`incident ${i.kind}`, { symbol: i.symbol, channel: i.channel, detail: i.detail }),
  };
}

/** Runs a session until it ends; SIGINT and SIGTERM stop it cleanly (outputs complete, exit 0). */
export async function withStopSignals<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(stop.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/**
 * Runs a session in its --out folder, claimed (created, checked to be a run
 * folder, locked against a second session) for the session's length.
 */
export async function inSessionFolder<T>(out: string, run: () => Promise<T>): Promise<T> {
  const folder = claimSessionFolder(out);
  try {
    return await run();
  } finally {
    folder.release();
  }
}

/**
 * run.json of a paper or live session, written when it starts (a killed run
 * can be reconciled): the settings a backtest of its
 * recorded market data needs (`quantflow reconcile`, `quantflow report`),
 * with the strategy's absolute path and each instrument's tick and lot size
 * as the run used them (the exchange's where no flag set them).
 */
export function writeSessionRunJson(config: RunConfig, traded: readonly Instrument[], session: Readonly<Record<string, unknown>>): void {
  const own = new Map((config.instruments ?? []).map((i) => [i.symbol, i]));
  const instruments = traded.map((i) => ({ ...own.get(i.symbol), symbol: i.symbol, tickSize: i.tickSize, lotSize: i.lotSize }));
  const saved = { ...config, strategy: resolve(config.strategy), data: [], instruments };
  writeOutputFile(join(config.out, 'run.json'), (path) => writeFileSync(path, JSON.stringify({ config: saved, ...session }, null, 2) + '\n'));
}

/** A failed session's error, with where its outputs are; rethrown for the CLI's exit status. */
export function rethrowFailure(run: PaperRunResult, out: string): void {
  if (run.failure === undefined) return;
  const e = run.failure;
  if (e instanceof StrategyError) e.notes.push(`the run stopped there: its outputs so far are in ${out}, marked incomplete in summary.json`);
  throw e;
}

/** The lines a finished session prints. */
export function sessionReport(run: PaperRunResult, out: string, extra: readonly string[] = []): string {
  const s = run.summary;
  const live = s.live;
  return (
    [
      `strategy      ${s.strategy} ${JSON.stringify(s.params)}`,
      `source        ${live.source} (${live.symbols.join(', ')}: ${live.channels.join(', ')})`,
      `stopped       ${live.stop_reason ?? ''}`,
      `events        ${live.events.trades} trades, ${live.events.quotes} quotes, ${live.events.bars} bars, ${live.events.book} book updates`,
      `orders        ${s.orders} (${s.orders_filled} filled, ${s.orders_rejected} rejected)`,
      `final equity  ${s.final_equity}`,
      `incidents     ${live.incidents}`,
      ...extra,
      `outputs       ${out}`,
    ].join('\n') + '\n'
  );
}
