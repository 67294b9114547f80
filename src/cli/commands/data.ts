import type { Command } from 'commander';
import { formatIssue } from '../../core/errors.js';
import type { Issue } from '../../core/errors.js';
import { MICROS_PER_MINUTE, parseIsoTime } from '../../core/time.js';
import { openCsvFeed, writeGeneratedCsv, type CsvFormatOptions } from '../../data/index.js';
import { isBookFile } from '../../backtest/run.js';
import { InputError } from '../../core/errors.js';
import { formatTime } from '../../report/format.js';
import { adjustFlag, integerFlag, numberFlag } from '../args.js';
import type { MarketFeed } from '../../model/market.js';
import type { CliIO } from '../io.js';
import { checkBookFiles } from './book-check.js';
import { registerCatalogCommands } from './catalog.js';
import type { FormatFlags } from '../format-flags.js';
import { addFormatFlags, formatFromFlags } from '../format-flags.js';
import { AdjustedFeed, AggregatedFeed, adjustFeed, expandDataPaths, parseBarSpec, parseCsvFormatOptions, readActionsFile, writeBarsCsv } from '../../data/index.js';
import { writeOutputFile } from '../../core/output-file.js';
import { refuseSameFile } from '../args.js';

interface GenerateFlags {
  bars?: string;
  seed?: string;
  out?: string;
  start?: string;
  interval?: string;
  price?: string;
  decimals?: string;
}

interface CheckFlags extends FormatFlags {
  onInvalid?: string;
  symbol?: string;
}

export function registerData(program: Command, io: CliIO, done: (code: number) => void): void {
  const data = program.command('data').description('market data tools');
  registerResample(data, io, done);
  registerCatalogCommands(data, io, done);

  data
    .command('generate')
    .description('write seeded, reproducible 1-minute bars (a random walk with valid OHLC and volume) as CSV')
    .requiredOption('--bars <n>', 'number of bars')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--seed <s>', 'random seed (default 1)')
    .option('--start <time>', 'time of the first bar (ISO 8601, default 2020-01-01T00:01:00Z)')
    .option('--interval <minutes>', 'minutes per bar (default 1)')
    .option('--price <p>', 'starting price (default 100)')
    .option('--decimals <d>', 'price decimals (default 2)')
    .action((flags: GenerateFlags) => {
      const bars = integerFlag('--bars', flags.bars ?? '');
      if (bars < 1) throw new InputError({ code: 'invalid_option', field: '--bars', value: String(bars), message: 'must be at least 1' });
      const start = flags.start === undefined ? undefined : parseIsoTime(flags.start);
      if (flags.start !== undefined && start === undefined) {
        throw new InputError({ code: 'invalid_option', field: '--start', value: flags.start, message: 'not an ISO 8601 time' });
      }
      const out = flags.out as string;
      const options = {
        bars,
        seed: flags.seed === undefined ? 1 : integerFlag('--seed', flags.seed),
        out,
        ...(start !== undefined ? { start } : {}),
        ...(flags.interval !== undefined ? { intervalMicros: numberFlag('--interval', flags.interval) * MICROS_PER_MINUTE } : {}),
        ...(flags.price !== undefined ? { startPrice: numberFlag('--price', flags.price) } : {}),
        ...(flags.decimals !== undefined ? { decimals: integerFlag('--decimals', flags.decimals) } : {}),
      };
      writeOutputFile(out, (target) => writeGeneratedCsv({ ...options, out: target }));
      io.stdout.write(`wrote ${bars} bars to ${out}\n`);
      done(0);
    });

  const check = data
    .command('check')
    .description('detect the format of data files (bars, quotes, trades, order books) and validate every row; order books also for their update sequence and crossed books')
    .argument('<files...>', 'CSV files; a folder stands for its .csv files (in name order); a snapshot and its updates are checked together as one book')
    .option('--on-invalid <mode>', 'fail at the first bad row (default) or skip and list them all')
    .option('--symbol <symbol>', 'symbol, when the file name does not give it');
  addFormatFlags(check).action((files: string[], flags: CheckFlags) => {
      const mode = flags.onInvalid ?? 'fail';
      if (mode !== 'fail' && mode !== 'skip') {
        throw new InputError({ code: 'invalid_option', field: '--on-invalid', value: mode, message: 'expected fail or skip' });
      }
      const format = parseCsvFormatOptions({
        ...formatFromFlags(flags),
        ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
      });
      let bad = 0;
      const paths = expandDataPaths(files, 'FILE');
      // Order-book files of one instrument are checked together (a snapshot and its updates are one book).
      const books = new Map<string, string[]>();
      for (const file of paths) {
        if (isBookFile(file)) {
          const key = flags.symbol ?? '';
          books.set(key, [...(books.get(key) ?? []), file]);
          continue;
        }
        bad += checkCsvFile(file, format, mode, flags.symbol, io);
      }
      for (const [symbol, group] of books) bad += checkBookFiles(group, { onInvalid: mode, ...(symbol !== '' ? { symbol } : {}) }, io);
      done(bad > 0 ? 2 : 0);
    });
}

/** Reads a CSV file of bars, quotes or trades through, printing what it holds; returns its invalid rows. */
function checkCsvFile(file: string, format: CsvFormatOptions, mode: 'fail' | 'skip', symbol: string | undefined, io: CliIO): number {
  const issues: Issue[] = [];
  const feed = openCsvFeed(file, {
    ...format,
    onInvalid: mode,
    onIssue: (i: Issue) => issues.push(i),
    ...(symbol !== undefined ? { symbol } : {}),
  });
  let rows = 0;
  let first = NaN;
  let last = NaN;
  try {
    for (let cols = feed.next(); cols !== null; cols = feed.next()) {
      if (cols.length === 0) continue;
      if (Number.isNaN(first)) first = cols.time[0] as number;
      last = cols.time[cols.length - 1] as number;
      rows += cols.length;
    }
  } finally {
    feed.close();
  }
  if (feed.rowsRead === 0) io.stderr.write(`warning: ${file} has no data rows\n`);
  io.stdout.write(`${file}: format ${feed.format.name}, ${feed.kind}s of ${feed.symbol}, ${rows} rows, ${formatTime(first)} .. ${formatTime(last)}, ${issues.length} invalid\n`);
  for (const i of issues) io.stdout.write(`  ${formatIssue(i)}\n`);
  return issues.length;
}

interface ResampleFlags extends FormatFlags {
  data?: string;
  to?: string;
  out?: string;
  session?: string;
  symbol?: string;
  adjust?: string;
  actions?: string;
}

/** `quantflow data resample --data CSV --to 1h|5m|1d|ticks:100|volume:1000|value:1e6 --out FILE` */
function registerResample(data: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = data
    .command('resample')
    .description('aggregate bars, trades or quotes into time, tick, volume or value bars, written as datetime,open,high,low,close,volume')
    .requiredOption('--data <csv>', 'bars, trades or quotes to aggregate')
    .requiredOption('--to <size>', 'bar size: 30s, 1m, 5m, 1h, 1d (time); ticks:N; volume:N; value:N (price x volume)')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--session <HH:MM-HH:MM>', 'trading session in the time zone of --timezone (default the whole day)')
    .option('--symbol <symbol>', 'symbol, when the file name does not give it')
    .option('--adjust <mode>', 'adjust bar prices for corporate actions first: none (default), splits, or all (splits and dividends)')
    .option('--actions <csv>', 'corporate actions (date,symbol,type,value) for --adjust; without it, --adjust all reads the Adj Close column');
  addFormatFlags(cmd).action((flags: ResampleFlags) => {
    const spec = parseBarSpec(flags.to as string, '--to');
    const adjust = flags.adjust === undefined ? 'none' : adjustFlag(flags.adjust);
    if (flags.actions !== undefined && adjust === 'none') {
      throw new InputError({ code: 'invalid_option', field: '--actions', value: flags.actions, message: 'an actions file is used only with --adjust splits or all' });
    }
    const actions = flags.actions !== undefined ? readActionsFile(flags.actions) : undefined;
    const format = parseCsvFormatOptions({
      ...formatFromFlags(flags),
      ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
    });
    const path = flags.data as string;
    refuseSameFile(path, flags.out as string);
    const options = { ...format, ...(flags.symbol !== undefined ? { symbol: flags.symbol } : {}) };
    const raw = openCsvFeed(path, options);
    let feed: MarketFeed;
    try {
      feed = adjustFeed(raw, { mode: adjust, actions, reopen: () => openCsvFeed(path, options) });
    } catch (e) {
      raw.close();
      throw e;
    }
    if (feed.kind !== 'bar' && feed.kind !== 'trade' && feed.kind !== 'quote') {
      feed.close();
      throw new InputError({ code: 'invalid_option', field: '--data', value: flags.data as string, message: `cannot build bars from ${feed.kind} rows` });
    }
    if (feed.kind === 'quote' && (spec.kind === 'volume' || spec.kind === 'value')) {
      feed.close();
      throw new InputError({ code: 'invalid_option', field: '--to', value: spec.text, message: 'quotes have no traded volume: use time or tick bars' });
    }
    const agg = new AggregatedFeed(feed, spec, {
      ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
      ...(flags.session !== undefined ? { session: flags.session } : {}),
    });
    const out = flags.out as string;
    const outside = (): number => agg.aggregator.outsideSession;
    let written;
    try {
      written = writeOutputFile(out, (target) => writeBarsCsv(agg, target));
    } finally {
      agg.close();
    }
    const r = { ...written, path: out };
    if (r.bars === 0) io.stderr.write(`warning: no bars: ${path} has no rows${outside() > 0 ? ' inside the session' : ''}\n`);
    const adjusted = feed instanceof AdjustedFeed ? `, adjusted (${feed.adjustment.mode}, from ${feed.adjustment.source === 'adj_close' ? 'the Adj Close column' : feed.adjustment.actionsFile})` : '';
    io.stdout.write(
      `wrote ${r.bars} ${spec.text} bars from ${feed.kind}s of ${feed.symbol}${adjusted} to ${r.path}${outside() > 0 ? ` (${outside()} rows outside the session left out)` : ''}\n`,
    );
    done(0);
  });
}
