import { argumentError, numberArg } from '../../core/arguments.js';
import { mulExact } from '../../core/decimal.js';
import type { Liquidity } from '../../model/events.js';

/** What a fee model is told about a fill (or an order it quotes a fee for). */
export interface FeeParams {
  readonly symbol: string;
  /** Absolute quantity. */
  readonly quantity: number;
  readonly price: number;
  readonly multiplier: number;
  readonly liquidity: Liquidity;
  /**
   * The account's traded notional before this fill, run to date, in the
   * account currency (sum of |quantity| x price x multiplier over its fills).
   * The account keeps it and adds to it on fills only.
   */
  readonly tradedVolume: number;
}

/**
 * Computes the fee of one fill, in the account currency. A pure function of
 * its parameters: quoting a fee (a pre-trade cost check, a sizer) changes
 * nothing, so a model keeps no state of its own; what depends on the account
 * (its traded volume) comes in the parameters.
 */
export interface FeeModel {
  readonly name: string;
  fee(params: FeeParams): number;
}

const notional = (p: FeeParams): number => mulExact(mulExact(p.quantity, p.price), p.multiplier);

export class NoFee implements FeeModel {
  readonly name = 'none';
  fee(_params: FeeParams): number {
    return 0;
  }
}

/** |quantity| x price x multiplier x rate, on every fill. */
export class PercentFee implements FeeModel {
  readonly name = 'percent';
  constructor(readonly rate: number) {
    numberArg('new PercentFee', 'rate', rate, { min: 0 });
  }
  fee(p: FeeParams): number {
    return mulExact(notional(p), this.rate);
  }
}

/** A fixed amount per unit (per contract for futures). */
export class PerUnitFee implements FeeModel {
  readonly name = 'per_unit';
  constructor(readonly amount: number) {
    numberArg('new PerUnitFee', 'amount', amount, { min: 0 });
  }
  fee(p: FeeParams): number {
    return mulExact(p.quantity, this.amount);
  }
}

/** Different rates for fills that add liquidity (maker) and take it (taker). A negative maker rate is a rebate. */
export class MakerTakerFee implements FeeModel {
  readonly name = 'maker_taker';
  /** A negative maker rate is a rebate; the taker rate is >= 0. */
  constructor(readonly makerRate: number, readonly takerRate: number) {
    numberArg('new MakerTakerFee', 'makerRate', makerRate);
    numberArg('new MakerTakerFee', 'takerRate', takerRate, { min: 0 });
  }
  fee(p: FeeParams): number {
    return mulExact(notional(p), p.liquidity === 'maker' ? this.makerRate : this.takerRate);
  }
}

/**
 * Percent fees by volume tier: the rate of the highest tier whose threshold
 * (`from`, in the account currency) the account's traded notional before
 * this fill (`tradedVolume`, run to date) has reached; below the lowest
 * threshold, the lowest tier's rate.
 */
export class TieredFee implements FeeModel {
  readonly name = 'tiered';
  private readonly tiers: readonly { readonly from: number; readonly rate: number }[];
  constructor(tiers: readonly { readonly from: number; readonly rate: number }[]) {
    const call = 'new TieredFee';
    if (!Array.isArray(tiers) || tiers.length === 0) throw argumentError(call, 'tiers', tiers, 'tiers must be a non-empty array of { from, rate }');
    tiers.forEach((t: unknown, i) => {
      if (t === null || typeof t !== 'object') throw argumentError(call, `tiers[${i}]`, t, 'a tier is { from, rate }');
      numberArg(call, `tiers[${i}].from`, (t as { from: unknown }).from, { min: 0 });
      numberArg(call, `tiers[${i}].rate`, (t as { rate: unknown }).rate, { min: 0 });
    });
    this.tiers = [...tiers].sort((a, b) => a.from - b.from);
    for (let i = 1; i < this.tiers.length; i++) {
      const from = (this.tiers[i] as { from: number }).from;
      if (from === (this.tiers[i - 1] as { from: number }).from) throw argumentError(call, 'tiers', from, 'two tiers start at the same volume');
    }
  }
  fee(p: FeeParams): number {
    let rate = (this.tiers[0] as { rate: number }).rate;
    for (const t of this.tiers) if (p.tradedVolume >= t.from) rate = t.rate;
    return mulExact(notional(p), rate);
  }
}

/** Another model's fee, but never less than `minimum` per fill. */
export class MinimumFee implements FeeModel {
  readonly name: string;
  constructor(readonly inner: FeeModel, readonly minimum: number) {
    if (inner === null || typeof inner !== 'object' || typeof inner.fee !== 'function') throw argumentError('new MinimumFee', 'inner', inner, 'inner must be a fee model');
    numberArg('new MinimumFee', 'minimum', minimum, { min: 0 });
    this.name = `${inner.name}+minimum`;
  }
  fee(p: FeeParams): number {
    return Math.max(this.minimum, this.inner.fee(p));
  }
}
