/**
 * Tick and lot grids, in exact decimal arithmetic. A price of 10.15 with a
 * tick of 0.05 is on the grid (203 ticks), although 10.15 / 0.05 in doubles
 * is 202.99999999999997: both numbers are read as the short decimals they
 * were written as, scaled to integers, and compared as integers.
 *
 * Numbers that are not short decimals (at most 15 decimal places), or whose
 * scaled integers would pass 10^15 (15 significant digits, beyond which a
 * double no longer reads back as a single decimal), fall back to doubles: `isOnGrid` then
 * allows a relative error of 1e-9 of a step, and rounding still never moves
 * down above, or up below, the number it was given.
 */
import { decimalPlaces } from '../core/decimal.js';

/** How to round onto a grid: to the nearest step (ties away from zero), down (towards -inf) or up (towards +inf). */
export type GridRounding = 'nearest' | 'down' | 'up';

const POW10: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Scaled integers must stay below 10^15: every decimal of at most 15 significant digits is one double and back. */
const MAX_EXACT = 1e15;

/** Relative tolerance of the float fallback of `isOnGrid`, in steps. */
const FALLBACK_TOLERANCE = 1e-9;

interface Scaled {
  /** x x 10^d */
  readonly x: number;
  /** step x 10^d */
  readonly s: number;
  /** 10^d */
  readonly p: number;
}

/** x and step as integers of a common decimal scale, or undefined when either is not a short decimal or the integers pass 2^53. */
function scale(x: number, step: number): Scaled | undefined {
  const dx = decimalPlaces(x);
  const ds = decimalPlaces(step);
  if (dx < 0 || ds < 0) return undefined;
  const d = dx > ds ? dx : ds;
  const p = POW10[d] as number;
  // Each number is scaled by its own places first (exact), then by whole powers of ten (exact while safe).
  const xi = Math.round(x * (POW10[dx] as number)) * (POW10[d - dx] as number);
  const si = Math.round(step * (POW10[ds] as number)) * (POW10[d - ds] as number);
  // Beyond 15 significant digits a double no longer reads back as one decimal: leave those to the fallback.
  if (!(Math.abs(xi) < MAX_EXACT) || !(si > 0 && si < MAX_EXACT)) return undefined;
  return { x: xi, s: si, p };
}

/** floor(a / b) for safe integers a and b > 0, exactly. */
function floorDiv(a: number, b: number): number {
  let k = Math.floor(a / b);
  // The float quotient can be off by one next to an integer; settle it with exact products.
  if (k * b > a) k--;
  else if ((k + 1) * b <= a) k++;
  return k;
}

function validStep(step: number): boolean {
  return step > 0 && Number.isFinite(step);
}

/**
 * Whether `x` is a whole multiple of `step`. A step of 0 (or less, or not
 * finite) means no grid: every finite number is on it. A non-finite `x` is
 * never on a grid.
 */
export function isOnGrid(x: number, step: number): boolean {
  if (!Number.isFinite(x)) return false;
  if (!validStep(step)) return true;
  const sc = scale(x, step);
  if (sc !== undefined) return sc.x % sc.s === 0;
  const r = x / step;
  return Math.abs(r - Math.round(r)) <= FALLBACK_TOLERANCE * Math.max(1, Math.abs(r));
}

/**
 * `x` moved onto the grid of `step`: the multiple of `step` nearest to it
 * (ties away from zero), the one at or below it, or the one at or above it.
 * The result is the double nearest to the exact decimal multiple (10.17 with
 * tick 0.05 down is 10.15, not 10.149999999999999). No grid (step 0) or a
 * non-finite `x` returns `x` unchanged.
 */
export function roundToGrid(x: number, step: number, mode: GridRounding): number {
  if (!validStep(step) || !Number.isFinite(x)) return x;
  const sc = scale(x, step);
  if (sc === undefined) return roundToGridFloat(x, step, mode);
  const lo = floorDiv(sc.x, sc.s);
  const rem = sc.x - lo * sc.s;
  let k: number;
  if (rem === 0 || mode === 'down') k = lo;
  else if (mode === 'up') k = lo + 1;
  else {
    const twice = 2 * rem;
    // Ties away from zero: for x > 0 the tie goes up, for x < 0 down.
    k = twice > sc.s || (twice === sc.s && sc.x > 0) ? lo + 1 : lo;
  }
  const units = k * sc.s;
  if (!Number.isSafeInteger(units)) return roundToGridFloat(x, step, mode);
  return units === 0 ? 0 : units / sc.p;
}

/** The float fallback: multiples k x step, with k settled so that down is never above x and up never below. */
function roundToGridFloat(x: number, step: number, mode: GridRounding): number {
  // k steps as the double nearest to the exact decimal multiple when the step is a short decimal.
  const ds = decimalPlaces(step);
  const p = ds >= 0 ? (POW10[ds] as number) : NaN;
  const si = Math.round(step * p);
  const at = (k: number): number => {
    const units = k * si;
    const v = Number.isSafeInteger(units) ? units / p : k * step;
    return v === 0 ? 0 : v;
  };
  const r = x / step;
  // Past 2^52 steps the grid is finer than the doubles around x: x is as close to it as a double gets.
  if (!(Math.abs(r) < 2 ** 52)) return x;
  if (mode === 'nearest') return at(r < 0 ? -Math.round(-r) : Math.round(r));
  let k = mode === 'down' ? Math.floor(r) : Math.ceil(r);
  // The float quotient is off by at most a step or two; the bounds keep the loops finite whatever happens.
  if (mode === 'down') {
    for (let i = 0; i < 4 && at(k) > x; i++) k--;
    for (let i = 0; i < 4 && at(k + 1) <= x; i++) k++;
  } else {
    for (let i = 0; i < 4 && at(k) < x; i++) k++;
    for (let i = 0; i < 4 && at(k - 1) >= x; i++) k--;
  }
  return at(k);
}

/** A quantity rounded towards zero onto the lot grid; a lot of 0 leaves it as it is. */
export function roundDownToLot(quantity: number, lotSize: number): number {
  if (quantity < 0) {
    const r = -roundToGrid(-quantity, lotSize, 'down');
    return r === 0 ? 0 : r;
  }
  return roundToGrid(quantity, lotSize, 'down');
}
