import { CsvFeed } from './csv-feed.js';
import type { CsvFormat } from './format.js';
import { detectCsvFormatWith } from './detect.js';
import { formatPart, parseCsvFeedOptions, parseCsvFormatOptions, readSettings, type CsvFeedOptions, type CsvFormatOptions } from './options.js';

/**
 * Opens a CSV file of bars, quotes or trades as a MarketFeed. The layout is
 * detected from the header and first rows; `options` override detection
 * field by field and say how to treat bad rows and which time window to keep.
 * Throws InputError for a missing, empty or unrecognisable file, bad options,
 * and (under the default `onInvalid: 'fail'`) at the first bad row.
 */
export function openCsvFeed(path: string, options: CsvFeedOptions = {}): CsvFeed {
  const opts = parseCsvFeedOptions(options);
  const format = detectCsvFormat(path, formatPart(opts));
  return new CsvFeed(path, format, readSettings(opts));
}

/**
 * Works out how a CSV file is laid out from its header and first data rows,
 * then applies `options` field by field. Throws InputError: 'file_not_found',
 * 'empty_file', 'unknown_format' (nothing recognisable and no options saying
 * what it is), 'missing_column', 'invalid_option'.
 */
export function detectCsvFormat(path: string, options: CsvFormatOptions = {}): CsvFormat {
  return detectCsvFormatWith(path, parseCsvFormatOptions(options));
}
