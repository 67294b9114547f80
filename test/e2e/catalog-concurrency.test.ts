/**
 * Several processes on one catalog: writers take turns (a lock that dies with
 * its process), nothing is lost, readers see an import whole or not at all,
 * and what a killed import leaves behind is cleaned up by the next writer.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireReadLease, acquireWriterLock } from '../../src/data/catalog/lock.js';
import { ROOT, SAMPLES, cli, tempDir } from '../helpers/cli.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  done: Promise<number>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function start(args: readonly string[]): Running {
  const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: 'true' } });
  children.push(child);
  const r: Running = { child, stdout: '', stderr: '', done: Promise.resolve(0) };
  child.stdout?.on('data', (b: Buffer) => (r.stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (r.stderr += b.toString()));
  r.done = new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return r;
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A generated minute-bar file of `bars` rows from row `from` of one seeded series, under symbol `symbol`. */
function slice(dir: string, name: string, lines: readonly string[], from: number, to: number): string {
  const path = join(dir, name);
  writeFileSync(path, [lines[0], ...lines.slice(1 + from, 1 + to)].join('\n') + '\n');
  return path;
}

function rowsIn(catalog: string, symbol: string): number {
  const r = cli(['data', 'ls', '--catalog', catalog, '--json']);
  expect(r.status, r.stderr).toBe(0);
  const sets = JSON.parse(r.stdout) as { symbol: string; rows: number }[];
  return sets.filter((s) => s.symbol === symbol).reduce((a, s) => a + s.rows, 0);
}

function manifest(catalog: string): { imports: { source: string; symbol: string; added: number; duplicates: number }[] } {
  return JSON.parse(readFileSync(join(catalog, '_catalog.json'), 'utf8'));
}

/** The pid of a process that has ended (for stale locks and leftovers). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

const dir = tempDir('qf-concurrent-');
const generated = join(dir, 'gen.csv');
expect(cli(['data', 'generate', '--bars', '300000', '--seed', '11', '--out', generated]).status).toBe(0);
const genLines = readFileSync(generated, 'utf8').trimEnd().split('\n');
// Two overlapping thirds of one series: 200,000 rows each, 100,000 in common; 300,000 in all.
const first = slice(dir, 'SYN-a.csv', genLines, 0, 200_000);
const second = slice(dir, 'SYN-b.csv', genLines, 100_000, 300_000);

describe('two imports into one catalog at once', () => {
  it('into the same symbol: every row once, both imports recorded', async () => {
    const catalog = join(tempDir(), 'cat');
    const a = start(['data', 'import', first, '--catalog', catalog, '--symbol', 'SYN']);
    const b = start(['data', 'import', second, '--catalog', catalog, '--symbol', 'SYN']);
    expect([await a.done, await b.done], a.stderr + b.stderr).toEqual([0, 0]);
    expect(rowsIn(catalog, 'SYN')).toBe(300_000);
    const imports = manifest(catalog).imports;
    expect(imports.map((i) => i.source).sort()).toEqual(['SYN-a.csv', 'SYN-b.csv']);
    expect(imports.reduce((n, i) => n + i.added, 0)).toBe(300_000);
    expect(imports.reduce((n, i) => n + i.duplicates, 0)).toBe(100_000);
    // Both are recognised when imported again.
    const again = cli(['data', 'import', first, second, '--catalog', catalog, '--symbol', 'SYN']);
    expect(again.stdout.match(/already imported/g)).toHaveLength(2);
  });

  it('into different symbols: both data sets and both import records kept', async () => {
    const catalog = join(tempDir(), 'cat');
    const a = start(['data', 'import', first, '--catalog', catalog, '--symbol', 'AAA']);
    const b = start(['data', 'import', ORCL, '--catalog', catalog]);
    expect([await a.done, await b.done], a.stderr + b.stderr).toEqual([0, 0]);
    expect(rowsIn(catalog, 'AAA')).toBe(200_000);
    expect(rowsIn(catalog, 'ORCL')).toBe(5036);
    expect(manifest(catalog).imports.map((i) => i.symbol).sort()).toEqual(['AAA', 'ORCL']);
  });

  it('the second writer waits for the first, saying so, and then imports', async () => {
    const catalog = join(tempDir(), 'cat');
    mkdirSync(catalog);
    const lock = await acquireWriterLock(catalog, { command: 'a test' });
    const a = start(['data', 'import', ORCL, '--catalog', catalog]);
    await until('the waiting message', () => a.stderr.includes('waiting for a test'));
    expect(a.stderr).toContain(`(pid ${process.pid}`);
    expect(existsSync(join(catalog, 'bars'))).toBe(false);
    lock.release();
    expect(await a.done, a.stderr).toBe(0);
    expect(rowsIn(catalog, 'ORCL')).toBe(5036);
  });

  it('with --lock-timeout 0 a busy catalog is exit 2 naming who holds it, and nothing is written', async () => {
    const catalog = join(tempDir(), 'cat');
    mkdirSync(catalog);
    const lock = await acquireWriterLock(catalog, { command: 'a test' });
    try {
      const r = cli(['data', 'import', ORCL, '--catalog', catalog, '--lock-timeout', '0']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/the catalog is busy: a test \(pid \d+, since .*\) is writing to it/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(existsSync(join(catalog, '_catalog.json'))).toBe(false);
    } finally {
      lock.release();
    }
    expect(cli(['data', 'import', ORCL, '--catalog', catalog, '--lock-timeout', 'soon']).status).toBe(2);
  });
});

describe('a killed import', () => {
  it('leaves a lock that the next writer takes over, and staging folders it removes; the catalog is as before', async () => {
    const catalog = join(tempDir(), 'cat');
    expect(cli(['data', 'import', ORCL, '--catalog', catalog]).status).toBe(0);
    const before = readFileSync(join(catalog, '_catalog.json'), 'utf8');
    const big = join(dir, 'big.csv');
    if (!existsSync(big)) expect(cli(['data', 'generate', '--bars', '1500000', '--out', big]).status).toBe(0);
    const a = start(['data', 'import', big, '--catalog', catalog]);
    await until('a staging folder', () => readdirSync(catalog).some((n) => n.startsWith('.staging-')));
    a.child.kill('SIGKILL');
    await a.done;
    expect(existsSync(join(catalog, '_lock/writer'))).toBe(true);
    expect(readFileSync(join(catalog, '_catalog.json'), 'utf8')).toBe(before);
    expect(rowsIn(catalog, 'ORCL')).toBe(5036);
    expect(rowsIn(catalog, 'big')).toBe(0);
    // A staging folder of a live process (this one) is not touched.
    const mine = join(catalog, `.staging-${process.pid}-1`);
    mkdirSync(mine);
    const again = cli(['data', 'import', ORCL, '--catalog', catalog, '--lock-timeout', '0']);
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(catalog).filter((n) => n.startsWith('.staging-'))).toEqual([`.staging-${process.pid}-1`]);
    expect(existsSync(join(catalog, '_lock/writer'))).toBe(false);
  });

  it('its swapped-out partitions and temporary manifests are removed too', () => {
    const catalog = join(tempDir(), 'cat');
    expect(cli(['data', 'import', ORCL, '--catalog', catalog]).status).toBe(0);
    const pid = deadPid();
    const old = join(catalog, `bars/symbol=ORCL/side=trade/year=1999.old-${pid}`);
    mkdirSync(old);
    writeFileSync(join(old, 'data_0.parquet'), 'x');
    writeFileSync(join(catalog, `_catalog.json.tmp-${pid}`), '{');
    mkdirSync(join(catalog, `.staging-${pid}-5/year=2001`), { recursive: true });
    expect(cli(['data', 'import', generated, '--catalog', catalog]).status).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(readdirSync(catalog).filter((n) => n.includes(String(pid)))).toEqual([]);
    expect(rowsIn(catalog, 'ORCL')).toBe(5036);
  });
});

describe('readers during an import', () => {
  it('see the catalog before the import until they let go, then all of it', async () => {
    const catalog = join(tempDir(), 'cat');
    const head = slice(dir, 'ORCL-head.csv', readFileSync(ORCL, 'utf8').trimEnd().split('\n'), 0, 2500);
    expect(cli(['data', 'import', head, '--catalog', catalog, '--symbol', 'ORCL']).status).toBe(0);
    const release = acquireReadLease(catalog);
    let released = false;
    try {
      const a = start(['data', 'import', ORCL, '--catalog', catalog]);
      await until('the import to wait for the reader', () => a.stderr.includes('waiting for a reader'));
      // Staged, not published: every reader still sees the 2,500 rows and one import.
      expect(rowsIn(catalog, 'ORCL')).toBe(2500);
      expect(manifest(catalog).imports).toHaveLength(1);
      release();
      released = true;
      expect(await a.done, a.stderr).toBe(0);
    } finally {
      if (!released) release();
    }
    expect(rowsIn(catalog, 'ORCL')).toBe(5036);
    expect(manifest(catalog).imports).toHaveLength(2);
  });

  it('wait while an import publishes, and read once it is done', async () => {
    const catalog = join(tempDir(), 'cat');
    expect(cli(['data', 'import', ORCL, '--catalog', catalog]).status).toBe(0);
    // A publish in progress, by a process that runs (a sleeping child).
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    children.push(sleeper);
    const stat = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
    const startTicks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const flag = join(catalog, '_lock/publishing');
    writeFileSync(flag, JSON.stringify({ pid: sleeper.pid, start: startTicks, host: (await import('node:os')).hostname(), command: 'data import', since: 'now' }));
    const reader = start(['data', 'ls', '--catalog', catalog]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(reader.child.exitCode).toBe(null);
    (await import('node:fs')).rmSync(flag);
    expect(await reader.done).toBe(0);
    expect(reader.stdout).toContain('bars ORCL');
    // A flag whose writer is gone does not hold readers up.
    writeFileSync(flag, JSON.stringify({ pid: deadPid(), start: '', host: (await import('node:os')).hostname(), command: 'data import', since: 'then' }));
    expect(cli(['data', 'ls', '--catalog', catalog]).status).toBe(0);
  });
});
