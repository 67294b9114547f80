import type { Micros } from '../../core/time.js';
import type { Incident, MarketEventSink } from '../source.js';
import { wallMicros } from './clock.js';
import {
  CLOSED,
  CONSUMER_WAITING,
  KIND_BAR,
  KIND_BOOK,
  KIND_INCIDENT,
  KIND_QUOTE,
  KIND_TRADE,
  PRODUCER_WAITING,
  READ,
  RECORD_WIDTH,
  STATE_DONE,
  STATE_FAILED,
  STAT_EVENTS,
  STAT_LONGEST_WAIT_MICROS,
  STAT_WAITED_MICROS,
  STAT_WAITS,
  WRITE,
  type EventRing,
} from './event-ring.js';
import type { FeedPortMessage } from './messages.js';

/** Where incidents and the failure go (the I/O thread's feed port). */
export interface FeedPort {
  postMessage(message: FeedPortMessage): void;
}

export interface RingWriterOptions {
  /**
   * A wait for space this long or longer (µs) is reported as an incident
   * once it is over (default 1 s). Every wait is counted either way.
   */
  readonly slowConsumerMicros?: number;
}

/**
 * The producer's side of an EventRing, as a MarketEventSink: each call
 * writes one record and publishes it. When the ring is full the calling
 * thread blocks (Atomics.wait) until the consumer frees space: nothing is
 * dropped, the exchange's messages queue in the socket meanwhile, and the
 * time waited is counted in the ring's statistics. Runs on the I/O thread
 * only (the main thread may not block).
 */
export class EventRingWriter implements MarketEventSink {
  private write: number;
  private readSeen: number;
  private events = 0;
  private incidents = 0;
  /** The consumer has gone (closed the ring): events are discarded, nobody reads them. */
  private discarding = false;
  private readonly slowConsumerMicros: number;

  constructor(
    private readonly ring: EventRing,
    private readonly port: FeedPort,
    options: RingWriterOptions = {},
  ) {
    this.write = Atomics.load(ring.control, WRITE);
    this.readSeen = Atomics.load(ring.control, READ);
    this.slowConsumerMicros = options.slowConsumerMicros ?? 1_000_000;
  }

  /** Events written so far (incidents included). */
  get written(): number {
    return this.events;
  }

  trade(symbol: number, exchangeTime: Micros, receiveTime: Micros, price: number, size: number, aggressor: number): void {
    const o = this.claim();
    if (o < 0) return;
    const d = this.ring.data;
    d[o] = KIND_TRADE;
    d[o + 1] = symbol;
    d[o + 2] = exchangeTime;
    d[o + 3] = receiveTime;
    d[o + 4] = price;
    d[o + 5] = size;
    d[o + 6] = aggressor;
    this.publish();
  }

  quote(symbol: number, exchangeTime: Micros, receiveTime: Micros, bid: number, ask: number, bidSize: number, askSize: number): void {
    const o = this.claim();
    if (o < 0) return;
    const d = this.ring.data;
    d[o] = KIND_QUOTE;
    d[o + 1] = symbol;
    d[o + 2] = exchangeTime;
    d[o + 3] = receiveTime;
    d[o + 4] = bid;
    d[o + 5] = ask;
    d[o + 6] = bidSize;
    d[o + 7] = askSize;
    this.publish();
  }

  bar(symbol: number, exchangeTime: Micros, receiveTime: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    const o = this.claim();
    if (o < 0) return;
    const d = this.ring.data;
    d[o] = KIND_BAR;
    d[o + 1] = symbol;
    d[o + 2] = exchangeTime;
    d[o + 3] = receiveTime;
    d[o + 4] = open;
    d[o + 5] = high;
    d[o + 6] = low;
    d[o + 7] = close;
    d[o + 8] = volume;
    this.publish();
  }

  bookLevel(symbol: number, exchangeTime: Micros, receiveTime: Micros, side: number, price: number, size: number, flags: number, sequence: number): void {
    const o = this.claim();
    if (o < 0) return;
    const d = this.ring.data;
    d[o] = KIND_BOOK;
    d[o + 1] = symbol;
    d[o + 2] = exchangeTime;
    d[o + 3] = receiveTime;
    d[o + 4] = side;
    d[o + 5] = price;
    d[o + 6] = size;
    d[o + 7] = flags;
    d[o + 8] = sequence;
    this.publish();
  }

  /** The incident goes on the port first, then its numbered record marks its place among the events. */
  incident(incident: Incident): void {
    const o = this.claim(); // first: a wait in there may report an incident of its own
    if (o < 0) return;
    const n = ++this.incidents;
    this.port.postMessage({ type: 'incident', n, incident });
    const d = this.ring.data;
    d[o] = KIND_INCIDENT;
    d[o + 1] = -1;
    d[o + 2] = incident.time;
    d[o + 3] = incident.time;
    d[o + 4] = n;
    this.publish();
  }

  /** The source has finished: the consumer takes what is left, then sees the end. */
  end(): void {
    this.ring.stats[STAT_EVENTS] = this.events;
    this.ring.settle(STATE_DONE);
  }

  /** The source failed: the reason is posted, then the ring is marked failed (after the events before it). */
  fail(message: FeedPortMessage & { type: 'failure' }): void {
    this.ring.stats[STAT_EVENTS] = this.events;
    try {
      this.port.postMessage(message);
    } catch {
      // The port is closed: the consumer has gone.
    }
    this.ring.settle(STATE_FAILED);
  }

  /** The offset of the next free record, waiting for one while the ring is full; -1 when discarding. */
  private claim(): number {
    const capacity = this.ring.capacity;
    while (((this.write - this.readSeen) | 0) >= capacity) {
      this.readSeen = Atomics.load(this.ring.control, READ);
      if (((this.write - this.readSeen) | 0) < capacity) break;
      const waited = this.waitForSpace();
      if (this.discarding) return -1;
      if (waited >= this.slowConsumerMicros) this.reportSlowConsumer(waited); // takes a record; the loop checks again
    }
    if (this.discarding) return -1;
    return (this.write & this.ring.mask) * RECORD_WIDTH;
  }

  private publish(): void {
    const control = this.ring.control;
    this.write = (this.write + 1) | 0;
    this.events++;
    Atomics.store(control, WRITE, this.write);
    if (Atomics.load(control, CONSUMER_WAITING) !== 0) Atomics.notify(control, WRITE);
  }

  /** Blocks until the consumer frees a record (or goes away); returns the µs waited. */
  private waitForSpace(): number {
    const { control, stats, capacity } = this.ring;
    const start = performance.now();
    // Say we sleep, then look again: the consumer stores READ before it reads this flag, so one of us sees the other.
    Atomics.store(control, PRODUCER_WAITING, 1);
    for (;;) {
      if (Atomics.load(control, CLOSED) !== 0) {
        this.discarding = true;
        break;
      }
      const read = Atomics.load(control, READ);
      if (((this.write - read) | 0) < capacity) {
        this.readSeen = read;
        break;
      }
      Atomics.wait(control, READ, read, 100);
    }
    Atomics.store(control, PRODUCER_WAITING, 0);
    const waited = (performance.now() - start) * 1000;
    stats[STAT_WAITS]! += 1;
    stats[STAT_WAITED_MICROS]! += waited;
    if (waited > stats[STAT_LONGEST_WAIT_MICROS]!) stats[STAT_LONGEST_WAIT_MICROS] = waited;
    stats[STAT_EVENTS] = this.events;
    return waited;
  }

  private reportSlowConsumer(waitedMicros: number): void {
    this.incident({
      time: Math.floor(wallMicros()),
      kind: 'error',
      symbol: '',
      channel: '',
      detail: `the event ring was full for ${(waitedMicros / 1e6).toFixed(3)} s: the I/O thread waited for the main thread to take events (a slow consumer); nothing was dropped`,
    });
  }
}
