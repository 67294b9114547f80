import type { Micros } from '../../core/time.js';

/**
 * The machine's time in microseconds since the epoch, with sub-microsecond
 * fraction, from the monotonic timer of the calling thread. Each worker
 * thread has its own time origin, but origin + elapsed agree across threads
 * to a few microseconds, so a receive time stamped on the I/O thread and a
 * hand-over time stamped on the main thread can be subtracted. Sources
 * should stamp receive times with this (Date.now() has millisecond steps).
 */
export function wallMicros(): Micros {
  return (performance.timeOrigin + performance.now()) * 1000;
}
