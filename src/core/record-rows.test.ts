import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordRows } from './record-rows.js';

/** Writes row r's doubles and references where RecordRows puts them. */
function write(rows: RecordRows, r: number, value: number): void {
  rows.seek(r);
  for (let j = 0; j < rows.numberWidth; j++) rows.num[rows.numAt + j] = value + j / 8;
  for (let j = 0; j < rows.refWidth; j++) rows.ref[rows.refAt + j] = `${value}:${j}`;
}

function read(rows: RecordRows, r: number): [number[], unknown[]] {
  if (!(r >= 0 && r < rows.length)) return [[], []];
  rows.seek(r);
  return [Array.from({ length: rows.numberWidth }, (_, j) => rows.num[rows.numAt + j] as number), Array.from({ length: rows.refWidth }, (_, j) => rows.ref[rows.refAt + j])];
}

describe('RecordRows', () => {
  it('keeps every row written, in any order, apart from every other (rows across the growing and the fixed-size chunks)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6000 }), fc.integer({ min: -1e6, max: 1e6 })), { maxLength: 300 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 }), (writes, nw, rw) => {
        const rows = new RecordRows(nw, rw);
        const model = new Map<number, number>();
        for (const [r, v] of writes) {
          write(rows, r, v);
          model.set(r, v);
        }
        expect(rows.length).toBe(writes.length === 0 ? 0 : Math.max(...model.keys()) + 1);
        for (const [r, v] of model) {
          const [nums, refs] = read(rows, r);
          expect(nums).toEqual(Array.from({ length: nw }, (_, j) => v + j / 8));
          expect(refs).toEqual(Array.from({ length: rw }, (_, j) => `${v}:${j}`));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('writes 100,000 rows in order without one overwriting another', () => {
    const rows = new RecordRows(2, 1);
    for (let r = 0; r < 100_000; r++) write(rows, r, r);
    for (let r = 0; r < 100_000; r += 997) expect(read(rows, r)[0]).toEqual([r, r + 1 / 8]);
    expect(read(rows, 99_999)[1]).toEqual(['99999:0']);
    expect(rows.length).toBe(100_000);
  });

  it('refuses widths whose chunks of references would be large objects', () => {
    expect(() => new RecordRows(1, 16)).toThrow(RangeError);
  });
});
