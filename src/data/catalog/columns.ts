import type { Columns } from '../../model/market.js';

/** A chunk's arrays for the catalog's value columns (schema.ts VALUE_COLUMNS), in that order. */
export function valueArrays(c: Columns): (Float64Array | Int8Array | Uint8Array)[] {
  switch (c.kind) {
    case 'bar':
      return [c.open, c.high, c.low, c.close, c.volume, c.adjClose];
    case 'quote':
      return [c.bid, c.ask, c.bidSize, c.askSize];
    case 'trade':
      return [c.price, c.size, c.side];
    case 'book':
      return [c.side, c.price, c.size, c.flags, c.sequence, c.firstSequence, c.prevSequence];
  }
}

/** The value columns of a chunk as doubles (signed and flag columns widened into `scratch`, reused between calls). */
export function chunkColumns(c: Columns, scratch: Float64Array[]): Float64Array[] {
  return valueArrays(c).map((a, k) => (a instanceof Float64Array ? a : widen(a, c.length, scratch, k)));
}

function widen(src: Int8Array | Uint8Array, n: number, scratch: Float64Array[], slot: number): Float64Array {
  let out = scratch[slot];
  if (out === undefined || out.length < src.length) {
    out = new Float64Array(src.length);
    scratch[slot] = out;
  }
  for (let i = 0; i < n; i++) out[i] = src[i] as number;
  return out;
}
