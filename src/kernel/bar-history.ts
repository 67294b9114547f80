import type { Micros } from '../core/time.js';
import type { BarHistory } from '../strategy/context.js';

/** The last `capacity` bars of one instrument in ring buffers; `ago` 0 is the latest. */
export class RingBarHistory implements BarHistory {
  length = 0;
  private head = -1;
  private readonly t: Float64Array;
  private readonly o: Float64Array;
  private readonly h: Float64Array;
  private readonly l: Float64Array;
  private readonly c: Float64Array;
  private readonly v: Float64Array;

  constructor(
    readonly symbol: string,
    readonly capacity: number,
  ) {
    this.t = new Float64Array(capacity);
    this.o = new Float64Array(capacity);
    this.h = new Float64Array(capacity);
    this.l = new Float64Array(capacity);
    this.c = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  push(time: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    const i = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.head = i;
    this.t[i] = time;
    this.o[i] = open;
    this.h[i] = high;
    this.l[i] = low;
    this.c[i] = close;
    this.v[i] = volume;
    if (this.length < this.capacity) this.length++;
  }

  private at(arr: Float64Array, ago: number): number {
    if (!(ago >= 0 && ago < this.length) || !Number.isInteger(ago)) return NaN;
    let i = this.head - ago;
    if (i < 0) i += this.capacity;
    return arr[i] as number;
  }

  time(ago = 0): Micros {
    return this.at(this.t, ago);
  }
  open(ago = 0): number {
    return this.at(this.o, ago);
  }
  high(ago = 0): number {
    return this.at(this.h, ago);
  }
  low(ago = 0): number {
    return this.at(this.l, ago);
  }
  close(ago = 0): number {
    return this.at(this.c, ago);
  }
  volume(ago = 0): number {
    return this.at(this.v, ago);
  }
}
