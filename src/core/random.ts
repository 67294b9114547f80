/**
 * xoshiro128** (Blackman and Vigna), seeded through splitmix32: a small,
 * fast, seedable generator so that generated data is reproducible on every
 * platform (Math.random cannot be seeded).
 */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = NaN;

  constructor(seed: number) {
    // Fold any safe integer (or fraction) into 32 bits, then spread it with splitmix32.
    const hi = Math.floor(seed / 0x1_0000_0000);
    let s = (seed >>> 0) ^ Math.imul(hi >>> 0, 0x9e3779b9) ^ Math.round((seed % 1) * 0x7fffffff);
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in (0, 1): never 0, so its logarithm is finite. */
  nextFloat(): number {
    return (this.nextUint32() + 0.5) / 0x1_0000_0000;
  }

  /** Standard normal (Box-Muller, keeping the second value for the next call). */
  nextNormal(): number {
    const spare = this.spareNormal;
    if (spare === spare) {
      this.spareNormal = NaN;
      return spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.nextFloat()));
    const angle = 2 * Math.PI * this.nextFloat();
    this.spareNormal = r * Math.sin(angle);
    return r * Math.cos(angle);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
