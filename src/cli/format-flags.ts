import type { Command } from 'commander';
import { InputError } from '../core/errors.js';

/** Flags that describe a CSV layout detection does not know. */
export interface FormatFlags {
  kind?: string;
  columns?: string;
  timeFormat?: string;
  delimiter?: string;
  header?: boolean;
  timezone?: string;
}

export function addFormatFlags(cmd: Command): Command {
  return cmd
    .option('--kind <kind>', 'what the rows are: bar, quote or trade (overrides detection)')
    .option('--columns <map>', "where fields are: 'time=Date,open=O,close=C' (header names or 0-based indexes)")
    .option('--time-format <fmt>', 'iso, compact (YYYYMMDD HHMMSSfff), epoch_s, epoch_ms, epoch_us or epoch_ns')
    .option('--delimiter <char>', 'field delimiter (default ,)')
    .option('--no-header', 'the file has no header line')
    .option('--timezone <tz>', 'time zone of timestamps without one (UTC, EST, -05:00, America/New_York)');
}

/** The CSV format options the flags give (only those given), for zod to validate. */
export function formatFromFlags(flags: FormatFlags): Record<string, unknown> | undefined {
  const f: Record<string, unknown> = {};
  if (flags.kind !== undefined) f.kind = flags.kind;
  if (flags.timeFormat !== undefined) f.timeFormat = flags.timeFormat;
  if (flags.delimiter !== undefined) f.delimiter = flags.delimiter === '\\t' ? '\t' : flags.delimiter;
  if (flags.header === false) f.hasHeader = false;
  if (flags.columns !== undefined) {
    const cols: Record<string, string | number> = {};
    for (const pair of flags.columns.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new InputError({ code: 'invalid_option', field: '--columns', value: pair, message: 'expected FIELD=COLUMN' });
      const col = pair.slice(eq + 1).trim();
      cols[pair.slice(0, eq).trim()] = /^\d+$/.test(col) ? Number(col) : col;
    }
    f.columns = cols;
  }
  return Object.keys(f).length > 0 ? f : undefined;
}
