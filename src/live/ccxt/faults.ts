import { loadedCcxt } from './ccxt-lib.js';

/**
 * What a watch loop does about an error from ccxt:
 * - `aborted`: the run is stopping (the exchange was closed by us);
 * - `book_gap`: ccxt found a hole in the book's update ids (binance raises
 *   ChecksumError on a U/u gap and drops its book and subscription, so the
 *   next watch resubscribes and rebuilds it from a REST snapshot);
 * - `rate_limited`: HTTP 429/418 or the exchange's own rate-limit answer;
 *   wait at least `retryAfterMs` when the exchange gave one;
 * - `network`: a closed connection, a timeout, an unavailable exchange, a bad
 *   response: reconnect with backoff;
 * - `fatal`: anything else (a bad symbol, an unsupported call, a bug): the
 *   run stops and rejects with it.
 */
export type Fault =
  | { readonly kind: 'aborted' }
  | { readonly kind: 'book_gap'; readonly message: string }
  | { readonly kind: 'rate_limited'; readonly message: string; readonly retryAfterMs: number }
  | { readonly kind: 'network'; readonly message: string }
  | { readonly kind: 'fatal'; readonly message: string };

/** The property exchange.ts puts on rate-limit errors that came with a Retry-After header. */
export const RETRY_AFTER_MS = 'retryAfterMs';

export function classifyFault(error: unknown, aborted: boolean): Fault {
  if (aborted) return { kind: 'aborted' };
  const message = error instanceof Error ? error.message : String(error);
  // An error from ccxt means ccxt is loaded; before that, nothing is one of its errors.
  const ccxt = loadedCcxt();
  if (ccxt === undefined) return { kind: 'fatal', message };
  if (error instanceof ccxt.ExchangeClosedByUser) return { kind: 'aborted' };
  if (error instanceof ccxt.ChecksumError) return { kind: 'book_gap', message };
  if (error instanceof ccxt.RateLimitExceeded || error instanceof ccxt.DDoSProtection) {
    const given = (error as unknown as Record<string, unknown>)[RETRY_AFTER_MS];
    return { kind: 'rate_limited', message, retryAfterMs: typeof given === 'number' && given >= 0 ? given : NaN };
  }
  if (error instanceof ccxt.OperationFailed) return { kind: 'network', message };
  return { kind: 'fatal', message };
}

/**
 * Retry-After as milliseconds: a number of seconds or an HTTP date (RFC 9110);
 * NaN when absent or unreadable.
 */
export function retryAfterMs(value: unknown, nowMs: number): number {
  if (typeof value !== 'string' || value.trim() === '') return NaN;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? NaN : Math.max(0, at - nowMs);
}
