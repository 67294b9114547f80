import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCsvFeed } from './open.js';

const SAMPLES = join(import.meta.dirname, '../../../data/samples');

function rowsOf(path: string): number {
  const feed = openCsvFeed(path);
  let rows = 0;
  for (let c = feed.next(); c !== null; c = feed.next()) rows += c.length;
  return rows;
}

describe('a CSV feed tells about how many rows it holds (rowsHint), for sizing records', () => {
  for (const name of ['ORCL-1995-2014.csv', 'BTC-PERP-2022-01-1m.csv', 'EURUSD-2020-01-ticks-histdata.csv']) {
    it(`${name}: within 10% of the rows read, before any is read`, () => {
      const path = join(SAMPLES, name);
      const feed = openCsvFeed(path);
      const hint = feed.rowsHint;
      feed.close();
      const rows = rowsOf(path);
      expect(hint).toBeDefined();
      expect(Math.abs((hint as number) - rows) / rows).toBeLessThan(0.1);
    });
  }

  it('says nothing under a time window, and reading the estimate does not move the reading', () => {
    const path = join(SAMPLES, 'ORCL-1995-2014.csv');
    const windowed = openCsvFeed(path, { from: Date.UTC(2000, 0, 1) * 1000 });
    expect(windowed.rowsHint).toBeUndefined();
    windowed.close();
    const feed = openCsvFeed(path);
    const first = feed.next();
    const firstTime = first?.time[0];
    expect(feed.rowsHint).toBeGreaterThan(0);
    let rows = first?.length ?? 0;
    for (let c = feed.next(); c !== null; c = feed.next()) rows += c.length;
    expect(rows).toBe(rowsOf(path));
    expect(firstTime).toBe(openCsvFeed(path).next()?.time[0]);
  });
});
