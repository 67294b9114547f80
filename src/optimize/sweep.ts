import { overfittingIssues, overfittingReport, type OverfittingInput, type OverfittingReport } from './overfitting.js';
import { overfittingReportAsync } from './overfitting-thread.js';
import type { TrialPool } from './pool.js';
import type { MetricValue, TrialMetric, TrialOutcome } from './trial.js';

/**
 * Where a sweep's parameter combinations come from (a grid, random
 * sampling, a model-based sampler). The sweep numbers them 1, 2, ... in the
 * order they are given, and reports results back in that order, so a
 * sampler that learns from results sees the same history whatever the
 * number of workers.
 */
export interface TrialSampler {
  /** The number of combinations it gives in all, when known up front (for progress). */
  readonly total?: number;
  /**
   * 0: combinations do not depend on results (grid, random), ask at will.
   * n > 0: the sampler learns from results; the sweep runs n trials, waits
   * for all of them and reports them before asking again. A fixed n (not the
   * number of workers) keeps the sweep the same on any machine.
   */
  readonly batch: number;
  /** The next combination, or undefined when there is none left. */
  next(): Readonly<Record<string, unknown>> | undefined;
  /** A finished trial, in trial order: `score` is the objective to maximize (undefined when the trial was skipped or failed). */
  tell?(params: Readonly<Record<string, unknown>>, score: number | undefined): void;
}

/** A sampler over a fixed list of combinations, in order. */
export function listSampler(combinations: readonly Readonly<Record<string, unknown>>[]): TrialSampler {
  let i = 0;
  return {
    total: combinations.length,
    batch: 0,
    next: () => combinations[i++],
  };
}

export interface SweepOptions {
  readonly sampler: TrialSampler;
  readonly pool: TrialPool;
  /** The metric the sweep optimizes (default sharpe). */
  readonly objective?: TrialMetric;
  /** Minimize the objective instead of maximizing it. */
  readonly minimize?: boolean;
  /** At most this many trials (the sampler may give fewer). */
  readonly maxTrials?: number;
  /** Stops asking for new trials; trials already running finish and are reported. */
  readonly signal?: AbortSignal;
  /** Each trial also writes its backtest outputs into DIR/trial-N (`--keep-runs`). */
  readonly keepDir?: string;
  /** Every trial trades only inside this window (ISO times), seeing the data before it for warm-up. */
  readonly window?: { readonly tradeFrom: string; readonly tradeTo: string };
}

/** The objective of a trial as a score to maximize, or undefined when it has none (not ok, or the metric is undefined). */
export function scoreOf(outcome: TrialOutcome, objective: TrialMetric, minimize: boolean): number | undefined {
  if (outcome.status !== 'ok') return undefined;
  const v: MetricValue | undefined = (outcome.metrics as Partial<Record<TrialMetric, MetricValue>>)[objective];
  if (v === null || v === undefined || Number.isNaN(v)) return undefined;
  return minimize ? -v : v;
}

/**
 * Runs a sweep and yields each trial's outcome in trial order (results that
 * come back early wait for the ones before them), so everything built from
 * the stream is the same whatever the pool.
 */
export async function* runSweep(options: SweepOptions): AsyncGenerator<TrialOutcome> {
  const { sampler, pool } = options;
  const objective = options.objective ?? 'sharpe';
  const minimize = options.minimize === true;
  const max = options.maxTrials ?? Infinity;
  const running = new Map<number, Promise<TrialOutcome>>();
  let asked = 0;
  let emitted = 0;
  let exhausted = false;
  let haveTimes = false;
  /** Trials asked and not yet finished (`running` also holds finished ones waiting for the trials before them). */
  let inFlight = 0;
  let askFailure: { error: unknown } | undefined;
  const stopped = (): boolean => options.signal?.aborted === true;

  // A trial that finishes makes room for the next at once, even while an earlier one still runs: finished trials wait
  // for their turn without holding the pool's threads idle. They are bounded (which bounds the memory) by four times
  // as many as may be asked at once: a trial handed to a worker behind as many as it holds ahead (see ThreadPool) comes
  // back after about that many of this thread's trials, all of which wait for it.
  const finished = (): void => {
    inFlight--;
    if (sampler.batch > 0 || askFailure !== undefined) return;
    try {
      ask();
    } catch (e) {
      askFailure = { error: e };
    }
  };

  const ask = (): void => {
    const limit = sampler.batch > 0 ? sampler.batch : Math.max(1, pool.depth ?? pool.concurrency * 2);
    while (!exhausted && !stopped() && inFlight < limit && running.size < 4 * limit && asked < max) {
      const params = sampler.next();
      if (params === undefined) {
        exhausted = true;
        break;
      }
      const trial = ++asked;
      // The equity times are the same for every trial: asked for until a trial has brought them (a kept trial may answer without).
      const run = pool.run({ trial, params, withTimes: !haveTimes, ...options.window, ...(options.keepDir !== undefined ? { keepDir: options.keepDir } : {}) });
      // Awaited in trial order; a failure of a later trial is seen when its turn comes, not as an unhandled rejection.
      inFlight++;
      run.then(finished, finished);
      running.set(trial, run);
    }
  };

  for (;;) {
    if (askFailure !== undefined) throw askFailure.error;
    // A learning sampler is asked only once its whole batch is reported.
    if (sampler.batch === 0 || running.size === 0) ask();
    const promise = running.get(emitted + 1);
    if (promise === undefined) break;
    let outcome = await promise;
    // A kept trial (Redis) may come back without the times; the first ok one must bring them.
    if (outcome.status === 'ok' && !haveTimes && outcome.times.length === 0) {
      const again = await pool.run({ trial: outcome.trial, params: outcome.params, withTimes: true, requireTimes: true, ...options.window });
      outcome = { ...outcome, times: again.times };
    }
    running.delete(outcome.trial);
    emitted++;
    if (outcome.times.length > 0) haveTimes = true;
    sampler.tell?.(outcome.params, scoreOf(outcome, objective, minimize));
    yield outcome;
  }
}

/** The best trial by the objective (ties: the lowest trial number), or undefined when no trial has a value. */
export function bestTrial(outcomes: Iterable<TrialOutcome>, objective: TrialMetric, minimize = false): TrialOutcome | undefined {
  let best: TrialOutcome | undefined;
  let bestScore = -Infinity;
  for (const o of outcomes) {
    const s = scoreOf(o, objective, minimize);
    if (s === undefined) continue;
    if (best === undefined || s > bestScore || (s === bestScore && o.trial < best.trial)) {
      best = o;
      bestScore = s;
    }
  }
  return best;
}

/**
 * A trial with the sweep's equity times: only the first trials carry them
 * (they are the same for every trial), so the best one may need them from
 * another to draw its curve.
 */
export function withEquityTimes(trial: TrialOutcome, outcomes: readonly TrialOutcome[]): TrialOutcome {
  if (trial.times.length > 0 || trial.status !== 'ok') return trial;
  const times = outcomes.find((o) => o.times.length > 0)?.times;
  return times === undefined ? trial : { ...trial, times };
}

/**
 * overfitting.json over a sweep's ok trials, or why there is none (fewer
 * than two ok trials, fewer returns than CSCV blocks, no best trial): a
 * sweep that cannot have the statistics still writes everything else.
 */
export function sweepOverfitting(outcomes: readonly TrialOutcome[], best: TrialOutcome | undefined, splits: number): SweepOverfitting {
  const input = overfittingInput(outcomes, best, splits);
  return 'note' in input ? input : { report: overfittingReport(input) };
}

/** sweepOverfitting, worked out on a thread of its own when the sweep is large (overfittingReportAsync). */
export async function sweepOverfittingAsync(outcomes: readonly TrialOutcome[], best: TrialOutcome | undefined, splits: number): Promise<SweepOverfitting> {
  const input = overfittingInput(outcomes, best, splits);
  return 'note' in input ? input : { report: await overfittingReportAsync(input) };
}

export type SweepOverfitting = { report?: OverfittingReport; note?: string };

function overfittingInput(outcomes: readonly TrialOutcome[], best: TrialOutcome | undefined, splits: number): OverfittingInput | { note: string } {
  const ok = outcomes.filter((o) => o.status === 'ok');
  const issues = overfittingIssues(ok.length, ok[0]?.returns.length ?? 0, splits);
  if (best === undefined || issues.length > 0) return { note: issues.map((i) => i.message).join('; ') || 'no best trial' };
  return { trialIds: ok.map((o) => o.trial), returns: ok.map((o) => o.returns), bestTrial: best.trial, splits };
}
