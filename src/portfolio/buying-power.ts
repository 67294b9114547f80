import { IdTable } from '../core/reusable.js';
import type { Order, RejectReason } from '../model/order.js';
import type { Portfolio, PositionState } from './portfolio.js';

/**
 * The cash check before acceptance: an order is accepted only if cash, less
 * what live orders already committed, pays for it at the reference price:
 * signed quantity x price x multiplier + fee for cash instruments (sells
 * raise cash and pass; short exposure is for risk limits to bound), initial
 * margin for the contracts it opens + fee for margined ones. `pos` is the
 * book the order acts on: the net position, or one leg of a hedging account
 * (an order that reduces its leg opens nothing there).
 */
export class BuyingPower {
  /** What each live order commits, by order id. */
  private readonly committed = new IdTable<number>();
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
    const r = this.evaluate(signedQuantity, referencePrice, fee, pos);
    if (r !== r) return this.refusal;
    if (r > 0) {
      this.committed.set(order.id, r);
      this.total += r;
    }
    return undefined;
  }

  /** As `check`, without committing anything: whether such an order would pass now. */
  preview(signedQuantity: number, referencePrice: number, fee: number, pos: PositionState): RejectReason | undefined {
    const r = this.evaluate(signedQuantity, referencePrice, fee, pos);
    return r !== r ? this.refusal : undefined;
  }

  /**
   * Why the last evaluate refused. evaluate answers with a number only (NaN:
   * refused): a call that returns either a reason or an amount hands back
   * a new heap number for every amount, and this runs for every order.
   */
  private refusal: RejectReason = 'insufficient_cash';

  /** The amount the order commits (0: none), or NaN when it is refused (the reason in `refusal`). */
  private evaluate(signedQuantity: number, referencePrice: number, fee: number, pos: PositionState): number {
    const inst = pos.instrument;
    let cost: number;
    if (!pos.margined && this.leverage > 1) return this.evaluateOnMargin(signedQuantity, referencePrice, fee, pos);
    if (pos.margined) {
      // Margin for the contracts the order opens, less what the contracts it closes release.
      const held = pos.quantity;
      const q = Math.abs(signedQuantity);
      const closing = held === 0 || Math.sign(held) === Math.sign(signedQuantity) ? 0 : Math.min(q, Math.abs(held));
      const opening = q - closing;
      // An order that only closes always passes: it frees margin.
      if (opening === 0) return 0;
      cost = (opening - closing) * inst.marginInit + fee;
    } else {
      cost = signedQuantity * referencePrice * inst.multiplier + fee;
    }
    if (cost <= 0) return 0;
    // Costs in another currency count at its current rate against all cash.
    if (inst.currency !== this.portfolio.currency) cost *= this.portfolio.rate(inst.currency);
    if (!(this.portfolio.cashValue() - this.total - cost >= 0)) {
      this.refusal = pos.margined ? 'insufficient_margin' : 'insufficient_cash';
      return NaN;
    }
    return cost;
  }

  private evaluateOnMargin(signedQuantity: number, price: number, fee: number, pos: PositionState): number {
    const held = pos.quantity;
    const q = Math.abs(signedQuantity);
    const closing = held === 0 || Math.sign(held) === Math.sign(signedQuantity) ? 0 : Math.min(q, Math.abs(held));
    const opening = q - closing;
    if (opening === 0) return 0;
    const inst = pos.instrument;
    const rate = inst.currency === this.portfolio.currency ? 1 : this.portfolio.rate(inst.currency);
    const cost = ((opening * price * inst.multiplier) / this.leverage + fee) * rate;
    const available = this.portfolio.equity() - this.portfolio.grossExposure() / this.leverage - this.total;
    if (!(available - cost >= 0)) {
      this.refusal = 'insufficient_margin';
      return NaN;
    }
    return cost;
  }

  /** The order is no longer live: its commitment ends. */
  release(orderId: number): void {
    const c = this.committed.get(orderId);
    if (c === undefined) return;
    this.committed.delete(orderId);
    this.total = this.committed.size === 0 ? 0 : this.total - c;
  }
}
