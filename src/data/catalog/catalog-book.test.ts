/**
 * A book backtest from the catalog behaves as the same backtest from the
 * book files: the bundled Binance snapshot and update do not connect, so
 * both stop at the sequence gap (exit 2, the same message but for its place),
 * and under --on-gap warn both replay it with the same book_not_continuous
 * warning and the same outputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../../test/helpers/cli.js';
import { runCli, type InProcessRun } from '../../../test/helpers/run-cli.js';

const SNAP = join(SAMPLES, 'binance-btcusdt-depth-snap.csv');
const UPDATE = join(SAMPLES, 'binance-btcusdt-depth-update.csv');
const OUTPUTS = ['trades.csv', 'orders.csv', 'fills.csv', 'equity.csv', 'positions.csv'];

const dir = tempDir('qf-catalog-book-');
const catalog = join(dir, 'catalog');

function backtest(source: 'csv' | 'catalog', out: string, ...flags: string[]): Promise<InProcessRun> {
  const data = source === 'csv' ? ['--data', SNAP, '--data', UPDATE] : ['--catalog', catalog, '--symbol', 'BTCUSDT'];
  return runCli(['backtest', '--strategy', join(ROOT, 'examples/book-maker.ts'), ...data, ...flags, '--out', join(dir, out), '--no-progress']);
}

/** A gap's message without its place (a file and line, or the catalog's data set and row) and column. */
function unplaced(text: string): string {
  return text.replace(/^.*?field 'sequence'/, "field 'sequence'");
}

beforeAll(async () => {
  const r = await runCli(['data', 'import', SNAP, UPDATE, '--catalog', catalog, '--no-progress']);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toContain('sequence gap');
}, 60_000);

describe('a book backtest from the catalog and from the files', () => {
  it('stops at the sequence gap with exit status 2 and the same error, by default', async () => {
    const csv = await backtest('csv', 'fail-csv');
    const cat = await backtest('catalog', 'fail-catalog');
    for (const r of [csv, cat]) {
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: .*sequence gap at 2022-11-01T23:59:59.939000Z: .*2098021528333\.\.2098041693434 \(20165102\) are missing/);
    }
    expect(cat.stderr).toMatch(/^error: .*catalog \(book BTCUSDT\):101: column 'first_sequence' field 'sequence' value '2098041693435'/);
    expect(unplaced(cat.stderr)).toBe(unplaced(csv.stderr));
  }, 60_000);

  it.each([['--on-gap', 'warn'], ['--on-invalid', 'skip']])('replays it under %s %s: the same warning in summary.json and on stderr, the same outputs', async (flag, value) => {
    const csv = await backtest('csv', `warn-csv-${flag}`, flag, value);
    const cat = await backtest('catalog', `warn-catalog-${flag}`, flag, value);
    expect(csv.status, csv.stderr).toBe(0);
    expect(cat.status, cat.stderr).toBe(0);
    type Warning = { code: string; message: string };
    const warnings = (out: string): Warning[] => (JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as { warnings: Warning[] }).warnings;
    const [w1, w2] = [warnings(`warn-csv-${flag}`), warnings(`warn-catalog-${flag}`)];
    expect(w1.map((w) => w.code)).toEqual(['book_not_continuous']);
    expect(w2.map((w) => w.code)).toEqual(['book_not_continuous']);
    const tail = (m: string): string => unplaced(m.replace(/^.*?: (\d+ sequence gap)/, '$1').replace(/first: .*?field 'sequence'/, "first: field 'sequence'"));
    expect(tail(w2[0]!.message)).toBe(tail(w1[0]!.message));
    expect(w2[0]!.message).toMatch(/^.*catalog \(book BTCUSDT\): 1 sequence gap\(s\) and 0 crossed book\(s\), replayed as written/);
    expect(cat.stderr).toMatch(/^warning: .*catalog \(book BTCUSDT\): 1 sequence gap\(s\)/m);
    for (const f of OUTPUTS) {
      expect(readFileSync(join(dir, `warn-catalog-${flag}`, f), 'utf8'), f).toBe(readFileSync(join(dir, `warn-csv-${flag}`, f), 'utf8'));
    }
  }, 60_000);

  it('streams the same (a run with --cache reads the book from Parquet through the reader thread)', async () => {
    const r = await backtest('catalog', 'fail-catalog-stream', '--cache');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: .*catalog \(book BTCUSDT\):101: column 'first_sequence' field 'sequence' value '2098041693435': sequence gap/);
  }, 60_000);
});
