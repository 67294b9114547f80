import { createRequire } from 'node:module';

const requirePackage = createRequire(import.meta.url);

/**
 * A package loaded on its first use rather than with the module that uses
 * it: what a module imports is paid by every process and worker thread that
 * imports the package (`import 'quantflow'` in every strategy), whether or
 * not it ever logs as JSON, serves WebSockets or starts a worker pool. Its
 * CommonJS build is the one loaded, synchronously.
 */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requirePackage(name) as T);
}
