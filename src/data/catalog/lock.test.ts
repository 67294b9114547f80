import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { acquireReadLease, acquireWriterLock, ownerAlive } from './lock.js';

const fresh = (): string => {
  const root = join(mkdtempSync(join(tmpdir(), 'qf-lock-')), 'cat');
  mkdirSync(root);
  return root;
};
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());
const me = { pid: process.pid, host: hostname(), command: 'x', since: 'y' };

describe('lock owners', () => {
  it('are alive while their process runs, and not once it is gone or its pid belongs to a process started at another time', () => {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
    expect(ownerAlive({ ...me, start })).toBe(true);
    expect(ownerAlive({ ...me, start: String(Number(start) + 1) })).toBe(false);
    expect(ownerAlive({ ...me, pid: deadPid(), start: '' })).toBe(false);
    expect(ownerAlive({ ...me, pid: deadPid(), start: '', host: 'elsewhere' })).toBe(true); // cannot tell: alive
  });
});

describe('the writer lock', () => {
  it('is exclusive within a process too, and free again once released', async () => {
    const root = fresh();
    const lock = await acquireWriterLock(root, { command: 'first' });
    const waits: string[] = [];
    await expect(acquireWriterLock(root, { timeoutMs: 0, onWait: (m) => waits.push(m) })).rejects.toBeInstanceOf(InputError);
    lock.release();
    const again = await acquireWriterLock(root, { timeoutMs: 0 });
    again.release();
    expect(existsSync(join(root, '_lock/writer'))).toBe(false);
  });

  it('is taken over from a process that is gone', async () => {
    const root = fresh();
    mkdirSync(join(root, '_lock'), { recursive: true });
    writeFileSync(join(root, '_lock/writer'), JSON.stringify({ ...me, pid: deadPid(), start: '' }));
    const lock = await acquireWriterLock(root, { timeoutMs: 0 });
    expect(JSON.parse(readFileSync(join(root, '_lock/writer'), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('completes a publish that a killed writer left half done, before anything else', async () => {
    const root = fresh();
    // Staged: two partitions; the first was moved into place before the crash, the second not.
    mkdirSync(join(root, 'bars/symbol=X/side=trade/year=2001'), { recursive: true });
    writeFileSync(join(root, 'bars/symbol=X/side=trade/year=2001/data_0.parquet'), 'new 2001');
    mkdirSync(join(root, 'bars/symbol=X/side=trade/year=2002'), { recursive: true });
    writeFileSync(join(root, 'bars/symbol=X/side=trade/year=2002/data_0.parquet'), 'old 2002');
    const staging = '.staging-1-1';
    mkdirSync(join(root, staging, 'year=2002'), { recursive: true });
    writeFileSync(join(root, staging, 'year=2002/data_0.parquet'), 'new 2002');
    mkdirSync(join(root, '_lock'), { recursive: true });
    writeFileSync(
      join(root, '_lock/publish.json'),
      JSON.stringify({
        moves: [
          [`${staging}/year=2001`, 'bars/symbol=X/side=trade/year=2001'],
          [`${staging}/year=2002`, 'bars/symbol=X/side=trade/year=2002'],
        ],
      }),
    );
    writeFileSync(join(root, '_lock/publishing'), JSON.stringify({ ...me, pid: deadPid(), start: '' }));
    const lock = await acquireWriterLock(root, { timeoutMs: 0 });
    lock.release();
    expect(readFileSync(join(root, 'bars/symbol=X/side=trade/year=2001/data_0.parquet'), 'utf8')).toBe('new 2001');
    expect(readFileSync(join(root, 'bars/symbol=X/side=trade/year=2002/data_0.parquet'), 'utf8')).toBe('new 2002');
    expect(readdirSync(join(root, '_lock')).sort()).toEqual(['readers']);
    expect(readdirSync(join(root, 'bars/symbol=X/side=trade')).sort()).toEqual(['year=2001', 'year=2002']);
  });

  it('publishes at once when only this process reads the catalog', async () => {
    const root = fresh();
    const release = acquireReadLease(root);
    const lock = await acquireWriterLock(root);
    mkdirSync(join(root, '.staging-x/year=2000'), { recursive: true });
    let committed = false;
    await lock.publish([[join(root, '.staging-x/year=2000'), join(root, 'bars/symbol=Y/side=trade/year=2000')]], () => (committed = true));
    lock.release();
    release();
    expect(committed).toBe(true);
    expect(existsSync(join(root, 'bars/symbol=Y/side=trade/year=2000'))).toBe(true);
  });
});

describe('read leases', () => {
  it('are one file per process, counted, removed when the last holder lets go', () => {
    const root = fresh();
    const a = acquireReadLease(root);
    const b = acquireReadLease(root);
    const leases = (): string[] => readdirSync(join(root, '_lock/readers'));
    expect(leases()).toHaveLength(1);
    a();
    a(); // twice is once
    expect(leases()).toHaveLength(1);
    b();
    expect(leases()).toHaveLength(0);
  });
});
