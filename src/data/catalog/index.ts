/**
 * The Parquet catalog (docs/catalog.md): import feeds into partitioned
 * Parquet with DuckDB, explore it with SQL, stream it back with bounded
 * memory, and keep hot data sets in a binary column cache.
 */
export { KIND_DIR, VALUE_COLUMNS, datasetDir, describeDataset, type DatasetKey } from './schema.js';
export { importFeed, sha256File, datasetOfFeed, CHUNK_MAX_FILES, type ChunkOptions, type ImportOptions, type ImportReport } from './import.js';
export type { RowBefore } from './duckdb.js';
export { readManifest, type ImportRecord, type Manifest } from './manifest.js';
export { CatalogFeed, CsvWorkerFeed, RingFeed, type CatalogFeedOptions } from './ring-feed.js';
export { CacheFeed, CacheWritingFeed, cacheFingerprint, cachePath, defaultCacheDir, readCacheHeader } from './cache.js';
export { openCatalogFeed, type OpenCatalogOptions } from './open.js';
export { preloadDatasets, type PreloadOptions } from './preload.js';
export { isRemoteRoot, type ReadRequest } from './read-plan.js';
export {
  datasetInfo,
  exportDataset,
  findDatasets,
  listDatasets,
  queryCatalog,
  refuseOutputInCatalog,
  requireCatalog,
  summarizeCatalog,
  OUTLIER_SIGMAS,
  type DatasetInfo,
  type DatasetSummary,
  type QueryResult,
} from './explore.js';
