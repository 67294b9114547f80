import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { InvariantError } from './errors.js';

/**
 * Where the package's own modules are, for those loaded by URL at run time
 * (worker threads, module hooks, modules handed to a worker by URL).
 *
 * The engine runs from its TypeScript sources (tests, tsx: `src/<p>.ts`) or
 * from the build (`dist/<p>.js`). The build bundles the modules into chunks,
 * so `import.meta.url` is the URL of whatever chunk the code landed in, not
 * of its source file: a path relative to it would point anywhere. What holds
 * in both layouts is that this code lies somewhere under `<root>/src/` or
 * `<root>/dist/`, and that no folder under either is itself named `src` or
 * `dist`, so the last such segment of its URL marks the package root.
 *
 * A module given to `moduleUrl` must be an entry point of the build
 * (ENTRY_POINTS in scripts/build.mjs), or it has no file of its own in
 * dist/; test/build/bundle.test.ts checks every call.
 */
const HERE = import.meta.url;
const AT = Math.max(HERE.lastIndexOf('/src/'), HERE.lastIndexOf('/dist/'));
if (AT < 0) throw new InvariantError(`module-url: ${HERE} lies under neither src/ nor dist/ of the package`);

/** The package's root folder, as a file URL ending in '/'. */
export const PACKAGE_ROOT_URL = HERE.slice(0, AT + 1);

/** True when running the build (dist/), false when running the TypeScript sources (src/). */
export const RUNNING_BUILD = HERE.startsWith('/dist/', AT);

/**
 * The URL of one of the package's modules by its path from the source root
 * without extension (`optimize/trial-worker`): `dist/<p>.js` in the build,
 * `src/<p>.ts` from the sources.
 */
export function moduleUrl(path: string): string {
  return RUNNING_BUILD ? `${PACKAGE_ROOT_URL}dist/${path}.js` : `${PACKAGE_ROOT_URL}src/${path}.ts`;
}

/**
 * The URL of tsx's ESM API (`register()`), for a worker thread started from
 * an eval'd script that imports a module from the TypeScript sources (a
 * worker's `--import tsx` does not reach its own entry). Its package exports
 * map it; require.resolve finds the CommonJS twin beside it.
 */
function tsxApiUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

/**
 * The statement a worker's eval'd bootstrap runs before importing a
 * TypeScript module (from the sources, or a user's .ts file): registers
 * tsx's loader on the thread. Empty when `needed` is false.
 */
export function tsxRegistration(needed: boolean): string {
  return needed ? `(await import(${JSON.stringify(tsxApiUrl())})).register();` : '';
}
