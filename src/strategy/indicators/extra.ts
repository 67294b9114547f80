import { EMA } from './ema.js';
import { integerArg } from '../../core/arguments.js';
import { BarIndicator, assertNumber, assertPeriod } from './indicator.js';
import { ATR } from './volatility.js';
import { Ring, RollingExtreme } from './window.js';

const MICROS_PER_MINUTE = 60_000_000;
const MICROS_PER_DAY = 1440 * MICROS_PER_MINUTE;

/**
 * Session-anchored VWAP: sum(typical price x volume) / sum(volume) since the
 * session began, typical = (high + low + close) / 3. A session starts each day
 * at `sessionStart` minutes after midnight, in a zone `utcOffset` minutes from
 * UTC; bars arriving through updateBar (no time) never reset it. With no
 * volume yet it is the typical price.
 */
export class VWAP extends BarIndicator {
  private pv = 0;
  private vol = 0;
  private session = NaN;
  private readonly shift: number;
  constructor(
    readonly sessionStart = 0,
    readonly utcOffset = 0,
  ) {
    super();
    integerArg(`new ${new.target.name}`, 'sessionStart', sessionStart, 0, 1439);
    integerArg(`new ${new.target.name}`, 'utcOffset', utcOffset, -1440, 1440);
    this.warmup = 1;
    this.shift = (utcOffset - sessionStart) * MICROS_PER_MINUTE;
  }
  override updateBarAt(time: number, open: number, high: number, low: number, close: number, volume: number): number {
    if (Number.isFinite(time)) {
      // A bar stamped exactly at the session start closes the previous session.
      const s = Math.floor((time + this.shift - 1) / MICROS_PER_DAY);
      if (s !== this.session) {
        this.session = s;
        this.pv = 0;
        this.vol = 0;
      }
    }
    return this.updateBar(open, high, low, close, volume);
  }
  updateBar(_o: number, high: number, low: number, close: number, volume: number): number {
    this.count++;
    const tp = (high + low + close) / 3;
    this.pv += tp * volume;
    this.vol += volume;
    this.ready = true;
    return (this.value = this.vol > 0 ? this.pv / this.vol : tp);
  }
}

const BANDS_OUT: readonly string[] = Object.freeze(['upperband', 'middleband', 'lowerband']);

/** Keltner channels: EMA(close, period) +/- nbatr x ATR(atrperiod) (TA-Lib EMA and ATR). */
export class KELTNER extends BarIndicator {
  override readonly outputs = BANDS_OUT;
  middle = NaN;
  lower = NaN;
  private readonly ema: EMA;
  private readonly atr: ATR;
  constructor(
    period = 20,
    atrPeriod = 10,
    readonly nbatr = 2,
  ) {
    super();
    assertPeriod(new.target.name, period);
    assertPeriod(new.target.name, atrPeriod, 1, 'atrPeriod');
    assertNumber(new.target.name, 'nbatr', nbatr);
    this.ema = new EMA(period);
    this.atr = new ATR(atrPeriod);
    this.warmup = Math.max(period, atrPeriod + 1);
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.middle : k === 2 ? this.lower : NaN;
  }
  updateBar(open: number, high: number, low: number, close: number, _volume?: number): number {
    this.count++;
    const m = this.ema.update(close);
    const a = this.atr.updateBar(open, high, low, close);
    if (!this.ema.ready || !this.atr.ready) return this.value;
    this.ready = true;
    this.middle = m;
    this.lower = m - this.nbatr * a;
    return (this.value = m + this.nbatr * a);
  }
}

/** Donchian channels: highest high and lowest low of `period` bars, and their midpoint. */
export class DONCHIAN extends BarIndicator {
  override readonly outputs = BANDS_OUT;
  middle = NaN;
  lower = NaN;
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  constructor(readonly period = 20) {
    super();
    assertPeriod(new.target.name, period);
    this.hi = new RollingExtreme(period, true);
    this.lo = new RollingExtreme(period, false);
    this.warmup = period;
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.middle : k === 2 ? this.lower : NaN;
  }
  updateBar(_o: number, high: number, low: number, _close?: number, _volume?: number): number {
    this.hi.push(high);
    this.lo.push(low);
    if (++this.count < this.period) return this.value;
    this.ready = true;
    const u = this.hi.value;
    const l = this.lo.value;
    this.middle = (u + l) / 2;
    this.lower = l;
    return (this.value = u);
  }
}

const ICHIMOKU_OUT: readonly string[] = Object.freeze(['tenkan', 'kijun', 'senkoua', 'senkoub', 'chikou']);

/**
 * Ichimoku as known at each bar (nothing from the future): tenkan and kijun
 * (midpoints of the last 9 and 26 bars), the two leading spans that apply to
 * this bar (computed `kijunPeriod` bars ago, as they are drawn that far ahead),
 * and chikou, this bar's close (drawn `kijunPeriod` bars back).
 */
export class ICHIMOKU extends BarIndicator {
  override readonly outputs = ICHIMOKU_OUT;
  kijun = NaN;
  senkouA = NaN;
  senkouB = NaN;
  chikou = NaN;
  private readonly t: [RollingExtreme, RollingExtreme];
  private readonly k: [RollingExtreme, RollingExtreme];
  private readonly s: [RollingExtreme, RollingExtreme];
  private readonly spanA: Ring;
  private readonly spanB: Ring;
  constructor(
    readonly tenkanPeriod = 9,
    readonly kijunPeriod = 26,
    readonly senkouPeriod = 52,
  ) {
    super();
    assertPeriod(new.target.name, tenkanPeriod, 1, 'tenkanPeriod');
    assertPeriod(new.target.name, kijunPeriod, 1, 'kijunPeriod');
    assertPeriod(new.target.name, senkouPeriod, 1, 'senkouPeriod');
    this.t = [new RollingExtreme(tenkanPeriod, true), new RollingExtreme(tenkanPeriod, false)];
    this.k = [new RollingExtreme(kijunPeriod, true), new RollingExtreme(kijunPeriod, false)];
    this.s = [new RollingExtreme(senkouPeriod, true), new RollingExtreme(senkouPeriod, false)];
    this.spanA = new Ring(kijunPeriod + 1);
    this.spanB = new Ring(kijunPeriod + 1);
    this.warmup = Math.max(tenkanPeriod, kijunPeriod, senkouPeriod) + kijunPeriod;
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.kijun : k === 2 ? this.senkouA : k === 3 ? this.senkouB : k === 4 ? this.chikou : NaN;
  }
  updateBar(_o: number, high: number, low: number, close: number, _volume?: number): number {
    const c = ++this.count;
    for (const r of [this.t, this.k, this.s]) {
      r[0].push(high);
      r[1].push(low);
    }
    const tenkan = c >= this.tenkanPeriod ? (this.t[0].value + this.t[1].value) / 2 : NaN;
    const kijun = c >= this.kijunPeriod ? (this.k[0].value + this.k[1].value) / 2 : NaN;
    const spanB = c >= this.senkouPeriod ? (this.s[0].value + this.s[1].value) / 2 : NaN;
    this.spanA.push((tenkan + kijun) / 2);
    this.spanB.push(spanB);
    if (c < this.warmup) return this.value;
    this.ready = true;
    this.kijun = kijun;
    this.senkouA = this.spanA.at(this.kijunPeriod);
    this.senkouB = this.spanB.at(this.kijunPeriod);
    this.chikou = close;
    return (this.value = tenkan);
  }
}

const SUPERTREND_OUT: readonly string[] = Object.freeze(['supertrend', 'direction']);

/**
 * SuperTrend on TA-Lib's ATR: bands at (high + low) / 2 +/- multiplier x ATR,
 * each band only tightening while price stays inside it; the line is the
 * lower band in an up trend (direction 1) and the upper band in a down trend
 * (-1). The trend flips when the close crosses the active band. It starts up.
 */
export class SUPERTREND extends BarIndicator {
  override readonly outputs = SUPERTREND_OUT;
  direction = NaN;
  private readonly atr: ATR;
  private upper = NaN;
  private lower = NaN;
  private prevClose = NaN;
  constructor(
    period = 10,
    readonly multiplier = 3,
  ) {
    super();
    assertPeriod(new.target.name, period);
    assertNumber(new.target.name, 'multiplier', multiplier, { min: 0 });
    this.atr = new ATR(period);
    this.warmup = period + 1;
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.direction : NaN;
  }
  updateBar(open: number, high: number, low: number, close: number, _volume?: number): number {
    this.count++;
    const a = this.atr.updateBar(open, high, low, close);
    const prevClose = this.prevClose;
    this.prevClose = close;
    if (!this.atr.ready) return this.value;
    const mid = (high + low) / 2;
    const basicUpper = mid + this.multiplier * a;
    const basicLower = mid - this.multiplier * a;
    if (!this.ready) {
      this.upper = basicUpper;
      this.lower = basicLower;
      this.direction = 1;
      this.ready = true;
      return (this.value = this.lower);
    }
    this.upper = basicUpper < this.upper || prevClose > this.upper ? basicUpper : this.upper;
    this.lower = basicLower > this.lower || prevClose < this.lower ? basicLower : this.lower;
    if (this.direction === 1 && close < this.lower) this.direction = -1;
    else if (this.direction === -1 && close > this.upper) this.direction = 1;
    return (this.value = this.direction === 1 ? this.lower : this.upper);
  }
}

const HA_OUT: readonly string[] = Object.freeze(['open', 'high', 'low', 'close']);

/**
 * Heikin-Ashi bars: close = (o + h + l + c) / 4; open = (previous HA open +
 * previous HA close) / 2, the first (open + close) / 2; high and low extend
 * the real ones to include the HA open and close.
 */
export class HEIKINASHI extends BarIndicator {
  override readonly outputs = HA_OUT;
  high = NaN;
  low = NaN;
  close = NaN;
  constructor() {
    super();
    this.warmup = 1;
  }
  override output(k: number): number {
    return k === 0 ? this.value : k === 1 ? this.high : k === 2 ? this.low : k === 3 ? this.close : NaN;
  }
  updateBar(open: number, high: number, low: number, close: number, _volume?: number): number {
    const haClose = (open + high + low + close) / 4;
    const haOpen = this.count++ === 0 ? (open + close) / 2 : (this.value + this.close) / 2;
    this.value = haOpen;
    this.close = haClose;
    this.high = Math.max(high, haOpen, haClose);
    this.low = Math.min(low, haOpen, haClose);
    this.ready = true;
    return haOpen;
  }
}
