import type { Micros } from '../../core/time.js';
import type { OrderManager } from '../../execution/order-manager.js';
import type { RiskEngine } from '../../risk/engine.js';
import type { AccountModule } from './module.js';

/**
 * The kill switch's equity watch: the risk engine's drawdown and daily-loss
 * limits see the equity of every step; a trip that halts the account
 * cancels every working order. Also where the max-orders trip lands.
 */
export class KillSwitchModule implements AccountModule {
  /** Whether a limit needs the equity of every step at all. */
  readonly watching: boolean;

  constructor(
    private readonly risk: RiskEngine,
    private readonly orders: OrderManager,
  ) {
    this.watching = risk.limits.maxDrawdown !== undefined || risk.limits.maxDailyLoss !== undefined;
  }

  afterValuation(t: Micros, equity: number): void {
    if (!this.watching) return;
    const events = this.risk.onEquity(t, equity);
    if (events.length === 0) return;
    if (events.some((e) => e.to === 'halted')) this.orders.cancelAll(t);
  }

  /** The run reached risk.maxOrders: the account halts and the working orders are cancelled (a run warning tells it). */
  maxOrdersReached(time: Micros): void {
    this.risk.tripMaxOrders(time);
    this.orders.cancelAll(time);
  }
}
