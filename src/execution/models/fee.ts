import { mulExact } from '../../core/decimal.js';

/** What a fee model is told about a fill. */
export interface FeeParams {
  readonly symbol: string;
  /** Absolute quantity. */
  readonly quantity: number;
  readonly price: number;
  readonly multiplier: number;
}

/** Computes the fee of one fill, in the account currency. Pure. */
export interface FeeModel {
  readonly name: string;
  fee(params: FeeParams): number;
}

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
    return mulExact(mulExact(mulExact(p.quantity, p.price), p.multiplier), this.rate);
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
