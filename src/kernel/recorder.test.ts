import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EquityRecorder, STEP_CASH, STEP_EQUITY, STEP_MARGIN, STEP_POSITION_VALUE, STEP_TIME, StepColumn, columnReader, lastMargin } from './recorder.js';

const value = fc.oneof(fc.constantFrom(0, -0, NaN, 1, 2.5), fc.double());

describe('StepColumn', () => {
  it('gives every row its value back (0 and -0 apart, NaN as NaN), by row, as a column and through a reader from any row', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.nat(), (values, start) => {
        const col = new StepColumn();
        values.forEach((v, row) => col.push(row, v));
        values.forEach((v, row) => expect(Object.is(col.at(row), v)).toBe(true));
        const from = start % values.length;
        const dense = col.dense(from, values.length);
        expect([...dense].every((v, i) => Object.is(v, values[from + i]))).toBe(true);
        const read = col.reader(from);
        for (let row = from; row < values.length; row++) expect(Object.is(read(row), values[row])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('EquityRecorder', () => {
  it("curves read the same, made into columns or read row by row, while more rows come after them", () => {
    const rows = fc.array(fc.tuple(value, value, value, value), { maxLength: 200 });
    fc.assert(
      fc.property(rows, fc.nat({ max: 200 }), (list, cut) => {
        const rec = new EquityRecorder('step', 4);
        const taken = Math.min(cut, list.length);
        let early = rec.curve();
        list.forEach(([e, c, p, m], i) => {
          if (i === taken) early = rec.curve();
          const step = rec.next;
          step[STEP_TIME] = 1_000 + i;
          step[STEP_EQUITY] = e;
          step[STEP_CASH] = c;
          step[STEP_POSITION_VALUE] = p;
          step[STEP_MARGIN] = m;
          rec.recordNext();
        });
        if (taken === list.length) early = rec.curve();
        const curve = rec.curve();
        for (const [k, c] of [[taken, early], [list.length, curve]] as const) {
          expect(c.time.length).toBe(k);
          const cash = columnReader(c, 'cash', 0);
          const margin = columnReader(c, 'margin', 0);
          for (let i = 0; i < k; i++) {
            const [e, ca, p, m] = list[i] as [number, number, number, number];
            expect([c.time[i], c.equity[i], c.positionValue[i]]).toEqual([1_000 + i, e, p]);
            expect(Object.is(cash(i), ca) && Object.is(c.cash[i], ca)).toBe(true);
            expect(Object.is(margin(i), m) && Object.is(c.margin[i], m)).toBe(true);
          }
          expect(c.cash.length).toBe(k);
          expect(Object.is(lastMargin(c), k > 0 ? (list[k - 1] as number[])[3] : 0)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
