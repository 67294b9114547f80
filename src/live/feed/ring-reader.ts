import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { InvariantError } from '../../core/errors.js';
import type { Incident, MarketEventSink } from '../source.js';
import { wallMicros } from './clock.js';
import {
  CONSUMER_WAITING,
  KIND_BAR,
  KIND_BOOK,
  KIND_INCIDENT,
  KIND_QUOTE,
  KIND_TRADE,
  PRODUCER_WAITING,
  READ,
  RECORD_WIDTH,
  STATE,
  STATE_RUNNING,
  WRITE,
  type EventRing,
} from './event-ring.js';
import type { FeedLatency } from './latency.js';
import type { FeedPortMessage } from './messages.js';

/** Atomics.waitAsync (Node 16+; in the ES2024 library, newer than this project's type target). */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync.bind(Atomics);

/**
 * Events of which one has its latencies recorded, besides the first of every
 * drain: at low rates (one event per drain) every event is recorded, at high
 * rates a clock read per event would cost more than the hand-over itself.
 */
export const LATENCY_SAMPLE = 8;

/**
 * The consumer's side of an EventRing, on the main thread: hands records to
 * a MarketEventSink in order, incidents at their place, and frees the space
 * as it goes (every quarter of the ring, at most every 256 events, and at the
 * end of each drain) so the producer keeps writing meanwhile.
 */
export class EventRingReader {
  private read: number;
  private readonly releaseMask: number;
  private incidents = 0;
  /** Events handed to sinks so far (incidents included). */
  events = 0;
  /** The failure posted by the producer, once seen. */
  failure: (FeedPortMessage & { type: 'failure' }) | undefined;

  constructor(
    private readonly ring: EventRing,
    private readonly port: MessagePort,
    /** When given, every market event's latencies are recorded as it is handed over. */
    readonly latency?: FeedLatency,
  ) {
    this.read = Atomics.load(ring.control, READ);
    let release = 1;
    while (release * 2 <= Math.min(256, ring.capacity >> 2)) release *= 2;
    this.releaseMask = release - 1;
  }

  /** Events waiting in the ring. */
  available(): number {
    return (Atomics.load(this.ring.control, WRITE) - this.read) | 0;
  }

  /** STATE_RUNNING, STATE_DONE or STATE_FAILED of the producer; read it before `available()` to know the ring is over. */
  state(): number {
    return Atomics.load(this.ring.control, STATE);
  }

  /**
   * Hands up to `maxEvents` waiting events to `sink`, in order; returns how
   * many. Never waits. If the sink throws, the events before it (and the
   * one it threw on) count as taken.
   */
  drain(sink: MarketEventSink, maxEvents = Infinity): number {
    const { control, data, mask } = this.ring;
    const available = (Atomics.load(control, WRITE) - this.read) | 0;
    const n = available < maxEvents ? available : maxEvents;
    if (n <= 0) return 0;
    const latency = this.latency;
    const releaseMask = this.releaseMask;
    let read = this.read;
    let i = 0;
    try {
      while (i < n) {
        const o = (read & mask) * RECORD_WIDTH;
        read = (read + 1) | 0;
        i++;
        const kind = data[o]!;
        const symbol = data[o + 1]!;
        const exchangeTime = data[o + 2]!;
        const receiveTime = data[o + 3]!;
        // Sampled: the first event of each drain, then one in LATENCY_SAMPLE (a clock read costs more than the rest of a hand-over).
        if (latency !== undefined && kind !== KIND_INCIDENT && (i === 1 || (this.events + i) % LATENCY_SAMPLE === 0)) latency.record(exchangeTime, receiveTime, wallMicros());
        switch (kind) {
          case KIND_TRADE:
            sink.trade(symbol, exchangeTime, receiveTime, data[o + 4]!, data[o + 5]!, data[o + 6]!);
            break;
          case KIND_QUOTE:
            sink.quote(symbol, exchangeTime, receiveTime, data[o + 4]!, data[o + 5]!, data[o + 6]!, data[o + 7]!);
            break;
          case KIND_BAR:
            sink.bar(symbol, exchangeTime, receiveTime, data[o + 4]!, data[o + 5]!, data[o + 6]!, data[o + 7]!, data[o + 8]!);
            break;
          case KIND_BOOK:
            sink.bookLevel(symbol, exchangeTime, receiveTime, data[o + 4]!, data[o + 5]!, data[o + 6]!, data[o + 7]!, data[o + 8]!);
            break;
          case KIND_INCIDENT:
            sink.incident(this.takeIncident(data[o + 4]!));
            break;
          default:
            throw new InvariantError(`event ring: record of unknown kind ${kind} at index ${(read - 1) | 0}`);
        }
        if ((i & releaseMask) === 0) this.release(read);
      }
    } finally {
      this.events += i;
      this.release(read);
    }
    return i;
  }

  /**
   * Resolves once events are waiting, the producer has ended, or `timeoutMs`
   * has passed, without blocking the thread (Atomics.waitAsync), so the main
   * thread's timers and signals keep running.
   */
  async waitForEvents(timeoutMs: number): Promise<void> {
    const control = this.ring.control;
    // Say we sleep, then look again: the producer publishes before it reads this flag, so one of us sees the other.
    Atomics.store(control, CONSUMER_WAITING, 1);
    try {
      const write = Atomics.load(control, WRITE);
      if (write !== this.read || Atomics.load(control, STATE) !== STATE_RUNNING) return;
      const w = waitAsync(control, WRITE, write, timeoutMs);
      if (w.async) await w.value;
    } finally {
      Atomics.store(control, CONSUMER_WAITING, 0);
    }
  }

  /**
   * Takes the feed port's last messages once the producer has ended: the
   * failure goes to `failure`; an incident whose record never came (a thread
   * killed between the two) is returned, so that it is not lost.
   */
  takeMessages(): Incident[] {
    const orphans: Incident[] = [];
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const message = m.message as FeedPortMessage;
      if (message.type === 'incident') orphans.push(message.incident);
      else this.failure = message;
    }
    return orphans;
  }

  private release(read: number): void {
    if (read === this.read) return;
    this.read = read;
    const control = this.ring.control;
    Atomics.store(control, READ, read);
    if (Atomics.load(control, PRODUCER_WAITING) !== 0) Atomics.notify(control, READ);
  }

  /** The incident numbered `n`: the producer posted it before it wrote its record, so it is on the port now. */
  private takeIncident(n: number): Incident {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const message = m.message as FeedPortMessage;
      if (message.type === 'incident') {
        if (message.n !== n || n !== this.incidents + 1) throw new InvariantError(`event ring: incident ${message.n} arrived where incident ${n} was expected`);
        this.incidents = n;
        return message.incident;
      }
      this.accept(message);
    }
    throw new InvariantError(`event ring: incident ${n} is in the ring but not on the feed port`);
  }

  private accept(message: FeedPortMessage): void {
    if (message.type === 'failure') this.failure = message;
    else throw new InvariantError(`event ring: incident ${message.n} on the feed port before its record`);
  }
}
