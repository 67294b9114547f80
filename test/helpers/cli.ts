import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SAMPLES = join(ROOT, 'data/samples');

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the built command line, as a user would. `npm test` builds first. */
export function cli(args: readonly string[], cwd = ROOT): CliRun {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'qf-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A CSV output of a run (no quoted fields) as rows keyed by column name. */
export type CsvRow = Record<string, string>;
export function readCsv(path: string): CsvRow[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

/** summary.json of a run directory. */
export function summaryOf(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
}
