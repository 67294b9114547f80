/**
 * An equal-weight portfolio of every instrument in the run, rebalanced
 * monthly: on the first trading day of a month, sell what is above its share
 * of equity (equity x invested / N, whole units at the latest close); on the
 * next bar, buy what is below, with the sale proceeds settled. Instruments
 * join once they have data.
 */
import { Strategy, formatIso, z, type Bar, type StrategyContext } from 'quantflow';

const params = z
  .object({
    /** Fraction of equity invested (the rest stays in cash, to pay fees and drift). */
    invested: z.number().gt(0).max(1).default(0.98),
  })
  .strict();

export default class EqualWeight extends Strategy<z.infer<typeof params>> {
  static params = params;
  private month = '';
  private buyNext = false;

  override onBar(_bar: Bar, ctx: StrategyContext): void {
    const month = formatIso(ctx.time).slice(0, 7);
    if (this.buyNext && month === this.month && !ctx.hasOpenOrders()) {
      this.buyNext = false;
      this.rebalance(ctx, 'buy');
    }
    if (month === this.month) return;
    this.month = month;
    this.buyNext = true;
    this.rebalance(ctx, 'sell');
  }

  private rebalance(ctx: StrategyContext, side: 'buy' | 'sell'): void {
    const live = ctx.symbols.filter((s) => ctx.bars(s).length > 0);
    const budget = (ctx.equity * this.params.invested) / live.length;
    const moves = live.map((symbol) => {
      const price = ctx.bars(symbol).close();
      return { symbol, price, diff: Math.floor(budget / price) - ctx.position(symbol) };
    });
    if (side === 'sell') {
      for (const m of moves) if (m.diff < 0) ctx.sell(-m.diff, { symbol: m.symbol });
      return;
    }
    // Buys share the cash there is (prices moved since the sells were sized), with a little kept for fees.
    const cost = moves.reduce((sum, m) => sum + (m.diff > 0 ? m.diff * m.price : 0), 0);
    const scale = cost > 0 ? Math.min(1, (ctx.cash * 0.995) / cost) : 0;
    for (const m of moves) {
      const quantity = Math.floor(m.diff * scale);
      if (quantity > 0) ctx.buy(quantity, { symbol: m.symbol });
    }
  }
}
