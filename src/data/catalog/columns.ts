import type { Columns } from '../../model/market.js';

/** The value columns of a chunk in catalog order (signed and flag columns are widened to doubles in `scratch`). */
export function chunkColumns(c: Columns, scratch: Float64Array[]): Float64Array[] {
  switch (c.kind) {
    case 'bar':
      return [c.open, c.high, c.low, c.close, c.volume, c.adjClose];
    case 'quote':
      return [c.bid, c.ask, c.bidSize, c.askSize];
    case 'trade':
      return [c.price, c.size, widen(c.side, c.length, scratch, 0)];
    case 'book':
      return [widen(c.side, c.length, scratch, 0), c.price, c.size, widen(c.flags, c.length, scratch, 1), c.sequence];
  }
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
