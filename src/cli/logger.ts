import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { InputError } from '../core/errors.js';
import { lazyPackage } from '../core/lazy-package.js';
import type { Micros } from '../core/time.js';
import { formatTime } from '../report/format.js';
import type { Logger } from '../strategy/context.js';
import type { CliIO } from './io.js';

export type LogFormat = 'pretty' | 'json';

/** Most strategies never log: pino loads with the first JSON line. */
const pinoLib = lazyPackage<typeof import('pino')>('pino');

/** `--log-format pretty|json`; by default pretty on a terminal, JSON lines when stderr goes to a file or a pipe. */
export function logFormatOf(flag: string | undefined, io: CliIO): LogFormat {
  if (flag === undefined) return io.stderr.isTTY === true ? 'pretty' : 'json';
  if (flag === 'pretty' || flag === 'json') return flag;
  throw new InputError({ code: 'invalid_option', field: '--log-format', value: flag, message: 'expected pretty or json' });
}

/** The data time of a log line: ISO 8601 UTC (microseconds when not zero), or null before the first event. */
const timeOf = (t: Micros): string | null => (t === t ? formatTime(t) : null);

/**
 * A strategy's ctx.log on the command line's stderr, stamped with the
 * simulated clock (`now`), never the wall clock, so logs are reproducible.
 * json: pino's JSON lines (`{"level":30,"time":"2014-03-05T23:59:59.999999Z","price":12.5,"msg":"bought"}`);
 * pretty: `2014-03-05T23:59:59.999999Z INFO  bought {"price":12.5}`.
 */
export function strategyLogger(format: LogFormat, io: CliIO, now: () => Micros): Logger {
  if (format === 'json') {
    let logger: PinoLogger | undefined;
    const json = (): PinoLogger => (logger ??= pinoLib().pino({ base: null, timestamp: () => `,"time":${JSON.stringify(timeOf(now()))}` }, io.stderr as DestinationStream));
    return {
      info: (message, data) => json().info(data ?? {}, message),
      warn: (message, data) => json().warn(data ?? {}, message),
    };
  }
  const line = (level: string, message: string, data: Record<string, unknown> | undefined): void => {
    const fields = data !== undefined && Object.keys(data).length > 0 ? ` ${fieldsText(data)}` : '';
    io.stderr.write(`${timeOf(now()) ?? '-'} ${level} ${message}${fields}\n`);
  };
  return {
    info: (message, data) => line('INFO ', message, data),
    warn: (message, data) => line('WARN ', message, data),
  };
}

/** The fields as JSON; what JSON cannot hold (a cycle, a BigInt) as text instead of an exception in the strategy. */
function fieldsText(data: Record<string, unknown>): string {
  try {
    return JSON.stringify(data, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    return String(data);
  }
}
