import { grownCopy, takeFloat64, type Float64Pool } from '../core/growable.js';
import type { Micros } from '../core/time.js';
import type { BarHistory } from '../strategy/context.js';
import { BAR_ROW_LENGTH, setBarRow, ROW_CLOSE, ROW_HIGH, ROW_LOW, ROW_OPEN, ROW_TIME, ROW_VOLUME, type BarRow } from '../model/market.js';

/**
 * The last `capacity` bars of one instrument in ring buffers; `ago` 0 is the
 * latest. The buffers start at `initialSize` (the bars the run expects,
 * when it knows) and double until they reach `capacity` (the ring wraps only
 * then): a run of a few thousand bars, an optimizer's trial, does not
 * allocate and zero the whole capacity.
 */
export class RingBarHistory implements BarHistory {
  length = 0;
  private head = -1;
  /** Bars the buffers hold now (<= capacity). */
  private size: number;
  private t: Float64Array;
  private o: Float64Array;
  private h: Float64Array;
  private l: Float64Array;
  private c: Float64Array;
  private v: Float64Array;

  /** `pool`: where the buffers come from (and go back to with `release`), for runs one after another on a thread. */
  constructor(
    readonly symbol: string,
    readonly capacity: number,
    initialSize = capacity,
    pool?: Float64Pool,
  ) {
    const size = Math.max(1, Math.min(capacity, Math.ceil(initialSize)));
    this.size = size;
    this.t = takeFloat64(pool, size);
    this.o = takeFloat64(pool, size);
    this.h = takeFloat64(pool, size);
    this.l = takeFloat64(pool, size);
    this.c = takeFloat64(pool, size);
    this.v = takeFloat64(pool, size);
  }

  /** Gives the buffers to `pool`; the history must not be used after. */
  release(pool: Float64Pool): void {
    for (const a of [this.t, this.o, this.h, this.l, this.c, this.v]) pool.give(a);
  }

  /** The next bar, from a row (model/market.ts). */
  pushRow(r: BarRow): void {
    let i = this.head + 1;
    if (i === this.size) {
      if (this.size < this.capacity) this.grow();
      else i = 0;
    }
    this.head = i;
    this.t[i] = r[ROW_TIME] as number;
    this.o[i] = r[ROW_OPEN] as number;
    this.h[i] = r[ROW_HIGH] as number;
    this.l[i] = r[ROW_LOW] as number;
    this.c[i] = r[ROW_CLOSE] as number;
    this.v[i] = r[ROW_VOLUME] as number;
    if (this.length < this.capacity) this.length++;
  }

  push(time: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    setBarRow(this.scratch, time, open, high, low, close, volume);
    this.pushRow(this.scratch);
  }

  private readonly scratch = new Float64Array(BAR_ROW_LENGTH);

  /** Doubles the buffers (up to capacity); they have not wrapped yet, so the bars stay where they are. */
  private grow(): void {
    const size = Math.min(this.capacity, this.size * 2);
    this.t = grownCopy(this.t, size);
    this.o = grownCopy(this.o, size);
    this.h = grownCopy(this.h, size);
    this.l = grownCopy(this.l, size);
    this.c = grownCopy(this.c, size);
    this.v = grownCopy(this.v, size);
    this.size = size;
  }

  private at(arr: Float64Array, ago: number): number {
    if (!(ago >= 0 && ago < this.length) || !Number.isInteger(ago)) return NaN;
    let i = this.head - ago;
    if (i < 0) i += this.size;
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
