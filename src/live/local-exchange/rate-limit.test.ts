import { describe, expect, it } from 'vitest';
import { RestRateLimiter } from './rate-limit.js';

describe('RestRateLimiter', () => {
  it('passes N per window, answers 429 with the seconds left, bans a client that comes back early, and forgives after', () => {
    let now = 1_000_000;
    const limiter = new RestRateLimiter(2, 10_000, () => now);
    expect(limiter.check('a').status).toBe(200);
    now += 1000;
    expect(limiter.check('a').status).toBe(200);
    now += 1500;
    expect(limiter.check('a')).toEqual({ status: 429, retryAfterSeconds: 8, until: 1_010_000 }); // 7.5 s left, rounded up
    expect(limiter.check('b').status).toBe(200); // per client
    now += 1000;
    expect(limiter.check('a')).toEqual({ status: 418, retryAfterSeconds: 20, until: now + 20_000 }); // banned two windows
    now += 19_999;
    expect(limiter.check('a').status).toBe(418);
    now += 1;
    expect(limiter.check('a').status).toBe(200);
  });

  it('a client that waits as told is not banned', () => {
    let now = 0;
    const limiter = new RestRateLimiter(1, 1000, () => now);
    expect(limiter.check('a').status).toBe(200);
    const limited = limiter.check('a');
    expect(limited.status).toBe(429);
    now = limited.status === 429 ? limited.until : NaN;
    expect(limiter.check('a').status).toBe(200);
  });
});
