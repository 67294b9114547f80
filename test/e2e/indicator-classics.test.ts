/**
 * The details where libraries differ from TA-Lib, one by one, against values
 * worked out by hand; and the indicators beyond TA-Lib by their definitions.
 */
import { describe, expect, it } from 'vitest';
import {
  ADX,
  ATR,
  BBANDS,
  DONCHIAN,
  EMA,
  HEIKINASHI,
  ICHIMOKU,
  KELTNER,
  MACD,
  RSI,
  SAR,
  SUPERTREND,
  VWAP,
  runBatch,
  runBatchBars,
} from '../../src/strategy/indicators/index.js';
import { loadOrcl } from '../helpers/talib.js';

type Bar = [number, number, number]; // high, low, close
function bars(rows: Bar[]): { open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] } {
  return { open: rows.map((r) => r[2]), high: rows.map((r) => r[0]), low: rows.map((r) => r[1]), close: rows.map((r) => r[2]), volume: rows.map(() => 1000) };
}

describe('EMA is seeded with the SMA of its first period values', () => {
  it('EMA(3) of 1, 2, 3, 4, 5, 6', () => {
    const out = runBatch(new EMA(3), [1, 2, 3, 4, 5, 6]);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(2); // (1 + 2 + 3) / 3, not the first value 1
    expect(out[3]).toBe(3); // (4 - 2) * 0.5 + 2
    expect(out[4]).toBe(4);
    expect(out[5]).toBe(5);
  });
});

describe('MACD seeds its fast EMA at the slow EMA first bar', () => {
  const x = [10, 11, 12, 14, 13, 15];
  it('MACD(2, 4, 2): the fast EMA starts at bar 4 with the mean of bars 3 and 4', () => {
    const m = new MACD(2, 4, 2);
    const macd: number[] = [];
    const sig: number[] = [];
    for (const v of x) {
      m.update(v);
      macd.push(m.ready ? m.value : NaN);
      sig.push(m.ready ? m.signal : NaN);
    }
    // slow EMA(4), k = 0.4: 11.75 (mean of the first four), 12.25, 13.35
    // fast EMA(2), k = 2/3, seeded at bar 4 (index 3): (12 + 14) / 2 = 13, then 13, 14.333...
    // (seeded at its own first bar it would be 10.5, 11.5, 13.1667 at index 3)
    // macd: 1.25, 0.75, 0.98333...; signal EMA(2) seeded at index 4: (1.25 + 0.75) / 2 = 1
    expect(macd.slice(0, 4).every(Number.isNaN)).toBe(true);
    expect(macd[4]).toBeCloseTo(0.75, 14);
    expect(sig[4]).toBeCloseTo(1, 14);
    expect(m.hist).toBeCloseTo((15 - 13) * (2 / 3) + 13 - 13.35 - ((((15 - 13) * (2 / 3) + 13 - 13.35 - 1) * 2) / 3 + 1), 12);
    expect(macd[5]).toBeCloseTo((15 - 13) * (2 / 3) + 13 - 13.35, 12);
    expect(sig[5]).toBeCloseTo(((0.98333333333333 - 1) * 2) / 3 + 1, 12);
  });
});

describe('BBANDS uses the population standard deviation', () => {
  it('BBANDS(3, 1, 1) of 1, 2, 3: 2 +/- sqrt(2/3), not +/- 1 (the sample one)', () => {
    const b = new BBANDS(3, 1, 1, 0);
    for (const v of [1, 2, 3]) b.update(v);
    expect(b.middle).toBe(2);
    expect(b.value).toBeCloseTo(2 + Math.sqrt(2 / 3), 14);
    expect(b.lower).toBeCloseTo(2 - Math.sqrt(2 / 3), 14);
  });
});

describe("Wilder's smoothing", () => {
  it('RSI(3): simple means of the first 3 changes, then (prev * 2 + x) / 3', () => {
    const out = runBatch(new RSI(3), [10, 11, 10.5, 12, 11]);
    const g0 = 2.5 / 3;
    const l0 = 0.5 / 3;
    expect(out[3]).toBeCloseTo(100 * (g0 / (g0 + l0)), 12);
    const g1 = (g0 * 2) / 3;
    const l1 = (l0 * 2 + 1) / 3;
    expect(out[4]).toBeCloseTo(100 * (g1 / (g1 + l1)), 12);
  });

  it('ATR(3): the mean of the first 3 true ranges (from the second bar), then (prev * 2 + tr) / 3', () => {
    const b = bars([
      [10, 8, 9],
      [11, 9, 10], // TR 2
      [12, 9.5, 11], // TR 2.5
      [11.5, 9, 9.5], // TR 2.5
      [12, 10, 11.5], // TR 2.5 (|12 - 9.5|)
      [13, 12.5, 12.8], // TR 1.5 (|13 - 11.5|)
    ]);
    const out = runBatchBars(new ATR(3), b)[0] as Float64Array;
    expect(Array.from(out.subarray(0, 3)).every(Number.isNaN)).toBe(true);
    expect(out[3]).toBeCloseTo(7 / 3, 14);
    expect(out[4]).toBeCloseTo(((7 / 3) * 2 + 2.5) / 3, 14);
    expect(out[5]).toBeCloseTo(((((7 / 3) * 2 + 2.5) / 3) * 2 + 1.5) / 3, 14);
  });

  it('ADX(2): DM and TR summed then smoothed x - x/n + new, DX averaged, then (adx * (n - 1) + dx) / n', () => {
    const b = bars([
      [10, 8, 9],
      [11, 9, 10], // +DM 1, TR 2
      [12, 9.5, 11], // +DM 1, TR 2.5
      [11.5, 9, 9.5], // -DM 0.5, TR 2.5
      [12, 10, 11.5], // +DM 0.5, TR 2.5
    ]);
    const out = runBatchBars(new ADX(2), b)[0] as Float64Array;
    // bar 3: +DM 1.5, -DM 0, TR 3.5 -> DX 100; bar 4: +DM 0.75, -DM 0.5, TR 4.25 -> +DI 17.647, -DI 11.765, DX 20
    expect(Array.from(out.subarray(0, 3)).every(Number.isNaN)).toBe(true);
    expect(out[3]).toBeCloseTo((100 + 20) / 2, 12);
    // bar 5: +DM 0.875, -DM 0.25, TR 4.625 -> DX = 100 * (0.875 - 0.25) / (0.875 + 0.25)
    const dx = (100 * (0.875 - 0.25)) / (0.875 + 0.25);
    expect(out[4]).toBeCloseTo((60 + dx) / 2, 12);
  });
});

describe("SAR's initial direction", () => {
  it('is long when the second bar did not fall more than it rose: the first SAR is the first low', () => {
    const out = runBatchBars(new SAR(), bars([[10, 9, 9.5], [11, 9.5, 10.5], [11.5, 10, 11]]))[0] as Float64Array;
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(9);
    expect(out[2]).toBeCloseTo(9 + 0.02 * (11 - 9), 14);
  });
  it('is short when the second bar fell more than it rose (-DM > 0): the first SAR is the first high', () => {
    const out = runBatchBars(new SAR(), bars([[10, 9, 9.5], [9.8, 8, 8.5], [9, 7.5, 8]]))[0] as Float64Array;
    expect(out[1]).toBe(10);
    expect(out[2]).toBeCloseTo(10 + 0.02 * (8 - 10), 14);
  });
});

describe('beyond TA-Lib', () => {
  const orcl = loadOrcl();

  it('VWAP accumulates typical price x volume within a session and restarts with the next', () => {
    const v = new VWAP(9 * 60 + 30, 0); // sessions start 09:30 UTC
    const day = Date.UTC(2024, 0, 2) * 1000;
    const min = 60_000_000;
    v.updateBarAt(day + (9 * 60 + 31) * min, 0, 11, 9, 10, 100); // tp 10
    expect(v.value).toBe(10);
    v.updateBarAt(day + (9 * 60 + 32) * min, 0, 13, 11, 12, 300); // tp 12
    expect(v.value).toBe((10 * 100 + 12 * 300) / 400);
    v.updateBarAt(day + 24 * 60 * min + (9 * 60 + 31) * min, 0, 21, 19, 20, 50); // next session
    expect(v.value).toBe(20);
  });

  it('KELTNER is EMA(20) +/- 2 ATR(10)', () => {
    const [u, m, l] = runBatchBars(new KELTNER(20, 10, 2), orcl.cols) as [Float64Array, Float64Array, Float64Array];
    const ema = runBatch(new EMA(20), orcl.cols.close.subarray(0, orcl.cols.length));
    const atr = runBatchBars(new ATR(10), orcl.cols)[0] as Float64Array;
    for (let i = 19; i < 300; i++) {
      expect(m[i]).toBe(ema[i]);
      expect(u[i]).toBe((ema[i] as number) + 2 * (atr[i] as number));
      expect(l[i]).toBe((ema[i] as number) - 2 * (atr[i] as number));
    }
  });

  it('DONCHIAN is the highest high and lowest low of the last n bars', () => {
    const [u, m, l] = runBatchBars(new DONCHIAN(20), orcl.cols) as [Float64Array, Float64Array, Float64Array];
    for (let i = 19; i < 400; i++) {
      const hs = Array.from(orcl.cols.high.subarray(i - 19, i + 1));
      const ls = Array.from(orcl.cols.low.subarray(i - 19, i + 1));
      expect(u[i]).toBe(Math.max(...hs));
      expect(l[i]).toBe(Math.min(...ls));
      expect(m[i]).toBe((Math.max(...hs) + Math.min(...ls)) / 2);
    }
  });

  it('ICHIMOKU never reads a later bar: truncating the data leaves earlier outputs unchanged', () => {
    const full = runBatchBars(new ICHIMOKU(), orcl.cols);
    const n = 500;
    const cut = runBatchBars(new ICHIMOKU(), orcl.cols, n);
    for (let k = 0; k < 5; k++) for (let i = 0; i < n; i++) expect(Object.is((cut[k] as Float64Array)[i], (full[k] as Float64Array)[i])).toBe(true);
    // tenkan at bar i = midpoint of the last 9 bars; senkou A at i = (tenkan + kijun) of bar i - 26
    const i = 300;
    const mid = (from: number, to: number): number =>
      (Math.max(...Array.from(orcl.cols.high.subarray(from, to + 1))) + Math.min(...Array.from(orcl.cols.low.subarray(from, to + 1)))) / 2;
    expect((full[0] as Float64Array)[i]).toBe(mid(i - 8, i));
    expect((full[2] as Float64Array)[i]).toBe((mid(i - 26 - 8, i - 26) + mid(i - 26 - 25, i - 26)) / 2);
    expect((full[3] as Float64Array)[i]).toBe(mid(i - 26 - 51, i - 26));
  });

  it('SUPERTREND follows the lower band up, flips below it, and is bounded by the bands', () => {
    const [line, dir] = runBatchBars(new SUPERTREND(10, 3), orcl.cols) as [Float64Array, Float64Array];
    let flips = 0;
    for (let i = 11; i < orcl.cols.length; i++) {
      const c = orcl.cols.close[i] as number;
      if (dir[i] !== dir[i - 1]) {
        flips++;
        if (dir[i] === -1) expect(c).toBeLessThan(line[i - 1] as number);
        else expect(c).toBeGreaterThan(line[i - 1] as number);
      } else if (dir[i] === 1) expect(line[i]).toBeGreaterThanOrEqual(line[i - 1] as number);
      else expect(line[i]).toBeLessThanOrEqual(line[i - 1] as number);
    }
    expect(flips).toBeGreaterThan(50);
  });

  it('HEIKINASHI bars from their definition', () => {
    const b = bars([
      [11, 9, 10],
      [12, 10, 11],
    ]);
    b.open = [9.5, 10.5];
    const [o, h, l, c] = runBatchBars(new HEIKINASHI(), b) as Float64Array[];
    expect(o?.[0]).toBe((9.5 + 10) / 2);
    expect(c?.[0]).toBe((9.5 + 11 + 9 + 10) / 4);
    expect(o?.[1]).toBe(((9.5 + 10) / 2 + (9.5 + 11 + 9 + 10) / 4) / 2);
    expect(c?.[1]).toBe((10.5 + 12 + 10 + 11) / 4);
    expect(h?.[1]).toBe(12);
    expect(l?.[1]).toBe(Math.min(10, o?.[1] as number, c?.[1] as number));
  });
});
