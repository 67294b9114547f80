import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, cli, tempDir } from '../helpers/cli.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');

function summaryOf(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
}

/** The first `n` data lines of ORCL with line `badLine` (1-based, header = 1) replaced. */
function orclWithBadRow(badLine: number, replace: (fields: string[]) => string[], n = 60): string {
  const lines = readFileSync(ORCL, 'utf8').split('\n').slice(0, n + 1);
  lines[badLine - 1] = replace((lines[badLine - 1] as string).split(',')).join(',');
  const path = join(tempDir(), 'ORCL-bad.csv');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const noStack = (s: string): void => expect(s).not.toMatch(/^\s+at /m);

describe('quantflow backtest: bad data', () => {
  const bad = orclWithBadRow(17, (f) => [f[0]!, f[1]!, '1.5', f[3]!, f[4]!, f[5]!, f[6]!]); // High below Low

  it('fails with status 2, naming the file, line, column and value, without a stack trace', () => {
    const r = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', bad, '--out', join(tempDir(), 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}:17`);
    expect(r.stderr).toMatch(/column 'High'/);
    expect(r.stderr).toMatch(/value '1\.5'/);
    noStack(r.stderr);
  });

  it('with --on-invalid skip completes, reports the row and counts it', () => {
    const out = join(tempDir(), 'out');
    const r = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', bad, '--on-invalid', 'skip', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`skipped: .*ORCL-bad\\.csv:17`));
    const s = summaryOf(out);
    expect(s.invalid_rows).toBe(1);
    expect(s.bars).toBe(59);
  });

  it('reports a bad number and a time going backwards the same way', () => {
    const nan = orclWithBadRow(5, (f) => [f[0]!, 'abc', ...f.slice(2)]);
    const r1 = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', nan, '--out', join(tempDir(), 'o')]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/:5.*column 'Open'.*value 'abc'/);
    const back = orclWithBadRow(9, (f) => ['1995-01-02', ...f.slice(1)]);
    const r2 = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', back, '--out', join(tempDir(), 'o')]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/:9.*column 'Date'.*value '1995-01-02'/);
    noStack(r2.stderr);
  });
});

describe('quantflow backtest: settings', () => {
  it('rejects a bad parameter value or an unknown parameter with status 2', () => {
    const r1 = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--param', 'fast=abc', '--out', join(tempDir(), 'o')]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/field 'fast'.*value 'abc'/);
    const r2 = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--param', 'fats=5', '--out', join(tempDir(), 'o')]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/no parameter 'fats'.*fast, slow, size/);
    const r3 = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--param', 'fast=40', '--out', join(tempDir(), 'o')]);
    expect(r3.status).toBe(2);
    expect(r3.stderr).toMatch(/fast must be shorter than slow/);
    noStack(r1.stderr + r2.stderr + r3.stderr);
  });

  it('rejects bad flags with status 2', () => {
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--cash', 'lots']).status).toBe(2);
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', 'nope.csv']).status).toBe(2);
    expect(cli(['backtest', '--strategy', 'nope.ts', '--data', ORCL]).status).toBe(2);
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--fee-rate', '0.1', '--fee-per-unit', '1']).status).toBe(2);
    expect(cli(['nonsense']).status).toBe(2);
  });

  it('reads a config file, and flags override it', () => {
    const dir = tempDir();
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({ strategy: 'examples/sma-cross.ts', data: [ORCL], cash: 50_000, feeRate: 0.001, params: { fast: 5, slow: 20 }, out: join(dir, 'a') }));
    expect(cli(['backtest', '--config', config]).status).toBe(0);
    const a = summaryOf(join(dir, 'a'));
    expect(a.initial_cash).toBe(50_000);
    expect(a.params).toEqual({ fast: 5, slow: 20, size: 100 });
    expect(cli(['backtest', '--config', config, '--cash', '100000', '--param', 'size=10', '--out', join(dir, 'b')]).status).toBe(0);
    const b = summaryOf(join(dir, 'b'));
    expect(b.initial_cash).toBe(100_000);
    expect(b.params).toEqual({ fast: 5, slow: 20, size: 10 });
    writeFileSync(config, JSON.stringify({ strategy: 'examples/sma-cross.ts', data: [ORCL], cahs: 1 }));
    const bad = cli(['backtest', '--config', config]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/run\.json.*cahs/);
  });

  it('drops rows outside --from/--to before any indicator sees them', () => {
    const out = join(tempDir(), 'o');
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', ORCL, '--from', '2000-01-01', '--to', '2000-12-31', '--out', out]).status).toBe(0);
    const s = summaryOf(out);
    const rows2000 = readFileSync(ORCL, 'utf8').split('\n').filter((l) => l.startsWith('2000-')).length;
    expect(s.bars).toBe(rows2000);
    expect(String(s.start).slice(0, 10)).toBe('2000-01-03');
    expect(String(s.end).slice(0, 10)).toBe('2000-12-29');
    // The first possible cross needs 30 bars of the window itself: no order before the 30th bar of 2000.
    const orders = readFileSync(join(out, 'orders.csv'), 'utf8').trim().split('\n').slice(1);
    const equity = readFileSync(join(out, 'equity.csv'), 'utf8').trim().split('\n').slice(1);
    const thirtieth = equity[29]!.split(',')[0]!;
    for (const o of orders) expect(o.split(',')[8]! >= thirtieth).toBe(true);
  });
});

describe('quantflow backtest: strategies and feeds', () => {
  it('loads a TypeScript strategy from anywhere that imports quantflow, and runs it over several feeds', () => {
    const dir = tempDir();
    const file = join(dir, 'pair.ts');
    writeFileSync(
      file,
      `import { Strategy, type Bar, type StrategyContext, type TimerEvent } from 'quantflow';
export default class Pair extends Strategy {
  seen: Record<string, number> = {};
  override onStart(ctx: StrategyContext): void { ctx.setTimer('t', '2001-06-01'); }
  override onBar(bar: Bar, ctx: StrategyContext): void {
    this.seen[bar.symbol] = (this.seen[bar.symbol] ?? 0) + 1;
    if (ctx.bars('NVDA').length === 1 && bar.symbol === 'NVDA') ctx.buy(10, { symbol: 'NVDA' });
  }
  override onTimer(t: TimerEvent, ctx: StrategyContext): void { ctx.log.info('timer', { name: t.name, orcl: ctx.position('ORCL') }); ctx.buy(5, { symbol: 'ORCL' }); }
  override onStop(ctx: StrategyContext): void { ctx.log.info('seen', this.seen); }
}
`,
    );
    const out = join(dir, 'out');
    const r = cli(['backtest', '--strategy', file, '--data', ORCL, '--data', join(SAMPLES, 'NVDA-1999-2014.csv'), '--out', out], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/another copy/);
    expect(r.stderr).toMatch(/"msg":"seen"/);
    const seen = JSON.parse(r.stderr.trim().split('\n').pop()!) as Record<string, number>;
    expect(seen.ORCL).toBe(5036);
    expect(seen.NVDA).toBe(4012);
    const s = summaryOf(out);
    expect(s.symbols).toEqual(['ORCL', 'NVDA']);
    expect(s.bars).toBe(5036 + 4012);
    const orders = readFileSync(join(out, 'orders.csv'), 'utf8');
    expect(orders).toMatch(/^1,NVDA,market,buy,10,,filled,,1999-01-22T23:59:59\.999999Z,1999-01-25T23:59:59\.999999Z,1\.770833,/m);
    expect(orders).toMatch(/^2,ORCL,market,buy,5,,filled,,2001-06-01T23:59:59\.999999Z,2001-06-04T/m);
  });

  it('runs a strategy on quote ticks (HistData EUR/USD, EST times) and fills at bid and ask', () => {
    const dir = tempDir();
    const file = join(dir, 'ticks.ts');
    writeFileSync(
      file,
      `import { Strategy, type QuoteTick, type StrategyContext } from 'quantflow';
export default class Ticks extends Strategy {
  n = 0;
  override onQuote(q: QuoteTick, ctx: StrategyContext): void {
    if (this.n === 0) ctx.buy(10000);
    if (this.n === 100) ctx.sell(10000);
    this.n++;
  }
}
`,
    );
    const out = join(dir, 'out');
    const r = cli(['backtest', '--strategy', file, '--data', join(SAMPLES, 'EURUSD-2020-01-ticks-histdata.csv'), '--out', out], dir);
    expect(r.status).toBe(0);
    const s = summaryOf(out);
    expect(s.quotes).toBe(9500);
    expect(String(s.start)).toBe('2020-01-01T22:00:00.065Z'.replace('.065Z', '.065000Z'));
    const lines = readFileSync(join(SAMPLES, 'EURUSD-2020-01-ticks-histdata.csv'), 'utf8').split('\n');
    const ask1 = Number(lines[1]!.split(',')[2]);
    const bid101 = Number(lines[101]!.split(',')[1]);
    const trade = readFileSync(join(out, 'trades.csv'), 'utf8').trim().split('\n')[1]!.split(',');
    expect(Number(trade[5])).toBe(ask1);
    expect(Number(trade[7])).toBe(bid101);
  });
});

describe('quantflow backtest: a format no detector knows', () => {
  it('is described with flags, and gives the same run as the detected original', () => {
    const dir = tempDir();
    const lines = readFileSync(ORCL, 'utf8').trim().split('\n').slice(1, 400);
    // Semicolons, epoch milliseconds, made-up names, volume before the prices.
    const custom = ['when;qty;o;h;l;c', ...lines.map((l) => {
      const f = l.split(',');
      return [Date.parse(`${f[0]}T23:59:59.999Z`), f[6], f[1], f[2], f[3], f[4]].join(';');
    })];
    const file = join(dir, 'custom.csv');
    writeFileSync(file, custom.join('\n') + '\n');
    const plain = join(dir, 'ORCL.csv');
    writeFileSync(plain, readFileSync(ORCL, 'utf8').split('\n').slice(0, 400).join('\n') + '\n');
    const undetected = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', file, '--out', join(dir, 'x')]);
    expect(undetected.status).toBe(2);
    expect(undetected.stderr).toMatch(/custom\.csv:1/);
    const a = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', file, '--symbol', 'ORCL', '--delimiter', ';', '--kind', 'bar',
      '--columns', 'time=when,open=o,high=h,low=l,close=c,volume=qty', '--time-format', 'epoch_ms', '--out', join(dir, 'a')]);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', plain, '--out', join(dir, 'b')]).status).toBe(0);
    // Daily stamps differ (end of day to the microsecond vs the millisecond), so compare prices and P&L.
    const strip = (f: string): string => readFileSync(join(dir, f), 'utf8').replace(/T23:59:59\.999(000|999)Z/g, '');
    expect(strip('a/trades.csv')).toBe(strip('b/trades.csv'));
    expect(summaryOf(join(dir, 'a')).final_equity).toBe(summaryOf(join(dir, 'b')).final_equity);
  });
});

describe('quantflow data', () => {
  it('generates reproducible bars that the backtest reads', () => {
    const dir = tempDir();
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    expect(cli(['data', 'generate', '--bars', '5000', '--seed', '7', '--out', a]).status).toBe(0);
    expect(cli(['data', 'generate', '--bars', '5000', '--seed', '7', '--out', b]).status).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const out = join(dir, 'out');
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', a, '--symbol', 'GEN', '--out', out]).status).toBe(0);
    expect(summaryOf(out).bars).toBe(5000);
    expect(cli(['data', 'generate', '--bars', '0', '--out', a]).status).toBe(2);
  });

  it('checks every sample file: format detected, no invalid rows', () => {
    const files = ['ORCL-1995-2014.csv', 'KO-1997-1998.csv', 'FUT-2006-min.csv', 'FUT-2015-ticks.csv', 'BTC-PERP-2022-01-1m.csv', 'GBPUSD-2012-m1-bid.csv', 'USDJPY-2013-ticks.csv', 'EURUSD-2020-01-ticks-histdata.csv', 'tardis-bitmex-trades-XBTUSD.csv'];
    const r = cli(['data', 'check', ...files.map((f) => join(SAMPLES, f))]);
    expect(r.status).toBe(0);
    for (const f of files) expect(r.stdout).toMatch(new RegExp(`${f.replace('.', '\\.')}: format .*, 0 invalid`));
  });
});


describe('the README tutorial', () => {
  it('is examples/breakout.ts, and it runs: stops fill, cancels are answered', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const code = /```ts\n(import \{ Strategy, z[\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    expect(readFileSync(join(ROOT, 'examples/breakout.ts'), 'utf8')).toContain(code!);
    const out = join(tempDir(), 'o');
    const r = cli(['backtest', '--strategy', 'examples/breakout.ts', '--data', join(SAMPLES, 'NVDA-1999-2014.csv'), '--param', 'lookback=30', '--out', out]);
    expect(r.status).toBe(0);
    const orders = readFileSync(join(out, 'orders.csv'), 'utf8');
    expect(orders).toMatch(/,stop,sell,100,[\d.]+,filled,/);
    expect(orders).toMatch(/,stop,sell,100,[\d.]+,cancelled,user,/);
  });
});
