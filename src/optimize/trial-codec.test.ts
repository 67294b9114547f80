import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFloats, decodeOutcome, encodeFloats, encodeOutcome } from './trial-codec.js';
import type { TrialOutcome } from './trial.js';

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('trial outcomes through JSON', () => {
  it('keeps every float bit for bit, -0, NaN and infinities included', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), (values) => {
        const a = Float64Array.from(values);
        const back = decodeFloats(JSON.parse(JSON.stringify(encodeFloats(a))) as string);
        expect(bits(back)).toBe(bits(a));
        // A trial's returns are in shared memory (trial.ts): the same bytes.
        const shared = new Float64Array(new SharedArrayBuffer(a.byteLength));
        shared.set(a);
        expect(encodeFloats(shared)).toBe(encodeFloats(a));
      }),
    );
  });

  it('gives back the metrics (null kept apart from numbers), returns and times, under the number and parameters asked for', () => {
    const outcome: TrialOutcome = {
      trial: 7,
      status: 'ok',
      reason: '',
      params: { fast: 5 },
      metrics: { final_equity: 101_234.5, sharpe: null, profit_factor: Infinity, skew: -0, kurtosis: Number.NaN },
      returns: Float64Array.from([0.1, -0.25, 1e-300]),
      times: new Float64Array(new Float64Array([1, 2, 3, 4]).buffer, 8, 3),
      millis: 12.5,
    };
    const wire = JSON.parse(JSON.stringify(encodeOutcome(outcome))) as ReturnType<typeof encodeOutcome>;
    const back = decodeOutcome(wire, 3, { fast: 5, slow: 20 });
    expect(back.trial).toBe(3);
    expect(back.params).toEqual({ fast: 5, slow: 20 });
    expect(Object.keys(back.metrics)).toEqual(Object.keys(outcome.metrics));
    expect(back.metrics.sharpe).toBeNull();
    expect(back.metrics.profit_factor).toBe(Infinity);
    expect(Object.is(back.metrics.skew, -0)).toBe(true);
    expect(back.metrics.kurtosis).toBeNaN();
    expect(back.metrics.final_equity).toBe(101_234.5);
    expect(bits(back.returns)).toBe(bits(outcome.returns));
    expect(Array.from(back.times)).toEqual([2, 3, 4]);
    // In shared memory, as a trial run here makes them: the returns.csv and overfitting threads read them in place.
    expect(back.returns.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(back.times.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(back).toMatchObject({ status: 'ok', reason: '', millis: 12.5 });
  });

  it('refuses bytes that are not whole floats', () => {
    expect(() => decodeFloats(Buffer.from([1, 2, 3]).toString('base64'))).toThrow(/not a multiple of 8/);
  });
});
