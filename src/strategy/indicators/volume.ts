import { BarIndicator, SRC_CLOSE, assertPeriod } from './indicator.js';

/** TA-Lib OBV: starts at the first bar's volume; adds the volume on an up close, subtracts it on a down close. */
export class OBV extends BarIndicator {
  private prev = NaN;
  constructor() {
    super();
    this.warmup = 1;
    this.source = SRC_CLOSE;
  }
  updateBar(open: number, high: number, low: number, close: number, volume: number): number {
    const s = this.source;
    const x = s === SRC_CLOSE ? close : s === 0 ? open : s === 1 ? high : s === 2 ? low : volume;
    const c = ++this.count;
    if (c === 1) {
      this.prev = x;
      this.ready = true;
      return (this.value = volume);
    }
    if (x > this.prev) this.value += volume;
    else if (x < this.prev) this.value -= volume;
    this.prev = x;
    return this.value;
  }
}

/** The accumulation/distribution step of TA-Lib AD and ADOSC. */
function adStep(ad: number, high: number, low: number, close: number, volume: number): number {
  const r = high - low;
  return r > 0.0 ? ad + ((close - low - (high - close)) / r) * volume : ad;
}

/** TA-Lib AD: the Chaikin accumulation/distribution line. */
export class AD extends BarIndicator {
  private ad = 0;
  constructor() {
    super();
    this.warmup = 1;
  }
  updateBar(_o: number, high: number, low: number, close: number, volume: number): number {
    this.count++;
    this.ad = adStep(this.ad, high, low, close, volume);
    this.ready = true;
    return (this.value = this.ad);
  }
}

/** TA-Lib ADOSC: EMA(fast) - EMA(slow) of the AD line, both EMAs seeded with the first AD value. */
export class ADOSC extends BarIndicator {
  private ad = 0;
  private fast = 0;
  private slow = 0;
  private readonly fk: number;
  private readonly sk: number;
  constructor(fastPeriod = 3, slowPeriod = 10) {
    super();
    assertPeriod(new.target.name, fastPeriod, 1, 'fastPeriod');
    assertPeriod(new.target.name, slowPeriod, 1, 'slowPeriod');
    this.fk = 2.0 / (fastPeriod + 1);
    this.sk = 2.0 / (slowPeriod + 1);
    this.warmup = Math.max(fastPeriod, slowPeriod);
  }
  updateBar(_o: number, high: number, low: number, close: number, volume: number): number {
    const c = ++this.count;
    this.ad = adStep(this.ad, high, low, close, volume);
    if (c === 1) {
      this.fast = this.ad;
      this.slow = this.ad;
    } else {
      this.fast = this.fk * this.ad + (1.0 - this.fk) * this.fast;
      this.slow = this.sk * this.ad + (1.0 - this.sk) * this.slow;
    }
    if (c < this.warmup) return this.value;
    this.ready = true;
    return (this.value = this.fast - this.slow);
  }
}
