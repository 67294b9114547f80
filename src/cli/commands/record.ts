import type { Command } from 'commander';
import { makeOutputFolder } from '../../live/live-run/session-folder.js';
import { join } from 'node:path';
import { formatIso } from '../../core/time.js';
import { CatalogRecorder, IncidentLog, recordMarket, type FlushReport } from '../../live/record/index.js';
import { resolveMarketSource } from '../../live/sources.js';
import type { Incident, MarketSubscription } from '../../live/source.js';
import { collect } from '../args.js';
import { channelsOf, parseDuration } from '../live-flags.js';
import type { CliIO } from '../io.js';

interface RecordFlags {
  exchange: string;
  symbol: string[];
  data?: string;
  timeframe?: string;
  catalog?: string;
  duration?: string;
  flushEvery?: string;
  url?: string;
  incidents?: string;
}

function flushLine(n: number, report: FlushReport): string {
  const parts = report.datasets.filter((d) => d.added > 0 || d.invalid > 0).map((d) => `${d.dataset} +${d.added}${d.last !== null ? ` (to ${d.last})` : ''}`);
  return `flush ${n}: ${report.added} rows added${parts.length > 0 ? `: ${parts.join(', ')}` : ''}${report.failed > 0 ? `; ${report.failed} data set(s) failed, kept for the next flush` : ''}\n`;
}

/** `quantflow record`: live market data into the catalog, flushed every few seconds, crash-safe. */
export function registerRecord(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('record')
    .description('record live market data into a Parquet catalog (as `data import` would store it), flushing every few seconds')
    .requiredOption('--exchange <id>', 'where the data comes from: an exchange id (ccxt, e.g. binance)')
    .requiredOption('--symbol <symbol>', 'unified symbol, e.g. BTC/USDT (repeatable)', collect)
    .option('--data <kinds>', 'comma-separated: trades, quotes, book, bars (default trades)')
    .option('--timeframe <tf>', 'bar timeframe when bars are recorded (default 1m)')
    .option('--catalog <dir>', 'catalog folder (default ./catalog; created if missing)')
    .option('--duration <time>', 'stop after this long (90s, 30m, 1h, 2d); default: until Ctrl-C or SIGTERM')
    .option('--flush-every <seconds>', 'write to the catalog every so many seconds (default 5): the most a crash loses')
    .option('--url <url>', "the exchange's base URL (a local `quantflow exchange`)")
    .option('--incidents <file>', 'incident log, appended to (default <catalog>/_incidents.csv)')
    .action(async (flags: RecordFlags) => {
      const root = flags.catalog ?? './catalog';
      const channels = channelsOf(flags.data ?? 'trades');
      const flushEveryMs = parseDuration('--flush-every', flags.flushEvery ?? '5') / 1000;
      const duration = flags.duration !== undefined ? parseDuration('--duration', flags.duration) / 1000 : undefined;
      const symbols = [...new Set(flags.symbol)];
      const subscription: MarketSubscription = { symbols, channels, timeframe: flags.timeframe ?? '1m' };
      const { source } = resolveMarketSource({ exchange: flags.exchange, url: flags.url });
      // The exchange is reachable and lists every symbol, before anything is created.
      await source.markets(symbols);
      makeOutputFolder(root, '--catalog');
      const log = new IncidentLog(flags.incidents ?? join(root, '_incidents.csv'));
      const onIncident = (i: Incident): void => {
        log.append(i);
        io.stderr.write(`incident: ${formatIso(i.time)} ${i.kind}${i.symbol !== '' ? ` ${i.symbol}` : ''}${i.channel !== '' ? ` ${i.channel}` : ''}: ${i.detail}\n`);
      };
      const started = new Date();
      const recorder = new CatalogRecorder({
        root,
        exchange: flags.exchange,
        symbols,
        session: `${flags.exchange}@${started.toISOString()}#${process.pid}`,
        onIncident,
        onWait: (message) => io.stderr.write(`${message}\n`),
      });
      // Ctrl-C and SIGTERM stop cleanly: the source closes, the last events are flushed, exit 0.
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      io.stdout.write(`recording ${channels.join(', ')} of ${symbols.join(', ')} from ${flags.exchange} into ${root} (a flush every ${flushEveryMs / 1000} s; incidents: ${log.path})\n`);
      let flushes = 0;
      try {
        const stats = await recordMarket({
          source,
          subscription,
          recorder,
          flushEveryMs,
          ...(duration !== undefined ? { durationMs: duration } : {}),
          signal: stop.signal,
          onFlush: (report) => {
            flushes++;
            if (report.added > 0 || report.failed > 0) io.stdout.write(flushLine(flushes, report));
          },
        });
        io.stdout.write(
          `recorded ${stats.received} events: ${stats.added} rows added to ${root} in ${stats.flushes} flushes; ${stats.invalid} invalid events refused; ${log.appended} incident(s) in ${log.path}\n`,
        );
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
      done(0);
    });
}
