/**
 * Buy the dip with a limit, hold for a fixed number of bars: when flat with
 * no live order and close < SMA(period) x band, buy `size` with a limit at
 * close x limit, good for the next `valid_bars` bars; once it fills, sell the
 * whole position at market on the bar where the bars since the entry bar
 * reach `hold_bars`.
 */
import { Strategy, mulExact, z, type Bar, type Indicator, type OrderEvent, type StrategyContext } from 'quantflow';

const params = z
  .object({
    period: z.number().int().min(1).default(20),
    band: z.number().positive().default(0.97),
    limit: z.number().positive().default(0.99),
    size: z.number().positive().default(100),
    valid_bars: z.number().int().min(1).default(3),
    hold_bars: z.number().int().min(1).default(5),
  })
  .strict();

export default class LimitEntry extends Strategy<z.infer<typeof params>> {
  static params = params;
  private sma!: Indicator;
  /** Bar count when the entry filled (the entry bar), or -1 when flat. */
  private entryBar = -1;

  override onStart(ctx: StrategyContext): void {
    this.sma = ctx.sma(this.params.period);
  }

  override onOrderEvent(event: OrderEvent, ctx: StrategyContext): void {
    // Fill events of a bar arrive before its onBar, with the bar already in the history.
    if (event.kind === 'filled' && event.order.side === 'buy') this.entryBar = ctx.bars().length;
  }

  override onBar(bar: Bar, ctx: StrategyContext): void {
    const position = ctx.position();
    if (position > 0) {
      const barsSinceEntry = ctx.bars().length - this.entryBar;
      if (barsSinceEntry >= this.params.hold_bars && !ctx.hasOpenOrders()) ctx.sell(position);
      return;
    }
    if (!this.sma.ready || ctx.hasOpenOrders()) return;
    if (bar.close < mulExact(this.sma.value, this.params.band)) {
      ctx.buy(this.params.size, { limit: mulExact(bar.close, this.params.limit), validBars: this.params.valid_bars });
    }
  }
}
