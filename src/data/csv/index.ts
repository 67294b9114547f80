export { CsvFeed } from './csv-feed.js';
export { openCsvFeed } from './open.js';
export { detectCsvFormat } from './open.js';
export type { CsvFormat, CsvColumnIndexes } from './format.js';
export {
  CSV_FIELDS,
  csvFormatOptionsSchema,
  csvFeedOptionsSchema,
  parseCsvFormatOptions,
  safeParseCsvFormatOptions,
  parseCsvFeedOptions,
  safeParseCsvFeedOptions,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_CAPACITY,
} from './options.js';
export type { CsvField, CsvColumnRef, CsvFormatOptions, CsvFeedOptions } from './options.js';
export { parseDecimal } from './decimal.js';
export { TimestampParser, guessTimeFormat, TIME_FORMATS, type TimeFormat } from './timestamp.js';
export { Zone } from './timezone.js';
export { symbolFromFileName } from './symbol.js';
