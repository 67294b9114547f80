/**
 * Mean reversion on quote ticks: buy `size` at the ask when the mid falls
 * more than `band` spreads below its average over the last `period` quotes;
 * sell the position at the bid when the mid is back at the average.
 */
import { Strategy, z, type Indicator, type QuoteTick, type StrategyContext } from 'quantflow';

const params = z
  .object({
    period: z.number().int().min(2).default(100),
    band: z.number().positive().default(3),
    size: z.number().positive().default(10000),
  })
  .strict();

export default class QuoteReversion extends Strategy<z.infer<typeof params>> {
  static params = params;
  private mean!: Indicator;

  override onStart(ctx: StrategyContext): void {
    // On quote data every price source reads the mid.
    this.mean = ctx.sma(this.params.period);
  }

  override onQuote(q: QuoteTick, ctx: StrategyContext): void {
    if (!this.mean.ready || ctx.hasOpenOrders()) return;
    const mid = (q.bid + q.ask) / 2;
    const spread = q.ask - q.bid;
    if (ctx.position() === 0 && mid < this.mean.value - this.params.band * spread) ctx.buy(this.params.size);
    else if (ctx.position() > 0 && mid >= this.mean.value) ctx.sell(ctx.position());
  }
}
