import type { Command } from 'commander';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { formatIso } from '../../core/time.js';
import { CatalogRecorder, IncidentLog, recordMarket, resolveRecordSource, type FlushReport } from '../../live/record/index.js';
import type { DataChannel, Incident, MarketSubscription } from '../../live/source.js';
import { collect } from '../args.js';
import type { CliIO } from '../io.js';

const CHANNELS: readonly DataChannel[] = ['trades', 'quotes', 'book', 'bars'];

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

/** `90s`, `30m`, `1h`, `2d`, `500ms`; a plain number is seconds. In ms. */
export function durationMs(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  if (m === null || !(Number(m[1]) > 0)) {
    throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'expected a positive duration such as 90s, 30m, 1h, 2d (plain numbers are seconds)' });
  }
  return Math.round(Number(m[1]) * unit[(m[2] ?? 's') as keyof typeof unit]);
}

function channelsOf(text: string): DataChannel[] {
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = list.find((c) => !(CHANNELS as readonly string[]).includes(c));
  if (bad !== undefined || list.length === 0) {
    throw new InputError({ code: 'invalid_option', field: '--data', value: bad ?? text, message: `expected a comma-separated list of ${CHANNELS.join(', ')}` });
  }
  return [...new Set(list)] as DataChannel[];
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
      const flushEveryMs = durationMs('--flush-every', flags.flushEvery ?? '5');
      const duration = flags.duration !== undefined ? durationMs('--duration', flags.duration) : undefined;
      const symbols = [...new Set(flags.symbol)];
      const subscription: MarketSubscription = { symbols, channels, timeframe: flags.timeframe ?? '1m' };
      const source = resolveRecordSource({ exchange: flags.exchange, ...(flags.url !== undefined ? { url: flags.url } : {}) });
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
