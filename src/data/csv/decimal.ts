/**
 * Decimal numbers straight from bytes, without making a string.
 *
 * Fast path (Clinger): when the written number has at most 15 significant
 * digits, its digits form an integer that a double holds exactly, and every
 * power of ten up to 1e22 is exact too. One IEEE division (or multiplication)
 * of two exact values is correctly rounded, so `mantissa / 10^k` is exactly
 * the double nearest to the written decimal, i.e. what `Number(text)` gives.
 * Anything longer falls back to `Number(text)`.
 */

const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i < POW10.length; i++, p *= 10) POW10[i] = p;

const MAX_FAST_DIGITS = 15;
const CH_0 = 48;
const CH_PLUS = 43;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SPACE = 32;
const CH_TAB = 9;
const CH_E = 101;
const CH_UPPER_E = 69;

/**
 * Parses `[+-]digits[.digits][(e|E)[+-]digits]` (surrounding spaces allowed)
 * in `bytes[start, end)`. Returns NaN when the text is not such a number
 * (empty, `nan`, `1,5`, `0x10`, `Infinity`, ...).
 */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  // Fast path for the common shape `-123.456` with at most 15 digits; anything
  // else (spaces, exponents, more digits, junk) goes to the general parser.
  let i = start;
  let negative = false;
  if (i < end && bytes[i] === CH_MINUS) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let dot = -1;
  for (; i < end; i++) {
    const c = bytes[i]!;
    const d = c - CH_0;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
    } else if (c === CH_DOT && dot < 0) {
      dot = i;
    } else break;
  }
  if (i !== end || digits === 0 || digits > MAX_FAST_DIGITS) return parseDecimalGeneral(bytes, start, end);
  const value = dot < 0 ? mantissa : mantissa / POW10[end - dot - 1]!;
  return negative ? -value : value;
}

/** Any accepted shape: surrounding spaces, a '+' sign, an exponent, many digits. */
function parseDecimalGeneral(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && (bytes[i] === CH_SPACE || bytes[i] === CH_TAB)) i++;
  while (end > i && (bytes[end - 1] === CH_SPACE || bytes[end - 1] === CH_TAB)) end--;
  if (i >= end) return NaN;

  let negative = false;
  let c = bytes[i]!;
  if (c === CH_MINUS) {
    negative = true;
    i++;
  } else if (c === CH_PLUS) {
    i++;
  }

  let mantissa = 0;
  let significant = 0; // digits after the leading zeros
  let digits = 0;
  let scale = 0; // digits after the point
  while (i < end) {
    const d = bytes[i]! - CH_0;
    if (d < 0 || d > 9) break;
    if (significant > 0 || d !== 0) {
      mantissa = mantissa * 10 + d;
      significant++;
    }
    digits++;
    i++;
  }
  if (i < end && bytes[i] === CH_DOT) {
    i++;
    while (i < end) {
      const d = bytes[i]! - CH_0;
      if (d < 0 || d > 9) break;
      if (significant > 0 || d !== 0) {
        mantissa = mantissa * 10 + d;
        significant++;
      }
      scale++;
      digits++;
      i++;
    }
  }
  if (digits === 0) return NaN;

  let exponent = 0;
  if (i < end && (bytes[i] === CH_E || bytes[i] === CH_UPPER_E)) {
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === CH_MINUS || bytes[i] === CH_PLUS)) {
      expNegative = bytes[i] === CH_MINUS;
      i++;
    }
    const expStart = i;
    while (i < end) {
      const d = bytes[i]! - CH_0;
      if (d < 0 || d > 9) break;
      if (exponent < 100_000) exponent = exponent * 10 + d;
      i++;
    }
    if (i === expStart) return NaN;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return NaN;

  if (significant > MAX_FAST_DIGITS) return slowParse(bytes, start, end);
  const power = exponent - scale;
  let value: number;
  if (power === 0 || mantissa === 0) value = mantissa;
  else if (power < 0) {
    if (power < -22) return slowParse(bytes, start, end);
    value = mantissa / POW10[-power]!;
  } else {
    if (power > 22) return slowParse(bytes, start, end);
    value = mantissa * POW10[power]!;
  }
  return negative ? -value : value;
}

/** Exact but slower; out-of-range values (1e400) are not prices, so they read as NaN. */
function slowParse(bytes: Uint8Array, start: number, end: number): number {
  const value = Number(latin1(bytes, start, end));
  return Number.isFinite(value) ? value : NaN;
}

/** The bytes as UTF-8 text (what the file holds, `10é` as written): for values shown in messages. */
export function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start)).toString('utf8');
}

/** The bytes as a string (one char per byte): for rare slow paths over ASCII (numbers). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start)).toString('latin1');
}
