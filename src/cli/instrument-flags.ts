import type { Command } from 'commander';
import { numberFlag } from './args.js';

/** Flags that describe the instruments of a run (the config file's `instrument` object). */
export interface InstrumentFlags {
  kind?: string;
  multiplier?: string;
  margin?: string;
  maintenanceMargin?: string;
  tickSize?: string;
  lotSize?: string;
  currency?: string;
  fundingRate?: string;
}

export function addInstrumentFlags(cmd: Command): Command {
  return cmd
    .option('--instrument <kind>', 'equity (default), future, fx_spot, crypto_spot or perpetual; --margin alone means future')
    .option('--multiplier <k>', 'contract multiplier: P&L per point per contract')
    .option('--margin <m>', 'initial margin per contract (futures)')
    .option('--maintenance-margin <m>', 'maintenance margin per contract (default: the initial margin)')
    .option('--tick-size <t>', 'price grid: orders off it are rejected')
    .option('--lot-size <l>', 'quantity grid: orders off it are rejected')
    .option('--currency <c>', 'quote currency of the instruments (default USD)')
    .option('--funding-rate <r>', 'perpetual swaps: funding rate per 8-hour interval (positive: longs pay)')
    .option('--interest-rate <r>', 'annual interest on cash (negative cash pays it), accrued daily')
    .option('--borrow-rate <r>', 'annual borrow fee on short stock positions, accrued daily')
    .option('--leverage <x>', 'margin account for stocks: orders need 1/x of the notional they open; liquidation below 25% maintenance')
    .option('--account-currency <c>', 'currency of the account (default USD); an instrument in another needs its pair in the data')
    .option('--position-mode <mode>', 'netting (default): one position per instrument; hedging: long and short legs side by side, each order names one');
}

/** The given flags as an `instrument` object, merged over the config file's. */
export function instrumentFromFlags(flags: InstrumentFlags & { instrument?: string }, base: unknown): Record<string, unknown> | undefined {
  const i: Record<string, unknown> = base !== null && typeof base === 'object' ? { ...(base as Record<string, unknown>) } : {};
  const before = Object.keys(i).length;
  let given = false;
  const num = (flag: string, v: string | undefined, key: string): void => {
    if (v === undefined) return;
    i[key] = numberFlag(flag, v);
    given = true;
  };
  if (flags.instrument !== undefined) {
    i.kind = flags.instrument;
    given = true;
  }
  if (flags.currency !== undefined) {
    i.currency = flags.currency;
    given = true;
  }
  num('--multiplier', flags.multiplier, 'multiplier');
  num('--margin', flags.margin, 'marginInit');
  num('--maintenance-margin', flags.maintenanceMargin, 'marginMaint');
  num('--tick-size', flags.tickSize, 'tickSize');
  num('--lot-size', flags.lotSize, 'lotSize');
  num('--funding-rate', flags.fundingRate, 'fundingRate');
  return given || before > 0 ? i : undefined;
}
