/**
 * A live run folder outlives its sessions: after a crash or a stop, `quantflow
 * live` is started again on the same folder (its journal carries the orders
 * on). The outputs a session writes as it goes (fills.csv, orders.csv,
 * summary.json, market-data/, ...) belong to that session, so before a new
 * one starts the previous session's outputs move to `sessions/<its run id>/`:
 * nothing a session wrote is overwritten. The journal stays where it is.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE } from '../journal/index.js';

/** Where earlier sessions' outputs go, inside the run folder. */
export const SESSIONS_DIR = 'sessions';

/** The lock file in a session's folder while the session runs (session-folder.ts): it stays where it is. */
export const SESSION_LOCK_FILE = 'session.lock';

/**
 * Moves the outputs of the session before into `sessions/<run id>/`
 * (`session-<n>` when its summary.json was never written or names no run
 * id); returns that folder, or undefined when there was nothing to move.
 */
export function archivePreviousSession(runDir: string): string | undefined {
  if (!existsSync(runDir)) return undefined;
  const keep = new Set([JOURNAL_FILE, SESSIONS_DIR, SESSION_LOCK_FILE]);
  // Temporary files (`.quantflow-…`) belong to whoever writes them now, not to the session before.
  const entries = readdirSync(runDir).filter((name) => !keep.has(name) && !name.startsWith(`${JOURNAL_FILE}.`) && !name.startsWith('.quantflow-'));
  if (entries.length === 0) return undefined;
  const sessions = join(runDir, SESSIONS_DIR);
  const earlier = existsSync(sessions) ? readdirSync(sessions).length : 0;
  let name = runIdOf(join(runDir, 'summary.json')) ?? `session-${earlier + 1}`;
  // A session that ended before writing anything new keeps its predecessor's name: never overwrite one.
  for (let k = 2; existsSync(join(sessions, name)); k++) name = `${name.replace(/~\d+$/, '')}~${k}`;
  const target = join(sessions, name);
  mkdirSync(target, { recursive: true });
  for (const entry of entries) renameSync(join(runDir, entry), join(target, entry));
  return target;
}

function runIdOf(summaryFile: string): string | undefined {
  try {
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { live?: { venue?: { run_id?: unknown } } };
    const id = summary.live?.venue?.run_id;
    return typeof id === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(id) ? id : undefined;
  } catch {
    return undefined; // absent, or torn by a crash mid-write
  }
}
