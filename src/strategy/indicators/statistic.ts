import { integerArg } from '../../core/arguments.js';
import { BarIndicator, Indicator, SRC_HIGH, SRC_LOW, assertNumber, assertPeriod, isZero } from './indicator.js';
import { Ring } from './window.js';

/**
 * TA-Lib VAR: population variance over `period` values, as TA-Lib computes it
 * (running sums of x and x^2: mean(x^2) - mean(x)^2). TA-Lib ignores `nbdev` for VAR.
 */
export class VAR extends Indicator {
  private readonly ring: Ring;
  private s1 = 0;
  private s2 = 0;
  constructor(readonly period = 5) {
    super();
    assertPeriod(new.target.name, period);
    this.ring = new Ring(period);
    this.warmup = period;
  }
  update(x: number): number {
    const n = this.period;
    this.ring.push(x);
    this.s1 += x;
    this.s2 += x * x;
    if (++this.count < n) return this.value;
    const m1 = this.s1 / n;
    const m2 = this.s2 / n;
    const t = this.ring.at(n - 1);
    this.s1 -= t;
    this.s2 -= t * t;
    this.ready = true;
    return (this.value = m2 - m1 * m1);
  }
}

/** TA-Lib STDDEV: sqrt(VAR) * nbdev (0 when the variance is not above 1e-14). */
export class STDDEV extends VAR {
  constructor(
    period = 5,
    readonly nbdev = 1,
  ) {
    super(period);
    assertNumber(new.target.name, 'nbdev', nbdev);
  }
  override update(x: number): number {
    const v = super.update(x);
    if (!this.ready) return this.value;
    return (this.value = !(v < 0.00000000000001) ? (this.nbdev !== 1.0 ? Math.sqrt(v) * this.nbdev : Math.sqrt(v)) : 0.0);
  }
}

export const LINREG = 0;
export const LINREG_SLOPE = 1;
export const LINREG_INTERCEPT = 2;
export const LINREG_ANGLE = 3;
export const LINREG_TSF = 4;

/**
 * TA-Lib's linear regression family over the last `period` values (x = 0 for
 * the oldest): LINEARREG (the fitted value at the newest bar), _SLOPE,
 * _INTERCEPT (the fitted value at the oldest bar), _ANGLE (degrees), TSF (the
 * next bar's forecast). O(period) per value: the sums are taken over the
 * window in TA-Lib's order each time, because a slope near zero is a
 * difference of nearly equal sums, and only the same arithmetic gives TA-Lib's
 * value there to 1e-9 relative (running sums would leave it at 1e-16 of the
 * sums, which is 100% of a slope of 1e-16).
 */
export class LinearRegression extends Indicator {
  private readonly ring: Ring;
  private readonly sumX: number;
  private readonly divisor: number;
  constructor(
    readonly period = 14,
    readonly kind: number = LINREG,
  ) {
    super();
    assertPeriod(new.target.name, period, 2);
    integerArg(`new ${new.target.name}`, 'kind', kind, 0, 4);
    const n = period;
    this.ring = new Ring(n);
    this.sumX = n * (n - 1) * 0.5;
    const sumXSqr = (n * (n - 1) * (2 * n - 1)) / 6;
    this.divisor = this.sumX * this.sumX - n * sumXSqr;
    this.warmup = period;
  }
  update(x: number): number {
    const n = this.period;
    const ring = this.ring;
    ring.push(x);
    if (++this.count < n) return this.value;
    // i = bars ago, newest weight 0, summed from the oldest as TA-Lib does.
    let sumY = 0;
    let sumXY = 0;
    const buf = ring.buf;
    let j = ring.head; // the oldest value
    for (let i = n - 1; i >= 0; i--) {
      const v = buf[j] as number;
      sumY += v;
      sumXY += i * v;
      if (++j === n) j = 0;
    }
    const m = (n * sumXY - this.sumX * sumY) / this.divisor;
    this.ready = true;
    switch (this.kind) {
      case LINREG_SLOPE:
        return (this.value = m);
      case LINREG_ANGLE:
        return (this.value = Math.atan(m) * (180.0 / Math.PI));
      default: {
        const b = (sumY - m * this.sumX) / n;
        if (this.kind === LINREG_INTERCEPT) return (this.value = b);
        if (this.kind === LINREG_TSF) return (this.value = b + m * n);
        return (this.value = b + m * (n - 1));
      }
    }
  }
}
export class LINEARREG extends LinearRegression {
  constructor(period = 14) {
    super(period, LINREG);
  }
}
export class LINEARREG_SLOPE extends LinearRegression {
  constructor(period = 14) {
    super(period, LINREG_SLOPE);
  }
}
export class LINEARREG_INTERCEPT extends LinearRegression {
  constructor(period = 14) {
    super(period, LINREG_INTERCEPT);
  }
}
export class LINEARREG_ANGLE extends LinearRegression {
  constructor(period = 14) {
    super(period, LINREG_ANGLE);
  }
}
export class TSF extends LinearRegression {
  constructor(period = 14) {
    super(period, LINREG_TSF);
  }
}

/** Reads two series from a bar: `a` and `b` are SRC_* codes (TA-Lib's wrapper uses high and low). */
abstract class PairIndicator extends BarIndicator {
  a = SRC_HIGH;
  b = SRC_LOW;
  /** Takes the next pair of values. */
  abstract update2(x: number, y: number): number;
  updateBar(open: number, high: number, low: number, close: number, volume: number): number {
    const a = this.a;
    const b = this.b;
    const x = a === 1 ? high : a === 2 ? low : a === 3 ? close : a === 0 ? open : volume;
    const y = b === 2 ? low : b === 1 ? high : b === 3 ? close : b === 0 ? open : volume;
    return this.update2(x, y);
  }
  /** Chooses the two bar fields read (default high and low). */
  withSources(a: number, b: number): this {
    this.a = a;
    this.b = b;
    return this;
  }
}

/** TA-Lib CORREL: Pearson correlation of two series over `period` values (running sums). */
export class CORREL extends PairIndicator {
  private readonly rx: Ring;
  private readonly ry: Ring;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private syy = 0;
  private sxy = 0;
  constructor(readonly period = 30) {
    super();
    assertPeriod(new.target.name, period);
    this.rx = new Ring(period);
    this.ry = new Ring(period);
    this.warmup = period;
  }
  update2(x: number, y: number): number {
    const n = this.period;
    const c = ++this.count;
    if (c > n) {
      const tx = this.rx.at(n - 1);
      const ty = this.ry.at(n - 1);
      this.sx -= tx;
      this.sxx -= tx * tx;
      this.sxy -= tx * ty;
      this.sy -= ty;
      this.syy -= ty * ty;
    }
    this.rx.push(x);
    this.ry.push(y);
    this.sx += x;
    this.sxx += x * x;
    this.sxy += x * y;
    this.sy += y;
    this.syy += y * y;
    if (c < n) return this.value;
    this.ready = true;
    const t = (this.sxx - (this.sx * this.sx) / n) * (this.syy - (this.sy * this.sy) / n);
    return (this.value = !(t < 0.00000000000001) ? (this.sxy - (this.sx * this.sy) / n) / Math.sqrt(t) : 0.0);
  }
}

/** TA-Lib BETA: regression slope of the first series' returns on the second's over `period` returns. */
export class BETA extends PairIndicator {
  private readonly rx: Ring;
  private readonly ry: Ring;
  private lastX = NaN;
  private lastY = NaN;
  private sxx = 0;
  private sxy = 0;
  private sx = 0;
  private sy = 0;
  constructor(readonly period = 5) {
    super();
    assertPeriod(new.target.name, period);
    this.rx = new Ring(period);
    this.ry = new Ring(period);
    this.warmup = period + 1;
  }
  update2(px: number, py: number): number {
    const c = ++this.count;
    const lx = this.lastX;
    const ly = this.lastY;
    this.lastX = px;
    this.lastY = py;
    if (c === 1) return this.value;
    const x = !isZero(lx) ? (px - lx) / lx : 0.0;
    const y = !isZero(ly) ? (py - ly) / ly : 0.0;
    this.rx.push(x);
    this.ry.push(y);
    this.sxx += x * x;
    this.sxy += x * y;
    this.sx += x;
    this.sy += y;
    const n = this.period;
    if (c <= n) return this.value;
    const t = n * this.sxx - this.sx * this.sx;
    this.value = !isZero(t) ? (n * this.sxy - this.sx * this.sy) / t : 0.0;
    this.ready = true;
    const ox = this.rx.at(n - 1);
    const oy = this.ry.at(n - 1);
    this.sxx -= ox * ox;
    this.sxy -= ox * oy;
    this.sx -= ox;
    this.sy -= oy;
    return this.value;
  }
}
