import type { Micros } from '../../core/time.js';
import type { OrderManager } from '../../execution/order-manager.js';
import type { Order } from '../../model/order.js';
import type { Portfolio, PositionState } from '../../portfolio/portfolio.js';
import type { OrderEntry } from '../order-entry.js';
import type { AccountModule } from './module.js';

/** A margin call: equity fell below the maintenance margin; margined positions were closed. */
export interface MarginCall {
  readonly time: Micros;
  readonly equity: number;
  readonly maintenance: number;
}

/**
 * Margin calls: when equity falls below the maintenance margin of the open
 * margined positions (futures: each contract's maintenance margin; a margin
 * account with leverage above 1: a fraction of gross exposure), every
 * margined position is closed at market (orders tagged 'liquidation',
 * filled at the next data), and the call is recorded. The orders go straight
 * to order entry, not through the strategy's context.
 */
export class MarginCallModule implements AccountModule {
  readonly calls: MarginCall[] = [];

  constructor(
    private readonly portfolio: Portfolio,
    private readonly orders: OrderManager,
    private readonly entry: OrderEntry,
    private readonly leverage: number,
    private readonly maintenanceRate: number,
  ) {}

  afterValuation(t: Micros, equity: number): void {
    const p = this.portfolio;
    if (p.marginInUse === 0 && !(this.leverage > 1)) return;
    let maintenance = 0;
    for (const pos of p.positions) if (pos.margined) maintenance += Math.abs(pos.quantity) * pos.instrument.marginMaint;
    const onMargin = this.leverage > 1;
    if (onMargin) maintenance += p.grossExposure() * this.maintenanceRate;
    if (!(equity < maintenance)) return;
    let sent = false;
    for (const pos of p.positions) {
      if ((!pos.margined && !onMargin) || pos.quantity === 0) continue;
      if (pos.side !== 'net') {
        sent = this.liquidateLeg(pos, t) || sent;
        continue;
      }
      if (this.hasLiquidation((o) => o.symbol === pos.instrument.symbol)) continue;
      this.entry.targetPosition(pos.index, 0, { tag: 'liquidation' });
      sent = true;
    }
    if (sent) this.calls.push({ time: t, equity, maintenance });
  }

  private hasLiquidation(match: (o: Order) => boolean): boolean {
    for (const o of this.orders.liveOrders()) if (o.tag === 'liquidation' && match(o)) return true;
    return false;
  }

  /**
   * Closes one leg of a hedging account at market: the working orders that
   * reduce the leg are cancelled first (the liquidation takes their place),
   * then a market order closes the whole leg. Returns whether it sent one.
   */
  private liquidateLeg(pos: PositionState, t: Micros): boolean {
    const symbol = pos.instrument.symbol;
    const side = pos.side === 'short' ? 'short' : 'long';
    const closing = side === 'long' ? 'sell' : 'buy';
    const same = (o: Order): boolean => o.symbol === symbol && o.positionSide === side && o.side === closing;
    if (this.hasLiquidation(same)) return false;
    this.orders.cancelAll(t, same);
    const qty = Math.abs(pos.quantity);
    this.entry.place(pos.index, { side: closing, type: 'market', quantity: qty, symbol, positionSide: side, tag: 'liquidation' }, undefined);
    return true;
  }
}
