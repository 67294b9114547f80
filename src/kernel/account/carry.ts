import { mulExact } from '../../core/decimal.js';
import type { Micros } from '../../core/time.js';
import { MICROS_PER_DAY } from '../../core/time.js';
import type { Portfolio } from '../../portfolio/portfolio.js';
import type { AccountModule } from './module.js';

export interface CarryRates {
  /** Annual interest on cash, accrued daily (act/365). */
  readonly interestRate?: number | undefined;
  /** Annual borrow fee on short cash positions, accrued daily (act/365). */
  readonly borrowRate?: number | undefined;
}

/**
 * Carry between the previous step and this one: perpetual funding at each
 * funding time crossed (quantity x mark x multiplier x rate, paid by longs
 * when the rate is positive); interest on cash and borrow fees on short
 * cash positions for each UTC day crossed (annual rates, act/365).
 */
export class CarryModule implements AccountModule {
  private lastTime = NaN;

  constructor(
    private readonly portfolio: Portfolio,
    private readonly rates: CarryRates | undefined,
  ) {}

  /** Whether any carry applies to a run: rates given, or a perpetual with a funding rate. */
  static applies(portfolio: Portfolio, rates: CarryRates | undefined): boolean {
    return rates !== undefined || portfolio.positions.some((p) => p.instrument.kind === 'perpetual' && p.instrument.fundingRate !== 0);
  }

  beforeValuation(t: Micros): void {
    const prev = this.lastTime;
    this.lastTime = t;
    if (Number.isNaN(prev)) return;
    const p = this.portfolio;
    for (const pos of p.positions) {
      const inst = pos.instrument;
      if (inst.kind !== 'perpetual' || inst.fundingRate === 0 || pos.quantity === 0) continue;
      const crossed = Math.floor(t / inst.fundingIntervalMicros) - Math.floor(prev / inst.fundingIntervalMicros);
      if (crossed > 0) p.applyCarry(pos, -mulExact(mulExact(pos.notional, inst.fundingRate), crossed));
    }
    const rates = this.rates;
    if (rates === undefined) return;
    const days = Math.floor(t / MICROS_PER_DAY) - Math.floor(prev / MICROS_PER_DAY);
    if (days <= 0) return;
    if (rates.interestRate !== undefined && rates.interestRate !== 0) p.applyCarry(undefined, (p.cash * rates.interestRate * days) / 365);
    if (rates.borrowRate !== undefined && rates.borrowRate !== 0) {
      for (const pos of p.positions) {
        if (pos.margined || pos.quantity >= 0) continue;
        p.applyCarry(pos, (pos.notional * rates.borrowRate * days) / 365);
      }
    }
  }
}
