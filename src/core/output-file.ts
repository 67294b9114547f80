import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * An output that could not be written, named by the path the user gave.
 * A full disk (or quota) is not the user's mistake but not a bug either
 * (exit status 1, one line); a path that cannot be written (read-only, a
 * file where a folder is needed, a folder where a file is) is (exit 2).
 */
export class OutputError extends Error {
  override readonly name = 'OutputError';
  constructor(
    readonly path: string,
    /** The system's error code (ENOSPC, EACCES, ...) or OUT_* for a refusal of ours. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Out of space or quota: exit status 1. */
  get diskFull(): boolean {
    return this.code === 'ENOSPC' || this.code === 'EDQUOT';
  }
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it exists already',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error of the device',
  EFBIG: 'the file is too large for the file system',
  EMFILE: 'too many open files',
  ENOENT: 'that folder cannot be created',
};

/** The system error code of an exception from a file operation, if it has one. */
export function systemCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** The OutputError for a failed write of `path`; anything that is not a system error is returned as it is. */
export function outputError(path: string, e: unknown): unknown {
  if (e instanceof OutputError) return e;
  const code = systemCode(e);
  if (code === undefined) return e;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new OutputError(path, code, `out of disk space writing ${path} (${code}); nothing was replaced there`);
  }
  return new OutputError(path, code, `cannot write ${path}: ${REASONS[code] ?? (e as Error).message}`);
}

/**
 * Writes all of `text` to a file descriptor. A single write may write less
 * than asked (a disk filling up): the rest is written again, so that a full
 * disk ends in ENOSPC rather than a silently cut file.
 */
export function writeAll(fd: number, text: string): void {
  writeAllBytes(fd, Buffer.from(text, 'utf8'));
}

/** Writes all of `bytes` to a file descriptor, again and again until the last byte is written (see writeAll). */
export function writeAllBytes(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Whether process `pid` is running (a process of another user counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return systemCode(e) === 'EPERM';
  }
}

let sequence = 0;

/** A name for a temporary entry beside `name` in the same folder, owned by this process: `.quantflow-<kind>-<pid>-<n>-<name>`. */
export function stagingName(kind: 'tmp' | 'new' | 'old', name: string): string {
  return `.quantflow-${kind}-${process.pid}-${++sequence}-${name}`;
}

const STAGING = /^\.quantflow-(tmp|new|old)-(\d+)-\d+-(.*)$/;

/** Temporary entries in `dir` for `name` left by processes that are gone (killed mid-write). */
export function staleStaging(dir: string, name: string): { path: string; kind: 'tmp' | 'new' | 'old' }[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { path: string; kind: 'tmp' | 'new' | 'old' }[] = [];
  for (const e of entries) {
    const m = STAGING.exec(e);
    if (m === null || m[3] !== name) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    out.push({ path: join(dir, e), kind: m[1] as 'tmp' | 'new' | 'old' });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Makes sure a file's data is on the disk (not only in the page cache) before it is renamed into place. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch (e) {
    // Some file systems cannot fsync a folder, and devices need not: only a real failure matters.
    const code = systemCode(e);
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EBADF') throw e;
  } finally {
    closeSync(fd);
  }
}

function statOrUndefined(path: string, shown: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if (systemCode(e) === 'ENOENT') return undefined;
    throw outputError(shown, e);
  }
}

/** Creates a folder and its parents, or names the path in an OutputError. Returns the first folder it created (to remove on failure), if any. */
export function makeFolder(path: string, shown: string = path): string | undefined {
  const st = statOrUndefined(path, shown);
  if (st !== undefined) {
    if (!st.isDirectory()) throw new OutputError(shown, 'ENOTDIR', `cannot write ${shown}: it is a file, not a folder`);
    return undefined;
  }
  // Level by level, not mkdirSync's recursive mode: that never returns on some paths (/proc/nope/deeper loops on
  // ENOENT and EEXIST), and a command would hang there instead of refusing the path.
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    const parent = statOrUndefined(p, shown);
    if (parent !== undefined) {
      if (!parent.isDirectory()) throw new OutputError(shown, 'ENOTDIR', `cannot write ${shown}: ${REASONS.ENOTDIR}`);
      break;
    }
    missing.push(p);
    if (dirname(p) === p) break;
  }
  missing.reverse();
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      if (systemCode(e) !== 'EEXIST') throw outputError(shown, e);
    }
  }
  return missing[0];
}

/** Where a single output file goes: written directly (a device or a pipe), or through a temporary file beside it. */
interface PreparedFile {
  readonly abs: string;
  /** The temporary file to write; undefined for a device or a pipe, written directly. */
  readonly tmp: string | undefined;
  /** A folder made for it, removed again if the write fails. */
  readonly created: string | undefined;
}

function prepareOutputFile(path: string): PreparedFile {
  const abs = resolve(path);
  const st = statOrUndefined(abs, path);
  if (st?.isDirectory() === true) throw new OutputError(path, 'EISDIR', `cannot write ${path}: it is a folder, not a file`);
  if (st !== undefined && !st.isFile()) return { abs, tmp: undefined, created: undefined };
  const dir = dirname(abs);
  const created = makeFolder(dir, dirname(path));
  for (const s of staleStaging(dir, basename(abs))) rmSync(s.path, { recursive: true, force: true });
  const tmp = join(dir, stagingName('tmp', basename(abs)));
  try {
    // Created here, so that a folder we may not write to is reported as such before any work.
    closeSync(openSync(tmp, 'w'));
  } catch (e) {
    if (created !== undefined) rmSync(created, { recursive: true, force: true });
    throw outputError(path, e);
  }
  return { abs, tmp, created };
}

function abandon(p: PreparedFile): void {
  if (p.tmp !== undefined) rmSync(p.tmp, { force: true });
  if (p.created !== undefined) rmSync(p.created, { recursive: true, force: true });
}

function finishOutputFile(tmp: string, abs: string): void {
  fsyncPath(tmp);
  renameSync(tmp, abs);
}

/**
 * Writes one output file so that it is either complete or not there: `write`
 * fills a temporary file beside it (same folder, so the same file system),
 * which is synced and renamed over `path` only when complete. On any failure
 * the temporary file is removed and `path` is as before. A device or a pipe
 * (`/dev/stdout`) is written directly. Temporary files of killed processes
 * are removed on the way. Returns what `write` returns.
 */
export function writeOutputFile<R>(path: string, write: (target: string) => R): R {
  const p = prepareOutputFile(path);
  try {
    if (p.tmp === undefined) return write(p.abs);
    const result = write(p.tmp);
    finishOutputFile(p.tmp, p.abs);
    return result;
  } catch (e) {
    abandon(p);
    throw outputError(path, e);
  }
}

/** writeOutputFile for a writer that works asynchronously. */
export async function writeOutputFileAsync<R>(path: string, write: (target: string) => Promise<R>): Promise<R> {
  const p = prepareOutputFile(path);
  try {
    if (p.tmp === undefined) return await write(p.abs);
    const result = await write(p.tmp);
    finishOutputFile(p.tmp, p.abs);
    return result;
  } catch (e) {
    abandon(p);
    throw outputError(path, e);
  }
}

/**
 * Writes a set of files into folder `dir`: `write` fills a staging folder
 * inside it, then each file is renamed into `dir`, replacing a file of the
 * same name and leaving every other entry of `dir` alone. Nothing in `dir`
 * changes when writing fails. Returns what `write` returns.
 */
export function writeOutputFiles<R>(dir: string, write: (staging: string) => R): R {
  const f = stageOutputFolder(dir);
  try {
    const result = write(f.staging);
    commitOutputFolder(f);
    return result;
  } catch (e) {
    rmSync(f.created ?? f.staging, { recursive: true, force: true });
    throw outputError(dir, e);
  }
}

/** writeOutputFiles for a writer that works asynchronously. */
export async function writeOutputFilesAsync<R>(dir: string, write: (staging: string) => Promise<R>): Promise<R> {
  const f = stageOutputFolder(dir);
  try {
    const result = await write(f.staging);
    commitOutputFolder(f);
    return result;
  } catch (e) {
    rmSync(f.created ?? f.staging, { recursive: true, force: true });
    throw outputError(dir, e);
  }
}

interface OutputFolder {
  readonly dir: string;
  readonly abs: string;
  /** The folder when this call made it (removed again on failure). */
  readonly created: string | undefined;
  readonly staging: string;
}

function stageOutputFolder(dir: string): OutputFolder {
  const abs = resolve(dir);
  const created = makeFolder(abs, dir);
  const name = basename(abs);
  for (const s of staleStaging(abs, name)) rmSync(s.path, { recursive: true, force: true });
  const staging = join(abs, stagingName('tmp', name));
  try {
    mkdirSync(staging);
  } catch (e) {
    rmSync(created ?? staging, { recursive: true, force: true });
    throw outputError(dir, e);
  }
  return { dir, abs, created, staging };
}

function commitOutputFolder({ dir, abs, staging }: OutputFolder): void {
  const files = readdirSync(staging);
  for (const f of files) fsyncPath(join(staging, f));
  for (const f of files) {
    const target = join(abs, f);
    if (statOrUndefined(target, join(dir, f))?.isDirectory() === true) {
      throw new OutputError(join(dir, f), 'EISDIR', `cannot write ${join(dir, f)}: it is a folder, not a file`);
    }
  }
  for (const f of files) renameSync(join(staging, f), join(abs, f));
  rmSync(staging, { recursive: true, force: true });
}
