// The build (`npm run build`): declarations from tsc, JavaScript from esbuild.
//
// Node's ES module loader pays for every file it resolves, reads and compiles,
// so the JavaScript of dist/ is a few ES module bundles with shared chunks
// (code splitting) instead of one file per source module: a process, and
// each worker thread, loads a handful of files. docs/architecture.md, "The
// build", says more.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The build's entry points, each at its own path under dist/ (`<p>.js` from
 * `src/<p>.ts`): the package, the command line, and every module loaded by
 * URL at run time (`moduleUrl(...)` in src/core/module-url.ts), which must be
 * listed here or it has no file of its own (test/build/bundle.test.ts
 * checks).
 */
export const ENTRY_POINTS = [
  // The package: `import 'quantflow'`, also what a strategy's import of it resolves to.
  'index',
  // bin/quantflow.js
  'cli/main',
  'cli/io',
  // Worker threads.
  'optimize/trial-worker',
  'optimize/overfitting-worker',
  'optimize/returns-worker',
  'data/catalog/read-worker',
  'live/feed/io-worker',
  // Market sources an I/O thread loads by URL.
  'live/feed/synthetic-source',
  'live/ccxt/ccxt-source',
];

/**
 * The packages bundled into the chunks (with what they import): small, pure
 * JavaScript, loaded by every command, and without files of their own to
 * find at run time (about 40 ms less to load zod as one chunk than as its
 * ~100 files; commander and cli-progress ~15 ms). Every other package stays
 * in node_modules: the native and large ones load only with the commands that
 * need them, and some find their own files by path (pino's transports,
 * piscina's worker, tsx's loader).
 */
export const BUNDLED = ['zod', 'commander', 'cli-progress'];

/**
 * CommonJS code bundled into an ES module calls `require` for Node's
 * built-ins (commander, cli-progress): each output file gets one.
 */
const REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

/** Declarations only (dist/**\/*.d.ts, as the package's `types`): the JavaScript is esbuild's. */
function declarations() {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc exited with status ${code}`))));
  });
}

async function bundles() {
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS.map((p) => ({ in: `src/${p}.ts`, out: p })),
    outdir: 'dist',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [externalPackages],
    banner: { js: REQUIRE_BANNER },
    // Names as written (`EventRing.name`, not the `_EventRing` esbuild gives a class that refers to itself; indicator
    // names in messages come from new.target.name). It costs a defineProperty per named function or class created
    // (about 6,000 at start-up, mostly zod's), and a function given a property is slower to create and call: so
    // code that runs per bar, tick or order declares no named closures (`const f = () => ...` in a method); it calls
    // a module function or a method instead. A profile of sma-cross showed 6% of the run in this before.
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
}

/**
 * A bare import (a package, a Node built-in) in our sources stays an import,
 * except of the packages in BUNDLED; the bundled packages' own imports are
 * bundled in turn (Node's built-ins stay imports: platform 'node').
 */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
      const parts = args.path.split('/');
      const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      return BUNDLED.includes(name) ? undefined : { path: args.path, external: true };
    });
  },
};

export async function buildAll() {
  // A clean slate: files of an earlier build (other chunk names, the former one-file-per-module layout) must not linger.
  rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
  await Promise.all([declarations(), bundles()]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildAll().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
