/**
 * The catalog recorder in process: what a source sends (real sample data
 * through the data readers, plus generated trades sharing timestamps) is
 * what the catalog holds, row by row, after many flushes; recorded sets show
 * in `data ls` / `data info` like imported ones; a backtest over recorded
 * bars gives the trades of one over the same bars imported; bad events are
 * refused, counted and reported, never written.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ColumnSource } from '../../../test/helpers/column-source.js';
import { run } from '../../cli/main.js';
import { openBookFeed } from '../../data/book/index.js';
import { datasetInfo, openCatalogFeed, readManifest, summarizeCatalog, type DatasetKey } from '../../data/catalog/index.js';
import { collectColumns } from '../../data/collect.js';
import { openCsvFeed } from '../../data/csv/index.js';
import { F_CLEAR, F_LAST, F_SNAPSHOT, TradeColumns, type BarColumns, type BookColumns, type Columns } from '../../model/market.js';
import type { Incident, MarketSubscription } from '../source.js';
import { CatalogRecorder } from './catalog-recorder.js';
import { recordMarket } from './record-market.js';
import { registerMarketSource } from '../sources.js';

const ROOT = join(import.meta.dirname, '../../..');
const SAMPLES = join(ROOT, 'data/samples');
const dir = mkdtempSync(join(tmpdir(), 'quantflow-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every value column of a kind, row by row. */
function rows(c: Columns): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < c.length; i++) {
    switch (c.kind) {
      case 'trade':
        out.push([c.time[i], c.price[i], c.size[i], c.side[i]] as number[]);
        break;
      case 'quote':
        out.push([c.time[i], c.bid[i], c.ask[i], c.bidSize[i], c.askSize[i]] as number[]);
        break;
      case 'bar':
        out.push([c.time[i], c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]] as number[]);
        break;
      case 'book':
        out.push([c.time[i], c.side[i], c.price[i], c.size[i], c.flags[i], c.sequence[i]] as number[]);
        break;
    }
  }
  return out;
}

/** Generated trades, three to a millisecond (ranks n matter), with both aggressors. */
function generatedTrades(count: number, t0: number): TradeColumns {
  const c = new TradeColumns(count);
  for (let i = 0; i < count; i++) {
    c.time[i] = t0 + Math.floor(i / 3) * 1000;
    c.price[i] = 40_000 + (i % 97) * 0.5;
    c.size[i] = 0.001 * (1 + (i % 7));
    c.side[i] = i % 2 === 0 ? 1 : -1;
  }
  c.length = count;
  return c;
}

const bars = collectColumns(openCsvFeed(join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'))) as BarColumns;
// The sample's updates do not follow its snapshot (a gap the import also stores as written).
const book = collectColumns(openBookFeed([join(SAMPLES, 'binance-btcusdt-depth-snap.csv'), join(SAMPLES, 'binance-btcusdt-depth-update.csv')], { onGap: 'warn' })) as BookColumns;
const sampleTrades = collectColumns(openCsvFeed(join(SAMPLES, 'tardis-bitmex-trades-XBTUSD.csv'))) as TradeColumns;
const trades = generatedTrades(20_000, Date.UTC(2022, 0, 31, 23, 58) * 1000); // crosses a month boundary

const read = (root: string, key: DatasetKey): Columns => collectColumns(openCatalogFeed({ root, key }));

describe('CatalogRecorder', () => {
  const root = join(dir, 'catalog');
  const subscription: MarketSubscription = { symbols: ['BTC/USDT', 'XBT/USD', 'BTC-PERP'], channels: ['trades', 'book', 'bars'], timeframe: '1m' };
  const incidents: Incident[] = [];
  let flushes = 0;

  it('records trades, bars and book rows exactly as the source sent them, over many flushes', async () => {
    const recorder = new CatalogRecorder({ root, exchange: 'test', symbols: subscription.symbols, session: 's1', onIncident: (i) => incidents.push(i) });
    // A flush after every 5,000 events (and the timer's, whenever they fall): flushes split the streams at many places.
    const source = new ColumnSource(
      [
        { symbol: 2, columns: bars },
        { symbol: 0, columns: trades },
        { symbol: 0, columns: book },
        { symbol: 1, columns: sampleTrades },
      ],
      { batch: 5000, receiveDelay: 1500, afterBatch: () => recorder.flush().then(() => flushes++) },
    );
    const stats = await recordMarket({ source, subscription, recorder, flushEveryMs: 25 });
    const total = bars.length + trades.length + book.length + sampleTrades.length;
    expect(stats).toMatchObject({ received: total, added: total, invalid: 0 });
    expect(incidents).toEqual([]);
    expect(flushes).toBeGreaterThan(5);
    expect(rows(read(root, { kind: 'bar', symbol: 'BTC-PERP', side: 'trade' }))).toEqual(rows(bars));
    expect(rows(read(root, { kind: 'trade', symbol: 'BTC/USDT' }))).toEqual(rows(trades));
    expect(rows(read(root, { kind: 'book', symbol: 'BTC/USDT' }))).toEqual(rows(book));
    expect(rows(read(root, { kind: 'trade', symbol: 'XBT/USD' }))).toEqual(rows(sampleTrades));
  });

  it('shows recorded sets in data ls and data info like imported ones, named by their source', async () => {
    const list = await summarizeCatalog(root);
    expect(list.map((d) => [d.kind, d.symbol, d.rows])).toEqual(
      expect.arrayContaining([
        ['bar', 'BTC-PERP', bars.length],
        ['trade', 'BTC/USDT', trades.length],
        ['book', 'BTC/USDT', book.length],
        ['trade', 'XBT/USD', sampleTrades.length],
      ]),
    );
    const info = await datasetInfo(root, 'BTC/USDT');
    const tradeInfo = info.find((d) => d.kind === 'trade');
    expect(tradeInfo).toMatchObject({ rows: trades.length, imports: 1, duplicates_on_import: 0 });
    const records = readManifest(root).imports;
    expect(records.map((r) => r.source).sort()).toEqual(['record:test:BTC-PERP:bars', 'record:test:BTC/USDT:book', 'record:test:BTC/USDT:trades', 'record:test:XBT/USD:trades']);
    const tradeRecord = records.find((r) => r.source === 'record:test:BTC/USDT:trades');
    expect(tradeRecord).toMatchObject({ session: 's1', rows: trades.length, added: trades.length, first: '2022-01-31T23:58:00Z', sameTime: trades.length - Math.ceil(trades.length / 3) });
    expect(tradeRecord?.chunks).toBeGreaterThan(1);
    // The CLI prints them too.
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } };
    expect(await run(['data', 'ls', '--catalog', root], io)).toBe(0);
    expect(out.join('')).toMatch(/trades BTC\/USDT\s+20000/);
  });

  it('a backtest over recorded bars gives the trades of a backtest over the same bars imported', async () => {
    const imported = join(dir, 'imported');
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    expect(await run(['data', 'import', join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), '--symbol', 'BTC-PERP', '--catalog', imported], io)).toBe(0);
    const backtest = async (catalog: string, out: string): Promise<string> => {
      const err: string[] = [];
      const code = await run(['backtest', '--strategy', join(ROOT, 'examples/sma-cross.ts'), '--catalog', catalog, '--symbol', 'BTC-PERP', '--cash', '100000', '--param', 'size=1', '--out', out], {
        stdout: { write: () => true },
        stderr: { write: (s: string) => err.push(s) },
      });
      expect(code, err.join('')).toBe(0);
      return readFileSync(join(out, 'trades.csv'), 'utf8');
    };
    const fromRecording = await backtest(root, join(dir, 'run-recorded'));
    const fromImport = await backtest(imported, join(dir, 'run-imported'));
    expect(fromRecording.split('\n').length).toBeGreaterThan(10);
    expect(fromRecording.split('\n')).toEqual(fromImport.split('\n'));
  });

  it('a second recording of the same events adds no rows (the catalog keys)', async () => {
    const source = new ColumnSource([{ symbol: 0, columns: trades }], { batch: 2000 });
    const recorder = new CatalogRecorder({ root, exchange: 'test', symbols: subscription.symbols, session: 's2', onIncident: (i) => incidents.push(i) });
    const stats = await recordMarket({ source, subscription, recorder, flushEveryMs: 10 });
    expect(stats.added).toBe(0);
    expect(rows(read(root, { kind: 'trade', symbol: 'BTC/USDT' }))).toEqual(rows(trades));
    const s2 = readManifest(root).imports.find((r) => r.session === 's2');
    expect(s2).toMatchObject({ added: 0, duplicates: trades.length, conflicts: 0 });
  });
});

describe('bad events', () => {
  it('are refused, counted in the manifest and reported as incidents, never written', async () => {
    const root = join(dir, 'bad');
    const incidents: Incident[] = [];
    const recorder = new CatalogRecorder({ root, exchange: 'test', symbols: ['BTC/USDT'], session: 's', onIncident: (i) => incidents.push(i), now: () => 42 });
    const t = Date.UTC(2024, 4, 1) * 1000;
    recorder.trade(0, t, t, 100, 1, 1);
    recorder.trade(0, t - 1, t, 100, 1, 1); // time goes back
    recorder.trade(0, t + 1, t, -5, 1, 1); // price
    recorder.trade(0, t + 2, t, 100, NaN, 1); // size
    recorder.trade(0, t + 3, t, 101, 2, -1);
    recorder.trade(3, t + 4, t, 101, 2, -1); // no such symbol
    recorder.bar(0, t, t, 10, 9, 11, 10, 5); // high below low
    recorder.bar(0, t + 60e6, t, 10, 12, 9, 11, 5);
    // A snapshot of two rows, then an update spoiled by a bad row in its middle, then a good update.
    recorder.bookLevel(0, t, t, 1, 99, 1, F_SNAPSHOT | F_CLEAR, 10);
    recorder.bookLevel(0, t, t, -1, 101, 1, F_SNAPSHOT | F_LAST, 10);
    recorder.bookLevel(0, t + 1, t, 1, 99.5, 2, 0, 11);
    recorder.bookLevel(0, t + 1, t, 2, 99.6, 2, 0, 11); // side 2
    recorder.bookLevel(0, t + 1, t, -1, 100.5, 2, F_LAST, 11);
    // An update that never ends (no F_LAST) before the next one starts.
    recorder.bookLevel(0, t + 2, t, 1, 99.4, 3, 0, 12);
    recorder.bookLevel(0, t + 3, t, 1, 99.3, 4, F_LAST, 13);
    // An event still open at the flush waits for the next one.
    recorder.bookLevel(0, t + 4, t, 1, 99.2, 5, 0, 14);
    const report = await recorder.flush();
    expect(report.failed).toBe(0);
    expect(rows(read(root, { kind: 'trade', symbol: 'BTC/USDT' }))).toEqual([
      [t, 100, 1, 1],
      [t + 3, 101, 2, -1],
    ]);
    expect(rows(read(root, { kind: 'bar', symbol: 'BTC/USDT', side: 'trade' }))).toEqual([[t + 60e6, 10, 12, 9, 11, 5]]);
    expect(rows(read(root, { kind: 'book', symbol: 'BTC/USDT' }))).toEqual([
      [t, 1, 99, 1, F_SNAPSHOT | F_CLEAR, 10],
      [t, -1, 101, 1, F_SNAPSHOT | F_LAST, 10],
      [t + 3, 1, 99.3, 4, F_LAST, 13],
    ]);
    recorder.bookLevel(0, t + 4, t, -1, 100.2, 5, F_LAST, 14);
    await recorder.flush();
    expect(rows(read(root, { kind: 'book', symbol: 'BTC/USDT' })).slice(3)).toEqual([
      [t + 4, 1, 99.2, 5, 0, 14],
      [t + 4, -1, 100.2, 5, F_LAST, 14],
    ]);
    const invalid = Object.fromEntries(readManifest(root).imports.map((r) => [r.source, r.invalid]));
    expect(invalid).toEqual({ 'record:test:BTC/USDT:trades': 3, 'record:test:BTC/USDT:bars': 1, 'record:test:BTC/USDT:book': 4 });
    expect(recorder.stats().invalid).toBe(3 + 1 + 1 + 4);
    expect(incidents.map((i) => `${i.kind} ${i.channel}: ${i.detail}`)).toEqual([
      `error trades: trade event refused (time goes back: 2024-04-30T23:59:59.999999Z is before the previous event's 2024-05-01T00:00:00Z) at exchange time 2024-04-30T23:59:59.999999Z; not recorded`,
      `error trades: trade event refused (price -5 is not a positive number) at exchange time 2024-05-01T00:00:00.000001Z; not recorded`,
      `error trades: trade event refused (size NaN is not a number >= 0) at exchange time 2024-05-01T00:00:00.000002Z; not recorded`,
      `error trades: event for symbol number 3, not in the subscription (1 symbols); not recorded`,
      `error bars: bar event refused (high 9 is below low 11) at exchange time 2024-05-01T00:00:00Z; not recorded`,
      `error book: book event refused (side 2 is not 1 (bid) or -1 (ask)); its 1 earlier row(s) dropped too at exchange time 2024-05-01T00:00:00.000001Z; not recorded`,
      `error book: book event refused (the previous book event ended without a row flagged last (F_LAST)); its 1 earlier row(s) dropped too at exchange time 2024-05-01T00:00:00.000003Z; not recorded`,
    ]);
  });

  it('the command line refuses an exchange it has no source for, and bad flags, with one line and status 2', async () => {
    const err: string[] = [];
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } };
    expect(await run(['record', '--exchange', 'nowhere', '--symbol', 'BTC/USDT', '--catalog', join(dir, 'x')], io)).toBe(2);
    expect(err.join('')).toMatch(/^error: field 'exchange' value 'nowhere': not an exchange ccxt/m);
    err.length = 0;
    registerMarketSource('test-empty', () => ({ source: new ColumnSource([]), name: 'test-empty', timeRate: 1 }));
    expect(await run(['record', '--exchange', 'test-empty', '--symbol', 'BTC/USDT', '--data', 'trades,candles', '--catalog', join(dir, 'x')], io)).toBe(2);
    expect(err.join('')).toMatch(/^error: field '--data' value 'candles': expected a comma-separated list/m);
    err.length = 0;
    expect(await run(['record', '--exchange', 'test-empty', '--symbol', 'BTC/USDT', '--flush-every', '0', '--catalog', join(dir, 'x')], io)).toBe(2);
    expect(err.join('')).toMatch(/^error: field '--flush-every' value '0': expected a positive duration/m);
  });
});
