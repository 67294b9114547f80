import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, type Issue } from '../../core/errors.js';
import { parseIsoTime } from '../../core/time.js';
import type { BarColumns } from '../../model/market.js';
import { SMA } from '../../strategy/indicators/sma.js';
import { ORCL_DIVIDENDS, ORCL_SPLITS, orclRows, splitsAfter, writeOrclActions, writeOrclAsTraded } from '../../../test/helpers/orcl-actions.js';
import { collectColumns } from '../collect.js';
import { openCsvFeed } from '../csv/open.js';
import type { CsvFeedOptions } from '../csv/options.js';
import { ColumnsFeed } from '../memory-feed.js';
import { parseActions, readActionsFile } from './actions.js';
import { AdjustedFeed, adjustFeed, type AdjustMode } from './adjusted-feed.js';

const SAMPLES = join(import.meta.dirname, '../../../data/samples');
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const dir = mkdtempSync(join(tmpdir(), 'quantflow-adjust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = orclRows();
const traded = writeOrclAsTraded(dir);
const splitsFile = writeOrclActions(dir, { splits: true, dividends: false }, 'splits.csv');
const dividendsFile = writeOrclActions(dir, { splits: false, dividends: true }, 'dividends.csv');
const bothFile = writeOrclActions(dir, { splits: true, dividends: true }, 'both.csv');

function bars(path: string, mode: AdjustMode, actions?: string, options: CsvFeedOptions = {}): BarColumns {
  const feed = adjustFeed(openCsvFeed(path, options), {
    mode,
    actions: actions === undefined ? undefined : readActionsFile(actions),
    reopen: () => openCsvFeed(path),
  });
  const cols = collectColumns(feed);
  if (cols.kind !== 'bar') throw new Error('bars expected');
  return cols;
}

const arr = (a: Float64Array, n: number): number[] => Array.from(a.subarray(0, n));
const indexOf = (date: string): number => rows.findIndex((r) => r.date === date);

function thrown(fn: () => unknown): readonly Issue[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('adjustment from the Adj Close column (ORCL 1995-2014)', () => {
  const raw = bars(ORCL, 'none');
  const adj = bars(ORCL, 'all');

  it("mode 'none' is the feed itself: prices as written", () => {
    const feed = openCsvFeed(ORCL);
    expect(adjustFeed(feed, { mode: 'none' })).toBe(feed);
    feed.close();
    expect(arr(raw.close, raw.length)).toEqual(rows.map((r) => r.close));
  });

  it("mode 'all': every close is the file's Adj Close, open/high/low scaled by adjClose / close, volume as written", () => {
    expect(adj.length).toBe(5036);
    expect(arr(adj.close, adj.length)).toEqual(rows.map((r) => r.adjClose));
    rows.forEach((r, i) => {
      const f = r.adjClose / r.close;
      expect(adj.open[i]).toBe(r.open === r.close ? r.adjClose : r.open * f);
      expect(adj.high[i]).toBe(r.high === r.close ? r.adjClose : r.high * f);
      expect(adj.low[i]).toBe(r.low === r.close ? r.adjClose : r.low * f);
      expect(adj.volume[i]).toBe(r.volume);
      expect(adj.high[i]! >= adj.close[i]! && adj.close[i]! >= adj.low[i]! && adj.high[i]! >= adj.open[i]! && adj.open[i]! >= adj.low[i]!).toBe(true);
    });
    // 1995-01-03: open 2.179012 x 1.883304 / 2.117284
    expect(adj.open[0]).toBeCloseTo(1.938210, 6);
    expect(arr(adj.line, adj.length)).toEqual(arr(raw.line, raw.length));
  });

  it('streams chunk by chunk: tiny chunks give the same bars, and the inner chunk is left as read', () => {
    const small = bars(ORCL, 'all', undefined, { capacity: 7, chunkBytes: 333 });
    expect(arr(small.open, small.length)).toEqual(arr(adj.open, adj.length));
    expect(arr(small.close, small.length)).toEqual(arr(adj.close, adj.length));
    const inner = openCsvFeed(ORCL, { capacity: 10 });
    const wrapped = adjustFeed(inner, { mode: 'all' });
    const out = wrapped.next();
    if (out?.kind !== 'bar') throw new Error('bars expected');
    expect(out.close[0]).toBe(1.883304);
    const again = (inner as unknown as { out: BarColumns }).out;
    expect(again.close[0]).toBe(2.117284);
    wrapped.close();
  });

  it("'splits' without an actions file, and 'all' on a file with no Adj Close column, are refused", () => {
    expect(thrown(() => bars(ORCL, 'splits'))[0]).toMatchObject({ code: 'invalid_option', field: 'adjust', value: 'splits' });
    const btc = join(SAMPLES, 'BTC-PERP-2022-01-1m.csv');
    expect(thrown(() => bars(btc, 'all'))[0]).toMatchObject({ code: 'missing_column', file: btc, field: 'adjClose' });
    const quotes = openCsvFeed(join(SAMPLES, 'USDJPY-2013-ticks.csv'));
    expect(thrown(() => adjustFeed(quotes, { mode: 'all' }))[0]).toMatchObject({ code: 'invalid_option', field: 'adjust' });
    quotes.close();
  });

  it('a row without an adjusted close (in-memory bars) names its line', () => {
    const cols = bars(ORCL, 'none', undefined, { to: parseIsoTime('1995-01-05', 'end')! });
    cols.adjClose[1] = NaN;
    const feed = adjustFeed(new ColumnsFeed('ORCL', cols), { mode: 'all' });
    expect(thrown(() => feed.next())[0]).toMatchObject({ code: 'missing_column', line: 3, field: 'adjClose' });
  });
});

describe('adjustment from an actions file', () => {
  it('ORCL as traded has the six split jumps the sample has taken out', () => {
    const t = bars(traded, 'none');
    expect(t.open[0]).toBeCloseTo(44.125, 4); // 2.179012 x 20.25, to the sample's 6 decimals
    for (const [date, , ratio] of ORCL_SPLITS) {
      const i = indexOf(date);
      expect(t.close[i - 1]! / t.close[i]!).toBeGreaterThan(ratio * 0.85);
      expect(t.close[i - 1]! / t.close[i]!).toBeLessThan(ratio * 1.15);
    }
  });

  it("'splits': the splits reproduce the split-adjusted series, price / product of later ratios, volume times it", () => {
    const t = bars(traded, 'none');
    const s = bars(traded, 'splits', splitsFile);
    expect(s.length).toBe(rows.length);
    rows.forEach((r, i) => {
      const d = splitsAfter(r.date);
      expect(s.close[i]).toBe(t.close[i]! / d);
      expect(s.open[i]).toBe(t.open[i]! / d);
      expect(s.volume[i]).toBe(t.volume[i]! * d);
      // ... which is the sample's own Close to its 6 decimals
      expect(Math.abs(s.close[i]! - r.close)).toBeLessThan(1e-6);
      expect(Math.abs(s.volume[i]! - r.volume) / r.volume).toBeLessThan(1e-9);
    });
    expect(s.open[0]).toBeCloseTo(2.179012, 6);
    expect([splitsAfter('1995-01-03'), splitsAfter('1999-02-26'), splitsAfter('2000-10-13')]).toEqual([20.25, 6, 1]);
    // 'splits' ignores dividends in the file
    const s2 = bars(traded, 'splits', bothFile);
    expect(arr(s2.close, s2.length)).toEqual(arr(s.close, s.length));
  });

  it("'all' with dividends: bars before an ex-date are multiplied by 1 - D / (close of the bar before it), computed by hand", () => {
    const a = bars(ORCL, 'all', dividendsFile);
    const at = (date: string): number => indexOf(date);
    // On and after the last ex-date (2014-10-06) prices are as written.
    for (const date of ['2014-10-06', '2014-12-31']) expect(a.close[at(date)]).toBe(rows[at(date)]!.close);
    // 2014-10-03, the bar before the last ex-date: one factor, 1 - 0.12 / 38.889999.
    const f1 = 1 - 0.12 / 38.889999;
    expect(rows[at('2014-10-03')]!.close).toBe(38.889999);
    expect(a.close[at('2014-10-03')]).toBeCloseTo(38.889999 * f1, 12);
    expect(a.open[at('2014-10-03')]).toBeCloseTo(rows[at('2014-10-03')]!.open * f1, 12);
    // 2014-07-03, before the 2014-07-07 ex-date (close of 2014-07-03: 41.34): two factors.
    const f2 = 1 - 0.12 / 41.34;
    expect(rows[at('2014-07-07') - 1]!.close).toBe(41.34);
    expect(a.close[at('2014-07-03')]).toBeCloseTo(41.34 * f2 * f1, 12);
    // Volume is untouched by dividends; before the first dividend every factor applies.
    expect(a.volume[0]).toBe(rows[0]!.volume);
    let all = 1;
    for (const [date, amount] of ORCL_DIVIDENDS) all *= 1 - amount / rows[at(date) - 1]!.close;
    expect(a.close[0]! / rows[0]!.close).toBeCloseTo(all, 14);
    expect(all).toBeCloseTo(0.8894905 / 0.9406968, 6);
  });

  it("'all' with dividends agrees with the file's Adj Close, up to the factor of actions after 2014", () => {
    const a = bars(ORCL, 'all', dividendsFile);
    const last = rows[rows.length - 1]!;
    const later = last.adjClose / last.close; // dividends paid after the file ends
    let worst = 0;
    rows.forEach((r, i) => {
      worst = Math.max(worst, Math.abs(a.close[i]! * later - r.adjClose) / r.adjClose);
    });
    expect(worst).toBeLessThan(2e-6);
  });

  it("splits and dividends together on ORCL as traded give the sample's Adj Close series", () => {
    const a = bars(traded, 'all', bothFile);
    const last = rows[rows.length - 1]!;
    const later = last.adjClose / last.close;
    let worst = 0;
    rows.forEach((r, i) => {
      worst = Math.max(worst, Math.abs(a.close[i]! * later - r.adjClose) / r.adjClose);
    });
    expect(worst).toBeLessThan(2e-6);
    const info = (adjustFeed(openCsvFeed(traded), { mode: 'all', actions: readActionsFile(bothFile), reopen: () => openCsvFeed(traded) }) as AdjustedFeed);
    expect(info.adjustment).toEqual({ mode: 'all', source: 'actions', actionsFile: bothFile, splits: 6, dividends: 22 });
    info.close();
  });

  it('a time window adjusts with the factors of the whole file, and chunks do not matter', () => {
    const whole = bars(traded, 'all', bothFile);
    const from = parseIsoTime('1999-01-01')!;
    const to = parseIsoTime('2012-12-31', 'end')!;
    const part = bars(traded, 'all', bothFile, { from, to, capacity: 5 });
    const first = indexOf(rows.find((r) => r.date >= '1999-01-01')!.date);
    expect(arr(part.close, part.length)).toEqual(arr(whole.close, whole.length).slice(first, first + part.length));
  });

  it('actions of other symbols are ignored; rows without a symbol column apply to every file', () => {
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'date,symbol,type,value\n2000-01-19,MSFT,split,2\n');
    const t = bars(traded, 'none');
    expect(arr(bars(traded, 'splits', other).close, t.length)).toEqual(arr(t.close, t.length));
    const anyone = join(dir, 'anyone.csv');
    writeFileSync(anyone, 'date,type,value\n2000-10-13,split,2\n');
    expect(bars(traded, 'splits', anyone).close[0]).toBe(t.close[0]! / 2);
  });

  it('a dividend not below the close before its ex-date names its line, field and value', () => {
    const big = join(dir, 'big.csv');
    writeFileSync(big, 'date,symbol,type,value\n2009-04-06,ORCL,dividend,0.05\n2014-10-06,ORCL,dividend,40\n');
    expect(thrown(() => bars(ORCL, 'all', big))[0]).toMatchObject({ code: 'unparseable_field', file: big, line: 3, field: 'value', value: '40' });
  });
});

describe('actions files', () => {
  it('reads ratios as numbers or N:M, in any order, skipping blank and # lines', () => {
    const text = '# Oracle\nDate,Symbol,Type,Value,Note\n2000-10-13,ORCL,split,2,x\n\n1995-02-23,ORCL,Split,3:2,\n2012-12-12,ORCL,dividend,0.18,special\n';
    const a = parseActions(text, 'a.csv');
    expect(a.map((x) => [x.date, x.type, x.value, x.line])).toEqual([
      ['1995-02-23', 'split', 1.5, 5],
      ['2000-10-13', 'split', 2, 3],
      ['2012-12-12', 'dividend', 0.18, 6],
    ]);
    expect(a[0]!.time).toBe(parseIsoTime('1995-02-23'));
  });

  it('reports every bad row with file:line, field and value', () => {
    const text = [
      'date,symbol,type,value',
      '2000-13-01,ORCL,split,2', // 2 bad date
      '2000-01-19,ORCL,merger,2', // 3 bad type
      '2000-01-19,ORCL,split,-2', // 4 bad ratio
      '2000-01-19,ORCL,split,two', // 5 bad ratio
      '2009-04-06,ORCL,dividend,-0.05', // 6 bad amount
      '2009-04-06,ORCL,dividend,', // 7 empty amount
      '2009-04-06,,dividend,0.05', // 8 empty symbol
      '2009-04-06,ORCL,dividend', // 9 field count
      '2009-04-06,ORCL,dividend,0.05', // 10 ok
      '2009-04-06,ORCL,dividend,0.06', // 11 duplicate
    ].join('\n');
    let issues: readonly Issue[] = [];
    try {
      parseActions(text, 'acts.csv');
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues = e.issues;
      expect(e.message).toContain("acts.csv:3: field 'type' value 'merger'");
    }
    expect(issues.map((i) => [i.line, i.field ?? null, i.value])).toEqual([
      [2, 'date', '2000-13-01'],
      [3, 'type', 'merger'],
      [4, 'value', '-2'],
      [5, 'value', 'two'],
      [6, 'value', '-0.05'],
      [7, 'value', ''],
      [8, 'symbol', ''],
      [9, null, '2009-04-06,ORCL,dividend'],
      [11, 'date', '2009-04-06'],
    ]);
    expect(issues.every((i) => i.file === 'acts.csv')).toBe(true);
  });

  it('a header without date, type or value, an empty file and a missing file are errors', () => {
    expect(thrown(() => parseActions('when,what\n', 'h.csv'))[0]).toMatchObject({ code: 'missing_column', line: 1 });
    expect(thrown(() => parseActions('\n', 'e.csv'))[0]).toMatchObject({ code: 'empty_file' });
    expect(thrown(() => readActionsFile(join(dir, 'nope.csv')))[0]).toMatchObject({ code: 'file_not_found' });
  });
});

describe('the exact SMA on adjusted prices', () => {
  it('falls back to a float running sum for long doubles and stays within float rounding of the true mean', () => {
    const adj = bars(ORCL, 'all', dividendsFile);
    const exact = new SMA(30);
    const float = new SMA(30, false);
    const closes = arr(adj.close, adj.length);
    let worst = 0;
    closes.forEach((c, i) => {
      const e = exact.update(c);
      const f = float.update(c);
      if (i >= 29) {
        let sum = 0;
        for (let j = i - 29; j <= i; j++) sum += closes[j]!;
        worst = Math.max(worst, Math.abs(e - sum / 30) / (sum / 30), Math.abs(e - f) / f);
      }
    });
    expect(worst).toBeLessThan(1e-12);
  });

  it('stays exact on Adj Close values (6 decimals), as on raw closes', () => {
    const adj = bars(ORCL, 'all');
    const sma = new SMA(3);
    const c = arr(adj.close, 3);
    sma.update(c[0]!);
    sma.update(c[1]!);
    // (1.883304 + 1.899776 + 1.915154... ) / 3 from integer micro-units
    const units = c.map((x) => Math.round(x * 1e6));
    expect(sma.update(c[2]!)).toBe((units[0]! + units[1]! + units[2]!) / 3e6);
  });
});
