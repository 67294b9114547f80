import { InputError } from '../../core/errors.js';
import type { MarketSource } from '../source.js';

/** What `quantflow record --exchange ID [--url URL]` names. */
export interface RecordSourceRequest {
  readonly exchange: string;
  /** A local exchange's base URL (`quantflow exchange`). */
  readonly url?: string;
}

export type RecordSourceFactory = (request: RecordSourceRequest) => MarketSource;

const factories = new Map<string, RecordSourceFactory>();

/**
 * Makes `--exchange id` available to `quantflow record`: an id (ccxt's, e.g.
 * `binance`) or a prefix ending in `:` (e.g. `replay:`, given the whole
 * value). Tests register their own sources. The latest registration wins.
 */
export function registerRecordSource(id: string, factory: RecordSourceFactory): void {
  factories.set(id.toLowerCase(), factory);
}

/** The market source `--exchange` names, or an input error listing the ones there are. */
export function resolveRecordSource(request: RecordSourceRequest): MarketSource {
  const id = request.exchange.toLowerCase();
  const colon = id.indexOf(':');
  const factory = factories.get(id) ?? (colon > 0 ? factories.get(id.slice(0, colon + 1)) : undefined);
  if (factory === undefined) {
    const known = [...factories.keys()].sort();
    throw new InputError({
      code: 'invalid_option',
      field: '--exchange',
      value: request.exchange,
      message: known.length > 0 ? `no market source of that name (there are: ${known.join(', ')})` : 'no market source of that name is available',
    });
  }
  return factory(request);
}
