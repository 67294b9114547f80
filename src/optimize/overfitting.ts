/**
 * How much of an optimizer's best result is luck: the statistics written to
 * overfitting.json, computed from the trials' per-period return series.
 *
 * - Deflated Sharpe ratio: D. H. Bailey and M. López de Prado, "The Deflated
 *   Sharpe Ratio: Correcting for Selection Bias, Backtest Overfitting and
 *   Non-Normality", Journal of Portfolio Management 40(5), 2014.
 * - Probability of backtest overfitting by combinatorially symmetric
 *   cross-validation (CSCV): D. H. Bailey, J. M. Borwein, M. López de Prado
 *   and Q. J. Zhu, "The Probability of Backtest Overfitting", Journal of
 *   Computational Finance 20(4), 2017 (working paper 2015).
 * - Minimum backtest length: D. H. Bailey, J. M. Borwein, M. López de Prado
 *   and Q. J. Zhu, "Pseudo-Mathematics and Financial Charlatanism: The Effects
 *   of Backtest Overfitting on Out-of-Sample Performance", Notices of the
 *   American Mathematical Society 61(5), 2014.
 *
 * Every Sharpe ratio here is per period (per row of returns), not annualized.
 * docs/optimize.md states the formulas and how to read them.
 */

import { InputError, InvariantError, type Issue, invariant } from '../core/errors.js';
import { invNorm, norm } from './normal.js';

/** The Euler–Mascheroni constant γ. */
export const EULER_MASCHERONI = 0.5772156649015329;
/** CSCV splits S when none is given (the papers' choice). */
export const DEFAULT_CSCV_SPLITS = 16;
/**
 * The largest S accepted: C(20, 10) = 184,756 combinations; each further
 * step of 2 multiplies the work by about 4.
 */
export const MAX_CSCV_SPLITS = 20;

/** True when every value equals the first (a series with no dispersion at all). */
function isConstant(values: ArrayLike<number>, from = 0, to = values.length): boolean {
  const first = values[from];
  for (let i = from + 1; i < to; i++) if (values[i] !== first) return false;
  return true;
}

/**
 * Per-period Sharpe ratio of a return series: mean / standard deviation
 * (ddof 1), not annualized. NaN (undefined) for fewer than 2 values or a
 * series whose values are all equal.
 */
export function sharpeRatio(returns: ArrayLike<number>): number {
  const n = returns.length;
  if (n < 2 || isConstant(returns)) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += returns[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i]! - mean;
    squares += d * d;
  }
  return mean / Math.sqrt(squares / (n - 1));
}

/** Population central moments m2, m3, m4 (divided by n), or undefined when they say nothing. */
function centralMoments(values: ArrayLike<number>): { m2: number; m3: number; m4: number } | undefined {
  const n = values.length;
  if (n < 2 || isConstant(values)) return undefined;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return { m2: m2 / n, m3: m3 / n, m4: m4 / n };
}

/** Population skewness m3 / m2^1.5 of a series; NaN for fewer than 2 values or a constant series. */
export function skewness(values: ArrayLike<number>): number {
  const m = centralMoments(values);
  return m === undefined ? Number.NaN : m.m3 / Math.pow(m.m2, 1.5);
}

/**
 * Population kurtosis m4 / m2² of a series, not excess (3 for a normal
 * distribution); NaN for fewer than 2 values or a constant series.
 */
export function kurtosis(values: ArrayLike<number>): number {
  const m = centralMoments(values);
  return m === undefined ? Number.NaN : m.m4 / (m.m2 * m.m2);
}

/**
 * Standard deviation (ddof 1) of the trials' Sharpe ratios, skipping the
 * undefined (NaN) ones; NaN when fewer than 2 are defined.
 */
export function sharpeStd(sharpes: ArrayLike<number>): number {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < sharpes.length; i++) {
    const s = sharpes[i]!;
    if (Number.isFinite(s)) {
      count++;
      sum += s;
    }
  }
  if (count < 2) return Number.NaN;
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < sharpes.length; i++) {
    const s = sharpes[i]!;
    if (Number.isFinite(s)) squares += (s - mean) * (s - mean);
  }
  return Math.sqrt(squares / (count - 1));
}

/**
 * (1 - γ) Φ⁻¹(1 - 1/N) + γ Φ⁻¹(1 - 1/(N e)): the expected maximum of N
 * independent standard normal draws (Bailey and López de Prado 2014, after
 * extreme value theory). N need not be an integer (an effective number of
 * independent trials) but must exceed 1.
 */
export function expectedMaxFactor(trials: number): number {
  invariant(trials > 1 && Number.isFinite(trials), `expectedMaxFactor: the number of trials must be a finite number above 1, got ${trials}`);
  return (1 - EULER_MASCHERONI) * invNorm(1 - 1 / trials) + EULER_MASCHERONI * invNorm(1 - 1 / (trials * Math.E));
}

/**
 * SR₀: the Sharpe ratio the best of N skill-less trials is expected to show,
 * sharpeStd × expectedMaxFactor(N), where sharpeStd is the standard
 * deviation of the trials' Sharpe ratios (in the same units: per period here).
 */
export function expectedMaxSharpe(sharpeStd: number, trials: number): number {
  return sharpeStd * expectedMaxFactor(trials);
}

/** Inputs of the probabilistic Sharpe ratio; every Sharpe per period. */
export interface ProbabilisticSharpeInput {
  /** The observed per-period Sharpe ratio. */
  readonly sharpe: number;
  /** The per-period Sharpe ratio to beat. */
  readonly benchmark: number;
  /** T, the number of returns the Sharpe ratio was measured on. */
  readonly observations: number;
  /** Population skewness of those returns. */
  readonly skew: number;
  /** Population kurtosis of those returns, not excess (3 for a normal). */
  readonly kurtosis: number;
}

/**
 * Probabilistic Sharpe ratio: the probability that the true Sharpe ratio
 * exceeds the benchmark, Φ((SR - SR*) √(T - 1) / √(1 - skew SR + (kurtosis - 1)/4 SR²)).
 * NaN when undefined (a NaN input, T < 2, or a non-positive variance term).
 */
export function probabilisticSharpe(input: ProbabilisticSharpeInput): number {
  const { sharpe, benchmark, observations, skew, kurtosis: kurt } = input;
  const variance = 1 - skew * sharpe + ((kurt - 1) / 4) * sharpe * sharpe;
  if (!(observations >= 2) || !(variance > 0)) return Number.NaN;
  return norm(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(variance));
}

/** The selection the Sharpe ratio is deflated for: either the trials' Sharpe dispersion and count, or SR₀ itself. */
export type DeflationBasis =
  | { readonly sharpeStd: number; readonly trials: number }
  | { readonly expectedMaxSharpe: number };

/** Inputs of the deflated Sharpe ratio; every Sharpe per period. */
export type DeflatedSharpeInput = Omit<ProbabilisticSharpeInput, 'benchmark'> & DeflationBasis;

/**
 * Deflated Sharpe ratio (Bailey and López de Prado 2014): the probabilistic
 * Sharpe ratio against SR₀ = expectedMaxSharpe(sharpeStd, N), the Sharpe the
 * best of N skill-less trials would show. Read as the probability that the
 * best trial's true Sharpe ratio is positive once the selection is accounted for.
 */
export function deflatedSharpe(input: DeflatedSharpeInput): number {
  const benchmark = 'expectedMaxSharpe' in input ? input.expectedMaxSharpe : expectedMaxSharpe(input.sharpeStd, input.trials);
  return probabilisticSharpe({
    sharpe: input.sharpe,
    benchmark,
    observations: input.observations,
    skew: input.skew,
    kurtosis: input.kurtosis,
  });
}

/**
 * Minimum backtest length (Bailey, Borwein, López de Prado and Zhu 2014):
 * MinBTL ≈ expectedMaxFactor(N)² / SR², the length below which the best of N
 * skill-less trials is expected to reach a Sharpe ratio of SR by luck alone.
 * Units follow the Sharpe ratio: years for an annualized SR, periods
 * (observations) for a per-period SR. Infinity when SR ≤ 0.
 */
export function minimumBacktestLength(trials: number, targetSharpe: number): number {
  const factor = expectedMaxFactor(trials);
  if (Number.isNaN(targetSharpe)) return Number.NaN;
  if (targetSharpe <= 0) return Infinity;
  return (factor * factor) / (targetSharpe * targetSharpe);
}

export interface PboOptions {
  /** S: the even number of contiguous blocks the rows are cut into. */
  readonly splits: number;
}

export interface PboResult {
  /** The share of combinations whose logit λ is ≤ 0 (n* at or below the out-of-sample median). */
  readonly pbo: number;
  /** C(S, S/2), the number of in-sample / out-of-sample combinations. */
  readonly combinations: number;
  /** Rows left out at the start (T mod S) so that the blocks are equal. */
  readonly droppedRows: number;
  /**
   * Per combination, in lexicographic order of the in-sample block sets
   * ({0..S/2-1} first): λ = ln(w / (1 - w)), w = n*'s out-of-sample rank / (N + 1).
   */
  readonly lambdas: Float64Array;
  /** Per combination: n*, the column with the highest in-sample Sharpe (ties: the lowest column). */
  readonly selected: Int32Array;
  /** Per combination: n*'s in-sample Sharpe (NaN when undefined). */
  readonly inSampleSharpe: Float64Array;
  /** Per combination: n*'s out-of-sample Sharpe (NaN when undefined). */
  readonly outOfSampleSharpe: Float64Array;
  /**
   * Least-squares line of n*'s out-of-sample Sharpe on its in-sample Sharpe
   * over the combinations where both are defined (NaN when there are fewer
   * than two or the in-sample values do not vary). A slope well below 1
   * means in-sample excellence does not carry over.
   */
  readonly performanceDegradation: { readonly slope: number; readonly intercept: number };
  /** The share of combinations in which n*'s out-of-sample Sharpe is negative. */
  readonly probabilityOfLoss: number;
}

/** C(n, k) for the small numbers used here (exact in doubles). */
export function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/**
 * Below this share of the sum of squares, a set's computed dispersion may be
 * rounding noise: the exact test (are all values equal?) decides.
 */
const NEAR_ZERO_DISPERSION = 1e-9;

/**
 * Probability of backtest overfitting by CSCV (Bailey, Borwein, López de
 * Prado and Zhu 2017). `columns` is the T × N matrix of per-period returns,
 * one Float64Array of T rows per trial; the order of the columns is the tie
 * order (the lowest column wins a tie for n*).
 *
 * The first T mod S rows are dropped, the rest cut into S contiguous blocks
 * of equal length; for each choice of S/2 blocks as in-sample (the rest
 * out-of-sample), n* is the trial with the highest in-sample Sharpe, w its
 * out-of-sample rank among the N trials (1 = lowest, ties averaged, an
 * undefined Sharpe lowest) over N + 1, and λ = ln(w / (1 - w)).
 *
 * Cost: one pass over the matrix for per-block sums, then O(N) per
 * combination (about two block additions and two Sharpe ratios per trial);
 * the rows are not read again.
 */
export function pbo(columns: readonly Float64Array[], options: PboOptions): PboResult {
  const splits = options.splits;
  const n = columns.length;
  invariant(Number.isInteger(splits) && splits >= 2 && splits % 2 === 0 && splits <= MAX_CSCV_SPLITS, `pbo: splits must be an even integer from 2 to ${MAX_CSCV_SPLITS}, got ${splits}`);
  invariant(n >= 2, `pbo: needs at least 2 trials, got ${n}`);
  const rows = columns[0]!.length;
  for (const column of columns) invariant(column.length === rows, `pbo: every trial needs ${rows} returns, one has ${column.length}`);
  invariant(rows >= splits, `pbo: ${splits} splits need at least ${splits} rows, got ${rows}`);

  const blockRows = Math.floor(rows / splits);
  const dropped = rows - blockRows * splits;
  const half = splits / 2;
  const setRows = half * blockRows;

  // Per trial: the mean of the used rows (subtracted before summing squares,
  // so that sum-of-squares arithmetic does not cancel), and per block (block-
  // major, trials contiguous): the sum and sum of squares of the shifted
  // returns, and the block's value when all its rows are equal (else NaN).
  const shift = new Float64Array(n);
  const blockSum = new Float64Array(splits * n);
  const blockSquares = new Float64Array(splits * n);
  const blockLevel = new Float64Array(splits * n);
  const totalSum = new Float64Array(n);
  const totalSquares = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const column = columns[j]!;
    let sum = 0;
    for (let i = dropped; i < rows; i++) sum += column[i]!;
    invariant(Number.isFinite(sum), `pbo: trial column ${j} holds a return that is not a finite number`);
    const mean = sum / (rows - dropped);
    shift[j] = mean;
    let allSum = 0;
    let allSquares = 0;
    for (let b = 0; b < splits; b++) {
      const from = dropped + b * blockRows;
      const to = from + blockRows;
      let s = 0;
      let q = 0;
      for (let i = from; i < to; i++) {
        const d = column[i]! - mean;
        s += d;
        q += d * d;
      }
      blockSum[b * n + j] = s;
      blockSquares[b * n + j] = q;
      blockLevel[b * n + j] = isConstant(column, from, to) ? column[from]! : Number.NaN;
      allSum += s;
      allSquares += q;
    }
    totalSum[j] = allSum;
    totalSquares[j] = allSquares;
  }

  /** True when trial j's returns are all equal over the given blocks. */
  const uniformOver = (j: number, blocks: Int32Array): boolean => {
    const level = blockLevel[blocks[0]! * n + j]!;
    if (Number.isNaN(level)) return false;
    for (let k = 1; k < blocks.length; k++) if (blockLevel[blocks[k]! * n + j] !== level) return false;
    return true;
  };

  const perRow = 1 / setRows;
  const perDegree = 1 / (setRows - 1);
  /**
   * Sharpe of trial j over a set of blocks whose shifted sums have a dispersion
   * (sum of squared deviations) this close to zero: undefined when the set's
   * returns are all equal, else computed as usual.
   */
  const nearConstantSharpe = (j: number, shiftedMean: number, dispersion: number, blocks: Int32Array): number =>
    !(dispersion > 0) || uniformOver(j, blocks) ? Number.NaN : (shiftedMean + shift[j]!) / Math.sqrt(dispersion * perDegree);

  const combinations = binomial(splits, half);
  const lambdas = new Float64Array(combinations);
  const selected = new Int32Array(combinations);
  const inSampleSharpe = new Float64Array(combinations);
  const outOfSampleSharpe = new Float64Array(combinations);
  // partialSum[k * n + j]: trial j's shifted sum over in-sample blocks 0..k
  // (likewise for squares). Lexicographic order changes only a suffix of the
  // in-sample set from one combination to the next, so only the levels from
  // the first changed position are recomputed: about 2 levels per
  // combination instead of S/2, with the same additions in the same order
  // as a plain sum.
  const partialSum = new Float64Array(half * n);
  const partialSquares = new Float64Array(half * n);
  const last = (half - 1) * n;
  const outSharpe = new Float64Array(n);
  const inBlocks = new Int32Array(half);
  const outBlocks = new Int32Array(half);
  for (let k = 0; k < half; k++) inBlocks[k] = k;
  let changedFrom = 0;

  let atOrBelowMedian = 0;
  let losses = 0;
  for (let c = 0; c < combinations; c++) {
    // The out-of-sample blocks: the complement of the in-sample ones.
    for (let b = 0, k = 0, o = 0; b < splits; b++) {
      if (k < half && inBlocks[k] === b) k++;
      else outBlocks[o++] = b;
    }
    for (let k = changedFrom; k < half; k++) {
      const block = inBlocks[k]! * n;
      const level = k * n;
      if (k === 0) {
        partialSum.set(blockSum.subarray(block, block + n), 0);
        partialSquares.set(blockSquares.subarray(block, block + n), 0);
      } else {
        const previous = level - n;
        for (let j = 0; j < n; j++) {
          partialSum[level + j] = partialSum[previous + j]! + blockSum[block + j]!;
          partialSquares[level + j] = partialSquares[previous + j]! + blockSquares[block + j]!;
        }
      }
    }
    // n*: the highest in-sample Sharpe (strict >, so ties keep the lowest
    // column; NaN never wins). Inlined: this and the next loop are the hot path.
    let best = -1;
    let bestSharpe = -Infinity;
    for (let j = 0; j < n; j++) {
      const sum = partialSum[last + j]!;
      const squares = partialSquares[last + j]!;
      const mean = sum * perRow;
      const dispersion = squares - sum * mean;
      const sr =
        dispersion > NEAR_ZERO_DISPERSION * squares
          ? (mean + shift[j]!) / Math.sqrt(dispersion * perDegree)
          : nearConstantSharpe(j, mean, dispersion, inBlocks);
      if (sr > bestSharpe) {
        bestSharpe = sr;
        best = j;
      }
    }
    if (best < 0) {
      best = 0; // every in-sample Sharpe undefined: the lowest column
      bestSharpe = Number.NaN;
    }
    for (let j = 0; j < n; j++) {
      const sum = totalSum[j]! - partialSum[last + j]!;
      const squares = totalSquares[j]! - partialSquares[last + j]!;
      const mean = sum * perRow;
      const dispersion = squares - sum * mean;
      outSharpe[j] =
        dispersion > NEAR_ZERO_DISPERSION * squares
          ? (mean + shift[j]!) / Math.sqrt(dispersion * perDegree)
          : nearConstantSharpe(j, mean, dispersion, outBlocks);
    }
    const target = outSharpe[best]!;
    let below = 0;
    let tied = 0;
    if (target !== target) {
      // NaN: tied with the other undefined Sharpes, below every defined one.
      for (let j = 0; j < n; j++) if (outSharpe[j]! !== outSharpe[j]!) tied++;
    } else {
      for (let j = 0; j < n; j++) {
        const v = outSharpe[j]!;
        if (v < target || v !== v) below++;
        else if (v === target) tied++;
      }
    }
    const rank = below + (tied + 1) / 2;
    lambdas[c] = Math.log(rank / (n + 1 - rank));
    if (2 * rank <= n + 1) atOrBelowMedian++;
    if (target < 0) losses++;
    selected[c] = best;
    inSampleSharpe[c] = bestSharpe;
    outOfSampleSharpe[c] = target;

    // Next in-sample set in lexicographic order.
    let k = half - 1;
    while (k >= 0 && inBlocks[k] === splits - half + k) k--;
    if (k < 0) break;
    inBlocks[k]!++;
    for (let r = k + 1; r < half; r++) inBlocks[r] = inBlocks[r - 1]! + 1;
    changedFrom = k;
  }

  return {
    pbo: atOrBelowMedian / combinations,
    combinations,
    droppedRows: dropped,
    lambdas,
    selected,
    inSampleSharpe,
    outOfSampleSharpe,
    performanceDegradation: leastSquares(inSampleSharpe, outOfSampleSharpe),
    probabilityOfLoss: losses / combinations,
  };
}

/** Least-squares line y = intercept + slope x over the pairs where both are finite. */
function leastSquares(x: Float64Array, y: Float64Array): { slope: number; intercept: number } {
  let count = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) {
      count++;
      sx += x[i]!;
      sy += y[i]!;
    }
  }
  if (count < 2) return { slope: Number.NaN, intercept: Number.NaN };
  const mx = sx / count;
  const my = sy / count;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) {
      const dx = x[i]! - mx;
      sxx += dx * dx;
      sxy += dx * (y[i]! - my);
    }
  }
  if (!(sxx > 0)) return { slope: Number.NaN, intercept: Number.NaN };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export interface OverfittingInput {
  /** The ok trials' ids, one per column of `returns`. */
  readonly trialIds: readonly number[];
  /** Per trial (same order as trialIds): the T simple returns between consecutive equity points. */
  readonly returns: readonly Float64Array[];
  /** The id of the best trial by the optimizer's objective (ties already broken to the lowest id). */
  readonly bestTrial: number;
  /** CSCV splits S (`--cscv-splits`); DEFAULT_CSCV_SPLITS when absent. */
  readonly splits?: number;
}

/**
 * The contents of overfitting.json. Sharpe ratios are per period; a
 * statistic that is undefined for the data (e.g. the Sharpe ratio of a
 * trial whose equity never moved) is null.
 */
export interface OverfittingReport {
  /** N, the number of ok trials. */
  readonly trials: number;
  readonly best_trial: number;
  /** T, the number of returns per trial. */
  readonly observations: number;
  /** The best trial's per-period Sharpe ratio. */
  readonly sharpe: number | null;
  /** Standard deviation (ddof 1) of the trials' per-period Sharpe ratios (undefined ones skipped). */
  readonly sharpe_std: number | null;
  /** Population skewness of the best trial's returns. */
  readonly skew: number | null;
  /** Population kurtosis of the best trial's returns (not excess). */
  readonly kurtosis: number | null;
  readonly expected_max_sharpe: number | null;
  readonly dsr: number | null;
  readonly pbo: number;
  readonly cscv_splits: number;
  readonly performance_degradation: { readonly slope: number | null; readonly intercept: number | null };
  readonly probability_of_loss: number;
  /** In observations (per-period Sharpe): null when the best Sharpe is not positive. */
  readonly min_backtest_length: number | null;
}

/** The user's mistakes that make the statistics impossible, as issues (empty when none). */
export function overfittingIssues(trials: number, observations: number, splits: number): Issue[] {
  const issues: Issue[] = [];
  const field = '--cscv-splits';
  const value = String(splits);
  if (!Number.isInteger(splits) || splits < 2) {
    issues.push({ code: 'invalid_option', field, value, message: `--cscv-splits ${value} must be an even integer of at least 2` });
  } else if (splits % 2 !== 0) {
    issues.push({ code: 'invalid_option', field, value, message: `--cscv-splits ${value} must be even` });
  } else if (splits > MAX_CSCV_SPLITS) {
    issues.push({ code: 'invalid_option', field, value, message: `--cscv-splits ${value} is above ${MAX_CSCV_SPLITS} (C(S, S/2) combinations grow about 4 times per step of 2)` });
  } else if (observations < splits) {
    issues.push({ code: 'invalid_option', field, value, message: `--cscv-splits ${value} needs at least ${value} returns per trial, the trials have ${observations}` });
  }
  if (trials < 2) {
    issues.push({ code: 'invalid_config', field: 'trials', value: String(trials), message: `overfitting statistics need at least 2 ok trials, got ${trials}` });
  }
  return issues;
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Every statistic of overfitting.json from the ok trials' return series.
 * Throws an InputError for the user's mistakes (odd or too many splits,
 * fewer returns than splits, fewer than 2 trials) and an InvariantError for
 * the caller's (mismatched lengths, duplicate ids, an unknown best trial,
 * returns that are not finite numbers).
 */
export function overfittingReport(input: OverfittingInput): OverfittingReport {
  const { trialIds, returns, bestTrial } = input;
  const splits = input.splits ?? DEFAULT_CSCV_SPLITS;
  invariant(trialIds.length === returns.length, `overfittingReport: ${trialIds.length} trial ids for ${returns.length} return series`);
  const trials = trialIds.length;
  const observations = returns[0]?.length ?? 0;
  const issues = overfittingIssues(trials, observations, splits);
  if (issues.length > 0) throw new InputError(issues);

  for (const id of trialIds) invariant(Number.isFinite(id), `overfittingReport: trial id ${id} is not a number`);
  // Columns in ascending id order: CSCV's ties go to the lowest id.
  const order = trialIds.map((_, i) => i).sort((a, b) => trialIds[a]! - trialIds[b]!);
  for (let k = 1; k < order.length; k++) {
    invariant(trialIds[order[k]!] !== trialIds[order[k - 1]!], `overfittingReport: trial id ${trialIds[order[k]!]} appears twice`);
  }
  const columns = order.map((i) => returns[i]!);
  for (let k = 0; k < trials; k++) {
    const column = columns[k]!;
    const id = trialIds[order[k]!]!;
    invariant(column.length === observations, `overfittingReport: trial ${id} has ${column.length} returns, trial ${trialIds[order[0]!]} has ${observations}`);
    for (let i = 0; i < observations; i++) {
      if (!Number.isFinite(column[i]!)) throw new InvariantError(`overfittingReport: trial ${id} return ${i} is ${column[i]}, not a finite number`);
    }
  }
  const bestIndex = trialIds.indexOf(bestTrial);
  invariant(bestIndex >= 0, `overfittingReport: the best trial ${bestTrial} is not among the trials`);
  const best = returns[bestIndex]!;

  const sharpes = columns.map(sharpeRatio);
  const sharpe = sharpeRatio(best);
  const std = sharpeStd(sharpes);
  const skew = skewness(best);
  const kurt = kurtosis(best);
  const expectedMax = expectedMaxSharpe(std, trials);
  const dsr = deflatedSharpe({ sharpe, expectedMaxSharpe: expectedMax, observations, skew, kurtosis: kurt });
  const cscv = pbo(columns, { splits });
  return {
    trials,
    best_trial: bestTrial,
    observations,
    sharpe: orNull(sharpe),
    sharpe_std: orNull(std),
    skew: orNull(skew),
    kurtosis: orNull(kurt),
    expected_max_sharpe: orNull(expectedMax),
    dsr: orNull(dsr),
    pbo: cscv.pbo,
    cscv_splits: splits,
    performance_degradation: { slope: orNull(cscv.performanceDegradation.slope), intercept: orNull(cscv.performanceDegradation.intercept) },
    probability_of_loss: cscv.probabilityOfLoss,
    min_backtest_length: orNull(minimumBacktestLength(trials, sharpe)),
  };
}

/** PBO at or above this: the in-sample winner does no better out of sample than a random pick. */
export const PBO_OVERFIT = 0.5;
/** PBO at or below this (with a DSR at or above DSR_SIGNIFICANT): no sign of overfitting. */
export const PBO_ROBUST = 0.2;
/** DSR below this: the best Sharpe is below what the best of N skill-less trials is expected to show. */
export const DSR_OVERFIT = 0.5;
/** DSR at or above this: the best Sharpe is significant at the 5% level after deflation. */
export const DSR_SIGNIFICANT = 0.95;

/**
 * A plain-words reading of PBO and DSR for the report, e.g.
 * "likely overfit: PBO 0.62, DSR 0.41":
 * - "likely overfit" when PBO ≥ 0.5 or DSR < 0.5;
 * - "unlikely overfit" when PBO ≤ 0.2 and DSR ≥ 0.95;
 * - "possibly overfit" otherwise (including an undefined DSR that does not
 *   by itself condemn the result).
 */
export function overfittingVerdict(stats: { readonly pbo: number; readonly dsr: number | null }): string {
  const { pbo: p, dsr } = stats;
  const hasDsr = dsr !== null && Number.isFinite(dsr);
  const label =
    p >= PBO_OVERFIT || (hasDsr && dsr < DSR_OVERFIT)
      ? 'likely overfit'
      : p <= PBO_ROBUST && hasDsr && dsr >= DSR_SIGNIFICANT
        ? 'unlikely overfit'
        : 'possibly overfit';
  return `${label}: PBO ${p.toFixed(2)}, DSR ${hasDsr ? dsr.toFixed(2) : 'n/a'}`;
}
