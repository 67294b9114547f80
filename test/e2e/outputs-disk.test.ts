import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, cli, tempDir } from '../helpers/cli.js';

const SMA = join(ROOT, 'examples/sma-cross.ts');
const KO = join(SAMPLES, 'KO-1997-1998.csv');
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');

function contents(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

const mounted: string[] = [];
/** A small tmpfs (root with CAP_SYS_ADMIN only); undefined where it cannot be mounted. */
function smallDisk(options: string): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = tempDir('qf-disk-');
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status !== 0) return undefined;
  mounted.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of mounted) spawnSync('umount', [d]);
});

const canMount = smallDisk('size=64k') !== undefined;

describe.skipIf(!canMount)('a full disk and a read-only file system (a small tmpfs)', () => {
  it('a run that fills the disk: exit 1, one line, the previous run untouched, nothing half-written left', () => {
    const disk = smallDisk('size=256k') as string;
    const out = join(disk, 'run');
    expect(cli(['backtest', '--strategy', SMA, '--data', KO, '--out', out]).status).toBe(0);
    const before = contents(out);
    // ORCL's outputs are about 750 kB: they cannot fit.
    const r = cli(['backtest', '--strategy', SMA, '--data', ORCL, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: out of disk space writing ${out} (ENOSPC); nothing was replaced there\n`);
    expect(contents(out)).toEqual(before);
    expect(readdirSync(disk)).toEqual(['run']);
  });

  it('single files that fill the disk: exit 1, the previous file untouched, no temporary file left', () => {
    const disk = smallDisk('size=128k') as string;
    const out = join(disk, 'bars.csv');
    expect(cli(['data', 'generate', '--bars', '100', '--out', out]).status).toBe(0);
    const before = readFileSync(out, 'utf8');
    for (const argv of [
      ['data', 'generate', '--bars', '100000', '--out', out],
      ['data', 'resample', '--data', join(SAMPLES, 'FUT-2006-min.csv'), '--to', '1m', '--out', out],
      ['indicator', 'MACD', '--data', ORCL, '--out', out],
    ]) {
      const r = cli(argv);
      expect(r.status, argv.join(' ')).toBe(1);
      expect(r.stderr).toBe(`error: out of disk space writing ${out} (ENOSPC); nothing was replaced there\n`);
      expect(readFileSync(out, 'utf8')).toBe(before);
      expect(readdirSync(disk)).toEqual(['bars.csv']);
    }
  });

  it('a read-only file system: exit 2, one line', () => {
    const disk = smallDisk('size=64k,ro') as string;
    const r = cli(['backtest', '--strategy', SMA, '--data', KO, '--out', join(disk, 'run')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot write .*run: read-only file system\n$/);
    const g = cli(['data', 'generate', '--bars', '10', '--out', join(disk, 'x.csv')]);
    expect(g.status).toBe(2);
    expect(g.stderr).toBe(`error: cannot write ${join(disk, 'x.csv')}: read-only file system\n`);
  });

  it('--out on a mount point: its files are replaced one by one, summary.json last', () => {
    const disk = smallDisk('size=4m') as string;
    expect(cli(['backtest', '--strategy', SMA, '--data', KO, '--out', disk, '--report']).status).toBe(0);
    expect(existsSync(join(disk, 'report.html'))).toBe(true);
    const r = cli(['backtest', '--strategy', SMA, '--data', ORCL, '--out', disk]);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(disk).sort()).toEqual(['equity.csv', 'fills.csv', 'orders.csv', 'positions.csv', 'run.json', 'summary.json', 'trades.csv']);
    expect(JSON.parse(readFileSync(join(disk, 'summary.json'), 'utf8'))).toMatchObject({ symbols: ['ORCL'], complete: true });
  });
});

describe('a run killed with SIGKILL', () => {
  it('leaves the previous outputs as they were; the next run removes what it left', async () => {
    const parent = tempDir('qf-kill-');
    const out = join(parent, 'run');
    expect(cli(['backtest', '--strategy', SMA, '--data', KO, '--out', out]).status).toBe(0);
    const before = contents(out);
    // A strategy that says where it is, then blocks inside the run until it is killed.
    const marker = join(parent, 'reached');
    const strategy = join(parent, 'Blocks.ts');
    writeFileSync(
      strategy,
      `import { writeFileSync } from 'node:fs';
import { Strategy, type Bar, type StrategyContext } from 'quantflow';
export default class Blocks extends Strategy {
  private n = 0;
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (++this.n === 2) ctx.buy(100);
    if (this.n === 1000) {
      writeFileSync(${JSON.stringify(marker)}, 'here');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
  }
}
`,
    );
    const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), 'backtest', '--strategy', strategy, '--data', ORCL, '--out', out], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for (let i = 0; i < 600 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(marker)).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(contents(out)).toEqual(before);
    // Its staging folder is hidden beside --out, never in it.
    expect(readdirSync(parent).filter((e) => e.startsWith('.quantflow-new-'))).toHaveLength(1);
    mkdirSync(join(parent, 'unrelated'));
    expect(cli(['backtest', '--strategy', SMA, '--data', ORCL, '--out', out]).status).toBe(0);
    expect(readdirSync(parent).sort()).toEqual(['Blocks.ts', 'reached', 'run', 'unrelated']);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ symbols: ['ORCL'], complete: true });
  });
});

describe('a reader that stops early', () => {
  it('`quantflow ... | head` ends quietly, without an EPIPE stack', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), 'indicator', 'SMA', '--data', ORCL], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read the first chunk, then close the pipe as `head` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
