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
  /** `--constraint` expressions over the strategy's parameters (swept, fixed or default): a combination is tried only when all hold. */
  readonly constraints: readonly string[];
  readonly method: SearchMethod;
  readonly seed: number;
  /** Trials to run (random, tpe); the grid runs all its combinations (at most this many when given). */
  readonly trials?: number;
  /**
   * The parameters kept at one value (`--param`, the config's params): each
   * must be one the strategy has, of a value its schema takes, and the
   * constraints read them (the ranged ones over them).
   */
  readonly fixed?: Readonly<Record<string, unknown>>;
  /** `--param` as typed, by name: errors of a fixed parameter name the flag (else the config's `params.NAME`). */
  readonly fixedFlags?: Readonly<Record<string, string>>;
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

/** A field of a strategy's parameter schema, as far as a sweep reads it. */
interface ParamField {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: readonly { message: string }[] } };
}

/** The fields of a strategy's parameter schema, by name (undefined when it has no object schema). */
function schemaShape(cls: StrategyClass<object>): Readonly<Record<string, ParamField>> | undefined {
  // As parseStrategyParams reads it (a refined object schema keeps its shape).
  return (cls.params as unknown as { shape?: Record<string, ParamField> } | undefined)?.shape;
}

/** The parameter names a strategy's schema declares (empty when it has no object schema). */
export function strategyParamNames(cls: StrategyClass<object>): string[] {
  const shape = schemaShape(cls);
  return shape !== undefined ? Object.keys(shape) : [];
}

/**
 * The values of the parameters a sweep does not vary, as the strategy gets
 * them: a fixed one as its schema field reads it, the others their
 * defaults (a parameter without one is left out). A fixed parameter the
 * strategy does not have, or of a value its field refuses on its own, is an
 * InputError before any trial: every trial would be skipped for it. What
 * only a combination refuses (a `.refine` across parameters) is left to the
 * trials.
 */
function unvaried(cls: StrategyClass<object>, varied: readonly string[], settings: SearchSettings): Record<string, unknown> {
  const fixed = settings.fixed ?? {};
  const shape = schemaShape(cls);
  const names = Object.keys(shape ?? {});
  const out: Record<string, unknown> = {};
  const problem = (name: string, message: string): InputError => {
    const typed = settings.fixedFlags?.[name];
    return typed !== undefined
      ? new InputError({ code: 'invalid_param', field: '--param', value: typed, message })
      : new InputError({ code: 'invalid_param', field: `params.${name}`, value: JSON.stringify(fixed[name]) ?? String(fixed[name]), message });
  };
  // A schema that is not an object: only a trial can tell (without a schema, every name is unknown).
  if (shape === undefined && cls.params !== undefined) return out;
  for (const name of Object.keys(fixed)) {
    if (!names.includes(name)) throw problem(name, `${cls.name} has no parameter '${name}'${names.length > 0 ? ` (it has: ${names.join(', ')})` : ''}`);
  }
  if (shape === undefined) return out;
  for (const name of names) {
    if (varied.includes(name)) continue;
    const field = shape[name] as ParamField;
    const given = Object.prototype.hasOwnProperty.call(fixed, name);
    const parsed = field.safeParse(given ? fixed[name] : undefined);
    if (parsed.success) {
      if (parsed.data !== undefined) out[name] = parsed.data;
    } else if (given) throw problem(name, `param ${name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return out;
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
  const names = strategyParamNames(cls);
  const space = parseSpace(specs, { knownNames: names });
  const base = unvaried(cls, space.names, settings);
  // A constraint reads every parameter: the ranged ones over the fixed ones and the defaults.
  const constraints = settings.constraints.map((text) => parseConstraint(text, { knownNames: names }));
  const accept = constraints.length === 0 ? undefined : (p: ParameterSet): boolean => constraints.every((c) => c.test({ ...base, ...p }));
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
