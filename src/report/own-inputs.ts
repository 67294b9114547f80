import { realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined; // not there (or not reachable): nothing to compare
  }
}

/**
 * The input that writing `output` would replace, if any: an input file that
 * is the same file as `output`, or an input folder (a catalog) that holds it.
 * Paths are compared by their real paths, so another spelling of the path or
 * a symbolic link is caught. An output that does not exist yet is no input.
 */
export function inputAt(output: string, inputs: readonly string[]): string | undefined {
  const out = realPath(output);
  if (out === undefined) return undefined;
  for (const input of inputs) {
    const real = realPath(input);
    if (real === undefined) continue;
    const rel = relative(real, out);
    if (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) return input;
  }
  return undefined;
}
