import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Issue } from '../core/errors.js';
import { InputError } from '../core/errors.js';
import { parseIsoTime } from '../core/time.js';
import { ADJUST_MODES, csvFormatOptionsSchema } from '../data/index.js';
import { fileIssue } from '../data/data-file.js';
import { InstrumentSettingsSchema } from '../model/instrument.js';
import { RiskLimits } from '../risk/limits.js';

/** `ticks:N`, `percent:X`, `sqrt:K` or `random:N` (0..N ticks, seeded). */
export const SLIPPAGE_SPEC = /^(ticks|percent|sqrt|random):([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)$/;

/** How orders are executed: fill model, volume limit, slippage, latency, maker/taker fees. */
export const ExecutionConfigSchema = z
  .object({
    fillModel: z.enum(['classic', 'intrabar']).default('classic'),
    /** At most this fraction of each bar's volume fills (0 = no limit). */
    volumeLimit: z.number().min(0).max(1).default(0),
    slippage: z.string().regex(SLIPPAGE_SPEC, "expected ticks:N, percent:X, sqrt:K or random:N").optional(),
    /** Delay of every order, cancel and modify on its way to the simulated venue. */
    latencyMs: z.number().nonnegative().default(0),
    /** Maker and taker fee rates (fractions of notional; a negative maker rate is a rebate); replace feeRate. */
    feeMaker: z.number().finite().optional(),
    feeTaker: z.number().finite().nonnegative().optional(),
    /** Smallest fee per fill. */
    feeMinimum: z.number().finite().nonnegative().optional(),
    /** Seed of every random model (random slippage). */
    seed: z.number().int().default(1),
  })
  .strict()
  .refine((e) => (e.feeMaker === undefined) === (e.feeTaker === undefined), { message: 'give both feeMaker and feeTaker', path: ['feeTaker'] });

export type ExecutionConfig = z.infer<typeof ExecutionConfigSchema>;

const isoTime = z.string().refine((s) => parseIsoTime(s) !== undefined, { message: 'not an ISO 8601 date or date-time' });

/**
 * Settings of one backtest run. The same object comes from `--config FILE`
 * (JSON) and from command-line flags; flags override the file.
 */
export const RunConfigSchema = z
  .object({
    strategy: z.string().min(1),
    /** CSV files (bars, quotes, trades, L2 books); with `catalog`, may be empty. */
    data: z.array(z.string().min(1)).default([]),
    /** A Parquet catalog (folder or s3:// URI) to read the symbols of `symbol` from (docs/catalog.md). */
    catalog: z.string().min(1).optional(),
    /** Catalog runs: replay from the binary column cache, filling it on the first run. */
    cache: z.boolean().optional(),
    /** One symbol for all files, or one per file in order. */
    symbol: z.array(z.string().min(1)).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    /** The trading window: bars before tradeFrom warm the strategy up but trade nothing; nothing after tradeTo is replayed, and open positions close at its last close. */
    tradeFrom: isoTime.optional(),
    tradeTo: isoTime.optional(),
    cash: z.number().finite().nonnegative().default(100_000),
    feeRate: z.number().finite().nonnegative().optional(),
    feePerUnit: z.number().finite().nonnegative().optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    onInvalid: z.enum(['fail', 'skip']).default('fail'),
    /** An order book's sequence gap or crossed book: stop (default; 'warn' under onInvalid 'skip') or warn and replay the rows as written. */
    onGap: z.enum(['fail', 'warn'], { message: 'expected fail or warn' }).optional(),
    out: z.string().min(1).default('runs/latest'),
    /** Rows of the equity curve: every time step (default) or the last step of each UTC day (bounded memory on long intraday runs). */
    equitySampling: z.enum(['step', 'day'], { message: 'expected step or day' }).optional(),
    /** Bars of history kept per instrument for ctx.bars(). */
    history: z.number().int().positive().default(10_000),
    timezone: z.string().optional(),
    execution: ExecutionConfigSchema.default(ExecutionConfigSchema.parse({})),
    /** Interest on cash and borrow fees on short stock: annual rates, accrued daily (act/365). */
    account: z
      .object({
        /** The account's currency (default USD); instruments quoted in another need its pair in the data. */
        currency: z.string().min(1).optional(),
        interestRate: z.number().finite().optional(),
        borrowRate: z.number().finite().nonnegative().optional(),
        /** Above 1: a margin account (orders need 1/leverage of the notional they open). */
        leverage: z.number().min(1).optional(),
        /** Margin account: equity must stay above this fraction of gross exposure (default 0.25). */
        maintenanceMargin: z.number().min(0).max(1).optional(),
        /** 'netting' (default): one position per instrument; 'hedging': a long and a short leg per instrument, each order names one (docs/risk.md). */
        positionMode: z.enum(['netting', 'hedging']).optional(),
      })
      .strict()
      .optional(),
    /** Pre-trade risk limits and the kill switch (docs/risk.md). */
    risk: RiskLimits.optional(),
    /** Settings for every instrument of the run (flags --multiplier, --margin, --tick-size, --lot-size, --currency, --kind). */
    instrument: InstrumentSettingsSchema.optional(),
    /** Settings per symbol, over `instrument`. */
    instruments: z.array(InstrumentSettingsSchema.extend({ symbol: z.string().min(1) })).optional(),
    /** How to read data files whose format is not detected (applies to every file; detection fills the rest). */
    format: csvFormatOptionsSchema.optional(),
    /**
     * Corporate-action adjustment of bar prices (docs/corporate-actions.md):
     * 'splits' or 'all' (splits and dividends). Absent or 'none': prices as
     * written.
     */
    adjust: z.enum(ADJUST_MODES, { message: 'expected none, splits or all' }).optional(),
    /** Actions file (CSV date,symbol,type,value) for `adjust`; without it, 'all' reads the data's Adj Close column. */
    actions: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => c.feeRate === undefined || c.feePerUnit === undefined, {
    message: 'give either a fee rate or a fee per unit, not both',
    path: ['feePerUnit'],
  })
  .superRefine((c, ctx) => {
    // One fee model: maker/taker rates would replace the other two unseen (feeMinimum is a floor over any of them).
    const other = c.feeRate !== undefined ? 'feeRate' : c.feePerUnit !== undefined ? 'feePerUnit' : undefined;
    const makerTaker = c.execution.feeMaker !== undefined ? 'feeMaker' : c.execution.feeTaker !== undefined ? 'feeTaker' : undefined;
    if (other !== undefined && makerTaker !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['execution', makerTaker], message: `give either ${other} or execution.feeMaker/feeTaker, not both` });
    }
  })
  .refine((c) => c.data.length > 0 || c.catalog !== undefined, { message: 'give data files or a catalog', path: ['data'] })
  .refine((c) => c.catalog === undefined || (c.symbol !== undefined && c.symbol.length > 0), {
    message: 'a catalog run needs the symbols to read (--symbol, repeatable)',
    path: ['symbol'],
  })
  .refine((c) => c.cache !== true || c.catalog !== undefined, { message: 'the column cache is for catalog runs', path: ['cache'] })
  .refine((c) => c.catalog !== undefined || c.symbol === undefined || c.symbol.length === 1 || c.symbol.length === c.data.length, {
    message: 'give one symbol, or one per data file',
    path: ['symbol'],
  })
  .refine((c) => c.actions === undefined || (c.adjust !== undefined && c.adjust !== 'none'), {
    message: 'an actions file is used only with adjust splits or all',
    path: ['actions'],
  })
  .refine((c) => c.adjust !== 'splits' || c.actions !== undefined, {
    message: 'split-only adjustment needs an actions file (the Adj Close column mixes splits and dividends)',
    path: ['adjust'],
  });

export type RunConfig = z.infer<typeof RunConfigSchema>;

/** Validates raw settings; every problem becomes an issue naming its field. */
export function parseRunConfig(raw: unknown, file?: string): RunConfig {
  const parsed = RunConfigSchema.safeParse(raw);
  if (parsed.success) {
    const c = parsed.data;
    if (c.from !== undefined && c.to !== undefined && (parseIsoTime(c.from) as number) > (parseIsoTime(c.to, 'end') as number)) {
      throw new InputError({ code: 'invalid_config', ...(file !== undefined ? { file } : {}), field: 'from', value: c.from, message: `from is after to (${c.to})` });
    }
    if (c.tradeFrom !== undefined && c.tradeTo !== undefined && (parseIsoTime(c.tradeFrom) as number) > (parseIsoTime(c.tradeTo, 'end') as number)) {
      throw new InputError({
        code: file !== undefined ? 'invalid_config' : 'invalid_option',
        ...(file !== undefined ? { file } : {}),
        field: file !== undefined ? 'tradeFrom' : '--trade-from',
        value: c.tradeFrom,
        message: `the trading window starts after it ends (${file !== undefined ? 'tradeTo' : '--trade-to'} ${c.tradeTo})`,
      });
    }
    return c;
  }
  const issues: Issue[] = parsed.error.issues.flatMap((issue) => {
    // An unknown key is reported at itself, with its own value (not the whole object that holds it).
    const keys = issue.code === 'unrecognized_keys' ? ((issue as { keys?: string[] }).keys ?? []) : [];
    return keys.length > 0 ? keys.map((key) => ({ ...issue, path: [...issue.path, key], message: `unknown setting '${key}'` })) : [issue];
  }).map((i) => {
    const field = i.path.map(String).join('.');
    const value = valueAt(raw, i.path);
    return {
      code: file !== undefined ? ('invalid_config' as const) : ('invalid_option' as const),
      ...(file !== undefined ? { file } : {}),
      ...(field !== '' ? { field } : {}),
      ...(value !== undefined ? { value } : {}),
      message: i.message,
    };
  });
  throw new InputError(issues);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  let v: unknown = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Reads a JSON config file into raw settings (validated later, merged with flags). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    const message = code === 'ENOENT' ? 'config file not found' : fileIssue(path, e).message;
    throw new InputError({ code: 'file_not_found', file: path, field: '--config', message });
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new InputError({ code: 'invalid_config', file: path, message: `not a JSON object: ${e instanceof Error ? e.message : String(e)}` });
  }
}
