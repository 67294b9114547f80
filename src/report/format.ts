import { formatIso } from '../core/time.js';

/**
 * A number written in full: the shortest text that reads back to the same
 * double, never in exponent form, never rounded to a few decimals. NaN and
 * infinities are written empty.
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '';
  if (Object.is(x, -0)) return '0';
  const s = String(x);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Expand d.ddde±k into plain decimal digits.
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const intLen = (dot < 0 ? mantissa.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return negative ? `-${out}` : out;
}

export function formatTime(t: number): string {
  return Number.isFinite(t) ? formatIso(t) : '';
}

/** Quotes a CSV field only when it must be. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
