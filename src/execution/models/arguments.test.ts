/**
 * Fee, slippage, latency and fill models built with bad arguments (from a
 * strategy, a tool or a config): an InputError naming the constructor, the
 * argument and the value.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import type { ExecutionReports } from '../../model/execution.js';
import { SimulatedExchange } from '../simulated-exchange.js';
import { MakerTakerFee, MinimumFee, NoFee, PerUnitFee, PercentFee, TieredFee } from './fee.js';
import { barFillModel } from './fill.js';
import { FixedLatency, JitterLatency } from './latency.js';
import { FixedTickSlippage, PercentSlippage, RandomTickSlippage, SqrtImpactSlippage } from './slippage.js';

function issueOf(f: () => unknown): { code: string; field?: string; value?: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).issues[0] as { code: string; field?: string; value?: string };
  }
  throw new Error('no error thrown');
}

const noReports = {} as ExecutionReports;

describe('models with bad arguments', () => {
  it.each([
    ['new PercentFee(-1)', () => new PercentFee(-1), 'new PercentFee(rate)', '-1'],
    ['new PercentFee(NaN)', () => new PercentFee(NaN), 'new PercentFee(rate)', 'NaN'],
    ['new PerUnitFee(Infinity)', () => new PerUnitFee(Infinity), 'new PerUnitFee(amount)', 'Infinity'],
    ['new MakerTakerFee(NaN, 0.001)', () => new MakerTakerFee(NaN, 0.001), 'new MakerTakerFee(makerRate)', 'NaN'],
    ['new MakerTakerFee(0, -0.001)', () => new MakerTakerFee(0, -0.001), 'new MakerTakerFee(takerRate)', '-0.001'],
    ['new TieredFee([])', () => new TieredFee([]), 'new TieredFee(tiers)', '[]'],
    ['new TieredFee(undefined)', () => new TieredFee(undefined as never), 'new TieredFee(tiers)', 'undefined'],
    ['new TieredFee([{ from: -1 }])', () => new TieredFee([{ from: -1, rate: 0.001 }]), 'new TieredFee(tiers[0].from)', '-1'],
    ['new TieredFee([{ rate: NaN }])', () => new TieredFee([{ from: 0, rate: NaN }]), 'new TieredFee(tiers[0].rate)', 'NaN'],
    ['new TieredFee(two tiers from 0)', () => new TieredFee([{ from: 0, rate: 0.002 }, { from: 0, rate: 0.001 }]), 'new TieredFee(tiers)', '0'],
    ['new MinimumFee(undefined, 1)', () => new MinimumFee(undefined as never, 1), 'new MinimumFee(inner)', 'undefined'],
    ['new MinimumFee(fee, -1)', () => new MinimumFee(new NoFee(), -1), 'new MinimumFee(minimum)', '-1'],
    ['new FixedTickSlippage(-1)', () => new FixedTickSlippage(-1), 'new FixedTickSlippage(ticks)', '-1'],
    ['new FixedTickSlippage(1, 0)', () => new FixedTickSlippage(1, 0), 'new FixedTickSlippage(tickSize)', '0'],
    ['new PercentSlippage(1)', () => new PercentSlippage(1), 'new PercentSlippage(fraction)', '1'],
    ['new PercentSlippage(NaN)', () => new PercentSlippage(NaN), 'new PercentSlippage(fraction)', 'NaN'],
    ['new SqrtImpactSlippage(-0.1)', () => new SqrtImpactSlippage(-0.1), 'new SqrtImpactSlippage(coefficient)', '-0.1'],
    ['new RandomTickSlippage(1.5, 1)', () => new RandomTickSlippage(1.5, 1), 'new RandomTickSlippage(maxTicks)', '1.5'],
    ['new RandomTickSlippage(2, NaN)', () => new RandomTickSlippage(2, NaN), 'new RandomTickSlippage(seed)', 'NaN'],
    ['new FixedLatency(-1)', () => new FixedLatency(-1), 'new FixedLatency(micros)', '-1'],
    ['new FixedLatency(0.5)', () => new FixedLatency(0.5), 'new FixedLatency(micros)', '0.5'],
    ['new JitterLatency(0, -5, 1)', () => new JitterLatency(0, -5, 1), 'new JitterLatency(jitterMicros)', '-5'],
    ["barFillModel('intrabr')", () => barFillModel('intrabr' as never), 'barFillModel(name)', '"intrabr"'],
    ['new SimulatedExchange(..., { volumeLimit: 2 })', () => new SimulatedExchange([], noReports, { volumeLimit: 2 }), 'new SimulatedExchange(options.volumeLimit)', '2'],
  ])('%s', (_label, make, field, value) => {
    expect(issueOf(make)).toMatchObject({ code: 'invalid_param', field, value });
  });

  it('good arguments build', () => {
    expect(new PercentFee(0).rate).toBe(0);
    expect(new MakerTakerFee(-0.0002, 0.0007).makerRate).toBe(-0.0002);
    expect(new FixedLatency(0).micros).toBe(0);
    expect(barFillModel('intrabar').name).toBe('intrabar');
    expect(new RandomTickSlippage(0, 7).maxTicks).toBe(0);
  });
});
