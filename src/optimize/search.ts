import { InputError } from '../core/errors.js';
import { loadStrategyFile } from '../backtest/strategy-loader.js';
import type { StrategyClass } from '../strategy/strategy.js';
import { parseConstraint } from './constraint.js';
import { TpeSampler } from './tpe.js';
import { parseSpace, type ParameterSet, type ParameterSpace, type SpaceSpec } from './space.js';
import type { TrialSampler } from './sweep.js';

export type SearchMethod = 'grid' | 'random' | 'tpe';

export interface SearchSettings {
  /** The strategy file: its parameter schema names the parameters a sweep may vary. */
  readonly strategy: string;
  /** The `--range` and `--values` flags, in the order given (the grid turns the first slowest). */
  readonly specs: readonly SpaceSpec[];
  /** `--constraint` expressions over the swept parameters: a combination is tried only when all hold. */
  readonly constraints: readonly string[];
  readonly method: SearchMethod;
  readonly seed: number;
  /** Trials to run (random, tpe); the grid runs all its combinations (at most this many when given). */
  readonly trials?: number;
}

export interface Search {
  readonly sampler: TrialSampler;
  /** The swept parameters, in trials.csv's order. */
  readonly paramNames: readonly string[];
  readonly space: ParameterSpace;
}

/** Random and TPE sweeps without --trials run this many. */
export const DEFAULT_TRIALS = 100;

/**
 * TPE proposes this many trials at a time, then waits for all of them: a
 * constant, not the number of workers, so that a sweep asks the same
 * combinations on any machine (more workers than this sit idle).
 */
export const TPE_BATCH = 8;

/** The parameter names a strategy's schema declares (empty when it has no object schema). */
export function strategyParamNames(cls: StrategyClass<object>): string[] {
  // As parseStrategyParams reads it (a refined object schema keeps its shape).
  const shape = (cls.params as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape !== undefined ? Object.keys(shape) : [];
}

/**
 * The sampler a sweep's flags describe; the grid turns the first
 * parameter given slowest. Combinations that break a --constraint are not trials: they are
 * left out (a combination the strategy's own schema refuses is a trial,
 * reported as skipped).
 */
export async function buildSearch(settings: SearchSettings): Promise<Search> {
  const cls = await loadStrategyFile(settings.strategy);
  const specs = settings.specs;
  if (specs.length === 0) {
    throw new InputError({ code: 'invalid_option', field: '--range', message: 'give the parameters to vary: --range NAME=FROM:TO:STEP or --values NAME=a,b,c' });
  }
  const space = parseSpace(specs, { knownNames: strategyParamNames(cls) });
  const constraints = settings.constraints.map((text) => parseConstraint(text, { knownNames: space.names }));
  const accept = constraints.length === 0 ? undefined : (p: ParameterSet): boolean => constraints.every((c) => c.test(p));
  const paramNames = space.names;
  switch (settings.method) {
    case 'grid': {
      const grid = space.grid();
      const total = accept === undefined ? grid.total : countAccepted(space, accept);
      const limit = settings.trials ?? Infinity;
      let given = 0;
      return {
        space,
        paramNames,
        sampler: {
          total: Math.min(total, limit),
          batch: 0,
          next: () => {
            if (given >= limit) return undefined;
            for (let p = grid.next(); p !== undefined; p = grid.next()) {
              if (accept === undefined || accept(p)) {
                given++;
                return p;
              }
            }
            return undefined;
          },
        },
      };
    }
    case 'random': {
      const sampler = space.sample(settings.trials ?? DEFAULT_TRIALS, settings.seed, accept);
      return { space, paramNames, sampler: { total: sampler.total, batch: 0, next: () => sampler.next() } };
    }
    case 'tpe': {
      const tpe = new TpeSampler(space, { seed: settings.seed, ...(accept !== undefined ? { accept } : {}) });
      const limit = Math.min(settings.trials ?? DEFAULT_TRIALS, space.size);
      let given = 0;
      return {
        space,
        paramNames,
        sampler: {
          total: limit,
          batch: TPE_BATCH,
          next: () => (given < limit ? (given++, tpe.ask()) : undefined),
          // The sweep reports scores to maximize (a minimized objective comes negated).
          tell: (params, score) => tpe.tell(params, score),
        },
      };
    }
  }
}

/** Combinations of the grid that pass `accept` (the grid is small enough to walk: gridSize() checked it). */
function countAccepted(space: ParameterSpace, accept: (p: ParameterSet) => boolean): number {
  let n = 0;
  const grid = space.grid();
  for (let p = grid.next(); p !== undefined; p = grid.next()) if (accept(p)) n++;
  return n;
}
