/**
 * The exchange's clock as ccxt signs with it. Signed requests carry a
 * timestamp the exchange checks against its own clock (Binance: at most 1 s
 * ahead, within recvWindow behind; else -1021, ccxt's InvalidNonce), so the
 * offset between this machine and the exchange is measured when the venue
 * starts (ccxt's loadTimeDifference: `options.timeDifference`, which its
 * nonce() subtracts), again every `resyncMs`, and once more whenever a
 * request is refused for its timestamp; that request is then sent once again.
 * Sending it again is safe for the journal: a -1021 refusal is the gateway's,
 * before the exchange looks at the order, so a createOrder retried under its
 * client order id places the order once (and an exchange that did have it
 * answers "Duplicate order sent.", -2010, instead of placing it twice).
 */

import { ccxtLib } from '../ccxt/ccxt-lib.js';

/** What the clock uses of a ccxt exchange. */
export interface ClockedExchange {
  options: Record<string, unknown>;
  loadTimeDifference(): Promise<unknown>;
}

/** Signed methods a refused timestamp makes the clock measure again and send once more. */
const SIGNED = new Set(['createOrder', 'cancelOrder', 'editOrder', 'fetchOrder', 'fetchOpenOrders', 'fetchOrders', 'fetchOrderTrades', 'fetchMyTrades', 'fetchBalance']);

/** Default period of the offset's measurement (ms): 30 minutes. */
export const CLOCK_RESYNC_MS = 30 * 60_000;

export class ServerClock {
  private timer: NodeJS.Timeout | undefined;
  private measuring: Promise<number> | undefined;
  /** Measurements made (start-up, periodic, after a refusal). */
  measurements = 0;

  constructor(
    private readonly exchange: ClockedExchange,
    /** A measurement that failed (periodic, or after a refusal); the old offset stays. */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** The exchange's clock minus this machine's, ms, as last measured. */
  get offsetMs(): number {
    const difference = this.exchange.options.timeDifference;
    return typeof difference === 'number' ? -difference : 0;
  }

  /** Measures the offset (one measurement at a time: callers meanwhile share it); resolves to it. */
  measure(): Promise<number> {
    this.measuring ??= this.exchange
      .loadTimeDifference()
      .then(() => {
        this.measurements++;
        return this.offsetMs;
      })
      .finally(() => {
        this.measuring = undefined;
      });
    return this.measuring;
  }

  /** Measures again every `resyncMs` until stop(). */
  start(resyncMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.measure().catch(this.onFailure), resyncMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** `call()`; refused for its timestamp, the offset is measured again and `call()` sent once more. */
  async once<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ccxtLib().InvalidNonce)) throw error;
      try {
        await this.measure();
      } catch (failure) {
        this.onFailure(failure);
        throw error;
      }
      return call();
    }
  }

  /**
   * The exchange with its signed methods going through once(); everything
   * else is the exchange's own. Methods are looked up when called, so a
   * test's replacement of one on the exchange is what runs.
   */
  wrap<E extends object>(exchange: E): E {
    return new Proxy(exchange, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof property !== 'string' || typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => Promise<unknown>;
        if (!SIGNED.has(property)) return method.bind(target);
        return (...args: unknown[]) => this.once(() => (Reflect.get(target, property) as typeof method).apply(target, args));
      },
    });
  }
}
