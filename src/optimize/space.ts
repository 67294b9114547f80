/**
 * The parameter space of a sweep: `--range NAME=FROM:TO[:STEP]` and
 * `--values NAME=a,b,c` parsed into dimensions, the grid over them (a lazy
 * iterator, first dimension slowest) and seeded random sampling without
 * repetition. See docs/optimize.md.
 */
import { decimalPlaces } from '../core/decimal.js';
import { InputError, invariant } from '../core/errors.js';
import { Xoshiro128 } from '../core/random.js';

/** A parameter's value in a sweep: numbers for ranges, numbers, strings or booleans for listed values. */
export type ParamValue = number | string | boolean;
/** One combination: a value for each dimension of the space, by parameter name. */
export type ParameterSet = Readonly<Record<string, ParamValue>>;

export type SpaceFlag = '--range' | '--values';

/** One `--range` or `--values` flag as given on the command line. */
export interface SpaceSpec {
  readonly flag: SpaceFlag;
  /** The flag's argument, e.g. `fast=5:50:5` or `mode=fast,slow`. */
  readonly text: string;
}

interface DimensionBase {
  readonly name: string;
  /** The flag and text it came from (for messages). */
  readonly flag: SpaceFlag;
  readonly text: string;
}

/**
 * A range with a step: `count` values FROM, FROM + STEP, ... up to TO,
 * each computed as an integer over a power of ten (never by repeated
 * addition), so 0.1:0.5:0.1 gives 0.1, 0.2, 0.3, 0.4, 0.5 exactly.
 */
export interface SteppedRange extends DimensionBase {
  readonly kind: 'stepped';
  readonly from: number;
  readonly to: number;
  readonly step: number;
  readonly count: number;
  /** The i-th value (0 <= i < count). */
  value(i: number): number;
}

/** A listed set of values (`--values`), in the order given. */
export interface ValueList extends DimensionBase {
  readonly kind: 'list';
  readonly values: readonly ParamValue[];
  readonly count: number;
  value(i: number): ParamValue;
}

/** A range without a step: continuous in [from, to] for random and TPE sampling; the grid refuses it. */
export interface ContinuousRange extends DimensionBase {
  readonly kind: 'continuous';
  readonly from: number;
  readonly to: number;
}

export type Dimension = SteppedRange | ValueList | ContinuousRange;
/** A dimension with finitely many values. */
export type DiscreteDimension = SteppedRange | ValueList;

/** The grid refuses more combinations than this (a sweep of that size is a mistake, not a plan). */
export const MAX_GRID_SIZE = 10_000_000;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const POW10: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

function flagError(flag: string, text: string, message: string): InputError {
  return new InputError({ code: 'invalid_option', field: flag, value: text, message });
}

function splitName(flag: SpaceFlag, text: string, form: string): { name: string; rest: string } {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq).trim();
  if (name.length === 0) throw flagError(flag, text, `expected ${form}`);
  return { name, rest: text.slice(eq + 1).trim() };
}

function parseNumber(flag: SpaceFlag, text: string, part: string, what: string): number {
  const s = part.trim();
  if (!NUMBER.test(s)) throw flagError(flag, text, `${what} '${s}' is not a number`);
  const n = Number(s);
  if (!Number.isFinite(n)) throw flagError(flag, text, `${what} '${s}' is not a finite number`);
  return n;
}

/** Parses `NAME=FROM:TO:STEP` (a stepped range) or `NAME=FROM:TO` (a continuous range). */
export function parseRange(text: string): SteppedRange | ContinuousRange {
  const flag = '--range';
  const { name, rest } = splitName(flag, text, 'NAME=FROM:TO:STEP');
  const parts = rest.split(':');
  if (parts.length !== 2 && parts.length !== 3) throw flagError(flag, text, 'expected NAME=FROM:TO:STEP (or NAME=FROM:TO for a continuous range)');
  const from = parseNumber(flag, text, parts[0] as string, 'FROM');
  const to = parseNumber(flag, text, parts[1] as string, 'TO');
  if (to < from) throw flagError(flag, text, 'TO is below FROM');
  if (parts.length === 2) {
    // A single point is one value, not a continuum.
    if (from === to) return steppedRange(name, text, from, to, 1);
    return { kind: 'continuous', name, flag, text, from, to };
  }
  const step = parseNumber(flag, text, parts[2] as string, 'STEP');
  if (step <= 0) throw flagError(flag, text, 'STEP must be above 0');
  return steppedRange(name, text, from, to, step);
}

function steppedRange(name: string, text: string, from: number, to: number, step: number): SteppedRange {
  const flag = '--range';
  const places = Math.max(decimalPlaces(from), decimalPlaces(to), decimalPlaces(step));
  if (Math.min(decimalPlaces(from), decimalPlaces(to), decimalPlaces(step)) < 0 || places >= POW10.length) {
    throw flagError(flag, text, 'FROM, TO and STEP must have at most 15 decimal places');
  }
  const scale = POW10[places] as number;
  const f = Math.round(from * scale);
  const t = Math.round(to * scale);
  const s = Math.round(step * scale);
  if (!Number.isSafeInteger(f) || !Number.isSafeInteger(t) || !Number.isSafeInteger(s - f) || !Number.isSafeInteger(t - f)) {
    throw flagError(flag, text, 'FROM, TO and STEP are too large for exact steps (more than 15 significant digits)');
  }
  const count = Math.floor((t - f) / s) + 1;
  return {
    kind: 'stepped',
    name,
    flag,
    text,
    from,
    to,
    step,
    count,
    // Integers over a power of ten: the double nearest the exact decimal (no -0).
    value: (i: number): number => {
      const units = f + i * s;
      return units === 0 ? 0 : units / scale;
    },
  };
}

/** Parses `NAME=a,b,c`: each value a number, `true`/`false`, or else a string (JSON quotes allowed). */
export function parseValues(text: string): ValueList {
  const flag = '--values';
  const { name, rest } = splitName(flag, text, 'NAME=a,b,c');
  const values: ParamValue[] = [];
  for (const raw of rest.split(',')) {
    const item = raw.trim();
    if (item.length === 0) throw flagError(flag, text, 'a value is empty');
    const v = listedValue(item);
    if (typeof v === 'number' && !Number.isFinite(v)) throw flagError(flag, text, `value '${item}' is not a finite number`);
    if (values.some((w) => w === v)) throw flagError(flag, text, `value '${item}' is given twice`);
    values.push(v);
  }
  return { kind: 'list', name, flag, text, values, count: values.length, value: (i: number) => values[i] as ParamValue };
}

function listedValue(item: string): ParamValue {
  if (NUMBER.test(item)) return Number(item);
  if (item === 'true') return true;
  if (item === 'false') return false;
  if (item.length >= 2 && item.startsWith('"') && item.endsWith('"')) {
    try {
      const s: unknown = JSON.parse(item);
      if (typeof s === 'string') return s;
    } catch {
      // not a JSON string: taken as written
    }
  }
  return item;
}

export interface SpaceOptions {
  /** The strategy's parameter names: any other name is an error. */
  readonly knownNames?: readonly string[];
}

/** Parses the flags, in the order given, into a space; a name given twice or unknown to the strategy is an InputError. */
export function parseSpace(specs: readonly SpaceSpec[], options: SpaceOptions = {}): ParameterSpace {
  const dims: Dimension[] = [];
  for (const spec of specs) {
    const dim = spec.flag === '--range' ? parseRange(spec.text) : parseValues(spec.text);
    const known = options.knownNames;
    if (known !== undefined && !known.includes(dim.name)) {
      const list = known.length > 0 ? ` (it has: ${known.join(', ')})` : ' (it has none)';
      throw flagError(spec.flag, spec.text, `the strategy has no parameter '${dim.name}'${list}`);
    }
    const earlier = dims.find((d) => d.name === dim.name);
    if (earlier !== undefined) throw flagError(spec.flag, spec.text, `parameter '${dim.name}' is already given by ${earlier.flag} ${earlier.text}`);
    dims.push(dim);
  }
  return new ParameterSpace(dims);
}

/** The product of the counts (a double: may pass 2^53 or be Infinity for a continuous dimension). */
function productOf(dims: readonly Dimension[]): number {
  let n = 1;
  for (const d of dims) n *= d.kind === 'continuous' ? Infinity : d.count;
  return n;
}

/** The dimensions of a sweep, in the order their flags were given. */
export class ParameterSpace {
  readonly dimensions: readonly Dimension[];
  readonly names: readonly string[];
  /** Number of combinations: Infinity when a dimension is continuous. */
  readonly size: number;

  constructor(dimensions: readonly Dimension[]) {
    this.dimensions = dimensions;
    this.names = dimensions.map((d) => d.name);
    invariant(new Set(this.names).size === this.names.length, 'ParameterSpace: duplicate parameter names');
    this.size = productOf(dimensions);
  }

  /** True when every dimension has finitely many values. */
  get discrete(): boolean {
    return this.dimensions.every((d) => d.kind !== 'continuous');
  }

  /** Number of grid combinations; an InputError when a range has no STEP or the grid is larger than MAX_GRID_SIZE. */
  gridSize(): number {
    for (const d of this.dimensions) {
      if (d.kind === 'continuous') throw flagError(d.flag, d.text, 'grid search needs a STEP (FROM:TO:STEP); a range without one is for --method random or tpe');
    }
    if (this.size > MAX_GRID_SIZE) {
      const counts = this.dimensions.map((d) => `${d.name} ${(d as DiscreteDimension).count}`).join(' x ');
      throw new InputError({
        code: 'invalid_option',
        field: '--range',
        value: counts,
        message: `the grid has ${this.size} combinations, more than ${MAX_GRID_SIZE}: use larger steps, fewer values, or --method random or tpe`,
      });
    }
    return this.size;
  }

  /**
   * All combinations, like nested loops in the order the flags were given:
   * the first dimension varies slowest, the last fastest. Lazy; `total` is
   * known up front.
   */
  grid(): GridSampler {
    return new GridSampler(this.dimensions as readonly DiscreteDimension[], this.gridSize());
  }

  /** The combination at grid position `index` (0-based, grid order). */
  at(index: number): ParameterSet {
    invariant(this.discrete && Number.isInteger(index) && index >= 0 && index < this.size, `ParameterSpace.at: no combination ${index}`);
    const out: Record<string, ParamValue> = {};
    let rest = index;
    for (let k = this.dimensions.length - 1; k >= 0; k--) {
      const d = this.dimensions[k] as DiscreteDimension;
      out[d.name] = d.value(rest % d.count);
      rest = Math.floor(rest / d.count);
    }
    return orderedLike(this.names, out);
  }

  /** `trials` combinations drawn at random (seeded), never one twice: see RandomSampler. */
  sample(trials: number, seed: number, accept?: (params: ParameterSet) => boolean): RandomSampler {
    return new RandomSampler(this, trials, seed, accept);
  }
}

/** Keys in the space's order (so printed and serialized combinations are stable). */
function orderedLike(names: readonly string[], values: Record<string, ParamValue>): ParameterSet {
  const out: Record<string, ParamValue> = {};
  for (const n of names) out[n] = values[n] as ParamValue;
  return out;
}

/**
 * The grid, lazily: `next()` gives each combination in grid order, then
 * undefined (the shape of the sweep's samplers); also iterable.
 */
export class GridSampler implements Iterable<ParameterSet> {
  readonly total: number;
  private readonly dims: readonly DiscreteDimension[];
  private readonly digits: Int32Array;
  private done: boolean;

  constructor(dims: readonly DiscreteDimension[], total: number) {
    this.dims = dims;
    this.total = total;
    this.digits = new Int32Array(dims.length);
    this.done = total === 0;
  }

  /** The next combination, or undefined after the last. */
  next(): ParameterSet | undefined {
    if (this.done) return undefined;
    const out: Record<string, ParamValue> = {};
    for (let k = 0; k < this.dims.length; k++) {
      const d = this.dims[k] as DiscreteDimension;
      out[d.name] = d.value(this.digits[k] as number);
    }
    // Odometer: the last dimension turns fastest.
    let k = this.dims.length - 1;
    for (; k >= 0; k--) {
      const d = this.dims[k] as DiscreteDimension;
      const v = (this.digits[k] as number) + 1;
      if (v < d.count) {
        this.digits[k] = v;
        break;
      }
      this.digits[k] = 0;
    }
    if (k < 0) this.done = true;
    return out;
  }

  [Symbol.iterator](): Iterator<ParameterSet> {
    return iterate(this);
  }
}

/** The remaining combinations of a sampler as an iterator. */
function* iterate(sampler: { next(): ParameterSet | undefined }): Generator<ParameterSet> {
  for (let p = sampler.next(); p !== undefined; p = sampler.next()) yield p;
}

/** Stops a sampler whose filter keeps refusing: the constraint admits (almost) nothing. */
export const MAX_CONSECUTIVE_REFUSALS = 1_000_000;

/** A uniform integer in [0, n), n <= 2^53, without modulo bias. */
export function uniformIndex(rng: Xoshiro128, n: number): number {
  invariant(Number.isSafeInteger(n) || n === 2 ** 53, `uniformIndex: bad bound ${n}`);
  invariant(n > 0, 'uniformIndex: empty range');
  if (n <= 0x1_0000_0000) {
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const x = rng.nextUint32();
      if (x < limit) return x % n;
    }
  }
  // 53 random bits, rejected above the largest multiple of n.
  const span = 2 ** 53;
  const limit = span - (span % n);
  for (;;) {
    const x = (rng.nextUint32() >>> 11) * 0x1_0000_0000 + rng.nextUint32();
    if (x < limit) return x % n;
  }
}

/**
 * Seeded random combinations, never one twice, at most `trials` of them.
 *
 * - A finite space of at most 2^53 combinations is sampled without
 *   replacement: a lazy Fisher-Yates shuffle of the grid positions (memory
 *   proportional to the trials drawn, not to the space), so every order of
 *   draws is equally likely and a space smaller than `trials` gives each
 *   combination once, in random order, and then stops.
 * - A space with a continuous dimension (or more than 2^53 combinations)
 *   draws each dimension independently: uniform over a dimension's values,
 *   uniform in [FROM, TO] for a continuous range; a combination drawn before
 *   is drawn again.
 *
 * `accept` filters combinations (a constraint): refused ones are skipped and
 * do not count; after MAX_CONSECUTIVE_REFUSALS refusals in a row it is an
 * InputError (the constraint admits almost nothing).
 */
export class RandomSampler implements Iterable<ParameterSet> {
  /** The most combinations it gives (min of trials and the space's size). */
  readonly total: number;
  private readonly space: ParameterSpace;
  private readonly rng: Xoshiro128;
  private readonly accept: ((params: ParameterSet) => boolean) | undefined;
  private readonly shuffled: boolean;
  /** Lazy Fisher-Yates: the positions moved so far (position -> grid index). */
  private readonly swaps = new Map<number, number>();
  private drawn = 0;
  private given = 0;
  private readonly seen = new Set<string>();

  constructor(space: ParameterSpace, trials: number, seed: number, accept?: (params: ParameterSet) => boolean) {
    invariant(Number.isSafeInteger(trials) && trials >= 0, `RandomSampler: bad trial count ${trials}`);
    this.space = space;
    this.rng = new Xoshiro128(seed);
    this.accept = accept;
    this.shuffled = space.discrete && space.size <= 2 ** 53;
    this.total = Math.min(trials, space.size);
  }

  /** The next combination, or undefined when `trials` were given or the space is exhausted. */
  next(): ParameterSet | undefined {
    if (this.given >= this.total) return undefined;
    for (let refused = 0; refused < MAX_CONSECUTIVE_REFUSALS; refused++) {
      const p = this.shuffled ? this.nextShuffled() : this.nextIndependent();
      if (p === undefined) return undefined;
      if (this.accept === undefined || this.accept(p)) {
        this.given++;
        return p;
      }
    }
    throw new InputError({
      code: 'invalid_option',
      field: '--constraint',
      message: `${MAX_CONSECUTIVE_REFUSALS} random combinations in a row break the constraint: it admits (almost) none`,
    });
  }

  private nextShuffled(): ParameterSet | undefined {
    const size = this.space.size;
    if (this.drawn >= size) return undefined;
    const i = this.drawn++;
    const j = i + uniformIndex(this.rng, size - i);
    const picked = this.swaps.get(j) ?? j;
    this.swaps.set(j, this.swaps.get(i) ?? i);
    this.swaps.delete(i);
    return this.space.at(picked);
  }

  private nextIndependent(): ParameterSet {
    const out: Record<string, ParamValue> = {};
    for (const d of this.space.dimensions) {
      out[d.name] = d.kind === 'continuous' ? d.from + this.rng.nextFloat() * (d.to - d.from) : d.value(uniformIndex(this.rng, d.count));
    }
    if (this.space.discrete) {
      // Over 2^53 combinations: a repeat is unlikely but still refused.
      const key = JSON.stringify(this.space.names.map((n) => out[n]));
      if (this.seen.has(key)) return this.nextIndependent();
      this.seen.add(key);
    }
    return out;
  }

  [Symbol.iterator](): Iterator<ParameterSet> {
    return iterate(this);
  }
}
