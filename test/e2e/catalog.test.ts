/**
 * The catalog commands as a user runs them: `data import` of every sample
 * file the project reads, `data ls`, `data info`, `data query`, `data export`
 * and backtests from a catalog. Expected values come from the CSV and book
 * feeds reading the same files, never from the commands' own output.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../src/core/time.js';
import { collectColumns, datasetOfFeed, describeDataset, openBookFeed, openCsvFeed } from '../../src/data/index.js';
import type { Columns, MarketFeed } from '../../src/model/market.js';
import { SAMPLES, cli, tempDir } from '../helpers/cli.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
/** Bar, quote and trade files, and a Tardis book file (a book source on its own). */
const FILES = [
  'ORCL-1995-2014.csv',
  'NVDA-1999-2014.csv',
  'YHOO-1996-2014.csv',
  'KO-1997-1998.csv',
  'FUT-2006-min.csv',
  'FUT-2015-ticks.csv',
  'BTC-PERP-2022-01-1m.csv',
  'GBPUSD-2012-m1-bid.csv',
  'GBPUSD-2012-m1-ask.csv',
  'USDJPY-2013-ticks.csv',
  'EURUSD-2020-01-ticks-histdata.csv',
  'tardis-bitmex-trades-XBTUSD.csv',
  'tardis-binance-futures-book-snapshot-25.csv',
];
const BINANCE = ['binance-btcusdt-depth-snap.csv', 'binance-btcusdt-depth-update.csv'].map((f) => join(SAMPLES, f));
const OUTPUTS = ['summary.json', 'trades.csv', 'orders.csv', 'equity.csv', 'fills.csv', 'positions.csv'];

interface Listed {
  kind: string;
  symbol: string;
  side?: string;
  rows: number;
  first: string | null;
  last: string | null;
}

/** A data set's expected size and range, from the feeds of its files. */
interface Expected {
  name: string;
  rows: number;
  first: number;
  last: number;
}

function addExpected(into: Map<string, Expected>, feed: MarketFeed): void {
  const name = describeDataset(datasetOfFeed(feed));
  const c = collectColumns(feed);
  const e = into.get(name) ?? { name, rows: 0, first: Infinity, last: -Infinity };
  e.rows += c.length;
  e.first = Math.min(e.first, c.time[0] as number);
  e.last = Math.max(e.last, c.time[c.length - 1] as number);
  into.set(name, e);
}

const listOf = (catalog: string): Listed[] => {
  const r = cli(['data', 'ls', '--catalog', catalog, '--json']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Listed[];
};

const nameOf = (d: Listed): string => describeDataset({ kind: d.kind as Columns['kind'], symbol: d.symbol, ...(d.side !== undefined ? { side: d.side as 'trade' } : {}) });

/** One value of a one-row query. */
function queryOne(catalog: string, sql: string): string {
  const r = cli(['data', 'query', sql, '--csv', '--catalog', catalog]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(2);
  return lines[1]!;
}

/** The ORCL sample's data lines (no header). */
const orclLines = (): string[] => readFileSync(ORCL, 'utf8').trimEnd().split('\n').slice(1);

/** A bad input: exit status 2, a message naming the problem, no stack trace. */
function expectInputError(r: ReturnType<typeof cli>, ...parts: (string | RegExp)[]): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain('internal error');
  for (const p of parts) expect(r.stderr).toMatch(p);
}

describe('a catalog of every sample file', () => {
  const dir = tempDir('qf-catalog-');
  const catalog = join(dir, 'catalog');
  const expected = new Map<string, Expected>();
  let imported: ReturnType<typeof cli>;

  beforeAll(() => {
    imported = cli(['data', 'import', ...FILES.map((f) => join(SAMPLES, f)), '--catalog', catalog]);
    for (const f of FILES) {
      const path = join(SAMPLES, f);
      addExpected(expected, f.includes('book-snapshot') ? openBookFeed([path]) : openCsvFeed(path));
    }
  });

  it('imports every bar, quote, trade and book file', () => {
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    const total = [...expected.values()].reduce((a, e) => a + e.rows, 0);
    expect(imported.stdout).toContain(`${total} rows added to ${catalog}`);
  });

  it('lists every data set with the rows and the first and last times of its files', () => {
    const listed = listOf(catalog);
    expect(listed.map(nameOf).sort()).toEqual([...expected.keys()].sort());
    for (const d of listed) {
      const e = expected.get(nameOf(d))!;
      expect(d.rows, e.name).toBe(e.rows);
      expect(parseIsoTime(d.first!), e.name).toBe(e.first);
      expect(parseIsoTime(d.last!), e.name).toBe(e.last);
    }
    // The table has the same figures.
    const text = cli(['data', 'ls', '--catalog', catalog]).stdout;
    for (const e of expected.values()) expect(text).toMatch(new RegExp(`^${e.name.replace(/[()]/g, '\\$&')}\\s+${e.rows}\\s`, 'm'));
  });

  it('imports the Binance snapshot and update pair as written: the sequence gap between them is a warning, recorded and shown by data info', () => {
    const r = cli(['data', 'import', ...BINANCE, '--symbol', 'BTCUSDT-SPOT', '--catalog', catalog]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*binance-btcusdt-depth-update\.csv:2: column 'first_update_id' .*value '2098041693435': sequence gap/);
    expect(r.stderr).not.toMatch(/skipped/);
    const feed = openBookFeed(BINANCE, { onGap: 'warn', symbol: 'BTCUSDT-SPOT' });
    const book = collectColumns(feed);
    expect(feed.skipped).toHaveLength(0);
    expect(feed.warnings).toHaveLength(1);
    expect(r.stdout).toContain(`-> book BTCUSDT-SPOT: ${book.length} rows, ${book.length} added, 1 sequence gap (stored as written; warning below)`);
    const d = listOf(catalog).find((x) => x.symbol === 'BTCUSDT-SPOT')!;
    expect(d.rows).toBe(book.length);
    expect(parseIsoTime(d.first!)).toBe(book.time[0]);
    expect(parseIsoTime(d.last!)).toBe(book.time[book.length - 1]);
    const info = cli(['data', 'info', 'BTCUSDT-SPOT', '--catalog', catalog]);
    expect(info.stdout).toMatch(/sequence +1 gap\(s\) and 0 crossed book\(s\) found on import \(rows stored as written\); first: .*binance-btcusdt-depth-update\.csv:2: .*20165102\) are missing/);
    const json = JSON.parse(cli(['data', 'info', 'BTCUSDT-SPOT', '--catalog', catalog, '--json']).stdout) as { sequence_gaps_on_import: number }[];
    expect(json[0]!.sequence_gaps_on_import).toBe(1);
    // A malformed row is still an error: nothing of that book is written.
    const bad = join(tempDir(), 'binance-bad-depth-update.csv');
    const lines = readFileSync(BINANCE[1]!, 'utf8').split('\n');
    lines[3] = lines[3]!.replace(/,([0-9.]+),([0-9.]+),/, ',abc,$2,');
    writeFileSync(bad, lines.join('\n'));
    expectInputError(cli(['data', 'import', BINANCE[0]!, bad, '--symbol', 'BTCUSDT-BAD', '--catalog', catalog]), /binance-bad-depth-update\.csv:4/);
    expect(listOf(catalog).some((x) => x.symbol === 'BTCUSDT-BAD')).toBe(false);
  });

  it('adds nothing when a file is imported again', () => {
    const r = cli(['data', 'import', ORCL, '--catalog', catalog]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ORCL-1995-2014.csv -> bars ORCL: already imported (same content), 0 rows added');
    expect(r.stdout).toMatch(/^0 rows added/m);
    expect(queryOne(catalog, "SELECT count(*) FROM bars WHERE symbol='ORCL'")).toBe(String(orclLines().length));
  });

  it('data info reports the range, the rows and the gaps (the 2001-09-11 closure among the largest)', () => {
    const r = cli(['data', 'info', 'ORCL', '--json', '--catalog', catalog]);
    expect(r.status, r.stderr).toBe(0);
    const [info] = JSON.parse(r.stdout) as { rows: number; first: string; last: string; gaps: number; largest_gaps: { from: string; to: string }[] }[];
    // Expected from the file: times of the CSV feed, gaps longer than 3x the median spacing and than 4 days.
    const times = Array.from(collectColumns(openCsvFeed(ORCL)).time);
    expect(info!.rows).toBe(times.length);
    expect(parseIsoTime(info!.first)).toBe(times[0]);
    expect(parseIsoTime(info!.last)).toBe(times.at(-1));
    const steps = times.slice(1).map((t, i) => ({ from: times[i]!, to: t, dt: t - times[i]! }));
    const sorted = steps.map((s) => s.dt).sort((a, b) => a - b);
    const median = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
    const day = 86_400_000_000;
    const gaps = steps.filter((s) => s.dt > Math.max(3 * median, 4 * day)).sort((a, b) => b.dt - a.dt || a.to - b.to);
    expect(info!.gaps).toBe(gaps.length);
    expect(info!.largest_gaps.map((g) => [parseIsoTime(g.from), parseIsoTime(g.to)])).toEqual(gaps.slice(0, 5).map((g) => [g.from, g.to]));
    const date = (t: number): string => new Date(t / 1000).toISOString().slice(0, 10);
    expect(gaps.slice(0, 5).map((g) => `${date(g.from)}..${date(g.to)}`)).toContain('2001-09-10..2001-09-17');
    const text = cli(['data', 'info', 'ORCL', '--catalog', catalog]).stdout;
    expect(text).toContain(`rows        ${times.length} in`);
    expect(text).toContain('2001-09-10T23:59:59.999999Z .. 2001-09-17T23:59:59.999999Z');
  });

  it('exports ORCL to CSV with the columns of the original exactly', () => {
    const out = join(dir, 'export', 'ORCL.csv');
    const r = cli(['data', 'export', '--symbol', 'ORCL', '--out', out, '--catalog', catalog]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${orclLines().length} rows of bars ORCL`);
    const a = collectColumns(openCsvFeed(ORCL));
    const b = collectColumns(openCsvFeed(out));
    if (a.kind !== 'bar' || b.kind !== 'bar') throw new Error('bars expected');
    expect(b.length).toBe(a.length);
    for (const col of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
      expect(Array.from(b[col].subarray(0, b.length)), col).toEqual(Array.from(a[col].subarray(0, a.length)));
    }
  });

  it('exports a window: the rows of the CSV feed within it', () => {
    const out = join(dir, 'export', 'ORCL-window.csv');
    const r = cli(['data', 'export', '--symbol', 'ORCL', '--from', '2008-09-01', '--to', '2008-12-31', '--out', out, '--catalog', catalog]);
    expect(r.status, r.stderr).toBe(0);
    const want = collectColumns(openCsvFeed(ORCL, { from: parseIsoTime('2008-09-01', 'start') as number, to: parseIsoTime('2008-12-31', 'end') as number }));
    const got = collectColumns(openCsvFeed(out, { symbol: 'ORCL' }));
    expect(Array.from(got.time.subarray(0, got.length))).toEqual(Array.from(want.time.subarray(0, want.length)));
  });

  it('backtests the same from the catalog and from a second catalog made of the exported file', () => {
    const exported = join(dir, 'export', 'ORCL.csv');
    const second = join(dir, 'second');
    const imp = cli(['data', 'import', exported, '--catalog', second]);
    expect(imp.status, imp.stderr).toBe(0);
    const run = (cat: string, out: string): void => {
      const r = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--catalog', cat, '--symbol', 'ORCL', '--cash', '100000', '--fee-rate', '0.001',
        '--param', 'fast=10', '--param', 'slow=30', '--param', 'size=100', '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    };
    run(catalog, join(dir, 'bt-a'));
    run(second, join(dir, 'bt-b'));
    const summary = JSON.parse(readFileSync(join(dir, 'bt-a', 'summary.json'), 'utf8')) as { bars: number; closed_trades: number };
    expect(summary.bars).toBe(orclLines().length);
    expect(summary.closed_trades).toBeGreaterThan(0);
    for (const f of OUTPUTS) expect(readFileSync(join(dir, 'bt-b', f), 'utf8'), f).toBe(readFileSync(join(dir, 'bt-a', f), 'utf8'));
  });

  describe('bad input: exit status 2, a clear message, no stack', () => {
    it('a catalog folder that does not exist (ls, info)', () => {
      const missing = join(dir, 'no-such-catalog');
      expectInputError(cli(['data', 'ls', '--catalog', missing]), /no catalog here/, new RegExp(missing));
      expectInputError(cli(['data', 'info', 'ORCL', '--catalog', missing]), /no catalog here/);
    });

    it('a symbol the catalog does not have (backtest, info): the message lists the symbols it has', () => {
      const r = cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--catalog', catalog, '--symbol', 'MSFT', '--out', join(dir, 'x')]);
      const symbols = [...new Set(listOf(catalog).map((d) => d.symbol))];
      expect(symbols.length).toBeGreaterThan(5);
      expectInputError(r, /'--symbol' value 'MSFT': not in the catalog/, ...symbols.map((s) => new RegExp(`[ (]${s}[,)]`)));
      expectInputError(cli(['data', 'info', 'MSFT', '--catalog', catalog]), /'MSFT': not in the catalog/, /ORCL/);
    });

    it('a file to import that does not exist: nothing imported, not even the files before it', () => {
      const missing = join(dir, 'NOPE-2020.csv');
      expectInputError(cli(['data', 'import', join(SAMPLES, 'KO-1997-1998.csv'), missing, '--catalog', join(dir, 'fresh')]), new RegExp(`${missing}: no such file`));
      expectInputError(cli(['data', 'ls', '--catalog', join(dir, 'fresh')]), /no catalog here/);
    });

    it('a query that is not SQL, or names a column that is not there', () => {
      expectInputError(cli(['data', 'query', 'SELEC count(*) FROM bars', '--catalog', catalog]), /field 'SQL'/, /syntax error/i);
      expectInputError(cli(['data', 'query', 'SELECT nope FROM bars', '--catalog', catalog]), /field 'SQL'/, /nope/);
    });

    it('data query is read-only by default: no file written (in or out of the catalog), attached or read outside it; --allow-write lifts it', () => {
      const outside = join(dir, 'written.csv');
      const inside = join(catalog, 'written.csv');
      const refused: [string, RegExp][] = [
        [`COPY (SELECT 1) TO '${outside}'`, /disabled by configuration|read-only/],
        [`COPY (SELECT * FROM bars) TO '${inside}'`, /read-only: COPY statements are refused/],
        [`COPY bars TO '${join(catalog, 'x.parquet')}' (FORMAT parquet)`, /read-only|disabled by configuration/],
        [`ATTACH '${join(dir, 'x.duckdb')}' AS x`, /read-only: ATTACH statements are refused/],
        ["SELECT * FROM read_csv('/etc/passwd')", /disabled by configuration/],
        ["SELECT * FROM glob('/etc/*')", /disabled by configuration/],
        ['SET enable_external_access = true', /read-only: SET statements are refused/],
        ['CREATE TABLE t AS SELECT 1', /read-only: CREATE statements are refused/],
        ['SELECT 1; COPY (SELECT 1) TO \'/tmp/q.csv\'', /disabled by configuration|read-only/],
      ];
      for (const [text, why] of refused) expectInputError(cli(['data', 'query', text, '--catalog', catalog]), /field 'SQL'/, why);
      expect(existsSync(outside) || existsSync(inside) || existsSync(join(dir, 'x.duckdb'))).toBe(false);
      // The views, the catalog's own files by path, DESCRIBE and EXPLAIN still work.
      expect(cli(['data', 'query', 'SELECT count(*) FROM bars', '--catalog', catalog]).status).toBe(0);
      expect(cli(['data', 'query', `SELECT count(*) FROM read_parquet('${catalog}/bars/**/*.parquet')`, '--catalog', catalog]).status).toBe(0);
      expect(cli(['data', 'query', 'DESCRIBE bars', '--catalog', catalog]).status).toBe(0);
      expect(cli(['data', 'query', 'EXPLAIN SELECT * FROM bars', '--catalog', catalog]).status).toBe(0);
      const allowed = cli(['data', 'query', `COPY (SELECT 1 AS one) TO '${outside}'`, '--catalog', catalog, '--allow-write']);
      expect(allowed.status, allowed.stderr).toBe(0);
      expect(readFileSync(outside, 'utf8')).toBe('one\n1\n');
    });

    it('a bad row in an imported file: file:line, column and value, and nothing imported from that file', () => {
      const lines = orclLines();
      const header = 'Date,Open,High,Low,Close,Adj Close,Volume';
      // A new symbol: line 5 (the header is line 1) has an unreadable Open.
      const fresh = join(dir, 'ZZZ-bad.csv');
      const bad = lines.slice(0, 6).map((l, i) => (i === 3 ? l.replace(/^([^,]+),[^,]+,/, '$1,abc,') : l));
      writeFileSync(fresh, [header, ...bad].join('\n') + '\n');
      expectInputError(cli(['data', 'import', fresh, '--catalog', catalog]), new RegExp(`ZZZ-bad\\.csv:5\\b`), /'Open'/, /'abc'/);
      expect(listOf(catalog).some((d) => d.symbol === 'ZZZ')).toBe(false);
      // An existing data set: a year of new rows with a bad one among them adds none of them.
      const more = join(dir, 'ORCL-2015-bad.csv');
      const rows = ['2015-01-02,43.0,44.0,42.0,43.5,43.5,100', '2015-01-05,43.5,44.5,43.0,44.0,44.0,100', '2015-01-06,44.0,43.0,45.0,44.0,44.0,100'];
      writeFileSync(more, [header, ...rows].join('\n') + '\n');
      expectInputError(cli(['data', 'import', more, '--catalog', catalog]), new RegExp(`ORCL-2015-bad\\.csv:4\\b`), /'High'/, /'43(\.0)?'/);
      expect(queryOne(catalog, "SELECT count(*) FROM bars WHERE symbol='ORCL'")).toBe(String(lines.length));
      // Under --on-invalid skip the good rows go in.
      const skip = cli(['data', 'import', more, '--on-invalid', 'skip', '--catalog', catalog]);
      expect(skip.status, skip.stderr).toBe(0);
      expect(skip.stdout).toContain('-> bars ORCL: 2 rows, 2 added, 1 invalid skipped');
      expect(queryOne(catalog, "SELECT count(*) FROM bars WHERE symbol='ORCL'")).toBe(String(lines.length + 2));
    });
  });
});

describe('importing rows the catalog already has', () => {
  const dir = tempDir('qf-overlap-');
  const catalog = join(dir, 'catalog');
  const lines = orclLines();
  const part = lines.filter((l) => l >= '2010' && l < '2015');
  // One row changed: its close moved up to its high.
  const at = part.findIndex((l) => {
    const f = l.split(',');
    return l.startsWith('2012-06') && Number(f[2]) > Number(f[4]);
  });
  const fields = part[at]!.split(',');
  const [date, , high, , close] = fields;
  fields[4] = high!;
  const edited = join(dir, 'ORCL-2010-2014-edited.csv');
  writeFileSync(edited, ['Date,Open,High,Low,Close,Adj Close,Volume', ...part.map((l, i) => (i === at ? fields.join(',') : l))].join('\n') + '\n');
  const closeOn = (): number => Number(queryOne(catalog, `SELECT close FROM bars WHERE symbol='ORCL' AND CAST(time AS DATE) = DATE '${date}'`));

  beforeAll(() => {
    expect(cli(['data', 'import', ORCL, '--catalog', catalog]).status).toBe(0);
  });

  it('counts identical rows as duplicates and the changed one as a conflict, adds none, keeps the catalog\'s value', () => {
    expect(part.length).toBeGreaterThan(1000);
    const r = cli(['data', 'import', edited, '--catalog', catalog]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `ORCL-2010-2014-edited.csv -> bars ORCL: ${part.length} rows, 0 added, ${part.length - 1} already in the catalog (identical, skipped), ` +
        `1 already in the catalog with other values (the catalog's kept)`,
    );
    expect(queryOne(catalog, "SELECT count(*) FROM bars WHERE symbol='ORCL'")).toBe(String(lines.length));
    expect(closeOn()).toBe(Number(close));
  });

  it('replaces the changed value under --on-conflict replace (the same file again), and the row count stays', () => {
    const r = cli(['data', 'import', edited, '--on-conflict', 'replace', '--catalog', catalog]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${part.length - 1} already in the catalog (identical, skipped), 1 already in the catalog with other values (replaced)`);
    expect(closeOn()).toBe(Number(high));
    expect(Number(high)).not.toBe(Number(close));
    expect(queryOne(catalog, "SELECT count(*) FROM bars WHERE symbol='ORCL'")).toBe(String(lines.length));
    // Once replaced, the same file is recognised again.
    expect(cli(['data', 'import', edited, '--on-conflict', 'replace', '--catalog', catalog]).stdout).toContain('already imported (same content), 0 rows added');
    const info = JSON.parse(cli(['data', 'info', 'ORCL', '--json', '--catalog', catalog]).stdout) as { conflicts_on_import: number; duplicates_on_import: number }[];
    expect(info[0]).toMatchObject({ conflicts_on_import: 2, duplicates_on_import: 2 * (part.length - 1) });
  });
});

describe('importing a folder', () => {
  it('imports the .csv files in it, in name order, and nothing else', () => {
    const folder = tempDir();
    for (const f of ['ORCL-1995-2014.csv', 'NVDA-1999-2014.csv']) writeFileSync(join(folder, f), readFileSync(join(SAMPLES, f)));
    writeFileSync(join(folder, 'notes.txt'), 'not data\n');
    const catalog = tempDir();
    const r = cli(['data', 'import', folder, '--catalog', catalog, '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const rows = (f: string): number => collectColumns(openCsvFeed(join(SAMPLES, f))).length;
    const nvda = rows('NVDA-1999-2014.csv');
    const orcl = rows('ORCL-1995-2014.csv');
    expect(lines[0]).toContain(`NVDA-1999-2014.csv -> bars NVDA: ${nvda} rows, ${nvda} added`);
    expect(lines[1]).toContain(`ORCL-1995-2014.csv -> bars ORCL: ${orcl} rows, ${orcl} added`);
    expect(lines).toHaveLength(3);
  });

  it('refuses a folder without .csv files, exit 2', () => {
    const r = cli(['data', 'import', tempDir(), '--catalog', tempDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no \.csv files to import/);
  });
});
