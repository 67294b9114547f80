import type { Issue } from '../../core/errors.js';
import type { Incident, LiveMarket, MarketSubscription } from '../source.js';

/**
 * Messages of the I/O thread on its feed port (read synchronously by the
 * main thread's reader, in order with the ring's records): incidents, each
 * matched to the ring record numbered like it, and the failure that ended
 * the source, posted before the ring is marked failed.
 */
export type FeedPortMessage =
  | { readonly type: 'incident'; readonly n: number; readonly incident: Incident }
  | { readonly type: 'failure'; readonly message: string; readonly issues?: readonly Issue[] };

/** Messages on the worker's own channel (asynchronous): the markets the source described, or why there are none. */
export type IoThreadMessage = { readonly type: 'markets'; readonly markets: readonly LiveMarket[] } | { readonly type: 'no-markets'; readonly message: string; readonly issues?: readonly Issue[] };

/** From the main thread to the I/O thread. */
export type IoThreadCommand = { readonly type: 'stop' } | { readonly type: 'run'; readonly subscription: MarketSubscription };
