import { InputError } from '../../core/errors.js';
import { MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND } from '../../core/time.js';

/** What closes a bar. */
export type BarSpec =
  | { readonly kind: 'time'; readonly micros: number; readonly text: string }
  | { readonly kind: 'ticks'; readonly count: number; readonly text: string }
  | { readonly kind: 'volume'; readonly size: number; readonly text: string }
  | { readonly kind: 'value'; readonly size: number; readonly text: string };

const UNITS: Record<string, number> = {
  s: MICROS_PER_SECOND,
  sec: MICROS_PER_SECOND,
  m: MICROS_PER_MINUTE,
  min: MICROS_PER_MINUTE,
  h: MICROS_PER_HOUR,
  d: MICROS_PER_DAY,
};

/**
 * Parses a bar specification: time bars '30s', '1m', '5min', '1h', '4h', '1d';
 * 'ticks:100' (every 100 rows), 'volume:1000' (when the volume reaches 1000),
 * 'value:1e6' (when price x volume reaches 10^6). Throws an InputError naming
 * `field` otherwise.
 */
export function parseBarSpec(text: string, field = '--to'): BarSpec {
  const t = text.trim();
  const bad = (message: string): never => {
    throw new InputError({ code: 'invalid_option', field, value: text, message });
  };
  const colon = t.indexOf(':');
  if (colon > 0) {
    const kind = t.slice(0, colon).toLowerCase();
    const n = Number(t.slice(colon + 1));
    if (!(n > 0) || !Number.isFinite(n)) bad('expected a positive number after the colon');
    if (kind === 'ticks' || kind === 'tick') {
      if (!Number.isInteger(n)) bad('ticks:N takes a whole number of rows');
      return { kind: 'ticks', count: n, text: t };
    }
    if (kind === 'volume') return { kind: 'volume', size: n, text: t };
    if (kind === 'value' || kind === 'dollar') return { kind: 'value', size: n, text: t };
    bad("expected ticks:N, volume:N or value:N");
  }
  const m = /^(\d+)\s*(s|sec|m|min|h|d)$/i.exec(t);
  if (m === null) return bad("expected a bar size such as 1m, 5m, 1h, 1d, ticks:100, volume:1000 or value:1e6");
  const n = Number(m[1]);
  const unit = UNITS[(m[2] as string).toLowerCase()] as number;
  if (n < 1) bad('the size must be at least 1');
  const micros = n * unit;
  if (micros > MICROS_PER_DAY ? micros % MICROS_PER_DAY !== 0 : MICROS_PER_DAY % micros !== 0) {
    bad('time bars must divide a day (1m, 5m, 15m, 1h, 4h, ...) or be whole days');
  }
  return { kind: 'time', micros, text: t };
}
