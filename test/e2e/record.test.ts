/**
 * `quantflow record` as a process (test/helpers/record-process.ts: the real
 * command over a generated source): SIGTERM and SIGINT stop it cleanly with
 * everything flushed; SIGKILL loses at most the events since the last flush
 * and leaves a catalog that is valid and holds only whole flushes, and a
 * restarted recorder goes on without duplicating a row; a reader during the
 * recording sees whole flushes only, and holds a flush back until it is done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireReadLease } from '../../src/data/catalog/lock.js';
import { openCatalogFeed, readManifest } from '../../src/data/catalog/index.js';
import { collectColumns } from '../../src/data/collect.js';
import type { TradeColumns } from '../../src/model/market.js';
import { ROOT, cli, tempDir } from '../helpers/cli.js';
import { synthTrade } from '../helpers/synthetic-trades.js';

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  done: Promise<number | string>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function record(catalog: string, extra: readonly string[] = [], env: Record<string, string> = {}): Running {
  // One process (tsx as a loader, not its CLI, which would run the script in a child that SIGKILL would not reach).
  const args = ['--import', 'tsx', join(ROOT, 'test/helpers/record-process.ts'), 'record', '--exchange', 'synthetic', '--symbol', 'SYN', '--catalog', catalog, '--flush-every', '0.2', ...extra];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, CI: 'true', ...env } });
  children.push(child);
  const r: Running = { child, stdout: '', stderr: '', done: Promise.resolve(0) };
  child.stdout?.on('data', (b: Buffer) => (r.stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (r.stderr += b.toString()));
  r.done = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  return r;
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Cumulative rows after each flush line the recorder printed. */
function flushTotals(stdout: string): number[] {
  let total = 0;
  return [...stdout.matchAll(/^flush \d+: (\d+) rows added/gm)].map((m) => (total += Number(m[1])));
}

/** The catalog's SYN trades, checked to be the generated sequence's first rows, in order and without a gap or duplicate; their count. */
function checkedPrefix(catalog: string): number {
  const c = collectColumns(openCatalogFeed({ root: catalog, key: { kind: 'trade', symbol: 'SYN' } })) as TradeColumns;
  for (let i = 0; i < c.length; i++) {
    const [t, price, size, side] = synthTrade(i);
    const row = [c.time[i], c.price[i], c.size[i], c.side[i]];
    if (row.join() !== [t, price, size, side].join()) throw new Error(`row ${i} is ${row.join()}, expected ${[t, price, size, side].join()}`);
  }
  return c.length;
}

describe('quantflow record as a process', () => {
  it('SIGTERM and SIGINT stop it cleanly: last flush, summary, exit 0', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const catalog = join(tempDir(`record-${signal}`), 'catalog');
      const r = record(catalog);
      await until('a first flush', () => flushTotals(r.stdout).length >= 1);
      r.child.kill(signal);
      expect(await r.done, r.stderr).toBe(0);
      const summary = /recorded (\d+) events: (\d+) rows added/.exec(r.stdout);
      expect(summary, r.stdout).not.toBeNull();
      // Every event received is in the catalog: the last flush ran after the signal.
      expect(Number(summary?.[2])).toBe(Number(summary?.[1]));
      expect(checkedPrefix(catalog)).toBe(Number(summary?.[1]));
      expect(readFileSync(join(catalog, '_incidents.csv'), 'utf8')).toBe('time,kind,symbol,channel,detail\n');
    }
  });

  it('SIGKILL loses at most the last flush interval, leaves only whole flushes, and a restart goes on without duplicates', async () => {
    const catalog = join(tempDir('record-kill'), 'catalog');
    const r = record(catalog);
    await until('three flushes', () => flushTotals(r.stdout).length >= 3);
    // Kill it at some point of its work (writing, publishing or waiting).
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 200)));
    r.child.kill('SIGKILL');
    expect(await r.done).toBe('SIGKILL');
    const reported = flushTotals(r.stdout);
    // Readable, the generated sequence's first rows exactly, and no fewer than the flushes it reported.
    const kept = checkedPrefix(catalog);
    expect(kept).toBeGreaterThanOrEqual(reported.at(-1) as number);
    // Whole flushes: every file in the data set is one flush's rows, all of them.
    const files = readdirSync(join(catalog, 'trades/symbol=SYN/year=2024/month=1'));
    expect(files.every((f) => f.endsWith('.parquet'))).toBe(true);
    expect(cli(['data', 'info', 'SYN', '--catalog', catalog]).status).toBe(0);

    // A restart replays the same sequence from its start, a little further than before, to its end.
    const total = kept + 3000;
    const again = record(catalog, [], { SYNTH_TOTAL: String(total), SYNTH_BATCH: '500' });
    expect(await again.done, again.stderr).toBe(0);
    expect(checkedPrefix(catalog)).toBe(total);
    const info = cli(['data', 'ls', '--catalog', catalog, '--json']);
    expect((JSON.parse(info.stdout) as { rows: number }[])[0]?.rows).toBe(total);
    const sessions = readManifest(catalog).imports;
    expect(sessions.map((s) => s.source)).toEqual(['record:synthetic:SYN:trades', 'record:synthetic:SYN:trades']);
    // The second session found the first one's rows there (duplicates) and added the rest; the publish a kill interrupted, if any, is counted by no session.
    expect(sessions[1]).toMatchObject({ rows: total, added: total - kept, conflicts: 0 });
    expect(sessions[1]?.duplicates).toBe(kept);
  });

  it('a reader during the recording sees whole flushes only and holds the next publish back until it is done', async () => {
    const catalog = join(tempDir('record-reader'), 'catalog');
    const r = record(catalog);
    await until('two flushes', () => flushTotals(r.stdout).length >= 2);
    const release = acquireReadLease(catalog);
    let released = false;
    try {
      const first = checkedPrefix(catalog);
      await until('a flush to wait for the reader', () => r.stderr.includes('waiting for a reader'));
      // Nothing was published while the lease was held.
      expect(checkedPrefix(catalog)).toBe(first);
      // ... and what it saw is what some flush had added up to.
      await until('the flush it saw to be printed', () => flushTotals(r.stdout).includes(first));
      release();
      released = true;
      const printed = flushTotals(r.stdout).length;
      await until('the held-back flush', () => flushTotals(r.stdout).length > printed);
      const after = checkedPrefix(catalog);
      expect(after).toBeGreaterThan(first);
    } finally {
      if (!released) release();
    }
    r.child.kill('SIGTERM');
    expect(await r.done, r.stderr).toBe(0);
  });
});
