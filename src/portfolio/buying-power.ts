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

  /**
   * `leverage` > 1 makes a margin account for cash instruments: an order needs
   * 1/leverage of the notional it opens (long or short), against equity less
   * the margin the open positions already use.
   */
  constructor(
    private readonly portfolio: Portfolio,
    private readonly leverage = 1,
  ) {}

  check(order: Order, signedQuantity: number, referencePrice: number, fee: number, pos: PositionState): RejectReason | undefined {
    const inst = pos.instrument;
    let cost: number;
    if (!pos.margined && this.leverage > 1) return this.checkOnMargin(order, signedQuantity, referencePrice, fee, pos);
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

  private checkOnMargin(order: Order, signedQuantity: number, price: number, fee: number, pos: PositionState): RejectReason | undefined {
    const held = pos.quantity;
    const q = Math.abs(signedQuantity);
    const closing = held === 0 || Math.sign(held) === Math.sign(signedQuantity) ? 0 : Math.min(q, Math.abs(held));
    const opening = q - closing;
    if (opening === 0) return undefined;
    const inst = pos.instrument;
    const rate = inst.currency === this.portfolio.currency ? 1 : this.portfolio.rate(inst.currency);
    const cost = ((opening * price * inst.multiplier) / this.leverage + fee) * rate;
    const available = this.portfolio.equity() - this.portfolio.grossExposure() / this.leverage - this.total;
    if (!(available - cost >= 0)) return 'insufficient_margin';
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
