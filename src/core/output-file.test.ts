import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFolder } from './output-file.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-output-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('makeFolder', () => {
  it('creates the missing folders and gives the first it created; a folder there already gives none', () => {
    expect(makeFolder(join(dir, 'a', 'b', 'c'))).toBe(resolve(dir, 'a'));
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(makeFolder(join(dir, 'a', 'b'))).toBeUndefined();
  });

  it('names the path when it, or a folder above it, is a file', () => {
    writeFileSync(join(dir, 'f'), 'x');
    expect(() => makeFolder(join(dir, 'f'), 'out')).toThrow('cannot write out: it is a file, not a folder');
    expect(() => makeFolder(join(dir, 'f', 'g'), 'out')).toThrow('cannot write out: a part of the path is a file, not a folder');
    expect(existsSync(join(dir, 'f', 'g'))).toBe(false);
  });

  // mkdirSync's recursive mode loops for ever there (ENOENT, then EEXIST for /proc): in a child process with a time limit.
  it.runIf(process.platform === 'linux')('refuses a path that cannot be created (/proc/nope/deeper) at once', () => {
    const script = join(dir, 'make.mts');
    writeFileSync(script, `import { makeFolder } from ${JSON.stringify(resolve(import.meta.dirname, 'output-file.ts'))};\ntry { makeFolder('/proc/nope/deeper'); } catch (e) { console.log((e as Error).message); }\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe('cannot write /proc/nope/deeper: that folder cannot be created');
  }, 30_000);
});
