import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { writeOutputFileAsync } from '../../core/output-file.js';
import { isBookFile } from '../../backtest/run.js';
import { InputError, formatIssue, type Issue } from '../../core/errors.js';
import { parseIsoTime } from '../../core/time.js';
import {
  datasetInfo,
  describeDataset,
  expandDataPaths,
  exportDataset,
  findDatasets,
  refuseOutputInCatalog,
  importFeed,
  openBookFeed,
  CsvWorkerFeed,
  parseCsvFormatOptions,
  queryCatalog,
  sha256File,
  summarizeCatalog,
  OUTLIER_SIGMAS,
  type DatasetInfo,
  type DatasetKey,
  type ImportReport,
} from '../../data/index.js';
import type { MarketFeed } from '../../model/market.js';
import type { FormatFlags } from '../format-flags.js';
import { addFormatFlags, formatFromFlags } from '../format-flags.js';
import type { CliIO } from '../io.js';

const DEFAULT_CATALOG = './catalog';

interface ImportFlags extends FormatFlags {
  catalog?: string;
  symbol?: string;
  onInvalid?: string;
  onConflict?: string;
  lockTimeout?: string;
  progress?: boolean;
}

function secondsFlag(flag: string, text: string | undefined, def: number): number {
  if (text === undefined) return def;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'expected a number of seconds >= 0' });
  return v;
}

function choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], def: T): T {
  if (value === undefined) return def;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError({ code: 'invalid_option', field: flag, value, message: `expected ${allowed.join(' or ')}` });
  }
  return value as T;
}

function timeFlag(flag: string, text: string | undefined, end: 'start' | 'end'): number | undefined {
  if (text === undefined) return undefined;
  const t = parseIsoTime(text, end);
  if (t === undefined) throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'not an ISO 8601 date or time' });
  return t;
}

/** One line per import: what went where, and what was found. */
function importLine(r: ImportReport): string {
  const set = describeDataset({ kind: r.kind, symbol: r.symbol, ...(r.side !== undefined ? { side: r.side } : {}) });
  if (r.alreadyImported) return `${r.source} -> ${set}: already imported (same content), 0 rows added\n`;
  const parts = [`${r.rows} rows`, `${r.added} added`];
  if (r.duplicates > 0) parts.push(`${r.duplicates} already in the catalog (identical, skipped)`);
  if (r.conflicts > 0) {
    parts.push(`${r.conflicts} already in the catalog with other values (${r.onConflict === 'keep' ? "the catalog's kept" : 'replaced'})`);
  }
  if (r.invalid > 0) parts.push(`${r.invalid} invalid skipped`);
  const gaps = r.sequenceGaps ?? 0;
  const crossed = r.crossedBooks ?? 0;
  if (gaps + crossed > 0) {
    parts.push(`${[gaps > 0 ? `${gaps} sequence gap${gaps === 1 ? '' : 's'}` : '', crossed > 0 ? `${crossed} crossed book${crossed === 1 ? '' : 's'}` : ''].filter((x) => x !== '').join(' and ')} (stored as written; warning below)`);
  }
  const range = r.first !== null ? ` [${r.first} .. ${r.last}]` : '';
  return `${r.source} -> ${set}: ${parts.join(', ')}${range}\n`;
}

/** `data import`, `data ls`, `data info`, `data query`, `data export` over a Parquet catalog. */
export function registerCatalogCommands(data: Command, io: CliIO, done: (code: number) => void): void {
  const imp = data
    .command('import')
    .description('validate data files and add their rows to a Parquet catalog (idempotent: rows already there are not added again)')
    .argument('<files...>', 'CSV files (bars, quotes, trades) and L2 book files (a snapshot and its updates make one book); a folder stands for its .csv files')
    .option('--catalog <dir>', `catalog folder (default ${DEFAULT_CATALOG}; created if missing)`)
    .option('--symbol <symbol>', 'symbol, when the file names do not give it')
    .option('--on-invalid <mode>', 'a bad row: fail (default, nothing is imported from that file) or skip')
    .option('--on-conflict <mode>', "a row already in the catalog with other values: keep (default, the catalog's) or replace")
    .option('--lock-timeout <seconds>', 'how long to wait while another process writes to the catalog (default 600; 0: fail at once)')
    .option('--no-progress', 'no progress bar');
  addFormatFlags(imp).action(async (files: string[], flags: ImportFlags) => {
    const root = flags.catalog ?? DEFAULT_CATALOG;
    const lockTimeoutMs = secondsFlag('--lock-timeout', flags.lockTimeout, 600) * 1000;
    const onInvalid = choice('--on-invalid', flags.onInvalid, ['fail', 'skip'] as const, 'fail');
    const onConflict = choice('--on-conflict', flags.onConflict, ['keep', 'replace'] as const, 'keep');
    const format = parseCsvFormatOptions({ ...formatFromFlags(flags), ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}) });
    const skipped: Issue[] = [];
    const onIssue = (i: Issue): void => {
      skipped.push(i);
    };
    const warnings: Issue[] = [];
    const onWarning = (i: Issue): void => {
      warnings.push(i);
    };
    // Book files of one symbol are one source; every other file is its own.
    const sources: { name: string; paths: string[]; open: () => MarketFeed }[] = [];
    const books = new Map<string, string[]>();
    // A folder stands for the .csv files in it (not its subfolders), in name order.
    const paths = expandDataPaths(files, 'FILE', 'import');
    for (const path of paths) {
      if (!existsSync(path) || !statSync(path).isFile()) throw new InputError({ code: 'file_not_found', file: path, message: 'no such file' });
      if (isBookFile(path)) {
        const key = flags.symbol ?? '';
        books.set(key, [...(books.get(key) ?? []), path]);
        continue;
      }
      sources.push({
        name: basename(path),
        paths: [path],
        // Parsed on a worker thread, beside DuckDB writing the Parquet files.
        open: () => new CsvWorkerFeed(path, { ...format, onInvalid, onIssue, ...(flags.symbol !== undefined ? { symbol: flags.symbol } : {}) }, { blocks: 16 }),
      });
    }
    for (const [symbol, paths] of books) {
      sources.push({
        name: paths.map((p) => basename(p)).join(' + '),
        paths,
        // A sequence gap or a crossed book is a fact about the data: stored as written, told as a warning.
        open: () => openBookFeed(paths, { onInvalid, onIssue, onGap: 'warn', onWarning, ...(symbol !== '' ? { symbol } : {}) }),
      });
    }
    const showProgress = flags.progress !== false && io.stderr.isTTY === true && process.env.CI === undefined;
    let totalRows = 0;
    let added = 0;
    const started = performance.now();
    for (const src of sources) {
      // The feed first: a CSV starts parsing on its worker while the file is hashed here.
      const feed = src.open();
      let sha: string;
      try {
        sha = src.paths.length === 1 ? sha256File(src.paths[0] as string) : src.paths.map((p) => sha256File(p)).join('+');
      } catch (e) {
        feed.close();
        throw e;
      }
      const bytes = src.paths.reduce((a, p) => a + statSync(p).size, 0);
      const bar = showProgress
        ? new cliProgress.SingleBar(
            { stream: io.stderr as NodeJS.WritableStream, format: `${src.name} [{bar}] {percentage}% | {eta_formatted} left`, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      bar?.start(bytes, 0);
      const tick = bar !== undefined ? setInterval(() => bar.update((feed as { bytesRead?: number }).bytesRead ?? 0), 200) : undefined;
      let report: ImportReport;
      try {
        report = await importFeed(root, feed, {
          source: src.name,
          sha256: sha,
          onConflict,
          lock: { timeoutMs: lockTimeoutMs, onWait: (message) => io.stderr.write(`${message}\n`) },
        });
      } finally {
        if (tick !== undefined) clearInterval(tick);
        bar?.stop();
      }
      totalRows += report.alreadyImported ? 0 : report.rows;
      added += report.added;
      io.stdout.write(importLine(report));
      for (const i of warnings.splice(0)) io.stderr.write(`warning: ${formatIssue(i)}\n`);
    }
    for (const i of skipped) io.stderr.write(`skipped: ${formatIssue(i)}\n`);
    const seconds = (performance.now() - started) / 1000;
    io.stdout.write(`${added} rows added to ${root} (${totalRows} read in ${seconds.toFixed(2)} s)\n`);
    done(0);
  });

  data
    .command('ls')
    .description('list the data sets of a catalog: rows, files, size, time range')
    .option('--catalog <dir>', `catalog folder (default ${DEFAULT_CATALOG})`)
    .option('--json', 'print JSON')
    .action(async (flags: { catalog?: string; json?: boolean }) => {
      const list = await summarizeCatalog(flags.catalog ?? DEFAULT_CATALOG);
      if (flags.json === true) {
        io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      } else {
        const rows = list.map((d) => [describeDataset(d), String(d.rows), String(d.files), `${(d.bytes / 1024).toFixed(1)} KiB`, d.first ?? '', d.last ?? '']);
        io.stdout.write(table(['data set', 'rows', 'files', 'size', 'first', 'last'], rows));
      }
      done(0);
    });

  data
    .command('info')
    .description('time range, rows, gaps, duplicates and price outliers of a symbol in the catalog')
    .argument('<symbol>', 'symbol')
    .option('--catalog <dir>', `catalog folder (default ${DEFAULT_CATALOG})`)
    .option('--json', 'print JSON')
    .action(async (symbol: string, flags: { catalog?: string; json?: boolean }) => {
      const infos = await datasetInfo(flags.catalog ?? DEFAULT_CATALOG, symbol);
      io.stdout.write(flags.json === true ? `${JSON.stringify(infos, null, 2)}\n` : infos.map(infoText).join('\n'));
      done(0);
    });

  data
    .command('query')
    .description('run DuckDB SQL over the catalog; views: bars, quotes, trades, book (partition folders are columns: symbol, side, year, month)')
    .argument('<sql>', "e.g. \"SELECT symbol, count(*) FROM bars GROUP BY ALL\"")
    .option('--catalog <dir>', `catalog folder (default ${DEFAULT_CATALOG})`)
    .option('--csv', 'print CSV instead of a table')
    .option('--allow-write', 'let the SQL write files (COPY ... TO), attach databases and read files outside the catalog (read-only by default)')
    .action(async (text: string, flags: { catalog?: string; csv?: boolean; allowWrite?: boolean }) => {
      const r = await queryCatalog(flags.catalog ?? DEFAULT_CATALOG, text, { allowWrite: flags.allowWrite === true });
      if (flags.csv === true) {
        io.stdout.write(`${r.columns.map(csvCell).join(',')}\n`);
        for (const row of r.rows) io.stdout.write(`${row.map(csvCell).join(',')}\n`);
      } else io.stdout.write(table(r.columns, r.rows));
      done(0);
    });

  data
    .command('export')
    .description('write a data set of the catalog as CSV (ISO 8601 UTC times) or Parquet')
    .requiredOption('--symbol <symbol>', 'symbol')
    .requiredOption('--out <file>', 'file to write (.csv or .parquet), outside the catalog')
    .option('--catalog <dir>', `catalog folder (default ${DEFAULT_CATALOG})`)
    .option('--kind <kind>', 'bar, quote, trade or book (default: the only kind the symbol has)')
    .option('--side <side>', 'bars: trade, bid or ask (default: the only side the symbol has)')
    .option('--from <date>', 'first time (ISO 8601)')
    .option('--to <date>', 'last time (ISO 8601; a date includes the whole day)')
    .option('--format <fmt>', 'csv or parquet (default from the file name)')
    .action(async (flags: { symbol: string; out: string; catalog?: string; kind?: string; side?: string; from?: string; to?: string; format?: string }) => {
      const root = flags.catalog ?? DEFAULT_CATALOG;
      // Checked before anything is read or written: the flags, and an output that would land in the catalog.
      const kind = flags.kind === undefined ? undefined : choice('--kind', flags.kind, ['bar', 'quote', 'trade', 'book'] as const, 'bar');
      const side = flags.side === undefined ? undefined : choice('--side', flags.side, ['trade', 'bid', 'ask'] as const, 'trade');
      const format = flags.format === undefined ? undefined : choice('--format', flags.format, ['csv', 'parquet'] as const, 'csv');
      const from = timeFlag('--from', flags.from, 'start');
      const to = timeFlag('--to', flags.to, 'end');
      if (from !== undefined && to !== undefined && from > to) {
        throw new InputError({ code: 'invalid_option', field: '--from', value: flags.from as string, message: `is after --to (${flags.to as string})` });
      }
      refuseOutputInCatalog(root, flags.out);
      const all = await findDatasets(root, [flags.symbol]);
      const sets = all.filter((k) => (kind === undefined || k.kind === kind) && (side === undefined || k.side === side));
      const names = (keys: readonly DatasetKey[]): string => keys.map((k) => describeDataset(k)).join(', ');
      if (sets.length > 1) {
        throw new InputError({ code: 'invalid_option', field: '--symbol', value: flags.symbol, message: `several data sets match (${names(sets)}); choose with --kind / --side` });
      }
      if (sets.length === 0) {
        // The kind matched nothing, or else the side did not.
        const [flag, value] = all.some((k) => kind === undefined || k.kind === kind) ? ['--side', side as string] : ['--kind', kind as string];
        throw new InputError({ code: 'invalid_option', field: flag, value, message: `no such data set of ${flags.symbol} in the catalog (${flags.symbol} has ${names(all)})` });
      }
      const key = sets[0] as DatasetKey;
      const rows = await writeOutputFileAsync(flags.out, (target) =>
        exportDataset(root, key, target, {
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          // The temporary file's name ends like --out's, but the format is --out's in any case.
          format: format ?? (flags.out.endsWith('.parquet') ? 'parquet' : 'csv'),
        }).catch((e: unknown) => {
          throw duckdbWriteError(e);
        }),
      );
      io.stdout.write(`wrote ${rows} rows of ${describeDataset(key)} to ${flags.out}\n`);
      done(0);
    });
}

function infoText(d: DatasetInfo): string {
  const lines = [
    `${describeDataset(d)}`,
    `  range       ${d.first ?? '-'} .. ${d.last ?? '-'}`,
    `  rows        ${d.rows} in ${d.files} file(s), ${(d.bytes / 1024).toFixed(1)} KiB; ${d.imports} import(s)`,
    `  spacing     median ${d.spacing_seconds === null ? '-' : `${d.spacing_seconds} s`}`,
    `  gaps        ${d.gaps}${d.session_breaks > 0 ? ` (besides ${d.session_breaks} recurring session breaks)` : ''}${d.largest_gaps.length > 0 ? ` (largest: ${d.largest_gaps.map((g) => `${g.from} .. ${g.to}, ${g.hours} h`).join('; ')})` : ''}`,
    `  duplicates  ${d.duplicates_on_import} identical and ${d.conflicts_on_import} conflicting rows found on import; ${d.same_time_rows} rows share the previous row's time`,
    `  invalid     ${d.invalid_rows_skipped} rows skipped on import`,
    ...(d.sequence_gaps_on_import !== undefined
      ? [
          `  sequence    ${d.sequence_gaps_on_import} gap(s) and ${d.crossed_books_on_import ?? 0} crossed book(s) found on import (rows stored as written)${d.first_book_warning !== undefined ? `; first: ${d.first_book_warning}` : ''}`,
        ]
      : []),
    `  outliers    ${d.outliers} returns beyond ${OUTLIER_SIGMAS} robust sigmas${d.largest_outliers.length > 0 ? ':' : ''}`,
    ...d.largest_outliers.map((o) => `    ${o.time}  ${o.previous} -> ${o.price}  (${(o.return * 100).toFixed(2)}%, ${o.sigmas.toFixed(1)} sigmas)`),
  ];
  return `${lines.join('\n')}\n`;
}

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** A plain text table with aligned columns. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/**
 * DuckDB reports a failed write in its own words: a full disk or a denied
 * path become the system error they are, so the command line reports them
 * as such (one line, exit 1 or 2).
 */
function duckdbWriteError(e: unknown): unknown {
  const message = e instanceof Error ? e.message : String(e);
  const code = /No space left on device/i.test(message)
    ? 'ENOSPC'
    : /Disk quota exceeded/i.test(message)
      ? 'EDQUOT'
      : /Permission denied/i.test(message)
        ? 'EACCES'
        : /Read-only file system/i.test(message)
          ? 'EROFS'
          : undefined;
  return code === undefined ? e : Object.assign(new Error(message), { code });
}
