import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError } from './errors.js';
import { ListCodes, RecordRows, StringCodes } from './record-rows.js';

/** Writes row r's doubles where RecordRows puts them. */
function write(rows: RecordRows, r: number, value: number): void {
  rows.seek(r);
  for (let j = 0; j < rows.width; j++) rows.num[rows.at + j] = value + j / 8;
}

function read(rows: RecordRows, r: number): number[] {
  if (!(r >= 0 && r < rows.length)) return [];
  rows.seek(r);
  return Array.from({ length: rows.width }, (_, j) => rows.num[rows.at + j] as number);
}

describe('RecordRows', () => {
  it('keeps every row written, in any order, apart from every other (rows across the growing and the fixed-size chunks)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6000 }), fc.integer({ min: -1e6, max: 1e6 })), { maxLength: 300 }), fc.integer({ min: 1, max: 25 }), (writes, width) => {
        const rows = new RecordRows(width);
        const model = new Map<number, number>();
        for (const [r, v] of writes) {
          write(rows, r, v);
          model.set(r, v);
        }
        expect(rows.length).toBe(writes.length === 0 ? 0 : Math.max(...model.keys()) + 1);
        for (const [r, v] of model) expect(read(rows, r)).toEqual(Array.from({ length: width }, (_, j) => v + j / 8));
      }),
      { numRuns: 200 },
    );
  });

  it('writes 100,000 rows in order without one overwriting another', () => {
    const rows = new RecordRows(2);
    for (let r = 0; r < 100_000; r++) write(rows, r, r);
    for (let r = 0; r < 100_000; r += 997) expect(read(rows, r)).toEqual([r, r + 1 / 8]);
    expect(read(rows, 99_999)).toEqual([99_999, 99_999 + 1 / 8]);
    expect(rows.length).toBe(100_000);
  });
});

describe('StringCodes', () => {
  it('gives each distinct string the next code when first seen, the same code after, and the string back', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 60 }), (strings) => {
        const codes = new StringCodes();
        const distinct = [...new Set(strings)];
        for (const s of strings) expect(codes.code(s)).toBe(distinct.indexOf(s));
        for (const s of distinct) {
          expect(codes.find(s)).toBe(distinct.indexOf(s));
          expect(codes.string(codes.code(s))).toBe(s);
        }
      }),
    );
  });

  it('gives no code beyond its limit (-1), keeps the codes it gave, and finds none for a string never seen', () => {
    const codes = new StringCodes(2);
    expect([codes.code('a'), codes.code('b'), codes.code('c'), codes.code('a')]).toEqual([0, 1, -1, 0]);
    expect(codes.find('c')).toBe(-1);
    expect(codes.find('zz')).toBe(-1);
    expect(() => codes.string(2)).toThrow(RangeError);
  });
});

describe('ListCodes', () => {
  it("is a value's index in its closed list (the value before remembered), the value of an index, and a broken invariant for a value outside the list", () => {
    const codes = new ListCodes<string>(['gtc', 'day', 'ioc'], 'time in force', 2);
    expect(['day', 'day', 'gtc', 'ioc', 'gtc'].map((v) => codes.code(v))).toEqual([1, 1, 0, 2, 0]);
    expect([0, 1, 2].map((c) => codes.value(c))).toEqual(['gtc', 'day', 'ioc']);
    expect(() => codes.code('gtx')).toThrow(InvariantError);
    expect(() => codes.code('gtx')).toThrow('time in force gtx is not one of gtc, day, ioc');
    expect(codes.code('ioc')).toBe(2);
    expect(codes.mask).toBe(3);
  });

  it('refuses a list with more values than its bits tell apart', () => {
    expect(new ListCodes(['none', 'oco', 'oto', 'bracket'], 'contingency', 2).mask).toBe(3);
    expect(() => new ListCodes(['none', 'oco', 'oto', 'bracket', 'other'], 'contingency', 2)).toThrow('contingency: 5 values do not fit 2 bits');
  });
});
