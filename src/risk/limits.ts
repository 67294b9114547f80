import { z } from 'zod';
import { InputError, type Issue } from '../core/errors.js';

const positive = z.number().positive();
/** A fraction in (0, 1]. */
const fraction = z.number().gt(0).lte(1);

/** What to do with prices off the tick grid and quantities off the lot grid. */
export const GridEnforcement = z.enum(['reject', 'round', 'off']);
export type GridEnforcement = z.infer<typeof GridEnforcement>;

/** The state the kill switch moves the account to. */
export const KillSwitchState = z.enum(['halted', 'reducing']);
export type KillSwitchState = z.infer<typeof KillSwitchState>;

/** Where the day's loss is measured from. */
export const DailyLossBaseline = z.enum(['previous_close', 'first_of_day']);
export type DailyLossBaseline = z.infer<typeof DailyLossBaseline>;

/**
 * Pre-trade limits and kill-switch thresholds. Every field is optional: an
 * absent limit is not checked. Limits are inclusive maxima: a value equal
 * to the limit passes. Amounts are in account currency. See docs/risk.md.
 */
export const RiskLimits = z
  .object({
    /** Largest quantity of one order. */
    maxOrderQuantity: positive.optional(),
    /** Largest notional of one order: quantity x cost price x multiplier (x conversion). */
    maxOrderNotional: positive.optional(),
    /**
     * Largest absolute position per instrument after the order: one number
     * for every instrument, or a default and per-symbol overrides (an
     * override of 0 allows no position in that symbol).
     */
    maxPosition: z
      .union([
        positive,
        z
          .object({
            default: positive.optional(),
            symbols: z.record(z.string().min(1), z.number().nonnegative()),
          })
          .strict(),
      ])
      .optional(),
    /** Largest gross exposure after the order: sum over instruments of |position| x price x multiplier. */
    maxGrossExposure: positive.optional(),
    /** Largest absolute net exposure after the order: |sum of position x price x multiplier|. */
    maxNetExposure: positive.optional(),
    /** Largest leverage after the order: gross exposure after / (equity - fee). */
    maxLeverage: positive.optional(),
    /** Largest distance of a limit or trigger price from the last price, as a fraction of the last price (fat-finger guard). */
    priceBand: positive.optional(),
    /** At most `count` accepted orders in any window of `windowMicros` (a rolling window ending now). */
    orderRate: z
      .object({
        count: z.number().int().positive(),
        windowMicros: z.number().int().positive(),
      })
      .strict()
      .optional(),
    /** Kill switch: the largest drawdown from the equity peak, as a fraction (0.2 = 20%). */
    maxDrawdown: fraction.optional(),
    /**
     * Kill switch: the largest loss within one UTC day, from the day's
     * baseline equity: an amount in account currency (a number or
     * `{ amount }`), or `{ fraction }` of the baseline.
     */
    maxDailyLoss: z
      .union([positive, z.object({ amount: positive }).strict(), z.object({ fraction }).strict()])
      .optional(),
    /** The day's baseline: the last equity before the day began (default; the first equity on the first day) or the first equity of the day. */
    dailyLossBaseline: DailyLossBaseline.optional(),
    /** Where the kill switch moves the account: 'halted' (default) or 'reducing'. */
    killSwitchState: KillSwitchState.optional(),
    /** Prices (limit and trigger) off the tick grid: 'reject' (off_tick), 'round' (roundOrder, then checked), 'off' (default). */
    enforceTick: GridEnforcement.default('reject'),
    /** Quantities off the lot grid: 'reject' (off_lot), 'round' (roundOrder, then checked), 'off' (default). */
    enforceLot: GridEnforcement.default('reject'),
    /**
     * Kill switch: at most this many orders per run (default 1,000,000). The
     * submission that would go beyond halts the account (reason max_orders);
     * later submissions are refused without a record, so a run that floods
     * orders keeps bounded memory.
     */
    maxOrders: z.number().int().positive().default(1_000_000),
  })
  .strict();

/** Parsed limits. */
export type RiskLimits = z.infer<typeof RiskLimits>;
/** What the schema accepts. */
export type RiskLimitsInput = z.input<typeof RiskLimits>;

/** Zod issues as the project's input issues, fields prefixed with `prefix`. */
export function zodIssues(error: z.ZodError, prefix: string, input: unknown): Issue[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    const field = path.length > 0 ? `${prefix}.${path}` : prefix;
    let value: unknown = input;
    for (const key of i.path) {
      value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
    }
    const issue: Issue = { code: 'invalid_option', field, message: `${field}: ${i.message}` };
    return value === undefined || typeof value === 'object' ? issue : { ...issue, value: String(value) };
  });
}

/** Validates risk limits, throwing an InputError that names each bad field (`risk.maxPosition`, ...). */
export function parseRiskLimits(input: unknown): RiskLimits {
  const r = RiskLimits.safeParse(input);
  if (r.success) return r.data;
  throw new InputError(zodIssues(r.error, 'risk', input));
}
