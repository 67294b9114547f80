import { closeSync, openSync } from 'node:fs';
import { writeAll } from '../../core/output-file.js';
import { formatIso } from '../../core/time.js';
import type { MarketFeed } from '../../model/market.js';

export interface WriteBarsCsvResult {
  readonly path: string;
  readonly bars: number;
}

/** A number as the shortest text that reads back to it, without exponents. */
function num(x: number): string {
  if (!Number.isFinite(x)) return '';
  const s = String(x);
  if (!s.includes('e')) return s;
  return x.toFixed(20).replace(/\.?0+$/, '');
}

/**
 * Writes a bar feed as the generic bar CSV (`datetime,open,high,low,close,volume`,
 * ISO 8601 UTC times), which openCsvFeed reads back. Closes the feed.
 */
export function writeBarsCsv(feed: MarketFeed, path: string): WriteBarsCsvResult {
  const fd = openSync(path, 'w');
  let bars = 0;
  try {
    writeAll(fd, 'datetime,open,high,low,close,volume\n');
    for (let cols = feed.next(); cols !== null; cols = feed.next()) {
      if (cols.kind !== 'bar') throw new Error('writeBarsCsv needs a bar feed');
      let text = '';
      for (let i = 0; i < cols.length; i++) {
        text += `${formatIso(cols.time[i] as number)},${num(cols.open[i] as number)},${num(cols.high[i] as number)},${num(cols.low[i] as number)},${num(cols.close[i] as number)},${num(cols.volume[i] as number)}\n`;
      }
      writeAll(fd, text);
      bars += cols.length;
    }
  } finally {
    closeSync(fd);
    feed.close();
  }
  return { path, bars };
}
