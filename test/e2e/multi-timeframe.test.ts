/**
 * Multi-timeframe on the futures minute file: a strategy subscribed to 1-hour
 * bars gets each hour bar after the last minute bar it contains, never
 * before, and an hour bar never holds a minute the strategy has not seen.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { openCsvFeed } from '../../src/data/index.js';
import type { Bar } from '../../src/model/market.js';
import type { StrategyContext } from '../../src/strategy/context.js';
import { Strategy } from '../../src/strategy/strategy.js';
import { SAMPLES } from '../helpers/cli.js';

const FILE = join(SAMPLES, 'FUT-2006-min.csv');
const HOUR = 3_600_000_000;

/** Minute bars read plainly: [time µs, o, h, l, c, v]. */
function minutes(): number[][] {
  return readFileSync(FILE, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [d, t, o, h, lo, c, v] = l.split(',');
      return [Date.parse(`${d}T${t}Z`) * 1000, Number(o), Number(h), Number(lo), Number(c), Number(v)];
    });
}

class Recorder extends Strategy {
  seen: number[][] = [];
  hours: { bar: number[]; lastMinute: number; clock: number; history: number }[] = [];
  override onStart(ctx: StrategyContext): void {
    ctx.subscribe('1h');
  }
  override onBar(bar: Bar, ctx: StrategyContext): void {
    const row = [bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume];
    if (bar.timeframe === '') this.seen.push(row);
    else this.hours.push({ bar: row, lastMinute: this.seen.at(-1)?.[0] ?? NaN, clock: ctx.time, history: ctx.bars(undefined, '1h').length });
  }
}

describe('multi-timeframe delivery on FUT-2006-min.csv', () => {
  const s = new Recorder({});
  runBacktest({ strategy: s, feeds: [openCsvFeed(FILE)], cash: 1e6 });
  const all = minutes();

  it('delivers every minute and an hour bar for every completed hour', () => {
    expect(s.seen.length).toBe(all.length);
    const buckets = new Set(all.map((m) => Math.ceil((m[0] as number) / HOUR) * HOUR));
    // An hour is complete when a minute stamped at its end, or a later minute, has arrived; an unfinished last hour never comes.
    const last = all.at(-1)![0] as number;
    const complete = [...buckets].filter((end) => end <= last).length;
    expect(s.hours.length).toBe(complete);
    expect(Math.max(...s.hours.map((h) => h.bar[0] as number))).toBeLessThanOrEqual(last);
  });

  it('each hour bar comes after the last minute it contains and holds exactly the minutes of its hour', () => {
    for (const h of s.hours) {
      const end = h.bar[0] as number;
      const inside = all.filter((m) => (m[0] as number) > end - HOUR && (m[0] as number) <= end);
      expect(inside.length).toBeGreaterThan(0);
      // Already seen by the strategy: the hour's last minute is at or before the last minute delivered.
      expect(h.lastMinute).toBeGreaterThanOrEqual(inside.at(-1)![0] as number);
      // Never sees the future: the clock is at or after the hour's end.
      expect(h.clock).toBeGreaterThanOrEqual(end);
      expect(h.bar.slice(1)).toEqual([
        inside[0]![1],
        Math.max(...inside.map((m) => m[2] as number)),
        Math.min(...inside.map((m) => m[3] as number)),
        inside.at(-1)![4],
        inside.reduce((a, m) => a + (m[5] as number), 0),
      ]);
    }
  });

  it('an hour ending on a minute bar arrives right after that minute, in the same step', () => {
    const exact = s.hours.filter((h) => all.some((m) => m[0] === h.bar[0]));
    expect(exact.length).toBeGreaterThan(100);
    for (const h of exact) expect(h.lastMinute).toBe(h.bar[0]);
  });
});
