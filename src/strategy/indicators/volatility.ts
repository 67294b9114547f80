import { booleanArg, integerArg } from '../../core/arguments.js';
import { BarIndicator, assertPeriod, isZero } from './indicator.js';
import { Ring } from './window.js';

/** TA-Lib TRANGE: max(high - low, |high - previous close|, |low - previous close|), from the second bar. */
export class TRANGE extends BarIndicator {
  private prevClose = NaN;
  constructor() {
    super();
    this.warmup = 2;
  }
  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    const yc = this.prevClose;
    this.prevClose = close;
    if (++this.count === 1) return this.value;
    this.ready = true;
    return (this.value = trueRange(high, low, yc));
  }
}

export function trueRange(high: number, low: number, prevClose: number): number {
  let out = high - low;
  let t = Math.abs(high - prevClose);
  if (t > out) out = t;
  t = Math.abs(low - prevClose);
  if (t > out) out = t;
  return out;
}

/**
 * TA-Lib ATR: the first value is the simple mean of the first `period` true
 * ranges (from the second bar), then Wilder's smoothing
 * atr = (prev * (period - 1) + tr) / period. NATR is 100 * ATR / close.
 */
export class ATR extends BarIndicator {
  private prevClose = NaN;
  private sum = 0;
  constructor(
    readonly period = 14,
    readonly normalized = false,
  ) {
    super();
    assertPeriod(new.target.name, period);
    booleanArg(`new ${new.target.name}`, 'normalized', normalized, false);
    this.warmup = period + 1;
  }
  /** The ATR itself (for NATR `value` is the normalised one). */
  atr = NaN;
  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    const c = ++this.count;
    const yc = this.prevClose;
    this.prevClose = close;
    if (c === 1) return this.value;
    const tr = trueRange(high, low, yc);
    const n = this.period;
    let atr: number;
    if (c <= n + 1) {
      this.sum += tr;
      if (c <= n) return this.value;
      atr = this.sum / n;
      this.ready = true;
    } else {
      atr = this.atr * (n - 1);
      atr += tr;
      atr /= n;
    }
    this.atr = atr;
    if (!this.normalized) return (this.value = atr);
    return (this.value = !isZero(close) ? (atr / close) * 100.0 : 0.0);
  }
}

export class NATR extends ATR {
  constructor(period = 14) {
    super(period, true);
  }
}

/** What an instance of the directional movement family outputs. */
const DM_PLUS_DM = 0;
const DM_MINUS_DM = 1;
const DM_PLUS_DI = 2;
const DM_MINUS_DI = 3;
const DM_DX = 4;
const DM_ADX = 5;
const DM_ADXR = 6;

/**
 * Wilder's directional movement as TA-Lib computes it: +DM/-DM and true
 * range summed over the first period - 1 bars, then smoothed
 * x = x - x / period + new; DI = 100 * DM / TR; DX = 100 * |-DI - +DI| / (+DI + -DI);
 * ADX starts as the mean of the first `period` DX, then Wilder's smoothing;
 * ADXR = (ADX + ADX period - 1 bars back) / 2.
 */
export class DirectionalMovement extends BarIndicator {
  private prevHigh = NaN;
  private prevLow = NaN;
  private prevClose = NaN;
  private plusDM = 0;
  private minusDM = 0;
  private tr = 0;
  private sumDX = 0;
  private adx = NaN;
  private dx = NaN;
  private readonly adxRing: Ring | null;

  constructor(
    readonly period: number,
    readonly mode: number,
  ) {
    super();
    assertPeriod(new.target.name, period, 2);
    integerArg(`new ${new.target.name}`, 'mode', mode, 0, 6);
    const n = period;
    this.warmup = [n, n, n + 1, n + 1, n + 1, 2 * n, 3 * n - 1][mode] as number;
    this.adxRing = mode === DM_ADXR ? new Ring(n) : null;
  }

  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    const c = ++this.count;
    const n = this.period;
    if (c === 1) {
      this.prevHigh = high;
      this.prevLow = low;
      this.prevClose = close;
      return this.value;
    }
    const diffP = high - this.prevHigh;
    const diffM = this.prevLow - low;
    this.prevHigh = high;
    this.prevLow = low;
    const tr = trueRange(high, low, this.prevClose);
    this.prevClose = close;
    const mode = this.mode;
    const withTR = mode !== DM_PLUS_DM && mode !== DM_MINUS_DM;
    // Bars 2..n: plain sums (the first n - 1 changes).
    if (c <= n) {
      if (diffM > 0 && diffP < diffM) this.minusDM += diffM;
      else if (diffP > 0 && diffP > diffM) this.plusDM += diffP;
      if (withTR) this.tr += tr;
      if (c === n && !withTR) {
        this.ready = true;
        return (this.value = mode === DM_PLUS_DM ? this.plusDM : this.minusDM);
      }
      return this.value;
    }
    this.minusDM -= this.minusDM / n;
    this.plusDM -= this.plusDM / n;
    if (diffM > 0 && diffP < diffM) this.minusDM += diffM;
    else if (diffP > 0 && diffP > diffM) this.plusDM += diffP;
    if (!withTR) return (this.value = mode === DM_PLUS_DM ? this.plusDM : this.minusDM);
    this.tr = this.tr - this.tr / n + tr;
    if (mode === DM_PLUS_DI || mode === DM_MINUS_DI) {
      this.ready = true;
      if (isZero(this.tr)) return (this.value = 0.0);
      return (this.value = 100.0 * ((mode === DM_PLUS_DI ? this.plusDM : this.minusDM) / this.tr));
    }
    // DX, ADX, ADXR
    let dx = NaN;
    if (!isZero(this.tr)) {
      const minusDI = 100.0 * (this.minusDM / this.tr);
      const plusDI = 100.0 * (this.plusDM / this.tr);
      const s = minusDI + plusDI;
      if (!isZero(s)) dx = 100.0 * (Math.abs(minusDI - plusDI) / s);
    }
    if (mode === DM_DX) {
      this.ready = true;
      if (Number.isNaN(dx)) dx = c === n + 1 ? 0.0 : this.dx;
      this.dx = dx;
      return (this.value = dx);
    }
    if (c <= 2 * n) {
      if (!Number.isNaN(dx)) this.sumDX += dx;
      if (c < 2 * n) return this.value;
      this.adx = this.sumDX / n;
    } else if (!Number.isNaN(dx)) {
      this.adx = (this.adx * (n - 1) + dx) / n;
    }
    if (mode === DM_ADX) {
      this.ready = true;
      return (this.value = this.adx);
    }
    const ring = this.adxRing as Ring;
    ring.push(this.adx);
    if (c < 3 * n - 1) return this.value;
    this.ready = true;
    return (this.value = (this.adx + ring.at(n - 1)) / 2.0);
  }
}

export class PLUS_DM extends DirectionalMovement {
  constructor(period = 14) {
    super(period, DM_PLUS_DM);
  }
}
export class MINUS_DM extends DirectionalMovement {
  constructor(period = 14) {
    super(period, DM_MINUS_DM);
  }
}
export class PLUS_DI extends DirectionalMovement {
  constructor(period = 14) {
    super(period, DM_PLUS_DI);
  }
}
export class MINUS_DI extends DirectionalMovement {
  constructor(period = 14) {
    super(period, DM_MINUS_DI);
  }
}
export class DX extends DirectionalMovement {
  constructor(period = 14) {
    super(period, DM_DX);
  }
}
export class ADX extends DirectionalMovement {
  constructor(period = 14) {
    super(period, DM_ADX);
  }
}
export class ADXR extends DirectionalMovement {
  constructor(period = 14) {
    super(period, DM_ADXR);
  }
}
