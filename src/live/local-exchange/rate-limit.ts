/** What the rate limiter says about one request. */
export type RateVerdict =
  | { readonly status: 200 }
  | { readonly status: 429 | 418; readonly retryAfterSeconds: number; readonly until: number };

/**
 * Binance's REST request limit, per client address, in fixed windows: the
 * first `limit` requests of a window pass; the next ones get 429 with the
 * seconds left in the window (Retry-After). A client that sends again before
 * that time is banned (418) for two windows, and every request during a ban
 * gets 418 with the time left. `now` is injectable for tests (ms).
 */
export class RestRateLimiter {
  private readonly clients = new Map<string, { windowStart: number; count: number; retryAt: number; bannedUntil: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  check(client: string): RateVerdict {
    const now = this.now();
    let c = this.clients.get(client);
    if (c === undefined) {
      c = { windowStart: now, count: 0, retryAt: 0, bannedUntil: 0 };
      this.clients.set(client, c);
    }
    if (now < c.bannedUntil) return ban(c.bannedUntil, now);
    if (now < c.retryAt) {
      c.bannedUntil = now + 2 * this.windowMs;
      return ban(c.bannedUntil, now);
    }
    if (now >= c.windowStart + this.windowMs) {
      c.windowStart = now;
      c.count = 0;
    }
    c.count++;
    if (c.count <= this.limit) return { status: 200 };
    c.retryAt = c.windowStart + this.windowMs;
    return { status: 429, retryAfterSeconds: Math.max(1, Math.ceil((c.retryAt - now) / 1000)), until: c.retryAt };
  }
}

function ban(until: number, now: number): RateVerdict {
  return { status: 418, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)), until };
}
