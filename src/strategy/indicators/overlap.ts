import { booleanArg, oneOfArg } from '../../core/arguments.js';
import { BarIndicator, Indicator, assertMatype, assertNumber, assertPeriod } from './indicator.js';
import { createMA, maLookback } from './ma.js';
import { SMA } from './sma.js';
import { STDDEV } from './statistic.js';
import { Ring, RollingExtreme } from './window.js';

const BANDS_OUT: readonly string[] = Object.freeze(['upperband', 'middleband', 'lowerband']);

/**
 * TA-Lib BBANDS: middle = MA(period, matype), bands at +/- nbdev population
 * standard deviations. With the SMA the deviation uses the middle band as the
 * mean (TA-Lib's precalculated-MA variance: mean(x^2) - sma^2); otherwise
 * STDDEV(period).
 */
export class BBANDS extends Indicator {
  override readonly outputs = BANDS_OUT;
  middle = NaN;
  lower = NaN;
  private readonly ma: Indicator;
  private readonly std: STDDEV | null;
  private readonly ring: Ring | null;
  private sumSq = 0;

  constructor(
    readonly period = 5,
    readonly nbdevup = 2,
    readonly nbdevdn = 2,
    readonly matype = 0,
  ) {
    super();
    assertPeriod(new.target.name, period);
    assertNumber(new.target.name, 'nbdevup', nbdevup);
    assertNumber(new.target.name, 'nbdevdn', nbdevdn);
    assertMatype(new.target.name, matype);
    this.ma = matype === 0 ? new SMA(period) : createMA(period, matype);
    this.std = matype === 0 ? null : new STDDEV(period, 1.0);
    this.ring = matype === 0 ? new Ring(period) : null;
    this.warmup = Math.max(maLookback(period, matype), matype === 0 ? 0 : period - 1) + 1;
  }

  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.middle : k === 2 ? this.lower : NaN;
  }

  update(x: number): number {
    this.count++;
    const mid = this.ma.update(x);
    let sd: number;
    if (this.ring !== null) {
      const n = this.period;
      this.ring.push(x);
      this.sumSq += x * x;
      if (this.count < n) return this.value;
      let m2 = this.sumSq / n;
      const t = this.ring.at(n - 1);
      this.sumSq -= t * t;
      m2 -= mid * mid;
      sd = !(m2 < 0.00000000000001) ? Math.sqrt(m2) : 0.0;
    } else {
      const std = this.std as STDDEV;
      sd = std.update(x);
      if (!std.ready || !this.ma.ready) return this.value;
    }
    this.ready = true;
    this.middle = mid;
    this.lower = mid - sd * this.nbdevdn;
    return (this.value = mid + sd * this.nbdevup);
  }
}

/**
 * TA-Lib SAR (Wilder's parabolic stop and reverse). The first position is
 * short when the second bar's -DM is positive (its low fell more than its
 * high rose), long otherwise; the first SAR is the first bar's low (long) or
 * high (short); values start at the second bar.
 */
export class SAR extends BarIndicator {
  private isLong = true;
  private af = 0;
  private ep = 0;
  private sar = 0;
  private newHigh = 0;
  private newLow = 0;
  private readonly accel: number;
  constructor(
    acceleration = 0.02,
    readonly maximum = 0.2,
  ) {
    super();
    assertNumber(new.target.name, 'acceleration', acceleration, { min: 0 });
    assertNumber(new.target.name, 'maximum', maximum, { min: 0 });
    this.accel = acceleration > maximum ? maximum : acceleration;
    this.warmup = 2;
  }
  updateBar(_o: number, high: number, low: number, _close?: number, _volume?: number): number {
    const c = ++this.count;
    if (c === 1) {
      this.newHigh = high;
      this.newLow = low;
      return this.value;
    }
    if (c === 2) {
      const diffP = high - this.newHigh;
      const diffM = this.newLow - low;
      const minusDM = diffM > 0 && diffP < diffM ? diffM : 0;
      this.isLong = !(minusDM > 0);
      if (this.isLong) {
        this.ep = high;
        this.sar = this.newLow;
      } else {
        this.ep = low;
        this.sar = this.newHigh;
      }
      this.af = this.accel;
      this.newLow = low;
      this.newHigh = high;
    }
    const prevLow = this.newLow;
    const prevHigh = this.newHigh;
    const newLow = low;
    const newHigh = high;
    this.newLow = newLow;
    this.newHigh = newHigh;
    const acc = this.accel;
    const max = this.maximum;
    let sar = this.sar;
    let out: number;
    this.ready = true;
    if (this.isLong) {
      if (newLow <= sar) {
        this.isLong = false;
        sar = this.ep;
        if (sar < prevHigh) sar = prevHigh;
        if (sar < newHigh) sar = newHigh;
        out = sar;
        this.af = acc;
        this.ep = newLow;
        sar = sar + this.af * (this.ep - sar);
        if (sar < prevHigh) sar = prevHigh;
        if (sar < newHigh) sar = newHigh;
      } else {
        out = sar;
        if (newHigh > this.ep) {
          this.ep = newHigh;
          this.af += acc;
          if (this.af > max) this.af = max;
        }
        sar = sar + this.af * (this.ep - sar);
        if (sar > prevLow) sar = prevLow;
        if (sar > newLow) sar = newLow;
      }
    } else if (newHigh >= sar) {
      this.isLong = true;
      sar = this.ep;
      if (sar > prevLow) sar = prevLow;
      if (sar > newLow) sar = newLow;
      out = sar;
      this.af = acc;
      this.ep = newHigh;
      sar = sar + this.af * (this.ep - sar);
      if (sar > prevLow) sar = prevLow;
      if (sar > newLow) sar = newLow;
    } else {
      out = sar;
      if (newLow < this.ep) {
        this.ep = newLow;
        this.af += acc;
        if (this.af > max) this.af = max;
      }
      sar = sar + this.af * (this.ep - sar);
      if (sar < prevHigh) sar = prevHigh;
      if (sar < newHigh) sar = newHigh;
    }
    this.sar = sar;
    return (this.value = out);
  }
}

/** TA-Lib MIDPOINT: (highest + lowest) / 2 of the last `period` values. */
export class MIDPOINT extends Indicator {
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  constructor(readonly period = 14) {
    super();
    assertPeriod(new.target.name, period);
    this.hi = new RollingExtreme(period, true);
    this.lo = new RollingExtreme(period, false);
    this.warmup = period;
  }
  update(x: number): number {
    this.hi.push(x);
    this.lo.push(x);
    if (++this.count < this.period) return this.value;
    this.ready = true;
    return (this.value = (this.hi.value + this.lo.value) / 2.0);
  }
}

/** TA-Lib MIDPRICE: (highest high + lowest low) / 2 over `period` bars. */
export class MIDPRICE extends BarIndicator {
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  constructor(readonly period = 14) {
    super();
    assertPeriod(new.target.name, period);
    this.hi = new RollingExtreme(period, true);
    this.lo = new RollingExtreme(period, false);
    this.warmup = period;
  }
  updateBar(_o: number, high: number, low: number, _close?: number, _volume?: number): number {
    this.hi.push(high);
    this.lo.push(low);
    if (++this.count < this.period) return this.value;
    this.ready = true;
    return (this.value = (this.hi.value + this.lo.value) / 2.0);
  }
}

/** TA-Lib MAX / MIN: highest or lowest of the last `period` values. */
export class MAX extends Indicator {
  private readonly ext: RollingExtreme;
  constructor(
    readonly period = 30,
    isMax = true,
  ) {
    super();
    assertPeriod(new.target.name, period);
    booleanArg(`new ${new.target.name}`, 'isMax', isMax, true);
    this.ext = new RollingExtreme(period, isMax);
    this.warmup = period;
  }
  update(x: number): number {
    this.ext.push(x);
    if (++this.count < this.period) return this.value;
    this.ready = true;
    return (this.value = this.ext.value);
  }
}
export class MIN extends MAX {
  constructor(period = 30) {
    super(period, false);
  }
}

/** TA-Lib SUM: running sum of the last `period` values (TA-Lib's float order). */
export class SUM extends Indicator {
  private readonly ring: Ring;
  private sum = 0;
  constructor(readonly period = 30) {
    super();
    assertPeriod(new.target.name, period);
    this.ring = new Ring(period);
    this.warmup = period;
  }
  update(x: number): number {
    this.ring.push(x);
    this.sum += x;
    if (++this.count < this.period) return this.value;
    this.ready = true;
    this.value = this.sum;
    this.sum -= this.ring.at(this.period - 1);
    return this.value;
  }
}

/** TA-Lib price transforms: AVGPRICE (o+h+l+c)/4, MEDPRICE (h+l)/2, TYPPRICE (h+l+c)/3, WCLPRICE (h+l+2c)/4. */
export class PriceTransform extends BarIndicator {
  constructor(readonly kind: 'AVGPRICE' | 'MEDPRICE' | 'TYPPRICE' | 'WCLPRICE') {
    super();
    oneOfArg(`new ${new.target.name}`, 'kind', kind, ['AVGPRICE', 'MEDPRICE', 'TYPPRICE', 'WCLPRICE']);
    this.warmup = 1;
  }
  updateBar(open: number, high: number, low: number, close: number, _volume?: number): number {
    this.count++;
    this.ready = true;
    switch (this.kind) {
      case 'AVGPRICE':
        return (this.value = (open + high + low + close) / 4);
      case 'MEDPRICE':
        return (this.value = (high + low) / 2.0);
      case 'TYPPRICE':
        return (this.value = (high + low + close) / 3.0);
      default:
        return (this.value = (high + low + close * 2.0) / 4.0);
    }
  }
}
export class AVGPRICE extends PriceTransform {
  constructor() {
    super('AVGPRICE');
  }
}
export class MEDPRICE extends PriceTransform {
  constructor() {
    super('MEDPRICE');
  }
}
export class TYPPRICE extends PriceTransform {
  constructor() {
    super('TYPPRICE');
  }
}
export class WCLPRICE extends PriceTransform {
  constructor() {
    super('WCLPRICE');
  }
}
