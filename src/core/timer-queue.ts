import type { Micros } from './time.js';

interface TimerEntry {
  name: string;
  time: Micros;
  /** Repeat interval, or 0 for a one-shot timer. */
  every: number;
  seq: number;
  cancelled: boolean;
}

/**
 * Named timers on the simulated clock, in a binary heap ordered by time and
 * then by the order they were set (a deterministic tie-break).
 */
export class TimerQueue {
  private heap: TimerEntry[] = [];
  private readonly byName = new Map<string, TimerEntry>();
  private seq = 0;

  get size(): number {
    return this.byName.size;
  }

  /** Time of the next timer, or +Infinity. */
  peekTime(): Micros {
    this.dropCancelled();
    const top = this.heap[0];
    return top === undefined ? Infinity : top.time;
  }

  set(name: string, time: Micros, every = 0): void {
    this.cancel(name);
    const entry: TimerEntry = { name, time, every, seq: this.seq++, cancelled: false };
    this.byName.set(name, entry);
    this.push(entry);
  }

  cancel(name: string): boolean {
    const e = this.byName.get(name);
    if (e === undefined) return false;
    e.cancelled = true;
    this.byName.delete(name);
    return true;
  }

  /** Removes and returns the next due timer at or before `until`, rescheduling repeats. */
  popDue(until: Micros): { name: string; time: Micros } | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (top === undefined || top.time > until) return undefined;
    this.pop();
    const fired = { name: top.name, time: top.time };
    if (top.every > 0) {
      top.time += top.every;
      top.seq = this.seq++;
      this.push(top);
    } else {
      this.byName.delete(top.name);
    }
    return fired;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && (this.heap[0] as TimerEntry).cancelled) this.pop();
  }

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(e: TimerEntry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as TimerEntry, h[p] as TimerEntry)) break;
      [h[i], h[p]] = [h[p] as TimerEntry, h[i] as TimerEntry];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as TimerEntry;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as TimerEntry, h[m] as TimerEntry)) m = l;
      if (r < h.length && this.less(h[r] as TimerEntry, h[m] as TimerEntry)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as TimerEntry, h[i] as TimerEntry];
      i = m;
    }
  }
}
