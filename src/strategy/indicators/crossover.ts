import { argumentError } from '../../core/arguments.js';
import { Indicator } from './indicator.js';

/**
 * crossover(a, b): +1 on the step where a > b and the last non-zero value of
 * a - b before it was negative; -1 in the mirror case; 0 otherwise. A tie
 * never triggers a cross on its own: the last non-zero sign is kept through it.
 * Reads its two inputs' current values, so it must update after them.
 */
export class Crossover extends Indicator {
  private lastSign = 0;

  constructor(
    readonly a: Indicator,
    readonly b: Indicator,
  ) {
    super();
    // Anything with a value, a ready flag and a warm-up will do (it is read, never updated, here).
    const readable = (x: unknown): boolean => x !== null && typeof x === 'object' && 'value' in x && 'ready' in x && typeof (x as Indicator).warmup === 'number';
    if (!readable(a)) throw argumentError(`new ${new.target.name}`, 'a', a, 'a must be an indicator');
    if (!readable(b)) throw argumentError(`new ${new.target.name}`, 'b', b, 'b must be an indicator');
    this.warmup = Math.max(a.warmup, b.warmup);
  }

  override dependencies(): readonly Indicator[] {
    return [this.a, this.b];
  }

  /** The bar is ignored: the values come from `a` and `b`. */
  override updateBar(): number {
    return this.update();
  }

  /** The input is ignored: the values come from `a` and `b`. */
  update(_input?: number): number {
    this.count++;
    if (!this.a.ready || !this.b.ready) return this.value;
    this.ready = true;
    const diff = this.a.value - this.b.value;
    const sign = diff > 0 ? 1 : diff < 0 ? -1 : 0;
    let out = 0;
    if (sign !== 0) {
      if (this.lastSign !== 0 && sign !== this.lastSign) out = sign;
      this.lastSign = sign;
    }
    this.value = out;
    return out;
  }
}

/** Array form of crossover over two aligned series (NaN = not ready). */
export function crossoverSeries(a: ArrayLike<number>, b: ArrayLike<number>): Int8Array {
  const out = new Int8Array(a.length);
  let last = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (Number.isNaN(diff)) continue;
    const sign = diff > 0 ? 1 : diff < 0 ? -1 : 0;
    if (sign !== 0) {
      if (last !== 0 && sign !== last) out[i] = sign;
      last = sign;
    }
  }
  return out;
}
