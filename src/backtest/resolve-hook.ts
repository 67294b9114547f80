/**
 * Module resolution hooks for strategy files:
 * - the bare specifier 'quantflow' resolves to the copy that is running, so a
 *   strategy file anywhere on disk gets the engine's own classes;
 * - a TypeScript file outside node_modules loads as an ES module even where no
 *   package.json says "type": "module" (strategy files use import/export),
 *   so it shares the engine's module instances.
 */
let target = '';

export function initialize(data: { target: string }): void {
  target = data.target;
}

interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}

type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<Resolved> {
  if (specifier === 'quantflow' && target !== '') return { url: target, format: 'module', shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  if (/\.(ts|tsx)$/.test(new URL(resolved.url).pathname) && !resolved.url.includes('/node_modules/')) {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}
