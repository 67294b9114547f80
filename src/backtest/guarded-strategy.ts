import type { Bar, QuoteTick, TradeTick } from '../model/market.js';
import type { FeedStatus, OrderEvent, TimerEvent } from '../model/events.js';
import type { OrderBook } from '../model/order-book.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { toStrategyError } from './strategy-error.js';

/**
 * A strategy whose hooks turn what they throw into a StrategyError naming
 * the hook (InvariantErrors, the engine's bugs, pass through). The engine
 * runs it like the strategy itself: each hook is one more call, which V8
 * inlines; nothing is allocated unless a hook throws.
 */
export class GuardedStrategy extends Strategy<object> {
  constructor(
    readonly inner: Strategy<object>,
    /** The strategy file, for messages. */
    readonly file: string,
  ) {
    super(inner.params);
    // The strategy may set it at any time (in onStart, say): read it through.
    Object.defineProperty(this, 'callOnBarBeforeReady', { get: () => inner.callOnBarBeforeReady, enumerable: true });
  }

  override onStart(ctx: StrategyContext): void {
    try {
      this.inner.onStart(ctx);
    } catch (e) {
      throw toStrategyError('onStart', e, this.file);
    }
  }

  override onBar(bar: Bar, ctx: StrategyContext): void {
    try {
      this.inner.onBar(bar, ctx);
    } catch (e) {
      throw toStrategyError('onBar', e, this.file);
    }
  }

  override onQuote(quote: QuoteTick, ctx: StrategyContext): void {
    try {
      this.inner.onQuote(quote, ctx);
    } catch (e) {
      throw toStrategyError('onQuote', e, this.file);
    }
  }

  override onBook(book: OrderBook, ctx: StrategyContext): void {
    try {
      this.inner.onBook(book, ctx);
    } catch (e) {
      throw toStrategyError('onBook', e, this.file);
    }
  }

  override onTrade(trade: TradeTick, ctx: StrategyContext): void {
    try {
      this.inner.onTrade(trade, ctx);
    } catch (e) {
      throw toStrategyError('onTrade', e, this.file);
    }
  }

  override onOrderEvent(event: OrderEvent, ctx: StrategyContext): void {
    try {
      this.inner.onOrderEvent(event, ctx);
    } catch (e) {
      throw toStrategyError('onOrderEvent', e, this.file);
    }
  }

  override onTimer(timer: TimerEvent, ctx: StrategyContext): void {
    try {
      this.inner.onTimer(timer, ctx);
    } catch (e) {
      throw toStrategyError('onTimer', e, this.file);
    }
  }

  override onFeedStatus(status: FeedStatus, ctx: StrategyContext): void {
    // A strategy class built against an older base class may not have the hook.
    if (typeof this.inner.onFeedStatus !== 'function') return;
    try {
      this.inner.onFeedStatus(status, ctx);
    } catch (e) {
      throw toStrategyError('onFeedStatus', e, this.file);
    }
  }

  override onStop(ctx: StrategyContext): void {
    try {
      this.inner.onStop(ctx);
    } catch (e) {
      throw toStrategyError('onStop', e, this.file);
    }
  }
}
