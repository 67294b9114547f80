import { z } from 'zod';
import { InputError, fail, ok, type Issue, type Result } from '../../core/errors.js';
import type { Micros } from '../../core/time.js';
import { TIME_FORMATS } from './timestamp.js';
import { Zone } from './timezone.js';

import { CSV_FIELDS, type CsvField } from './format.js';

export { CSV_FIELDS, type CsvField };

/** A column by its header name (any letter case) or by 0-based index. */
const columnRef = z.union([z.string().min(1), z.number().int().nonnegative()]);
export type CsvColumnRef = z.infer<typeof columnRef>;

const columnsSchema = z
  .object(Object.fromEntries(CSV_FIELDS.map((f) => [f, columnRef.optional()])) as Record<CsvField, z.ZodOptional<typeof columnRef>>)
  .strict();

const timezoneSchema = z.string().refine((tz) => Zone.parse(tz) !== undefined, {
  message: "not a timezone: give 'UTC', an offset like '-05:00', 'EST' (fixed UTC-5) or an IANA name like 'America/New_York'",
});

/**
 * Describes a CSV layout; every field is optional and overrides what format
 * detection found, field by field.
 */
export const csvFormatOptionsSchema = z
  .object({
    kind: z.enum(['bar', 'quote', 'trade']).optional(),
    hasHeader: z.boolean().optional(),
    delimiter: z
      .string()
      .length(1)
      .refine((d) => d !== '\n' && d !== '\r' && d !== '"', 'a delimiter cannot be a line break or a quote')
      .optional(),
    /** Where each field is: a header name or a 0-based index. */
    columns: columnsSchema.optional(),
    /** How the time field is written; 'auto' (default) guesses from the first data row. */
    timeFormat: z.enum([...TIME_FORMATS, 'auto']).optional(),
    /** Zone of wall-clock times that carry no offset. Default 'UTC' ('EST' for HistData). */
    timezone: timezoneSchema.optional(),
    symbol: z.string().min(1).optional(),
    /** Prices are bids or asks (quote bars) or trades; default from a -bid / -ask file name, else trade. */
    priceSide: z.enum(['bid', 'ask', 'trade']).optional(),
    /**
     * Whether rows may share a timestamp. Default: yes for quotes, trades and
     * tick bars (sub-second stamps), no for other bars.
     */
    allowDuplicateTime: z.boolean().optional(),
  })
  .strict();
export type CsvFormatOptions = z.infer<typeof csvFormatOptionsSchema>;

const micros = z.number().int().refine(Number.isSafeInteger, 'not a safe integer');

/** Options of openCsvFeed: a format description plus how to read. */
export const csvFeedOptionsSchema = csvFormatOptionsSchema
  .extend({
    /** 'fail' (default): throw InputError at the first bad row. 'skip': drop it and record it in `skipped`. */
    onInvalid: z.enum(['fail', 'skip']).optional(),
    /** Called with each skipped row's issue as it is found (under 'skip'). */
    onIssue: z.custom<(issue: Issue) => void>((v) => typeof v === 'function', 'must be a function').optional(),
    /** Keep rows with time >= from (Micros, inclusive). */
    from: micros.optional(),
    /** Keep rows with time <= to (Micros, inclusive). */
    to: micros.optional(),
    /** Bytes read per read call (default 1 MiB); grows if one line is longer. */
    chunkBytes: z.number().int().min(1).optional(),
    /** Rows per chunk handed out by next() (default 8192). */
    capacity: z.number().int().min(1).optional(),
  })
  .strict();
export type CsvFeedOptions = z.infer<typeof csvFeedOptionsSchema>;

export interface CsvReadSettings {
  readonly onInvalid: 'fail' | 'skip';
  readonly onIssue: ((issue: Issue) => void) | undefined;
  readonly from: Micros;
  readonly to: Micros;
  readonly chunkBytes: number;
  readonly capacity: number;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;
export const DEFAULT_CAPACITY = 8192;

function toIssues(error: z.ZodError, what: string, input: unknown): Issue[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    const value = valueAt(input, i.path);
    return {
      code: 'invalid_option' as const,
      message: `${what}${path ? ` '${path}'` : ''}: ${i.message}`,
      ...(path ? { field: path } : {}),
      ...(value !== undefined ? { value } : {}),
    };
  });
}

/** The option's value at a path of the input, as text, when it is a plain value (a string, number or boolean). */
function valueAt(input: unknown, path: readonly PropertyKey[]): string | undefined {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

export function safeParseCsvFormatOptions(input: unknown): Result<CsvFormatOptions> {
  const r = csvFormatOptionsSchema.safeParse(input ?? {});
  return r.success ? ok(r.data) : fail(toIssues(r.error, 'CSV format option', input));
}

/** Validates format options; throws InputError ('invalid_option') listing every problem. */
export function parseCsvFormatOptions(input: unknown): CsvFormatOptions {
  const r = safeParseCsvFormatOptions(input);
  if (!r.ok) throw new InputError(r.issues);
  return r.value;
}

export function safeParseCsvFeedOptions(input: unknown): Result<CsvFeedOptions> {
  const r = csvFeedOptionsSchema.safeParse(input ?? {});
  return r.success ? ok(r.data) : fail(toIssues(r.error, 'CSV option', input));
}

export function parseCsvFeedOptions(input: unknown): CsvFeedOptions {
  const r = safeParseCsvFeedOptions(input);
  if (!r.ok) throw new InputError(r.issues);
  return r.value;
}

export function readSettings(options: CsvFeedOptions): CsvReadSettings {
  return {
    onInvalid: options.onInvalid ?? 'fail',
    onIssue: options.onIssue,
    from: options.from ?? -Infinity,
    to: options.to ?? Infinity,
    chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    capacity: options.capacity ?? DEFAULT_CAPACITY,
  };
}

/** The format options within feed options (the rest is about reading). */
export function formatPart(options: CsvFeedOptions): CsvFormatOptions {
  const { onInvalid: _a, onIssue: _b, from: _c, to: _d, chunkBytes: _e, capacity: _f, ...format } = options;
  return format;
}
