import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, cli, tempDir, summaryOf } from '../helpers/cli.js';
import { ORCL_DIVIDENDS, orclRows, splitsAfter, writeOrclActions, writeOrclAsTraded } from '../helpers/orcl-actions.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const rows = orclRows();
const byDate = new Map(rows.map((r) => [r.date, r]));

function backtest(extra: readonly string[], out: string): ReturnType<typeof cli> {
  return cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--cash', '100000', '--fee-rate', '0.001',
    '--param', 'fast=10', '--param', 'slow=30', '--param', 'size=100', '--out', out, ...extra]);
}

/** [date, price] of each fill in fills.csv. */
function fills(dir: string): [string, number][] {
  return readFileSync(join(dir, 'fills.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
    const f = l.split(',');
    return [f[2]!.slice(0, 10), Number(f[5])];
  });
}


/** The adjusted open of a row of the sample, from its Adj Close: open x adjClose / close. */
function adjustedOpen(date: string): number {
  const r = byDate.get(date)!;
  return r.open === r.close ? r.adjClose : r.open * (r.adjClose / r.close);
}

describe('quantflow backtest --adjust all (ORCL, Adj Close column)', () => {
  const out = tempDir();
  const r = backtest(['--data', ORCL, '--adjust', 'all'], out);

  it('runs, and the summary states the adjustment', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/adjustment\s+all, from the Adj Close column/);
    expect(summaryOf(out).adjustment).toEqual({ mode: 'all', source: 'adj_close' });
    const settings = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { config: Record<string, unknown> };
    expect(settings.config.adjust).toBe('all');
  });

  it("fills at the adjusted open of the file's row: the first, and every other", () => {
    const f = fills(out);
    expect(f.length).toBeGreaterThan(10);
    const [date, price] = f[0]!;
    expect(date).toBe('1995-05-12');
    // The file's line 93: 1995-05-12,2.370370,2.462963,2.361111,2.407408,2.141366,72420000
    expect(byDate.get(date)).toMatchObject({ line: 93, open: 2.37037, close: 2.407408, adjClose: 2.141366 });
    expect(price).toBe(2.37037 * (2.141366 / 2.407408));
    expect(price).toBeCloseTo(2.108421, 6);
    for (const [d, p] of f) expect(p).toBe(adjustedOpen(d));
  });

  it('a run without the flag has no adjustment key and fills at the raw opens', () => {
    const plain = tempDir();
    expect(backtest(['--data', ORCL], plain).status).toBe(0);
    expect('adjustment' in summaryOf(plain)).toBe(false);
    const [date, price] = fills(plain)[0]!;
    expect(price).toBe(byDate.get(date)!.open);
  });
});

describe('quantflow backtest --adjust with an actions file (ORCL as traded)', () => {
  const dir = tempDir();
  const traded = writeOrclAsTraded(dir);
  const actions = writeOrclActions(dir, { splits: true, dividends: true });
  const tradedRows = new Map(readFileSync(traded, 'utf8').trim().split('\n').slice(1).map((l) => {
    const f = l.split(',');
    return [f[0]!, Number(f[1])] as const;
  }));

  it("'splits' fills at the traded open divided by the later splits", () => {
    const out = join(dir, 'splits');
    const r = backtest(['--data', traded, '--adjust', 'splits', '--actions', actions], out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(summaryOf(out).adjustment).toEqual({ mode: 'splits', source: 'actions', actions_file: actions, splits: 6, dividends: 0 });
    for (const [d, p] of fills(out)) expect(p).toBe(tradedRows.get(d)! / splitsAfter(d));
  });

  it("'all' fills at the traded open / splits x (1 - D / close before) over the later dividends", () => {
    const out = join(dir, 'all');
    const r = backtest(['--data', traded, '--adjust', 'all', '--actions', actions], out);
    expect(r.status).toBe(0);
    expect(summaryOf(out).adjustment).toEqual({ mode: 'all', source: 'actions', actions_file: actions, splits: 6, dividends: 22 });
    const dates = rows.map((x) => x.date);
    const factor = (date: string): number => {
      let f = 1;
      for (const [ex, amount] of ORCL_DIVIDENDS) {
        if (date < ex) f *= 1 - amount / byDate.get(dates[dates.indexOf(ex) - 1]!)!.close;
      }
      return f;
    };
    const f = fills(out);
    const [date, price] = f[0]!;
    expect(price).toBeCloseTo((tradedRows.get(date)! / splitsAfter(date)) * factor(date), 12);
    for (const [d, p] of f) expect(Math.abs(p - (tradedRows.get(d)! / splitsAfter(d)) * factor(d)) / p).toBeLessThan(1e-14);
  });
});

describe('bad adjustment input: status 2 and a message naming the place', () => {
  const dir = tempDir();
  const out = join(dir, 'out');

  it('bad actions rows name file:line, field and value', () => {
    const bad = join(dir, 'bad-actions.csv');
    writeFileSync(bad, 'date,symbol,type,value\n2000-01-19,ORCL,split,2\n2000-10-13,ORCL,spilt,2\n2009-04-06,ORCL,dividend,five cents\n');
    const r = backtest(['--data', ORCL, '--adjust', 'all', '--actions', bad], out);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}:3: field 'type' value 'spilt'`);
    expect(r.stderr).toContain(`${bad}:4: field 'value' value 'five cents'`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a dividend above the close before its ex-date names its line', () => {
    const bad = join(dir, 'big.csv');
    writeFileSync(bad, 'date,symbol,type,value\n2014-10-06,ORCL,dividend,50\n');
    const r = backtest(['--data', ORCL, '--adjust', 'all', '--actions', bad], out);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}:2: field 'value' value '50'`);
    expect(r.stderr).toContain('38.889999');
  });

  it.each([
    [['--adjust', 'everything'], "field '--adjust' value 'everything': expected none, splits or all"],
    [['--adjust', 'splits'], "field 'adjust' value 'splits': split-only adjustment needs an actions file"],
    [['--actions', 'x.csv'], "field 'actions' value 'x.csv': an actions file is used only with adjust splits or all"],
    [['--adjust', 'all', '--actions', 'no-such-file.csv'], 'no-such-file.csv'],
  ])('backtest %j', (flags, message) => {
    const r = backtest(['--data', ORCL, ...flags], out);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('--adjust all on a file without an Adj Close column and no actions file', () => {
    const btc = join(SAMPLES, 'BTC-PERP-2022-01-1m.csv');
    const r = backtest(['--data', btc, '--adjust', 'all'], out);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${btc}: field 'adjClose'`);
  });

  it('a config file with a bad adjust value', () => {
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({ strategy: 'examples/sma-cross.ts', data: [ORCL], adjust: 'dividends' }));
    const r = cli(['backtest', '--config', config, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${config}: field 'adjust' value 'dividends': expected none, splits or all`);
  });
});

describe('quantflow data resample --adjust', () => {
  it('writes adjusted bars: daily bars resampled to 1d close at the Adj Close', () => {
    const dir = tempDir();
    const file = join(dir, 'ORCL-1d.csv');
    const r = cli(['data', 'resample', '--data', ORCL, '--to', '1d', '--adjust', 'all', '--out', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('adjusted (all, from the Adj Close column)');
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    expect(lines.length).toBe(rows.length);
    lines.forEach((l, i) => expect(Number(l.split(',')[4])).toBe(rows[i]!.adjClose));
  });

  it('refuses a bad mode with status 2', () => {
    const r = cli(['data', 'resample', '--data', ORCL, '--to', '1d', '--adjust', 'total', '--out', join(tempDir(), 'x.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("field '--adjust' value 'total'");
  });
});
