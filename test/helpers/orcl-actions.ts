import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLES } from './cli.js';

/**
 * Oracle's splits of 1995-2014 (ex-dates and ratios as published by Oracle
 * investor relations). The sample file's Open..Close are already divided by
 * them: its 1995-01-03 open 2.179012 is the 44.125 traded that day / 20.25.
 */
export const ORCL_SPLITS: readonly (readonly [date: string, written: string, ratio: number])[] = [
  ['1995-02-23', '3:2', 1.5],
  ['1996-04-17', '3:2', 1.5],
  ['1997-08-18', '3:2', 1.5],
  ['1999-03-01', '3:2', 1.5],
  ['2000-01-19', '2', 2],
  ['2000-10-13', '2', 2],
];

/** Oracle's cash dividends of 2009-2014 (ex-date, dollars per share); the 0.18 of 2012-12-12 paid three quarters early. */
export const ORCL_DIVIDENDS: readonly (readonly [date: string, amount: number])[] = [
  ['2009-04-06', 0.05], ['2009-07-13', 0.05], ['2009-10-09', 0.05], ['2010-01-14', 0.05],
  ['2010-04-12', 0.05], ['2010-07-12', 0.05], ['2010-10-04', 0.05], ['2011-01-14', 0.05],
  ['2011-04-11', 0.06], ['2011-07-11', 0.06], ['2011-10-07', 0.06], ['2012-01-09', 0.06],
  ['2012-04-09', 0.06], ['2012-07-11', 0.06], ['2012-10-10', 0.06], ['2012-12-12', 0.18],
  ['2013-07-10', 0.12], ['2013-10-04', 0.12], ['2014-01-03', 0.12], ['2014-04-04', 0.12],
  ['2014-07-07', 0.12], ['2014-10-06', 0.12],
];

/** Product of the ratios of the splits after a date (YYYY-MM-DD): what the split-adjusted price was divided by. */
export function splitsAfter(date: string): number {
  let p = 1;
  for (const [d, , r] of ORCL_SPLITS) if (date < d) p *= r;
  return p;
}

export interface SampleRow {
  readonly line: number;
  readonly date: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly adjClose: number;
  readonly volume: number;
}

/** The ORCL sample's rows, split by hand. */
export function orclRows(): SampleRow[] {
  const lines = readFileSync(join(SAMPLES, 'ORCL-1995-2014.csv'), 'utf8').trim().split('\n');
  return lines.slice(1).map((l, i) => {
    const [date, o, h, lo, c, a, v] = l.split(',');
    return { line: i + 2, date: date!, open: Number(o), high: Number(h), low: Number(lo), close: Number(c), adjClose: Number(a), volume: Number(v) };
  });
}

/**
 * The ORCL sample as traded: prices multiplied back by the splits after each
 * date (written with 6 decimals), volume divided by them. Returns the path of
 * the file written in `dir`.
 */
export function writeOrclAsTraded(dir: string): string {
  const rows = orclRows().map((r) => {
    const s = splitsAfter(r.date);
    const p = (x: number): string => (x * s).toFixed(6);
    return `${r.date},${p(r.open)},${p(r.high)},${p(r.low)},${p(r.close)},${(r.volume / s).toFixed(6)}`;
  });
  const path = join(dir, 'ORCL-1995-2014-traded.csv');
  writeFileSync(path, ['Date,Open,High,Low,Close,Volume', ...rows].join('\n') + '\n');
  return path;
}

/** An actions file with Oracle's splits and/or dividends. */
export function writeOrclActions(dir: string, which: { splits: boolean; dividends: boolean }, name = 'orcl-actions.csv'): string {
  const rows = [
    ...(which.splits ? ORCL_SPLITS.map(([d, w]) => `${d},ORCL,split,${w}`) : []),
    ...(which.dividends ? ORCL_DIVIDENDS.map(([d, a]) => `${d},ORCL,dividend,${a}`) : []),
  ];
  const path = join(dir, name);
  writeFileSync(path, ['date,symbol,type,value', ...rows].join('\n') + '\n');
  return path;
}
