import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import type { BuildOptions, Plugin } from 'esbuild';

/**
 * Compiles a strategy file (TypeScript or JavaScript) and the files of its
 * own that it imports into one ES module with esbuild, and returns the URL
 * to import it from: a file named by the hash of its code in the system's
 * temporary folder, so that a sweep's worker threads and later runs of the
 * same strategy import the one written first. Beside it, a manifest of what
 * it was made from (Manifest) lets a later run that finds every input as it
 * was use the module without starting esbuild.
 *
 * This replaces module hooks (a loader thread that every module of the
 * process then goes through): the compiled module imports the running
 * package (`packageUrl`) for 'quantflow', and every other package by the
 * absolute file it resolves to from the strategy's folder, as Node would
 * resolve it there (a CommonJS strategy's `require` too: Node 20.19 and
 * later load the package's ES module through it). `import.meta.url` (and its dirname and filename) read
 * as the strategy file's. Stack traces map back to the strategy's own
 * files and lines through an inline source map (source maps are turned on
 * for the process).
 */
export async function compileStrategy(file: string, packageUrl: string, dir = join(tmpdir(), 'quantflow-strategies')): Promise<string> {
  // A strategy compiled before, whose inputs are all as they were then, is not compiled again (esbuild takes ~40 ms to start).
  const manifestPath = join(dir, `${manifestKey(file, packageUrl)}.json`);
  const cached = cachedModule(manifestPath);
  if (cached !== undefined) {
    process.setSourceMapsEnabled(true);
    return pathToFileURL(cached).href;
  }
  const { build } = await import('esbuild');
  const outfile = join(dir, 'strategy.mjs');
  const externals = new Set<string>();
  const fileUrl = pathToFileURL(file).href;
  const options: BuildOptions = {
    entryPoints: [file],
    bundle: true,
    write: false,
    outfile,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages resolve as Node resolves them (no 'module' condition or field).
    conditions: [],
    mainFields: ['main'],
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'silent',
    define: {
      'import.meta.url': JSON.stringify(fileUrl),
      'import.meta.filename': JSON.stringify(file),
      'import.meta.dirname': JSON.stringify(dirname(file)),
    },
    metafile: true,
    plugins: [packagesByUrl(packageUrl, externals)],
  };
  let result = await build(options);
  let outputs = result.outputFiles ?? [];
  if (outputs.some((f) => f.text.includes('Dynamic require of'))) {
    // CommonJS code requires packages (esbuild keeps require() of external modules): give the module a require() from the strategy's file.
    const banner = `import { createRequire as __quantflowRequire } from 'node:module'; const require = __quantflowRequire(${JSON.stringify(fileUrl)});`;
    result = await build({ ...options, banner: { js: banner } });
    outputs = result.outputFiles ?? [];
  }
  const js = outputs.find((f) => f.path.endsWith('.mjs'));
  const map = outputs.find((f) => f.path.endsWith('.map'));
  if (js === undefined || map === undefined) throw new Error(`esbuild wrote no module for ${file}`);
  const code = `${js.text.replace(/\/\/# sourceMappingURL=\S+\s*$/, '')}//# sourceMappingURL=data:application/json;base64,${Buffer.from(absoluteSources(map.text, dir)).toString('base64')}\n`;
  const target = join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 24)}.mjs`);
  if (!existsSync(target)) writeAtomically(target, code);
  const inputs = Object.keys(result.metafile?.inputs ?? {}).map((p) => resolve(p));
  writeAtomically(manifestPath, JSON.stringify(manifestOf(target, inputs, externals)));
  process.setSourceMapsEnabled(true);
  return pathToFileURL(target).href;
}

/**
 * What a compiled module was made from, to tell whether it still stands:
 * the content hash of every file esbuild read (the strategy and its own
 * imports), of every tsconfig.json, jsconfig.json and package.json in their
 * folders and above (null: there was none; one that appears counts as a
 * change), and of the package.json of each package it imports.
 */
interface Manifest {
  readonly module: string;
  readonly files: Readonly<Record<string, string | null>>;
}

const CONFIG_FILES = ['tsconfig.json', 'jsconfig.json', 'package.json'];

function manifestOf(module: string, inputs: readonly string[], externals: ReadonlySet<string>): Manifest {
  const files: Record<string, string | null> = {};
  const folders = new Set<string>();
  for (const input of inputs) {
    files[input] = hashOf(input);
    for (let d = dirname(input); !folders.has(d); d = dirname(d)) {
      folders.add(d);
      if (dirname(d) === d) break;
    }
  }
  for (const d of folders) for (const name of CONFIG_FILES) files[join(d, name)] = hashOf(join(d, name));
  for (const path of externals) {
    const pkg = packageJsonOf(path);
    if (pkg !== undefined) files[pkg] = hashOf(pkg);
  }
  return { module, files };
}

/** The compiled module of a manifest whose files are all as recorded, else undefined. */
function cachedModule(manifestPath: string): string | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (typeof manifest.module !== 'string' || typeof manifest.files !== 'object' || manifest.files === null || !existsSync(manifest.module)) return undefined;
  for (const [path, hash] of Object.entries(manifest.files)) if (hashOf(path) !== hash) return undefined;
  return manifest.module;
}

/** The manifest's name: the strategy file, the package it imports, esbuild's and Node's versions. */
function manifestKey(file: string, packageUrl: string): string {
  return createHash('sha256').update(JSON.stringify([MANIFEST_VERSION, file, packageUrl, esbuildVersion(), process.version])).digest('hex').slice(0, 24);
}

/** Changes when what compileStrategy writes changes. */
const MANIFEST_VERSION = 1;

function esbuildVersion(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('esbuild/package.json');
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '';
  } catch {
    return '';
  }
}

/** SHA-256 of a file's bytes, or null when it cannot be read (absent). */
function hashOf(path: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}

/** The package.json of the package a file belongs to (the nearest above it). */
function packageJsonOf(file: string): string | undefined {
  for (let d = dirname(file); ; d = dirname(d)) {
    const candidate = join(d, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(d) === d) return undefined;
  }
}

/** Written whole, then renamed: another process or thread reading the same file never sees half of it. */
function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}-${threadId}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, path);
}

/** esbuild writes a map's sources relative to the output folder; the compiled file lives elsewhere than the strategy, so they become absolute file URLs. */
function absoluteSources(mapText: string, outDir: string): string {
  const map = JSON.parse(mapText) as { sources?: string[] };
  map.sources = (map.sources ?? []).map((s) => pathToFileURL(resolve(outDir, s)).href);
  return JSON.stringify(map);
}

const RESOLVING = Symbol('resolving');

/**
 * Bare imports stay imports: 'quantflow' of the running package, Node's
 * built-ins as they are, any other package by the absolute URL of the file
 * esbuild resolves it to from the importing file (so the compiled module
 * can live anywhere and still find the strategy's own node_modules).
 */
function packagesByUrl(packageUrl: string, externals: Set<string>): Plugin {
  return {
    name: 'packages-by-url',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined;
        // require() takes a path, import a URL.
        const byRequire = args.kind === 'require-call' || args.kind === 'require-resolve';
        if (args.path === 'quantflow') return { path: byRequire ? fileURLToPath(packageUrl) : packageUrl, external: true };
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        if (/^[A-Za-z]:[\\/]/.test(args.path) || args.path.startsWith('file:')) return undefined;
        const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: RESOLVING });
        if (found.errors.length > 0) return { errors: found.errors };
        externals.add(found.path);
        return { path: byRequire ? found.path : pathToFileURL(found.path).href, external: true };
      });
    },
  };
}
