import type { Command } from 'commander';
import { numberFlag } from './args.js';

/** Flags that choose how orders execute (the config file's `execution` object). */
export interface ExecutionFlags {
  fillModel?: string;
  volumeLimit?: string;
  slippage?: string;
  latencyMs?: string;
  feeMaker?: string;
  feeTaker?: string;
  feeMin?: string;
  seed?: string;
}

export function addExecutionFlags(cmd: Command): Command {
  return cmd
    .option('--fill-model <name>', 'how a bar unfolds: classic (default) or intrabar (open, nearer extreme, other extreme, close)')
    .option('--volume-limit <fraction>', 'at most this fraction of each bar volume fills; the rest carries over (partial fills)')
    .option('--slippage <spec>', 'ticks:N, percent:X, sqrt:K (square-root impact) or random:N (0..N ticks, seeded)')
    .option('--latency-ms <ms>', 'delay of orders, cancels and modifies on their way to the venue')
    .option('--fee-maker <rate>', 'maker fee rate (negative: rebate); with --fee-taker, instead of --fee-rate or --fee-per-unit')
    .option('--fee-taker <rate>', 'taker fee rate')
    .option('--fee-min <amount>', 'smallest fee per fill')
    .option('--seed <n>', 'seed of random models (default 1)');
}

/** The given flags as an `execution` object, merged over the config file's. */
export function executionFromFlags(flags: ExecutionFlags, base: unknown): Record<string, unknown> | undefined {
  const e: Record<string, unknown> = base !== null && typeof base === 'object' ? { ...(base as Record<string, unknown>) } : {};
  const before = Object.keys(e).length;
  let given = false;
  const num = (flag: string, v: string | undefined, key: string): void => {
    if (v === undefined) return;
    e[key] = numberFlag(flag, v);
    given = true;
  };
  if (flags.fillModel !== undefined) {
    e.fillModel = flags.fillModel;
    given = true;
  }
  if (flags.slippage !== undefined) {
    e.slippage = flags.slippage;
    given = true;
  }
  num('--volume-limit', flags.volumeLimit, 'volumeLimit');
  num('--latency-ms', flags.latencyMs, 'latencyMs');
  num('--fee-maker', flags.feeMaker, 'feeMaker');
  num('--fee-taker', flags.feeTaker, 'feeTaker');
  num('--fee-min', flags.feeMin, 'feeMinimum');
  num('--seed', flags.seed, 'seed');
  return given || before > 0 ? e : undefined;
}
