/**
 * `data export`: an output path inside the catalog is refused before
 * anything is written; the CSV of every kind reads back (`data check`) and
 * imports again to the same rows (export, import into a fresh catalog,
 * export again: the same bytes); bad flags name themselves.
 */
import { existsSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../../test/helpers/cli.js';
import { runCli, type InProcessRun } from '../../../test/helpers/run-cli.js';

/** One line on stderr, exit status 2, no stack. */
function expectInputError(r: InProcessRun, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toMatch(pattern);
}

/** Every file under a folder with its bytes, to see that nothing changed. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

async function importInto(catalog: string, ...files: string[]): Promise<void> {
  const r = await runCli(['data', 'import', ...files, '--catalog', catalog, '--no-progress']);
  expect(r.status, r.stderr).toBe(0);
}

describe('data export --out inside the catalog', () => {
  const dir = tempDir('qf-export-in-');
  const catalog = join(dir, 'catalog');
  beforeAll(async () => {
    await importInto(catalog, join(SAMPLES, 'KO-1997-1998.csv'), join(SAMPLES, 'ORCL-1995-2014.csv'));
  }, 60_000);

  const inside = (): Record<string, string> => ({
    'the manifest': join(catalog, '_catalog.json'),
    "a partition's file": join(catalog, 'bars/symbol=KO/side=trade/year=1997/data_0.parquet'),
    'a new name in a partition folder': join(catalog, 'bars/symbol=KO/side=trade/year=1997/mine.parquet'),
    'a new folder under the catalog': join(catalog, 'exports/ko.csv'),
    'the catalog folder itself': catalog,
  });

  it.each(['the manifest', "a partition's file", 'a new name in a partition folder', 'a new folder under the catalog', 'the catalog folder itself'])(
    'refuses %s with exit status 2 naming --out and the path, and writes nothing',
    async (what) => {
      const out = inside()[what] as string;
      const before = snapshot(catalog);
      const r = await runCli(['data', 'export', '--symbol', 'KO', '--out', out, '--catalog', catalog]);
      expectInputError(r, /field '--out'/);
      expect(r.stderr).toContain(`value '${out}'`);
      expect(r.stderr).toContain('inside the catalog');
      expect(snapshot(catalog)).toEqual(before);
      // The catalog still works.
      const info = await runCli(['data', 'info', 'ORCL', '--catalog', catalog]);
      expect(info.status, info.stderr).toBe(0);
    },
  );

  it('compares real paths: a link to the catalog is inside it, and so is the catalog named through a link; a name that only starts like it is not', async () => {
    const link = join(dir, 'link');
    symlinkSync(catalog, link);
    const before = snapshot(catalog);
    expectInputError(await runCli(['data', 'export', '--symbol', 'KO', '--out', join(link, '_catalog.json'), '--catalog', catalog]), /field '--out'.*inside the catalog/);
    expectInputError(await runCli(['data', 'export', '--symbol', 'KO', '--out', join(catalog, 'ko.csv'), '--catalog', link]), /field '--out'.*inside the catalog/);
    expect(snapshot(catalog)).toEqual(before);
    const beside = `${catalog}-ko.csv`;
    const r = await runCli(['data', 'export', '--symbol', 'KO', '--out', beside, '--catalog', catalog]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(beside, 'utf8').split('\n')[0]).toBe('time,open,high,low,close,volume,adj_close');
  });
});

describe('data export CSV round trip: export, data check, import into a fresh catalog, export again', () => {
  const dir = tempDir('qf-export-rt-');
  // A quote file with sizes (the samples have none), to see them go out and come back.
  const sized = join(dir, 'SIZED.csv');
  writeFileSync(
    sized,
    'timestamp,bid,ask,bid_size,ask_size\n' +
      '2021-03-01T10:00:00.000001Z,1.2001,1.2003,1000000,250000.5\n' +
      '2021-03-01T10:00:00.000001Z,1.2002,1.2003,3,0\n' +
      '2021-03-01T10:00:01.5Z,1.19995,1.2004,0.1,7\n',
  );
  // Trades of every aggressor (the sample's are all sells).
  const sides = join(dir, 'SIDES.csv');
  writeFileSync(sides, 'time,price,size,side\n2021-03-01T10:00:00Z,100.5,2,buy\n2021-03-01T10:00:00Z,100.25,0.5,sell\n2021-03-01T10:00:02.25Z,100.75,1,unknown\n');

  // Book events a layout without flags could not tell apart: two snapshots at one time, and an empty one (a row that removes nothing).
  const thin = join(dir, 'thin-book.csv');
  writeFileSync(
    thin,
    'exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,asks[1].price,asks[1].amount,bids[1].price,bids[1].amount\n' +
      'x,THIN,1598918403696000,1598918403696001,101.5,1,100.5,2,102,3,100,4\n' +
      'x,THIN,1598918403696000,1598918403696002,101.25,1.5,100.75,2.5,,,,\n' +
      'x,THIN,1598918403700123,1598918403700200,,,,,,,,\n' +
      'x,THIN,1598918403800000,1598918403800001,101,1,100,1,,,,\n',
  );

  // Bars round-trip already (test/e2e/catalog.test.ts backtests a catalog made of exported ORCL bars).
  const BOOK_HEADER = 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu,flags';
  const cases = [
    {
      kind: 'quotes',
      view: 'quotes',
      sets: [
        { symbol: 'USDJPY', files: [join(SAMPLES, 'USDJPY-2013-ticks.csv')], header: 'time,bid,ask' },
        { symbol: 'SIZED', files: [sized], header: 'time,bid,ask,bid_size,ask_size' },
      ],
    },
    {
      kind: 'trades',
      view: 'trades',
      sets: [
        { symbol: 'XBTUSD', files: [join(SAMPLES, 'tardis-bitmex-trades-XBTUSD.csv')], header: 'time,price,size,aggressor' },
        { symbol: 'SIDES', files: [sides], header: 'time,price,size,aggressor' },
      ],
    },
    {
      kind: 'order books',
      view: 'book',
      sets: [
        {
          symbol: 'BTCUSDT',
          files: ['binance-btcusdt-depth-snap.csv', 'binance-btcusdt-depth-update.csv', 'tardis-binance-futures-book-snapshot-25.csv'].map((f) => join(SAMPLES, f)),
          header: BOOK_HEADER,
        },
        { symbol: 'THIN', files: [thin], header: BOOK_HEADER },
      ],
    },
  ];
  const exported = (symbol: string, again = false): string => join(dir, 'export', `${symbol}${again ? '-again' : ''}.csv`);

  it.each(cases)('round-trips $kind', async ({ view, sets }) => {
    const first = join(dir, `first-${view}`);
    const second = join(dir, `second-${view}`);
    for (const set of sets) await importInto(first, ...set.files);
    for (const { symbol, header } of sets) {
      const e = await runCli(['data', 'export', '--symbol', symbol, '--out', exported(symbol), '--catalog', first]);
      expect(e.status, e.stderr).toBe(0);
      expect(readFileSync(exported(symbol), 'utf8').split('\n')[0]).toBe(header);
      const check = await runCli(['data', 'check', exported(symbol)]);
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toMatch(/ 0 invalid/);
      await importInto(second, exported(symbol));
    }
    for (const { symbol } of sets) {
      const e = await runCli(['data', 'export', '--symbol', symbol, '--out', exported(symbol, true), '--catalog', second]);
      expect(e.status, e.stderr).toBe(0);
      expect(readFileSync(exported(symbol, true), 'utf8')).toBe(readFileSync(exported(symbol), 'utf8'));
    }
    // The same rows in both catalogs, every stored column.
    const rows = async (catalog: string): Promise<string> => {
      const r = await runCli(['data', 'query', `SELECT * FROM ${view} ORDER BY symbol, time, n`, '--csv', '--catalog', catalog]);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(await rows(second)).toBe(await rows(first));
  }, 60_000);

  it('writes the aggressor as buy / sell / unknown and the book sides as b / a, the sizes only when every row has them', () => {
    expect(readFileSync(exported('SIDES'), 'utf8')).toBe(
      'time,price,size,aggressor\n' +
        '2021-03-01T10:00:00.000000Z,100.5,2.0,buy\n' +
        '2021-03-01T10:00:00.000000Z,100.25,0.5,sell\n' +
        '2021-03-01T10:00:02.250000Z,100.75,1.0,unknown\n',
    );
    const book = readFileSync(exported('BTCUSDT'), 'utf8').trim().split('\n').slice(1);
    expect(new Set(book.map((l) => l.split(',')[4]))).toEqual(new Set(['b', 'a']));
    expect(readFileSync(exported('SIZED'), 'utf8')).toBe(
      'time,bid,ask,bid_size,ask_size\n' +
        '2021-03-01T10:00:00.000001Z,1.2001,1.2003,1000000.0,250000.5\n' +
        '2021-03-01T10:00:00.000001Z,1.2002,1.2003,3.0,0.0\n' +
        '2021-03-01T10:00:01.500000Z,1.19995,1.2004,0.1,7.0\n',
    );
  });

  it('a backtest over the exported book reads it as the book it was', async () => {
    const run = async (args: string[], out: string): Promise<string> => {
      const r = await runCli(['backtest', '--strategy', join(ROOT, 'examples/book-maker.ts'), ...args, '--on-gap', 'warn', '--out', out, '--no-progress']);
      expect(r.status, r.stderr).toBe(0);
      return ['trades.csv', 'orders.csv', 'fills.csv', 'equity.csv'].map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    };
    const files = cases[2]!.sets[0]!.files.flatMap((f) => ['--data', f]);
    const fromFiles = await run(files, join(dir, 'run-files'));
    const fromExport = await run(['--data', exported('BTCUSDT')], join(dir, 'run-export'));
    expect(fromExport).toBe(fromFiles);
  }, 60_000);
});

describe('data export flags', () => {
  const dir = tempDir('qf-export-flags-');
  const catalog = join(dir, 'catalog');
  const out = join(dir, 'out', 'x.csv');
  beforeAll(async () => {
    await importInto(catalog, join(SAMPLES, 'ORCL-1995-2014.csv'), join(SAMPLES, 'GBPUSD-2012-m1-bid.csv'), join(SAMPLES, 'GBPUSD-2012-m1-ask.csv'));
  }, 60_000);

  it('names --kind and its value when the kind is not one', async () => {
    expectInputError(await runCli(['data', 'export', '--symbol', 'ORCL', '--kind', 'nope', '--out', out, '--catalog', catalog]), /field '--kind' value 'nope': expected bar or quote or trade or book/);
  });

  it('names --side and its value when the side is not one', async () => {
    expectInputError(await runCli(['data', 'export', '--symbol', 'ORCL', '--side', 'mid', '--out', out, '--catalog', catalog]), /field '--side' value 'mid': expected trade or bid or ask/);
  });

  it('names --kind or --side when the symbol has no such data set, with what it has', async () => {
    expectInputError(
      await runCli(['data', 'export', '--symbol', 'ORCL', '--kind', 'trade', '--out', out, '--catalog', catalog]),
      /field '--kind' value 'trade': no such data set of ORCL in the catalog \(ORCL has bars ORCL\)/,
    );
    expectInputError(
      await runCli(['data', 'export', '--symbol', 'GBPUSD', '--side', 'trade', '--out', out, '--catalog', catalog]),
      /field '--side' value 'trade': no such data set of GBPUSD in the catalog \(GBPUSD has bars GBPUSD \(ask\), bars GBPUSD \(bid\)\)/,
    );
  });

  it('refuses --from after --to, as backtest does, and writes nothing; a window of one day is not refused', async () => {
    const r = await runCli(['data', 'export', '--symbol', 'ORCL', '--from', '2012-01-01', '--to', '2010-01-01', '--out', out, '--catalog', catalog]);
    expectInputError(r, /field '--from' value '2012-01-01': is after --to \(2010-01-01\)/);
    expect(existsSync(out)).toBe(false);
    const day = await runCli(['data', 'export', '--symbol', 'ORCL', '--from', '2010-01-04', '--to', '2010-01-04', '--out', out, '--catalog', catalog]);
    expect(day.status, day.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
