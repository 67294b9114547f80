import { basename, extname } from 'node:path';
import type { Issue } from '../core/errors.js';
import { parseIsoTime } from '../core/time.js';
import { openCsvFeed } from '../data/index.js';
import type { FeeModel } from '../execution/models/fee.js';
import { NoFee, PercentFee, PerUnitFee } from '../execution/models/fee.js';
import type { MarketFeed } from '../model/market.js';
import type { Logger } from '../strategy/context.js';
import type { RunConfig } from './config.js';
import type { BacktestResult } from './engine.js';
import { BacktestEngine } from './engine.js';
import { loadStrategyFile, parseStrategyParams } from './strategy-loader.js';

export interface RunHooks {
  /** Each skipped bad row as it is found (under onInvalid 'skip'). */
  readonly onIssue?: (issue: Issue) => void;
  readonly onProgress?: (events: number) => void;
  readonly log?: Logger;
}

export interface CompletedRun {
  readonly result: BacktestResult;
  /** The strategy's name (its class name). */
  readonly strategyName: string;
  /** The parameters after validation and defaults. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly feeds: readonly MarketFeed[];
}

export function feeModelOf(config: Pick<RunConfig, 'feeRate' | 'feePerUnit'>): FeeModel {
  if (config.feeRate !== undefined) return new PercentFee(config.feeRate);
  if (config.feePerUnit !== undefined) return new PerUnitFee(config.feePerUnit);
  return new NoFee();
}

/** Opens one CSV feed per data file, with the run's window and invalid-row policy. */
export function openFeeds(config: RunConfig, onIssue?: (issue: Issue) => void): MarketFeed[] {
  const from = config.from !== undefined ? parseIsoTime(config.from, 'start') : undefined;
  const to = config.to !== undefined ? parseIsoTime(config.to, 'end') : undefined;
  const feeds: MarketFeed[] = [];
  try {
    config.data.forEach((path, i) => {
      const symbol = config.symbol === undefined ? undefined : config.symbol.length === 1 ? config.symbol[0] : config.symbol[i];
      feeds.push(
        openCsvFeed(path, {
          ...config.format,
          onInvalid: config.onInvalid,
          ...(symbol !== undefined ? { symbol } : {}),
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(config.timezone !== undefined ? { timezone: config.timezone } : {}),
          ...(onIssue !== undefined ? { onIssue } : {}),
        }),
      );
    });
  } catch (e) {
    for (const f of feeds) f.close();
    throw e;
  }
  return feeds;
}

/** Loads the strategy, opens the data and runs the backtest a config describes. */
export async function runBacktestConfig(config: RunConfig, hooks: RunHooks = {}): Promise<CompletedRun> {
  const cls = await loadStrategyFile(config.strategy);
  const params = parseStrategyParams(cls, config.params) as Record<string, unknown>;
  const strategy = new cls(params);
  const feeds = openFeeds(config, hooks.onIssue);
  const engine = new BacktestEngine({
    strategy,
    feeds,
    cash: config.cash,
    fees: feeModelOf(config),
    historyCapacity: config.history,
    ...(hooks.log !== undefined ? { log: hooks.log } : {}),
    ...(hooks.onProgress !== undefined ? { onProgress: hooks.onProgress } : {}),
  });
  const result = engine.run();
  const name = cls.name || basename(config.strategy, extname(config.strategy));
  return { result, strategyName: name, params, feeds };
}
