import { EMA } from './ema.js';
import { booleanArg, integerArg } from '../../core/arguments.js';
import { BarIndicator, Indicator, assertMatype, assertPeriod, isZero } from './indicator.js';
import { createMA, maLookback } from './ma.js';
import { RSI } from './rsi.js';
import { Ring, RollingExtreme } from './window.js';

const MACD_OUT: readonly string[] = Object.freeze(['macd', 'macdsignal', 'macdhist']);

/**
 * TA-Lib MACD: fast EMA - slow EMA, its EMA as the signal, their difference as
 * the histogram. As in TA-Lib, the fast EMA is seeded (with the SMA of the
 * fast period) at the slow EMA's first bar, not at its own, and the three
 * outputs start together when the signal is ready.
 */
export class MACD extends Indicator {
  override readonly outputs = MACD_OUT;
  signal = NaN;
  hist = NaN;
  private readonly fast: EMA;
  private readonly slow: EMA;
  private readonly sig: EMA;
  private readonly delay: number;
  private hot = false;
  private s = 0;
  private f = 0;
  private g = 0;
  private readonly ks: number;
  private readonly kf: number;
  private readonly kg: number;

  constructor(fastPeriod = 12, slowPeriod = 26, signalPeriod = 9, fixedK = false) {
    super();
    const name = new.target.name;
    assertPeriod(name, fastPeriod, 1, 'fastPeriod');
    assertPeriod(name, slowPeriod, 1, 'slowPeriod');
    assertPeriod(name, signalPeriod, 1, 'signalPeriod');
    booleanArg(`new ${name}`, 'fixedK', fixedK, false);
    if (slowPeriod < fastPeriod) [fastPeriod, slowPeriod] = [slowPeriod, fastPeriod];
    this.slow = new EMA(slowPeriod, fixedK ? 0.075 : undefined);
    this.fast = new EMA(fastPeriod, fixedK ? 0.15 : undefined);
    this.sig = new EMA(signalPeriod);
    this.delay = slowPeriod - fastPeriod;
    this.warmup = slowPeriod + signalPeriod - 1;
    this.ks = this.slow.k;
    this.kf = this.fast.k;
    this.kg = this.sig.k;
  }

  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.signal : k === 2 ? this.hist : NaN;
  }

  update(x: number): number {
    if (this.hot) {
      // After warm-up: the three EMAs inline (TA-Lib's (x - prev) * k + prev).
      this.count++;
      const s = (x - this.s) * this.ks + this.s;
      const f = (x - this.f) * this.kf + this.f;
      const m = f - s;
      const g = (m - this.g) * this.kg + this.g;
      this.s = s;
      this.f = f;
      this.g = g;
      this.signal = g;
      this.hist = m - g;
      return (this.value = m);
    }
    const c = ++this.count;
    const s = this.slow.update(x);
    if (c <= this.delay) return this.value;
    const f = this.fast.update(x);
    if (!this.slow.ready) return this.value;
    const m = f - s;
    const sig = this.sig.update(m);
    if (!this.sig.ready) return this.value;
    this.ready = true;
    this.signal = sig;
    this.hist = m - sig;
    this.s = s;
    this.f = f;
    this.g = sig;
    this.hot = true;
    return (this.value = m);
  }
}

/** TA-Lib MACDFIX: MACD 12/26 with the fixed smoothing constants 0.15 and 0.075. */
export class MACDFIX extends MACD {
  constructor(signalPeriod = 9) {
    super(12, 26, signalPeriod, true);
  }
}

/**
 * TA-Lib MACDEXT: MACD with a moving average type for each line. Both lines
 * start at the bar where the longer one can first be computed (so each is
 * delayed by the difference of lookbacks), as TA-Lib does.
 */
export class MACDEXT extends Indicator {
  override readonly outputs = MACD_OUT;
  signal = NaN;
  hist = NaN;
  private readonly fast: Indicator;
  private readonly slow: Indicator;
  private readonly sig: Indicator;
  private readonly fastDelay: number;
  private readonly slowDelay: number;

  constructor(fastPeriod = 12, fastType = 0, slowPeriod = 26, slowType = 0, signalPeriod = 9, signalType = 0) {
    super();
    const name = new.target.name;
    assertPeriod(name, fastPeriod, 1, 'fastPeriod');
    assertMatype(name, fastType, 'fastType');
    assertPeriod(name, slowPeriod, 1, 'slowPeriod');
    assertMatype(name, slowType, 'slowType');
    assertPeriod(name, signalPeriod, 1, 'signalPeriod');
    assertMatype(name, signalType, 'signalType');
    if (slowPeriod < fastPeriod) {
      [fastPeriod, slowPeriod] = [slowPeriod, fastPeriod];
      [fastType, slowType] = [slowType, fastType];
    }
    const lbF = maLookback(fastPeriod, fastType);
    const lbS = maLookback(slowPeriod, slowType);
    const largest = Math.max(lbF, lbS);
    this.fastDelay = largest - lbF;
    this.slowDelay = largest - lbS;
    this.fast = createMA(fastPeriod, fastType, this.fastDelay);
    this.slow = createMA(slowPeriod, slowType, this.slowDelay);
    this.sig = createMA(signalPeriod, signalType, 0);
    this.warmup = largest + maLookback(signalPeriod, signalType) + 1;
  }

  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.signal : k === 2 ? this.hist : NaN;
  }

  update(x: number): number {
    const c = ++this.count;
    if (c > this.slowDelay) this.slow.update(x);
    if (c > this.fastDelay) this.fast.update(x);
    if (!this.slow.ready || !this.fast.ready) return this.value;
    const m = this.fast.value - this.slow.value;
    const sig = this.sig.update(m);
    if (!this.sig.ready) return this.value;
    this.ready = true;
    this.signal = sig;
    this.hist = m - sig;
    return (this.value = m);
  }
}

/** TA-Lib APO (absolute) and PPO (percentage) price oscillators: MA(fast) - MA(slow). */
export class APO extends Indicator {
  private readonly fast: Indicator;
  private readonly slow: Indicator;
  constructor(
    fastPeriod = 12,
    slowPeriod = 26,
    matype = 0,
    readonly percent = false,
  ) {
    super();
    const name = new.target.name;
    assertPeriod(name, fastPeriod, 1, 'fastPeriod');
    assertPeriod(name, slowPeriod, 1, 'slowPeriod');
    assertMatype(name, matype);
    booleanArg(`new ${name}`, 'percent', percent, false);
    if (slowPeriod < fastPeriod) [fastPeriod, slowPeriod] = [slowPeriod, fastPeriod];
    this.fast = createMA(fastPeriod, matype);
    this.slow = createMA(slowPeriod, matype);
    this.warmup = maLookback(slowPeriod, matype) + 1;
  }
  update(x: number): number {
    this.count++;
    const f = this.fast.update(x);
    const s = this.slow.update(x);
    if (!this.slow.ready || !this.fast.ready) return this.value;
    this.ready = true;
    if (!this.percent) return (this.value = f - s);
    return (this.value = isZero(s) ? 0.0 : ((f - s) / s) * 100.0);
  }
}

export class PPO extends APO {
  constructor(fastPeriod = 12, slowPeriod = 26, matype = 0) {
    super(fastPeriod, slowPeriod, matype, true);
  }
}

/** Kinds of TA-Lib's momentum-of-price family. */
export const MOM_KIND = { MOM: 0, ROC: 1, ROCP: 2, ROCR: 3, ROCR100: 4 } as const;

/** TA-Lib MOM, ROC, ROCP, ROCR, ROCR100 over `period` bars back. */
export class Momentum extends Indicator {
  private readonly ring: Ring;
  constructor(
    readonly period = 10,
    readonly kind: number = MOM_KIND.MOM,
  ) {
    super();
    assertPeriod(new.target.name, period);
    integerArg(`new ${new.target.name}`, 'kind', kind, 0, 4);
    this.ring = new Ring(period + 1);
    this.warmup = period + 1;
  }
  update(x: number): number {
    this.count++;
    this.ring.push(x);
    if (this.count <= this.period) return this.value;
    const p = this.ring.at(this.period);
    this.ready = true;
    switch (this.kind) {
      case 0:
        return (this.value = x - p);
      case 1:
        return (this.value = p !== 0.0 ? (x / p - 1.0) * 100.0 : 0.0);
      case 2:
        return (this.value = p !== 0.0 ? (x - p) / p : 0.0);
      case 3:
        return (this.value = p !== 0.0 ? x / p : 0.0);
      default:
        return (this.value = p !== 0.0 ? (x / p) * 100.0 : 0.0);
    }
  }
}
export class MOM extends Momentum {
  constructor(period = 10) {
    super(period, MOM_KIND.MOM);
  }
}
export class ROC extends Momentum {
  constructor(period = 10) {
    super(period, MOM_KIND.ROC);
  }
}
export class ROCP extends Momentum {
  constructor(period = 10) {
    super(period, MOM_KIND.ROCP);
  }
}
export class ROCR extends Momentum {
  constructor(period = 10) {
    super(period, MOM_KIND.ROCR);
  }
}
export class ROCR100 extends Momentum {
  constructor(period = 10) {
    super(period, MOM_KIND.ROCR100);
  }
}

/** TA-Lib TRIX: 1-bar rate of change (percent) of a triple EMA. */
export class TRIX extends Indicator {
  private readonly e1: EMA;
  private readonly e2: EMA;
  private readonly e3: EMA;
  private prev = NaN;
  constructor(readonly period = 30) {
    super();
    assertPeriod(new.target.name, period);
    this.e1 = new EMA(period);
    this.e2 = new EMA(period);
    this.e3 = new EMA(period);
    this.warmup = 3 * (period - 1) + 2;
  }
  update(x: number): number {
    this.count++;
    const a = this.e1.update(x);
    if (!this.e1.ready) return this.value;
    const b = this.e2.update(a);
    if (!this.e2.ready) return this.value;
    const c = this.e3.update(b);
    if (!this.e3.ready) return this.value;
    const p = this.prev;
    this.prev = c;
    if (Number.isNaN(p)) return this.value;
    this.ready = true;
    return (this.value = p !== 0.0 ? (c / p - 1.0) * 100.0 : 0.0);
  }
}

/**
 * TA-Lib's fast %K over a rolling high/low window: (close - lowest) / ((highest - lowest) / 100), 0 when flat.
 * Shared by STOCH, STOCHF and STOCHRSI.
 */
class FastK {
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  n = 0;
  constructor(readonly period: number) {
    this.hi = new RollingExtreme(period, true);
    this.lo = new RollingExtreme(period, false);
  }
  /** Pushes a bar; returns %K once the window is full, else NaN. */
  push(high: number, low: number, close: number): number {
    this.hi.push(high);
    this.lo.push(low);
    if (++this.n < this.period) return NaN;
    const lowest = this.lo.value;
    const diff = (this.hi.value - lowest) / 100.0;
    return diff !== 0.0 ? (close - lowest) / diff : 0.0;
  }
}

const STOCH_OUT: readonly string[] = Object.freeze(['slowk', 'slowd']);
const STOCHF_OUT: readonly string[] = Object.freeze(['fastk', 'fastd']);

/** TA-Lib STOCH: slow %K = MA(fast %K), slow %D = MA(slow %K); both start when %D is ready. */
export class STOCH extends BarIndicator {
  override readonly outputs = STOCH_OUT;
  slowd = NaN;
  private readonly k: FastK;
  private readonly kMA: Indicator;
  private readonly dMA: Indicator;
  constructor(fastkPeriod = 5, slowkPeriod = 3, slowkMatype = 0, slowdPeriod = 3, slowdMatype = 0) {
    super();
    const name = new.target.name;
    assertPeriod(name, fastkPeriod, 1, 'fastkPeriod');
    assertPeriod(name, slowkPeriod, 1, 'slowkPeriod');
    assertMatype(name, slowkMatype, 'slowkMatype');
    assertPeriod(name, slowdPeriod, 1, 'slowdPeriod');
    assertMatype(name, slowdMatype, 'slowdMatype');
    this.k = new FastK(fastkPeriod);
    this.kMA = createMA(slowkPeriod, slowkMatype);
    this.dMA = createMA(slowdPeriod, slowdMatype);
    this.warmup = fastkPeriod + maLookback(slowkPeriod, slowkMatype) + maLookback(slowdPeriod, slowdMatype);
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.slowd : NaN;
  }
  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    this.count++;
    const fk = this.k.push(high, low, close);
    if (Number.isNaN(fk)) return this.value;
    const sk = this.kMA.update(fk);
    if (!this.kMA.ready) return this.value;
    const sd = this.dMA.update(sk);
    if (!this.dMA.ready) return this.value;
    this.ready = true;
    this.slowd = sd;
    return (this.value = sk);
  }
}

/** TA-Lib STOCHF: fast %K and fast %D = MA(fast %K); both start when %D is ready. */
export class STOCHF extends BarIndicator {
  override readonly outputs = STOCHF_OUT;
  fastd = NaN;
  private readonly k: FastK;
  private readonly dMA: Indicator;
  constructor(fastkPeriod = 5, fastdPeriod = 3, fastdMatype = 0) {
    super();
    const name = new.target.name;
    assertPeriod(name, fastkPeriod, 1, 'fastkPeriod');
    assertPeriod(name, fastdPeriod, 1, 'fastdPeriod');
    assertMatype(name, fastdMatype, 'fastdMatype');
    this.k = new FastK(fastkPeriod);
    this.dMA = createMA(fastdPeriod, fastdMatype);
    this.warmup = fastkPeriod + maLookback(fastdPeriod, fastdMatype);
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.fastd : NaN;
  }
  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    this.count++;
    const fk = this.k.push(high, low, close);
    if (Number.isNaN(fk)) return this.value;
    const fd = this.dMA.update(fk);
    if (!this.dMA.ready) return this.value;
    this.ready = true;
    this.fastd = fd;
    return (this.value = fk);
  }
}

/** TA-Lib STOCHRSI: STOCHF applied to RSI (high = low = close = RSI). */
export class STOCHRSI extends Indicator {
  override readonly outputs = STOCHF_OUT;
  fastd = NaN;
  private readonly rsi: RSI;
  private readonly k: FastK;
  private readonly dMA: Indicator;
  constructor(period = 14, fastkPeriod = 5, fastdPeriod = 3, fastdMatype = 0) {
    super();
    const name = new.target.name;
    assertPeriod(name, period);
    assertPeriod(name, fastkPeriod, 1, 'fastkPeriod');
    assertPeriod(name, fastdPeriod, 1, 'fastdPeriod');
    assertMatype(name, fastdMatype, 'fastdMatype');
    this.rsi = new RSI(period);
    this.k = new FastK(fastkPeriod);
    this.dMA = createMA(fastdPeriod, fastdMatype);
    this.warmup = period + fastkPeriod + maLookback(fastdPeriod, fastdMatype);
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.fastd : NaN;
  }
  update(x: number): number {
    this.count++;
    const r = this.rsi.update(x);
    if (!this.rsi.ready) return this.value;
    const fk = this.k.push(r, r, r);
    if (Number.isNaN(fk)) return this.value;
    const fd = this.dMA.update(fk);
    if (!this.dMA.ready) return this.value;
    this.ready = true;
    this.fastd = fd;
    return (this.value = fk);
  }
}

/** TA-Lib WILLR: Williams %R over `period` bars, from -100 to 0. */
export class WILLR extends BarIndicator {
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  constructor(readonly period = 14) {
    super();
    assertPeriod(new.target.name, period);
    this.hi = new RollingExtreme(period, true);
    this.lo = new RollingExtreme(period, false);
    this.warmup = period;
  }
  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    this.hi.push(high);
    this.lo.push(low);
    if (++this.count < this.period) return this.value;
    const highest = this.hi.value;
    const diff = (highest - this.lo.value) / -100.0;
    this.ready = true;
    return (this.value = diff !== 0.0 ? (highest - close) / diff : 0.0);
  }
}

const AROON_OUT: readonly string[] = Object.freeze(['aroondown', 'aroonup']);

/** TA-Lib AROON over period + 1 bars (ties: the latest extreme); outputs aroondown, aroonup. */
export class AROON extends BarIndicator {
  override readonly outputs = AROON_OUT;
  up = NaN;
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  private readonly factor: number;
  constructor(
    readonly period = 14,
    readonly oscillator = false,
  ) {
    super();
    assertPeriod(new.target.name, period);
    booleanArg(`new ${new.target.name}`, 'oscillator', oscillator, false);
    this.hi = new RollingExtreme(period + 1, true);
    this.lo = new RollingExtreme(period + 1, false);
    this.factor = 100.0 / period;
    this.warmup = period + 1;
    if (oscillator) (this as { outputs: readonly string[] }).outputs = ['real'];
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 && !this.oscillator ? this.up : NaN;
  }
  updateBar(_o: number, high: number, low: number, _close?: number, _volume?: number): number {
    this.hi.push(high);
    this.lo.push(low);
    if (++this.count <= this.period) return this.value;
    const today = this.count - 1;
    const hiIdx = this.hi.index;
    const loIdx = this.lo.index;
    this.ready = true;
    if (this.oscillator) return (this.value = this.factor * (hiIdx - loIdx));
    this.up = this.factor * (this.period - (today - hiIdx));
    return (this.value = this.factor * (this.period - (today - loIdx)));
  }
}

/** TA-Lib AROONOSC: aroon up - aroon down. */
export class AROONOSC extends AROON {
  constructor(period = 14) {
    super(period, true);
  }
}

/** TA-Lib BOP: (close - open) / (high - low), 0 for a bar without range. */
export class BOP extends BarIndicator {
  constructor() {
    super();
    this.warmup = 1;
  }
  updateBar(open: number, high: number, low: number, close: number, _volume?: number): number {
    this.count++;
    this.ready = true;
    const r = high - low;
    return (this.value = r < 0.00000000000001 ? 0.0 : (close - open) / r);
  }
}

/**
 * TA-Lib CCI: (typical - its mean) / (0.015 * mean absolute deviation) over
 * `period` bars. The mean deviation needs the whole window: O(period) per bar.
 */
export class CCI extends BarIndicator {
  private readonly buf: Float64Array;
  private idx = 0;
  constructor(readonly period = 14) {
    super();
    assertPeriod(new.target.name, period);
    this.buf = new Float64Array(period);
    this.warmup = period;
  }
  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    const n = this.period;
    const last = (high + low + close) / 3;
    const buf = this.buf;
    buf[this.idx] = last;
    this.idx = this.idx + 1 === n ? 0 : this.idx + 1;
    if (++this.count < n) return this.value;
    let avg = 0;
    for (let j = 0; j < n; j++) avg += buf[j] as number;
    avg /= n;
    let dev = 0;
    for (let j = 0; j < n; j++) dev += Math.abs((buf[j] as number) - avg);
    const t = last - avg;
    this.ready = true;
    return (this.value = t !== 0.0 && dev !== 0.0 ? t / (0.015 * (dev / n)) : 0.0);
  }
}

/** TA-Lib MFI: money flow index over `period` bars (typical price x volume). */
export class MFI extends BarIndicator {
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  private idx = 0;
  private prevTP = NaN;
  private posSum = 0;
  private negSum = 0;
  constructor(readonly period = 14) {
    super();
    assertPeriod(new.target.name, period);
    this.pos = new Float64Array(period);
    this.neg = new Float64Array(period);
    this.warmup = period + 1;
  }
  updateBar(_o: number, high: number, low: number, close: number, volume: number): number {
    const c = ++this.count;
    const tp = (high + low + close) / 3.0;
    if (c === 1) {
      this.prevTP = tp;
      return this.value;
    }
    const i = this.idx;
    if (c > this.period + 1) {
      this.posSum -= this.pos[i] as number;
      this.negSum -= this.neg[i] as number;
    }
    const d = tp - this.prevTP;
    this.prevTP = tp;
    const mf = tp * volume;
    if (d < 0) {
      this.neg[i] = mf;
      this.negSum += mf;
      this.pos[i] = 0.0;
    } else if (d > 0) {
      this.pos[i] = mf;
      this.posSum += mf;
      this.neg[i] = 0.0;
    } else {
      this.pos[i] = 0.0;
      this.neg[i] = 0.0;
    }
    this.idx = i + 1 === this.period ? 0 : i + 1;
    if (c <= this.period) return this.value;
    this.ready = true;
    const total = this.posSum + this.negSum;
    return (this.value = total < 1.0 ? 0.0 : 100.0 * (this.posSum / total));
  }
}

/** TA-Lib ULTOSC: weighted average of three buying-pressure ratios (weights 4, 2, 1 from the shortest period). */
export class ULTOSC extends BarIndicator {
  private readonly p1: number;
  private readonly p2: number;
  private readonly p3: number;
  private readonly a: Ring;
  private readonly b: Ring;
  private prevClose = NaN;
  private a1 = 0;
  private a2 = 0;
  private a3 = 0;
  private b1 = 0;
  private b2 = 0;
  private b3 = 0;
  constructor(period1 = 7, period2 = 14, period3 = 28) {
    super();
    assertPeriod(new.target.name, period1, 1, 'period1');
    assertPeriod(new.target.name, period2, 1, 'period2');
    assertPeriod(new.target.name, period3, 1, 'period3');
    const sorted = [period1, period2, period3].sort((x, y) => x - y);
    this.p1 = sorted[0] as number;
    this.p2 = sorted[1] as number;
    this.p3 = sorted[2] as number;
    this.a = new Ring(this.p3);
    this.b = new Ring(this.p3);
    this.warmup = this.p3 + 1;
  }
  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    const c = ++this.count;
    const yc = this.prevClose;
    this.prevClose = close;
    if (c === 1) return this.value;
    const trueLow = low < yc ? low : yc;
    const cmtl = close - trueLow;
    let tr = high - low;
    let t = Math.abs(yc - high);
    if (t > tr) tr = t;
    t = Math.abs(yc - low);
    if (t > tr) tr = t;
    this.a.push(cmtl);
    this.b.push(tr);
    if (c <= this.p3) return this.value;
    if (c === this.p3 + 1) {
      // Prime each window with its period - 1 terms before today, oldest first.
      this.a1 = this.prime(this.a, this.p1);
      this.b1 = this.prime(this.b, this.p1);
      this.a2 = this.prime(this.a, this.p2);
      this.b2 = this.prime(this.b, this.p2);
      this.a3 = this.prime(this.a, this.p3);
      this.b3 = this.prime(this.b, this.p3);
    }
    this.a1 += cmtl;
    this.a2 += cmtl;
    this.a3 += cmtl;
    this.b1 += tr;
    this.b2 += tr;
    this.b3 += tr;
    let out = 0.0;
    if (!isZero(this.b1)) out += 4.0 * (this.a1 / this.b1);
    if (!isZero(this.b2)) out += 2.0 * (this.a2 / this.b2);
    if (!isZero(this.b3)) out += this.a3 / this.b3;
    this.a1 -= this.a.at(this.p1 - 1);
    this.b1 -= this.b.at(this.p1 - 1);
    this.a2 -= this.a.at(this.p2 - 1);
    this.b2 -= this.b.at(this.p2 - 1);
    this.a3 -= this.a.at(this.p3 - 1);
    this.b3 -= this.b.at(this.p3 - 1);
    this.ready = true;
    return (this.value = 100.0 * (out / 7.0));
  }
  private prime(r: Ring, p: number): number {
    let s = 0;
    for (let ago = p - 1; ago >= 1; ago--) s += r.at(ago);
    return s;
  }
}
