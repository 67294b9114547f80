/**
 * Linked orders through the built CLI: two OCO partners with the same
 * expiry on ORCL's daily bars end the run normally, the first expiring and
 * the second cancelled by it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, cli, readCsv, tempDir } from '../helpers/cli.js';

const OCO_EXPIRY = `
import { Strategy, type Bar, type StrategyContext } from 'quantflow';
export default class OcoExpiry extends Strategy<Record<string, never>> {
  private placed = 0;
  override onBar(bar: Bar, ctx: StrategyContext): void {
    if (this.placed++ > 0) return;
    const low = ctx.buy(10, { limit: Number((bar.close * 0.5).toFixed(2)), validBars: 2 });
    const high = ctx.sell(10, { limit: Number((bar.close * 2).toFixed(2)), validBars: 2 });
    ctx.oco(low, high);
    const a = ctx.buy(10, { limit: Number((bar.close * 0.5).toFixed(2)), expire: '1995-01-10' });
    const b = ctx.buy(10, { stop: Number((bar.close * 2).toFixed(2)), expire: '1995-01-10' });
    ctx.oco(a, b);
  }
}
`;

describe('OCO partners expiring on the same bar, through the CLI', () => {
  it('run to the end: one expires, its partner is cancelled with reason oco', () => {
    const dir = tempDir();
    const strategy = join(dir, 'oco-expiry.ts');
    writeFileSync(strategy, OCO_EXPIRY);
    const out = join(dir, 'out');
    const r = cli(['backtest', '--strategy', strategy, '--data', join(SAMPLES, 'ORCL-1995-2014.csv'), '--to', '1995-03-31', '--out', out, '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const orders = readCsv(join(out, 'orders.csv')).map((o) => [o.id, o.status, o.reason]);
    expect(orders).toEqual([
      ['1', 'expired', ''],
      ['2', 'cancelled', 'oco'],
      ['3', 'expired', ''],
      ['4', 'cancelled', 'oco'],
    ]);
  });
});
