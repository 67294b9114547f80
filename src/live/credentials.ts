/**
 * An exchange account's keys for `quantflow live --credentials`: from a file
 * readable by its owner only (JSON, or KEY=VALUE lines), or from environment
 * variables (`env:PREFIX`: PREFIX_API_KEY, PREFIX_SECRET, PREFIX_PASSWORD).
 * No message, log line or output ever holds a key: errors name the file, the
 * line, the field or the variable, never a value, and the credentials print
 * as redacted (JSON.stringify, util.inspect).
 */
import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';
import { InputError, type Issue } from '../core/errors.js';
import type { ApiCredentials } from './live-venue.js';

const FLAG = '--credentials';

const CredentialsSchema = z.strictObject({
  apiKey: z.string().min(1),
  secret: z.string().min(1),
  password: z.string().min(1).optional(),
});

/** Field names as files may spell them (apiKey, api_key, API_KEY, apikey), by their canonical name. */
const FIELD_NAMES: Readonly<Record<string, keyof ApiCredentials>> = { apikey: 'apiKey', secret: 'secret', password: 'password' };

/** Where `--credentials` points: `env:PREFIX` or a file. */
export function credentialsSource(spec: string): string {
  return spec.startsWith('env:') ? spec : `file:${spec}`;
}

/** The credentials `--credentials FILE|env:PREFIX` names (`env` defaults to the process's environment). */
export function loadCredentials(spec: string, env: NodeJS.ProcessEnv = process.env): ApiCredentials {
  if (spec.startsWith('env:')) return fromEnvironment(spec.slice('env:'.length), env);
  return fromFile(spec);
}

function fromEnvironment(prefix: string, env: NodeJS.ProcessEnv): ApiCredentials {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) {
    throw new InputError({ code: 'invalid_option', field: FLAG, value: `env:${prefix}`, message: 'env:PREFIX needs a variable name prefix (letters, digits, _), e.g. env:BINANCE' });
  }
  const read = (name: string): string | undefined => {
    const v = env[`${prefix}_${name}`];
    return v === undefined || v === '' ? undefined : v;
  };
  const missing = ['API_KEY', 'SECRET'].filter((n) => read(n) === undefined);
  if (missing.length > 0) {
    const names = missing.map((n) => `${prefix}_${n}`);
    const what = names.length === 1 ? `environment variable ${names[0]} is not set (or empty)` : `environment variables ${names.join(' and ')} are not set (or empty)`;
    throw new InputError({ code: 'invalid_option', field: FLAG, value: `env:${prefix}`, message: what });
  }
  return sealed({ apiKey: read('API_KEY') as string, secret: read('SECRET') as string, password: read('PASSWORD') });
}

function fromFile(file: string): ApiCredentials {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new InputError({ code: 'file_not_found', file, field: FLAG, message: 'credentials file not found or not readable' });
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new InputError({
      code: 'invalid_option',
      file,
      field: FLAG,
      value: `mode ${octal}`,
      message: `a credentials file must be readable by its owner only (no group or other permission): chmod 600 ${file}`,
    });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError({ code: 'file_not_found', file, field: FLAG, message: 'credentials file not readable' });
  }
  const fields = text.trimStart().startsWith('{') ? jsonFields(file, text) : keyValueFields(file, text);
  const parsed = CredentialsSchema.safeParse(fields);
  if (!parsed.success) {
    // Zod's issues name the field and what is wrong with it; their messages never hold the value.
    throw new InputError(
      parsed.error.issues.map((i): Issue => {
        const field = i.code === 'unrecognized_keys' ? i.keys.join(', ') : i.path.join('.');
        const message = i.code === 'unrecognized_keys' ? 'unknown field (expected apiKey, secret, password)' : fields[field] === undefined ? 'missing' : 'must be a non-empty string';
        return { code: 'invalid_config', file, field, message };
      }),
    );
  }
  return sealed(parsed.data);
}

/** A JSON object's fields, names made canonical. */
function jsonFields(file: string, text: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: not repeated here.
    throw new InputError({ code: 'invalid_config', file, message: 'not valid JSON (expected {"apiKey": ..., "secret": ..., "password": ...})' });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InputError({ code: 'invalid_config', file, message: 'expected a JSON object with apiKey and secret' });
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[canonical(k)] = v;
  return out;
}

/** KEY=VALUE lines (blank lines and # comments skipped; values may be quoted), names made canonical. */
function keyValueFields(file: string, text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new InputError({ code: 'invalid_config', file, line: i + 1, message: 'expected KEY=VALUE (apiKey, secret, password)' });
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    out[canonical(line.slice(0, eq).trim().replace(/^export\s+/, ''))] = value;
  });
  return out;
}

function canonical(name: string): string {
  return FIELD_NAMES[name.replace(/[_-]/g, '').toLowerCase()] ?? name;
}

/** Credentials that print redacted: JSON.stringify and util.inspect show no key. */
function sealed(c: { apiKey: string; secret: string; password?: string | undefined }): ApiCredentials {
  const out: ApiCredentials = { apiKey: c.apiKey, secret: c.secret, ...(c.password !== undefined ? { password: c.password } : {}) };
  const redacted = (): Record<string, string> => ({ apiKey: '[redacted]', secret: '[redacted]', ...(c.password !== undefined ? { password: '[redacted]' } : {}) });
  Object.defineProperty(out, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(out, inspect.custom, { value: () => `ApiCredentials ${JSON.stringify(redacted())}`, enumerable: false });
  return Object.freeze(out);
}
