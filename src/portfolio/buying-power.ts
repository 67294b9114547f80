import type { Order, RejectReason } from '../model/order.js';
import type { Portfolio, PositionState } from './portfolio.js';

/**
 * The cash check before acceptance: an order is accepted only if cash, less
 * what live orders already committed, pays for it at the reference price:
 * signed quantity x price x multiplier + fee for cash instruments (sells
 * raise cash and pass; short exposure is for risk limits to bound), initial
 * margin for the contracts it opens + fee for margined ones.
 */
export class BuyingPower {
  private readonly committed = new Map<number, number>();
  private total = 0;

  constructor(private readonly portfolio: Portfolio) {}

  check(order: Order, signedQuantity: number, referencePrice: number, fee: number, pos: PositionState): RejectReason | undefined {
    const inst = pos.instrument;
    let cost: number;
    if (pos.margined) {
      // Margin for the contracts the order opens, less what the contracts it closes release.
      const held = pos.quantity;
      const q = Math.abs(signedQuantity);
      const closing = held === 0 || Math.sign(held) === Math.sign(signedQuantity) ? 0 : Math.min(q, Math.abs(held));
      const opening = q - closing;
      // An order that only closes always passes: it frees margin.
      if (opening === 0) return undefined;
      cost = (opening - closing) * inst.marginInit + fee;
    } else {
      cost = signedQuantity * referencePrice * inst.multiplier + fee;
    }
    if (cost <= 0) return undefined;
    // Costs in another currency count at its current rate against all cash.
    if (inst.currency !== this.portfolio.currency) cost *= this.portfolio.rate(inst.currency);
    if (!(this.portfolio.cashValue() - this.total - cost >= 0)) return pos.margined ? 'insufficient_margin' : 'insufficient_cash';
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
