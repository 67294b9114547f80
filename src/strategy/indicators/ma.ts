import { EMA } from './ema.js';
import { argumentError, integerArg } from '../../core/arguments.js';
import { Indicator, REAL, assertNumber, assertPeriod, isZero } from './indicator.js';
import { SMA } from './sma.js';
import { Ring } from './window.js';

/** Weighted moving average (TA-Lib WMA): weights 1..n, newest heaviest; TA-Lib's running sums. */
export class WMA extends Indicator {
  private readonly ring: Ring;
  private periodSum = 0;
  private periodSub = 0;
  private trailing = 0;
  private readonly divider: number;

  constructor(readonly period: number) {
    super();
    assertPeriod(new.target.name, period);
    this.warmup = period;
    this.ring = new Ring(period);
    this.divider = (period * (period + 1)) / 2;
  }

  update(x: number): number {
    const c = ++this.count;
    const n = this.period;
    this.ring.push(x);
    if (n === 1) {
      this.ready = true;
      return (this.value = x);
    }
    if (c < n) {
      this.periodSub += x;
      this.periodSum += x * c;
      return this.value;
    }
    this.periodSub += x;
    this.periodSub -= this.trailing;
    this.periodSum += x * n;
    this.trailing = this.ring.at(n - 1);
    this.value = this.periodSum / this.divider;
    this.periodSum -= this.periodSub;
    this.ready = true;
    return this.value;
  }
}

/** Double EMA (TA-Lib DEMA): 2 * EMA - EMA(EMA). */
export class DEMA extends Indicator {
  private readonly e1: EMA;
  private readonly e2: EMA;
  constructor(readonly period: number) {
    super();
    assertPeriod(new.target.name, period);
    this.e1 = new EMA(period);
    this.e2 = new EMA(period);
    this.warmup = 2 * period - 1;
  }
  update(x: number): number {
    this.count++;
    const a = this.e1.update(x);
    if (!this.e1.ready) return this.value;
    const b = this.e2.update(a);
    if (!this.e2.ready) return this.value;
    this.ready = true;
    return (this.value = 2.0 * a - b);
  }
}

/** Triple EMA (TA-Lib TEMA): 3 * EMA - 3 * EMA(EMA) + EMA(EMA(EMA)). */
export class TEMA extends Indicator {
  private readonly e1: EMA;
  private readonly e2: EMA;
  private readonly e3: EMA;
  constructor(readonly period: number) {
    super();
    assertPeriod(new.target.name, period);
    this.e1 = new EMA(period);
    this.e2 = new EMA(period);
    this.e3 = new EMA(period);
    this.warmup = 3 * period - 2;
  }
  update(x: number): number {
    this.count++;
    const a = this.e1.update(x);
    if (!this.e1.ready) return this.value;
    const b = this.e2.update(a);
    if (!this.e2.ready) return this.value;
    const c = this.e3.update(b);
    if (!this.e3.ready) return this.value;
    this.ready = true;
    return (this.value = c + (3.0 * a - 3.0 * b));
  }
}

/** Triangular moving average (TA-Lib TRIMA): an SMA of an SMA, by TA-Lib's running numerator. */
export class TRIMA extends Indicator {
  private readonly ring: Ring;
  private readonly half: number;
  private readonly factor: number;
  private readonly odd: boolean;
  private numerator = 0;
  private numeratorSub = 0;
  private numeratorAdd = 0;
  private saved = 0;

  constructor(readonly period: number) {
    super();
    assertPeriod(new.target.name, period);
    this.warmup = period;
    this.ring = new Ring(period);
    this.half = period >> 1;
    this.odd = period % 2 === 1;
    this.factor = this.odd ? 1.0 / ((this.half + 1) * (this.half + 1)) : 1.0 / (this.half * (this.half + 1));
  }

  update(x: number): number {
    const c = ++this.count;
    const n = this.period;
    const r = this.ring;
    r.push(x);
    if (n === 1) {
      this.ready = true;
      return (this.value = x);
    }
    if (c < n) return this.value;
    const i = this.half;
    if (c === n) {
      // in[T0 + k] = r.at(n - 1 - k)
      const middle = this.odd ? i : i - 1;
      let num = 0;
      let sub = 0;
      for (let k = middle; k >= 0; k--) {
        sub += r.at(n - 1 - k);
        num += sub;
      }
      let add = 0;
      for (let k = middle + 1; k <= n - 1; k++) {
        add += r.at(n - 1 - k);
        num += add;
      }
      this.numerator = num;
      this.numeratorSub = sub;
      this.numeratorAdd = add;
      this.saved = r.at(n - 1);
      this.ready = true;
      return (this.value = num * this.factor);
    }
    let t = this.saved;
    this.numerator -= this.numeratorSub;
    this.numeratorSub -= t;
    t = r.at(i);
    this.numeratorSub += t;
    if (this.odd) {
      this.numerator += this.numeratorAdd;
      this.numeratorAdd -= t;
    } else {
      this.numeratorAdd -= t;
      this.numerator += this.numeratorAdd;
    }
    this.numeratorAdd += x;
    this.numerator += x;
    this.saved = r.at(n - 1);
    return (this.value = this.numerator * this.factor);
  }
}

const KAMA_MAX = 2.0 / (30.0 + 1.0);
const KAMA_DIFF = 2.0 / (2.0 + 1.0) - KAMA_MAX;

/** Kaufman adaptive moving average (TA-Lib KAMA), efficiency ratio over `period` changes. */
export class KAMA extends Indicator {
  private readonly ring: Ring;
  private sumROC1 = 0;
  private trailingValue = 0;

  constructor(readonly period: number) {
    super();
    assertPeriod(new.target.name, period);
    this.warmup = period + 1;
    this.ring = new Ring(period + 1);
  }

  update(x: number): number {
    const c = ++this.count;
    const n = this.period;
    const r = this.ring;
    r.push(x);
    if (c <= n) return this.value;
    let prev: number;
    let periodROC: number;
    if (c === n + 1) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.abs(r.at(n - j) - r.at(n - j - 1));
      this.sumROC1 = s;
      prev = r.at(1);
      const t2 = r.at(n);
      periodROC = x - t2;
      this.trailingValue = t2;
    } else {
      prev = this.value;
      const t2 = r.at(n);
      periodROC = x - t2;
      this.sumROC1 -= Math.abs(this.trailingValue - t2);
      this.sumROC1 += Math.abs(x - r.at(1));
      this.trailingValue = t2;
    }
    let er: number;
    if (this.sumROC1 <= periodROC || isZero(this.sumROC1)) er = 1.0;
    else er = Math.abs(periodROC / this.sumROC1);
    let sc = er * KAMA_DIFF + KAMA_MAX;
    sc *= sc;
    this.ready = true;
    return (this.value = (x - prev) * sc + prev);
  }
}

/** Tillson T3 (TA-Lib T3): six chained EMAs seeded with SMAs, combined with the volume factor. */
export class T3 extends Indicator {
  private readonly k: number;
  private readonly k1: number;
  private readonly c1: number;
  private readonly c2: number;
  private readonly c3: number;
  private readonly c4: number;
  private readonly e = new Float64Array(7);
  private stage = 1;
  private j = 0;
  private acc = 0;

  constructor(
    readonly period: number = 5,
    readonly vfactor: number = 0.7,
  ) {
    super();
    assertPeriod(new.target.name, period);
    assertNumber(new.target.name, 'vfactor', vfactor, { min: 0, max: 1 });
    this.warmup = 6 * (period - 1) + 1;
    this.k = 2.0 / (period + 1.0);
    this.k1 = 1.0 - this.k;
    const t = vfactor * vfactor;
    this.c1 = -(t * vfactor);
    this.c2 = 3.0 * (t - this.c1);
    this.c3 = -6.0 * t - 3.0 * (vfactor - this.c1);
    this.c4 = 1.0 + 3.0 * vfactor - this.c1 + 3.0 * t;
  }

  update(x: number): number {
    const c = ++this.count;
    const n = this.period;
    const e = this.e;
    const k = this.k;
    const k1 = this.k1;
    if (this.stage === 1) {
      this.acc += x;
      if (c === n) {
        e[1] = this.acc / n;
        this.acc = e[1] as number;
        this.stage = 2;
        this.j = 0;
        if (n === 1) return this.finishWarmup();
      }
      return this.value;
    }
    if (this.stage <= 6) {
      const s = this.stage;
      e[1] = k * x + k1 * (e[1] as number);
      for (let m = 2; m < s; m++) e[m] = k * (e[m - 1] as number) + k1 * (e[m] as number);
      this.acc += e[s - 1] as number;
      if (++this.j === n - 1) {
        e[s] = this.acc / n;
        this.acc = e[s] as number;
        this.stage++;
        this.j = 0;
        if (this.stage === 7) return this.finishWarmup();
      }
      return this.value;
    }
    e[1] = k * x + k1 * (e[1] as number);
    e[2] = k * (e[1] as number) + k1 * (e[2] as number);
    e[3] = k * (e[2] as number) + k1 * (e[3] as number);
    e[4] = k * (e[3] as number) + k1 * (e[4] as number);
    e[5] = k * (e[4] as number) + k1 * (e[5] as number);
    e[6] = k * (e[5] as number) + k1 * (e[6] as number);
    return (this.value = this.combine());
  }

  private finishWarmup(): number {
    if (this.period === 1) for (let m = 2; m <= 6; m++) this.e[m] = this.e[1] as number;
    this.stage = 7;
    this.ready = true;
    return (this.value = this.combine());
  }

  private combine(): number {
    const e = this.e;
    return this.c1 * (e[6] as number) + this.c2 * (e[5] as number) + this.c3 * (e[4] as number) + this.c4 * (e[3] as number);
  }
}

const MAMA_A = 0.0962;
const MAMA_B = 0.5769;
const RAD2DEG = 180.0 / (4.0 * Math.atan(1));

/** One Hilbert transform stage of TA-Lib (odd and even halves). */
class Hilbert {
  value = 0;
  readonly odd = new Float64Array(3);
  readonly even = new Float64Array(3);
  prevOdd = 0;
  prevEven = 0;
  prevInputOdd = 0;
  prevInputEven = 0;
  doEven(input: number, idx: number, adj: number): number {
    const t = MAMA_A * input;
    let v = -(this.even[idx] as number);
    this.even[idx] = t;
    v += t;
    v -= this.prevEven;
    this.prevEven = MAMA_B * this.prevInputEven;
    v += this.prevEven;
    this.prevInputEven = input;
    v *= adj;
    return (this.value = v);
  }
  doOdd(input: number, idx: number, adj: number): number {
    const t = MAMA_A * input;
    let v = -(this.odd[idx] as number);
    this.odd[idx] = t;
    v += t;
    v -= this.prevOdd;
    this.prevOdd = MAMA_B * this.prevInputOdd;
    v += this.prevOdd;
    this.prevInputOdd = input;
    v *= adj;
    return (this.value = v);
  }
}

const MAMA_OUT: readonly string[] = Object.freeze(['mama', 'fama']);

/**
 * MESA adaptive moving average (TA-Lib MAMA), outputs mama and fama. TA-Lib
 * alternates its Hilbert transform on the parity of the input's position in
 * the array; `indexOffset` gives the position of the first input (0 when the
 * series starts with it).
 */
export class MAMA extends Indicator {
  override readonly outputs = MAMA_OUT;
  fama = NaN;
  private readonly ring = new Ring(4);
  private wmaSum = 0;
  private wmaSub = 0;
  private trailingWMA = 0;
  private hilbertIdx = 0;
  private readonly detrender = new Hilbert();
  private readonly q1 = new Hilbert();
  private readonly jI = new Hilbert();
  private readonly jQ = new Hilbert();
  private period = 0;
  private prevI2 = 0;
  private prevQ2 = 0;
  private re = 0;
  private im = 0;
  private mama = 0;
  private famaState = 0;
  private i1OddPrev2 = 0;
  private i1OddPrev3 = 0;
  private i1EvenPrev2 = 0;
  private i1EvenPrev3 = 0;
  private prevPhase = 0;

  /** `mamaOnly`: one output (TA-Lib's MA with matype 7). */
  constructor(
    readonly fastLimit = 0.5,
    readonly slowLimit = 0.05,
    readonly indexOffset = 0,
    mamaOnly = false,
  ) {
    super();
    assertNumber(new.target.name, 'fastLimit', fastLimit, { min: 0.01, max: 0.99 });
    assertNumber(new.target.name, 'slowLimit', slowLimit, { min: 0.01, max: 0.99 });
    integerArg(`new ${new.target.name}`, 'indexOffset', indexOffset, 0);
    this.warmup = 33;
    if (mamaOnly) (this as { outputs: readonly string[] }).outputs = REAL;
  }

  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.fama : NaN;
  }

  update(x: number): number {
    const c = ++this.count;
    this.ring.push(x);
    if (c <= 3) {
      this.wmaSub += x;
      this.wmaSum += x * c;
      return this.value;
    }
    // DO_PRICE_WMA
    this.wmaSub += x;
    this.wmaSub -= this.trailingWMA;
    this.wmaSum += x * 4.0;
    this.trailingWMA = this.ring.at(3);
    const smoothed = this.wmaSum * 0.1;
    this.wmaSum -= this.wmaSub;
    if (c <= 12) return this.value;

    const adj = 0.075 * this.period + 0.54;
    const today = c - 1 + this.indexOffset;
    let q2: number;
    let i2: number;
    let phase: number;
    const idx = this.hilbertIdx;
    if (today % 2 === 0) {
      const det = this.detrender.doEven(smoothed, idx, adj);
      const q1 = this.q1.doEven(det, idx, adj);
      const ji = this.jI.doEven(this.i1EvenPrev3, idx, adj);
      const jq = this.jQ.doEven(q1, idx, adj);
      if (++this.hilbertIdx === 3) this.hilbertIdx = 0;
      q2 = 0.2 * (q1 + ji) + 0.8 * this.prevQ2;
      i2 = 0.2 * (this.i1EvenPrev3 - jq) + 0.8 * this.prevI2;
      this.i1OddPrev3 = this.i1OddPrev2;
      this.i1OddPrev2 = det;
      phase = this.i1EvenPrev3 !== 0.0 ? Math.atan(q1 / this.i1EvenPrev3) * RAD2DEG : 0.0;
    } else {
      const det = this.detrender.doOdd(smoothed, idx, adj);
      const q1 = this.q1.doOdd(det, idx, adj);
      const ji = this.jI.doOdd(this.i1OddPrev3, idx, adj);
      const jq = this.jQ.doOdd(q1, idx, adj);
      q2 = 0.2 * (q1 + ji) + 0.8 * this.prevQ2;
      i2 = 0.2 * (this.i1OddPrev3 - jq) + 0.8 * this.prevI2;
      this.i1EvenPrev3 = this.i1EvenPrev2;
      this.i1EvenPrev2 = det;
      phase = this.i1OddPrev3 !== 0.0 ? Math.atan(q1 / this.i1OddPrev3) * RAD2DEG : 0.0;
    }
    let t = this.prevPhase - phase;
    this.prevPhase = phase;
    if (t < 1.0) t = 1.0;
    if (t > 1.0) {
      t = this.fastLimit / t;
      if (t < this.slowLimit) t = this.slowLimit;
    } else {
      t = this.fastLimit;
    }
    this.mama = t * x + (1 - t) * this.mama;
    t *= 0.5;
    this.famaState = t * this.mama + (1 - t) * this.famaState;
    if (c >= 33) {
      this.ready = true;
      this.value = this.mama;
      this.fama = this.famaState;
    }
    this.re = 0.2 * (i2 * this.prevI2 + q2 * this.prevQ2) + 0.8 * this.re;
    this.im = 0.2 * (i2 * this.prevQ2 - q2 * this.prevI2) + 0.8 * this.im;
    this.prevQ2 = q2;
    this.prevI2 = i2;
    const prevPeriod = this.period;
    let p = prevPeriod;
    if (this.im !== 0.0 && this.re !== 0.0) p = 360.0 / (Math.atan(this.im / this.re) * RAD2DEG);
    let lim = 1.5 * prevPeriod;
    if (p > lim) p = lim;
    lim = 0.67 * prevPeriod;
    if (p < lim) p = lim;
    if (p < 6) p = 6;
    else if (p > 50) p = 50;
    this.period = 0.2 * p + 0.8 * prevPeriod;
    return this.value;
  }
}

/** Passes values through (TA-Lib's MA with period 1). */
export class Identity extends Indicator {
  constructor() {
    super();
    this.warmup = 1;
  }
  update(x: number): number {
    this.count++;
    this.ready = true;
    return (this.value = x);
  }
}

/** TA-Lib's MAType codes. */
export const MA_TYPES = ['SMA', 'EMA', 'WMA', 'DEMA', 'TEMA', 'TRIMA', 'KAMA', 'MAMA', 'T3'] as const;

/**
 * TA-Lib's MA(period, matype): 0 SMA, 1 EMA, 2 WMA, 3 DEMA, 4 TEMA, 5 TRIMA,
 * 6 KAMA, 7 MAMA (period ignored, limits 0.5/0.05), 8 T3 (vfactor 0.7);
 * the SMA here is TA-Lib's float running sum, so that differences of two
 * averages (APO, MACDEXT) match TA-Lib's even where they nearly cancel;
 * period 1 passes values through. `indexOffset` is the array position of the
 * first input, which only MAMA's Hilbert transform depends on.
 */
export function createMA(period: number, matype: number, indexOffset = 0): Indicator {
  integerArg('createMA', 'period', period, 1);
  integerArg('createMA', 'matype', matype, 0, 8);
  if (period === 1 && matype !== 7) return new Identity();
  switch (matype) {
    case 0:
      return new SMA(period, false);
    case 1:
      return new EMA(period);
    case 2:
      return new WMA(period);
    case 3:
      return new DEMA(period);
    case 4:
      return new TEMA(period);
    case 5:
      return new TRIMA(period);
    case 6:
      return new KAMA(period);
    case 7:
      return new MAMA(0.5, 0.05, indexOffset, true);
    case 8:
      return new T3(period, 0.7);
    default:
      throw argumentError('createMA', 'matype', matype, 'matype must be an integer from 0 to 8');
  }
}

/** TA-Lib's lookback of MA(period, matype). */
export function maLookback(period: number, matype: number): number {
  if (period === 1 && matype !== 7) return 0;
  switch (matype) {
    case 0:
    case 2:
    case 5:
      return period - 1;
    case 1:
      return period - 1;
    case 3:
      return 2 * (period - 1);
    case 4:
      return 3 * (period - 1);
    case 6:
      return period;
    case 7:
      return 32;
    case 8:
      return 6 * (period - 1);
    default:
      throw argumentError('createMA', 'matype', matype, 'matype must be an integer from 0 to 8');
  }
}
