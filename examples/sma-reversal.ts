/**
 * Always in the market after the first cross: long `size` when the fast SMA
 * crosses above the slow one, short `size` when it crosses below. Each
 * reversal is one market order for the difference.
 */
import { Strategy, z, type Bar, type Indicator, type StrategyContext } from 'quantflow';

const params = z
  .object({
    fast: z.number().int().positive().default(10),
    slow: z.number().int().positive().default(30),
    size: z.number().positive().default(100),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

export default class SmaReversal extends Strategy<z.infer<typeof params>> {
  static params = params;
  private cross!: Indicator;

  override onStart(ctx: StrategyContext): void {
    this.cross = ctx.crossover(ctx.sma(this.params.fast), ctx.sma(this.params.slow));
  }

  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (this.cross.value === 1) ctx.targetPosition(this.params.size);
    else if (this.cross.value === -1) ctx.targetPosition(-this.params.size);
  }
}
