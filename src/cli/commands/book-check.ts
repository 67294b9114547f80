import { basename } from 'node:path';
import { formatIssue, type Issue } from '../../core/errors.js';
import { formatIso } from '../../core/time.js';
import { openBookFeed } from '../../data/index.js';
import { OrderBook } from '../../model/order-book.js';
import type { CliIO } from '../io.js';

/**
 * `data check` for order-book files: the book files of one instrument (a
 * snapshot and its updates) are checked together, as a backtest would
 * replay them: every row's fields, the snapshot/update structure, the
 * exchange's update-id sequence, and the book after every event (never
 * crossed). Sequence gaps and crossed books are facts about well-formed
 * data: warnings, as on import. Bad rows are errors. Returns the number of
 * bad rows (under 'fail', the first one throws).
 */
export function checkBookFiles(paths: readonly string[], options: { onInvalid: 'fail' | 'skip'; symbol?: string }, io: CliIO): number {
  const issues: { issue: Issue; warning: boolean }[] = [];
  const feed = openBookFeed(paths, {
    onInvalid: options.onInvalid,
    onGap: 'warn',
    onIssue: (issue) => issues.push({ issue, warning: false }),
    onWarning: (issue) => issues.push({ issue, warning: true }),
    ...(options.symbol !== undefined ? { symbol: options.symbol } : {}),
  });
  const book = new OrderBook(feed.symbol);
  let first = NaN;
  let last = NaN;
  try {
    for (let cols = feed.next(); cols !== null; cols = feed.next()) {
      if (cols.length === 0) continue;
      if (Number.isNaN(first)) first = cols.time[0] as number;
      last = cols.time[cols.length - 1] as number;
      book.applyRows(cols);
    }
  } finally {
    feed.close();
  }
  const s = feed.stats;
  if (s.rows === 0) io.stderr.write(`warning: ${paths.join(' + ')} ${paths.length === 1 ? 'has' : 'have'} no data rows\n`);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const files = feed.sources.map((src) => `${src.path} (${src.format})`).join(' + ');
  const left = s.staleDropped + s.staleSnapshots + s.beforeSnapshot;
  io.stdout.write(
    `${files}: order book of ${feed.symbol}, ${plural(s.events, 'event')} (${plural(s.snapshots, 'snapshot')}, ${plural(s.updates, 'update')}), ` +
      `${plural(s.rows, 'row')}, ${Number.isNaN(first) ? '-' : formatIso(first)} .. ${Number.isNaN(last) ? '-' : formatIso(last)}, ` +
      `${plural(s.gaps, 'sequence gap')}, ${plural(s.crossedEvents, 'crossed event')}, ${s.invalidRows} invalid` +
      (left > 0 ? `, ${left} events left out as covered by a snapshot` : '') +
      `; at the end: ${book.bids.count} bid and ${book.asks.count} ask levels${s.gaps > 0 ? (feed.inSync ? ', in sync again after a later snapshot' : ', out of sync since a gap') : ''}\n`,
  );
  for (const { issue, warning } of issues) io.stdout.write(`  ${warning ? 'warning: ' : ''}${formatIssue(issue)}\n`);
  if (s.gaps + s.crossedEvents > 0) {
    io.stderr.write(
      `warning: ${paths.map((p) => basename(p)).join(' + ')}: ${plural(s.gaps, 'sequence gap')} and ${plural(s.crossedEvents, 'crossed event')}: the rows are well formed, the book is not continuous (a replay needs --on-gap warn)\n`,
    );
  }
  return s.invalidRows;
}
