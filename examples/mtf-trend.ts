/**
 * Two timeframes of one feed: 1-hour bars set the trend (close above or below
 * the SMA of `trend` hour bars), 1-minute bars time the entries (a cross of
 * SMA(fast) and SMA(slow) in the trend's direction). Flat when the trend turns.
 * Each hour bar reaches onBar after the last minute bar it contains.
 */
import { Strategy, z, type Bar, type Indicator, type StrategyContext } from 'quantflow';

const params = z
  .object({
    fast: z.number().int().positive().default(10),
    slow: z.number().int().positive().default(30),
    trend: z.number().int().positive().default(5),
    size: z.number().positive().default(1),
  })
  .strict()
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });

export default class MtfTrend extends Strategy<z.infer<typeof params>> {
  static params = params;
  private cross!: Indicator;
  private hourly!: Indicator;
  /** +1 up, -1 down, 0 unknown: from the last completed hour bar. */
  private trend = 0;

  override onStart(ctx: StrategyContext): void {
    ctx.subscribe('1h');
    this.hourly = ctx.sma(this.params.trend, { timeframe: '1h' });
    this.cross = ctx.crossover(ctx.sma(this.params.fast), ctx.sma(this.params.slow));
    // Minute bars are wanted before the hourly average is ready.
    this.callOnBarBeforeReady = true;
  }

  override onBar(bar: Bar, ctx: StrategyContext): void {
    if (bar.timeframe === '1h') {
      if (!this.hourly.ready) return;
      const trend = bar.close > this.hourly.value ? 1 : bar.close < this.hourly.value ? -1 : 0;
      if (trend !== this.trend && ctx.position() !== 0) ctx.targetPosition(0);
      this.trend = trend;
      return;
    }
    if (!this.cross.ready || ctx.hasOpenOrders() || this.trend === 0) return;
    if (this.cross.value === this.trend) ctx.targetPosition(this.trend * this.params.size);
  }
}
