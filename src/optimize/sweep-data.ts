import { InputError, type Issue } from '../core/errors.js';
import { appendColumns, collectColumns, emptyColumns, mapColumns, type TypedColumn } from '../data/collect.js';
import { ColumnsFeed } from '../data/memory-feed.js';
import { findDatasets, preloadDatasets } from '../data/index.js';
import type { Columns, DataKind, MarketFeed, PriceSide } from '../model/market.js';
import type { RunConfig } from '../backtest/config.js';
import { openFeeds, runAdjustment, windowOf, type RunAdjustment } from '../backtest/run.js';

/** One feed of a sweep, read once: its rows in columns that every worker thread reads without a copy. */
export interface SweepFeed {
  readonly symbol: string;
  readonly kind: DataKind;
  readonly source: string;
  readonly priceSide?: PriceSide;
  readonly columns: Columns;
}

/**
 * The market data of a sweep: parsed (and adjusted, windowed) once per
 * process, held in SharedArrayBuffers so that worker threads replay it
 * without copying or parsing it again. Structured-clonable: a worker gets it
 * through workerData and rebuilds the column objects with `sweepFeeds`.
 */
export interface SweepData {
  readonly feeds: readonly SweepFeed[];
  /** Rows skipped as invalid while reading (under onInvalid 'skip'). */
  readonly skipped: readonly Issue[];
  readonly adjustment: RunAdjustment | undefined;
}

/** Reads the data a run config names (files or catalog) into shared memory. */
export async function loadSweepData(config: RunConfig, onIssue?: (issue: Issue) => void): Promise<SweepData> {
  const catalogSets = config.catalog !== undefined ? await findDatasets(config.catalog, config.symbol ?? []) : [];
  const preloaded =
    config.catalog !== undefined ? await preloadDatasets(catalogSets.map((key) => ({ root: config.catalog as string, key, ...windowOf(config) }))) : new Map<string, Columns>();
  const skipped: Issue[] = [];
  const feeds = openFeeds(
    config,
    (issue) => {
      skipped.push(issue);
      onIssue?.(issue);
    },
    catalogSets,
    preloaded,
  );
  const out: SweepFeed[] = [];
  try {
    for (const feed of feeds) {
      if (feed.kind === 'book') {
        throw new InputError({ code: 'invalid_option', field: 'data', value: feed.source, message: 'order-book data is not supported by optimize yet: use bars, quotes or trades' });
      }
      out.push({ symbol: feed.symbol, kind: feed.kind, source: feed.source, ...(feed.priceSide !== undefined ? { priceSide: feed.priceSide } : {}), columns: collectColumns(feed, sharedEmptyColumns) });
    }
  } finally {
    for (const f of feeds) f.close();
  }
  return { feeds: out, skipped, adjustment: runAdjustment(feeds) };
}

/** Fresh feeds over the shared rows, for one run. */
export function sweepFeeds(data: SweepData): MarketFeed[] {
  return data.feeds.map((f) => new ColumnsFeed(f.symbol, reviveColumns(f.columns), f.source, f.priceSide));
}

/** The same rows with every column copied into a SharedArrayBuffer, trimmed to the rows held. */
export function shareColumns(cols: Columns): Columns {
  const shared = sharedEmptyColumns(cols.kind, cols.length);
  appendColumns(shared, cols);
  return shared;
}

/**
 * Empty columns of a kind with room for exactly `capacity` rows, every
 * column in a SharedArrayBuffer (collectColumns' allocator for a sweep: the
 * rows are read straight into shared memory). Unlike emptyColumns, a bar's
 * adjusted close starts at 0, not NaN: every row is written before use.
 */
export function sharedEmptyColumns(kind: Columns['kind'], capacity: number): Columns {
  return mapColumns(emptyColumns(kind, 0), capacity, (c) => {
    const Ctor = c.constructor as new (buffer: SharedArrayBuffer) => TypedColumn;
    const column = new Ctor(new SharedArrayBuffer(Math.max(1, capacity) * c.BYTES_PER_ELEMENT));
    return capacity === 0 ? column.subarray(0, 0) : column;
  });
}

/** Columns that came through structured cloning (a plain object) get their class back; shared memory stays shared. */
export function reviveColumns(cols: Columns): Columns {
  const proto = Object.getPrototypeOf(emptyColumns(cols.kind, 0)) as object;
  if (Object.getPrototypeOf(cols) === proto) return cols;
  return Object.assign(Object.create(proto) as object, cols) as Columns;
}
