import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compileStrategy } from './strategy-compiler.js';

/** A strategy folder of its own and a cache folder of its own, for one test. */
function project(): { dir: string; cache: string; file: string; packageUrl: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qf-compile-'));
  writeFileSync(join(dir, 'helper.ts'), 'export const size: number = 10;\n');
  writeFileSync(join(dir, 'strategy.ts'), "import { Strategy } from 'quantflow';\nimport { size } from './helper.ts';\nexport default class S extends Strategy<object> { n = size; }\n");
  return { dir, cache: join(dir, 'cache'), file: join(dir, 'strategy.ts'), packageUrl: pathToFileURL(join(dir, 'fake-package.js')).href };
}

/** The manifest's modification time after setting it an hour back: unchanged means the cached module was used. */
function ageManifests(cache: string): () => boolean {
  const manifests = readdir(cache).filter((f) => f.endsWith('.json'));
  expect(manifests).toHaveLength(1);
  const path = join(cache, manifests[0] as string);
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(path, past, past);
  // Seconds as a double on the way to the file system: compared to the second (a rewrite dates it now, an hour later).
  return () => Math.abs(statSync(path).mtimeMs - past.getTime()) > 1000;
}

function readdir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('compileStrategy: the compiled module is reused while its inputs stay as they were', () => {
  it('reuses the module; compiles again when an imported file, a config file or the module changes', async () => {
    const p = project();
    made.push(p.dir);
    const first = await compileStrategy(p.file, p.packageUrl, p.cache);
    expect(readFileSync(fileURLToPath(first), 'utf8')).toContain('size');

    // Nothing changed: the same module, without compiling (the manifest is not written again).
    let rewritten = ageManifests(p.cache);
    expect(await compileStrategy(p.file, p.packageUrl, p.cache)).toBe(first);
    expect(rewritten()).toBe(false);

    // A file the strategy imports changed: new code.
    writeFileSync(join(p.dir, 'helper.ts'), 'export const size: number = 20;\n');
    rewritten = ageManifests(p.cache);
    const second = await compileStrategy(p.file, p.packageUrl, p.cache);
    expect(second).not.toBe(first);
    expect(readFileSync(fileURLToPath(second), 'utf8')).toContain('20');
    expect(rewritten()).toBe(true);

    // A tsconfig.json appeared in the strategy's folder: compiled again (the same code here).
    writeFileSync(join(p.dir, 'tsconfig.json'), '{}\n');
    rewritten = ageManifests(p.cache);
    expect(await compileStrategy(p.file, p.packageUrl, p.cache)).toBe(second);
    expect(rewritten()).toBe(true);

    // The compiled module was deleted (a cleaned temporary folder): compiled again.
    rmSync(fileURLToPath(second));
    rewritten = ageManifests(p.cache);
    expect(await compileStrategy(p.file, p.packageUrl, p.cache)).toBe(second);
    expect(readFileSync(fileURLToPath(second), 'utf8')).toContain('20');
    expect(rewritten()).toBe(true);
  });

  it('keeps no manifest for a file that does not compile', async () => {
    const p = project();
    made.push(p.dir);
    writeFileSync(p.file, 'export default class {\n');
    await expect(compileStrategy(p.file, p.packageUrl, p.cache)).rejects.toThrow(/strategy\.ts:\d+:\d+: ERROR/);
    expect(readdir(p.cache).filter((f) => f.endsWith('.json'))).toHaveLength(0);
  });
});
