import { describe, expect, it } from 'vitest';
import { exposureTime, tradeStats, turnover } from './trade-metrics.js';

const trades = (pnl: number[], bars?: number[]) => pnl.map((netPnl, i) => ({ netPnl, barsHeld: bars?.[i] ?? i + 1 }));

describe('trade statistics on a hand-computed list', () => {
  // Net P&L in closing order: W W L 0 L L L W
  const pnl = [100, 200, -50, 0, -25, -25, -10, 300];
  const s = tradeStats(trades(pnl, [1, 2, 3, 4, 5, 6, 7, 8]));

  it('counts winners and losers; a break-even trade is neither', () => {
    expect([s.trades, s.winningTrades, s.losingTrades]).toEqual([8, 3, 4]);
    expect(s.winRate).toBe(3 / 8);
  });

  it('profit factor, expectancy, average win and loss, payoff ratio', () => {
    // gains 600, losses 110
    expect(s.profitFactor).toBeCloseTo(600 / 110, 12);
    expect(s.expectancy).toBeCloseTo(490 / 8, 12);
    expect(s.averageWin).toBe(200);
    expect(s.averageLoss).toBeCloseTo(-110 / 4, 12);
    expect(s.payoffRatio).toBeCloseTo(200 / 27.5, 12);
  });

  it('SQN = sqrt(n) * mean / std (ddof = 1)', () => {
    const m = 490 / 8;
    const sd = Math.sqrt(pnl.reduce((a, p) => a + (p - m) ** 2, 0) / 7);
    expect(s.sqn).toBeCloseTo((Math.sqrt(8) * m) / sd, 12);
  });

  it('largest win and loss, streaks (a break-even trade ends a streak), average bars held', () => {
    expect([s.largestWin, s.largestLoss]).toEqual([300, -50]);
    expect([s.longestWinningStreak, s.longestLosingStreak]).toEqual([2, 3]);
    expect(s.averageBarsHeld).toBe(4.5);
  });
});

describe('trade statistics edge cases', () => {
  it('no trades: counts are 0, the rest NaN', () => {
    const s = tradeStats([]);
    expect([s.trades, s.winningTrades, s.losingTrades, s.longestWinningStreak, s.longestLosingStreak]).toEqual([0, 0, 0, 0, 0]);
    for (const v of [s.winRate, s.profitFactor, s.expectancy, s.averageWin, s.averageLoss, s.payoffRatio, s.sqn, s.largestWin, s.largestLoss, s.averageBarsHeld]) expect(v).toBeNaN();
  });

  it('only winners: no loss to divide by', () => {
    const s = tradeStats(trades([10, 20]));
    expect(s.winRate).toBe(1);
    expect([s.profitFactor, s.averageLoss, s.payoffRatio, s.largestLoss]).toEqual([NaN, NaN, NaN, NaN]);
    expect(s.sqn).toBeCloseTo((Math.sqrt(2) * 15) / Math.sqrt(50), 12);
  });

  it('only losers: profit factor 0', () => {
    const s = tradeStats(trades([-10, -20, -30]));
    expect([s.winRate, s.profitFactor, s.longestLosingStreak]).toEqual([0, 0, 3]);
    expect(s.averageWin).toBeNaN();
  });

  it('one trade, or equal trades: SQN undefined', () => {
    expect(tradeStats(trades([5])).sqn).toBeNaN();
    expect(tradeStats(trades([5, 5, 5])).sqn).toBeNaN();
  });
});

describe('exposure and turnover', () => {
  it('exposure: the share of steps with an open position', () => {
    expect(exposureTime([0, 10, -3, 0])).toBe(0.5);
    expect(exposureTime([])).toBeNaN();
  });

  it('turnover: traded notional / mean equity', () => {
    expect(turnover(200, [90, 110])).toBe(2);
    expect(turnover(0, [100])).toBe(0);
    expect(turnover(10, [])).toBeNaN();
    expect(turnover(10, [0, 0])).toBeNaN();
  });
});
