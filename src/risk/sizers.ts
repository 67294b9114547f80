/**
 * Position sizers: pure functions from an account's figures to an order
 * quantity. Every sizer returns a quantity >= 0 that is a whole number of
 * lots (rounded down; a lot of 0 means no grid), at most `maxQuantity`, and
 * whose notional (quantity x price x multiplier) is at most `maxNotional`.
 * A raw size within float noise below a lot boundary (1e-12 of the size and
 * 1e-9 of a lot) counts as on it, so the noise does not cost a lot. Inputs are validated: nonsense (negative equity, a zero price, a fraction
 * above 1 where one is a share) throws an InputError naming the field.
 * Formulas in docs/risk.md.
 */
import { z } from 'zod';
import { mulExact, subExact } from '../core/decimal.js';
import { InputError } from '../core/errors.js';
import { lastAtr } from './atr.js';
import { roundToGrid } from './grid.js';
import { zodIssues } from './limits.js';

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
/** A fraction in (0, 1]. */
const fraction = z.number().gt(0).lte(1);

/** Limits every sizer applies to its result. */
const capsShape = {
  /** Quantity step; results are rounded down to it. 0 or absent: no grid. */
  lotSize: nonNegative.optional(),
  /** Largest quantity returned. */
  maxQuantity: positive.optional(),
  /** Largest notional (quantity x price x multiplier) returned; needs `price`. */
  maxNotional: positive.optional(),
  /** Contract multiplier; 1 when absent. */
  multiplier: positive.optional(),
};

export interface SizeCaps {
  readonly lotSize?: number;
  readonly maxQuantity?: number;
  readonly maxNotional?: number;
  readonly multiplier?: number;
}

const needsPriceForNotional = (o: { maxNotional?: number | undefined; price?: number | undefined }, ctx: z.RefinementCtx): void => {
  if (o.maxNotional !== undefined && o.price === undefined) {
    ctx.addIssue({ code: 'custom', path: ['price'], message: 'a price is needed to apply maxNotional' });
  }
};

const fixedQuantitySchema = z.object({ quantity: nonNegative, price: positive.optional(), ...capsShape }).strict().superRefine(needsPriceForNotional);
const fixedNotionalSchema = z.object({ notional: nonNegative, price: positive, ...capsShape }).strict();
const percentOfEquitySchema = z.object({ equity: nonNegative, fraction: positive, price: positive, ...capsShape }).strict();
const fixedFractionalSchema = z
  .object({ equity: nonNegative, riskFraction: fraction, stopDistance: positive, price: positive.optional(), ...capsShape })
  .strict()
  .superRefine(needsPriceForNotional);
const barsSchema = z.object({ high: z.array(z.number()), low: z.array(z.number()), close: z.array(z.number()) }).strict();
const volatilityTargetSchema = z
  .object({
    equity: nonNegative,
    targetVolatility: fraction,
    atr: positive.optional(),
    bars: barsSchema.optional(),
    period: z.number().int().min(1).max(100_000).optional(),
    price: positive.optional(),
    ...capsShape,
  })
  .strict()
  .superRefine((o, ctx) => {
    needsPriceForNotional(o, ctx);
    if ((o.atr === undefined) === (o.bars === undefined)) ctx.addIssue({ code: 'custom', path: ['atr'], message: 'give exactly one of atr and bars' });
  });
const kellySchema = z
  .object({ equity: nonNegative, price: positive, winRate: z.number().min(0).max(1), payoffRatio: positive, maxFraction: fraction, ...capsShape })
  .strict();

function parse<T>(schema: z.ZodType<T>, name: string, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new InputError(zodIssues(r.error, name, input));
}

/**
 * A raw size this close below a lot boundary is float noise and counts as on
 * it: within 1e-12 of the size (relative) and within 1e-9 of a lot.
 */
const SNAP_RELATIVE = 1e-12;
const SNAP_LOTS = 1e-9;

/** The largest quantity at or below q on the lot grid (q itself without a grid). */
function floorToLot(q: number, lot: number): number {
  return lot > 0 ? roundToGrid(q, lot, 'down') : q;
}

type ParsedCaps = { readonly [K in keyof SizeCaps]?: number | undefined };

/** Applies the caps and the lot grid to a raw quantity. */
function finish(name: string, raw: number, caps: ParsedCaps, price: number | undefined): number {
  if (Number.isNaN(raw) || raw === Infinity) {
    throw new InputError({ code: 'invalid_option', field: name, value: String(raw), message: `${name}: the inputs give no finite size (${raw})` });
  }
  const lot = caps.lotSize ?? 0;
  const m = caps.multiplier ?? 1;
  const maxQuantity = caps.maxQuantity;
  const maxNotional = caps.maxNotional;
  let capped = raw > 0 ? raw : 0;
  if (maxQuantity !== undefined && capped > maxQuantity) capped = maxQuantity;
  if (maxNotional !== undefined && price !== undefined) {
    const cap = maxNotional / (price * m);
    if (capped > cap) capped = cap;
  }
  let q = floorToLot(capped, lot);
  if (lot > 0 && q < capped) {
    // 1000 / 33.333333333333336 = 29.999999999999996 is 30 lots of 1, not 29.
    const up = roundToGrid(capped, lot, 'up');
    const gap = up - capped;
    if (gap <= SNAP_RELATIVE * capped && gap <= SNAP_LOTS * lot && (maxQuantity === undefined || up <= maxQuantity)) q = up;
  }
  if (maxNotional !== undefined && price !== undefined) {
    // The division above is not exact: step down until the notional, exact or in doubles, is within the cap.
    for (let i = 0; q > 0 && notionalOver(q, price, m, maxNotional); i++) {
      if (i > 64) return 0;
      q = lot > 0 ? Math.max(0, floorToLot(subExact(q, lot), lot)) : q * (1 - Number.EPSILON);
    }
  }
  return q === 0 ? 0 : q;
}

/** A fixed quantity, on the lot grid and within the caps. */
export function fixedQuantity(o: { readonly quantity: number; readonly price?: number } & SizeCaps): number {
  const p = parse(fixedQuantitySchema, 'fixedQuantity', o);
  return finish('fixedQuantity', p.quantity, p, p.price);
}

/** notional / (price x multiplier). */
export function fixedNotional(o: { readonly notional: number; readonly price: number } & SizeCaps): number {
  const p = parse(fixedNotionalSchema, 'fixedNotional', o);
  return finish('fixedNotional', p.notional / (p.price * (p.multiplier ?? 1)), p, p.price);
}

/** equity x fraction / (price x multiplier); a fraction above 1 is leverage. */
export function percentOfEquity(o: { readonly equity: number; readonly fraction: number; readonly price: number } & SizeCaps): number {
  const p = parse(percentOfEquitySchema, 'percentOfEquity', o);
  return finish('percentOfEquity', mulExact(p.equity, p.fraction) / (p.price * (p.multiplier ?? 1)), p, p.price);
}

/**
 * Fixed fractional risk: the quantity that loses `riskFraction` of equity if
 * the stop, `stopDistance` price units away, is hit:
 * equity x riskFraction / (stopDistance x multiplier).
 */
export function fixedFractional(o: { readonly equity: number; readonly riskFraction: number; readonly stopDistance: number; readonly price?: number } & SizeCaps): number {
  const p = parse(fixedFractionalSchema, 'fixedFractional', o);
  return finish('fixedFractional', mulExact(p.equity, p.riskFraction) / (p.stopDistance * (p.multiplier ?? 1)), p, p.price);
}

/**
 * Volatility target: the quantity whose typical daily move (one ATR) is
 * `targetVolatility` of equity: equity x targetVolatility / (ATR x multiplier).
 * The ATR is given, or computed (Wilder, as TA-Lib, `period` default 14)
 * from `bars` (high, low, close arrays; the ATR after the last bar).
 */
export function volatilityTarget(
  o: {
    readonly equity: number;
    readonly targetVolatility: number;
    readonly atr?: number;
    readonly bars?: { readonly high: readonly number[]; readonly low: readonly number[]; readonly close: readonly number[] };
    readonly period?: number;
    readonly price?: number;
  } & SizeCaps,
): number {
  const p = parse(volatilityTargetSchema, 'volatilityTarget', o);
  let atr = p.atr ?? NaN;
  if (p.bars !== undefined) {
    const period = p.period ?? 14;
    atr = lastAtr(p.bars.high, p.bars.low, p.bars.close, period);
    if (!(atr > 0)) {
      throw new InputError({
        code: 'invalid_option',
        field: 'volatilityTarget.bars',
        value: String(atr),
        message: `volatilityTarget.bars: the ATR(${period}) of ${p.bars.close.length} bars is ${atr}; it needs more than ${period} bars and a positive range`,
      });
    }
  }
  return finish('volatilityTarget', mulExact(p.equity, p.targetVolatility) / (atr * (p.multiplier ?? 1)), p, p.price);
}

/** The Kelly fraction f* = p - (1 - p) / b, floored at 0 and capped at `maxFraction`. */
export function kellyFraction(winRate: number, payoffRatio: number, maxFraction = 1): number {
  const p = parse(
    z.object({ winRate: z.number().min(0).max(1), payoffRatio: positive, maxFraction: fraction }).strict(),
    'kellyFraction',
    { winRate, payoffRatio, maxFraction },
  );
  const f = p.winRate - (1 - p.winRate) / p.payoffRatio;
  return f > p.maxFraction ? p.maxFraction : f > 0 ? f : 0;
}

/** Capped Kelly: equity x kellyFraction(winRate, payoffRatio, maxFraction) / (price x multiplier). */
export function cappedKelly(
  o: { readonly equity: number; readonly price: number; readonly winRate: number; readonly payoffRatio: number; readonly maxFraction: number } & SizeCaps,
): number {
  const p = parse(kellySchema, 'cappedKelly', o);
  const f = kellyFraction(p.winRate, p.payoffRatio, p.maxFraction);
  return finish('cappedKelly', mulExact(p.equity, f) / (p.price * (p.multiplier ?? 1)), p, p.price);
}

/** Whether `quantity` x price x multiplier is above the cap, exact or in doubles. */
function notionalOver(quantity: number, price: number, multiplier: number, maxNotional: number): boolean {
  return mulExact(mulExact(quantity, price), multiplier) > maxNotional || quantity * price * multiplier > maxNotional;
}
