/**
 * Checks of the arguments a strategy (or a config) passes to a call: a bad
 * one is an InputError naming the call, the argument and the value, e.g.
 * `field 'ctx.sma(period)' value '0': period must be an integer >= 1`.
 * These are for calls made once or rarely (constructors, factories, order
 * requests), never per bar.
 */
import { InputError, type IssueCode } from './errors.js';

/** A value as a message shows it: numbers as JavaScript prints them, strings quoted, the rest as JSON or its type. */
export function shownValue(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '0' : String(v);
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return `${v}n`;
    case 'undefined':
    case 'boolean':
    case 'symbol':
      return String(v);
    case 'function':
      return 'a function';
    default:
      try {
        return JSON.stringify(v) ?? String(v);
      } catch {
        return Object.prototype.toString.call(v);
      }
  }
}

/** The error for a bad argument `name` of `call`: field `call(name)`, the value shown, the rule it breaks. */
export function argumentError(call: string, name: string, value: unknown, rule: string, code: IssueCode = 'invalid_param'): InputError {
  return new InputError({ code, field: `${call}(${name})`, value: shownValue(value), message: rule });
}

/** `value` when it is an integer from `min` to `max`; else an InputError naming the call. */
export function integerArg(call: string, name: string, value: unknown, min: number, max = Infinity): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
  throw argumentError(call, name, value, `${name} must be an integer ${range}`);
}

export interface NumberRule {
  /** Smallest value allowed (inclusive). */
  readonly min?: number;
  /** Largest value allowed (inclusive). */
  readonly max?: number;
  /** Values must be above this (exclusive). */
  readonly above?: number;
  /** Values must be below this (exclusive). */
  readonly below?: number;
}

/** No bound: shared, so that the common call allocates nothing (it runs for every order). */
const NO_RULE: NumberRule = Object.freeze({});

/** `value` when it is a finite number within the rule; else an InputError naming the call. */
export function numberArg(call: string, name: string, value: unknown, rule: NumberRule = NO_RULE): number {
  if (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.below === undefined || value < rule.below)
  ) {
    return value;
  }
  const parts: string[] = [];
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  throw argumentError(call, name, value, `${name} must be a finite number${parts.length > 0 ? ` ${parts.join(' and ')}` : ''}`);
}

/** `value` when it is a boolean (or undefined: `fallback`); else an InputError. */
export function booleanArg(call: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  throw argumentError(call, name, value, `${name} must be true or false`);
}

/** `value` when it is one of `allowed`; else an InputError listing them. */
export function oneOfArg<T extends string>(call: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw argumentError(call, name, value, `${name} must be one of ${allowed.join(', ')}`);
}
