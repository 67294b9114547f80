/**
 * A long core position with a short hedge beside it, for a hedging account
 * (--position-mode hedging). The core is bought once, sized to `core` of
 * equity by ctx.size (on the lot grid, within the run's limits and cash);
 * while the fast SMA is below the slow one, a short of `hedge` x the core is
 * held on the short leg, bought back when the fast SMA crosses above again
 * (as much as cash allows in a cash account; all of it on margin).
 *
 *   quantflow backtest --strategy examples/hedged-core.ts --data data/samples/ORCL-1995-2014.csv \
 *     --position-mode hedging --lot-size 1 --leverage 2 --borrow-rate 0.03 --fee-rate 0.001
 */
import { Strategy, z, type Bar, type Indicator, type StrategyContext } from 'quantflow';

const params = z
  .object({
    fast: z.number().int().positive().default(10),
    slow: z.number().int().positive().default(30),
    core: z.number().gt(0).max(1).default(0.5),
    hedge: z.number().gt(0).max(1).default(0.5),
  })
  .strict();

export default class HedgedCore extends Strategy<z.infer<typeof params>> {
  static params = params;
  private cross!: Indicator;

  override onStart(ctx: StrategyContext): void {
    this.cross = ctx.crossover(ctx.sma(this.params.fast), ctx.sma(this.params.slow));
  }

  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (ctx.hasOpenOrders()) return;
    const long = ctx.position(undefined, 'long');
    const short = ctx.position(undefined, 'short');
    if (long === 0) {
      const q = ctx.size.percentOfEquity(this.params.core, { positionSide: 'long' });
      if (q > 0) ctx.buy(q, { positionSide: 'long' });
    } else if (this.cross.value === -1 && short === 0) {
      const q = ctx.size.fixed(Math.floor(long * this.params.hedge), { side: 'sell', positionSide: 'short' });
      if (q > 0) ctx.sell(q, { positionSide: 'short' });
    } else if (this.cross.value === 1 && short < 0) {
      const q = ctx.size.fixed(-short, { side: 'buy', positionSide: 'short' });
      if (q > 0) ctx.buy(q, { positionSide: 'short' });
    }
  }
}
