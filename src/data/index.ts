/**
 * Market data: CSV feeds with format detection and row-by-row validation,
 * a seeded bar generator, in-memory replay of columns, and adjustment of
 * bars for splits and dividends.
 */
export * from './csv/index.js';
export * from './adjust/index.js';
export * from './book/index.js';
export {
  BarWalk,
  generateBarColumns,
  GeneratedBarFeed,
  writeGeneratedCsv,
  type GenerateBarsOptions,
  type WriteGeneratedCsvOptions,
  type WriteGeneratedCsvResult,
} from './generator.js';
export { ColumnsFeed } from './memory-feed.js';
export { collectColumns } from './collect.js';
export { expandDataPaths } from './paths.js';
export { Xoshiro128 } from '../core/random.js';
export {
  parseBarSpec,
  BarAggregator,
  AggregatedFeed,
  writeBarsCsv,
  type BarSpec,
  type AggregatorOptions,
  type AggregatedFeedOptions,
  type WriteBarsCsvResult,
} from './aggregate/index.js';
export * from './catalog/index.js';
