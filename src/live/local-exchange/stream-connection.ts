import type { WebSocket } from 'ws';

/** Fault injection applied to each connection's messages. */
export interface ConnectionFaults {
  /** Drop every Nth stream message of the connection (0: none). Acks are never dropped. */
  readonly dropEvery: number;
  /** Hold every message this long before sending it (0: at once). */
  readonly delayMs: number;
}

/**
 * One client WebSocket: its subscriptions (stream names, lowercase), the
 * combined-stream wrapper when it connected on /stream, drops, and the delay
 * queue (one timer per connection, messages kept in order).
 */
export class StreamConnection {
  readonly streams = new Set<string>();
  /** Stream messages meant for this connection, sent or dropped. */
  counted = 0;
  sent = 0;
  dropped = 0;
  private readonly queue: { due: number; text: string }[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly ws: WebSocket,
    /** Connected on /stream: messages go out as {"stream": name, "data": message}. */
    readonly combined: boolean,
    private readonly faults: ConnectionFaults,
  ) {}

  /** Bytes queued here or in the socket, for back-pressure. */
  get backlog(): number {
    return this.ws.bufferedAmount + (this.queue.length - this.head) * 256;
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  /** A stream message: counted for --drop-every, wrapped on /stream connections. */
  deliver(stream: string, payload: string): void {
    this.counted++;
    if (this.faults.dropEvery > 0 && this.counted % this.faults.dropEvery === 0) {
      this.dropped++;
      return;
    }
    this.sent++;
    this.send(this.combined ? `{"stream":"${stream}","data":${payload}}` : payload);
  }

  /** Any message (an ack, an error), after the delay. */
  send(text: string): void {
    if (!this.isOpen) return;
    if (this.faults.delayMs <= 0) {
      this.ws.send(text);
      return;
    }
    this.queue.push({ due: Date.now() + this.faults.delayMs, text });
    if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.faults.delayMs);
  }

  private flush(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.head < this.queue.length) {
      const next = this.queue[this.head] as { due: number; text: string };
      if (next.due > now) {
        this.timer = setTimeout(() => this.flush(), next.due - now);
        break;
      }
      this.head++;
      if (this.isOpen) this.ws.send(next.text);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
  }

  /** Forgets queued messages and stops the timer (the socket is closed by the caller). */
  dispose(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.head = 0;
  }
}
