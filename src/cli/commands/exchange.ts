import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { expandDataPaths } from '../../data/index.js';
import { startLocalExchange, type ExchangeDataFile, type LocalExchangeOptions } from '../../live/local-exchange/index.js';
import { collect, integerFlag, numberFlag } from '../args.js';
import type { CliIO } from '../io.js';

interface ExchangeFlags {
  data?: string[];
  symbol?: string;
  host?: string;
  port?: string;
  allowRemote?: boolean;
  speed?: string;
  start?: string;
  dropEvery?: string;
  disconnectEvery?: string;
  delayMs?: string;
  rateLimit?: string;
  tickSize?: string;
  lotSize?: string;
  account?: string[];
  balance?: string[];
  feeRate?: string;
  feeAsset?: string;
  clockSkewMs?: string;
  orderLatencyMs?: string;
  rejectEvery?: string;
  partialFills?: boolean;
  /** commander's --no-cancel-replace: false when given. */
  cancelReplace?: boolean;
  dropReportsEvery?: string;
  slippageBps?: string;
}

export function registerExchange(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('exchange')
    .description('serve data files as a local Binance spot exchange (REST and WebSocket streams) for ccxt: paper runs and tests without the internet')
    .option('--data <file[=SYMBOL]>', 'a data file (trades, quotes, bars, Binance depth or Tardis book snapshots), or a folder of them; =BTC/USDT names its market; repeat', collect)
    .option('--symbol <symbol>', 'the market (BTC/USDT) of every --data without one (default: the files’ own symbols, BTCUSDT -> BTC/USDT)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1; loopback only unless --allow-remote)')
    .option('--port <port>', 'port to listen on (default 0: a free one, printed)')
    .option('--allow-remote', 'allow a --host other than loopback')
    .option('--speed <x>', 'replay speed, times real time (default 1); 0 or max: as fast as the clients read')
    .option('--start <when>', 'when the replay starts: subscribe (default: the first stream subscription), now, or manual (POST /quantflow/start, or step it: POST /quantflow/step?events=N)')
    .option('--drop-every <n>', 'drop every Nth stream message of each connection (a dropped depth update is a sequence gap)')
    .option('--disconnect-every <seconds>', 'close every WebSocket every this many seconds of replayed data time')
    .option('--delay-ms <ms>', 'delay every message and REST answer by this many ms')
    .option('--rate-limit <n/s>', 'allow N REST requests per S seconds per client: then 429 with Retry-After, and 418 (banned) for a client that keeps going')
    .option('--tick-size <x>', 'price increment for every market (default: from the data’s decimals)')
    .option('--lot-size <x>', 'quantity increment for every market (default: from the data’s decimals)')
    .option('--account <key:secret>', 'a trading account: API key and secret for signed requests (HMAC-SHA256, as Binance); repeat', collect)
    .option('--balance <asset=amount>', 'starting free balance of every account (USDT=10000); repeat', collect)
    .option('--fee-rate <x>', 'commission per fill, a fraction of its amount (default 0.001)')
    .option('--fee-asset <asset>', 'the asset commissions are charged in: quote (default), or base (as Binance without BNB: a buy pays in the base asset it receives, a sell in the quote)')
    .option('--clock-skew-ms <ms>', 'the server clock (/api/v3/time and the signed-request check) is the wall clock plus this many ms; may be negative')
    .option('--order-latency-ms <ms>', 'new and cancel requests reach the matcher this many ms after they arrive')
    .option('--reject-every <n>', 'reject every Nth new order (-2010 with a reason)')
    .option('--partial-fills', 'split every fill into two trades')
    .option('--no-cancel-replace', 'answer POST /api/v3/order/cancelReplace as an unknown endpoint (404), as an exchange without cancel-replace: clients modify by cancel, then a new order')
    .option('--drop-reports-every <n>', 'drop every Nth user data stream report of each connection (REST stays right)')
    .option('--slippage-bps <n>', 'fill every order N basis points worse than the rule price (buys higher, sells lower), on the tick grid, never past a limit')
    .action(async (flags: ExchangeFlags) => {
      const options = exchangeOptions(flags);
      const exchange = await startLocalExchange({
        ...options,
        onReplayDone: () => io.stderr.write('exchange: replay done: every event sent; REST keeps serving the final state, streams stay open and idle\n'),
      });
      // The URL alone on stdout's first line, for scripts; the rest on stderr.
      io.stdout.write(`${exchange.url}\n`);
      const status = exchange.status();
      for (const m of status.markets) io.stderr.write(`exchange: ${m.symbol} (${m.id}): ${m.channels.join(', ')}; tick ${m.tickSize}, lot ${m.lotSize}\n`);
      for (const w of status.warnings) io.stderr.write(`warning: ${w} (the exchange serves the book as replayed: see docs/live.md)\n`);
      io.stderr.write(`exchange: ${status.events} events; WebSocket ${exchange.wsUrl}; status ${exchange.url}/quantflow/status; stop with Ctrl-C\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const on = (s: NodeJS.Signals): void => {
          process.removeListener('SIGINT', on);
          process.removeListener('SIGTERM', on);
          resolve(s);
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      });
      await exchange.close();
      io.stderr.write(`exchange: stopped (${signal})\n`);
      done(0);
    });
}

/** The flags as library options; InputError naming the flag and value for anything wrong. */
export function exchangeOptions(flags: ExchangeFlags): LocalExchangeOptions {
  const data: ExchangeDataFile[] = [];
  for (const given of flags.data ?? []) {
    const { path, symbol } = splitDataFlag(given);
    const own = symbol ?? flags.symbol?.toUpperCase();
    for (const file of expandDataPaths([path])) data.push(own !== undefined ? { path: file, symbol: own } : { path: file });
  }
  if (data.length === 0) throw new InputError({ code: 'invalid_option', field: '--data', message: 'give at least one data file' });
  const speed = flags.speed === undefined ? undefined : flags.speed === 'max' ? 0 : numberFlag('--speed', flags.speed);
  const start = flags.start === undefined ? undefined : startFlag(flags.start);
  return {
    data,
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.port !== undefined ? { port: integerFlag('--port', flags.port) } : {}),
    ...(flags.allowRemote === true ? { allowRemote: true } : {}),
    ...(speed !== undefined ? { speed } : {}),
    ...(start !== undefined ? { start } : {}),
    ...(flags.dropEvery !== undefined ? { dropEvery: integerFlag('--drop-every', flags.dropEvery) } : {}),
    ...(flags.disconnectEvery !== undefined ? { disconnectEverySeconds: numberFlag('--disconnect-every', flags.disconnectEvery) } : {}),
    ...(flags.delayMs !== undefined ? { delayMs: numberFlag('--delay-ms', flags.delayMs) } : {}),
    ...(flags.rateLimit !== undefined ? { rateLimit: rateLimitFlag(flags.rateLimit) } : {}),
    ...(flags.tickSize !== undefined ? { tickSize: flags.tickSize } : {}),
    ...(flags.lotSize !== undefined ? { lotSize: flags.lotSize } : {}),
    ...(flags.account !== undefined ? { accounts: flags.account.map(accountFlag) } : {}),
    ...(flags.balance !== undefined ? { balances: balanceFlags(flags.balance) } : {}),
    ...(flags.feeRate !== undefined ? { feeRate: numberFlag('--fee-rate', flags.feeRate) } : {}),
    ...(flags.feeAsset !== undefined ? { feeAsset: feeAssetFlag(flags.feeAsset) } : {}),
    ...(flags.clockSkewMs !== undefined ? { clockSkewMs: integerFlag('--clock-skew-ms', flags.clockSkewMs) } : {}),
    ...(flags.orderLatencyMs !== undefined ? { orderLatencyMs: numberFlag('--order-latency-ms', flags.orderLatencyMs) } : {}),
    ...(flags.rejectEvery !== undefined ? { rejectEvery: integerFlag('--reject-every', flags.rejectEvery) } : {}),
    ...(flags.partialFills === true ? { partialFills: true } : {}),
    ...(flags.cancelReplace === false ? { cancelReplace: false } : {}),
    ...(flags.dropReportsEvery !== undefined ? { dropReportsEvery: integerFlag('--drop-reports-every', flags.dropReportsEvery) } : {}),
    ...(flags.slippageBps !== undefined ? { slippageBps: integerFlag('--slippage-bps', flags.slippageBps) } : {}),
  };
}

/** `FILE` or `FILE=BASE/QUOTE` (split at the last '=' whose right side is a market). */
function splitDataFlag(text: string): { path: string; symbol?: string } {
  const eq = text.lastIndexOf('=');
  if (eq > 0) {
    const symbol = text.slice(eq + 1).toUpperCase();
    if (/^[A-Z0-9]+\/[A-Z0-9]+$/.test(symbol)) return { path: text.slice(0, eq), symbol };
    if (symbol.includes('/') || symbol === '') {
      throw new InputError({ code: 'invalid_option', field: '--data', value: text, message: 'expected FILE or FILE=BASE/QUOTE (data.csv=BTC/USDT)' });
    }
    // FILE=BTCUSDT: the file before the '=' exists, the whole text is no file: the market is misspelt, not the path.
    if (!existsSync(text) && existsSync(text.slice(0, eq))) {
      throw new InputError({ code: 'invalid_option', field: '--data', value: text, message: `the market '${text.slice(eq + 1)}' must be BASE/QUOTE (data.csv=BTC/USDT)` });
    }
  }
  return { path: text };
}

function feeAssetFlag(text: string): 'quote' | 'base' {
  if (text === 'quote' || text === 'base') return text;
  throw new InputError({ code: 'invalid_option', field: '--fee-asset', value: text, message: 'expected quote or base' });
}

function startFlag(text: string): 'subscribe' | 'listen' | 'manual' {
  if (text === 'subscribe' || text === 'manual') return text;
  if (text === 'now') return 'listen';
  throw new InputError({ code: 'invalid_option', field: '--start', value: text, message: 'expected subscribe, now or manual' });
}

/** `N/S`: N requests per S seconds; `N` alone: per second. */
function rateLimitFlag(text: string): { requests: number; windowSeconds: number } {
  const m = /^(\d+)(?:\/(\d+(?:\.\d+)?))?$/.exec(text.trim());
  const requests = m === null ? NaN : Number(m[1]);
  const windowSeconds = m === null ? NaN : m[2] === undefined ? 1 : Number(m[2]);
  if (!(requests >= 1) || !(windowSeconds > 0)) {
    throw new InputError({ code: 'invalid_option', field: '--rate-limit', value: text, message: 'expected N/S: N >= 1 requests per S > 0 seconds (10/1, 1200/60)' });
  }
  return { requests, windowSeconds };
}

/** `KEY:SECRET` (split at the first ':'; the secret is never echoed). */
function accountFlag(text: string): { key: string; secret: string } {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new InputError({ code: 'invalid_option', field: '--account', value: colon <= 0 ? text : `${text.slice(0, colon)}:…`, message: 'expected KEY:SECRET' });
  }
  return { key: text.slice(0, colon), secret: text.slice(colon + 1) };
}

/** `ASSET=AMOUNT` pairs. */
function balanceFlags(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of pairs) {
    const m = /^([A-Z0-9]{1,20})=((?:0|[1-9]\d*)(?:\.\d+)?)$/.exec(text);
    if (m === null) throw new InputError({ code: 'invalid_option', field: '--balance', value: text, message: 'expected ASSET=AMOUNT with an upper-case asset and a decimal amount >= 0 (USDT=10000)' });
    out[m[1] as string] = m[2] as string;
  }
  return out;
}
