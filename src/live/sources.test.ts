/**
 * ThreadedSource: the markets and the run of a source on one I/O thread, so
 * that an exchange's markets are loaded once per run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog } from './feed/synthetic-source.js';
import type { MarketSubscription } from './source.js';
import { ThreadedSource } from './sources.js';

const MODULE = pathToFileURL(join(import.meta.dirname, '../../test/helpers/counting-source.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'qf-threaded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SUBSCRIPTION: MarketSubscription = { symbols: ['BTC/USDT', 'ETH/USDT'], channels: ['trades', 'quotes'], timeframe: '1m' };

describe('ThreadedSource', () => {
  it('describes the markets and runs the subscription on one thread: the source is built and asked for its markets once', async () => {
    const log = join(dir, 'once.log');
    const source = new ThreadedSource({ module: MODULE, export: 'CountingSource', options: { log, events: 500, batch: 64 } });
    const markets = await source.markets(SUBSCRIPTION.symbols);
    expect(markets.map((m) => m.symbol)).toEqual(SUBSCRIPTION.symbols);
    const events = new EventLog();
    await source.run(SUBSCRIPTION, events, new AbortController().signal);
    expect(events.length).toBe(500);
    expect(readFileSync(log, 'utf8')).toBe('built\nmarkets BTC/USDT,ETH/USDT\n');
  });

  it('runs other symbols than the markets were asked for on a thread of their own, and still delivers every event', async () => {
    const log = join(dir, 'other.log');
    const source = new ThreadedSource({ module: MODULE, export: 'CountingSource', options: { log, events: 200, batch: 64 } });
    await source.markets(['BTC/USDT']);
    const events = new EventLog();
    await source.run(SUBSCRIPTION, events, new AbortController().signal);
    expect(events.length).toBe(200);
    expect(readFileSync(log, 'utf8')).toBe('built\nmarkets BTC/USDT\nbuilt\nmarkets BTC/USDT,ETH/USDT\n');
  });

  it('does not hold the process open when the run never comes (a strategy that failed to start)', async () => {
    const { execFileSync } = await import('node:child_process');
    // A process that asks for the markets and then has nothing more to do must exit by itself.
    const script = `
      const { ThreadedSource } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'sources.ts')).href)});
      const s = new ThreadedSource({ module: ${JSON.stringify(MODULE)}, export: 'CountingSource', options: { log: ${JSON.stringify(join(dir, 'child.log'))} } });
      await s.markets(['BTC/USDT']);
      console.log('markets done');
    `;
    const file = join(dir, 'markets-only.mts');
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 20_000, cwd: join(import.meta.dirname, '../..') });
    expect(out).toBe('markets done\n');
  });
});
