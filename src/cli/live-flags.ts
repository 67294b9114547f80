import { InputError } from '../core/errors.js';
import { MICROS_PER_SECOND, type Micros } from '../core/time.js';
import type { DataChannel } from '../live/source.js';

/** Flags shared by the live commands (paper, record). */

const CHANNELS: readonly DataChannel[] = ['trades', 'quotes', 'book', 'bars'];

/** `1h`, `30m`, `90s`, `500ms`, `2d`, or plain seconds: µs. */
export function parseDuration(flag: string, text: string): Micros {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const unit = { ms: 1000, s: MICROS_PER_SECOND, m: 60 * MICROS_PER_SECOND, h: 3600 * MICROS_PER_SECOND, d: 86400 * MICROS_PER_SECOND };
  if (m === null || !(Number(m[1]) > 0)) {
    throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'expected a positive duration such as 90s, 30m, 1h, 2d (plain numbers are seconds)' });
  }
  return Math.round(Number(m[1]) * unit[(m[2] ?? 's') as keyof typeof unit]);
}

export function channelsOf(text: string): DataChannel[] {
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = list.find((c) => !(CHANNELS as readonly string[]).includes(c));
  if (bad !== undefined || list.length === 0) {
    throw new InputError({ code: 'invalid_option', field: '--data', value: bad ?? text, message: `expected a comma-separated list of ${CHANNELS.join(', ')}` });
  }
  return [...new Set(list)] as DataChannel[];
}
