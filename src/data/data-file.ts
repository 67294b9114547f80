import { closeSync, fstatSync, openSync } from 'node:fs';
import { InputError, type Issue } from '../core/errors.js';

/** Opens a data file for reading; a missing file, a folder or an unreadable file is an InputError naming it. */
export function openDataFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(fileIssue(path, e));
  }
  // Opening a folder succeeds on Linux; reading it would fail with EISDIR.
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new InputError(fileIssue(path, { code: 'EISDIR' }));
  }
  return fd;
}

/** The issue of a data file that cannot be read: missing, a folder, not readable. */
export function fileIssue(path: string, e: unknown): Issue {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return { code: 'file_not_found', file: path, message: 'no such file' };
  if (code === 'EISDIR') return { code: 'file_not_found', file: path, message: 'is a folder: give a file' };
  if (code === 'EACCES' || code === 'EPERM') return { code: 'file_not_found', file: path, message: 'cannot read the file: permission denied' };
  return { code: 'file_not_found', file: path, message: `cannot read the file: ${(e as Error).message}` };
}
