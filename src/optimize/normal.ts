/**
 * The standard normal distribution to double precision: its density, its
 * cumulative distribution function `norm` (Φ) and the inverse `invNorm`
 * (Φ⁻¹). No hot path calls these (a report calls them a few times), so
 * they favour accuracy over speed.
 *
 * Method:
 * - Φ(x) for |x| < 1 from the series Φ(x) = 1/2 + φ(x) (x + x³/3 + x⁵/15 + …)
 *   (Marsaglia, "Evaluating the Normal Distribution", Journal of Statistical
 *   Software 11(4), 2004), whose terms all have the sign of x;
 * - the tail Q(x) = 1 - Φ(x) for x ≥ 1 from Laplace's continued fraction of
 *   Mills' ratio, Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))), evaluated by
 *   the modified Lentz method; Φ(-x) = Q(x) keeps full relative precision
 *   deep in the lower tail (Φ(-37) ≈ 5.7e-300);
 * - Φ⁻¹(p) from Acklam's rational approximation (relative error < 1.2e-9),
 *   then Halley steps on Φ(x) - p, which bring it to double precision.
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const TINY = 1e-300;
const EPSILON = Number.EPSILON;

/**
 * exp(-x²/2) without the error of rounding x² (which, for |x| near 37,
 * would cost about 1e-13 relative): x is split into a part whose square is
 * exact and a small remainder.
 */
function expHalfSquare(x: number): number {
  const ax = Math.abs(x);
  const high = Math.round(ax * 16) / 16;
  const low = (ax - high) * (ax + high);
  return Math.exp(-0.5 * high * high) * Math.exp(-0.5 * low);
}

/** The standard normal density φ(x) = exp(-x²/2) / √(2π). */
export function normDensity(x: number): number {
  return expHalfSquare(x) / SQRT_2PI;
}

/** Q(x) = 1 - Φ(x) for x ≥ 1, by the continued fraction of Mills' ratio. */
function upperTail(x: number): number {
  // f = x + 1/(x + 2/(x + 3/(x + …))) by modified Lentz.
  let f = x;
  let c = f;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    d = x + n * d;
    if (d === 0) d = TINY;
    c = x + n / c;
    if (c === 0) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return normDensity(x) / f;
}

/** Φ(x) - 1/2 for |x| < 1 by Marsaglia's series. */
function centralPart(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 3; Math.abs(term) > EPSILON * Math.abs(sum); k += 2) {
    term *= x2 / k;
    sum += term;
  }
  return normDensity(x) * sum;
}

/** The standard normal cumulative distribution function Φ(x) = P(Z ≤ x). */
export function norm(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) < 1) return 0.5 + centralPart(x);
  if (x < 0) return x === -Infinity ? 0 : upperTail(-x);
  return x === Infinity ? 1 : 1 - upperTail(x);
}

// Acklam's coefficients (P. J. Acklam, "An algorithm for computing the
// inverse normal cumulative distribution function", 2003).
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const P_LOW = 0.02425;

/** Acklam's first guess of Φ⁻¹(p) for 0 < p ≤ 1/2. */
function acklamLower(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  );
}

/** Φ⁻¹(p) for 0 < p ≤ 1/2: Acklam's guess polished by Halley's method. */
function invLower(p: number): number {
  let x = acklamLower(p);
  for (let step = 0; step < 3; step++) {
    const density = normDensity(x);
    // Deep in the tail (p below ~1e-300) the density underflows; the first
    // guess is then left as it is (relative error < 1.2e-9).
    if (!(density > 0)) break;
    // Near the centre Φ(x) - p is formed as (Φ(x) - 1/2) - (p - 1/2), both
    // exact or nearly so, instead of a difference of two numbers near 1/2.
    const residual = Math.abs(x) < 1 ? centralPart(x) - (p - 0.5) : norm(x) - p;
    const u = residual / density;
    const next = x - u / (1 + 0.5 * x * u);
    const moved = Math.abs(next - x);
    x = next;
    if (moved <= 4 * EPSILON * Math.abs(x)) break;
  }
  return x;
}

/**
 * The inverse of the standard normal CDF: the x with Φ(x) = p. invNorm(0) is
 * -Infinity, invNorm(1) is Infinity, and p outside [0, 1] (or NaN) gives NaN.
 */
export function invNorm(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // 1 - p is exact for p ≥ 1/2 (Sterbenz), so the upper half loses nothing.
  return p < 0.5 ? invLower(p) : -invLower(1 - p);
}
