import { describe, expect, it } from 'vitest';
import { QuoteColumns } from '../model/market.js';
import { generateBarColumns } from './generator.js';
import { ColumnsFeed } from './memory-feed.js';

describe('ColumnsFeed', () => {
  it('hands out its columns once, then null', () => {
    const bars = generateBarColumns({ bars: 10, seed: 1 });
    const feed = new ColumnsFeed('GEN', bars, 'generated');
    expect([feed.symbol, feed.kind, feed.source]).toEqual(['GEN', 'bar', 'generated']);
    expect(feed.next()).toBe(bars);
    expect(feed.next()).toBeNull();
    expect(feed.skipped).toEqual([]);
  });

  it('replays any kind; empty columns and closed feeds give null', () => {
    const quotes = new QuoteColumns(4);
    const feed = new ColumnsFeed('EURUSD', quotes);
    expect(feed.kind).toBe('quote');
    expect(feed.next()).toBeNull();
    const closed = new ColumnsFeed('GEN', generateBarColumns({ bars: 2, seed: 1 }));
    closed.close();
    expect(closed.next()).toBeNull();
  });
});
