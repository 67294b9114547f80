import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MarketFeed } from '../model/market.js';
import { openCsvFeed } from './csv/open.js';
import { generateBarColumns } from './generator.js';
import { ColumnsFeed } from './memory-feed.js';

const SAMPLES = join(import.meta.dirname, '../../data/samples');
const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.csv') && !/depth|book/.test(f));

/** What every MarketFeed must do, whatever it reads from. */
function feedContract(name: string, open: () => MarketFeed): void {
  describe(`MarketFeed contract: ${name}`, () => {
    it('hands out non-empty chunks of its kind in time order, then null for good', () => {
      const feed = open();
      let prev = -Infinity;
      let rows = 0;
      for (let chunk = feed.next(); chunk !== null; chunk = feed.next()) {
        expect(chunk.kind).toBe(feed.kind);
        expect(chunk.length).toBeGreaterThan(0);
        expect(chunk.length).toBeLessThanOrEqual(chunk.capacity);
        for (let i = 0; i < chunk.length; i++) {
          const t = chunk.time[i]!;
          expect(Number.isSafeInteger(t)).toBe(true);
          if (t < prev) expect.fail(`time goes back at row ${rows + i}`);
          prev = t;
        }
        rows += chunk.length;
      }
      expect(rows).toBeGreaterThan(0);
      expect(feed.next()).toBeNull();
      expect(feed.skipped).toEqual([]);
      feed.close();
      feed.close();
      expect(feed.next()).toBeNull();
    });

    it('names a symbol and a source', () => {
      const feed = open();
      expect(feed.symbol.length).toBeGreaterThan(0);
      expect(feed.source.length).toBeGreaterThan(0);
      feed.close();
    });
  });
}

for (const file of files) feedContract(file, () => openCsvFeed(join(SAMPLES, file), { capacity: 1000 }));
feedContract('ColumnsFeed of generated bars', () => new ColumnsFeed('GEN', generateBarColumns({ bars: 2000, seed: 9 }), 'generated'));
