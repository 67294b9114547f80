/**
 * The whole live path as a user runs it, on loopback only: a local exchange
 * (`startLocalExchange`) replays a bar file as a small Binance; `quantflow
 * paper --exchange binance --url ...` and `quantflow record` read it through
 * ccxt pro on an I/O thread. The paper run's trades and fills equal a
 * backtest of the file, and a backtest of what `record` stored equals them
 * too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalExchange, type LocalExchange } from '../../src/live/local-exchange/index.js';
import { ROOT, SAMPLES, cli, readCsv, tempDir } from '../helpers/cli.js';
import { fileBook, writeDepthFiles } from '../helpers/depth-files.js';
import { levelsOf } from '../helpers/recording-sink.js';

const BARS = 1500;
/** The files a paper run shares with a backtest, byte for byte. */
const SHARED = ['fills.csv', 'trades.csv', 'orders.csv', 'equity.csv', 'positions.csv'];
const STRATEGY = ['--strategy', join(ROOT, 'examples/sma-cross.ts'), '--param', 'size=1', '--cash', '100000', '--fee-rate', '0.001'];
/** The grids the local exchange infers from the file (prices in whole dollars, volumes to 4 decimals). */
const GRID = ['--tick-size', '1', '--lot-size', '0.0001'];

const exchanges: LocalExchange[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const e of exchanges.splice(0)) await e.close();
});

function barsFile(dir: string): string {
  const file = join(dir, 'btc-1m.csv');
  const lines = readFileSync(join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), 'utf8').trim().split('\n').slice(0, BARS + 1);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function start(args: readonly string[]): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string; stdout: string }> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr, stdout })));
  return { child, exited };
}

async function until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function dataRows(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length - 1 : 0;
}

describe('paper and record through ccxt on the local exchange', () => {
  it('a paper run gives the trades and fills of a backtest of the file, and a backtest of the recorded catalog gives them too', async () => {
    const dir = tempDir('qf-paper-ex-');
    const file = barsFile(dir);
    const exchange = await startLocalExchange({ data: [{ path: file, symbol: 'BTC/USDT' }], speed: 0, start: 'manual' });
    exchanges.push(exchange);

    const out = join(dir, 'paper');
    const catalog = join(dir, 'catalog');
    const common = ['--exchange', 'binance', '--url', exchange.url, '--symbol', 'BTC/USDT', '--timeframe', '1m', '--data', 'bars'];
    const recorder = start(['record', ...common, '--catalog', catalog, '--flush-every', '1']);
    const paper = start(['paper', ...STRATEGY, ...common, '--out', out, '--duration', '10m']);
    // The replay starts once both have subscribed (as fast as the slower reads: nothing is missed).
    await until('both clients to subscribe', () => exchange.status().subscriptions >= 2);
    exchange.start();

    // Every bar of the file has reached the paper run (its recorded market data) and the recorder (its flushes).
    await until('the paper run to receive every bar', () => dataRows(join(out, 'market-data', 'BTC-USDT_bars.csv')) === BARS);
    paper.child.kill('SIGINT');
    const p = await paper.exited;
    expect(p.code, p.stderr).toBe(0);
    let recorded = 0;
    const countRecorded = (): number => {
      const r = cli(['data', 'ls', '--catalog', catalog, '--json']);
      return r.status === 0 ? (JSON.parse(r.stdout) as { rows: number }[]).reduce((n, d) => n + d.rows, 0) : 0;
    };
    await until('the recorder to flush every bar', () => (recorded = countRecorded()) === BARS, 30_000);
    recorder.child.kill('SIGTERM');
    const r = await recorder.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(recorded).toBe(BARS);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { live: { events: { bars: number; late: number }; stop_reason: string } };
    expect(summary.live.events.bars).toBe(BARS);
    expect(summary.live.events.late).toBe(0);
    expect(summary.live.stop_reason).toBe('signal');
    expect(readCsv(join(out, 'fills.csv')).length).toBeGreaterThan(20);

    // The backtest of the file, with the grids the exchange serves.
    const fromFile = join(dir, 'backtest-file');
    const b = cli(['backtest', ...STRATEGY, ...GRID, '--data', file, '--symbol', 'BTC/USDT', '--out', fromFile]);
    expect(b.status, b.stderr).toBe(0);
    for (const f of SHARED) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(fromFile, f), 'utf8'));

    // The backtest of what was recorded.
    const fromCatalog = join(dir, 'backtest-catalog');
    const c = cli(['backtest', ...STRATEGY, ...GRID, '--catalog', catalog, '--symbol', 'BTC/USDT', '--out', fromCatalog]);
    expect(c.status, c.stderr).toBe(0);
    for (const f of ['fills.csv', 'trades.csv']) expect(readFileSync(join(fromCatalog, f), 'utf8'), f).toBe(readFileSync(join(out, f), 'utf8'));
  }, 180_000);

  it('an exchange id ccxt does not know, and a symbol the exchange does not list, are one-line errors with status 2', async () => {
    const dir = tempDir('qf-paper-ex-');
    const exchange = await startLocalExchange({ data: [{ path: barsFile(dir), symbol: 'BTC/USDT' }], speed: 0 });
    exchanges.push(exchange);
    const unknown = cli(['paper', ...STRATEGY, '--exchange', 'nowhere', '--symbol', 'BTC/USDT', '--data', 'bars', '--out', join(dir, 'a')]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/'nowhere'.*not an exchange ccxt/);
    // Not spawnSync: the exchange answers from this process.
    const missing = await start(['paper', ...STRATEGY, '--exchange', 'binance', '--url', exchange.url, '--symbol', 'ETH/USDT', '--data', 'bars', '--out', join(dir, 'b')]).exited;
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/ETH\/USDT/);
    const refused = cli(['record', '--exchange', 'binance', '--url', 'http://127.0.0.1:9', '--symbol', 'BTC/USDT', '--data', 'bars', '--catalog', join(dir, 'c')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^error: field '--url' value 'http:\/\/127\.0\.0\.1:9': cannot reach binance to load its markets: .*ECONNREFUSED/m);
  }, 60_000);

  it('with depth messages dropped, every gap is an incident followed by a resync, and the book the paper run recorded ends equal to the file\'s', async () => {
    const dir = tempDir('qf-paper-ex-');
    const files = writeDepthFiles(dir, 300, 11);
    const exchange = await startLocalExchange({ data: files.map((path) => ({ path, symbol: 'BTC/USDT' })), speed: 20, dropEvery: 25, start: 'manual' });
    exchanges.push(exchange);
    const out = join(dir, 'paper');
    const paper = start(['paper', ...STRATEGY, '--exchange', 'binance', '--url', exchange.url, '--symbol', 'BTC/USDT', '--data', 'book', '--out', out, '--duration', '10m']);
    await until('the paper run to subscribe', () => exchange.status().subscriptions >= 1);
    exchange.start();
    const expected = JSON.stringify(levelsOf(fileBook(files)));
    const recordedBook = join(out, 'market-data', 'BTC-USDT_book.csv');
    await until('the recorded book to equal the file\'s', () => exchange.status().done && existsSync(recordedBook) && JSON.stringify(levelsOf(fileBook([recordedBook]))) === expected);
    paper.child.kill('SIGINT');
    const p = await paper.exited;
    expect(p.code, p.stderr).toBe(0);
    expect(exchange.status().messagesDropped).toBeGreaterThan(3);
    const incidents = readCsv(join(out, 'incidents.csv'));
    const gaps = incidents.filter((r) => r['kind'] === 'book_gap').length;
    const resyncs = incidents.filter((r) => r['kind'] === 'book_resync').length;
    expect(gaps).toBeGreaterThan(0);
    expect(resyncs).toBe(gaps);
  }, 120_000);
});
