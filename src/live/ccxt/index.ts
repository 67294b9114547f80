export { CcxtSource, DEFAULT_STALE_AFTER_MS, type CcxtSourceOptions } from './ccxt-source.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { BookDiffer } from './book-differ.js';
export { BarCloser } from './bar-closer.js';
