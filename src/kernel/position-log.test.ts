import { describe, expect, it } from 'vitest';
import { barFeed, type BarRow } from '../../test/helpers/feeds.js';
import { formatTime } from '../report/format.js';
import type { Bar } from '../model/market.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { BacktestEngine } from '../backtest/engine.js';

/** Buys `qty` on the given bars (1-based), at market: filled at the next bar's open. */
class BuysOn extends Strategy<object> {
  private n = 0;
  override callOnBarBeforeReady = true;
  constructor(private readonly on: readonly number[], private readonly qty = 10) {
    super({});
  }
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (this.on.includes(++this.n)) ctx.buy(this.qty);
  }
}

function positionRows(rows: readonly BarRow[], on: readonly number[]): [string, number, number][] {
  const r = new BacktestEngine({ strategy: new BuysOn(on), feeds: [barFeed('X', rows)], cash: 1e6 }).run();
  const p = r.positions;
  return Array.from({ length: p.length }, (_, i) => [formatTime(p.time[i] as number), p.quantity[i] as number, p.price[i] as number]);
}

describe('positions.csv rows: each day-end row holds that day\'s last state, in time order', () => {
  it('daily bars: the close of the day stamped, the fill in between', () => {
    const rows: BarRow[] = [
      ['2020-01-02', 10, 11, 9, 10.5],
      ['2020-01-03', 10.5, 12, 10, 11.5],
      ['2020-01-06', 11.25, 12, 11, 11.75],
      ['2020-01-07', 11.75, 13, 11.5, 12.5],
    ];
    const eod = (d: string): string => `${d}T23:59:59.999999Z`;
    expect(positionRows(rows, [2])).toEqual([
      [eod('2020-01-02'), 0, 10.5],
      [eod('2020-01-03'), 0, 11.5],
      [eod('2020-01-06'), 10, 11.5], // the fill, at the mark it found
      [eod('2020-01-06'), 10, 11.75],
      [eod('2020-01-07'), 10, 12.5],
    ]);
  });

  it('intraday bars: one row per day at its last step, not the next day\'s first', () => {
    const rows: BarRow[] = [
      ['2020-01-02T15:00:00Z', 10, 11, 9, 10.5],
      ['2020-01-02T16:00:00Z', 10.5, 11, 10, 10.75],
      ['2020-01-03T15:00:00Z', 11, 12, 10.5, 11.5],
      ['2020-01-03T16:00:00Z', 11.5, 12, 11, 11.25],
    ];
    expect(positionRows(rows, [2])).toEqual([
      ['2020-01-02T16:00:00Z', 0, 10.75],
      ['2020-01-03T15:00:00Z', 10, 10.75],
      ['2020-01-03T16:00:00Z', 10, 11.25],
    ]);
  });
});
