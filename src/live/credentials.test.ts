import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { loadCredentials } from './credentials.js';

const KEY = 'k3yAAAAbbbbCCCC1234';
const SECRET = 's3cretZZZZyyyyXXXX9876';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-credentials-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string, mode: number): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

/** The InputError `f` throws, as its one-line messages. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).message;
  }
  throw new Error('expected an InputError');
}

describe('loadCredentials', () => {
  it('reads a JSON file readable by its owner only (0600, 0400)', () => {
    for (const mode of [0o600, 0o400]) {
      const c = loadCredentials(file(`c${mode}.json`, JSON.stringify({ apiKey: KEY, secret: SECRET }), mode));
      expect(c).toMatchObject({ apiKey: KEY, secret: SECRET });
      expect(c.password).toBeUndefined();
    }
  });

  it('reads KEY=VALUE lines, comments, quotes and a password', () => {
    const c = loadCredentials(file('c.env', `# binance\nAPI_KEY=${KEY}\nsecret="${SECRET}"\n\nexport PASSWORD=pw1\n`, 0o600));
    expect({ ...c }).toEqual({ apiKey: KEY, secret: SECRET, password: 'pw1' });
  });

  it('refuses a file with group or other permission bits, naming the file and its mode, never its content', () => {
    for (const mode of [0o640, 0o644, 0o604, 0o660]) {
      const path = file(`open${mode}.json`, JSON.stringify({ apiKey: KEY, secret: SECRET }), mode);
      const m = refusal(() => loadCredentials(path));
      expect(m).toContain(path);
      expect(m).toContain(`mode 0${mode.toString(8)}`);
      expect(m).toContain('owner only');
      expect(m).not.toContain(KEY);
      expect(m).not.toContain(SECRET);
    }
  });

  it('names a missing field, an unknown field and a bad line, without any value', () => {
    expect(refusal(() => loadCredentials(file('a.json', JSON.stringify({ apiKey: KEY }), 0o600))))
      .toMatch(/a\.json: field 'secret': missing$/);
    const unknown = refusal(() => loadCredentials(file('b.json', JSON.stringify({ apiKey: KEY, secret: SECRET, [SECRET]: KEY }), 0o600)));
    expect(unknown).toContain('unknown field');
    expect(refusal(() => loadCredentials(file('c.env', `API_KEY=${KEY}\n${SECRET}\n`, 0o600)))).toMatch(/c\.env:2: expected KEY=VALUE/);
    const badJson = refusal(() => loadCredentials(file('d.json', `{"apiKey": "${KEY}", "secret": ${SECRET}}`, 0o600)));
    expect(badJson).toContain('not valid JSON');
    for (const m of [badJson]) {
      expect(m).not.toContain(KEY);
      expect(m).not.toContain(SECRET);
    }
    expect(refusal(() => loadCredentials(join(dir, 'none.json')))).toContain('none.json');
  });

  it('reads env:PREFIX variables, and names a missing one', () => {
    const env = { QF_TEST_API_KEY: KEY, QF_TEST_SECRET: SECRET, QF_TEST_PASSWORD: 'pw' };
    expect({ ...loadCredentials('env:QF_TEST', env) }).toEqual({ apiKey: KEY, secret: SECRET, password: 'pw' });
    const m = refusal(() => loadCredentials('env:QF_TEST', { QF_TEST_API_KEY: KEY, QF_TEST_SECRET: '' }));
    expect(m).toContain('QF_TEST_SECRET');
    expect(m).not.toContain(KEY);
    expect(refusal(() => loadCredentials('env:', env))).toContain('env:PREFIX');
  });

  it('names every missing variable in one line', () => {
    expect(refusal(() => loadCredentials('env:QF_NOPE', {}))).toBe(
      "field '--credentials' value 'env:QF_NOPE': environment variables QF_NOPE_API_KEY and QF_NOPE_SECRET are not set (or empty)",
    );
  });

  it('prints redacted: JSON and util.inspect show no key', () => {
    const c = loadCredentials('env:P', { P_API_KEY: KEY, P_SECRET: SECRET });
    for (const text of [JSON.stringify(c), JSON.stringify({ config: { c } }), inspect(c), inspect({ nested: c }), `${String(JSON.stringify([c]))}`]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(SECRET);
      expect(text).toContain('[redacted]');
    }
    expect(c.apiKey).toBe(KEY); // the venue reads them
  });
});
