import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError, fsyncPath, makeFolder, outputError, stagingName, staleStaging, systemCode } from '../core/output-file.js';

/** Every file `backtest` writes into its --out folder. */
export const RUN_FOLDER_FILES: readonly string[] = ['summary.json', 'trades.csv', 'orders.csv', 'equity.csv', 'fills.csv', 'positions.csv', 'run.json', 'report.html'];

const isOurs = (entry: string): boolean => RUN_FOLDER_FILES.includes(entry);

/**
 * A run's --out folder, written so that it never holds a mix of two runs or
 * a cut run that looks whole. The outputs go into a staging folder beside
 * --out (`.quantflow-new-<pid>-<n>-<name>`, same file system); `commit`
 * syncs them to disk and swaps the folder into place: the old folder is
 * renamed aside, the new one renamed to --out, and the old one removed. A
 * run that fails or is killed before that leaves the previous outputs as
 * they were; its staging folder is removed by the next run with the same
 * --out (when its process is gone).
 *
 * An existing --out must be a run folder: only the files above, or a
 * run.json among others (files a run did not write are carried over into
 * the new folder). Anything else is refused rather than replaced.
 */
export class StagedRunFolder {
  private committed = false;

  private constructor(
    /** --out as given, for messages. */
    readonly out: string,
    private readonly target: string,
    /** Where the outputs are written before commit(). */
    readonly dir: string,
  ) {}

  static begin(out: string): StagedRunFolder {
    let target = resolve(out);
    if (existsSync(target)) {
      try {
        target = realpathSync(target); // a symbolic link stays: its folder is the one replaced
      } catch (e) {
        throw outputError(out, e);
      }
    }
    const parent = dirname(target);
    const name = basename(target);
    if (name === '' || parent === target) throw new OutputError(out, 'OUT_ROOT', `cannot use ${out} as an output folder: give a folder of its own`);
    makeFolder(parent, dirname(out));
    recoverStale(parent, name, target);
    checkRunFolder(out, target);
    const staging = join(parent, stagingName('new', name));
    try {
      mkdirSync(staging);
    } catch (e) {
      throw outputError(out, e);
    }
    return new StagedRunFolder(out, target, staging);
  }

  /** Syncs the staged outputs to disk and puts them in place of --out. */
  commit(): void {
    const files = readdirSync(this.dir);
    try {
      for (const f of files) fsyncPath(join(this.dir, f));
      fsyncPath(this.dir);
    } catch (e) {
      throw outputError(this.out, e);
    }
    const parent = dirname(this.target);
    const aside = join(parent, stagingName('old', basename(this.target)));
    let moved = false;
    try {
      renameSync(this.target, aside);
      moved = true;
    } catch (e) {
      const code = systemCode(e);
      if (code === 'EBUSY' || code === 'EXDEV') {
        // --out is a mount point: it cannot be renamed, so its files are replaced one by one.
        this.replaceFiles(files);
        this.committed = true;
        return;
      }
      if (code !== 'ENOENT') throw outputError(this.out, e);
    }
    try {
      renameSync(this.dir, this.target);
    } catch (e) {
      if (moved) renameSync(aside, this.target);
      throw outputError(this.out, e);
    }
    this.committed = true;
    if (moved) {
      carryOver(aside, this.target);
      rmSync(aside, { recursive: true, force: true });
    }
    try {
      fsyncPath(parent);
    } catch {
      // The renames are done; a folder that cannot be synced is no reason to fail the run.
    }
  }

  /** Removes the staging folder (nothing to do after commit). */
  discard(): void {
    if (!this.committed) rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * In place, for a folder that cannot be swapped: summary.json goes first
   * and comes back last, so a failure half-way never leaves a run that
   * looks complete; outputs of the old run that this one did not write go.
   */
  private replaceFiles(files: readonly string[]): void {
    try {
      rmSync(join(this.target, 'summary.json'), { force: true });
      for (const f of RUN_FOLDER_FILES) if (!files.includes(f)) rmSync(join(this.target, f), { force: true });
      const ordered = [...files.filter((f) => f !== 'summary.json'), ...files.filter((f) => f === 'summary.json')];
      for (const f of ordered) {
        copyFileSync(join(this.dir, f), join(this.target, f));
        fsyncPath(join(this.target, f));
      }
    } catch (e) {
      throw outputError(this.out, e);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/**
 * The entries of a folder that make it not a run's folder, for a message
 * (the first three and how many), or undefined when it is one: it holds
 * only what a run writes (`ours`), or a run.json among other files (an
 * earlier run's folder the user added to).
 */
export function foreignEntries(entries: readonly string[], ours: (entry: string) => boolean): string | undefined {
  const foreign = entries.filter((e) => !ours(e));
  if (foreign.length === 0 || entries.includes('run.json')) return undefined;
  return foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, ... (${foreign.length} entries)` : '');
}

/** Refuses an --out that is a file, or a folder that is not a run's. */
function checkRunFolder(out: string, target: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch (e) {
    if (systemCode(e) === 'ENOENT') return;
    throw outputError(out, e);
  }
  if (!isDir) throw new OutputError(out, 'OUT_FILE', `cannot write the run to ${out}: it is a file, not a folder`);
  const shown = foreignEntries(readdirSync(target), isOurs);
  if (shown === undefined) return;
  throw new OutputError(
    out,
    'OUT_NOT_RUN',
    `${out} is not a QuantFlow run folder (it holds ${shown}), and a run replaces its folder: give a new or empty folder, or a run's`,
  );
}

/** Moves what a run did not write from an old run folder into the new one. */
function carryOver(from: string, to: string): void {
  for (const e of readdirSync(from)) {
    if (isOurs(e) || existsSync(join(to, e))) continue;
    renameSync(join(from, e), join(to, e));
  }
}

/**
 * Cleans up after runs killed before they finished: their staging folders
 * go; an old folder set aside goes back into place if the swap was cut
 * between its two renames, else its foreign files move into the current
 * folder and it goes.
 */
function recoverStale(parent: string, name: string, target: string): void {
  for (const s of staleStaging(parent, name)) {
    try {
      if (s.kind !== 'old') {
        rmSync(s.path, { recursive: true, force: true });
      } else if (!existsSync(target)) {
        renameSync(s.path, target);
      } else {
        carryOver(s.path, target);
        rmSync(s.path, { recursive: true, force: true });
      }
    } catch (e) {
      throw outputError(join(dirname(target), basename(s.path)), e);
    }
  }
}
