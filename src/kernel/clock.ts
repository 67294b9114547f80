import type { Micros } from '../core/time.js';

/**
 * Where the kernel's time comes from. In a replay, time is the data's: the
 * clock stands at the time of the event being processed, and moves only as
 * events come. Live, time is the wall's: events keep their exchange times,
 * but `now()` (order times, `ctx.time`, timers) is the machine's clock, so
 * timers fire even when the feed is quiet.
 */
export interface Clock {
  now(): Micros;
  /** An event stamped `time` is being processed. */
  advance(time: Micros): void;
  /** Whether time follows the data (timers fire between data steps) or the wall (a driver fires them as time passes). */
  readonly kind: 'simulated' | 'wall';
}

/** The data's time: the time of the latest event (NaN before the first). */
export class SimulatedClock implements Clock {
  readonly kind = 'simulated';
  private time: Micros = NaN;

  now(): Micros {
    return this.time;
  }

  advance(time: Micros): void {
    this.time = time;
  }
}

/** The machine's time in microseconds since the epoch (UTC), increasing. */
export class WallClock implements Clock {
  readonly kind = 'wall';
  private last = 0;

  constructor(private readonly source: () => number = () => (performance.timeOrigin + performance.now()) * 1000) {}

  now(): Micros {
    // Whole microseconds, never backwards (a clock step back would reorder events and timers).
    const t = Math.floor(this.source());
    if (t > this.last) this.last = t;
    return this.last;
  }

  advance(): void {
    // Events carry their own times; the wall clock does not follow them.
  }
}
