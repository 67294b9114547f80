/**
 * The --out folder of a paper or live session, claimed before anything is
 * written to it: created (core's makeFolder, which refuses a path that
 * cannot be created, e.g. under /proc), checked to be a run folder (a
 * folder of the user's own files is refused, as backtest refuses it), and
 * locked for the session so that a second session on it is refused while
 * the first runs.
 *
 * The lock is a file holding the pid of the session's process. A lock
 * whose process is gone (a run that was killed) is taken over.
 */
import { closeSync, linkSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../../core/errors.js';
import { OutputError, makeFolder as createFolder, outputError, processAlive, stagingName, systemCode } from '../../core/output-file.js';
import { RUN_FOLDER_FILES, foreignEntries } from '../../report/run-folder.js';
import { JOURNAL_FILE } from '../journal/index.js';
import { SESSION_LOCK_FILE, SESSIONS_DIR } from './session-archive.js';

/** What a session writes into its folder beside the backtest's files. */
const SESSION_ENTRIES: readonly string[] = ['incidents.csv', 'market-data', JOURNAL_FILE, SESSIONS_DIR, 'reconcile.csv', 'reconcile.json', SESSION_LOCK_FILE];

const isOurs = (entry: string): boolean =>
  RUN_FOLDER_FILES.includes(entry) || SESSION_ENTRIES.includes(entry) || entry.startsWith(`${JOURNAL_FILE}.`) || entry.startsWith('.quantflow-');

/** A claimed session folder; `release` removes the lock (once the session has ended). */
export interface SessionFolder {
  release(): void;
}

/** Creates, checks and locks `out` (given as `flag`) for a session: an InputError naming the flag when it cannot. */
export function claimSessionFolder(out: string, flag = '--out'): SessionFolder {
  const abs = resolve(out);
  makeFolder(out, abs, flag);
  checkRunFolder(out, abs, flag);
  const lock = join(abs, SESSION_LOCK_FILE);
  takeLock(out, lock, flag);
  return {
    release: () => {
      if (lockHolder(lock) === process.pid) rmSync(lock, { force: true });
    },
  };
}

function refuse(out: string, flag: string, message: string): InputError {
  return new InputError({ code: 'invalid_option', field: flag, value: out, message });
}

/** Why writing failed, without the path (the message names it already), or the OutputError to rethrow (a full disk). */
function reasonOf(path: string, e: unknown): string {
  const err = outputError(path, e);
  if (err instanceof OutputError) {
    if (err.diskFull) throw err;
    const prefix = `cannot write ${path}: `;
    return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  }
  throw err;
}

/** Creates output folder `out` (given as `flag`) and its parents, level by level: an InputError naming the flag when it cannot. */
export function makeOutputFolder(out: string, flag = '--out'): void {
  makeFolder(out, resolve(out), flag);
}

function makeFolder(out: string, abs: string, flag: string): void {
  try {
    createFolder(abs, out);
  } catch (e) {
    const reason = reasonOf(out, e);
    throw refuse(out, flag, reason === 'it is a file, not a folder' ? reason : `cannot write there: ${reason}`);
  }
}

/** backtest's rule: only a run's files, or a run.json among others (an earlier session's folder). */
function checkRunFolder(out: string, abs: string, flag: string): void {
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch (e) {
    throw refuse(out, flag, `cannot read the folder: ${reasonOf(abs, e)}`);
  }
  const shown = foreignEntries(entries, isOurs);
  if (shown === undefined) return;
  throw refuse(out, flag, `not a QuantFlow run folder (it holds ${shown}): give a new or empty folder, or a run's`);
}

/** The pid a lock file names, or undefined (absent, or not a pid). */
function lockHolder(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function takeLock(out: string, lock: string, flag: string): void {
  // Written whole under a temporary name, then linked into place: the lock never exists without its pid, and link fails if it exists.
  const tmp = join(dirname(lock), stagingName('tmp', SESSION_LOCK_FILE));
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, lock);
        return;
      } catch (e) {
        if (systemCode(e) !== 'EEXIST' || attempt >= 3) throw e;
      }
      const holder = lockHolder(lock);
      if (holder !== undefined && processAlive(holder)) {
        throw refuse(out, flag, `the folder is in use by another run (pid ${holder}): stop that run first, or give another folder`);
      }
      // The run that held it is gone (killed): its lock is stale.
      try {
        unlinkSync(lock);
      } catch (e) {
        if (systemCode(e) !== 'ENOENT') throw e;
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw refuse(out, flag, `cannot write there: ${reasonOf(lock, e)}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}
