import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { ATR } from '../strategy/indicators/volatility.js';
import { WilderAtr, atrSeries, lastAtr, trueRange } from './atr.js';

/** Rows of a sample CSV, split plainly (header dropped). */
function sampleRows(name: string): string[][] {
  const text = readFileSync(new URL(`../../data/samples/${name}`, import.meta.url), 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
}

/** High, low and close columns of a sample (the FUT file has date and time in two fields). */
function hlc(name: string, first: number): { high: number[]; low: number[]; close: number[] } {
  const rows = sampleRows(name);
  return {
    high: rows.map((r) => Number(r[first + 1])),
    low: rows.map((r) => Number(r[first + 2])),
    close: rows.map((r) => Number(r[first + 3])),
  };
}

interface Talib {
  execute(args: Record<string, unknown>): { begIndex: number; nbElement: number; result: { outReal: number[] } };
}
function loadTalib(): Talib | undefined {
  try {
    return createRequire(import.meta.url)('talib') as Talib;
  } catch {
    return undefined;
  }
}
const talib = loadTalib();

const orcl = hlc('ORCL-1995-2014.csv', 1);
const fut = hlc('FUT-2006-min.csv', 2);

describe('Wilder ATR', () => {
  it('matches a hand computation on the first FUT minutes (period 3)', () => {
    // 09:01 H 3603 L 3597 C 3599: previous close only
    // 09:02 H 3601 L 3598 C 3599: TR = max(3, |3601-3599|, |3598-3599|) = 3
    // 09:03 H 3602 L 3598 C 3600: TR = max(4, 3, 1) = 4
    // 09:04 H 3599 L 3597 C 3597: TR = max(2, 1, 3) = 3       ATR = (3 + 4 + 3) / 3 = 10/3
    // 09:05 H 3598 L 3596 C 3598: TR = max(2, 1, 1) = 2       ATR = (10/3 x 2 + 2) / 3 = 26/9
    expect(fut.high.slice(0, 5)).toEqual([3603, 3601, 3602, 3599, 3598]);
    expect(fut.low.slice(0, 5)).toEqual([3597, 3598, 3598, 3597, 3596]);
    expect(fut.close.slice(0, 5)).toEqual([3599, 3599, 3600, 3597, 3598]);
    const atr = new WilderAtr(3);
    const out = [0, 1, 2, 3, 4].map((i) => atr.update(fut.high[i] as number, fut.low[i] as number, fut.close[i] as number));
    expect(out.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(out[3]).toBeCloseTo(10 / 3, 12);
    expect(out[4]).toBeCloseTo(26 / 9, 12);
    expect(atr.ready).toBe(true);
    expect(trueRange(3599, 3597, 3600)).toBe(3);
  });

  it.skipIf(talib === undefined)('equals TA-Lib ATR(14) on every ORCL day and FUT minute', () => {
    for (const d of [orcl, fut]) {
      const ref = (talib as Talib).execute({ name: 'ATR', startIdx: 0, endIdx: d.close.length - 1, high: d.high, low: d.low, close: d.close, optInTimePeriod: 14 });
      const ours = atrSeries(d.high, d.low, d.close, 14);
      expect(ref.begIndex).toBe(14);
      for (let i = 0; i < 14; i++) expect(ours[i]).toBeNaN();
      let worst = 0;
      for (let i = 0; i < ref.nbElement; i++) {
        const a = ours[i + 14] as number;
        const b = ref.result.outReal[i] as number;
        worst = Math.max(worst, Math.abs(a - b) / Math.max(1e-300, Math.abs(b)));
      }
      expect(worst).toBeLessThanOrEqual(1e-12);
    }
  });

  it('equals the strategy layer ATR indicator, streaming, exactly', () => {
    for (const d of [orcl, fut]) {
      const a = new ATR(14);
      const ours = atrSeries(d.high, d.low, d.close, 14);
      for (let i = 0; i < d.close.length; i++) {
        const v = a.updateBar(NaN, d.high[i] as number, d.low[i] as number, d.close[i] as number, 0);
        if (Number.isNaN(v)) expect(ours[i]).toBeNaN();
        else expect(ours[i]).toBe(v);
      }
    }
  });

  it('gives the last value, NaN with too few bars, and refuses bad periods and ragged columns', () => {
    expect(lastAtr(orcl.high, orcl.low, orcl.close, 14)).toBe(atrSeries(orcl.high, orcl.low, orcl.close, 14)[orcl.close.length - 1]);
    expect(lastAtr([1, 2], [1, 1], [1, 2], 14)).toBeNaN();
    expect(lastAtr([], [], [], 14)).toBeNaN();
    expect(() => new WilderAtr(0)).toThrow(InputError);
    expect(() => new WilderAtr(2.5)).toThrow(InputError);
    expect(() => atrSeries([1], [1, 2], [1])).toThrow(InputError);
  });
});
