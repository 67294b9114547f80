/**
 * Who may change a local catalog, and when readers see the change.
 *
 * - One writer at a time: `_lock/writer` is created exclusively (a complete
 *   owner record linked into place, so it is never seen half written) and
 *   removed when the import ends. The owner is a process (pid, its start
 *   time, host): a lock whose process is gone (killed, crashed) is stale and
 *   taken over by the next writer, so a lock dies with its process.
 * - Readers hold a lease, `_lock/readers/<pid>-<start>`, one per process
 *   however many feeds it opens, for as long as they read.
 * - An import stages all its files first, then publishes: once no live
 *   reader holds a lease it raises `_lock/publishing` (and lowers it again
 *   should a reader have come in meanwhile), moves the staged partitions
 *   into place, writes the manifest, and lowers the flag. A reader that finds
 *   the flag waits for it to go before taking its lease, and checks it again
 *   after, so a reader sees the catalog before an import or after it, never
 *   in between. Readers go first: an import waits (saying so) for readers
 *   that are reading, and new readers wait only for the moves themselves. The moves are listed in a journal first,
 *   so a publish cut short (a killed process) is completed by the next
 *   writer before anything else.
 *
 * Object-store catalogs (s3://) have no locks: one writer at a time there is
 * the user's arrangement (docs/catalog.md).
 */
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { InputError } from '../../core/errors.js';
import { systemCode } from '../../core/output-file.js';
import { isRemoteRoot } from './read-plan.js';

export const LOCK_DIR = '_lock';
const WRITER = 'writer';
const PUBLISHING = 'publishing';
const READERS = 'readers';
const JOURNAL = 'publish.json';

/** The process that holds a lock or a lease. */
export interface LockOwner {
  readonly pid: number;
  /** The process's start time (Linux: clock ticks after boot), so that a reused pid is not taken for the owner. */
  readonly start: string;
  readonly host: string;
  /** What it is doing, for messages ("data import"). */
  readonly command: string;
  /** When it took the lock (ISO 8601). */
  readonly since: string;
}

/** A process's start time from /proc, or '' where there is none. */
function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

const SELF_START = processStart(process.pid);

function self(command: string): LockOwner {
  return { pid: process.pid, start: SELF_START, host: hostname(), command, since: new Date().toISOString() };
}

/** Whether the owner's process still runs. On another host nobody can tell: it counts as alive. */
export function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(owner.pid);
  return start === '' || owner.start === '' || start === owner.start;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number') return undefined;
    return { pid: o.pid, start: String(o.start ?? ''), host: String(o.host ?? ''), command: String(o.command ?? ''), since: String(o.since ?? '') };
  } catch {
    return undefined;
  }
}

const sameOwner = (a: LockOwner, b: LockOwner): boolean => a.pid === b.pid && a.start === b.start && a.host === b.host && a.since === b.since;

/** Creates `path` holding `owner`, atomically and only if it does not exist; false if it does. */
function createExclusive(path: string, owner: LockOwner): boolean {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes `path` if it still holds the stale `owner`: it is renamed aside
 * first and checked, so that a lock another process took over meanwhile is
 * put back, not removed.
 */
function removeStale(path: string, owner: LockOwner): void {
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already
  }
  const moved = readOwner(aside);
  if (moved === undefined || sameOwner(moved, owner)) {
    rmSync(aside, { force: true });
    return;
  }
  try {
    linkSync(aside, path);
  } catch {
    // A third process holds it now; the one we moved was taken over before.
  }
  rmSync(aside, { force: true });
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function describeOwner(o: LockOwner): string {
  return `${o.command || 'a writer'} (pid ${o.pid}${o.host !== hostname() ? ` on ${o.host}` : ''}, since ${o.since})`;
}

export interface WriterLockOptions {
  /** What the writer is doing, for other processes' messages. */
  readonly command?: string;
  /** How long to wait for another writer (ms; default: 10 minutes; 0: do not wait). */
  readonly timeoutMs?: number;
  /** Told once when the catalog is busy and the writer starts waiting, and when publishing waits for readers. */
  readonly onWait?: (message: string) => void;
}

/** The catalog's writer lock, held by this process. */
export class WriterLock {
  private released = false;

  constructor(
    readonly root: string,
    private readonly owner: LockOwner,
    private readonly onWait: ((message: string) => void) | undefined,
  ) {}

  /**
   * Makes a change visible to readers at once: `moves` (staged folder ->
   * its place; an existing place is replaced) and then `commit` (the
   * manifest), after every live reader has let go and while new readers wait.
   */
  async publish(moves: readonly (readonly [string, string])[], commit: () => void): Promise<void> {
    const flag = join(this.root, LOCK_DIR, PUBLISHING);
    let told = false;
    // Readers first: the flag goes up only when none reads, and comes down
    // again if one slipped in meanwhile, so a reader never waits longer than
    // the moves themselves take.
    for (;;) {
      const readers = liveReaders(this.root);
      if (readers.length === 0) {
        rmSync(flag, { force: true }); // only the writer raises it: one left up is a killed writer's
        createExclusive(flag, this.owner);
        if (liveReaders(this.root).length === 0) break;
        rmSync(flag, { force: true });
      } else if (!told && this.onWait !== undefined) {
        this.onWait(`${this.root}: waiting for ${readers.length === 1 ? 'a reader' : `${readers.length} readers`} (${readers.map(describeOwner).join(', ')}) to finish before the new data is published`);
        told = true;
      }
      await sleep(50);
    }
    try {
      writeJournal(this.root, moves);
      applyMoves(moves);
      commit();
      rmSync(join(this.root, LOCK_DIR, JOURNAL), { force: true });
    } finally {
      rmSync(flag, { force: true });
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const path = join(this.root, LOCK_DIR, WRITER);
    const o = readOwner(path);
    if (o !== undefined && sameOwner(o, this.owner)) rmSync(path, { force: true });
    untrack(path);
  }
}

/**
 * Takes the writer lock of a local catalog (creating the catalog folder),
 * waiting while another live process holds it and taking over a stale one.
 * Then completes a publish a killed writer left unfinished and removes the
 * staging folders of writers that are gone. Exit status 2 (an InputError)
 * when the catalog stays busy past the timeout.
 */
export async function acquireWriterLock(root: string, options: WriterLockOptions = {}): Promise<WriterLock> {
  const dir = join(root, LOCK_DIR);
  const notFolder = (message: string): InputError => new InputError({ code: 'invalid_option', field: '--catalog', value: root, message });
  if (existsSync(root) && !statSync(root).isDirectory()) throw notFolder('is a file, not a catalog folder');
  try {
    mkdirSync(join(dir, READERS), { recursive: true });
  } catch (e) {
    if (systemCode(e) === 'ENOTDIR' || systemCode(e) === 'EEXIST') throw notFolder('a part of the path is a file, not a folder');
    throw e;
  }
  const owner = self(options.command ?? 'data import');
  const path = join(dir, WRITER);
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  let told = false;
  for (;;) {
    if (createExclusive(path, owner)) break;
    const holder = readOwner(path);
    if (holder === undefined || !ownerAlive(holder)) {
      // A holder that is gone, or a record not even written (never the case
      // for a live holder: the record is complete when it appears).
      if (holder !== undefined) removeStale(path, holder);
      else rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new InputError({ code: 'invalid_option', file: root, message: `the catalog is busy: ${describeOwner(holder)} is writing to it; try again when it has finished` });
    }
    if (!told) {
      options.onWait?.(`${root}: waiting for ${describeOwner(holder)} to finish writing to the catalog`);
      told = true;
    }
    await sleep(100);
  }
  track(join(dir, WRITER));
  const lock = new WriterLock(root, owner, options.onWait);
  try {
    recoverPublish(root);
    removeLeftovers(root);
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}

/** The leases of reader processes that still run (stale ones are removed); this process's own lease does not count. */
function liveReaders(root: string): LockOwner[] {
  const dir = join(root, LOCK_DIR, READERS);
  const out: LockOwner[] = [];
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (name.endsWith('.tmp') || name.includes('.stale-')) continue;
    const path = join(dir, name);
    const o = readOwner(path);
    if (o === undefined) continue;
    if (o.pid === process.pid && o.host === hostname()) continue;
    if (ownerAlive(o)) out.push(o);
    else removeStale(path, o);
  }
  return out;
}

// --- the publish journal -------------------------------------------------

/** The journal names folders relative to the catalog root, which a later process may reach by another path. */
function writeJournal(root: string, moves: readonly (readonly [string, string])[]): void {
  const path = join(root, LOCK_DIR, JOURNAL);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify({ moves: moves.map(([from, to]) => [relative(root, from), relative(root, to)]) }));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Moves staged folders into place; a place that exists is swapped out and removed. Safe to repeat after a crash. */
function applyMoves(moves: readonly (readonly [string, string])[]): void {
  for (const [from, to] of moves) {
    const old = `${to}.old-${process.pid}`;
    if (!existsSync(from)) continue; // moved before a crash
    mkdirSync(join(to, '..'), { recursive: true });
    if (existsSync(to)) {
      renameSync(to, old);
      renameSync(from, to);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(from, to);
  }
}

/** Completes the moves of a publish a killed writer left in its journal (the manifest was written after them, if at all). */
function recoverPublish(root: string): void {
  const path = join(root, LOCK_DIR, JOURNAL);
  if (!existsSync(path)) return;
  let moves: [string, string][] = [];
  try {
    moves = (JSON.parse(readFileSync(path, 'utf8')) as { moves: [string, string][] }).moves;
  } catch {
    // A journal cut short was written before any move: nothing to complete.
  }
  applyMoves(moves.map(([from, to]) => [join(root, from), join(root, to)]));
  rmSync(path, { force: true });
  rmSync(join(root, LOCK_DIR, PUBLISHING), { force: true });
}

/** Staging folders, swapped-out partitions and temporary manifests of writers that are gone. */
function removeLeftovers(root: string): void {
  const pidGone = (pid: number): boolean => !ownerAlive({ pid, start: '', host: hostname(), command: '', since: '' });
  for (const name of readdirSync(root)) {
    const staging = /^\.staging-(\d+)-/.exec(name);
    const tmp = /^_catalog\.json\.tmp-(\d+)$/.exec(name);
    const pid = staging?.[1] ?? tmp?.[1];
    if (pid !== undefined && pidGone(Number(pid))) rmSync(join(root, name), { recursive: true, force: true });
  }
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const old = /\.old-(\d+)$/.exec(e.name);
      if (old !== null) {
        if (pidGone(Number(old[1]))) rmSync(join(d, e.name), { recursive: true, force: true });
      } else walk(join(d, e.name));
    }
  };
  for (const kindDir of readdirSync(root, { withFileTypes: true })) {
    if (kindDir.isDirectory() && !kindDir.name.startsWith('.') && !kindDir.name.startsWith('_')) walk(join(root, kindDir.name));
  }
}

// --- reader leases ---------------------------------------------------------

const leases = new Map<string, { count: number; path: string }>();

/**
 * Holds a read lease on a local catalog until the returned function is
 * called (one lease file per process, counted): waits while an import
 * publishes. A catalog this process cannot write to (read-only media, another
 * user's) is read without a lease. No-op for object stores.
 */
export function acquireReadLease(root: string): () => void {
  if (isRemoteRoot(root) || !existsSync(root)) return () => {};
  const held = leases.get(root);
  if (held !== undefined) {
    held.count++;
    return once(() => releaseLease(root));
  }
  const dir = join(root, LOCK_DIR);
  const flag = join(dir, PUBLISHING);
  const owner = self('read');
  const path = join(dir, READERS, `${process.pid}-${SELF_START || '0'}`);
  try {
    mkdirSync(join(dir, READERS), { recursive: true });
  } catch {
    return () => {};
  }
  for (;;) {
    waitWhilePublishing(flag);
    rmSync(path, { force: true });
    try {
      if (!createExclusive(path, owner)) continue;
    } catch {
      return () => {}; // not writable here: read without a lease
    }
    // The writer raises its flag before it looks for leases: if the flag is
    // up now, it may not have seen this lease; step back and wait.
    if (!existsSync(flag)) break;
    rmSync(path, { force: true });
  }
  leases.set(root, { count: 1, path });
  track(path);
  return once(() => releaseLease(root));
}

function waitWhilePublishing(flag: string): void {
  for (;;) {
    const o = existsSync(flag) ? readOwner(flag) : undefined;
    if (o === undefined) {
      if (!existsSync(flag)) return;
      sleepSync(5); // being created: its record appears complete in a moment
      continue;
    }
    if (!ownerAlive(o)) {
      removeStale(flag, o); // the next writer completes that publish
      return;
    }
    sleepSync(10);
  }
}

function releaseLease(root: string): void {
  const held = leases.get(root);
  if (held === undefined) return;
  if (--held.count > 0) return;
  leases.delete(root);
  rmSync(held.path, { force: true });
  untrack(held.path);
}

/** Holds a read lease while `fn` runs. */
export async function withReadLease<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const release = acquireReadLease(root);
  try {
    return await fn();
  } finally {
    release();
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

// Lock and lease files of this process are removed when it exits normally
// (a killed process leaves them, and the next process finds them stale).
const owned = new Set<string>();
let exitHook = false;
function track(path: string): void {
  owned.add(path);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of owned) rmSync(p, { force: true });
    });
  }
}
function untrack(path: string): void {
  owned.delete(path);
}
