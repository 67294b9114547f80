import type { RunConfig } from '../../backtest/config.js';
import { connectSimulatedExchange } from '../../backtest/engine.js';
import { executionOptionsOf } from '../../backtest/run.js';
import { runSession, type PaperRunOptions, type PaperRunResult, type SessionVenue } from './trading-session.js';

export type { LatencyFigures, LiveSummary, PaperRunOptions, PaperRunResult, PaperStopReason } from './trading-session.js';

/**
 * A paper run: live market data from `source` into the trading kernel with
 * the backtest's simulated venue (same fill, slippage, latency and fee
 * models), outputs written as it goes. It ends when the source ends, after
 * `duration`, on `signal`, or when the strategy throws; in every case the
 * source is stopped, what arrived is handled, the kernel is closed out and
 * every file is written complete. (runSession with the simulated venue.)
 */
export function runPaper(o: PaperRunOptions): Promise<PaperRunResult> {
  return runSession(o, simulatedVenue(o.config));
}

/** The backtest's simulated exchange as a session's venue: the account is the run's --cash. */
export function simulatedVenue(config: PaperRunOptions['config']): SessionVenue {
  return {
    open: () => Promise.resolve({ cash: config.cash }),
    connect: (kernel, instruments) => {
      const exchange = connectSimulatedExchange(kernel, instruments, executionOptionsOf(config as RunConfig));
      return { fillModel: exchange.fillModelName, ambiguousFills: () => exchange.ambiguousFills };
    },
    close: () => Promise.resolve(),
  };
}
