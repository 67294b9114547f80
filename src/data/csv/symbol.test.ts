import { describe, expect, it } from 'vitest';
import { symbolFromFileName } from './symbol.js';

describe('symbolFromFileName', () => {
  it.each([
    ['data/samples/ORCL-1995-2014.csv', 'ORCL'],
    ['BTC-PERP-2022-01-1m.csv', 'BTC-PERP'],
    ['GBPUSD-2012-m1-bid.csv', 'GBPUSD'],
    ['FUT-2006-min.csv', 'FUT'],
    ['EURUSD-2020-01-ticks-histdata.csv', 'EURUSD'],
    ['es_mini_2020.csv', 'es_mini'],
    ['AAPL.csv', 'AAPL'],
    ['2006-01-02-volume-min-001.txt', '2006-01-02-volume-min-001'],
  ])('%s -> %s', (path, symbol) => {
    expect(symbolFromFileName(path)).toBe(symbol);
  });
});
