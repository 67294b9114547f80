import { argumentError, integerArg, numberArg, type NumberRule } from '../../core/arguments.js';

/**
 * One base for every indicator.
 *
 * - Streaming: `update(x)` takes the next value of a single series;
 *   `updateBar(open, high, low, close, volume)` takes the next bar. Single-input
 *   indicators read their configured `source` field of the bar (close by
 *   default); bar-input indicators (high/low/close, volume, ...) read the
 *   fields they need, and treat `update(x)` as a bar whose prices are all x
 *   (volume 0). Each call is O(1) (a few are O(period), said in their docs)
 *   and allocates nothing.
 * - Outputs: `outputs` names them in TA-Lib's order; `output(k)` reads the
 *   k-th current value; `value` is the first. All are NaN until `ready`.
 * - Warm-up: `warmup` is the number of bars until the first value (TA-Lib's
 *   lookback + 1), counting the warm-up of the indicators it reads from.
 * - Composition: `b.of(a)` makes b read a's output instead of a bar (an SMA of
 *   an RSI). `a` must be updated before `b` on each step: `chainOf(b)` lists
 *   an indicator and everything it reads, in update order, and `runBatch` /
 *   `runBatchBars` drive that order.
 * - Batch: `runBatch` / `runBatchBars` call the same update code in a loop, so
 *   batch and streaming cannot disagree.
 */
export abstract class Indicator {
  /** Latest (first) output; NaN while warming up. */
  value = NaN;
  /** True once the outputs are meaningful. */
  ready = false;
  /** Number of values consumed (for an indicator of an indicator: values of its input). */
  count = 0;
  /** Bars needed before the first output (TA-Lib's lookback + 1, inputs' warm-up included). */
  warmup = 1;
  /** Output names, TA-Lib's order (the Python wrapper's names). */
  readonly outputs: readonly string[] = REAL;
  /** Which bar field a single-input indicator reads in updateBar: SRC_OPEN .. SRC_VOLUME. */
  source = SRC_CLOSE;
  /** The indicator this one reads, if any (see `of`). */
  input: Indicator | null = null;
  /** Which output of `input` is read. */
  inputOutput = 0;

  /** Takes the next value of a single series; returns the new first output. */
  abstract update(x: number): number;

  /** Takes the next bar; returns the new first output. */
  updateBar(open: number, high: number, low: number, close: number, volume: number): number {
    const inp = this.input;
    if (inp !== null) {
      if (!inp.ready) return this.value;
      return this.update(this.inputOutput === 0 ? inp.value : inp.output(this.inputOutput));
    }
    const s = this.source;
    return this.update(s === SRC_CLOSE ? close : s === SRC_OPEN ? open : s === SRC_HIGH ? high : s === SRC_LOW ? low : volume);
  }

  /**
   * Takes the next bar with its time (µs since the epoch, UTC; a bar is stamped
   * at its close). Only time-anchored indicators (VWAP) use the time.
   */
  updateBarAt(_time: number, open: number, high: number, low: number, close: number, volume: number): number {
    return this.updateBar(open, high, low, close, volume);
  }

  /** The k-th output's current value (0 is `value`). */
  output(k: number): number {
    return k === 0 ? this.value : NaN;
  }

  /** The named output's current value. */
  get(name: string): number {
    const k = this.outputs.indexOf(name);
    if (k < 0) throw argumentError('indicator.get', 'name', name, `no such output; outputs are ${this.outputs.join(', ')}`);
    return this.output(k);
  }

  /** Indicators this one reads on each step (they update first). */
  dependencies(): readonly Indicator[] {
    return this.input === null ? NONE : [this.input];
  }

  /**
   * Reads another indicator's output instead of bars: `new SMA(5).of(new RSI(14))`.
   * Only for single-input indicators, before the first update.
   */
  of(input: Indicator, output: string | number = 0): this {
    if (!isIndicator(input)) throw argumentError('indicator.of', 'input', input, 'input must be an indicator');
    if (this.count > 0) throw argumentError('indicator.of', 'input', input.constructor.name, 'of(): the indicator has already been updated');
    if (this.input !== null) throw argumentError('indicator.of', 'input', input.constructor.name, 'of(): the indicator already reads another indicator');
    const k = typeof output === 'number' ? output : input.outputs.indexOf(output);
    if (!Number.isInteger(k) || k < 0 || k >= input.outputs.length) throw argumentError('indicator.of', 'output', output, `of(): no such output; outputs are ${input.outputs.join(', ')}`);
    this.input = input;
    this.inputOutput = k;
    this.warmup += input.warmup - 1;
    return this;
  }

  /** Sets the bar field a single-input indicator reads. */
  withSource(source: PriceField | number): this {
    const code = typeof source === 'number' ? source : Object.hasOwn(SOURCE_CODES, source) ? SOURCE_CODES[source] : undefined;
    if (code === undefined || !Number.isInteger(code) || code < 0 || code > 4) throw argumentError('indicator.withSource', 'source', source, 'unknown price source; give open, high, low, close or volume');
    this.source = code;
    return this;
  }
}

/**
 * Base of indicators that read several fields of a bar. `update(x)` feeds a
 * bar with open = high = low = close = x and volume 0 (a tick has one price).
 */
export abstract class BarIndicator extends Indicator {
  abstract override updateBar(open: number, high: number, low: number, close: number, volume: number): number;
  update(x: number): number {
    return this.updateBar(x, x, x, x, 0);
  }
  override of(): this {
    throw argumentError('indicator.of', 'input', this.constructor.name, 'of(): an indicator of bars cannot read another indicator');
  }
}

export type PriceField = 'open' | 'high' | 'low' | 'close' | 'volume';
export const SRC_OPEN = 0;
export const SRC_HIGH = 1;
export const SRC_LOW = 2;
export const SRC_CLOSE = 3;
export const SRC_VOLUME = 4;
export const SOURCE_CODES: Readonly<Record<PriceField, number>> = { open: 0, high: 1, low: 2, close: 3, volume: 4 };

export const REAL: readonly string[] = Object.freeze(['real']);
const NONE: readonly Indicator[] = Object.freeze([]);

/** The indicator and everything it reads, each once, in update order (inputs first). */
export function chainOf(indicator: Indicator): Indicator[] {
  const out: Indicator[] = [];
  const seen = new Set<Indicator>();
  const visit = (ind: Indicator): void => {
    if (seen.has(ind)) return;
    seen.add(ind);
    for (const d of ind.dependencies()) visit(d);
    out.push(ind);
  };
  visit(indicator);
  return out;
}

/**
 * Runs an indicator over a single series; out[i] is its value after input i.
 * Indicators it reads are updated first on each step (they must be fresh).
 */
export function runBatch(indicator: Indicator, input: ArrayLike<number>): Float64Array {
  const out = new Float64Array(input.length);
  const chain = chainOf(indicator);
  if (chain.length === 1) {
    for (let i = 0; i < input.length; i++) out[i] = indicator.update(input[i] as number);
    return out;
  }
  for (let i = 0; i < input.length; i++) {
    const x = input[i] as number;
    for (let k = 0; k < chain.length; k++) {
      const ind = chain[k] as Indicator;
      if (ind.dependencies().length === 0) ind.update(x);
      else ind.updateBar(x, x, x, x, 0);
    }
    out[i] = indicator.value;
  }
  return out;
}

/** Columns of bars, as in BarColumns. */
export interface BarArrays {
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly volume: ArrayLike<number>;
  /** Bar times (µs UTC), for time-anchored indicators. */
  readonly time?: ArrayLike<number>;
}

/**
 * Runs an indicator (and what it reads) over bars; returns one array per
 * output, NaN during warm-up. `n` defaults to the length of `close`.
 */
export function runBatchBars(indicator: Indicator, bars: BarArrays, n: number = bars.close.length): Float64Array[] {
  const chain = chainOf(indicator);
  const nOut = indicator.outputs.length;
  const outs: Float64Array[] = [];
  for (let k = 0; k < nOut; k++) outs.push(new Float64Array(n));
  const { open, high, low, close, volume } = bars;
  const time = bars.time;
  const single = chain.length === 1;
  for (let i = 0; i < n; i++) {
    const o = open[i] as number;
    const h = high[i] as number;
    const l = low[i] as number;
    const c = close[i] as number;
    const v = volume[i] as number;
    const t = time === undefined ? NaN : (time[i] as number);
    if (single) indicator.updateBarAt(t, o, h, l, c, v);
    else for (let k = 0; k < chain.length; k++) (chain[k] as Indicator).updateBarAt(t, o, h, l, c, v);
    if (indicator.ready) {
      (outs[0] as Float64Array)[i] = indicator.value;
      for (let k = 1; k < nOut; k++) (outs[k] as Float64Array)[i] = indicator.output(k);
    } else {
      for (let k = 0; k < nOut; k++) (outs[k] as Float64Array)[i] = NaN;
    }
  }
  return outs;
}

/** Largest window an indicator takes: a guard against allocating gigabytes by mistake. */
export const MAX_WINDOW = 10_000_000;

/**
 * Checks an indicator's period (or another window length, `param`): an
 * integer from `min` to MAX_WINDOW, else an InputError naming the
 * constructor and the value (`new SMA(period)`, value '0').
 */
export function assertPeriod(name: string, period: unknown, min = 1, param = 'period'): asserts period is number {
  integerArg(`new ${name}`, param, period, min);
  if ((period as number) > MAX_WINDOW) throw argumentError(`new ${name}`, param, period, `${param} must be at most ${MAX_WINDOW}`);
}

/** Checks a moving-average type code (0..8, as TA-Lib's MA). */
export function assertMatype(name: string, matype: unknown, param = 'matype'): asserts matype is number {
  integerArg(`new ${name}`, param, matype, 0, 8);
}

/** Checks a numeric parameter of an indicator: finite, within the rule. */
export function assertNumber(name: string, param: string, value: unknown, rule: NumberRule = {}): asserts value is number {
  numberArg(`new ${name}`, param, value, rule);
}

/** Whether a value is an indicator (from this copy of the library or another). */
export function isIndicator(x: unknown): x is Indicator {
  return x instanceof Indicator || (typeof x === 'object' && x !== null && typeof (x as Indicator).update === 'function' && typeof (x as Indicator).updateBar === 'function' && Array.isArray((x as Indicator).outputs));
}

/** TA-Lib's TA_EPSILON and its zero tests. */
export const TA_EPSILON = 0.00000000000001;
export function isZero(v: number): boolean {
  return -TA_EPSILON < v && v < TA_EPSILON;
}
