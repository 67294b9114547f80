/**
 * Watches when each stream last delivered data: a stream silent for longer
 * than `staleAfterMs` is reported stale once, and resumed at its next message.
 * One interval timer checks all streams; `stop()` clears it.
 */
export class StaleWatchdog {
  private readonly last: Float64Array;
  private readonly stale: Uint8Array;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    count: number,
    private readonly staleAfterMs: number,
    private readonly nowMs: () => number,
    private readonly onStale: (stream: number, silentMs: number) => void,
    private readonly onResumed: (stream: number, silentMs: number) => void,
  ) {
    this.last = new Float64Array(count);
    this.stale = new Uint8Array(count);
  }

  start(): void {
    this.last.fill(this.nowMs());
    const every = Math.max(5, Math.min(1000, Math.floor(this.staleAfterMs / 4)));
    this.timer = setInterval(() => this.check(), every);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Data arrived on `stream`. */
  touch(stream: number): void {
    const now = this.nowMs();
    if (this.stale[stream] === 1) {
      this.stale[stream] = 0;
      this.onResumed(stream, now - (this.last[stream] as number));
    }
    this.last[stream] = now;
  }

  check(): void {
    const now = this.nowMs();
    for (let i = 0; i < this.last.length; i++) {
      const silent = now - (this.last[i] as number);
      if (this.stale[i] === 0 && silent > this.staleAfterMs) {
        this.stale[i] = 1;
        this.onStale(i, silent);
      }
    }
  }
}
