import { InputError } from '../core/errors.js';
import { FileReplaySource } from './replay-source.js';
import type { MarketSource } from './source.js';

/** What `--exchange` (with `--url` and `--speed`) names. */
export interface SourceRequest {
  readonly exchange: string;
  /** A local exchange's base URL (`quantflow exchange`), for exchange ids. */
  readonly url?: string | undefined;
  /** Replays: market time per wall time (0: as fast as possible). */
  readonly speed?: number | undefined;
  /** Replays of book files: a sequence gap fails the run (default) or is replayed as written ('warn'). */
  readonly onGap?: 'fail' | 'warn' | undefined;
}

/** A market source ready to run, with what the paper run needs to know of it. */
export interface SourceChoice {
  readonly source: MarketSource;
  /** For summary.json. */
  readonly name: string;
  /** Market time per wall time between events (LiveDriver.timeRate). */
  readonly timeRate: number;
}

export type SourceFactory = (request: SourceRequest) => SourceChoice;

const factories = new Map<string, SourceFactory>();

/**
 * Makes exchange id `id` available to `quantflow paper --exchange id` (the
 * ccxt source registers its exchanges; tests may register their own). The
 * latest registration of an id wins.
 */
export function registerMarketSource(id: string, factory: SourceFactory): void {
  factories.set(id.toLowerCase(), factory);
}

/** The ids registered so far, for messages. */
export function marketSourceIds(): string[] {
  return [...factories.keys()].sort();
}

/**
 * The market source `--exchange` names: `replay:FILE[,FILE...]` replays data
 * files (FileReplaySource; `speed` paces it), any other value an exchange id
 * registered with registerMarketSource.
 */
export function resolveMarketSource(request: SourceRequest): SourceChoice {
  const { exchange } = request;
  if (exchange.startsWith('replay:')) {
    const files = exchange.slice('replay:'.length).split(',').filter((f) => f !== '');
    if (files.length === 0) throw new InputError({ code: 'invalid_option', field: '--exchange', value: exchange, message: 'replay: needs a data file (replay:FILE)' });
    if (request.url !== undefined) throw new InputError({ code: 'invalid_option', field: '--url', value: request.url, message: 'a replay reads files; --url is for an exchange id' });
    const speed = request.speed ?? 0;
    return { source: new FileReplaySource({ files, speed, onGap: request.onGap }), name: exchange, timeRate: speed };
  }
  const factory = factories.get(exchange.toLowerCase());
  if (factory === undefined) {
    const known = marketSourceIds();
    throw new InputError({
      code: 'invalid_option',
      field: '--exchange',
      value: exchange,
      message: `no market source for this exchange in this build; use replay:FILE${known.length > 0 ? ` or one of ${known.join(', ')}` : ''}`,
    });
  }
  return factory(request);
}
