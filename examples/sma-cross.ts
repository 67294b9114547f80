/**
 * Moving-average crossover, long only.
 * When the fast SMA crosses above the slow one and we are flat, buy `size` at
 * market; when it crosses below and we are long, sell the whole position.
 * While an order is live, do nothing.
 */
import { Strategy, z, type Bar, type Indicator, type StrategyContext } from 'quantflow';

const params = z
  .object({
    fast: z.number().int().positive().default(10),
    slow: z.number().int().positive().default(30),
    size: z.number().positive().default(100),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

export default class SmaCross extends Strategy<z.infer<typeof params>> {
  static params = params;
  private cross!: Indicator;

  override onStart(ctx: StrategyContext): void {
    this.cross = ctx.crossover(ctx.sma(this.params.fast), ctx.sma(this.params.slow));
  }

  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (ctx.hasOpenOrders()) return;
    const position = ctx.position();
    if (this.cross.value === 1 && position === 0) ctx.buy(this.params.size);
    else if (this.cross.value === -1 && position > 0) ctx.sell(position);
  }
}
