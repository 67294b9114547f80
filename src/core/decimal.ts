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

/**
 * total x part / whole (a fill's fee shared by quantity), exactly rounded
 * when the exact result is a decimal of at most 15 places (half of 0.1697916
 * is 0.0848958, not 0.08489580000000001); else the float quotient.
 */
export function shareExact(total: number, part: number, whole: number): number {
  if (part === whole) return total;
  const share = (total * part) / whole;
  const product = mulExact(total, part);
  if (!Number.isFinite(share) || decimalPlaces(product) < 0 || decimalPlaces(whole) < 0) return share;
  for (let d = 0; d <= MAX_PLACES; d++) {
    const p = POW10[d] as number;
    const candidate = Math.round(share * p) / p;
    // The decimal that times `whole` gives the product exactly is the share.
    if (decimalPlaces(candidate) + decimalPlaces(whole) <= MAX_PLACES && mulExact(candidate, whole) === product) return candidate === 0 ? 0 : candidate;
  }
  return share;
}

/** a + b, exactly rounded. */
export function addExact(a: number, b: number): number {
  // See addExactPlaces: a sum with zero needs no measuring.
  if (a === 0) return b === 0 ? 0 : b;
  if (b === 0) return a;
  return addExactPlaces(a, decimalPlaces(a), b);
}

/**
 * a + b, exactly rounded, where `da` is decimalPlaces(a) already known: a
 * value that changes rarely (the cash) added to one that changes often (the
 * position value) need not be measured again each time.
 */
export function addExactPlaces(a: number, da: number, b: number): number {
  // A sum with zero is the other term (0 for -0): what the integer sum below gives, without measuring it. Running
  // totals start at zero (an order's filled quantity and fee, a trade's entry and exit), so these are frequent.
  if (a === 0) return b === 0 ? 0 : b;
  if (b === 0) return a;
  const db = decimalPlaces(b);
  if (da < 0 || db < 0) return a + b;
  const d = da > db ? da : db;
  const p = POW10[d] as number;
  const sum = Math.round(a * p) + Math.round(b * p);
  if (!Number.isSafeInteger(sum)) return a + b;
  return sum === 0 ? 0 : sum / p;
}

/**
 * Places hints. A series of values (a position's marks, its value) keeps its
 * precision, so the places of the last value are a good guess for the next
 * one, checked with one step of decimalPlaces's loop instead of up to 15.
 * Working at more places than a value needs gives the same result: the
 * integers are the same times a power of ten, and the one rounding division
 * of the same rational number gives the same double, as long as every
 * integer stays below 2^50 (then x * 10^d is within a quarter of the
 * integer and rounds to it). Anything else goes to the measured path.
 */

/** Whether `x` has at most `places` decimal places (0..15): decimalPlaces(x) <= places. False for NaN and infinities. */
export function hasPlacesAtMost(x: number, places: number): boolean {
  const p = POW10[places] as number;
  // x - x is NaN for infinities (and NaN), which decimalPlaces measures as -1.
  return Math.round(x * p) / p === x && x - x === 0;
}

/** A places hint that holds for `x`: `hint` when it does, else x's own places (-1 when it has none). */
export function placesHint(x: number, hint: number): number {
  return hint >= 0 && hasPlacesAtMost(x, hint) ? hint : decimalPlaces(x);
}

/** Integers below this stay exact through x * 10^d and rounding (see placesHint). */
const HINT_LIMIT = 2 ** 50;

/**
 * The integer a x 10^da times b x 10^db, where `da` and `db` are places a
 * and b have at most (hints that held): the exact product in units of
 * 10^-(da + db), whose quotient by that power is mulExact(a, b). NaN when
 * the shortcut does not apply (more than 15 places in all, or an integer
 * of 2^50 or more): the caller then takes mulExact.
 */
export function productUnits(a: number, da: number, b: number, db: number): number {
  if (da < 0 || db < 0 || da + db > MAX_PLACES) return NaN;
  const prod = Math.round(a * (POW10[da] as number)) * Math.round(b * (POW10[db] as number));
  return Math.abs(prod) < HINT_LIMIT ? prod : NaN;
}

/** 10^d, d from 0 to 22. */
export function pow10(d: number): number {
  return POW10[d] as number;
}

/**
 * addExactPlaces(a, da, b) where `db` is a number of places b has at most
 * (a hint that held; -1 if unknown) and `da` is a's own: the same double.
 */
export function addExactHinted(a: number, da: number, b: number, db: number): number {
  if (da < 0 || db < 0) return addExactPlaces(a, da, b);
  const p = POW10[da > db ? da : db] as number;
  const ia = Math.round(a * p);
  const ib = Math.round(b * p);
  if (!(Math.abs(ia) < HINT_LIMIT && Math.abs(ib) < HINT_LIMIT)) return addExactPlaces(a, da, b);
  const sum = ia + ib;
  return sum === 0 ? 0 : sum / p;
}

/** a - b, exactly rounded. */
export function subExact(a: number, b: number): number {
  return addExact(a, -b);
}
