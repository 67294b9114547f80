import type { MarketFeed } from '../../model/market.js';
import { CacheFeed, CacheWritingFeed, cacheFingerprint, cachePath, cacheable, defaultCacheDir, readCacheHeader } from './cache.js';
import { acquireReadLease } from './lock.js';
import { CatalogFeed, type CatalogFeedOptions } from './ring-feed.js';
import type { ReadRequest } from './read-plan.js';

export interface OpenCatalogOptions extends CatalogFeedOptions {
  /** Replay from the binary column cache when it holds this request, and fill it when it does not. */
  readonly cache?: boolean;
  /** Where caches live (default `<catalog>/_cache`). */
  readonly cacheDir?: string;
}

/** A feed over one data set of a catalog: from the column cache when asked and present, else from Parquet. */
export function openCatalogFeed(request: ReadRequest, options: OpenCatalogOptions = {}): MarketFeed {
  if (options.cache !== true || !cacheable(request.key.kind)) return new CatalogFeed(request, options);
  // The fingerprint and the files read must be of one state of the catalog.
  const release = acquireReadLease(request.root);
  try {
    const fingerprint = cacheFingerprint(request);
    const path = cachePath(options.cacheDir ?? defaultCacheDir(request.root), request, fingerprint);
    const header = readCacheHeader(path, fingerprint);
    if (header !== undefined) return new CacheFeed(path, request.key, header);
    return new CacheWritingFeed(new CatalogFeed(request, options), path, fingerprint);
  } finally {
    release();
  }
}
