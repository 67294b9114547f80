import { InputError } from '../../core/errors.js';
import { decimalPlaces } from '../../core/decimal.js';

/**
 * An exact decimal: `units / 10^scale` with integer units. Sums, differences
 * and products of these have no rounding, so parts computed from them add up
 * to their total to the last digit.
 */
export interface Exact {
  readonly units: bigint;
  readonly scale: number;
}

export const ZERO: Exact = { units: 0n, scale: 0 };

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The decimal a text such as `46430.5`, `-0.001` or `1e-7` writes; undefined for anything else. */
export function parseExact(text: string): Exact | undefined {
  const m = DECIMAL.exec(text.trim());
  if (m === null) return undefined;
  const fraction = m[3] ?? '';
  const exponent = Number(m[4] ?? '0');
  let units = BigInt(`${m[2]}${fraction}`);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return normalize({ units: m[1] === '-' ? -units : units, scale });
}

/** The shortest decimal that reads back as `x` (what the run's CSV files write for it). */
export function exactOf(x: number): Exact {
  if (!Number.isFinite(x)) throw new InputError({ code: 'invalid_option', value: String(x), message: 'expected a finite number' });
  const places = decimalPlaces(x);
  // Up to 15 places the shortest text; beyond, the double's own shortest round-trip text.
  return parseExact(places >= 0 ? x.toFixed(places) : String(x)) as Exact;
}

/** units / 10^scale, with trailing zeros dropped. */
export function exact(units: bigint, scale: number): Exact {
  return normalize({ units, scale });
}

function normalize(a: Exact): Exact {
  let { units, scale } = a;
  if (units === 0n) return ZERO;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  return { units, scale };
}

function aligned(a: Exact, b: Exact): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

export function add(a: Exact, b: Exact): Exact {
  const [x, y, scale] = aligned(a, b);
  return normalize({ units: x + y, scale });
}

export function sub(a: Exact, b: Exact): Exact {
  const [x, y, scale] = aligned(a, b);
  return normalize({ units: x - y, scale });
}

export function mul(a: Exact, b: Exact): Exact {
  return normalize({ units: a.units * b.units, scale: a.scale + b.scale });
}

export function neg(a: Exact): Exact {
  return a.units === 0n ? ZERO : { units: -a.units, scale: a.scale };
}

export function isZero(a: Exact): boolean {
  return a.units === 0n;
}

export function sum(values: readonly Exact[]): Exact {
  let total = ZERO;
  for (const v of values) total = add(total, v);
  return total;
}

export function compare(a: Exact, b: Exact): number {
  const [x, y] = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Plain decimal text, no exponent: `-0.000123`, `46430`. */
export function exactText(a: Exact): string {
  const negative = a.units < 0n;
  const digits = (negative ? -a.units : a.units).toString();
  if (a.scale === 0) return `${negative ? '-' : ''}${digits}`;
  const padded = digits.padStart(a.scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, padded.length - a.scale)}.${padded.slice(padded.length - a.scale)}`;
}

/** The double nearest to the decimal (for display). */
export function exactNumber(a: Exact): number {
  return Number(exactText(a));
}
