import { oneOfArg } from '../../core/arguments.js';

/**
 * How prices unfold inside one bar, as the simulated exchange needs it: when
 * (and at what price) the bar first reaches a level. Time runs from 0 at the
 * open; times are comparable within one model only.
 *
 * Both models agree on where a single order fills (docs/bar-execution.md):
 * at the open when the open is already through the level, else at the level
 * when the bar's range reaches it. They differ in what came first inside the
 * bar, which decides between two orders of a one-cancels-other group.
 */
export interface BarFillModel {
  readonly name: string;
  /**
   * True when orders touched within a bar are processed in the order the bar
   * touched them; false when in submission order (the classic rule).
   */
  readonly byTouchTime: boolean;
  /**
   * The first time at or after `after` when the bar's price is at or below
   * (`down`) or at or above (`up`) `level`, or NaN. The price there is left
   * in `price`.
   */
  touch(down: boolean, level: number, after: number, open: number, high: number, low: number, close: number): number;
  /** Price at the last successful touch. */
  price: number;
}

/** The classic model: the bar is its open, then anywhere in its range in an unknown order. */
export class ClassicBarFill implements BarFillModel {
  readonly name = 'classic';
  readonly byTouchTime = false;
  price = NaN;

  touch(down: boolean, level: number, after: number, open: number, high: number, low: number, _close: number): number {
    if (after === 0 && (down ? open <= level : open >= level)) {
      this.price = open;
      return 0;
    }
    if (down ? low <= level : high >= level) {
      // Somewhere inside the bar; if we start from a trigger price that is already through, fill there.
      this.price = after > 0 && (down ? this.price <= level : this.price >= level) ? this.price : level;
      return after > 0.5 ? after : 0.5;
    }
    return NaN;
  }
}

/**
 * The intrabar model: the price walks open -> the nearer of high and low ->
 * the other -> close (low first when equally near), so a stop and a target
 * hit in one bar resolve by that path.
 */
export class IntrabarFill implements BarFillModel {
  readonly name = 'intrabar';
  readonly byTouchTime = true;
  price = NaN;
  private readonly path = new Float64Array(4);

  touch(down: boolean, level: number, after: number, open: number, high: number, low: number, close: number): number {
    const p = this.path;
    const highFirst = high - open < open - low;
    p[0] = open;
    p[1] = highFirst ? high : low;
    p[2] = highFirst ? low : high;
    p[3] = close;
    let seg = Math.min(Math.floor(after), 2);
    let frac = after - seg;
    for (; seg < 3; seg++, frac = 0) {
      const a = p[seg] as number;
      const b = p[seg + 1] as number;
      const start = a + (b - a) * frac;
      if (down ? start <= level : start >= level) {
        this.price = start;
        return seg + frac;
      }
      if (down ? b <= level : b >= level) {
        this.price = level;
        return seg + (a - level) / (a - b);
      }
    }
    return NaN;
  }
}

export type FillModelName = 'classic' | 'intrabar';

/** The bar fill model of a name: 'classic' or 'intrabar' (anything else is an InputError). */
export function barFillModel(name: FillModelName): BarFillModel {
  const n = oneOfArg('barFillModel', 'name', name, ['classic', 'intrabar']);
  return n === 'intrabar' ? new IntrabarFill() : new ClassicBarFill();
}
