/**
 * Breakout above the highest high of `lookback` bars, in the direction of a
 * 50-bar EMA, with a protective stop 5% below the entry signal's close.
 * (The strategy of the README's tutorial.)
 */
import { Strategy, z, type Bar, type Indicator, type StrategyContext } from 'quantflow';

const params = z.object({
  lookback: z.number().int().min(2).default(20),
  size: z.number().positive().default(100),
});

export default class Breakout extends Strategy<z.infer<typeof params>> {
  static params = params;
  private trend!: Indicator;

  override onStart(ctx: StrategyContext): void {
    this.trend = ctx.ema(50); // updated by the engine before every onBar
  }

  override onBar(bar: Bar, ctx: StrategyContext): void {
    const history = ctx.bars();
    if (history.length <= this.params.lookback) return;
    let high = -Infinity;
    for (let ago = 1; ago <= this.params.lookback; ago++) high = Math.max(high, history.high(ago));
    const position = ctx.position();
    if (position === 0 && !ctx.hasOpenOrders() && bar.close > high && bar.close > this.trend.value) {
      ctx.buy(this.params.size); // market: fills at the next bar's open
      ctx.sell(this.params.size, { stop: Number((bar.close * 0.95).toFixed(4)) }); // protective stop
    } else if (position > 0 && bar.close < this.trend.value) {
      for (const order of ctx.openOrders()) ctx.cancel(order); // the stop
      ctx.targetPosition(0);
    }
  }
}
