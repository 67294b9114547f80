/**
 * The live feed's event ring: a lock-free single-producer single-consumer
 * queue of fixed-width Float64 records in a SharedArrayBuffer, from the I/O
 * thread (a MarketEventSink that writes records) to the main thread (a reader
 * that hands them to any MarketEventSink).
 *
 * Why not the catalog's ColumnRing (src/data/catalog/ring.ts): it publishes
 * whole blocks of rows, which suits a decoder that is always ahead, but live
 * messages come one to a few hundred at a time, and an event must reach the
 * kernel as soon as it is written, not when a block fills. Here the producer
 * publishes its write index after every event (one atomic store) and the
 * consumer takes whatever is there, one event or thousands; a wake-up
 * (Atomics.notify) is paid only when the other side said it is asleep.
 *
 * Record (RECORD_WIDTH doubles): kind, symbol, exchange time, receive time,
 * then the kind's values:
 *   trade     price, size, aggressor
 *   quote     bid, ask, bidSize, askSize
 *   bar       open, high, low, close, volume
 *   bookLevel side, price, size, flags, sequence
 *   incident  its number (1, 2, ...); the incident itself (text) travels on
 *             the thread's message port, posted before the record is written,
 *             so the reader hands it to the sink exactly at this position.
 *
 * Indices are Int32 counters that wrap (differences taken with `| 0`), the
 * capacity a power of two. WRITE and READ sit on cache lines of their own.
 */
export const RECORD_WIDTH = 10;

export const KIND_TRADE = 1;
export const KIND_QUOTE = 2;
export const KIND_BAR = 3;
export const KIND_BOOK = 4;
export const KIND_INCIDENT = 5;

/** Int32 control words, 16 apart (64 bytes: one cache line each where it matters). */
export const WRITE = 0;
export const STATE = 4;
/** Set by the consumer when it will read no more: the producer stops waiting and discards. */
export const CLOSED = 5;
export const READ = 16;
/** Non-zero while the consumer sleeps on WRITE: the producer then notifies after publishing. */
export const CONSUMER_WAITING = 32;
/** Non-zero while the producer sleeps on READ (the ring was full). */
export const PRODUCER_WAITING = 48;
const CONTROL_INTS = 64;

/** Producer statistics (Float64, written by the producer only; exact once the ring has ended). */
export const STAT_EVENTS = 0;
export const STAT_WAITS = 1;
export const STAT_WAITED_MICROS = 2;
export const STAT_LONGEST_WAIT_MICROS = 3;
const STAT_DOUBLES = 8;

export const STATE_RUNNING = 0;
export const STATE_DONE = 1;
export const STATE_FAILED = 2;

const HEADER_BYTES = CONTROL_INTS * 4 + STAT_DOUBLES * 8;

export const DEFAULT_CAPACITY = 65_536;
const MAX_CAPACITY = 1 << 24;

/** The capacity actually used for a requested one: the next power of two, at least 1. */
export function ringCapacity(requested: number): number {
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_CAPACITY) {
    throw new RangeError(`ring capacity must be an integer from 1 to ${MAX_CAPACITY}, got ${requested}`);
  }
  let c = 1;
  while (c < requested) c <<= 1;
  return c;
}

/** The shared memory of one ring; both threads build one over the same buffer. */
export class EventRing {
  readonly control: Int32Array;
  readonly stats: Float64Array;
  readonly data: Float64Array;
  readonly mask: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly capacity: number,
  ) {
    if (capacity !== ringCapacity(capacity)) throw new RangeError(`ring capacity must be a power of two, got ${capacity}`);
    this.control = new Int32Array(buffer, 0, CONTROL_INTS);
    this.stats = new Float64Array(buffer, CONTROL_INTS * 4, STAT_DOUBLES);
    this.data = new Float64Array(buffer, HEADER_BYTES, capacity * RECORD_WIDTH);
    this.mask = capacity - 1;
  }

  /** A ring of at least `capacity` events (rounded up to a power of two). */
  static allocate(capacity: number = DEFAULT_CAPACITY): EventRing {
    const c = ringCapacity(capacity);
    return new EventRing(new SharedArrayBuffer(HEADER_BYTES + c * RECORD_WIDTH * 8), c);
  }

  /** Ends the ring (done or failed) if it is still running; wakes the consumer. True if this call ended it. */
  settle(state: typeof STATE_DONE | typeof STATE_FAILED): boolean {
    const ended = Atomics.compareExchange(this.control, STATE, STATE_RUNNING, state) === STATE_RUNNING;
    Atomics.notify(this.control, WRITE);
    return ended;
  }
}
