/**
 * TA-Lib parity on the real ORCL daily file: every TA-Lib indicator of the
 * registry against the `talib` package (TA-Lib's C library), with TA-Lib's
 * defaults and with other settings: the same first valid index, and the same
 * values within 1e-9 relative.
 */
import { describe, expect, it } from 'vitest';
import { INDICATOR_LIST, runBatchBars, type IndicatorDescriptor } from '../../src/strategy/indicators/index.js';
import { loadOrcl, loadTalib, talibRun } from '../helpers/talib.js';

const { talib, reason } = loadTalib();
const bars = loadOrcl();
const N = bars.close.length;
const REL = 1e-9;

/** Settings other than the defaults, to exercise every parameter. */
const OTHER: Record<string, Record<string, number>[]> = {
  SMA: [{ timeperiod: 10 }, { timeperiod: 200 }],
  EMA: [{ timeperiod: 12 }],
  WMA: [{ timeperiod: 7 }],
  DEMA: [{ timeperiod: 9 }],
  TEMA: [{ timeperiod: 9 }],
  TRIMA: [{ timeperiod: 8 }, { timeperiod: 11 }],
  KAMA: [{ timeperiod: 10 }],
  T3: [{ timeperiod: 8, vfactor: 0.5 }],
  MAMA: [{ fastlimit: 0.3, slowlimit: 0.1 }],
  MA: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((m) => ({ timeperiod: 10, matype: m })),
  BBANDS: [
    { timeperiod: 20, nbdevup: 2, nbdevdn: 2, matype: 0 },
    { timeperiod: 20, nbdevup: 1.5, nbdevdn: 2.5, matype: 1 },
    ...[2, 3, 4, 5, 6, 7, 8].map((m) => ({ timeperiod: 10, matype: m })),
  ],
  SAR: [{ acceleration: 0.05, maximum: 0.3 }],
  MIDPOINT: [{ timeperiod: 5 }],
  MIDPRICE: [{ timeperiod: 5 }],
  RSI: [{ timeperiod: 5 }],
  MACD: [{ fastperiod: 26, slowperiod: 12, signalperiod: 5 }],
  MACDEXT: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((m) => ({ fastmatype: m, slowmatype: (m + 3) % 9, signalmatype: (m + 5) % 9 })),
  MACDFIX: [{ signalperiod: 5 }],
  STOCH: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((m) => ({ fastk_period: 14, slowk_matype: m, slowd_matype: (m + 1) % 9 })),
  STOCHF: [1, 4, 8].map((m) => ({ fastk_period: 9, fastd_period: 4, fastd_matype: m })),
  STOCHRSI: [{ timeperiod: 10, fastk_period: 3, fastd_period: 3, fastd_matype: 1 }],
  ADX: [{ timeperiod: 5 }],
  ADXR: [{ timeperiod: 5 }],
  DX: [{ timeperiod: 5 }],
  PLUS_DI: [{ timeperiod: 5 }],
  MINUS_DI: [{ timeperiod: 5 }],
  PLUS_DM: [{ timeperiod: 5 }],
  MINUS_DM: [{ timeperiod: 5 }],
  CCI: [{ timeperiod: 20 }],
  MFI: [{ timeperiod: 5 }],
  MOM: [{ timeperiod: 1 }],
  ROC: [{ timeperiod: 3 }],
  ROCP: [{ timeperiod: 3 }],
  ROCR: [{ timeperiod: 3 }],
  ROCR100: [{ timeperiod: 3 }],
  WILLR: [{ timeperiod: 5 }],
  ULTOSC: [{ timeperiod1: 20, timeperiod2: 5, timeperiod3: 9 }],
  APO: [{ fastperiod: 26, slowperiod: 12, matype: 1 }, { matype: 6 }],
  PPO: [{ matype: 1 }, { matype: 3 }],
  TRIX: [{ timeperiod: 9 }],
  AROON: [{ timeperiod: 25 }],
  AROONOSC: [{ timeperiod: 25 }],
  CMO: [{ timeperiod: 5 }],
  ADOSC: [{ fastperiod: 10, slowperiod: 3 }],
  ATR: [{ timeperiod: 5 }, { timeperiod: 1 }],
  NATR: [{ timeperiod: 5 }],
  STDDEV: [{ timeperiod: 20, nbdev: 2 }],
  VAR: [{ timeperiod: 20 }],
  LINEARREG: [{ timeperiod: 5 }],
  LINEARREG_SLOPE: [{ timeperiod: 5 }],
  LINEARREG_ANGLE: [{ timeperiod: 5 }],
  LINEARREG_INTERCEPT: [{ timeperiod: 5 }],
  TSF: [{ timeperiod: 5 }],
  CORREL: [{ timeperiod: 10 }],
  BETA: [{ timeperiod: 20 }],
  MAX: [{ timeperiod: 5 }],
  MIN: [{ timeperiod: 5 }],
  SUM: [{ timeperiod: 5 }],
};

function firstValid(a: Float64Array): number {
  const i = a.findIndex((v) => !Number.isNaN(v));
  return i < 0 ? a.length : i;
}

function compare(d: IndicatorDescriptor, params: Record<string, number>): void {
  if (talib === null) return;
  const ref = talibRun(talib, d, bars, params);
  const ind = d.create(params);
  const outs = runBatchBars(ind, bars.cols);
  expect(outs.length, 'number of outputs').toBe(ref.outputs.length);
  for (let k = 0; k < outs.length; k++) {
    const ours = outs[k] as Float64Array;
    const theirs = ref.outputs[k] as Float64Array;
    expect(firstValid(ours), `${d.name} ${JSON.stringify(params)} output ${d.outputs[k]}: first valid index`).toBe(ref.first);
    for (let i = ref.first; i < N; i++) {
      const a = ours[i] as number;
      const b = theirs[i] as number;
      if (a === b) continue;
      const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
      if (!(rel <= REL)) expect.fail(`${d.name} ${JSON.stringify(params)} output ${d.outputs[k]} at ${i}: ${a} vs TA-Lib ${b} (relative ${rel})`);
    }
  }
  // The warm-up is TA-Lib's lookback + 1.
  expect(ind.warmup, `${d.name} warmup`).toBe(ref.first + 1);
}

const TALIB_LISTED = INDICATOR_LIST.filter((d) => d.talib);

describe('TA-Lib parity on ORCL-1995-2014 (talib package)', () => {
  it.skipIf(talib !== null)(`is skipped: the talib package cannot be loaded (${reason})`, () => {});

  it('covers at least 60 TA-Lib indicators, all known to the talib package', () => {
    expect(TALIB_LISTED.length).toBeGreaterThanOrEqual(60);
    if (talib === null) return;
    const names = new Set(talib.functions.map((f) => f.name));
    for (const d of TALIB_LISTED) expect(names.has(d.name), d.name).toBe(true);
  });

  describe.skipIf(talib === null)('with TA-Lib defaults', () => {
    for (const d of TALIB_LISTED) it(d.name, () => compare(d, {}));
  });

  describe.skipIf(talib === null)('with other settings', () => {
    for (const d of TALIB_LISTED) {
      for (const p of OTHER[d.name] ?? []) it(`${d.name} ${JSON.stringify(p)}`, () => compare(d, p));
    }
  });
});
