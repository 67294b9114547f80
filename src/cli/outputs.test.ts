import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../test/helpers/cli.js';
import { runCli, type InProcessRun } from '../../test/helpers/run-cli.js';

const SMA = join(ROOT, 'examples/sma-cross.ts');
const KO = join(SAMPLES, 'KO-1997-1998.csv');
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');

/** One line on stderr naming the path, the given exit status, no stack. */
function expectOneLine(r: InProcessRun, status: number, path: string, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toContain(path);
  expect(r.stderr).toMatch(pattern);
}

/** A run folder of KO with sma-cross, and its files' contents. */
async function koRun(out: string): Promise<Map<string, string>> {
  const r = await runCli(['backtest', '--strategy', SMA, '--data', KO, '--out', out, '--no-progress']);
  expect(r.status, r.stderr).toBe(0);
  return contents(out);
}

function contents(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** Entries beside a path that a run leaves while it works (`.quantflow-...`). */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((e) => e.startsWith('.quantflow-'));
}

let catalog: string | undefined;
/** A catalog with KO in it, for data export. */
async function koCatalog(): Promise<string> {
  if (catalog !== undefined) return catalog;
  const dir = join(tempDir('qf-out-cat-'), 'catalog');
  const r = await runCli(['data', 'import', KO, '--catalog', dir, '--no-progress']);
  expect(r.status, r.stderr).toBe(0);
  catalog = dir;
  return dir;
}

/** Every command with --out, writing to `out`. */
async function commandsWritingTo(out: string, runDir: string): Promise<{ name: string; argv: string[]; folder: boolean }[]> {
  return [
    { name: 'backtest', argv: ['backtest', '--strategy', SMA, '--data', KO, '--out', out, '--no-progress'], folder: true },
    { name: 'compare', argv: ['compare', runDir, runDir, '--out', out], folder: true },
    { name: 'data resample', argv: ['data', 'resample', '--data', KO, '--to', '1d', '--out', out], folder: false },
    { name: 'data generate', argv: ['data', 'generate', '--bars', '100', '--out', out], folder: false },
    { name: 'indicator', argv: ['indicator', 'SMA', '--data', KO, '--out', out], folder: false },
    { name: 'report', argv: ['report', runDir, '--out', out], folder: false },
    { name: 'data export', argv: ['data', 'export', '--symbol', 'KO', '--catalog', await koCatalog(), '--out', out], folder: false },
  ];
}

describe('--out that cannot be written: exit 2, one line naming it, nothing else changed', () => {
  it('a file where a folder goes, a folder where a file goes', async () => {
    const dir = tempDir('qf-out-');
    const runDir = join(dir, 'run');
    await koRun(runDir);
    const file = join(dir, 'a-file.txt');
    writeFileSync(file, 'keep me');
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    for (const c of await commandsWritingTo('PLACEHOLDER', runDir)) {
      const target = c.folder ? file : folder;
      const r = await runCli(c.argv.map((a) => (a === 'PLACEHOLDER' ? target : a)));
      expectOneLine(r, 2, target, c.folder ? /it is a file, not a folder/ : /it is a folder, not a file/);
      expect(readFileSync(file, 'utf8'), c.name).toBe('keep me');
      expect(readdirSync(folder), c.name).toEqual([]);
      expect(leftovers(dir), c.name).toEqual([]);
    }
  });

  it('a path under a regular file', async () => {
    const dir = tempDir('qf-out-');
    const runDir = join(dir, 'run');
    await koRun(runDir);
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const target = join(file, 'sub', 'out.csv');
    for (const c of await commandsWritingTo(target, runDir)) {
      expectOneLine(await runCli(c.argv), 2, join(file, 'sub'), /a part of the path is a file, not a folder|it is a file, not a folder/);
    }
  });

  it.skipIf(process.getuid?.() === 0)('a folder without write permission (not as root, who may write anyway)', async () => {
    const dir = tempDir('qf-out-');
    const runDir = join(dir, 'run');
    await koRun(runDir);
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    try {
      for (const c of await commandsWritingTo(join(locked, 'out'), runDir)) {
        expectOneLine(await runCli(c.argv), 2, join(locked, 'out'), /permission denied/);
      }
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('/dev/full: a device that is always full is exit 1 with one line', async () => {
    if (!existsSync('/dev/full')) return;
    const dir = tempDir('qf-out-');
    const runDir = join(dir, 'run');
    await koRun(runDir);
    for (const c of await commandsWritingTo('/dev/full', runDir)) {
      if (c.folder) continue;
      const r = await runCli(c.argv);
      expectOneLine(r, 1, '/dev/full', /out of disk space writing \/dev\/full \(ENOSPC\)/);
    }
  });

  it('the output file is the input file: refused before it is read', async () => {
    const dir = tempDir('qf-out-');
    const copy = join(dir, 'KO.csv');
    writeFileSync(copy, readFileSync(KO));
    for (const argv of [
      ['data', 'resample', '--data', copy, '--to', '1d', '--out', copy],
      ['indicator', 'SMA', '--data', copy, '--out', copy],
    ]) {
      expectOneLine(await runCli(argv), 2, copy, /is the input file/);
      expect(readFileSync(copy, 'utf8')).toBe(readFileSync(KO, 'utf8'));
    }
  });
});

describe('run folders: written aside and swapped in whole', () => {
  it('a second run replaces the first completely (no stale file of the first stays)', async () => {
    const out = join(tempDir('qf-out-'), 'run');
    const first = await runCli(['backtest', '--strategy', SMA, '--data', KO, '--out', out, '--report', '--no-progress']);
    expect(first.status).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    const second = await koRun(out);
    expect([...second.keys()]).toEqual(['equity.csv', 'fills.csv', 'orders.csv', 'positions.csv', 'run.json', 'summary.json', 'trades.csv']);
    expect(JSON.parse(second.get('summary.json')!)).toMatchObject({ complete: true, warnings: [] });
    expect(leftovers(join(out, '..'))).toEqual([]);
  });

  it("a folder that is not a run's is refused, untouched", async () => {
    const dir = tempDir('qf-out-');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    mkdirSync(join(dir, 'src'));
    const r = await runCli(['backtest', '--strategy', SMA, '--data', KO, '--out', dir, '--no-progress']);
    expectOneLine(r, 2, dir, /is not a QuantFlow run folder \(it holds notes\.txt, src\)/);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'src']);
  });

  it("files a user put into a run folder are carried over into the new run's", async () => {
    const out = join(tempDir('qf-out-'), 'run');
    await koRun(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = await runCli(['backtest', '--strategy', SMA, '--data', ORCL, '--out', out, '--no-progress']);
    expect(r.status).toBe(0);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ symbols: ['ORCL'] });
  });

  it('what a killed run left beside --out is cleaned up by the next run; a swap cut half-way is undone', async () => {
    const parent = tempDir('qf-out-');
    const out = join(parent, 'run');
    const before = await koRun(out);
    // A dead process's staging folder, and one of a live process (ours is alive: pid 1).
    const deadPid = 2 ** 22 + 12345;
    mkdirSync(join(parent, `.quantflow-new-${deadPid}-1-run`));
    writeFileSync(join(parent, `.quantflow-new-${deadPid}-1-run`, 'summary.json'), '{}');
    mkdirSync(join(parent, '.quantflow-new-1-1-run'));
    await koRun(out);
    expect(leftovers(parent)).toEqual(['.quantflow-new-1-1-run']);
    // Killed between the two renames of a swap: --out is gone, the previous run is aside.
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const aside = join(parent, `.quantflow-old-${deadPid}-2-run`);
    renameSync(out, aside);
    const r = await runCli(['backtest', '--strategy', SMA, '--data', ORCL, '--to', '1995-01-10', '--out', join(parent, 'other'), '--no-progress']);
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(false); // another --out: not this one's business
    // The next run with this --out puts the previous run back in place first, so the user's file is kept.
    await koRun(out);
    expect(contents(out)).toEqual(new Map([...before, ['notes.txt', 'mine'] as const].sort()));
    expect(leftovers(parent)).toEqual(['.quantflow-new-1-1-run']);
  });
});
