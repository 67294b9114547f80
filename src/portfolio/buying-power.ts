import type { Order, RejectReason } from '../model/order.js';
import type { Portfolio } from './portfolio.js';

/**
 * The cash check before acceptance: an order is accepted only if cash, less
 * what live orders already committed, pays for it (signed quantity x price x
 * multiplier + fee) at the reference price. Sells raise cash and always pass
 * this check; short exposure is for risk limits to bound.
 */
export class BuyingPower {
  private readonly committed = new Map<number, number>();
  private total = 0;

  constructor(private readonly portfolio: Portfolio) {}

  check(order: Order, signedQuantity: number, referencePrice: number, fee: number, multiplier: number): RejectReason | undefined {
    const cost = signedQuantity * referencePrice * multiplier + fee;
    if (cost <= 0) return undefined;
    if (this.portfolio.cash - this.total - cost < 0) return 'insufficient_cash';
    this.committed.set(order.id, cost);
    this.total += cost;
    return undefined;
  }

  /** The order is no longer live: its commitment ends. */
  release(orderId: number): void {
    const c = this.committed.get(orderId);
    if (c === undefined) return;
    this.committed.delete(orderId);
    this.total = this.committed.size === 0 ? 0 : this.total - c;
  }
}
