import { z } from 'zod';

/**
 * How an instrument is accounted for:
 * - equity, crypto_spot, fx_spot: bought with cash; position value counts in equity;
 * - future, perpetual: margined; opening moves initial margin from cash into
 *   margin in use, P&L flows into cash as variation margin at each fill and
 *   bar close (docs/bar-execution.md); a perpetual also pays funding.
 */
export type InstrumentKind = 'equity' | 'future' | 'fx_spot' | 'crypto_spot' | 'perpetual';

/** What is traded, and the rules it trades by. */
export interface Instrument {
  readonly symbol: string;
  readonly kind: InstrumentKind;
  /** Contract multiplier: P&L per unit of price change per unit of quantity. */
  readonly multiplier: number;
  /** Smallest price increment; 0 means unconstrained. */
  readonly tickSize: number;
  /** Smallest quantity increment; 0 means unconstrained. */
  readonly lotSize: number;
  /** Currency the instrument's prices are quoted in. */
  readonly currency: string;
  /** Base currency of an FX pair or crypto pair (GBP in GBPUSD); empty otherwise. */
  readonly baseCurrency: string;
  /** Initial margin per contract (futures) or as a fraction of notional when below 1 and `marginIsRate`. */
  readonly marginInit: number;
  /** Maintenance margin per contract; the account is liquidated when equity falls below the total. */
  readonly marginMaint: number;
  /** Expiry of a future (µs), or NaN. */
  readonly expiry: number;
  /** Funding rate per funding interval of a perpetual (positive: longs pay shorts). */
  readonly fundingRate: number;
  /** Funding interval of a perpetual, µs (default 8 hours). */
  readonly fundingIntervalMicros: number;
}

export const InstrumentSchema = z
  .object({
    symbol: z.string().min(1),
    kind: z.enum(['equity', 'future', 'fx_spot', 'crypto_spot', 'perpetual']).default('equity'),
    multiplier: z.number().positive().default(1),
    tickSize: z.number().nonnegative().default(0),
    lotSize: z.number().nonnegative().default(0),
    currency: z.string().min(1).default('USD'),
    baseCurrency: z.string().default(''),
    marginInit: z.number().nonnegative().default(0),
    marginMaint: z.number().nonnegative().optional(),
    expiry: z.number().optional(),
    fundingRate: z.number().default(0),
    fundingIntervalMicros: z.number().positive().default(8 * 3_600_000_000),
  })
  .strict();

export type InstrumentInput = z.input<typeof InstrumentSchema>;

/** Settings given for instruments in a run config: the same fields, all optional, no defaults. */
export const InstrumentSettingsSchema = z
  .object({
    kind: z.enum(['equity', 'future', 'fx_spot', 'crypto_spot', 'perpetual']).optional(),
    multiplier: z.number().positive().optional(),
    tickSize: z.number().nonnegative().optional(),
    lotSize: z.number().nonnegative().optional(),
    currency: z.string().min(1).optional(),
    baseCurrency: z.string().optional(),
    marginInit: z.number().nonnegative().optional(),
    marginMaint: z.number().nonnegative().optional(),
    expiry: z.number().optional(),
    fundingRate: z.number().optional(),
    fundingIntervalMicros: z.number().positive().optional(),
  })
  .strict();

export function makeInstrument(symbol: string, overrides: Partial<Omit<InstrumentInput, 'symbol'>> = {}): Instrument {
  const p = InstrumentSchema.parse({ symbol, ...overrides });
  return { ...p, marginMaint: p.marginMaint ?? p.marginInit, expiry: p.expiry ?? NaN };
}

/** Margined instruments settle P&L into cash as variation margin. */
export function isMargined(i: Instrument): boolean {
  return i.kind === 'future' || i.kind === 'perpetual';
}
