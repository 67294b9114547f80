/**
 * Tree-structured Parzen estimator (Bergstra, Bardenet, Bengio and Kegl,
 * "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011), independent
 * per dimension, with the defaults of Optuna's TPESampler
 * (optuna/samplers/_tpe/sampler.py and parzen_estimator.py): 10 random
 * startup trials, gamma(n) = min(ceil(0.1 n), 25), 24 candidates drawn from
 * l(x) and ranked by l(x)/g(x), prior weight 1, the "magic clip" of the
 * smallest bandwidth, the trial weights of default_weights. Our own code (no
 * maintained JavaScript TPE exists on npm); docs/optimize.md says
 * where it departs from Optuna and why.
 */
import { InvariantError, invariant } from '../core/errors.js';
import { Xoshiro128 } from '../core/random.js';
import { RandomSampler, type Dimension, type ParamValue, type ParameterSet, type ParameterSpace } from './space.js';

export interface TpeOptions {
  readonly seed: number;
  /** Random trials before the model is used (Optuna: 10). */
  readonly startupTrials?: number;
  /** Candidates drawn from l(x) per dimension (Optuna: 24). */
  readonly candidates?: number;
  /** How many of n finished trials form l(x), the good group (Optuna: min(ceil(0.1 n), 25)). */
  readonly gamma?: (n: number) => number;
  /** Weight of the prior in each Parzen estimator (Optuna: 1). */
  readonly priorWeight?: number;
  /** Values told are to be minimized (default: maximized). */
  readonly minimize?: boolean;
  /** Combinations to propose at all (a constraint); refused ones are never asked. */
  readonly accept?: (params: ParameterSet) => boolean;
}

/** Optuna's default_gamma. */
export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/**
 * Optuna's default_weights: the last 25 trials weigh 1, older ones ramp
 * linearly from 1/n (np.linspace(1/n, 1, n - 25)).
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const ramp = n - 25;
  if (ramp <= 0) return w;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (ramp - 1);
  return w;
}

// ---------------------------------------------------------------- normal distribution

const LN2 = Math.LN2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log erfc(z) for z >= 0 (Numerical Recipes' erfcc, fractional error below 1.2e-7, in log form so it never underflows). */
function logErfc(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - z * z + poly;
}

/** log of the upper tail Q(x) = P(Z > x), x >= 0. */
function logUpperTail(x: number): number {
  return logErfc(x / Math.SQRT2) - LN2;
}

/** Q(x) = P(Z > x), any x. */
function upperTail(x: number): number {
  return x >= 0 ? Math.exp(logUpperTail(x)) : 1 - Math.exp(logUpperTail(-x));
}

function logDensity(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/** log P(lo < Z < hi) for a standard normal Z, accurate in the tails and for narrow intervals. */
export function logNormalMass(lo: number, hi: number): number {
  const width = hi - lo;
  // Narrow: the midpoint rule (relative error ~ width^2 / 24) beats a difference of two close tails.
  if (width < 1e-3) return logDensity(0.5 * (lo + hi)) + Math.log(width);
  if (lo >= 0) return logTailDifference(lo, hi);
  if (hi <= 0) return logTailDifference(-hi, -lo);
  return Math.log(1 - upperTail(hi) - upperTail(-lo));
}

/** log(Q(a) - Q(b)) for 0 <= a < b. */
function logTailDifference(a: number, b: number): number {
  const la = logUpperTail(a);
  if (b === Infinity) return la;
  return la + Math.log(-Math.expm1(logUpperTail(b) - la));
}

function logSumExp(xs: Float64Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if ((xs[i] as number) > max) max = xs[i] as number;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp((xs[i] as number) - max);
  return max + Math.log(sum);
}

// ---------------------------------------------------------------- Parzen estimators

/** A Parzen estimator over one dimension's coordinates (exported for tests). */
export interface Estimator {
  sample(rng: Xoshiro128): number;
  logPdf(x: number): number;
}

/** Picks a component by its weight. */
function pickComponent(rng: Xoshiro128, weights: Float64Array): number {
  let u = rng.nextFloat();
  for (let i = 0; i < weights.length - 1; i++) {
    u -= weights[i] as number;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

function normalized(weights: Float64Array): Float64Array {
  let sum = 0;
  for (const w of weights) sum += w;
  return weights.map((w) => w / sum);
}

/**
 * A mixture of truncated normals on [low, high], one per observation plus
 * the prior (centre, width of the domain). `step` 1 makes it discrete over
 * the integers low..high (grid positions): mass of k = the normal's mass on
 * [k - 1/2, k + 1/2], as Optuna's _BatchedDiscreteTruncNormDistributions.
 */
export class NumericalEstimator implements Estimator {
  private readonly mus: Float64Array;
  private readonly sigmas: Float64Array;
  private readonly weights: Float64Array;
  private readonly logWeights: Float64Array;
  private readonly logNormalizers: Float64Array;
  private readonly lo: number;
  private readonly hi: number;
  private readonly scratch: Float64Array;

  constructor(
    observations: readonly number[],
    observationWeights: Float64Array,
    private readonly low: number,
    private readonly high: number,
    private readonly step: 0 | 1,
    priorWeight: number,
  ) {
    const m = observations.length;
    const span = high - low + step;
    const priorMu = 0.5 * (low + high);
    this.lo = low - step / 2;
    this.hi = high + step / 2;
    // Bandwidths (Optuna, univariate): the larger gap to a neighbour among the sorted observations and the prior,
    // the domain's ends as outer neighbours; the outermost points use their inner gap only (consider_endpoints=False).
    const withPrior = [...observations, priorMu];
    const order = withPrior.map((_, i) => i).sort((a, b) => (withPrior[a] as number) - (withPrior[b] as number) || a - b);
    const sorted = [this.lo, ...order.map((i) => withPrior[i] as number), this.hi];
    const sortedSigmas = new Float64Array(withPrior.length);
    for (let k = 1; k < sorted.length - 1; k++) {
      sortedSigmas[k - 1] = Math.max((sorted[k] as number) - (sorted[k - 1] as number), (sorted[k + 1] as number) - (sorted[k] as number));
    }
    if (sorted.length >= 4) {
      sortedSigmas[0] = (sorted[2] as number) - (sorted[1] as number);
      sortedSigmas[withPrior.length - 1] = (sorted[sorted.length - 2] as number) - (sorted[sorted.length - 3] as number);
    }
    // Magic clip: no bandwidth below span / min(100, observations + prior + 1), none above the span.
    const minSigma = span / Math.min(100, 1 + m + 1);
    const n = m + 1;
    this.mus = new Float64Array(n);
    this.sigmas = new Float64Array(n);
    for (let k = 0; k < order.length; k++) {
      const i = order[k] as number;
      if (i < m) {
        this.mus[i] = observations[i] as number;
        this.sigmas[i] = Math.min(Math.max(sortedSigmas[k] as number, minSigma), span);
      }
    }
    this.mus[m] = priorMu;
    this.sigmas[m] = span;
    const w = new Float64Array(n);
    w.set(observationWeights.subarray(0, m));
    w[m] = m === 0 ? 1 : priorWeight;
    this.weights = normalized(w);
    this.logWeights = this.weights.map(Math.log);
    this.logNormalizers = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const mu = this.mus[i] as number;
      const s = this.sigmas[i] as number;
      this.logNormalizers[i] = logNormalMass((this.lo - mu) / s, (this.hi - mu) / s);
    }
    this.scratch = new Float64Array(n);
  }

  sample(rng: Xoshiro128): number {
    const i = pickComponent(rng, this.weights);
    const mu = this.mus[i] as number;
    const s = this.sigmas[i] as number;
    // Rejection: a component's centre lies in the domain and its width is at most the domain's, so at least
    // about a third of the draws land inside.
    let x = mu;
    for (let tries = 0; tries < 10_000; tries++) {
      const y = mu + s * rng.nextNormal();
      if (y >= this.lo && y <= this.hi) {
        x = y;
        break;
      }
    }
    if (this.step === 0) return x;
    return Math.min(this.high, Math.max(this.low, Math.round(x)));
  }

  logPdf(x: number): number {
    const n = this.mus.length;
    for (let i = 0; i < n; i++) {
      const mu = this.mus[i] as number;
      const s = this.sigmas[i] as number;
      const part =
        this.step === 0 ? logDensity((x - mu) / s) - Math.log(s) : logNormalMass((x - 0.5 - mu) / s, (x + 0.5 - mu) / s);
      this.scratch[i] = (this.logWeights[i] as number) + part - (this.logNormalizers[i] as number);
    }
    return logSumExp(this.scratch, n);
  }
}

/**
 * Categories 0..k-1 (Optuna's categorical estimator): each observation is a
 * distribution with mass 1 on its category plus priorWeight / (m + 1) spread
 * over all, the prior is uniform; the mixture reduces to one table.
 */
export class CategoricalEstimator implements Estimator {
  private readonly probs: Float64Array;
  private readonly logProbs: Float64Array;

  constructor(observations: readonly number[], observationWeights: Float64Array, k: number, priorWeight: number) {
    const m = observations.length;
    const w = new Float64Array(m + 1);
    w.set(observationWeights.subarray(0, m));
    w[m] = m === 0 ? 1 : priorWeight;
    const weights = normalized(w);
    const fill = priorWeight / (m + 1);
    const rowSum = k * fill + 1;
    const probs = new Float64Array(k).fill((weights[m] as number) / k);
    for (let j = 0; j < m; j++) {
      const wj = weights[j] as number;
      for (let c = 0; c < k; c++) probs[c] = (probs[c] as number) + (wj * fill) / rowSum;
      const obs = observations[j] as number;
      probs[obs] = (probs[obs] as number) + wj / rowSum;
    }
    this.probs = probs;
    this.logProbs = probs.map(Math.log);
  }

  sample(rng: Xoshiro128): number {
    return pickComponent(rng, this.probs);
  }

  logPdf(x: number): number {
    return this.logProbs[x] as number;
  }
}

// ---------------------------------------------------------------- the sampler

/** A dimension as the model sees it: a grid position (ordinal), a category, or a real number. */
type Coordinate = { readonly kind: 'ordinal'; readonly count: number } | { readonly kind: 'categorical'; readonly count: number } | { readonly kind: 'real'; readonly low: number; readonly high: number };

function coordinateOf(d: Dimension): Coordinate {
  switch (d.kind) {
    case 'stepped':
      return { kind: 'ordinal', count: d.count };
    case 'list':
      return { kind: 'categorical', count: d.count };
    case 'continuous':
      return { kind: 'real', low: d.from, high: d.to };
  }
}

interface Trial {
  /** Order of asking, from 0: older trials weigh less (defaultWeights). */
  readonly number: number;
  readonly coords: Float64Array;
  /** The value to maximize once told; null while running; undefined when the trial failed or was skipped. */
  score: number | undefined | null;
}

/** Candidate combinations examined (best first) before falling back to a random untried one. */
const MAX_CANDIDATE_COMBINATIONS = 1000;

/**
 * Ask/tell TPE over a ParameterSpace. `ask()` gives the next combination
 * (undefined once every combination of a finite space has been asked);
 * `tell(params, value)` reports its result, undefined for a trial that
 * failed or was skipped. Combinations are never asked twice. Deterministic:
 * the same seed and the same told values give the same combinations.
 */
export class TpeSampler {
  readonly space: ParameterSpace;
  private readonly coords: readonly Coordinate[];
  private readonly startupTrials: number;
  private readonly candidates: number;
  private readonly gamma: (n: number) => number;
  private readonly priorWeight: number;
  private readonly sign: 1 | -1;
  private readonly accept: ((params: ParameterSet) => boolean) | undefined;
  private readonly rng: Xoshiro128;
  private readonly random: RandomSampler;
  private readonly trials = new Map<string, Trial>();
  private readonly order: Trial[] = [];
  private told = 0;

  constructor(space: ParameterSpace, options: TpeOptions) {
    this.space = space;
    this.coords = space.dimensions.map(coordinateOf);
    this.startupTrials = options.startupTrials ?? 10;
    this.candidates = options.candidates ?? 24;
    this.gamma = options.gamma ?? defaultGamma;
    this.priorWeight = options.priorWeight ?? 1;
    this.sign = options.minimize === true ? -1 : 1;
    this.accept = options.accept;
    invariant(Number.isInteger(this.startupTrials) && this.startupTrials >= 0, 'TpeSampler: startupTrials must be an integer >= 0');
    invariant(Number.isInteger(this.candidates) && this.candidates >= 1, 'TpeSampler: candidates must be an integer >= 1');
    invariant(this.priorWeight > 0, 'TpeSampler: priorWeight must be above 0');
    // The startup trials are those of random sampling with the same seed (as Optuna's TPESampler uses RandomSampler(seed)).
    const limit = Number.isSafeInteger(space.size) ? space.size : Number.MAX_SAFE_INTEGER;
    this.random = new RandomSampler(space, limit, options.seed, (p) => !this.trials.has(this.keyOf(p)) && (this.accept === undefined || this.accept(p)));
    this.rng = new Xoshiro128(new Xoshiro128(options.seed).nextUint32() ^ 0x7470_6521);
  }

  /** The next combination to try, or undefined when a finite space has no untried (accepted) combination left. */
  ask(): ParameterSet | undefined {
    if (this.trials.size >= this.space.size) return undefined;
    const finished = this.order.filter((t) => t.score !== null);
    const proposed = this.told < this.startupTrials ? undefined : this.fromModel(finished);
    const params = proposed ?? this.random.next();
    if (params === undefined) return undefined;
    this.register(params);
    return params;
  }

  /** Same as ask(): the sweep's sampler interface. */
  next(): ParameterSet | undefined {
    return this.ask();
  }

  /** The result of an asked combination: its objective value, or undefined when it failed or was skipped. */
  tell(params: Readonly<Record<string, unknown>>, value: number | undefined): void {
    const trial = this.trials.get(this.keyOf(params));
    if (trial === undefined) throw new InvariantError(`TpeSampler.tell: ${this.keyOf(params)} was never asked`);
    if (trial.score !== null) throw new InvariantError(`TpeSampler.tell: ${this.keyOf(params)} was told twice`);
    trial.score = value === undefined || Number.isNaN(value) ? undefined : this.sign * value;
    this.told++;
  }

  private keyOf(params: Readonly<Record<string, unknown>>): string {
    return JSON.stringify(this.space.names.map((n) => params[n]));
  }

  private register(params: ParameterSet): void {
    const coords = new Float64Array(this.coords.length);
    this.space.dimensions.forEach((d, i) => {
      const v = params[d.name] as ParamValue;
      if (d.kind === 'continuous') coords[i] = v as number;
      else if (d.kind === 'list') coords[i] = d.values.indexOf(v);
      else coords[i] = Math.round(((v as number) - d.from) / d.step);
    });
    const trial: Trial = { number: this.order.length, coords, score: null };
    this.trials.set(this.keyOf(params), trial);
    this.order.push(trial);
  }

  private paramsOf(coords: ArrayLike<number>): ParameterSet {
    const out: Record<string, ParamValue> = {};
    this.space.dimensions.forEach((d, i) => {
      const c = coords[i] as number;
      out[d.name] = d.kind === 'continuous' ? c : d.value(c);
    });
    return out;
  }

  /**
   * Splits the finished trials into the good group (the gamma(n) best by
   * value) and the rest (failed and skipped trials count among the rest:
   * their region is no place to return to), fits l and g per dimension, draws
   * candidates from l and proposes the untried combination with the highest
   * l/g among them.
   */
  private fromModel(finished: readonly Trial[]): ParameterSet | undefined {
    const valued = finished.filter((t) => t.score !== undefined);
    const ranked = [...valued].sort((a, b) => (b.score as number) - (a.score as number) || a.number - b.number);
    const nBelow = Math.min(this.gamma(finished.length), ranked.length);
    const good = new Set(ranked.slice(0, nBelow));
    // Each group in trial order, for the weights.
    const below = finished.filter((t) => good.has(t));
    const above = finished.filter((t) => !good.has(t));
    const wBelow = defaultWeights(below.length);
    const wAbove = defaultWeights(above.length);

    const lists = this.coords.map((c, d) => {
      const l = this.estimator(c, below.map((t) => t.coords[d] as number), wBelow);
      const g = this.estimator(c, above.map((t) => t.coords[d] as number), wAbove);
      const scored = new Map<number, number>();
      for (let k = 0; k < this.candidates; k++) {
        const x = l.sample(this.rng);
        if (!scored.has(x)) scored.set(x, l.logPdf(x) - g.logPdf(x));
      }
      return [...scored].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    });
    return this.bestUntried(lists);
  }

  private estimator(c: Coordinate, observations: readonly number[], weights: Float64Array): Estimator {
    switch (c.kind) {
      case 'ordinal':
        return new NumericalEstimator(observations, weights, 0, c.count - 1, 1, this.priorWeight);
      case 'categorical':
        return new CategoricalEstimator(observations, weights, c.count, this.priorWeight);
      case 'real':
        return new NumericalEstimator(observations, weights, c.low, c.high, 0, this.priorWeight);
    }
  }

  /**
   * Best-first over the product of the per-dimension candidate lists (each
   * sorted by log l - log g): the first combination not asked before and
   * accepted. With no clash this is each dimension's best candidate, as in
   * Optuna's independent sampling.
   */
  private bestUntried(lists: readonly (readonly [number, number][])[]): ParameterSet | undefined {
    const dims = lists.length;
    const total = (idx: readonly number[]): number => idx.reduce((s, i, d) => s + ((lists[d] as [number, number][])[i] as [number, number])[1], 0);
    const frontier: { idx: number[]; score: number }[] = [{ idx: new Array<number>(dims).fill(0), score: 0 }];
    frontier[0]!.score = total(frontier[0]!.idx);
    const seen = new Set<string>([frontier[0]!.idx.join()]);
    for (let pops = 0; pops < MAX_CANDIDATE_COMBINATIONS && frontier.length > 0; pops++) {
      let best = 0;
      for (let i = 1; i < frontier.length; i++) if ((frontier[i] as { score: number }).score > (frontier[best] as { score: number }).score) best = i;
      const { idx } = frontier.splice(best, 1)[0] as { idx: number[] };
      const params = this.paramsOf(idx.map((i, d) => ((lists[d] as [number, number][])[i] as [number, number])[0]));
      if (!this.trials.has(this.keyOf(params)) && (this.accept === undefined || this.accept(params))) return params;
      for (let d = 0; d < dims; d++) {
        if ((idx[d] as number) + 1 >= (lists[d] as unknown[]).length) continue;
        const next = idx.slice();
        next[d] = (next[d] as number) + 1;
        const key = next.join();
        if (seen.has(key)) continue;
        seen.add(key);
        frontier.push({ idx: next, score: total(next) });
      }
    }
    return undefined;
  }
}
