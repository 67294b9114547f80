import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, cli } from '../helpers/cli.js';

const SNAP = join(SAMPLES, 'binance-btcusdt-depth-snap.csv');
const UPDATE = join(SAMPLES, 'binance-btcusdt-depth-update.csv');
const TRADES = join(SAMPLES, 'tardis-bitmex-trades-XBTUSD.csv');

/** Starts `quantflow exchange`, reads the URL from its first stdout line, then stops it with `signal`. */
async function runUntilSignal(args: string[], signal: NodeJS.Signals, use: (url: string) => Promise<void>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), 'exchange', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => reject(new Error(`exited before printing its URL: ${stderr}`)));
    });
    await use(url);
  } finally {
    child.kill(signal);
  }
  return { code: await exited, stderr };
}

describe('quantflow exchange', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints its URL alone on the first line, serves, and stops cleanly on ${signal}`, async () => {
      const r = await runUntilSignal(['--data', SNAP, '--data', UPDATE, '--data', `${TRADES}=BTC/USDT`, '--speed', 'max', '--start', 'now'], signal, async (url) => {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const info = (await (await fetch(`${url}/api/v3/exchangeInfo`)).json()) as { symbols: { symbol: string }[] };
        expect(info.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT']);
        const status = (await (await fetch(`${url}/quantflow/status`)).json()) as { events: number; markets: { channels: string[] }[] };
        expect(status.events).toBe(12); // 10 trades, a snapshot, an update
        expect(status.markets[0]?.channels).toEqual(['trades', 'book', 'quotes']);
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`exchange: stopped (${signal})`);
      expect(r.stderr).toMatch(/^warning: .*depth-update\.csv:2: .*sequence gap/m);
    });
  }

  it('refuses bad input with one line and status 2', () => {
    const cases: [string[], RegExp][] = [
      [['--data', 'nope.csv'], /nope\.csv: no such file/],
      [['--data', TRADES, '--host', '0.0.0.0'], /--host' value '0\.0\.0\.0': not a loopback address/],
      [['--data', TRADES, '--rate-limit', '10/x'], /--rate-limit' value '10\/x'/],
      [['--data', TRADES, '--speed', 'fast'], /--speed' value 'fast': not a number/],
      [['--data', TRADES, '--drop-every', '1'], /--drop-every' value '1'/],
      [['--data', join(SAMPLES, 'BTC-PERP-2022-01-1m.csv')], /cannot tell which market symbol 'BTC-PERP' is/],
      [['--data', `${TRADES}=BTC-USDT/`], /expected FILE or FILE=BASE\/QUOTE/],
    ];
    for (const [args, message] of cases) {
      const r = cli(['exchange', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
