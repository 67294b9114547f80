import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../test/helpers/cli.js';
import { runCli } from '../../test/helpers/run-cli.js';

const SMA = join(ROOT, 'examples/sma-cross.ts');
const KO = join(SAMPLES, 'KO-1997-1998.csv');

/** A folder holding copies of some samples (and things that are not CSV files, which are left out). */
function folderOf(names: readonly string[]): string {
  const dir = tempDir('qf-folder-');
  for (const n of names) copyFileSync(join(SAMPLES, n), join(dir, n));
  copyFileSync(join(SAMPLES, 'README.md'), join(dir, 'README.md'));
  mkdirSync(join(dir, 'sub.csv'));
  return dir;
}

/** One line on stderr, exit 2, the path named, no stack. */
function expectOneLine(r: { status: number; stderr: string }, path: string): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toContain(path);
}

describe('a folder as --data: its .csv files in name order where files are taken, exit 2 naming it where one file is needed', () => {
  it('backtest --data FOLDER runs its .csv files, as if each were given', async () => {
    const dir = folderOf(['NVDA-1999-2014.csv', 'KO-1997-1998.csv']);
    const a = join(tempDir('qf-folder-out-'), 'a');
    const b = join(tempDir('qf-folder-out-'), 'b');
    const viaFolder = await runCli(['backtest', '--strategy', SMA, '--data', dir, '--out', a, '--no-progress']);
    expect(viaFolder.status, viaFolder.stderr).toBe(0);
    const viaFiles = await runCli(['backtest', '--strategy', SMA, '--data', join(dir, 'KO-1997-1998.csv'), '--data', join(dir, 'NVDA-1999-2014.csv'), '--out', b, '--no-progress']);
    expect(viaFiles.status).toBe(0);
    for (const f of ['summary.json', 'equity.csv', 'orders.csv', 'run.json']) {
      expect(readFileSync(join(a, f), 'utf8').replaceAll(a, 'OUT'), f).toBe(readFileSync(join(b, f), 'utf8').replaceAll(b, 'OUT'));
    }
    const settings = JSON.parse(readFileSync(join(a, 'run.json'), 'utf8')) as { config: { data: string[] } };
    expect(settings.config.data).toEqual([join(dir, 'KO-1997-1998.csv'), join(dir, 'NVDA-1999-2014.csv')]);
  });

  it('data check FOLDER checks each file', async () => {
    const dir = folderOf(['KO-1997-1998.csv', 'FUT-2015-ticks.csv']);
    const r = await runCli(['data', 'check', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split(':')[0])).toEqual([join(dir, 'FUT-2015-ticks.csv'), join(dir, 'KO-1997-1998.csv')]);
  });

  it('book --data FOLDER replays its files', async () => {
    const dir = folderOf(['tardis-binance-futures-book-snapshot-25.csv']);
    const viaFolder = await runCli(['book', '--data', dir, '--json']);
    const viaFile = await runCli(['book', '--data', join(dir, 'tardis-binance-futures-book-snapshot-25.csv'), '--json']);
    expect(viaFolder.status).toBe(0);
    expect(viaFolder.stdout).toBe(viaFile.stdout);
  });

  it('a folder without .csv files is exit 2 naming it', async () => {
    const dir = tempDir('qf-folder-');
    expectOneLine(await runCli(['backtest', '--strategy', SMA, '--data', dir, '--no-progress']), dir);
    expectOneLine(await runCli(['data', 'check', dir]), dir);
  });

  it('a folder where one file is needed is exit 2 naming it', async () => {
    const dir = folderOf(['KO-1997-1998.csv']);
    const out = join(tempDir('qf-folder-out-'), 'run');
    const cases: string[][] = [
      ['data', 'resample', '--data', dir, '--to', '1h', '--out', join(tempDir('qf-folder-out-'), 'x.csv')],
      ['indicator', 'SMA', '--data', dir],
      ['backtest', '--strategy', SMA, '--data', KO, '--benchmark', dir, '--out', out, '--no-progress'],
      ['backtest', '--strategy', SMA, '--data', KO, '--adjust', 'splits', '--actions', dir, '--out', out, '--no-progress'],
      ['backtest', '--config', dir, '--out', out, '--no-progress'],
      ['backtest', '--strategy', dir, '--data', KO, '--out', out, '--no-progress'],
    ];
    for (const argv of cases) {
      const r = await runCli(argv);
      expectOneLine(r, dir);
      expect(r.stderr, argv.join(' ')).toMatch(/is a folder/);
    }
  });
});
