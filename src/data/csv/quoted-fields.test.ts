import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/cli.js';
import type { Issue } from '../../core/errors.js';
import { openBookFeed } from '../book/book-feed.js';
import { openCsvFeed } from './open.js';

function write(name: string, text: string): string {
  const path = join(tempDir('qf-quote-'), name);
  writeFileSync(path, text);
  return path;
}

function read(path: string): { volume: number[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const feed = openCsvFeed(path, { onInvalid: 'skip', onIssue: (i) => issues.push(i) });
  const volume: number[] = [];
  for (let c = feed.next(); c !== null; c = feed.next()) if (c.kind === 'bar') volume.push(...c.volume.subarray(0, c.length));
  return { volume, issues };
}

describe('quoted fields', () => {
  for (const [ends, eol] of [
    ['LF', '\n'],
    ['CR LF', '\r\n'],
  ] as const) {
    it(`a quoted value is read; a quote left open or text after the closing one is a bad value, not a number (${ends})`, () => {
      const path = write(
        'X.csv',
        ['Date,Open,High,Low,Close,Volume', '2020-01-02,"1",2,0.5,1.5,"10"', '2020-01-03,1,2,0.5,1.5,"10"x', '2020-01-06,1,2,0.5,1.5,"10', '2020-01-07,"1"5,2,0.5,1.5,3', ''].join(eol),
      );
      const r = read(path);
      expect(r.volume).toEqual([10]);
      expect(r.issues.map((i) => [i.line, i.field, i.value, i.message])).toEqual([
        [3, 'volume', '"10"x', 'not a number'],
        [4, 'volume', '"10', 'not a number'],
        [5, 'open', '"1"5', 'not a number'],
      ]);
    });
  }

  it('in order-book files too', () => {
    const path = write(
      'binance-X-depth-snap.csv',
      [
        'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu',
        'BTCUSDT,1667346579146,10,10,b,snap,"20377.00",1.770,-1',
        'BTCUSDT,1667346579146,10,10,b,snap,"20376.90"0,0.001,-1',
        '',
      ].join('\n'),
    );
    const issues: Issue[] = [];
    const feed = openBookFeed(path, { onInvalid: 'skip', onIssue: (i) => issues.push(i) });
    for (let c = feed.next(); c !== null; c = feed.next());
    expect(issues.map((i) => [i.line, i.value])).toEqual([[3, '"20376.90"0']]);
  });
});
