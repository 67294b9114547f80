/**
 * Mean reversion with a bracket: when flat with no live order and
 * RSI(period) < level, buy `size` at market with a stop-loss at close x sl
 * and a take-profit at close x tp (the close of the signal bar). The exits
 * arm on the bar after the entry fills and cancel each other.
 */
import { Strategy, mulExact, z, type Bar, type Indicator, type StrategyContext } from 'quantflow';

const params = z
  .object({
    period: z.number().int().min(2).default(14),
    level: z.number().gt(0).lt(100).default(30),
    size: z.number().positive().default(100),
    sl: z.number().gt(0).lt(1).default(0.97),
    tp: z.number().gt(1).default(1.05),
  })
  .strict();

export default class RsiBracket extends Strategy<z.infer<typeof params>> {
  static params = params;
  private rsi!: Indicator;

  override onStart(ctx: StrategyContext): void {
    this.rsi = ctx.rsi(this.params.period);
  }

  override onBar(bar: Bar, ctx: StrategyContext): void {
    if (!this.rsi.ready || ctx.position() !== 0 || ctx.hasOpenOrders()) return;
    if (this.rsi.value < this.params.level) {
      ctx.bracket({
        quantity: this.params.size,
        stopLoss: mulExact(bar.close, this.params.sl),
        takeProfit: mulExact(bar.close, this.params.tp),
      });
    }
  }
}
