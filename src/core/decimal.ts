/**
 * Decimal-exact arithmetic on doubles. Prices, quantities and rates are
 * decimals as written (2.37037, 100, 0.001); a product or sum of such numbers
 * is again a short decimal, but float arithmetic adds noise
 * (100 x 2.37037 x 0.001 = 0.23703699999999997). These helpers compute in
 * integer units of the operands' decimal places and round once, giving the
 * double nearest to the exact decimal result (0.237037). When an operand is
 * not a short decimal, or the integers would pass 2^53, they fall back to
 * plain float arithmetic.
 */

const MAX_PLACES = 15;
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Decimal places of the shortest decimal that reads as `x` (0..15), or -1 if it needs more. */
export function decimalPlaces(x: number): number {
  if (Number.isInteger(x)) return 0;
  if (!Number.isFinite(x)) return -1;
  for (let d = 1; d <= MAX_PLACES; d++) {
    const p = POW10[d] as number;
    if (Math.round(x * p) / p === x) return d;
  }
  return -1;
}

/** a x b, exactly rounded. */
export function mulExact(a: number, b: number): number {
  // Multiplying by one (a contract multiplier, an exchange rate) changes nothing: the common case, kept cheap.
  if (b === 1) return a === 0 ? 0 : a;
  if (a === 1) return b === 0 ? 0 : b;
  const da = decimalPlaces(a);
  const db = decimalPlaces(b);
  if (da < 0 || db < 0 || da + db > 22) return a * b;
  const prod = Math.round(a * (POW10[da] as number)) * Math.round(b * (POW10[db] as number));
  if (!Number.isSafeInteger(prod)) return a * b;
  // No negative zero in money.
  return prod === 0 ? 0 : prod / (POW10[da + db] as number);
}

/** a + b, exactly rounded. */
export function addExact(a: number, b: number): number {
  return addExactPlaces(a, decimalPlaces(a), b);
}

/**
 * a + b, exactly rounded, where `da` is decimalPlaces(a) already known: a
 * value that changes rarely (the cash) added to one that changes often (the
 * position value) need not be measured again each time.
 */
export function addExactPlaces(a: number, da: number, b: number): number {
  const db = decimalPlaces(b);
  if (da < 0 || db < 0) return a + b;
  const d = da > db ? da : db;
  const p = POW10[d] as number;
  const sum = Math.round(a * p) + Math.round(b * p);
  if (!Number.isSafeInteger(sum)) return a + b;
  return sum === 0 ? 0 : sum / p;
}

/** a - b, exactly rounded. */
export function subExact(a: number, b: number): number {
  return addExact(a, -b);
}
