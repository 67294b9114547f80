import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { wallMicros } from '../../live/replay-source.js';
import { credentialsSource, loadCredentials } from '../../live/credentials.js';
import { runLive } from '../../live/live-run/run-live.js';
import { liveVenueFactory } from '../../live/live-run/venues.js';
import type { UnknownOrderPolicy } from '../../live/journal/index.js';
import type { CliIO } from '../io.js';
import { addSessionOptions, inSessionFolder, writeSessionRunJson, rethrowFailure, sessionReport, sessionSetup, withStopSignals, type SessionFlags } from '../session-flags.js';

interface LiveFlags extends SessionFlags {
  credentials?: string;
  unknownOrders?: string;
}

const UNKNOWN_ORDER_POLICIES: readonly UnknownOrderPolicy[] = ['adopt', 'cancel', 'stop'];

export function registerLive(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('live')
    .description('live trading: a strategy on live market data, orders sent to the exchange; outputs written as the run goes')
    .option('--credentials <file|env:PREFIX>', 'API keys: a file readable by its owner only (JSON or KEY=VALUE: apiKey, secret, password), or env:PREFIX for PREFIX_API_KEY, PREFIX_SECRET, PREFIX_PASSWORD')
    .option('--unknown-orders <policy>', 'orders at the exchange the run does not know: adopt, cancel or stop (default stop)');
  addSessionOptions(cmd, 'not allowed: the account comes from the exchange', 'runs/live').action(async (raw: LiveFlags & { data?: string | string[] }) => {
    if (raw.cash !== undefined) {
      throw new InputError({ code: 'invalid_option', field: '--cash', value: String(raw.cash), message: "a live run trades the exchange account's balance: --cash is for paper runs" });
    }
    if (raw.credentials === undefined) {
      throw new InputError({ code: 'invalid_option', field: '--credentials', message: 'give the API keys (--credentials FILE, readable by its owner only, or env:PREFIX)' });
    }
    const unknownOrders = (raw.unknownOrders ?? 'stop') as UnknownOrderPolicy;
    if (!UNKNOWN_ORDER_POLICIES.includes(unknownOrders)) {
      throw new InputError({ code: 'invalid_option', field: '--unknown-orders', value: raw.unknownOrders ?? '', message: `expected ${UNKNOWN_ORDER_POLICIES.join(', ')}` });
    }
    if (raw.exchange?.startsWith('replay:') === true) {
      throw new InputError({ code: 'invalid_option', field: '--exchange', value: raw.exchange, message: 'a live run trades on an exchange: give its id (replays are for paper runs)' });
    }
    const credentials = loadCredentials(raw.credentials);
    const { credentials: _c, unknownOrders: _u, ...sessionFlags } = raw;
    const setup = await sessionSetup(sessionFlags, io, 'runs/live');
    const { config, symbols, channels, timeframe } = setup;
    const exchange = setup.flags.exchange as string;
    // Where the keys came from (a file's path or an environment prefix), never the keys.
    const live = { exchange, url: setup.flags.url ?? null, credentials: credentialsSource(raw.credentials), unknown_orders: unknownOrders, symbols, channels, timeframe };
    const run = await inSessionFolder(config.out, () => {
      const venue = liveVenueFactory(exchange)({
        exchange: exchange.toLowerCase(),
        url: setup.flags.url,
        credentials,
        runDir: config.out,
        unknownOrders,
        wallNow: wallMicros,
        onIncident: setup.onIncident,
      });
      return withStopSignals((signal) =>
        runLive({
          ...setup.run,
          venue,
          venueName: exchange,
          signal,
          logWith: setup.logWith,
          onIncident: setup.onIncident,
          onStart: (instruments) => writeSessionRunJson(config, instruments, { live }),
        }),
      );
    });
    rethrowFailure(run, config.out);
    const v = run.summary.live.venue as { start?: { adopted_orders?: number }; orders_left_working?: number } | undefined;
    io.stdout.write(
      sessionReport(run, config.out, [
        `adopted       ${v?.start?.adopted_orders ?? 0} orders working at the start`,
        `left working  ${v?.orders_left_working ?? 0} orders (they stay at the exchange)`,
      ]),
    );
    done(0);
  });
}
