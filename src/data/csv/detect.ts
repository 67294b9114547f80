import { closeSync, readSync } from 'node:fs';
import { openDataFile } from '../data-file.js';
import { lineBreaks } from '../chunked-lines.js';
import { InputError, type Issue } from '../../core/errors.js';
import { REQUIRED_FIELDS, noColumns, type CsvColumnIndexes, type CsvFormat, type CsvKind } from './format.js';
import { kindOfHeader, looksLikeOrderBook, mapHeader, normalizeName } from './header.js';
import { CSV_FIELDS, type CsvField } from './format.js';
import type { CsvColumnRef, CsvFormatOptions } from './options.js';
import { priceSideFromFileName, symbolFromFileName } from './symbol.js';
import { TimestampParser, guessTimeFormat, looksLikeTimeOfDay, type TimeFormat } from './timestamp.js';

/** Bytes read from the head of a file to detect its format (more if the first line is longer). */
const SAMPLE_BYTES = 16 * 1024;
const MAX_SAMPLE_BYTES = 1 << 20;
/** Lines of the sample that detection looks at. */
const SAMPLE_LINES = 100;
const SHOWN_CHARS = 200;

interface SampleLine {
  readonly text: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

/**
 * detectCsvFormat with its options validated already (by parseCsvFormatOptions):
 * this module stays free of the option schemas (zod), for worker threads.
 */
export function detectCsvFormatWith(path: string, opts: CsvFormatOptions): CsvFormat {
  const lines = readSampleLines(path);
  const first = lines[0];
  if (first === undefined) throw new InputError({ code: 'empty_file', file: path, message: 'the file has no lines' });

  const delimiter = opts.delimiter ?? guessDelimiter(first.text);
  const firstFields = splitFields(first.text, delimiter);
  const hasHeader = opts.hasHeader ?? !looksLikeDataRow(firstFields);
  const dataLines = hasHeader ? lines.slice(1) : lines;
  const firstRow = dataLines[0] === undefined ? undefined : splitFields(dataLines[0].text, delimiter);

  let names: string[] = hasHeader ? firstFields.map((n) => n.trim()) : [];
  // A header one name short whose rows carry a time of day in field 2
  // (`Date,Open,...` over `2006-01-02,09:01:00,...`): date and time are split.
  const split =
    hasHeader && firstRow !== undefined && firstRow.length === names.length + 1 && looksLikeTimeOfDay(firstRow[1] ?? '');
  if (split) names = [names[0]!, 'Time', ...names.slice(1)];

  const unknown = (message: string): InputError =>
    new InputError({
      code: 'unknown_format',
      file: path,
      line: first.line,
      value: shorten(first.text),
      message: `${message}. ${OPTIONS_HINT}`,
    });

  let kind: CsvKind | undefined = opts.kind;
  let columns = noColumns();
  // Whether detection recognised the layout (else options described it: 'custom').
  let recognised = false;
  let timezone: string | undefined;
  if (hasHeader) {
    if (looksLikeOrderBook(names) && opts.columns === undefined) {
      throw unknown('this looks like order-book data (levels and updates), which is not a bar, quote or trade feed');
    }
    kind ??= kindOfHeader(names);
    if (kind !== undefined) {
      columns = { ...mapHeader(names, kind) };
      if (split) Object.assign(columns, { time: -1, date: 0, timeOfDay: 1 });
      recognised = kindOfHeader(names) === kind;
    }
  } else if (firstRow !== undefined && isHistData(firstRow) && (kind === undefined || kind === 'quote')) {
    kind = 'quote';
    names = firstRow.length === 4 ? ['time', 'bid', 'ask', 'volume'] : ['time', 'bid', 'ask'];
    Object.assign(columns, { time: 0, bid: 1, ask: 2 });
    recognised = true;
    timezone = 'EST';
  }
  if (kind === undefined) throw unknown(`cannot tell what ${hasHeader ? 'this header' : 'these rows'} hold`);

  const fieldCount = hasHeader ? names.length : (firstRow?.length ?? maxIndex(opts.columns) + 1);
  if (opts.columns !== undefined) applyColumnOptions(columns, opts.columns, names, fieldCount, path);
  if (!hasHeader && !recognised) names = fieldNames(columns, fieldCount);

  const missing = missingFields(columns, kind);
  if (missing.length > 0) {
    throw new InputError({
      code: 'missing_column',
      file: path,
      line: first.line,
      value: shorten(first.text),
      message:
        `no column for ${missing.join(', ')} of a ${kind} row among ${names.length > 0 ? names.join(',') : `${fieldCount} unnamed fields`}; ` +
        `name ${missing.length > 1 ? 'them' : 'it'} in the 'columns' option (a header name or a 0-based index)`,
    });
  }

  const timeField = columns.time >= 0 ? columns.time : columns.date;
  const timeFormat: TimeFormat =
    opts.timeFormat !== undefined && opts.timeFormat !== 'auto'
      ? opts.timeFormat
      : (guessTimeFormat(firstRow?.[timeField] ?? '') ?? 'iso');
  if (timeFormat.startsWith('epoch') && columns.time < 0) {
    throw new InputError({
      code: 'invalid_option',
      file: path,
      field: 'timeFormat',
      value: timeFormat,
      message: 'epoch times need a single time column, not a date and a time of day',
    });
  }
  timezone = opts.timezone ?? timezone ?? 'UTC';

  const rows = dataLines.map((l) => splitFields(l.text, delimiter)).filter((r) => r.length === fieldCount);
  const name = recognised
    ? formatName(kind, { split, hasHeader, names, columns, subSecond: hasSubSecondTimes(rows, columns, timeFormat) })
    : 'custom';

  const symbolText = columns.symbol >= 0 ? firstRow?.[columns.symbol]?.trim() : undefined;
  return {
    name,
    kind,
    hasHeader,
    delimiter,
    columnNames: names,
    fieldCount,
    columns,
    timeFormat,
    timezone,
    symbol: opts.symbol ?? (symbolText !== undefined && symbolText !== '' ? symbolText : symbolFromFileName(path)),
    allowDuplicateTime: opts.allowDuplicateTime ?? (kind !== 'bar' || name === 'tick-bars'),
    priceSide: opts.priceSide ?? priceSideFromFileName(path),
  };
}

const OPTIONS_HINT =
  "Describe the layout with options: kind ('bar' | 'quote' | 'trade'); columns { time (or date + timeOfDay), " +
  'open, high, low, close, volume | bid, ask, bidSize, askSize | price, size, side } as header names or 0-based ' +
  "indexes; hasHeader; delimiter; timeFormat ('iso' | 'compact' | 'epoch_s' | 'epoch_ms' | 'epoch_us' | 'epoch_ns'); timezone";

function formatName(
  kind: CsvKind,
  f: { split: boolean; hasHeader: boolean; names: readonly string[]; columns: CsvColumnIndexes; subSecond: boolean },
): string {
  const tardis = f.names.some((n) => normalizeName(n) === 'localtimestamp');
  switch (kind) {
    case 'bar':
      if (f.split) return 'date-time-split-bars';
      if (f.columns.adjClose >= 0) return 'yahoo-daily';
      return f.subSecond ? 'tick-bars' : 'generic-bars';
    case 'quote':
      if (!f.hasHeader) return 'histdata-quotes';
      return tardis ? 'tardis-quotes' : 'generic-quotes';
    case 'trade':
      return tardis ? 'tardis-trades' : 'generic-trades';
  }
}

/**
 * Bars stamped at irregular fractions of a second are tick bars (one print
 * each); two prints in the same millisecond then legitimately share a time.
 */
function hasSubSecondTimes(rows: readonly string[][], columns: CsvColumnIndexes, timeFormat: TimeFormat): boolean {
  if (columns.time < 0) return false;
  const parser = new TimestampParser(timeFormat);
  const times: number[] = [];
  for (const row of rows) {
    const bytes = Buffer.from(row[columns.time] ?? '', 'latin1');
    const t = parser.parse(bytes, 0, bytes.length);
    if (Number.isFinite(t)) times.push(t);
  }
  const subSecond = times.some((t) => t % 1_000_000 !== 0 && (t + 1) % 86_400_000_000 !== 0);
  const steps = new Set(times.slice(1).map((t, i) => t - times[i]!));
  return subSecond && steps.size > 1;
}

/** HistData's headerless `YYYYMMDD HHMMSSfff,bid,ask[,volume]`. */
function isHistData(row: readonly string[]): boolean {
  return (
    (row.length === 3 || row.length === 4) &&
    /^\d{8} \d{6,9}$/.test(row[0]!.trim()) &&
    row.slice(1).every((f) => f.trim() !== '' && !Number.isNaN(Number(f)))
  );
}

function looksLikeDataRow(fields: readonly string[]): boolean {
  return (
    fields.length >= 2 &&
    guessTimeFormat(fields[0] ?? '') !== undefined &&
    fields.slice(1).some((f) => f.trim() !== '' && !Number.isNaN(Number(f)))
  );
}

function applyColumnOptions(
  columns: Record<CsvField, number>,
  refs: Partial<Record<CsvField, CsvColumnRef | undefined>>,
  names: readonly string[],
  fieldCount: number,
  path: string,
): void {
  const norm = names.map(normalizeName);
  for (const field of CSV_FIELDS) {
    const ref = refs[field];
    if (ref === undefined) continue;
    let index: number;
    if (typeof ref === 'number') index = ref;
    else {
      index = names.indexOf(ref);
      if (index < 0) index = norm.indexOf(normalizeName(ref));
    }
    if (index < 0 || index >= fieldCount) {
      const shown = names.length > 0 ? names.join(',') : `${fieldCount} unnamed fields`;
      throw new InputError({
        code: 'missing_column',
        file: path,
        field,
        value: String(ref),
        message: `option columns.${field}: no such column (the rows have ${shown})`,
      });
    }
    columns[field] = index;
  }
  // A single time column and a date + time-of-day pair exclude each other.
  if (refs.time !== undefined && refs.date === undefined) {
    columns.date = -1;
    columns.timeOfDay = -1;
  } else if (refs.date !== undefined && refs.time === undefined) {
    columns.time = -1;
  }
}

function missingFields(columns: CsvColumnIndexes, kind: CsvKind): string[] {
  const missing: string[] = [];
  if (columns.time < 0 && (columns.date < 0 || columns.timeOfDay < 0)) {
    missing.push(columns.date >= 0 ? 'timeOfDay' : 'time');
  }
  for (const f of REQUIRED_FIELDS[kind]) if (columns[f] < 0) missing.push(f);
  return missing;
}

function fieldNames(columns: CsvColumnIndexes, fieldCount: number): string[] {
  const names = Array.from({ length: fieldCount }, (_, i) => `field${i + 1}`);
  for (const field of CSV_FIELDS) {
    const i = columns[field];
    if (i >= 0 && i < fieldCount) names[i] = field;
  }
  return names;
}

function maxIndex(refs: Partial<Record<CsvField, CsvColumnRef | undefined>> | undefined): number {
  let max = -1;
  for (const ref of Object.values(refs ?? {})) if (typeof ref === 'number' && ref > max) max = ref;
  return max;
}

function guessDelimiter(line: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    const count = line.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Splits a line into fields, dropping the quotes around quoted fields. */
export function splitFields(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      const close = line.indexOf('"', i + 1);
      const end = line.indexOf(delimiter, close < 0 ? line.length : close + 1);
      fields.push(line.slice(i + 1, close < 0 ? line.length : close));
      if (end < 0) break;
      i = end + 1;
    } else {
      const end = line.indexOf(delimiter, i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      if (end < 0) break;
      i = end + 1;
    }
  }
  return fields;
}

/** The first non-blank lines of the file, without BOM and line ends. */
function readSampleLines(path: string): SampleLine[] {
  const fd = openDataFile(path);
  let size = SAMPLE_BYTES;
  let buffer: Buffer;
  let n: number;
  try {
    for (;;) {
      buffer = Buffer.allocUnsafe(size);
      n = readSync(fd, buffer, 0, size, 0);
      if (n < size || buffer.indexOf(10) >= 0 || buffer.indexOf(13) >= 0 || size >= MAX_SAMPLE_BYTES) break;
      size *= 4;
    }
  } finally {
    closeSync(fd);
  }
  if (n === 0) throw new InputError({ code: 'empty_file', file: path, message: 'the file is empty' });
  let text = buffer.toString('utf8', 0, n);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Lines ending in CR alone (old Mac files) are read as the feed reads them: each CR a line end.
  if (lineBreaks(buffer, 0, n, n < size) === 'cr') text = text.replaceAll('\r', '\n');
  const raw = text.split('\n', SAMPLE_LINES * 2);
  // Drop a line cut by the end of the sample.
  if (n === size && raw.length > 1 && raw.length < SAMPLE_LINES * 2) raw.pop();
  const lines: SampleLine[] = [];
  raw.forEach((l, i) => {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (t.trim() !== '' && lines.length < SAMPLE_LINES) lines.push({ text: t, line: i + 1 });
  });
  return lines;
}

function shorten(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}...` : text;
}
