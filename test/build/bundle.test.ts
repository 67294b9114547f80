import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** The build script's entry list (scripts/build.mjs; importing it does not build). */
async function entryPoints(): Promise<readonly string[]> {
  const build = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as { ENTRY_POINTS: readonly string[] };
  return build.ENTRY_POINTS;
}

/** Files under `dir` (recursively), as paths relative to it, whose names end with `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => f.split('\\').join('/'));
}

const SOURCES = filesUnder(join(ROOT, 'src'), '.ts').filter((f) => !f.endsWith('.test.ts'));
const sourceOf = (f: string): string => readFileSync(join(ROOT, 'src', f), 'utf8');

describe('the build: entry points', () => {
  it('every module loaded by URL at run time (moduleUrl) is an entry point, named by a literal path', async () => {
    const entries = await entryPoints();
    const targets: string[] = [];
    for (const f of SOURCES) {
      if (f === 'core/module-url.ts') continue;
      for (const m of sourceOf(f).matchAll(/\bmoduleUrl\(([^)]*)\)/g)) {
        const literal = /^'([^']+)'$/.exec((m[1] as string).trim());
        expect(literal, `src/${f}: moduleUrl(${m[1]}) must name its module by a literal path`).not.toBeNull();
        targets.push((literal as RegExpExecArray)[1] as string);
      }
    }
    expect(targets.length).toBeGreaterThan(5);
    const missing = targets.filter((t) => !entries.includes(t));
    expect(missing, 'add these to ENTRY_POINTS in scripts/build.mjs').toEqual([]);
  });

  it('bin/quantflow.js imports only entry points, and every entry point has its source', async () => {
    const entries = await entryPoints();
    const bin = readFileSync(join(ROOT, 'bin', 'quantflow.js'), 'utf8');
    const imported = [...bin.matchAll(/from '\.\.\/dist\/(.+)\.js'/g)].map((m) => m[1] as string);
    expect(imported).toEqual(['cli/main', 'cli/io']);
    for (const p of imported) expect(entries).toContain(p);
    for (const p of entries) expect(existsSync(join(ROOT, 'src', `${p}.ts`)), `src/${p}.ts`).toBe(true);
  });

  it('no source module finds another by a path relative to its own URL (in the build that is a chunk)', () => {
    const offenders: string[] = [];
    for (const f of SOURCES) {
      if (f === 'core/module-url.ts') continue;
      const lines = sourceOf(f).split('\n');
      lines.forEach((line, i) => {
        // Resolving packages from any file of the package is fine: createRequire(import.meta.url); so are comments and
        // the names as text (the strategy compiler defines a strategy's own import.meta.url).
        if (/^\s*(\*|\/\/)/.test(line)) return;
        const rest = line.replace(/createRequire\(import\.meta\.url\)/g, '').replace(/'import\.meta\.\w+'/g, '');
        if (rest.includes('import.meta.url') || rest.includes('import.meta.dirname') || rest.includes('import.meta.filename')) offenders.push(`src/${f}:${i + 1}`);
      });
    }
    expect(offenders, 'use moduleUrl (src/core/module-url.ts) instead').toEqual([]);
  });
});

describe('the build: output', () => {
  it('writes the entry points at their paths and the shared code under dist/chunks, no other JavaScript', async () => {
    const entries = await entryPoints();
    const dist = join(ROOT, 'dist');
    const js = filesUnder(dist, '.js');
    for (const p of entries) expect(js).toContain(`${p}.js`);
    const others = js.filter((f) => !entries.includes(f.slice(0, -'.js'.length)) && !f.startsWith('chunks/'));
    expect(others).toEqual([]);
    // The declarations stay one per module, as the package's `types` expects.
    expect(existsSync(join(dist, 'index.d.ts'))).toBe(true);
    expect(filesUnder(dist, '.d.ts').length).toBe(SOURCES.length);
  });

  it("keeps the package's class names as written (messages name indicators by their class)", () => {
    // In a plain node, as a user loads the package.
    const script = `
      const q = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)});
      const classes = Object.entries(q).filter(([, v]) => typeof v === 'function' && /^class\\b/.test(Function.prototype.toString.call(v)));
      console.log(JSON.stringify({ classes: classes.length, renamed: classes.filter(([name, cls]) => cls.name !== name).map(([name, cls]) => name + ': ' + cls.name) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const { classes, renamed } = JSON.parse(r.stdout) as { classes: number; renamed: string[] };
    expect(classes).toBeGreaterThan(100);
    expect(renamed).toEqual([]);
  });
});
