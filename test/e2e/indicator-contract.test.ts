/**
 * One truth for streaming and batch: for every listed indicator, a fresh
 * instance fed one bar at a time (the way the engine feeds it) gives exactly
 * the batch output (runBatchBars), output by output, bit for bit; the first
 * value comes at `warmup`; single-series indicators give the same through
 * update(x) and runBatch. Also composition (an indicator of an indicator).
 */
import { describe, expect, it } from 'vitest';
import {
  EMA,
  INDICATOR_LIST,
  MACD,
  RSI,
  SMA,
  chainOf,
  createIndicator,
  runBatch,
  runBatchBars,
} from '../../src/strategy/indicators/index.js';
import { generateBarColumns } from '../../src/data/index.js';
import { loadOrcl } from '../helpers/talib.js';

const orcl = loadOrcl();
const gen = generateBarColumns({ bars: 3000, seed: 11, decimals: 4 });

describe('streaming = batch, for every listed indicator', () => {
  it('lists at least 66 indicators (60 TA-Lib ones and the six beyond it)', () => {
    expect(INDICATOR_LIST.length).toBeGreaterThanOrEqual(66);
    for (const n of ['VWAP', 'KELTNER', 'DONCHIAN', 'ICHIMOKU', 'SUPERTREND', 'HEIKINASHI']) expect(INDICATOR_LIST.some((d) => d.name === n)).toBe(true);
  });

  for (const d of INDICATOR_LIST) {
    it(d.name, () => {
      for (const cols of [orcl.cols, gen]) {
        const n = cols.length;
        const batch = runBatchBars(d.create(), cols);
        const ind = d.create();
        expect(ind.outputs).toEqual(d.outputs);
        let first = -1;
        for (let i = 0; i < n; i++) {
          const v = ind.updateBarAt(cols.time[i] as number, cols.open[i] as number, cols.high[i] as number, cols.low[i] as number, cols.close[i] as number, cols.volume[i] as number);
          if (ind.ready && first < 0) first = i;
          expect(Object.is(v, ind.value)).toBe(true);
          for (let k = 0; k < d.outputs.length; k++) {
            const s = ind.ready ? ind.output(k) : NaN;
            const b = (batch[k] as Float64Array)[i] as number;
            if (!Object.is(s, b)) expect.fail(`${d.name} output ${d.outputs[k]} at ${i}: streaming ${s}, batch ${b}`);
          }
        }
        // The first value comes at the declared warm-up (bars counted from 1), and is a number.
        expect(first + 1, `${d.name} warmup`).toBe(ind.warmup);
        expect(Number.isFinite((batch[0] as Float64Array)[first] as number)).toBe(true);
      }
    });
  }

  for (const d of INDICATOR_LIST.filter((x) => x.inputs === 'real')) {
    it(`${d.name}: update(close) and runBatch(close) equal updateBar`, () => {
      const close = orcl.cols.close.subarray(0, orcl.cols.length);
      const viaBars = runBatchBars(d.create(), orcl.cols)[0] as Float64Array;
      const viaSeries = runBatch(d.create(), close);
      const ind = d.create();
      for (let i = 0; i < close.length; i++) {
        const v = ind.update(close[i] as number);
        const want = viaBars[i] as number;
        if (!Object.is(ind.ready ? v : NaN, want)) expect.fail(`${d.name} at ${i}: update ${v}, updateBar ${want}`);
        if (!Object.is(ind.ready ? v : NaN, ind.ready ? (viaSeries[i] as number) : NaN)) expect.fail(`${d.name} at ${i}: runBatch differs`);
      }
    });
  }
});

describe('composition: an indicator of an indicator', () => {
  const close = Array.from(orcl.cols.close.subarray(0, orcl.cols.length));

  it('SMA(5) of RSI(14) is the SMA of the RSI series from its first value, with the summed warm-up', () => {
    const rsi = new RSI(14);
    const sma = new SMA(5).of(rsi);
    expect(chainOf(sma)).toEqual([rsi, sma]);
    expect(sma.warmup).toBe(15 + 5 - 1);
    const out = runBatch(sma, close);
    const rsiSeries = runBatch(new RSI(14), close);
    const ref = runBatch(new SMA(5), rsiSeries.subarray(14));
    for (let i = 0; i < close.length; i++) {
      if (i < 18) expect(out[i]).toBeNaN();
      else expect(out[i]).toBe(ref[i - 14]);
    }
  });

  it('reads a named output (EMA of the MACD signal), streaming and in batch alike', () => {
    const macd = new MACD();
    const ema = new EMA(3).of(macd, 'macdsignal');
    expect(ema.warmup).toBe(34 + 3 - 1);
    const batch = runBatchBars(ema, orcl.cols)[0] as Float64Array;
    const m2 = new MACD();
    const e2 = new EMA(3).of(m2, 1);
    for (let i = 0; i < close.length; i++) {
      m2.updateBar(0, 0, 0, close[i] as number, 0);
      e2.updateBar(0, 0, 0, close[i] as number, 0);
      expect(Object.is(e2.ready ? e2.value : NaN, batch[i])).toBe(true);
    }
  });

  it('refuses bad compositions', () => {
    expect(() => new SMA(3).of(new MACD(), 'nope')).toThrow(/indicator\.of\(output\)' value '"nope"': of\(\): no such output/);
    expect(() => createIndicator('ATR').of(new SMA(3))).toThrow();
    const s = new SMA(3);
    s.update(1);
    expect(() => s.of(new RSI())).toThrow(/already been updated/);
  });
});

describe('the registry', () => {
  it('validates parameters by the Python wrapper names, with TA-Lib defaults', () => {
    const d = INDICATOR_LIST.find((x) => x.name === 'BBANDS');
    expect(d?.schema.parse({})).toEqual({ timeperiod: 5, nbdevup: 2, nbdevdn: 2, matype: 0 });
    expect(() => createIndicator('BBANDS', { timeperiod: 1 })).toThrow(/timeperiod/);
    expect(() => createIndicator('BBANDS', { period: 20 })).toThrow(/\{ period \}\)' value '20': unknown parameter/);
    expect(() => createIndicator('NOPE')).toThrow(/value '"NOPE"': unknown indicator/);
    expect(() => createIndicator('SMA', { timeperiod: 2.5 })).toThrow(/integer/);
    expect(createIndicator('stoch', { fastk_period: 14 }).outputs).toEqual(['slowk', 'slowd']);
  });
});
