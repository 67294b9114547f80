import { ccxtLib } from './ccxt-lib.js';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { Xoshiro128 } from '../../core/random.js';
import { Backoff, backoffOptionsOf } from './backoff.js';
import { classifyFault, retryAfterMs, RETRY_AFTER_MS } from './faults.js';

const ccxt = ccxtLib();

describe('Backoff', () => {
  it('grows by the factor up to the cap, less at most the jitter share', () => {
    const b = new Backoff(backoffOptionsOf({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 }), () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
    const j = new Backoff(backoffOptionsOf({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 }), () => 1 - 2 ** -32);
    expect([j.next(), j.next()]).toEqual([50, 100]);
  });

  it('is the same schedule for the same seed', () => {
    const schedule = (seed: number): number[] => {
      const rng = new Xoshiro128(seed);
      const b = new Backoff(backoffOptionsOf(undefined), () => rng.nextFloat());
      return Array.from({ length: 8 }, () => b.next());
    };
    expect(schedule(3)).toEqual(schedule(3));
    expect(schedule(3)).not.toEqual(schedule(4));
    for (const [i, d] of schedule(3).entries()) {
      const base = Math.min(30_000, 500 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(Math.round(base * 0.8));
      expect(d).toBeLessThanOrEqual(base);
    }
  });

  it('refuses bad options, naming the field', () => {
    expect(() => backoffOptionsOf({ jitter: 2 })).toThrow(InputError);
    expect(() => backoffOptionsOf({ maxMs: 10, initialMs: 100 })).toThrow("field 'backoff.maxMs' value '10': must be a number of milliseconds >= initialMs (100)");
  });
});

describe('faults', () => {
  it('maps ccxt errors to what the source does about them', () => {
    const limited = new ccxt.DDoSProtection('418');
    (limited as unknown as Record<string, unknown>)[RETRY_AFTER_MS] = 2000;
    expect(classifyFault(limited, false)).toEqual({ kind: 'rate_limited', message: '418', retryAfterMs: 2000 });
    expect(classifyFault(new ccxt.RateLimitExceeded('429'), false)).toMatchObject({ kind: 'rate_limited', retryAfterMs: NaN });
    expect(classifyFault(new ccxt.ChecksumError('gap'), false)).toEqual({ kind: 'book_gap', message: 'gap' });
    expect(classifyFault(new ccxt.NetworkError('closed'), false)).toEqual({ kind: 'network', message: 'closed' });
    expect(classifyFault(new ccxt.RequestTimeout('slow'), false).kind).toBe('network');
    expect(classifyFault(new ccxt.BadSymbol('nope'), false).kind).toBe('fatal');
    expect(classifyFault(new TypeError('bug'), false).kind).toBe('fatal');
    expect(classifyFault(new ccxt.ExchangeClosedByUser('bye'), false).kind).toBe('aborted');
    expect(classifyFault(new ccxt.NetworkError('closed'), true).kind).toBe('aborted');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2', 0)).toBe(2000);
    expect(retryAfterMs(' 0.5 ', 0)).toBe(500);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('soon', 0)).toBeNaN();
    expect(retryAfterMs(undefined, 0)).toBeNaN();
  });
});
