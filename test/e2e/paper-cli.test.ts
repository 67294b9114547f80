import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileReplaySource } from '../../src/live/replay-source.js';
import { ROOT, SAMPLES, cli, summaryOf, tempDir } from '../helpers/cli.js';

const BARS = join(SAMPLES, 'BTC-PERP-2022-01-1m.csv');
const SMA = join(ROOT, 'examples/sma-cross.ts');

const lineCount = (path: string): number => (existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').length : 0);

/** Starts a paced paper run, waits until it has handled some bars, sends `signal`; resolves with its exit status and output. */
function stoppedRun(out: string, signal: NodeJS.Signals): Promise<{ status: number | null; stdout: string; stderr: string }> {
  // 6,000x: 100 minute bars a second, so the 45,031 bars would take 7.5 minutes.
  const args = ['paper', '--strategy', SMA, '--exchange', `replay:${BARS}`, '--symbol', 'BTC-PERP', '--speed', '6000', '--param', 'size=1', '--out', out];
  const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: 'true' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const poll = setInterval(() => {
    // The equity file gets a row per bar handled, flushed every second.
    if (lineCount(join(out, 'equity.csv')) > 50) {
      clearInterval(poll);
      child.kill(signal);
    }
  }, 50);
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearInterval(poll);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('quantflow paper', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('stops cleanly on %s: exit 0, every output complete', async (signal) => {
    const out = tempDir('qf-paper-cli-');
    const r = await stoppedRun(out, signal);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/stopped +signal/);
    const s = summaryOf(out);
    expect(s.complete).toBe(true);
    const live = s.live as { stop_reason: string; events: { bars: number } };
    expect(live.stop_reason).toBe('signal');
    const bars = live.events.bars;
    expect(bars).toBeGreaterThan(50);
    expect(bars).toBeLessThan(45031);
    // One equity row per bar handled, as many recorded bars, and the summary agrees.
    expect(lineCount(join(out, 'equity.csv')) - 1).toBe(bars);
    expect(lineCount(join(out, 'market-data/BTC-PERP_bars.csv')) - 1).toBe(bars);
    expect(s.bars).toBe(bars);
    expect(lineCount(join(out, 'orders.csv')) - 1).toBe(s.orders);
    expect(existsSync(join(out, 'run.json'))).toBe(true);
  });

  it('stops after --duration; run.json names the strategy by its absolute path and keeps the tick and lot sizes the run took from the market', async () => {
    const out = tempDir('qf-paper-cli-');
    // The strategy given relative to the working directory (the repository root).
    const r = cli(['paper', '--strategy', 'examples/sma-cross.ts', '--exchange', `replay:${BARS}`, '--symbol', 'BTC-PERP', '--speed', '600', '--duration', '1s', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((summaryOf(out).live as { stop_reason: string }).stop_reason).toBe('duration');
    const saved = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { config: { strategy: string; instruments: { symbol: string; tickSize: number; lotSize: number }[] } };
    expect(saved.config.strategy).toBe(SMA);
    const [market] = await new FileReplaySource({ files: [BARS], speed: 0 }).markets(['BTC-PERP']);
    expect(saved.config.instruments).toEqual([{ symbol: 'BTC-PERP', tickSize: Number(market?.tickSize), lotSize: Number(market?.lotSize) }]);
  });

  it.each([
    [['--data', 'bars,candles'], "error: field '--data' value 'candles': expected a comma-separated list of trades, quotes, book, bars"],
    [['--duration', 'soon'], "error: field '--duration' value 'soon': expected a positive duration such as 90s, 30m, 1h, 2d (plain numbers are seconds)"],
    [['--exchange', 'nowhere'], "error: field 'exchange' value 'nowhere': not an exchange ccxt"],
    [['--timeframe', 'hourly'], "error: field '--timeframe' value 'hourly': expected a timeframe such as 1m, 5m, 1h, 1d"],
    [['--fill-model', 'magic'], "error: field 'execution.fillModel'"],
  ])('refuses %j with one line and exit 2', (flags, message) => {
    const out = tempDir('qf-paper-cli-');
    const base = ['paper', '--strategy', SMA, '--exchange', `replay:${BARS}`, '--symbol', 'BTC-PERP', '--out', out];
    const r = cli([...base, ...flags]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('refuses a run without a symbol', () => {
    const r = cli(['paper', '--strategy', SMA, '--exchange', `replay:${BARS}`]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("error: field '--symbol': give the symbol to trade (--symbol BTC/USDT; repeatable)");
  });

  it('names a missing replay file and a bad data row like the backtest, exit 2, outputs written', () => {
    const out = tempDir('qf-paper-cli-');
    const missing = cli(['paper', '--strategy', SMA, '--exchange', 'replay:no-such.csv', '--symbol', 'X', '--out', out]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error: no-such\.csv: /);
    const bad = join(out, 'bad.csv');
    writeFileSync(bad, 'timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n2024-01-01T00:01:00Z,1,2,0.5,oops,10\n');
    const r = cli(['paper', '--strategy', SMA, '--exchange', `replay:${bad}`, '--symbol', 'X', '--out', join(out, 'run')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*bad\.csv:3: column 'close'.* value 'oops'/)]);
    expect(summaryOf(join(out, 'run')).complete).toBe(false);
  });

  it('reports a strategy error with exit 2, its outputs marked incomplete', () => {
    const out = tempDir('qf-paper-cli-');
    const file = join(out, 'thrower.ts');
    writeFileSync(
      file,
      `import { Strategy, type Bar, type StrategyContext } from 'quantflow';
export default class Thrower extends Strategy<Record<string, unknown>> {
  private n = 0;
  override onBar(_b: Bar, _ctx: StrategyContext): void {
    if (++this.n === 100) throw new Error('bar one hundred');
  }
}
`,
    );
    const r = cli(['paper', '--strategy', file, '--exchange', `replay:${BARS}`, '--symbol', 'BTC-PERP', '--out', join(out, 'run')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: .*bar one hundred/);
    expect(r.stderr).not.toMatch(/internal error|node_modules/);
    const s = summaryOf(join(out, 'run'));
    expect(s.complete).toBe(false);
    expect((s.live as { stop_reason: string }).stop_reason).toBe('strategy_error');
    expect(lineCount(join(out, 'run', 'equity.csv')) - 1).toBe(100);
  });
});
