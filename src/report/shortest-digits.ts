/**
 * Shortest round-trip decimal digits of a double, the digits
 * Number.prototype.toString writes, found without building a string.
 *
 * Method (exact double arithmetic, no big integers): x is scaled by an exact
 * power of ten, P = 10^k with 0 <= k <= 22, so that y = x * P lies in
 * [10^15, 10^16). Dekker's two-product gives y exactly as hi + lo. The
 * doubles next to x are half an ulp away, so the decimals that read back as x
 * are, scaled, those in I = [y - dl, y + dh], dh = ulp(x) / 2 * P (an exact
 * double; dl = dh / 2 when x is a power of two), ends included when x's
 * significand is even (IEEE round-half-even reading). Scaled, 0.055 < dl, dh
 * < 1.12, so I holds at most three integers, at most one multiple of 10, and
 * always a multiple of 0.1. The shortest decimal is therefore:
 *   - the multiple of 10 in I, if any (its trailing zeros dropped);
 *   - else the integer in I nearest to y, if any (16 digits);
 *   - else the multiple of 0.1 nearest to y (17 digits, always in I);
 * ties going to the even last digit. That is the rule of V8's shortest mode
 * (Steele & White / Dragon4 digit generation in bignum-dtoa.cc: shortest,
 * then nearest, halfway to even, bounds included for even significands; its
 * Grisu3 fast path gives the same digits or defers to it). Where I's ends or
 * y fall is first estimated in floats (off by less than 1e-15); an estimate
 * within 1e-9 of an integer or a midpoint is decided instead by the exact
 * sign of a sum of at most three doubles (Shewchuk's expansion arithmetic).
 *
 * Values whose scale needs 10^k beyond 10^22 or below 10^0 (x <= 1e-7 or
 * x >= 1e16: rare in reports) are not handled: `of` returns false and the
 * caller uses String().
 */

/** 2^27 + 1: Veltkamp's splitter for 53-bit doubles. */
const SPLITTER = 134217729;

/** 10^0 .. 10^22 (every one exact) and their Veltkamp halves. */
const POW10 = new Float64Array(23);
const POW10_HI = new Float64Array(23);
const POW10_LO = new Float64Array(23);
for (let k = 0; k < 23; k++) {
  const p = 10 ** k;
  const c = SPLITTER * p;
  const h = c - (c - p);
  POW10[k] = p;
  POW10_HI[k] = h;
  POW10_LO[k] = p - h;
}

/**
 * By biased binary exponent b: 15 - floor(log10(2^(b - 1023))), at most 22.
 * For x in [2^(b-1023), 2^(b-1022)), x * 10^k with this k is in [10^15,
 * 10^17) (below 10^15 when capped at 22).
 */
const SCALE_ESTIMATE = new Int16Array(2048);
for (let b = 0; b < 2048; b++) SCALE_ESTIMATE[b] = Math.min(22, 15 - Math.floor((b - 1023) * 0.30102999566398120));

/** 2^(b - 1076): half the ulp of a normal double whose biased exponent is b. */
const HALF_ULP = new Float64Array(2047);
for (let b = 1076, v = 1; b < 2047; b++, v *= 2) HALF_ULP[b] = v;
for (let b = 1075, v = 0.5; b > 0; b--, v *= 0.5) HALF_ULP[b] = v;

const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = LITTLE_ENDIAN ? 0 : 1;

const ZERO = 0x30;
const DOT = 0x2e;

/** "00".."99" as byte pairs. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = ZERO + Math.floor(i / 10);
  PAIRS[2 * i + 1] = ZERO + (i % 10);
}

/**
 * A number with the sign of a + b + c, exactly (no overflow or underflow
 * assumed): the sum as a nonoverlapping expansion (two-sum, then Shewchuk's
 * grow-expansion), whose largest nonzero component carries the sign.
 */
function sign3(a: number, b: number, c: number): number {
  const s = a + b;
  let v = s - a;
  const e = a - (s - v) + (b - v);
  const q = c + e;
  v = q - c;
  const h0 = c - (q - v) + (e - v);
  const r = q + s;
  v = r - q;
  const h1 = q - (r - v) + (s - v);
  return r !== 0 ? r : h1 !== 0 ? h1 : h0;
}

/**
 * Finds the shortest digits of positive doubles into a reusable buffer:
 * after `of(x)` returns true, x is `digits[0..count)` (no leading or trailing
 * zeros) times 10^exponent.
 */
export class ShortestDigits {
  readonly digits = new Uint8Array(24);
  count = 0;
  exponent = 0;
  /**
   * How near (in units of the last digit) a float estimate may come to a
   * bound or a midpoint before exact arithmetic decides instead; estimates
   * are off by less than 1e-15. Tests pass Infinity to decide everything
   * exactly.
   */
  private readonly margin: number;

  constructor(margin = 1e-9) {
    this.margin = margin;
  }

  /** The decimal found by `find`: (high * 10^lowDigits + low) * 10^scale, not trimmed. */
  private high = 0;
  private low = 0;
  private lowDigits = 0;
  private scale = 0;

  /** For a finite x > 0: true with the digits set, false when x is out of the range this method is exact for (nothing set). */
  of(x: number): boolean {
    if (!this.find(x)) return false;
    const out = this.digits;
    let n = writeDigits(out, 0, this.high, this.low, this.lowDigits);
    let exponent = this.scale;
    while (out[n - 1] === ZERO) {
      n--;
      exponent++;
    }
    this.count = n;
    this.exponent = exponent;
    return true;
  }

  /**
   * Writes a finite x > 0 at `at` as plain decimal text (the point placed,
   * never an exponent: what `formatNumber` writes); returns the position
   * after it, or -1 when x is out of range (nothing written). Needs 25
   * bytes of room.
   */
  writePlain(buf: Uint8Array, at: number, x: number): number {
    if (!this.find(x)) return -1;
    const h = this.high;
    const lowDigits = this.lowDigits;
    const total = (h < 1e7 ? 7 : h < 1e8 ? 8 : 9) + lowDigits;
    const point = total + this.scale; // digits before the point; scale <= 0
    let p = at;
    if (point <= 0) {
      buf[p++] = ZERO;
      buf[p++] = DOT;
      for (let i = point; i < 0; i++) buf[p++] = ZERO;
      p = writeDigits(buf, p, h, this.low, lowDigits);
      while (buf[p - 1] === ZERO) p--;
      return p;
    }
    const end = writeDigits(buf, p, h, this.low, lowDigits);
    const pointAt = p + point;
    let last = end;
    while (last > pointAt && buf[last - 1] === ZERO) last--;
    if (last === pointAt) return last;
    // The fraction's digits one place on, for the point.
    for (let i = last; i > pointAt; i--) buf[i] = buf[i - 1] as number;
    buf[pointAt] = DOT;
    return last + 1;
  }

  private find(x: number): boolean {
    if (!(x > 1e-7 && x < 1e16)) return false;
    BITS[0] = x;
    const high = WORDS[HIGH] as number;
    const low = WORDS[LOW] as number;
    const biased = high >>> 20;

    // k with y = x * 10^k in [10^15, 10^16): the estimate from the binary
    // exponent is right or one too large.
    let k = SCALE_ESTIMATE[biased] as number;
    // y = x * 10^k exactly as hi + lo (Dekker's two-product, x split by Veltkamp's method).
    const c = SPLITTER * x;
    const xh = c - (c - x);
    const xl = x - xh;
    let p = POW10[k] as number;
    let hi = x * p;
    let lo = xh * (POW10_HI[k] as number) - hi + xh * (POW10_LO[k] as number) + xl * (POW10_HI[k] as number) + xl * (POW10_LO[k] as number);
    if (hi > 1e16 || (hi === 1e16 && lo >= 0)) {
      if (--k < 0) return false;
      p = POW10[k] as number;
      hi = x * p;
      lo = xh * (POW10_HI[k] as number) - hi + xh * (POW10_LO[k] as number) + xl * (POW10_HI[k] as number) + xl * (POW10_LO[k] as number);
    }
    if (hi < 1e15 || (hi === 1e15 && lo < 0)) return false;

    // Half the gaps to the neighbouring doubles, scaled: 2^(q-1) * 10^k, exact.
    const dh = (HALF_ULP[biased] as number) * p;
    const dl = low === 0 && (high & 0xfffff) === 0 ? dh * 0.5 : dh;
    const even = (low & 1) === 0;

    // y = n0 + t + lo; integers near y are n0 + j. (t and j - t are exact: t is a multiple of ulp(hi) >= 1/8 below 1.)
    const n0 = Math.floor(hi);
    const t = hi - n0;

    // The integers in I: n0 + jl .. n0 + jh. The float estimates of the
    // ends are off by less than 1e-15; unless one is within `margin` of an
    // integer, the estimate decides, else exact arithmetic does.
    const z = t + lo;
    const zl = z - dl;
    const zh = z + dh;
    let jl = Math.ceil(zl);
    let jh = Math.floor(zh);
    const margin = this.margin;
    if (jl - zl < margin || zl - jl + 1 < margin) {
      while (!aboveLow(jl - t, lo, dl, even)) jl++;
      while (aboveLow(jl - 1 - t, lo, dl, even)) jl--;
    }
    if (zh - jh < margin || jh + 1 - zh < margin) {
      while (!belowHigh(jh - t, lo, dh, even)) jh--;
      while (belowHigh(jh + 1 - t, lo, dh, even)) jh++;
    }

    // n0 split at 10^8, exactly: n0 = h * 10^8 + l (h * 10^8 is exact: h * 5^8 < 2^53).
    let h = Math.floor(n0 * 1e-8); // may be one off either way: corrected below
    let l = (n0 - h * 1e8) | 0;
    if (l < 0) {
      h--;
      l += 1e8;
    } else if (l >= 1e8) {
      h++;
      l -= 1e8;
    }
    const rem = l % 10;

    let exponent: number;
    let lowBase: number;
    if (jl <= jh) {
      // 16 digits or fewer: the multiple of 10 in I, else the integer nearest y.
      // rem + j is in -2 .. 12 (|j| <= 3): a multiple of 10 when 0 or 10.
      let j = jl;
      for (; j <= jh; j++) if (rem + j === 0 || rem + j === 10) break;
      if (j > jh) {
        let jn = Math.round(z);
        // Exact: the sign of y - (n0 + jn + 1/2) is that of the float sum (t - jn - 1/2 is exact).
        const up = t - jn - 0.5 + lo;
        const down = t - jn + 0.5 + lo;
        if (up > 0 || (up === 0 && ((rem + jn) & 1) !== 0)) jn++;
        else if (down < 0 || (down === 0 && ((rem + jn) & 1) !== 0)) jn--;
        j = jn < jl ? jl : jn > jh ? jh : jn;
      }
      l += j;
      lowBase = 1e8;
      exponent = -k;
    } else {
      // 17 digits: the multiple of 0.1 nearest y, r / 10 past n0.
      const z10 = 10 * z;
      let r = Math.round(z10);
      if (r - z10 > 0.5 - margin || z10 - r > 0.5 - margin) {
        // Near a midpoint: decided exactly, 10 * lo as pl + pe (two-product with 10 = 10 + 0).
        const pl = 10 * lo;
        const c = SPLITTER * lo;
        const lh = c - (c - lo);
        const pe = lh * 10 - pl + (lo - lh) * 10;
        const t10 = 10 * t;
        const up = sign3(t10 - r - 0.5, pl, pe);
        if (up > 0 || (up === 0 && (r & 1) !== 0)) r++;
        else {
          const down = sign3(t10 - r + 0.5, pl, pe);
          if (down < 0 || (down === 0 && (r & 1) !== 0)) r--;
        }
      }
      l = l * 10 + r;
      lowBase = 1e9;
      exponent = -k - 1;
    }
    // The offset's carry into h.
    if (l < 0) {
      h--;
      l += lowBase;
    } else if (l >= lowBase) {
      h++;
      l -= lowBase;
    }
    this.high = h;
    this.low = l;
    this.lowDigits = lowBase === 1e8 ? 8 : 9;
    this.scale = exponent;
    return true;
  }
}

/** Whether n0 + j >= y - dl (or >, for an odd significand), a = j - t. */
function aboveLow(a: number, lo: number, dl: number, even: boolean): boolean {
  const s = sign3(a, -lo, dl);
  return even ? s >= 0 : s > 0;
}

/** Whether n0 + j <= y + dh (or <, for an odd significand), a = j - t. */
function belowHigh(a: number, lo: number, dh: number, even: boolean): boolean {
  const s = sign3(a, -lo, -dh);
  return even ? s <= 0 : s < 0;
}

/**
 * Writes high (10^6 <= high <= 10^8) then low as exactly `lowDigits` (8 or
 * 9) digits at p; returns the position after them.
 */
function writeDigits(out: Uint8Array, p: number, high: number, low: number, lowDigits: number): number {
  const len = high < 1e7 ? 7 : high < 1e8 ? 8 : 9;
  let v = high;
  let i = p + len - 2;
  for (; i >= p; i -= 2) {
    const q = (v / 100) | 0;
    const r = v - q * 100;
    out[i] = PAIRS[2 * r] as number;
    out[i + 1] = PAIRS[2 * r + 1] as number;
    v = q;
  }
  if (i === p - 1) out[p] = ZERO + v;
  p += len;
  v = low | 0;
  if (lowDigits === 9) {
    const q = (v / 10) | 0;
    out[p + 8] = ZERO + (v - q * 10);
    v = q;
  }
  for (i = p + 6; i >= p; i -= 2) {
    const q = (v / 100) | 0;
    const r = v - q * 100;
    out[i] = PAIRS[2 * r] as number;
    out[i + 1] = PAIRS[2 * r + 1] as number;
    v = q;
  }
  return p + lowDigits;
}
