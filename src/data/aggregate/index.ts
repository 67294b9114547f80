export { parseBarSpec, type BarSpec } from './spec.js';
export { BarAggregator, type AggregatorOptions } from './aggregator.js';
export { AggregatedFeed, type AggregatedFeedOptions } from './feed.js';
export { writeBarsCsv, type WriteBarsCsvResult } from './write.js';
