import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionalValueAtRisk, tailRatio, valueAtRisk } from './metrics.js';
import { returnQuantiles } from './return-summary.js';

/** Returns as runs have them: mostly zeros (out of the market), or none, with gains, losses and now and then NaN. */
const returns = fc
  .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 400 }))
  .chain(([zeroShare, lossShare, n]) =>
    fc.array(
      fc.oneof(
        { weight: Math.round(zeroShare * 100), arbitrary: fc.constant(0) },
        { weight: Math.round((1 - zeroShare) * lossShare * 100), arbitrary: fc.double({ min: -0.2, max: -1e-9, noNaN: true }) },
        { weight: Math.round((1 - zeroShare) * (1 - lossShare) * 100) + 1, arbitrary: fc.double({ min: 1e-9, max: 0.2, noNaN: true }) },
        { weight: 1, arbitrary: fc.constant(Number.NaN) },
      ),
      { minLength: n, maxLength: n },
    ),
  );

describe('returnQuantiles', () => {
  it('gives bit for bit the value at risk, conditional value at risk and tail ratio of the metric functions', () => {
    fc.assert(
      fc.property(returns, (r) => {
        const got = returnQuantiles(Float64Array.from(r));
        const want = { valueAtRisk: valueAtRisk(r), conditionalValueAtRisk: conditionalValueAtRisk(r), tailRatio: tailRatio(r) };
        expect(got).toStrictEqual(want);
      }),
      { numRuns: 1000 },
    );
  });

  it('handles all zeros, all losses, all gains and a single value', () => {
    for (const r of [[0, 0, 0, 0], [-0.1, -0.2, -0.05], [0.1, 0.3, 0.2, 0.05], [0.01], [], [NaN, 0, NaN]]) {
      expect(returnQuantiles(Float64Array.from(r))).toStrictEqual({ valueAtRisk: valueAtRisk(r), conditionalValueAtRisk: conditionalValueAtRisk(r), tailRatio: tailRatio(r) });
    }
  });
});
