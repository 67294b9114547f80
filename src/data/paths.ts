import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';

/** Whether a path names a folder (false when it is missing: the reader reports that). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Data paths with each folder replaced by the .csv files directly in it (not
 * its subfolders, not hidden files), in name order, as `data import` and
 * `backtest --data` take them. A folder without one is an InputError.
 */
export function expandDataPaths(paths: readonly string[], field = '--data', purpose = 'read'): string[] {
  return paths.flatMap((p) => {
    if (!isFolder(p)) return [p];
    const files = readdirSync(p)
      .filter((f) => !f.startsWith('.') && f.toLowerCase().endsWith('.csv'))
      .sort()
      .map((f) => join(p, f))
      .filter((f) => !isFolder(f));
    if (files.length === 0) throw new InputError({ code: 'file_not_found', file: p, field, message: `the folder holds no .csv files to ${purpose}` });
    return files;
  });
}
