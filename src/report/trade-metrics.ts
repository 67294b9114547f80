import { mean, std } from './stats.js';

/** What the trade statistics need of a closed round trip (a `ClosedTrade` fits). */
export interface TradeOutcome {
  /** P&L after fees, in account currency. */
  readonly netPnl: number;
  readonly barsHeld: number;
}

/**
 * Statistics of closed round trips, in closing order. A trade wins when its
 * net P&L is above 0 and loses when it is below 0; a trade at exactly 0 counts
 * in the total but is neither (and ends any streak). NaN where undefined.
 */
export interface TradeStats {
  readonly trades: number;
  readonly winningTrades: number;
  readonly losingTrades: number;
  /** Winners / all closed trades. */
  readonly winRate: number;
  /** Sum of winners' P&L / |sum of losers' P&L|; NaN without a loser. */
  readonly profitFactor: number;
  /** Mean net P&L per trade. */
  readonly expectancy: number;
  /** Mean P&L of the winners (NaN without one). */
  readonly averageWin: number;
  /** Mean P&L of the losers, negative (NaN without one). */
  readonly averageLoss: number;
  /** averageWin / |averageLoss|. */
  readonly payoffRatio: number;
  /** System quality number: sqrt(n) * mean / std (ddof = 1) of the net P&L. */
  readonly sqn: number;
  /** Best winner's P&L (NaN without a winner). */
  readonly largestWin: number;
  /** Worst loser's P&L, negative (NaN without a loser). */
  readonly largestLoss: number;
  readonly longestWinningStreak: number;
  readonly longestLosingStreak: number;
  readonly averageBarsHeld: number;
}

export function tradeStats(trades: readonly TradeOutcome[]): TradeStats {
  const pnl = trades.map((t) => t.netPnl);
  const wins = pnl.filter((p) => p > 0);
  const losses = pnl.filter((p) => p < 0);
  let grossWin = 0;
  for (const w of wins) grossWin += w;
  let grossLoss = 0;
  for (const l of losses) grossLoss += l;
  let streakW = 0;
  let streakL = 0;
  let bestW = 0;
  let bestL = 0;
  for (const p of pnl) {
    streakW = p > 0 ? streakW + 1 : 0;
    streakL = p < 0 ? streakL + 1 : 0;
    if (streakW > bestW) bestW = streakW;
    if (streakL > bestL) bestL = streakL;
  }
  const n = pnl.length;
  const averageWin = wins.length > 0 ? grossWin / wins.length : NaN;
  const averageLoss = losses.length > 0 ? grossLoss / losses.length : NaN;
  const sd = std(pnl, 1);
  return {
    trades: n,
    winningTrades: wins.length,
    losingTrades: losses.length,
    winRate: n > 0 ? wins.length / n : NaN,
    profitFactor: losses.length > 0 ? grossWin / -grossLoss : NaN,
    expectancy: mean(pnl),
    averageWin,
    averageLoss,
    payoffRatio: averageWin / Math.abs(averageLoss),
    sqn: n >= 2 && sd > 0 ? (Math.sqrt(n) * mean(pnl)) / sd : NaN,
    largestWin: wins.length > 0 ? wins.reduce((a, b) => Math.max(a, b)) : NaN,
    largestLoss: losses.length > 0 ? losses.reduce((a, b) => Math.min(a, b)) : NaN,
    longestWinningStreak: bestW,
    longestLosingStreak: bestL,
    averageBarsHeld: mean(trades.map((t) => t.barsHeld)),
  };
}

/** Share of time steps with an open position (position value not 0); NaN for no steps. */
export function exposureTime(positionValue: ArrayLike<number>): number {
  const n = positionValue.length;
  if (n === 0) return NaN;
  let k = 0;
  for (let i = 0; i < n; i++) if ((positionValue[i] as number) !== 0) k++;
  return k / n;
}

/**
 * Turnover over the run: the notional of all fills (|quantity x price|, both
 * sides counted) / the mean equity. A full round trip of the whole equity is 2.
 * NaN when the mean equity is not positive.
 */
export function turnover(tradedNotional: number, equity: ArrayLike<number>): number {
  const m = mean(equity);
  return m > 0 ? tradedNotional / m : NaN;
}
