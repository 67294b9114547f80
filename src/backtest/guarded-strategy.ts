import type { Bar, QuoteTick, TradeTick } from '../model/market.js';
import type { FeedStatus, OrderEvent, TimerEvent } from '../model/events.js';
import type { OrderBook } from '../model/order-book.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { StrategyError, toStrategyError, type StrategyStage } from './strategy-error.js';

/**
 * A strategy whose hooks turn what they throw into a StrategyError naming
 * the hook (InvariantErrors, the engine's bugs, pass through), and a hook
 * that returns a Promise into one too. The engine runs it like the strategy
 * itself: each hook is one more call, which V8 inlines; nothing is allocated
 * unless a hook throws or returns something.
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
    let returned: unknown;
    try {
      returned = this.inner.onStart(ctx);
    } catch (e) {
      throw toStrategyError('onStart', e, this.file);
    }
    if (returned !== undefined) checkReturned('onStart', returned, this.file);
  }

  override onBar(bar: Bar, ctx: StrategyContext): void {
    let returned: unknown;
    try {
      returned = this.inner.onBar(bar, ctx);
    } catch (e) {
      throw toStrategyError('onBar', e, this.file);
    }
    if (returned !== undefined) checkReturned('onBar', returned, this.file);
  }

  override onQuote(quote: QuoteTick, ctx: StrategyContext): void {
    let returned: unknown;
    try {
      returned = this.inner.onQuote(quote, ctx);
    } catch (e) {
      throw toStrategyError('onQuote', e, this.file);
    }
    if (returned !== undefined) checkReturned('onQuote', returned, this.file);
  }

  override onBook(book: OrderBook, ctx: StrategyContext): void {
    let returned: unknown;
    try {
      returned = this.inner.onBook(book, ctx);
    } catch (e) {
      throw toStrategyError('onBook', e, this.file);
    }
    if (returned !== undefined) checkReturned('onBook', returned, this.file);
  }

  override onTrade(trade: TradeTick, ctx: StrategyContext): void {
    let returned: unknown;
    try {
      returned = this.inner.onTrade(trade, ctx);
    } catch (e) {
      throw toStrategyError('onTrade', e, this.file);
    }
    if (returned !== undefined) checkReturned('onTrade', returned, this.file);
  }

  override onOrderEvent(event: OrderEvent, ctx: StrategyContext): void {
    let returned: unknown;
    try {
      returned = this.inner.onOrderEvent(event, ctx);
    } catch (e) {
      throw toStrategyError('onOrderEvent', e, this.file);
    }
    if (returned !== undefined) checkReturned('onOrderEvent', returned, this.file);
  }

  override onTimer(timer: TimerEvent, ctx: StrategyContext): void {
    let returned: unknown;
    try {
      returned = this.inner.onTimer(timer, ctx);
    } catch (e) {
      throw toStrategyError('onTimer', e, this.file);
    }
    if (returned !== undefined) checkReturned('onTimer', returned, this.file);
  }

  override onFeedStatus(status: FeedStatus, ctx: StrategyContext): void {
    // A strategy class built against an older base class may not have the hook.
    if (typeof this.inner.onFeedStatus !== 'function') return;
    let returned: unknown;
    try {
      returned = this.inner.onFeedStatus(status, ctx);
    } catch (e) {
      throw toStrategyError('onFeedStatus', e, this.file);
    }
    if (returned !== undefined) checkReturned('onFeedStatus', returned, this.file);
  }

  override onStop(ctx: StrategyContext): void {
    let returned: unknown;
    try {
      returned = this.inner.onStop(ctx);
    } catch (e) {
      throw toStrategyError('onStop', e, this.file);
    }
    if (returned !== undefined) checkReturned('onStop', returned, this.file);
  }
}

/**
 * A hook returned something: a Promise (a hook that is not declared async
 * but returns one; declared async, the loader refuses it) stops the run as
 * the strategy's error, since the engine never waits for it. Its own outcome
 * is dropped (else a rejection later would end the process). Other values
 * are ignored.
 */
function checkReturned(stage: StrategyStage, value: unknown, file: string): void {
  if (typeof (value as { then?: unknown } | null)?.then !== 'function') return;
  (value as Promise<unknown>).then(undefined, () => undefined);
  const error = new Error(`${stage} returned a Promise: a strategy's hooks run synchronously (the engine does not wait for it, so code after an await would run at some later event and what it throws would be lost)`);
  // Made here, in the engine: none of its frames is the strategy's line.
  error.stack = `Error: ${error.message}`;
  throw new StrategyError(stage, error, file);
}
