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
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`fee rate must be >= 0, got ${rate}`);
  }
  fee(p: FeeParams): number {
    return mulExact(notional(p), this.rate);
  }
}

/** A fixed amount per unit (per contract for futures). */
export class PerUnitFee implements FeeModel {
  readonly name = 'per_unit';
  constructor(readonly amount: number) {
    if (!(amount >= 0) || !Number.isFinite(amount)) throw new RangeError(`fee per unit must be >= 0, got ${amount}`);
  }
  fee(p: FeeParams): number {
    return mulExact(p.quantity, this.amount);
  }
}

/** Different rates for fills that add liquidity (maker) and take it (taker). A negative maker rate is a rebate. */
export class MakerTakerFee implements FeeModel {
  readonly name = 'maker_taker';
  constructor(readonly makerRate: number, readonly takerRate: number) {}
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
    if (tiers.length === 0) throw new RangeError('tiered fees need at least one tier');
    this.tiers = [...tiers].sort((a, b) => a.from - b.from);
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
    this.name = `${inner.name}+minimum`;
  }
  fee(p: FeeParams): number {
    return Math.max(this.minimum, this.inner.fee(p));
  }
}
