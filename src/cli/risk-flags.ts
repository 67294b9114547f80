import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { numberFlag } from './args.js';

/** Flags for pre-trade risk limits and the kill switch (the config file's `risk` object). */
export interface RiskFlags {
  maxOrderQty?: string;
  maxOrderNotional?: string;
  maxPosition?: string;
  maxGross?: string;
  maxNet?: string;
  maxLeverage?: string;
  priceBand?: string;
  orderRate?: string;
  maxDrawdown?: string;
  maxDailyLoss?: string;
  maxOrders?: string;
  roundToGrid?: boolean;
}

export function addRiskFlags(cmd: Command): Command {
  return cmd
    .option('--max-order-qty <q>', 'largest quantity of one order')
    .option('--max-order-notional <n>', 'largest notional of one order')
    .option('--max-position <q>', 'largest absolute position per instrument')
    .option('--max-gross <n>', 'largest gross exposure (sum of |position x price x multiplier|)')
    .option('--max-net <n>', 'largest absolute net exposure')
    .option('--max-leverage <x>', 'largest gross exposure / equity after an order')
    .option('--price-band <fraction>', "largest distance of an order's price from the last price, e.g. 0.05")
    .option('--order-rate <n/seconds>', 'at most n orders per rolling window, e.g. 10/60')
    .option('--max-drawdown <fraction>', 'kill switch: halt trading when equity falls this far from its peak')
    .option('--max-daily-loss <amount>', 'kill switch: halt trading for the day after losing this much (or 0.02 for 2%)')
    .option('--max-orders <n>', 'kill switch: at most n orders per run (default 1000000); later ones are refused without a record')
    .option('--round-to-grid', 'round order prices to the tick and quantities to the lot instead of rejecting them');
}

/** The given flags as a `risk` object, merged over the config file's. */
export function riskFromFlags(flags: RiskFlags, base: unknown): Record<string, unknown> | undefined {
  const r: Record<string, unknown> = base !== null && typeof base === 'object' ? { ...(base as Record<string, unknown>) } : {};
  const before = Object.keys(r).length;
  let given = false;
  const num = (flag: string, v: string | undefined, key: string): void => {
    if (v === undefined) return;
    r[key] = numberFlag(flag, v);
    given = true;
  };
  num('--max-order-qty', flags.maxOrderQty, 'maxOrderQuantity');
  num('--max-order-notional', flags.maxOrderNotional, 'maxOrderNotional');
  num('--max-position', flags.maxPosition, 'maxPosition');
  num('--max-gross', flags.maxGross, 'maxGrossExposure');
  num('--max-net', flags.maxNet, 'maxNetExposure');
  num('--max-leverage', flags.maxLeverage, 'maxLeverage');
  num('--price-band', flags.priceBand, 'priceBand');
  num('--max-drawdown', flags.maxDrawdown, 'maxDrawdown');
  num('--max-orders', flags.maxOrders, 'maxOrders');
  if (flags.maxDailyLoss !== undefined) {
    const v = numberFlag('--max-daily-loss', flags.maxDailyLoss);
    r.maxDailyLoss = v < 1 ? { fraction: v } : { amount: v };
    given = true;
  }
  if (flags.orderRate !== undefined) {
    const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(flags.orderRate.trim());
    if (m === null) throw new InputError({ code: 'invalid_option', field: '--order-rate', value: flags.orderRate, message: 'expected COUNT/SECONDS, e.g. 10/60' });
    r.orderRate = { count: Number(m[1]), windowMicros: Math.round(Number(m[2]) * 1_000_000) };
    given = true;
  }
  if (flags.roundToGrid === true) {
    r.enforceTick = 'round';
    r.enforceLot = 'round';
    given = true;
  }
  return given || before > 0 ? r : undefined;
}
