import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeedLatency, LatencyHistogram } from './latency.js';

/** The exact q-quantile (nearest rank) of values in µs, negatives as 0. */
function exact(values: readonly number[], q: number): number {
  const s = values.map((v) => Math.max(0, Math.round(v * 1000) / 1000)).sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1]!;
}

describe('the latency histogram', () => {
  it('gives percentiles within 1/64 of the exact ones, from nanoseconds to years', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 0, max: 0.1, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 1e15, noNaN: true })), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.01, 0.5, 0.9, 0.99, 1),
        (values, q) => {
          const h = new LatencyHistogram();
          for (const v of values) h.record(v);
          const want = exact(values, q);
          const got = h.percentile(q);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(want / 64 + 0.0005);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts values below zero (clocks out of step) and keeps them as 0; ignores NaN; empty is NaN', () => {
    const h = new LatencyHistogram();
    expect(h.percentile(0.5)).toBeNaN();
    h.record(-5);
    h.record(NaN);
    h.record(10);
    const s = h.summary();
    expect(s.count).toBe(2);
    expect(s.negative).toBe(1);
    expect(s.p50).toBe(0);
    expect(s.max).toBe(10);
    expect(s.mean).toBe(5);
  });

  it('keeps a far-past exchange time (a replayed file) in range', () => {
    const f = new FeedLatency();
    const now = Date.now() * 1000;
    f.record(now - 4 * 365 * 86_400e6, now, now + 12.5);
    const s = f.summary();
    expect(s.exchangeToReceive.p50 / (4 * 365 * 86_400e6)).toBeCloseTo(1, 1);
    expect(s.receiveToSink.p50).toBeCloseTo(12.5, 0);
  });
});
