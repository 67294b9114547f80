import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../../test/helpers/cli.js';
import { runCli } from '../../../test/helpers/run-cli.js';
import { splitCsvLine } from '../../report/run-dir.js';
import type { Exact } from './exact.js';
import { ZERO, add, exactText, parseExact } from './exact.js';

const SMA = join(ROOT, 'examples/sma-cross.ts');
const PARTS = ['latency', 'slippage', 'quantity', 'missed', 'extra', 'fees', 'other'] as const;

let work: string;
let bars: string;

/** A paper run of sma-cross over the sample's first 3,000 minute bars, replayed as fast as possible. */
async function paperRun(name: string, symbol: string, extra: readonly string[] = []): Promise<string> {
  const out = join(work, name);
  const r = await runCli(['paper', '--strategy', SMA, '--exchange', `replay:${bars}`, '--symbol', symbol, '--cash', '100000', '--fee-rate', '0.001', '--param', 'size=1', '--out', out, ...extra]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return out;
}

const exact = (s: string): Exact => {
  const v = parseExact(s);
  if (v === undefined) throw new Error(`not a decimal: '${s}'`);
  return v;
};

function csvRows(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = splitCsvLine(head as string);
  return lines.map((l) => Object.fromEntries(splitCsvLine(l).map((v, i) => [names[i], v])));
}

interface View {
  total_gap: string;
  parts: Record<string, string>;
  orders: { matched: number; only_live: number; only_backtest: number };
  fills: { live: number; backtest: number };
}

beforeAll(() => {
  work = tempDir('qf-reconcile-');
  bars = join(work, 'BTC-PERP-3000.csv');
  writeFileSync(bars, readFileSync(join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), 'utf8').split('\n').slice(0, 3001).join('\n') + '\n');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('quantflow reconcile', () => {
  it('a paper run without injected costs reconciles to a zero gap, every order matched', async () => {
    const run = await paperRun('plain', 'BTC-PERP');
    const out = join(work, 'plain-reconciled');
    const r = await runCli(['reconcile', run, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const view = JSON.parse(readFileSync(join(out, 'reconcile.json'), 'utf8')) as View;
    expect(view.total_gap).toBe('0');
    for (const p of PARTS) expect(view.parts[p]).toBe('0');
    expect(view.orders.only_live).toBe(0);
    expect(view.orders.only_backtest).toBe(0);
    const fills = readFileSync(join(run, 'fills.csv'), 'utf8').trim().split('\n').length - 1;
    expect(fills).toBeGreaterThan(20);
    expect(view.orders.matched).toBe(fills);
    const rows = csvRows(join(out, 'reconcile.csv'));
    expect(rows).toHaveLength(fills);
    expect(rows.map((x) => Number(x.seq))).toEqual([...rows.map((x) => Number(x.seq))].sort((a, b) => a - b));
    for (const row of rows) {
      expect(row.status).toBe('matched');
      expect([row.time_diff_us, row.price_diff, row.quantity_diff, row.fee_diff, row.gap]).toEqual(['0', '0', '0', '0', '0']);
    }
    // The report shows the section; the run's own folder is left as it was.
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('id="reconciliation"');
  });

  it('injected latency and slippage against a backtest without them: a gap whose parts sum to it exactly', async () => {
    const run = await paperRun('costly', 'BTC-PERP', ['--latency-ms', '90000', '--slippage', 'percent:0.0001']);
    const r = await runCli(['reconcile', run, '--latency-ms', '0', '--slippage', 'percent:0']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const view = JSON.parse(readFileSync(join(run, 'reconcile.json'), 'utf8')) as View;
    const total = exact(view.total_gap);
    expect(total.units).not.toBe(0n);
    expect(exactText(PARTS.reduce((t, p) => add(t, exact(view.parts[p] as string)), ZERO))).toBe(view.total_gap);
    expect(exact(view.parts.latency as string).units).not.toBe(0n);
    expect(exact(view.parts.slippage as string).units).not.toBe(0n);
    // The fills explain the whole gap (no interest or funding here).
    expect(view.parts.other).toBe('0');
    // Final equities as the two runs' summaries have them.
    const live = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { final_equity: number };
    expect(Number((JSON.parse(readFileSync(join(run, 'reconcile.json'), 'utf8')) as { live_final_equity: string }).live_final_equity)).toBe(live.final_equity);
    // Row by row, the parts sum to the row's gap, and the columns to the totals.
    const rows = csvRows(join(run, 'reconcile.csv'));
    const columns = { latency: 'latency', slippage: 'slippage', quantity: 'quantity_effect', missed: 'missed', extra: 'extra', fees: 'fee_effect' } as const;
    const sums: Record<string, Exact> = {};
    for (const row of rows) {
      let rowTotal = ZERO;
      for (const [part, column] of Object.entries(columns)) {
        rowTotal = add(rowTotal, exact(row[column] as string));
        sums[part] = add(sums[part] ?? ZERO, exact(row[column] as string));
      }
      expect(exactText(rowTotal)).toBe(row.gap);
    }
    for (const part of Object.keys(columns)) expect(exactText(sums[part] as Exact)).toBe(view.parts[part]);
    const matched = rows.filter((x) => x.status === 'matched');
    expect(matched.length).toBeGreaterThan(0);
    expect(matched.every((x) => Number(x.time_diff_us) >= 60_000_000)).toBe(true);
  });

  it('escapes a hostile symbol in the report', async () => {
    const symbol = '<img src=x onerror=alert(1)>';
    const run = await paperRun('hostile', symbol);
    const r = await runCli(['reconcile', run]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    const section = html.slice(html.indexOf('<section class="card" id="reconciliation"'), html.indexOf('</section>', html.indexOf('id="reconciliation"')));
    expect(section).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain(symbol);
  });

  it('quantflow report reads a paper run, its recorded market data standing in for data files', async () => {
    const run = await paperRun('report', 'BTC-PERP');
    const r = await runCli(['report', run]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toContain('id="chart-price"');
    expect(html).not.toContain('No price data');
    expect(html).not.toContain('id="reconciliation"');
  });

  it("refuses an --out among the run's inputs (market-data/) or a file, exit 2 naming --out; nothing is written", async () => {
    const run = await paperRun('out-checks', 'BTC-PERP');
    const before = readdirSync(join(run, 'market-data')).sort();
    for (const out of [join(run, 'market-data'), join(run, 'market-data', 'deeper')]) {
      const r = await runCli(['reconcile', run, '--out', out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`error: field '--out' value '${out}': it is inside the run's market-data/, which reconcile reads: give the run folder or a folder outside it\n`);
    }
    expect(readdirSync(join(run, 'market-data')).sort()).toEqual(before);
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['reconcile', run, '--out', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: field '--out' value '${file}': it is a file, not a folder\n`);
    const latency = await runCli(['reconcile', run, '--latency-ms', '-5']);
    expect(latency.status).toBe(2);
    expect(latency.stderr).toBe("error: field '--latency-ms' value '-5': Too small: expected number to be >=0\n");
    // The run folder itself, and a folder outside it, are fine.
    expect((await runCli(['reconcile', run, '--out', join(work, 'out-checks-reconciled')])).status).toBe(0);
  });

  it('refuses what is not a run with one line and exit 2', async () => {
    const empty = join(work, 'not-a-run');
    mkdirSync(empty, { recursive: true });
    const missing = await runCli(['reconcile', empty]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`error: ${join(empty, 'run.json')}: not found (is this a run directory written by quantflow paper or live?)\n`);
    writeFileSync(join(empty, 'run.json'), JSON.stringify({ config: { strategy: SMA, data: [] } }));
    const noData = await runCli(['reconcile', empty]);
    expect(noData.status).toBe(2);
    expect(noData.stderr).toBe(`error: ${join(empty, 'market-data')}: no recorded market data (.csv files) to backtest on\n`);
  });
});
