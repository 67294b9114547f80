import { realpathSync } from 'node:fs';
import { InputError } from '../core/errors.js';

/** Parses a numeric flag, naming the flag and the text when it is not a number. */
export function numberFlag(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) {
    throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'not a number' });
  }
  return v;
}

export function integerFlag(flag: string, text: string): number {
  const v = numberFlag(flag, text);
  if (!Number.isSafeInteger(v)) throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'not an integer' });
  return v;
}

/** `--adjust none|splits|all`. */
export function adjustFlag(text: string, flag = '--adjust'): 'none' | 'splits' | 'all' {
  if (text === 'none' || text === 'splits' || text === 'all') return text;
  throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'expected none, splits or all' });
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `NAME=VALUE` pairs into a record; the value text is kept for the schema to type. */
export function parsePairs(flag: string, pairs: readonly string[], convert: (text: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new InputError({ code: 'invalid_option', field: flag, value: p, message: 'expected NAME=VALUE' });
    out[p.slice(0, eq).trim()] = convert(p.slice(eq + 1).trim());
  }
  return out;
}

/** Refuses an output path that is the input file itself (it would be replaced by what is read from it). */
export function refuseSameFile(input: string, out: string, outFlag = '--out'): void {
  let a: string;
  let b: string;
  try {
    a = realpathSync(input);
    b = realpathSync(out);
  } catch {
    return; // one of them does not exist: not the same file
  }
  if (a === b) throw new InputError({ code: 'invalid_option', field: outFlag, value: out, message: `is the input file ${input}: write to another file` });
}
