import type { Command } from 'commander';
import { addExact, decimalPlaces } from '../../core/decimal.js';
import { InputError, formatIssue, type Issue } from '../../core/errors.js';
import { formatIso, parseIsoTime, type Micros } from '../../core/time.js';
import { expandDataPaths, openBookFeed } from '../../data/index.js';
import { OrderBook, type BookLevels } from '../../model/order-book.js';
import { collect, integerFlag } from '../args.js';
import type { CliIO } from '../io.js';

interface BookFlags {
  data?: string[];
  depth?: string;
  at?: string;
  onInvalid?: string;
  onGap?: string;
  symbol?: string;
  json?: boolean;
}

const DEFAULT_DEPTH = 10;

export function registerBook(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('book')
    .description('replay order-book files (Binance depth, Tardis book snapshots) and print the L2 book at a time')
    .option('--data <file>', 'order-book file, or a folder of them; repeat for a snapshot and its updates (merged in time order)', collect)
    .option('--depth <n>', `levels shown per side (default ${DEFAULT_DEPTH})`)
    .option('--at <time>', 'replay events up to this time: ISO 8601, or epoch seconds, ms, µs or ns (default: to the end)')
    .option('--on-invalid <mode>', 'at a bad row: fail (default) or skip (report, count, go on); skip also sets --on-gap warn')
    .option('--on-gap <mode>', 'at a sequence gap or a crossed book: fail (default) or warn (report it and replay on, the rows as written)')
    .option('--symbol <symbol>', 'instrument name, when the files do not give one')
    .option('--json', 'print the book as JSON')
    .action((flags: BookFlags) => {
      // A folder stands for its .csv files (a snapshot and its updates, say), in name order.
      const files = expandDataPaths(flags.data ?? []);
      if (files.length === 0) throw new InputError({ code: 'invalid_option', field: '--data', message: 'give at least one order-book file' });
      const depth = flags.depth === undefined ? DEFAULT_DEPTH : integerFlag('--depth', flags.depth);
      if (depth < 1) throw new InputError({ code: 'invalid_option', field: '--depth', value: String(depth), message: 'must be at least 1' });
      const mode = flags.onInvalid ?? 'fail';
      if (mode !== 'fail' && mode !== 'skip') {
        throw new InputError({ code: 'invalid_option', field: '--on-invalid', value: mode, message: 'expected fail or skip' });
      }
      const gapMode = flags.onGap ?? (mode === 'skip' ? 'warn' : 'fail');
      if (gapMode !== 'fail' && gapMode !== 'warn') {
        throw new InputError({ code: 'invalid_option', field: '--on-gap', value: gapMode, message: 'expected fail or warn' });
      }
      const at = flags.at === undefined ? undefined : parseAt(flags.at);

      // Skipped rows and warnings, in the order found.
      const issues: Issue[] = [];
      const feed = openBookFeed(files, {
        onInvalid: mode,
        onGap: gapMode,
        onIssue: (i) => issues.push(i),
        onWarning: (i) => issues.push(i),
        ...(at !== undefined ? { to: at } : {}),
        ...(flags.symbol !== undefined ? { symbol: flags.symbol } : {}),
      });
      const book = new OrderBook(feed.symbol);
      try {
        for (let cols = feed.next(); cols !== null; cols = feed.next()) book.applyRows(cols);
      } catch (e) {
        if (e instanceof InputError) throw withHint(e);
        throw e;
      } finally {
        feed.close();
      }
      if (flags.json === true) {
        io.stdout.write(`${JSON.stringify(jsonOf(book, depth, at, feed.sources, feed.stats, issues), null, 2)}\n`);
      } else {
        io.stdout.write(textOf(book, depth, at, feed.sources, feed.stats, issues, feed.inSync));
      }
      done(0);
    });
}

/** `--on-gap warn` goes on past a gap or a crossed book: say so where the replay stopped. */
function withHint(e: InputError): InputError {
  if (!e.issues.some((i) => i.code === 'sequence_gap' || i.code === 'crossed_book')) return e;
  return new InputError(
    e.issues.map((i) =>
      i.code === 'sequence_gap' || i.code === 'crossed_book' ? { ...i, message: `${i.message} (--on-gap warn reports it and replays on)` } : i,
    ),
  );
}

/** ISO 8601 (a date alone: the end of that day), or an epoch number whose size gives the unit (s, ms, µs, ns). */
export function parseAt(text: string): Micros {
  const t = text.trim();
  const m = /^(\d+)(?:\.(\d+))?$/.exec(t);
  if (m !== null) {
    const int = BigInt(m[1]!);
    const frac = m[2] ?? '';
    // Digits of the integer part tell the unit: 10 s, 13 ms, 16 µs, 19 ns (today's epochs).
    const n = m[1]!.replace(/^0+/, '').length;
    const exp = n <= 11 ? 6 : n <= 14 ? 3 : n <= 17 ? 0 : -3; // to µs
    let us: bigint;
    if (exp >= 0) us = int * 10n ** BigInt(exp) + BigInt((frac + '0'.repeat(exp)).slice(0, exp) || '0');
    else us = int / 1000n;
    const v = Number(us);
    if (Number.isSafeInteger(v)) return v;
  } else {
    const v = parseIsoTime(t, 'end');
    if (v !== undefined) return v;
  }
  throw new InputError({ code: 'invalid_option', field: '--at', value: text, message: 'not a time: give ISO 8601 or epoch seconds, ms, µs or ns' });
}

interface Level {
  price: number;
  size: number;
  cumulative: number;
}

/** The n best levels, best first, with decimal-exact cumulative sizes from the best outward. */
function levelsOf(side: BookLevels, n: number): Level[] {
  const out: Level[] = [];
  let cum = 0;
  for (let i = 0; i < Math.min(n, side.count); i++) {
    const size = side.size(i);
    cum = addExact(cum, size);
    out.push({ price: side.price(i), size, cumulative: cum });
  }
  return out;
}

function jsonOf(
  book: OrderBook,
  depth: number,
  at: Micros | undefined,
  sources: readonly { path: string; format: string }[],
  stats: object,
  issues: readonly Issue[],
): object {
  const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    symbol: book.symbol,
    at: at === undefined ? null : formatIso(at),
    time: Number.isFinite(book.time) ? formatIso(book.time) : null,
    sequence: book.sequence >= 0 ? book.sequence : null,
    files: sources,
    best_bid: num(book.bestBid),
    best_ask: num(book.bestAsk),
    spread: num(book.spread()),
    mid: num(book.mid()),
    crossed: book.isCrossed(),
    levels: { bids: book.bids.count, asks: book.asks.count },
    bids: levelsOf(book.bids, depth).map((l) => [l.price, l.size, l.cumulative]),
    asks: levelsOf(book.asks, depth).map((l) => [l.price, l.size, l.cumulative]),
    stats,
    issues: issues.map((i) => ({ ...i, text: formatIssue(i) })),
  };
}

function textOf(
  book: OrderBook,
  depth: number,
  at: Micros | undefined,
  sources: readonly { path: string; format: string }[],
  stats: {
    events: number;
    snapshots: number;
    updates: number;
    staleDropped: number;
    staleSnapshots: number;
    beforeSnapshot: number;
    gaps: number;
    crossedEvents: number;
    invalidRows: number;
  },
  issues: readonly Issue[],
  inSync: boolean,
): string {
  const lines: string[] = [];
  lines.push(`${book.symbol} order book${at !== undefined ? ` at ${formatIso(at)}` : ' at the end of the data'}`);
  for (const s of sources) lines.push(`  file ${s.path} (${s.format})`);
  if (stats.events === 0) {
    lines.push(at !== undefined ? `no event at or before ${formatIso(at)}: the book is empty` : 'no events: the book is empty');
  } else {
    const id = book.sequence >= 0 ? `, update id ${book.sequence}` : '';
    lines.push(`last event ${formatIso(book.time)}${id}`);
  }
  const dropped: string[] = [];
  if (stats.staleDropped > 0) dropped.push(`${stats.staleDropped} updates already in a snapshot`);
  if (stats.staleSnapshots > 0) dropped.push(`${stats.staleSnapshots} older snapshots`);
  if (stats.beforeSnapshot > 0) dropped.push(`${stats.beforeSnapshot} updates before the first snapshot`);
  lines.push(
    `events applied: ${stats.events} (${stats.snapshots} snapshot${stats.snapshots === 1 ? '' : 's'}, ${stats.updates} update${stats.updates === 1 ? '' : 's'})` +
      (dropped.length > 0 ? `; left out: ${dropped.join(', ')}` : ''),
  );

  const asks = levelsOf(book.asks, depth);
  const bids = levelsOf(book.bids, depth);
  const all = [...asks, ...bids];
  const pd = Math.max(0, ...all.map((l) => decimalPlaces(l.price)));
  const sd = Math.max(0, ...all.map((l) => Math.max(decimalPlaces(l.size), decimalPlaces(l.cumulative))));
  const fp = (x: number): string => (pd >= 0 && pd <= 15 ? x.toFixed(pd) : String(x));
  const fs = (x: number): string => (sd >= 0 && sd <= 15 ? x.toFixed(sd) : String(x));
  const rows: string[][] = [['', 'price', 'size', 'cumulative']];
  for (let i = asks.length - 1; i >= 0; i--) {
    const l = asks[i]!;
    rows.push(['ask', fp(l.price), fs(l.size), fs(l.cumulative)]);
  }
  const spreadRow = rows.length;
  rows.push([]);
  for (const l of bids) rows.push(['bid', fp(l.price), fs(l.size), fs(l.cumulative)]);
  const widths = [3, 0, 0, 0].map((w, c) => Math.max(w, ...rows.map((r) => (r[c] ?? '').length)));
  lines.push('');
  rows.forEach((r, k) => {
    if (k === spreadRow) {
      const spread = book.spread();
      const mid = book.mid();
      lines.push(
        Number.isNaN(spread)
          ? `    spread -  mid -  (${book.bids.count === 0 ? 'no bids' : ''}${book.bids.count === 0 && book.asks.count === 0 ? ', ' : ''}${book.asks.count === 0 ? 'no asks' : ''})`
          : `    spread ${String(spread)}  mid ${String(mid)}${book.isCrossed() ? '  CROSSED' : ''}`,
      );
      return;
    }
    lines.push(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
  });
  lines.push('');
  const bb = book.bids.count > 0 ? `${book.bestBid} x ${book.bestBidSize}` : '-';
  const ba = book.asks.count > 0 ? `${book.bestAsk} x ${book.bestAskSize}` : '-';
  lines.push(`best bid ${bb}, best ask ${ba}`);
  lines.push(`levels: ${book.bids.count} bids, ${book.asks.count} asks (${Math.min(depth, book.asks.count)} + ${Math.min(depth, book.bids.count)} shown)`);
  lines.push(
    `issues: ${stats.gaps} sequence gap${stats.gaps === 1 ? '' : 's'}, ${stats.crossedEvents} crossed event${stats.crossedEvents === 1 ? '' : 's'}, ${stats.invalidRows} invalid row${stats.invalidRows === 1 ? '' : 's'}` +
      (stats.gaps > 0 && stats.events > 0 ? (inSync ? '; in sync again after a later snapshot' : '; the book is out of sync (levels not updated since a gap may be stale)') : ''),
  );
  for (const i of issues) {
    const tag = i.code === 'sequence_gap' ? 'gap' : i.code === 'crossed_book' ? 'crossed' : 'skipped';
    lines.push(`${tag}: ${formatIssue(i)}`);
  }
  return `${lines.join('\n')}\n`;
}
