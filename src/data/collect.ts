import { BarColumns, BookColumns, QuoteColumns, TradeColumns, type Columns, type MarketFeed } from '../model/market.js';

/**
 * Reads a feed to its end into one Columns holding every row (to replay it
 * from memory, e.g. through ColumnsFeed, or to inspect it). Closes the feed.
 * `allocate` makes the columns of the result (e.g. in shared memory:
 * sharedEmptyColumns), so they need no copy after.
 *
 * A feed that can tell about how many rows it has (`rowsHint`: a CSV file,
 * from its size) is read straight into columns of that size, grown by half
 * when it falls short; else chunk by chunk into copies, then into columns of
 * the exact size. Either way the result holds exactly its rows.
 */
export function collectColumns(feed: MarketFeed, allocate: (kind: Columns['kind'], capacity: number) => Columns = emptyColumns): Columns {
  const hint = feed.rowsHint;
  if (hint === undefined || !(hint > 0)) return collectInParts(feed, allocate);
  let all = allocate(feed.kind, Math.ceil(hint * HINT_MARGIN));
  try {
    for (let chunk = feed.next(); chunk !== null; chunk = feed.next()) {
      if (chunk.length === 0) continue;
      if (all.length + chunk.length > all.capacity) {
        const grown = allocate(feed.kind, Math.max(all.length + chunk.length, Math.ceil(all.capacity * 1.5)));
        appendColumns(grown, all);
        all = grown;
      }
      appendColumns(all, chunk); // chunks are reused: copied out at once
    }
  } finally {
    feed.close();
  }
  if (all.length === all.capacity) return all;
  // Far too large (a hint from an unusual head of the file): copied to size. Else views of the rows held.
  if (all.capacity - all.length > all.length / 4) {
    const exact = allocate(feed.kind, all.length);
    appendColumns(exact, all);
    return exact;
  }
  return firstRows(all, all.length);
}

/** Room for this many times the rows a feed's hint says (it is an estimate): mostly no growth, and little left over. */
const HINT_MARGIN = 1.02;

/** A feed read chunk by chunk into copies, then into columns of the exact size. */
function collectInParts(feed: MarketFeed, allocate: (kind: Columns['kind'], capacity: number) => Columns): Columns {
  const parts: Columns[] = [];
  let total = 0;
  try {
    for (let chunk = feed.next(); chunk !== null; chunk = feed.next()) {
      if (chunk.length === 0) continue;
      parts.push(sliceColumns(chunk, chunk.length)); // chunks are reused: copy
      total += chunk.length;
    }
  } finally {
    feed.close();
  }
  const all = allocate(feed.kind, total);
  for (const part of parts) appendColumns(all, part);
  return all;
}

/** Empty columns of a kind with room for `capacity` rows. */
export function emptyColumns(kind: Columns['kind'], capacity: number): Columns {
  switch (kind) {
    case 'bar':
      return new BarColumns(capacity);
    case 'quote':
      return new QuoteColumns(capacity);
    case 'trade':
      return new TradeColumns(capacity);
    case 'book':
      return new BookColumns(capacity);
  }
}

/** A typed array column of some Columns (times and prices are doubles; sides and flags are small integers). */
export type TypedColumn = Float64Array | Int8Array | Uint8Array | Uint16Array;

/**
 * Columns of the same kind as `cols` with every typed column replaced by
 * `column(it)` and the given capacity; the other fields (kind, length) kept.
 */
export function mapColumns(cols: Columns, capacity: number, column: (c: TypedColumn) => TypedColumn): Columns {
  const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(cols) as object) as Record<string, unknown>;
  for (const [key, value] of Object.entries(cols)) {
    if (ArrayBuffer.isView(value)) out[key] = column(value as TypedColumn);
    else out[key] = key === 'capacity' ? capacity : value;
  }
  return out as unknown as Columns;
}

/** The same columns (same memory) seen as their first n rows, with capacity n. */
function firstRows(cols: Columns, n: number): Columns {
  return mapColumns(cols, n, (c) => c.subarray(0, n));
}

/** A copy of the first n rows. */
function sliceColumns(c: Columns, n: number): Columns {
  const copy = emptyColumns(c.kind, n);
  appendColumns(copy, c, n);
  return copy;
}

/** Appends n rows of `src` from row `from` (the first n by default) to `dst` (same kind, enough capacity). */
export function appendColumns(dst: Columns, src: Columns, n = src.length, from = 0): void {
  const at = dst.length;
  const to = from + n;
  dst.time.set(src.time.subarray(from, to), at);
  dst.line.set(src.line.subarray(from, to), at);
  if (dst.kind === 'bar' && src.kind === 'bar') {
    dst.open.set(src.open.subarray(from, to), at);
    dst.high.set(src.high.subarray(from, to), at);
    dst.low.set(src.low.subarray(from, to), at);
    dst.close.set(src.close.subarray(from, to), at);
    dst.volume.set(src.volume.subarray(from, to), at);
    dst.adjClose.set(src.adjClose.subarray(from, to), at);
  } else if (dst.kind === 'quote' && src.kind === 'quote') {
    dst.bid.set(src.bid.subarray(from, to), at);
    dst.ask.set(src.ask.subarray(from, to), at);
    dst.bidSize.set(src.bidSize.subarray(from, to), at);
    dst.askSize.set(src.askSize.subarray(from, to), at);
  } else if (dst.kind === 'trade' && src.kind === 'trade') {
    dst.price.set(src.price.subarray(from, to), at);
    dst.size.set(src.size.subarray(from, to), at);
    dst.side.set(src.side.subarray(from, to), at);
  } else if (dst.kind === 'book' && src.kind === 'book') {
    dst.side.set(src.side.subarray(from, to), at);
    dst.price.set(src.price.subarray(from, to), at);
    dst.size.set(src.size.subarray(from, to), at);
    dst.flags.set(src.flags.subarray(from, to), at);
    dst.sequence.set(src.sequence.subarray(from, to), at);
    dst.firstSequence.set(src.firstSequence.subarray(from, to), at);
    dst.prevSequence.set(src.prevSequence.subarray(from, to), at);
    dst.source.set(src.source.subarray(from, to), at);
  }
  dst.length = at + n;
}
