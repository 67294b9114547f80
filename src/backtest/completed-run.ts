import type { AdjustmentInfo } from '../data/index.js';
import type { MarketFeed } from '../model/market.js';
import type { BacktestResult } from './engine.js';

export interface CompletedRun {
  readonly result: BacktestResult;
  /** The strategy's name (its class name). */
  readonly strategyName: string;
  /** The parameters after validation and defaults. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly feeds: readonly MarketFeed[];
  /** The corporate-action adjustment of the run's bars; undefined when prices are as written. */
  readonly adjustment: RunAdjustment | undefined;
}

/** The adjustment of a run, for its summary: the mode, the source, and for an actions file the actions used. */
export interface RunAdjustment {
  readonly mode: AdjustmentInfo['mode'];
  readonly source: AdjustmentInfo['source'];
  readonly actionsFile?: string;
  /** Splits and dividends applied, over all instruments (actions file). */
  readonly splits?: number;
  readonly dividends?: number;
}
