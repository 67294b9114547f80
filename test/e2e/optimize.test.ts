import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, cli, readCsv, tempDir } from '../helpers/cli.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const BASE = ['--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--cash', '100000', '--fee-rate', '0.001', '--no-progress'];
// The grid: fast 5..50 step 5 x slow 20..200 step 20; the schema refuses fast >= slow.
const GRID = ['--range', 'fast=5:50:5', '--range', 'slow=20:200:20'];

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('quantflow optimize', () => {
  const runs = new Map<number, string>();
  const sweep = (workers: number): string => {
    const cached = runs.get(workers);
    if (cached !== undefined) return cached;
    const out = join(tempDir(), `w${workers}`);
    const r = cli(['optimize', ...BASE, ...GRID, '--workers', String(workers), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    runs.set(workers, out);
    return out;
  };

  it('runs the grid in grid order, skipping what the strategy refuses with its message', () => {
    const rows = readCsv(join(sweep(2), 'trials.csv'));
    expect(rows).toHaveLength(100);
    expect(rows.map((r) => r.trial)).toEqual(Array.from({ length: 100 }, (_, i) => String(i + 1)));
    // First parameter slowest: fast=5 with slow 20..200, then fast=10, ...
    expect(rows.slice(0, 3).map((r) => [r.fast, r.slow])).toEqual([['5', '20'], ['5', '40'], ['5', '60']]);
    expect(rows[10]).toMatchObject({ fast: '10', slow: '20' });
    const skipped = rows.filter((r) => r.status === 'skipped');
    expect(skipped).toHaveLength(10);
    for (const r of skipped) {
      expect(Number(r.fast)).toBeGreaterThanOrEqual(Number(r.slow));
      expect(r.reason).toContain('fast must be shorter than slow');
      expect(r.sharpe).toBe('');
    }
    const ok = rows.filter((r) => r.status === 'ok');
    expect(ok).toHaveLength(90);
    expect(new Set(ok.map((r) => r.final_equity)).size).toBeGreaterThan(80);
  }, 120_000);

  it('turns the first parameter given slowest, whichever of --range and --values gives it', () => {
    const out = join(tempDir(), 'order');
    const r = cli(['optimize', ...BASE, '--range', 'fast=5:10:5', '--values', 'size=10,20', '--range', 'slow=20:30:10', '--workers', '0', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const rows = readCsv(join(out, 'trials.csv'));
    expect(Object.keys(rows[0] ?? {}).slice(3, 6)).toEqual(['fast', 'size', 'slow']);
    expect(rows.map((x) => `${x.fast}/${x.size}/${x.slow}`)).toEqual(['5/10/20', '5/10/30', '5/20/20', '5/20/30', '10/10/20', '10/10/30', '10/20/20', '10/20/30']);
  }, 60_000);

  it("writes each trial's backtest outputs with --keep-runs, the same as the trial's row", () => {
    const out = join(tempDir(), 'keep');
    const r = cli(['optimize', ...BASE, '--values', 'fast=10,20', '--values', 'slow=50', '--workers', '2', '--keep-runs', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const rows = readCsv(join(out, 'trials.csv'));
    for (const row of rows) {
      const summary = json(join(out, 'runs', `trial-${row.trial}`, 'summary.json'));
      expect(String(summary.final_equity)).toBe(row.final_equity);
      expect(String(summary.closed_trades)).toBe(row.closed_trades);
      expect(existsSync(join(out, 'runs', `trial-${row.trial}`, 'trades.csv'))).toBe(true);
    }
  }, 60_000);

  it('writes byte-identical trials.csv and returns.csv with 0, 1 and 2 worker threads', () => {
    const files = ['trials.csv', 'returns.csv', 'best.json'];
    const two = files.map((f) => readFileSync(join(sweep(2), f), 'utf8'));
    for (const w of [0, 1]) expect(files.map((f) => readFileSync(join(sweep(w), f), 'utf8'))).toEqual(two);
    const timing = readCsv(join(sweep(2), 'trials-timing.csv'));
    expect(timing).toHaveLength(100);
  }, 240_000);

  it("names a best trial whose command reproduces it: the backtest's summary has the trial's metrics", () => {
    const dir = sweep(2);
    const best = json(join(dir, 'best.json')) as { trial: number; params: Record<string, number>; command: string; value: number; metrics: Record<string, number | null> };
    const rows = readCsv(join(dir, 'trials.csv'));
    const sharpes = rows.filter((r) => r.status === 'ok').map((r) => Number(r.sharpe));
    expect(best.value).toBe(Math.max(...sharpes));
    expect(rows[best.trial - 1]?.sharpe).toBe(String(best.value));
    expect(best.command).toMatch(/^quantflow backtest /);
    expect(best.command).not.toMatch(/--range|--workers|--out/);
    const out = join(tempDir(), 'best');
    const args = best.command.replace(/^quantflow /, '').split(' ').concat(['--out', out]);
    const r = cli(args);
    expect(r.status).toBe(0);
    const summary = json(join(out, 'summary.json'));
    for (const key of ['final_equity', 'sharpe', 'closed_trades', 'max_drawdown', 'sortino', 'profit_factor']) expect(summary[key]).toEqual(best.metrics[key]);
  }, 120_000);

  it('writes returns.csv with one column per ok trial and run.json with the data and strategy hashes', () => {
    const dir = sweep(2);
    const lines = readFileSync(join(dir, 'returns.csv'), 'utf8').trim().split('\n');
    const header = (lines[0] as string).split(',');
    expect(header[0]).toBe('time');
    expect(header).toHaveLength(91);
    const orclRows = readFileSync(ORCL, 'utf8').trim().split('\n').length - 1;
    expect(lines).toHaveLength(orclRows); // one return per pair of consecutive equity points, plus the header
    const run = json(join(dir, 'run.json')) as { strategy: { sha256: string }; data: { sha256: string }[]; complete: boolean };
    expect(run.strategy.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.data[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.complete).toBe(true);
  }, 120_000);

  it('writes overfitting.json over the ok trials and a report.html', () => {
    const dir = sweep(2);
    const o = json(join(dir, 'overfitting.json')) as Record<string, number>;
    const best = json(join(dir, 'best.json')) as { trial: number };
    expect(o).toMatchObject({ trials: 90, best_trial: best.trial, cscv_splits: 16 });
    expect(o.observations).toBe(readFileSync(ORCL, 'utf8').trim().split('\n').length - 2);
    expect(o.pbo).toBeGreaterThanOrEqual(0);
    expect(o.pbo).toBeLessThanOrEqual(1);
    expect(o.dsr).toBeGreaterThan(0);
    expect(o.dsr).toBeLessThan(1);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Content-Security-Policy');
    expect(html).toMatch(/overfit/);
  }, 120_000);

  it('samples reproducibly: random and tpe give the same trials with 1 and 2 workers, and another seed gives others', () => {
    const space = ['--range', 'fast=2:60:1', '--range', 'slow=20:300:1', '--constraint', 'fast * 2 <= slow'];
    const trials = (method: string, workers: number, seed: number): string => {
      const out = join(tempDir(), `${method}-${workers}-${seed}`);
      const r = cli(['optimize', ...BASE, ...space, '--method', method, '--trials', '24', '--seed', String(seed), '--workers', String(workers), '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(join(out, 'trials.csv'), 'utf8');
    };
    for (const method of ['random', 'tpe']) {
      const a = trials(method, 1, 3);
      expect(trials(method, 2, 3)).toBe(a);
      expect(trials(method, 1, 4)).not.toBe(a);
      const parsed = a.trim().split('\n').slice(1).map((l) => l.split(','));
      expect(parsed).toHaveLength(24);
      for (const f of parsed) expect(Number(f[3]) * 2).toBeLessThanOrEqual(Number(f[4]));
      expect(new Set(parsed.map((f) => `${f[3]},${f[4]}`)).size).toBe(24);
    }
  }, 240_000);

  it('reports a trial whose strategy throws as failed with the error, and goes on with the others', () => {
    const dir = tempDir('qf-opt-throw-');
    const file = join(dir, 'throws-at.ts');
    writeFileSync(
      file,
      [
        "import { Strategy, z, type Bar, type StrategyContext } from 'quantflow';",
        'const params = z.object({ at: z.number().int().default(0) });',
        'export default class ThrowsAt extends Strategy<z.infer<typeof params>> {',
        '  static params = params;',
        '  private n = 0;',
        '  override onBar(_bar: Bar, ctx: StrategyContext): void {',
        '    if (++this.n === this.params.at) throw new Error(`bar ${this.n} is cursed`);',
        '    if (this.n === 10) ctx.buy(10);',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const r = cli(['optimize', '--strategy', file, '--data', ORCL, '--values', 'at=0,50,-1', '--workers', '2', '--no-progress', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const rows = readCsv(join(out, 'trials.csv'));
    expect(rows.map((x) => x.status)).toEqual(['ok', 'failed', 'ok']);
    expect(rows[1]?.reason).toContain('bar 50 is cursed');
    expect(rows[1]?.final_equity).toBe('');
    expect(rows[0]?.final_equity).toBe(rows[2]?.final_equity);
  }, 60_000);

  it('refuses bad flags with status 2 and a message naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--range', 'fast=10:5:1'], /--range/],
      [['--range', 'fast=5:50:5', '--objective', 'luck'], /--objective.*luck/],
      [['--range', 'fast=5:50:5', '--method', 'genetic'], /--method.*genetic/],
      [['--range', 'nope=1:3:1'], /nope/],
      [['--range', 'fast=5:50:5', '--workers', '-1'], /--workers/],
      [['--range', 'fast=5:50:5', '--cscv-splits', '15'], /--cscv-splits 15 must be even/],
      [['--range', 'fast=5:50:5', '--constraint', 'fast <'], /--constraint.*column/],
      [['--range', 'fast=5:50'], /STEP/],
    ];
    for (const [flags, message] of cases) {
      const r = cli(['optimize', ...BASE, ...flags, '--out', join(tempDir(), 'bad')]);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  }, 60_000);

  it('keeps and writes every finished trial when stopped with Ctrl-C (SIGINT)', async () => {
    const out = join(tempDir(), 'stopped');
    const child = spawn(process.execPath, [join(ROOT, 'bin/quantflow.js'), 'optimize', ...BASE, '--range', 'fast=2:60:1', '--range', 'slow=61:200:1', '--workers', '1', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((resolve) => setTimeout(resolve, 4000));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toContain('stopping');
    expect(code).toBe(130);
    expect(existsSync(join(out, 'trials.csv'))).toBe(true);
    const rows = readCsv(join(out, 'trials.csv'));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(59 * 140);
    expect(rows.map((r) => Number(r.trial))).toEqual(rows.map((_, i) => i + 1));
    expect(json(join(out, 'run.json')).complete).toBe(false);
  }, 60_000);
});
