/**
 * The max-orders kill switch through the built CLI: --max-orders (or the
 * config's risk.maxOrders) bounds the orders of a run; the submission beyond
 * halts trading (risk_events, a warning on stderr), later ones are counted in
 * rejections.max_orders without a row in orders.csv; a strategy that floods
 * orders is stopped with exit status 2 and one clear line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, cli, readCsv, summaryOf, tempDir } from '../helpers/cli.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');

/** Three limit orders far below the market on each bar of January 1995 (21 bars). */
const STEADY = `
import { Strategy, type Bar, type StrategyContext } from 'quantflow';
export default class Steady extends Strategy<Record<string, never>> {
  override onBar(bar: Bar, ctx: StrategyContext): void {
    for (let k = 0; k < 3; k++) ctx.buy(1, { limit: Number((bar.close / 2).toFixed(2)) });
  }
}
`;

const FLOOD = `
import { Strategy, type Bar, type StrategyContext } from 'quantflow';
export default class Flood extends Strategy<Record<string, never>> {
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    for (;;) ctx.buy(1);
  }
}
`;

function strategyFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('--max-orders', () => {
  it('halts at the limit, records the trip, counts the refused orders and keeps orders.csv to the limit', () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const r = cli(['backtest', '--strategy', strategyFile(dir, 'steady.ts', STEADY), '--data', ORCL, '--to', '1995-01-31', '--max-orders', '10', '--out', out, '--no-progress']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^warning: the run reached --max-orders \(10 orders\) at 1995-01-06T23:59:59\.999999Z: the kill switch halted trading/m);
    const summary = summaryOf(out);
    expect(summary.risk_events).toEqual([{ time: '1995-01-06T23:59:59.999999Z', scope: 'account', symbol: null, from: 'active', to: 'halted', reason: 'max_orders' }]);
    // 21 bars x 3 = 63 submissions: 10 recorded (all cancelled by the halt), 53 refused without a record.
    expect(summary.rejections).toEqual({ max_orders: 53 });
    expect(summary.orders).toBe(10);
    const orders = readCsv(join(out, 'orders.csv'));
    expect(orders.map((o) => o.id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(['cancelled']));
  });

  it('reads risk.maxOrders from a config file; the flag overrides it', () => {
    const dir = tempDir();
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({ strategy: strategyFile(dir, 'steady.ts', STEADY), data: [ORCL], to: '1995-01-31', risk: { maxOrders: 30 } }));
    const fromFile = join(dir, 'a');
    expect(cli(['backtest', '--config', config, '--out', fromFile, '--no-progress']).status).toBe(0);
    expect(summaryOf(fromFile).rejections).toEqual({ max_orders: 33 });
    const fromFlag = join(dir, 'b');
    expect(cli(['backtest', '--config', config, '--max-orders', '59', '--out', fromFlag, '--no-progress']).status).toBe(0);
    expect(summaryOf(fromFlag).rejections).toEqual({ max_orders: 4 });
  });

  it('a bad value is an input error naming the field', () => {
    const dir = tempDir();
    const r = cli(['backtest', '--strategy', strategyFile(dir, 'steady.ts', STEADY), '--data', ORCL, '--max-orders', '0', '--out', join(dir, 'out'), '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/risk\.maxOrders/);
  });

  it('stops a strategy that keeps submitting in an endless loop: exit 2, one line, no stack', () => {
    const dir = tempDir();
    const r = cli(['backtest', '--strategy', strategyFile(dir, 'flood.ts', FLOOD), '--data', ORCL, '--max-orders', '1000', '--out', join(dir, 'out'), '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: strategy keeps submitting orders after the max-orders kill switch: stopped/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
