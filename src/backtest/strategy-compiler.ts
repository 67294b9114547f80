import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
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
 * same strategy import the one written first.
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
export async function compileStrategy(file: string, packageUrl: string): Promise<string> {
  const { build } = await import('esbuild');
  const dir = join(tmpdir(), 'quantflow-strategies');
  const outfile = join(dir, 'strategy.mjs');
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
    plugins: [packagesByUrl(packageUrl)],
  };
  let outputs = (await build(options)).outputFiles ?? [];
  if (outputs.some((f) => f.text.includes('Dynamic require of'))) {
    // CommonJS code requires packages (esbuild keeps require() of external modules): give the module a require() from the strategy's file.
    const banner = `import { createRequire as __quantflowRequire } from 'node:module'; const require = __quantflowRequire(${JSON.stringify(fileUrl)});`;
    outputs = (await build({ ...options, banner: { js: banner } })).outputFiles ?? [];
  }
  const js = outputs.find((f) => f.path.endsWith('.mjs'));
  const map = outputs.find((f) => f.path.endsWith('.map'));
  if (js === undefined || map === undefined) throw new Error(`esbuild wrote no module for ${file}`);
  const code = `${js.text.replace(/\/\/# sourceMappingURL=\S+\s*$/, '')}//# sourceMappingURL=data:application/json;base64,${Buffer.from(absoluteSources(map.text, dir)).toString('base64')}\n`;
  const target = join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 24)}.mjs`);
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    // Written whole, then renamed: another process or thread importing the same file never sees half of it.
    const partial = `${target}.${process.pid}-${threadId}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, target);
  }
  process.setSourceMapsEnabled(true);
  return pathToFileURL(target).href;
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
function packagesByUrl(packageUrl: string): Plugin {
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
        return { path: byRequire ? found.path : pathToFileURL(found.path).href, external: true };
      });
    },
  };
}
