/**
 * A passive market maker on an L2 book: keeps one post-only bid at the best
 * bid and one post-only ask at the best ask, `size` each, while inventory
 * stays within `max_inventory`; re-quotes (modifies) when the touch moves.
 * Resting orders fill as the queue ahead of them trades away or the book
 * moves through their price.
 */
import { Strategy, z, type Order, type OrderBook, type StrategyContext } from 'quantflow';

const params = z
  .object({
    size: z.number().positive().default(0.01),
    max_inventory: z.number().positive().default(0.05),
  })
  .strict();

export default class BookMaker extends Strategy<z.infer<typeof params>> {
  static params = params;
  private bid: Order | undefined;
  private ask: Order | undefined;

  override onBook(book: OrderBook, ctx: StrategyContext): void {
    const bestBid = book.bestBid;
    const bestAsk = book.bestAsk;
    if (!(bestBid === bestBid && bestAsk === bestAsk) || book.isCrossed()) return;
    const inventory = ctx.position();
    const { size, max_inventory: max } = this.params;
    this.bid = this.quote(ctx, this.bid, 'buy', bestBid, inventory + size <= max + 1e-12);
    this.ask = this.quote(ctx, this.ask, 'sell', bestAsk, inventory - size >= -max - 1e-12);
  }

  /** Keeps one live order on a side at `price`, or none when `wanted` is false. */
  private quote(ctx: StrategyContext, current: Order | undefined, side: 'buy' | 'sell', price: number, wanted: boolean): Order | undefined {
    const live = current !== undefined && ['accepted', 'partially_filled'].includes(current.status) ? current : undefined;
    if (!wanted) {
      if (live !== undefined) ctx.cancel(live);
      return undefined;
    }
    if (live === undefined) {
      const order = side === 'buy' ? ctx.buy(this.params.size, { limit: price, postOnly: true }) : ctx.sell(this.params.size, { limit: price, postOnly: true });
      return order.status === 'rejected' ? undefined : order;
    }
    if (live.price !== price) ctx.modify(live, { price });
    return live;
  }
}
