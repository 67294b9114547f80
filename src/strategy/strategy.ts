import type { ZodType } from 'zod';
import type { Bar, QuoteTick, TradeTick } from '../model/market.js';
import type { OrderBook } from '../model/order-book.js';
import type { FeedStatus, OrderEvent, TimerEvent } from '../model/events.js';
import type { StrategyContext } from './context.js';

/**
 * Base class of every strategy. Override the hooks you need; each gets the
 * context as its last argument. Parameters are declared as a static zod
 * schema `params` and arrive parsed in `this.params`.
 *
 * ```ts
 * export default class MyStrategy extends Strategy<z.infer<typeof params>> {
 *   static params = params;
 *   onBar(bar: Bar, ctx: StrategyContext) { ... }
 * }
 * ```
 */
export abstract class Strategy<P extends object = Record<string, unknown>> {
  /**
   * The engine waits with onBar until every indicator of the bar's series is
   * ready (its warm-up). Set true to be called from the first bar.
   */
  callOnBarBeforeReady = false;

  constructor(readonly params: P) {}

  onStart(_ctx: StrategyContext): void {}
  onBar(_bar: Bar, _ctx: StrategyContext): void {}
  onQuote(_quote: QuoteTick, _ctx: StrategyContext): void {}
  /** After each L2 book event (a whole exchange message applied); the book is read-only here. */
  onBook(_book: OrderBook, _ctx: StrategyContext): void {}
  onTrade(_trade: TradeTick, _ctx: StrategyContext): void {}
  onOrderEvent(_event: OrderEvent, _ctx: StrategyContext): void {}
  onTimer(_timer: TimerEvent, _ctx: StrategyContext): void {}
  /** Live runs only: the market feed went stale (no data for the run's stale-after time) or came back. */
  onFeedStatus(_status: FeedStatus, _ctx: StrategyContext): void {}
  onStop(_ctx: StrategyContext): void {}
}

/** What a strategy module's default export must look like. */
export interface StrategyClass<P extends object = Record<string, unknown>> {
  new (params: P): Strategy<P>;
  readonly params?: ZodType<P>;
  readonly name: string;
}
