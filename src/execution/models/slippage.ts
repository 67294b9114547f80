import { integerArg, numberArg } from '../../core/arguments.js';
import { Xoshiro128 } from '../../core/random.js';

/** What a slippage model is told about a fill that takes liquidity. */
export interface SlippageParams {
  readonly side: 'buy' | 'sell';
  readonly price: number;
  readonly quantity: number;
  /** Volume of the bar (NaN for ticks without size). */
  readonly volume: number;
  readonly tickSize: number;
}

/** How far (>= 0, in price units) a taker fill moves against the order. */
export interface SlippageModel {
  readonly name: string;
  slippage(params: SlippageParams): number;
}

export class NoSlippage implements SlippageModel {
  readonly name = 'none';
  slippage(): number {
    return 0;
  }
}

/** A fixed number of ticks. */
export class FixedTickSlippage implements SlippageModel {
  readonly name = 'ticks';
  constructor(readonly ticks: number, readonly tickSize?: number) {
    numberArg('new FixedTickSlippage', 'ticks', ticks, { min: 0 });
    if (tickSize !== undefined) numberArg('new FixedTickSlippage', 'tickSize', tickSize, { above: 0 });
  }
  slippage(p: SlippageParams): number {
    return this.ticks * (this.tickSize ?? (p.tickSize > 0 ? p.tickSize : 0.01));
  }
}

/** A fraction of the price, e.g. 0.0005. */
export class PercentSlippage implements SlippageModel {
  readonly name = 'percent';
  constructor(readonly fraction: number) {
    numberArg('new PercentSlippage', 'fraction', fraction, { min: 0, below: 1 });
  }
  slippage(p: SlippageParams): number {
    return p.price * this.fraction;
  }
}

/**
 * Square-root market impact: price x coefficient x sqrt(quantity / volume),
 * the shape the empirical impact literature finds (Almgren et al.).
 */
export class SqrtImpactSlippage implements SlippageModel {
  readonly name = 'sqrt_impact';
  constructor(readonly coefficient = 0.1) {
    numberArg('new SqrtImpactSlippage', 'coefficient', coefficient, { min: 0 });
  }
  slippage(p: SlippageParams): number {
    if (!(p.volume > 0)) return 0;
    return p.price * this.coefficient * Math.sqrt(p.quantity / p.volume);
  }
}

/** 0..maxTicks ticks, uniformly at random from a seed: the same seed gives the same run. */
export class RandomTickSlippage implements SlippageModel {
  readonly name = 'random_ticks';
  private readonly rng: Xoshiro128;
  constructor(readonly maxTicks: number, seed: number, readonly tickSize?: number) {
    integerArg('new RandomTickSlippage', 'maxTicks', maxTicks, 0);
    numberArg('new RandomTickSlippage', 'seed', seed);
    if (tickSize !== undefined) numberArg('new RandomTickSlippage', 'tickSize', tickSize, { above: 0 });
    this.rng = new Xoshiro128(seed);
  }
  slippage(p: SlippageParams): number {
    const ticks = Math.floor(this.rng.nextFloat() * (this.maxTicks + 1));
    return ticks * (this.tickSize ?? (p.tickSize > 0 ? p.tickSize : 0.01));
  }
}
