import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../backtest/config.js';
import { collectColumns } from '../data/collect.js';
import { openCsvFeed } from '../data/csv/open.js';
import type { Columns } from '../model/market.js';
import { loadSweepData, reviveColumns, shareColumns, sharedEmptyColumns } from './sweep-data.js';

const SAMPLES = join(import.meta.dirname, '../../data/samples');
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const TRADES = join(SAMPLES, 'tardis-bitmex-trades-XBTUSD.csv');

/** Every typed column of a Columns, by name, as plain arrays of its rows. */
function rows(cols: Columns): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [key, value] of Object.entries(cols)) if (ArrayBuffer.isView(value)) out[key] = Array.from((value as Float64Array).subarray(0, cols.length));
  return out;
}

function typedColumns(cols: Columns): ArrayBufferView[] {
  return Object.values(cols).filter((v): v is ArrayBufferView => ArrayBuffer.isView(v));
}

describe('sweep data', () => {
  it('reads each feed straight into shared memory: the rows a plain read gives, every column in a SharedArrayBuffer, seen as exactly its rows', async () => {
    for (const path of [ORCL, TRADES]) {
      const data = await loadSweepData(parseRunConfig({ strategy: 's.ts', data: [path] }));
      const cols = (data.feeds[0] as { columns: Columns }).columns;
      const plain = collectColumns(openCsvFeed(path));
      expect(cols.kind).toBe(plain.kind);
      expect(cols.length).toBe(plain.length);
      expect(cols.length).toBeGreaterThanOrEqual(10);
      expect(rows(cols)).toEqual(rows(plain));
      for (const column of typedColumns(cols)) {
        expect(column.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(column.byteLength).toBe(cols.length * (column as Float64Array).BYTES_PER_ELEMENT);
      }
      // What a worker gets through structured cloning: the same memory, its class back.
      const cloned = reviveColumns(structuredClone(cols));
      expect(Object.getPrototypeOf(cloned)).toBe(Object.getPrototypeOf(plain));
      (cloned.time as Float64Array)[0] = -1;
      expect(cols.time[0]).toBe(-1);
    }
  });

  it('shares columns of any kind, trimmed to their rows; empty ones too', () => {
    const plain = collectColumns(openCsvFeed(ORCL));
    const shared = shareColumns(plain);
    expect(rows(shared)).toEqual(rows(plain));
    expect(shared.capacity).toBe(plain.length);
    for (const kind of ['bar', 'quote', 'trade', 'book'] as const) {
      const empty = sharedEmptyColumns(kind, 0);
      expect([empty.kind, empty.length, empty.capacity]).toEqual([kind, 0, 0]);
      for (const column of typedColumns(empty)) expect([column.byteLength, column.buffer instanceof SharedArrayBuffer]).toEqual([0, true]);
    }
  });
});
