import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, cli, tempDir } from '../helpers/cli.js';

const SNAP = join(SAMPLES, 'binance-btcusdt-depth-snap.csv');
const UPDATE = join(SAMPLES, 'binance-btcusdt-depth-update.csv');
const TARDIS = join(SAMPLES, 'tardis-binance-futures-book-snapshot-25.csv');

type Level = [number, number]; // price, size

interface Replayed {
  bids: Level[]; // best first
  asks: Level[];
}

/**
 * A plain replay of the files' text, independent of the library: Binance
 * rows grouped into events (same file, time, type and ids), events in time
 * order with snapshots first at equal times, a snapshot replacing the book,
 * `set` rows setting a level (0 removes it); for Tardis files, the last line
 * at or before `at`. No sequence checks: the CLI under --on-invalid skip
 * applies every event as written, as this does.
 */
function replay(files: string[], at = Infinity): Replayed {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  interface Event {
    time: number;
    snap: boolean;
    order: number;
    rows: { side: string; price: number; size: number }[];
  }
  const events: Event[] = [];
  files.forEach((path, fileNo) => {
    const [head, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
    const names = head!.split(',');
    const col = (f: string[], name: string): string => f[names.indexOf(name)]!;
    if (names.includes('update_type')) {
      let key = '';
      for (const line of lines) {
        const f = line.split(',');
        const k = [col(f, 'timestamp'), col(f, 'update_type'), col(f, 'first_update_id'), col(f, 'last_update_id')].join('|');
        if (k !== key) {
          events.push({ time: Number(col(f, 'timestamp')) * 1000, snap: col(f, 'update_type') === 'snap', order: fileNo, rows: [] });
          key = k;
        }
        events.at(-1)!.rows.push({ side: col(f, 'side'), price: Number(col(f, 'price')), size: Number(col(f, 'qty')) });
      }
    } else {
      for (const line of lines) {
        const f = line.split(',');
        const rows: Event['rows'] = [];
        for (const [side, key] of [
          ['b', 'bids'],
          ['a', 'asks'],
        ] as const) {
          for (let i = 0; names.includes(`${key}[${i}].price`); i++) {
            const p = col(f, `${key}[${i}].price`);
            if (p !== '') rows.push({ side, price: Number(p), size: Number(col(f, `${key}[${i}].amount`)) });
          }
        }
        events.push({ time: Number(col(f, 'timestamp')), snap: true, order: fileNo, rows });
      }
    }
  });
  events.sort((a, b) => a.time - b.time || Number(b.snap) - Number(a.snap) || a.order - b.order);
  for (const e of events) {
    if (e.time > at) break;
    if (e.snap) {
      bids.clear();
      asks.clear();
    }
    for (const r of e.rows) {
      const m = r.side === 'b' ? bids : asks;
      if (r.size === 0) m.delete(r.price);
      else m.set(r.price, r.size);
    }
  }
  return {
    bids: [...bids].sort((x, y) => y[0] - x[0]),
    asks: [...asks].sort((x, y) => x[0] - y[0]),
  };
}

interface BookJson {
  symbol: string;
  time: string | null;
  sequence: number | null;
  best_bid: number | null;
  best_ask: number | null;
  spread: number | null;
  mid: number | null;
  crossed: boolean;
  levels: { bids: number; asks: number };
  bids: [number, number, number][];
  asks: [number, number, number][];
  stats: Record<string, number>;
  issues: { code: string; file: string; line: number; column: string; value: string; text: string }[];
}

function bookJson(args: string[]): BookJson {
  const r = cli(['book', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as BookJson;
}

/** The CLI's levels against the plain replay: prices, sizes, cumulative sizes (sizes have 3 decimals). */
function expectLevels(got: [number, number, number][], want: Level[], depth: number): void {
  expect(got.map(([p, s]) => [p, s])).toEqual(want.slice(0, depth));
  let milli = 0;
  got.forEach(([, s, cum]) => {
    milli += Math.round(s * 1000);
    expect(cum).toBe(milli / 1000);
  });
}

const noStack = (s: string): void => expect(s).not.toMatch(/^\s+at /m);

describe('quantflow book: Binance depth samples', () => {
  it('prints the snapshot alone: bids only, no asks', () => {
    const b = bookJson(['--data', SNAP, '--depth', '8']);
    const want = replay([SNAP]);
    // Hand-checked: line 2 of the snapshot file is `b,snap,20377.00,1.770`, the
    // highest of its 100 rows, which are all side `b` (cut -d, -f5,6 | sort |
    // uniq -c gives "100 b,snap"): no asks, so no spread or mid.
    expect(b.best_bid).toBe(20377);
    expect(b.bids[0]).toEqual([20377, 1.77, 1.77]);
    expect(b.bids[1]).toEqual([20376.9, 0.001, 1.771]);
    expect(b.best_ask).toBeNull();
    expect(b.spread).toBeNull();
    expect(b.mid).toBeNull();
    expect(b.levels).toEqual({ bids: 100, asks: 0 });
    expect(want.bids).toHaveLength(100);
    expectLevels(b.bids, want.bids, 8);
    expect(b.asks).toEqual([]);
    expect(b.sequence).toBe(2098021528332);
    expect(b.time).toBe('2022-11-01T23:49:39.146000Z');
    expect(b.issues).toEqual([]);

    const text = cli(['book', '--data', SNAP, '--depth', '3']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^bid\s+20377\.0\s+1\.770\s+1\.770$/m);
    expect(text.stdout).toMatch(/^bid\s+20376\.8\s+0\.009\s+1\.780$/m);
    expect(text.stdout).toMatch(/no asks/);
    expect(text.stdout).toMatch(/update id 2098021528332/);
    expect(text.stdout).toMatch(/issues: 0 sequence gaps, 0 crossed events, 0 invalid rows/);
  });

  it('stops at the gap between the snapshot and the update file with status 2', () => {
    const r = cli(['book', '--data', SNAP, '--data', UPDATE]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${UPDATE}:2`);
    expect(r.stderr).toMatch(/column 'first_update_id'/);
    expect(r.stderr).toMatch(/value '2098041693435'/);
    expect(r.stderr).toMatch(/sequence gap .*last_update_id 2098021528332.*update ids 2098021528333\.\.2098041693434 \(20165102\) are missing/);
    expect(r.stderr).toMatch(/--on-gap warn/);
    noStack(r.stderr);
  });

  it('with --on-gap warn (or --on-invalid skip) replays the update past the gap, says so, and prints the book at the end', () => {
    expect(bookJson(['--data', SNAP, '--data', UPDATE, '--on-invalid', 'skip', '--depth', '12'])).toEqual(bookJson(['--data', SNAP, '--data', UPDATE, '--on-gap', 'warn', '--depth', '12']));
    const b = bookJson(['--data', SNAP, '--data', UPDATE, '--on-gap', 'warn', '--depth', '12']);
    const want = replay([SNAP, UPDATE]);
    // Hand-checked: in the update file the highest bid with a size is
    // `b,set,20472.10,22.276` (line 58; the bids above it, 20472.20, 20472.90
    // and 20486.60, have qty 0.000), above every snapshot bid (<= 20377.00);
    // the lowest ask with a size is `a,set,20472.20,4.211` (line 63; 20457.70
    // below it has qty 0.000); the snapshot has no asks.
    expect([b.best_bid, b.bids[0]![1]]).toEqual([20472.1, 22.276]);
    expect([b.best_ask, b.asks[0]![1]]).toEqual([20472.2, 4.211]);
    expect(b.spread).toBe(0.1);
    expect(b.mid).toBe(20472.15);
    expect(b.crossed).toBe(false);
    expectLevels(b.bids, want.bids, 12);
    expectLevels(b.asks, want.asks, 12);
    expect(b.levels).toEqual({ bids: want.bids.length, asks: want.asks.length });
    expect(b.sequence).toBe(2098041696700);
    expect(b.time).toBe('2022-11-01T23:59:59.939000Z');
    expect(b.issues.map((i) => [i.code, i.file, i.line, i.column, i.value])).toEqual([['sequence_gap', UPDATE, 2, 'first_update_id', '2098041693435']]);
    expect(b.stats).toMatchObject({ events: 2, snapshots: 1, updates: 1, gaps: 1, crossedEvents: 0, invalidRows: 0 });

    const text = cli(['book', '--data', SNAP, '--data', UPDATE, '--on-gap', 'warn', '--depth', '2']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^ask\s+20472\.2\s+4\.211\s+4\.211$/m);
    expect(text.stdout).toMatch(/^\s+spread 0\.1\s+mid 20472\.15$/m);
    expect(text.stdout).toMatch(/^bid\s+20472\.1\s+22\.276\s+22\.276$/m);
    expect(text.stdout).toMatch(/^bid\s+20469\.2\s+2\.864\s+25\.140$/m);
    expect(text.stdout).toMatch(/^gap: .*binance-btcusdt-depth-update\.csv:2: column 'first_update_id'.*value '2098041693435'/m);
    expect(text.stdout).toMatch(/out of sync/);
    // Asks top-down: the higher ask is printed first.
    expect(text.stdout.indexOf('20473.3')).toBeLessThan(text.stdout.indexOf('20472.2'));
  });

  it('prints the book at a time between the snapshot and the update: the snapshot, no gap reached', () => {
    const want = replay([SNAP, UPDATE], Date.parse('2022-11-01T23:55:00Z') * 1000);
    for (const at of ['2022-11-01T23:55:00Z', '1667347199938', '1667347199.938']) {
      const b = bookJson(['--data', SNAP, '--data', UPDATE, '--at', at, '--depth', '5']);
      expect(b.best_bid).toBe(20377); // as the snapshot alone
      expect(b.best_ask).toBeNull();
      expectLevels(b.bids, want.bids, 5);
      expect(b.levels).toEqual({ bids: 100, asks: 0 });
      expect(b.issues).toEqual([]);
      expect(b.sequence).toBe(2098021528332);
    }
    // At the update's own millisecond it is applied (and the gap found).
    const r = cli(['book', '--data', SNAP, '--data', UPDATE, '--at', '2022-11-01T23:59:59.939Z']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/sequence gap/);
  });
});

describe('quantflow book: Tardis book_snapshot_25 sample', () => {
  it('prints the last snapshot', () => {
    const b = bookJson(['--data', TARDIS, '--depth', '25']);
    const want = replay([TARDIS]);
    // Hand-checked: the last line (line 11) starts
    // `...,1598918404005000,...,11657.08,1.475,11657.07,10.881,...`:
    // asks[0] 11657.08 x 1.475, bids[0] 11657.07 x 10.881.
    expect([b.best_ask, b.asks[0]![1]]).toEqual([11657.08, 1.475]);
    expect([b.best_bid, b.bids[0]![1]]).toEqual([11657.07, 10.881]);
    expect(b.spread).toBe(0.01);
    expect(b.mid).toBe(11657.075);
    expectLevels(b.bids, want.bids, 25);
    expectLevels(b.asks, want.asks, 25);
    expect(b.levels).toEqual({ bids: 25, asks: 25 });
    expect(b.sequence).toBeNull();
    expect(b.time).toBe('2020-09-01T00:00:04.005000Z');
    expect(b.stats).toMatchObject({ events: 10, snapshots: 10, gaps: 0, crossedEvents: 0 });
  });

  it('prints an earlier snapshot with --at in epoch microseconds', () => {
    const at = 1598918403888000; // line 4: asks[0] 11657.08 x 1.476
    const b = bookJson(['--data', TARDIS, '--at', String(at), '--depth', '4']);
    expect([b.best_ask, b.asks[0]![1]]).toEqual([11657.08, 1.476]);
    expectLevels(b.asks, replay([TARDIS], at).asks, 4);
    expectLevels(b.bids, replay([TARDIS], at).bids, 4);
    expect(b.time).toBe('2020-09-01T00:00:03.888000Z');
  });
});

describe('quantflow book: bad input', () => {
  it('exits 2 with a message for bad flags and files', () => {
    const bad = (args: string[], pattern: RegExp): void => {
      const r = cli(['book', ...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(pattern);
      noStack(r.stderr);
    };
    bad(['--data', SNAP, '--at', 'yesterday'], /--at.*value 'yesterday'/);
    bad(['--data', SNAP, '--depth', '0'], /--depth/);
    bad(['--data', SNAP, '--on-invalid', 'maybe'], /--on-invalid/);
    bad(['--data', SNAP, '--on-gap', 'skip'], /--on-gap/);
    bad([], /at least one order-book file/);
    bad(['--data', join(SAMPLES, 'nope.csv')], /no such file/);
    bad(['--data', join(SAMPLES, 'ORCL-1995-2014.csv')], /not an order-book layout/);
  });

  it('names the file, line, column and value of a bad row', () => {
    const lines = readFileSync(SNAP, 'utf8').split('\n');
    lines[5] = lines[5]!.replace('20376.60', '20376.6x');
    const path = join(tempDir(), 'depth-bad.csv');
    writeFileSync(path, lines.join('\n'));
    const r = cli(['book', '--data', path]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${path}:6: column 'price'`);
    expect(r.stderr).toMatch(/value '20376\.6x'/);
    const s = cli(['book', '--data', path, '--on-invalid', 'skip']);
    expect(s.status).toBe(0);
    expect(s.stdout).toMatch(/1 invalid row/);
    expect(s.stdout).toMatch(/^skipped: .*depth-bad\.csv:6/m);
  });
});

describe('data check on order-book files', () => {
  const noStack = (s: string): void => expect(s).not.toMatch(/^\s+at /m);

  it('checks a snapshot and its updates as one book: the gap between them is a warning, exit 0', () => {
    const r = cli(['data', 'check', SNAP, UPDATE]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${SNAP} (binance-depth) + ${UPDATE} (binance-depth): order book of BTCUSDT, 2 events (1 snapshot, 1 update), 200 rows`);
    expect(r.stdout).toMatch(/1 sequence gap, 0 crossed events, 0 invalid; at the end: 120 bid and 30 ask levels, out of sync since a gap/);
    expect(r.stdout).toMatch(/^ {2}warning: .*binance-btcusdt-depth-update\.csv:2: column 'first_update_id' .*value '2098041693435'.*\(20165102\) are missing/m);
    expect(r.stderr).toMatch(/^warning: .*1 sequence gap .*--on-gap warn/);
  });

  it('passes the Tardis snapshots (no gap, never crossed) beside a bar file, each checked its own way', () => {
    const r = cli(['data', 'check', TARDIS, join(SAMPLES, 'KO-1997-1998.csv')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/KO-1997-1998\.csv: format yahoo-daily, bars of KO, 356 rows/);
    expect(r.stdout).toMatch(/tardis-book-snapshot\): order book of BTCUSDT, 10 events \(10 snapshots, 0 updates\), 500 rows, 2020-09-01T00:00:03\.696000Z \.\. 2020-09-01T00:00:04\.005000Z, 0 sequence gaps, 0 crossed events, 0 invalid/);
    expect(r.stderr).toBe('');
  });

  it('reports updates without a snapshot, and a crossed book, as warnings', () => {
    const alone = cli(['data', 'check', UPDATE]);
    expect(alone.status).toBe(0);
    expect(alone.stdout).toMatch(/warning: .*no snapshot among the files/);
    // The snapshot's best bid raised above an ask the update sets: crossed after the update.
    const lines = readFileSync(TARDIS, 'utf8').split('\n');
    const f = lines[3]!.split(',');
    f[6] = '99999.99'; // bids[0].price above the asks
    lines[3] = f.join(',');
    const path = join(tempDir(), 'tardis-crossed-book-snapshot-25.csv');
    writeFileSync(path, lines.join('\n'));
    const r = cli(['data', 'check', path]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 crossed event/);
    expect(r.stdout).toMatch(new RegExp(`warning: ${path}:4: column 'bids\\[0\\]\\.price'.*value '99999\\.99': crossed book`));
  });

  it('a malformed row is an error: exit 2 naming file, line, column and value (every one under --on-invalid skip)', () => {
    const lines = readFileSync(SNAP, 'utf8').split('\n');
    lines[5] = lines[5]!.replace('20376.60', '20376.6x');
    lines[9] = lines[9]!.replace(/,b,/, ',x,');
    const path = join(tempDir(), 'binance-bad-depth-snap.csv');
    writeFileSync(path, lines.join('\n'));
    const r = cli(['data', 'check', path, UPDATE]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${path}:6: column 'price' .*value '20376\\.6x'`));
    noStack(r.stderr);
    const s = cli(['data', 'check', path, UPDATE, '--on-invalid', 'skip']);
    expect(s.status).toBe(2);
    expect(s.stdout).toMatch(/2 invalid/);
    expect(s.stdout).toMatch(new RegExp(`^ {2}${path}:6: column 'price'`, 'm'));
    expect(s.stdout).toMatch(new RegExp(`^ {2}${path}:10: column 'side'`, 'm'));
  });
});

describe('backtest on the Binance snapshot and update', () => {
  it('stops at the gap by default (exit 2 naming it); --on-gap warn replays the rows as written, warning in stderr and summary.json', () => {
    const dir = tempDir();
    const strict = cli(['backtest', '--strategy', 'examples/book-maker.ts', '--data', SNAP, '--data', UPDATE, '--out', join(dir, 'a')]);
    expect(strict.status).toBe(2);
    expect(strict.stderr).toMatch(/binance-btcusdt-depth-update\.csv:2: .*sequence gap/);
    expect(strict.stderr).not.toMatch(/^\s+at /m);
    const out = join(dir, 'b');
    const r = cli(['backtest', '--strategy', 'examples/book-maker.ts', '--data', SNAP, '--data', UPDATE, '--on-gap', 'warn', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*1 sequence gap\(s\) and 0 crossed book\(s\), replayed as written \(--on-gap warn\); first: .*binance-btcusdt-depth-update\.csv:2/m);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: { code: string }[]; invalid_rows: number; complete: boolean };
    expect(summary.warnings.map((w) => w.code)).toEqual(['book_not_continuous']);
    expect(summary.invalid_rows).toBe(0);
    expect(summary.complete).toBe(true);
  });
});
