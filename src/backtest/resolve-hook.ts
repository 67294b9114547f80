/**
 * A module resolution hook that lets a strategy file anywhere on disk import
 * 'quantflow' and get the copy that is running it (so the Strategy class is
 * the engine's own), whether or not the file's folder has the package
 * installed.
 */
let target = '';

export function initialize(data: { target: string }): void {
  target = data.target;
}

type NextResolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier === 'quantflow' && target !== '') return { url: target, shortCircuit: true };
  return nextResolve(specifier, context);
}
