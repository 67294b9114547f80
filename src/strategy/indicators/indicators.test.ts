import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crossover, crossoverSeries } from './crossover.js';
import { EMA } from './ema.js';
import type { Indicator } from './indicator.js';
import { runBatch } from './indicator.js';
import { RSI } from './rsi.js';
import { SMA } from './sma.js';

/** The exact mean of decimal texts, rounded once: integer sum / (n * 10^d). */
function exactMean(texts: readonly string[]): number {
  const d = Math.max(...texts.map((t) => (t.split('.')[1] ?? '').length));
  let sum = 0n;
  for (const t of texts) {
    const [i, f = ''] = t.split('.');
    sum += BigInt((i ?? '0') + f.padEnd(d, '0'));
  }
  return Number(sum) / (texts.length * 10 ** d);
}

const price2 = fc.integer({ min: 1, max: 10_000_000 }).map((c) => (c / 100).toFixed(2));

describe('SMA', () => {
  it('is the exact mean of the decimals as written, rounded once', () => {
    fc.assert(
      fc.property(fc.array(price2, { minLength: 5, maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (texts, period) => {
        const sma = new SMA(period);
        texts.forEach((t, i) => {
          sma.update(Number(t));
          if (i + 1 >= period) expect(sma.value).toBe(exactMean(texts.slice(i + 1 - period, i + 1)));
          else expect(sma.value).toBeNaN();
        });
      }),
    );
  });

  it('gives equal values for windows with equal decimal sums (ties stay ties)', () => {
    fc.assert(
      fc.property(fc.array(price2, { minLength: 3, maxLength: 30 }), (texts) => {
        const a = new SMA(texts.length);
        const b = new SMA(texts.length);
        for (const t of texts) a.update(Number(t));
        for (const t of [...texts].reverse()) b.update(Number(t));
        expect(a.value).toBe(b.value);
      }),
    );
  });

  it('widens its scale when a later value has more decimals', () => {
    const sma = new SMA(3);
    for (const x of [1, 2, 3.5, 0.125]) sma.update(x);
    expect(sma.value).toBe((2 + 3.5 + 0.125) / 3);
    expect(sma.value).toBe(exactMean(['2', '3.5', '0.125']));
  });

  it('does not drift where a float running sum does', () => {
    // 0.1 + 0.2 + 0.3 in floats is 0.6000000000000001; the window of three equal-sum values must tie.
    const a = new SMA(3);
    const b = new SMA(3);
    for (const x of [0.1, 0.2, 0.3]) a.update(x);
    for (const x of [0.3, 0.2, 0.1]) b.update(x);
    expect(a.value).toBe(0.2);
    expect(b.value).toBe(0.2);
  });
});

describe('EMA', () => {
  it('seeds with the SMA of the first period values, then smooths with 2/(n+1)', () => {
    const ema = new EMA(3);
    const out = runBatch(ema, [1, 2, 3, 4, 5]);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(2);
    expect(out[3]).toBe(2 + 0.5 * (4 - 2));
    expect(out[4]).toBe(3 + 0.5 * (5 - 3));
  });
});

describe('RSI (Wilder)', () => {
  it('starts from simple means of the first period changes, then smooths', () => {
    const rsi = new RSI(3);
    const input = [10, 11, 10.5, 12, 11, 11.5];
    const out = runBatch(rsi, input);
    for (let i = 0; i < 3; i++) expect(out[i]).toBeNaN();
    // changes: +1, -0.5, +1.5 -> gain 2.5/3, loss 0.5/3
    let g = 2.5 / 3;
    let l = 0.5 / 3;
    expect(out[3]).toBeCloseTo((100 * g) / (g + l), 12);
    g = (g * 2 + 0) / 3;
    l = (l * 2 + 1) / 3;
    expect(out[4]).toBeCloseTo((100 * g) / (g + l), 12);
    g = (g * 2 + 0.5) / 3;
    l = (l * 2 + 0) / 3;
    expect(out[5]).toBeCloseTo((100 * g) / (g + l), 12);
  });

  it('is 100 when prices only rise and 0 when they only fall', () => {
    expect(runBatch(new RSI(2), [1, 2, 3, 4])[3]).toBe(100);
    expect(runBatch(new RSI(2), [4, 3, 2, 1])[3]).toBe(0);
  });
});

/** A test double whose value is set by hand. */
function manual(): Indicator & { set(v: number): void } {
  const ind = {
    value: NaN,
    ready: false,
    count: 0,
    warmup: 1,
    update(): number {
      return ind.value;
    },
    set(v: number): void {
      ind.value = v;
      ind.ready = !Number.isNaN(v);
    },
  };
  return ind as unknown as Indicator & { set(v: number): void };
}

describe('crossover', () => {
  function run(a: number[], b: number[]): number[] {
    const ia = manual();
    const ib = manual();
    const cross = new Crossover(ia, ib);
    return a.map((x, i) => {
      ia.set(x);
      ib.set(b[i] as number);
      return cross.update();
    });
  }

  it('fires +1 / -1 only on a change of the last non-zero sign', () => {
    expect(run([1, 3, 3, 1], [2, 2, 2, 2])).toEqual([0, 1, 0, -1]);
  });

  it('never fires on a tie alone, and keeps the last non-zero sign through ties', () => {
    // below, tie, tie, above: one +1 when it goes above
    expect(run([1, 2, 2, 3], [2, 2, 2, 2])).toEqual([0, 0, 0, 1]);
    // below, tie, below again: nothing
    expect(run([1, 2, 1], [2, 2, 2])).toEqual([0, 0, 0]);
  });

  it('is not ready before its inputs, and does not fire on its first defined step', () => {
    expect(run([NaN, 3, 1], [2, 2, 2])).toEqual([NaN, 0, -1]);
  });

  it('matches the array form', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), { maxLength: 50 }), (pairs) => {
        const a = pairs.map((p) => p[0]);
        const b = pairs.map((p) => p[1]);
        expect(run(a, b)).toEqual(Array.from(crossoverSeries(a, b)));
      }),
    );
  });
});
