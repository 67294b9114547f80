import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/cli.js';
import { ScriptedLiveVenue } from '../../../test/helpers/scripted-live-venue.js';
import { parseRunConfig } from '../../backtest/config.js';
import { GuardedStrategy } from '../../backtest/guarded-strategy.js';
import type { OrderEvent } from '../../model/events.js';
import type { TradeTick } from '../../model/market.js';
import type { StrategyContext } from '../../strategy/context.js';
import { Strategy } from '../../strategy/strategy.js';
import type { LiveVenueStart } from '../live-venue.js';
import { FileReplaySource } from '../replay-source.js';
import { LiveVenueStopError, runLive, type LiveRunOptions } from './run-live.js';

const T0 = Date.UTC(2024, 0, 2);

/** Buys 0.1 on every 4th trade, sells 0.1 two trades later; records its order events. */
class Trader extends Strategy<Record<string, unknown>> {
  n = 0;
  readonly events: OrderEvent[] = [];
  override onTrade(_t: TradeTick, ctx: StrategyContext): void {
    this.n++;
    if (this.n % 4 === 1) ctx.buy(0.1);
    else if (this.n % 4 === 3) ctx.sell(0.1);
  }
  override onOrderEvent(e: OrderEvent): void {
    this.events.push(e);
  }
}

/** A trades file of BTCUSDT, one a second. */
function tradesFile(dir: string, n: number): string {
  const rows = ['timestamp,symbol,price,amount,side'];
  for (let i = 0; i < n; i++) rows.push(`${new Date(T0 + i * 1000).toISOString()},BTCUSDT,${100 + (i % 7)},0.5,${i % 2 === 0 ? 'buy' : 'sell'}`);
  const file = join(dir, 'btc-trades.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

function start(over: Partial<LiveVenueStart> = {}): LiveVenueStart {
  return {
    balances: { USDT: 1000, BTC: 0.5 },
    cash: 1000,
    positions: [{ symbol: 'BTC/USDT', quantity: 0.5, averagePrice: 90 }],
    workingOrders: [{ clientOrderId: 'S8-3', venueOrderId: '777', request: { symbol: 'BTC/USDT', side: 'sell', type: 'limit', quantity: 0.5, price: 200 }, filledQuantity: 0 }],
    incidents: [{ time: T0 * 1000, kind: 'error', symbol: 'BTC/USDT', channel: 'rest', detail: 'order S8-3 working at the exchange: continued' }],
    runId: 'S9',
    stop: false,
    ...over,
  };
}

function options(dir: string, venue: ScriptedLiveVenue, strategy: Strategy<object>, extra: Partial<LiveRunOptions> = {}): LiveRunOptions {
  const config = parseRunConfig({ strategy: 'trader.ts', data: ['live'], feeRate: 0.001 });
  const file = tradesFile(dir, 40);
  return {
    config,
    strategy: new GuardedStrategy(strategy, 'trader.ts'),
    strategyName: 'Trader',
    params: {},
    source: new FileReplaySource({ files: [file], speed: 0 }),
    sourceName: `replay:${file}`,
    subscription: { symbols: ['BTC/USDT'], channels: ['trades'], timeframe: '1m' },
    timeRate: 0,
    out: join(dir, 'run'),
    summaryEveryMs: 20,
    tickEveryMs: 5,
    venue,
    venueName: 'scripted',
    ...extra,
  };
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').trim().split('\n');
const summaryOf = (out: string): Record<string, any> => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, any>;

describe('runLive', () => {
  it('trades through the live venue from the account it states: held position, adopted order, run id, outputs complete', async () => {
    const dir = tempDir('qf-live-run-');
    const venue = new ScriptedLiveVenue(start());
    venue.marketPrice = () => 103;
    // The adopted order (the kernel's order 1) fills at the exchange: delivered at the first poll.
    venue.fill(1, 0.5, 200);
    const strategy = new Trader({});
    const run = await runLive(options(dir, venue, strategy));
    const out = join(dir, 'run');
    expect(run.failure).toBeUndefined();
    expect(run.stopReason).toBe('end_of_data');
    expect(venue.opened?.map((i) => i.symbol)).toEqual(['BTC/USDT']);
    expect(venue.adopted).toEqual([['S8-3', 1]]);
    expect(venue.closed).toBe(1);
    // The strategy's orders left with the session's prefix, numbered after the adopted order.
    expect(venue.submitted.length).toBe(20);
    expect(venue.submitted.map((o) => o.clientOrderId).slice(0, 2)).toEqual(['S9-2', 'S9-3']);
    const adopted = run.result.orders[0];
    expect(adopted).toMatchObject({ clientOrderId: 'S8-3', venueOrderId: '777', status: 'filled', fillPrice: 200 });
    // 0.5 held at 90, sold by the adopted order at 200; the strategy's round trips at 103 (fees 0.1%).
    const fills = run.result.fills;
    expect(fills).toHaveLength(21);
    expect(run.result.instruments[0]?.quantity).toBeCloseTo(0, 12);
    expect(run.result.instruments[0]?.realizedPnl).toBeCloseTo(55, 9);
    expect(run.result.initialCash).toBe(1045);
    expect(run.result.finalEquity - run.result.initialCash).toBeCloseTo(run.result.realizedPnl + run.result.unrealizedPnl - run.result.fees, 9);
    // Files complete: summary with the venue's start, incidents.csv with the start's incident, every fill and order.
    const s = summaryOf(out);
    expect(s.complete).toBe(true);
    expect(s.live.venue).toEqual({
      exchange: 'scripted',
      run_id: 'S9',
      start: { balances: { USDT: 1000, BTC: 0.5 }, cash: 1000, positions: [{ symbol: 'BTC/USDT', quantity: 0.5, average_price: 90 }], adopted_orders: 1, incidents: 1 },
      orders_left_working: 0,
      note: 'orders still working when the run stops stay at the exchange',
    });
    expect(s.live.incidents).toBe(1);
    expect(lines(join(out, 'incidents.csv'))[1]).toContain('order S8-3 working at the exchange: continued');
    expect(lines(join(out, 'fills.csv'))).toHaveLength(22);
    expect(lines(join(out, 'orders.csv'))).toHaveLength(22);
    expect(lines(join(out, 'market-data/BTC-USDT_trades.csv'))).toHaveLength(41);
  });

  it('applies the risk rules before an order leaves: refused orders never reach the venue', async () => {
    const dir = tempDir('qf-live-run-');
    const venue = new ScriptedLiveVenue(start({ positions: [], workingOrders: [] }));
    const strategy = new Trader({});
    const o = options(dir, venue, strategy);
    // At most 0.05 BTC of position: every 0.1 buy is refused by the risk engine.
    const run = await runLive({ ...o, config: parseRunConfig({ strategy: 'trader.ts', data: ['live'], risk: { maxPosition: 0.05 } }) });
    expect(run.failure).toBeUndefined();
    expect(venue.submitted).toHaveLength(0);
    const rejected = run.result.orders.filter((o) => o.status === 'rejected');
    expect(rejected.length).toBe(20);
    expect(rejected[0]?.reason).toBe('max_position');
  });

  it('stops at once when the start says stop: nothing starts, nothing is sent, files complete, the error names the order', async () => {
    const dir = tempDir('qf-live-run-');
    const incident = { time: T0 * 1000, kind: 'error' as const, symbol: 'BTC/USDT', channel: 'rest', detail: "order 4242 (BTC/USDT buy 1 @ 50) is not the run's; stopping (--unknown-orders stop)" };
    const venue = new ScriptedLiveVenue(start({ stop: true, workingOrders: [], incidents: [incident] }));
    const strategy = new Trader({});
    const run = await runLive(options(dir, venue, strategy));
    expect(run.stopReason).toBe('venue_stop');
    expect(run.failure).toBeInstanceOf(LiveVenueStopError);
    expect((run.failure as Error).message).toContain('order 4242');
    expect(strategy.n).toBe(0);
    expect(venue.submitted).toHaveLength(0);
    expect(venue.closed).toBe(1);
    const s = summaryOf(join(dir, 'run'));
    expect(s.complete).toBe(false);
    expect(s.live.stop_reason).toBe('venue_stop');
    expect(s.incomplete_reason).toContain('order 4242');
    expect(lines(join(dir, 'run', 'incidents.csv'))[1]).toContain('order 4242');
  });

  it('closes the venue when the run fails on the way (an output folder that cannot be made)', async () => {
    const dir = tempDir('qf-live-run-');
    const venue = new ScriptedLiveVenue(start());
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    await expect(runLive({ ...options(dir, venue, new Trader({})), out: join(blocker, 'run') })).rejects.toThrow();
    expect(venue.opened).toBeDefined();
    expect(venue.closed).toBe(1);
  });

  it('started again on the same folder, keeps every earlier session\'s outputs under sessions/<run id>/ and leaves the journal in place', async () => {
    const dir = tempDir('qf-live-run-');
    const out = join(dir, 'run');
    const session = async (): Promise<void> => {
      const venue = new ScriptedLiveVenue(start({ positions: [], workingOrders: [] }));
      venue.marketPrice = () => 103;
      const run = await runLive(options(dir, venue, new Trader({})));
      expect(run.failure).toBeUndefined();
    };
    await session();
    writeFileSync(join(out, 'journal.qfj'), 'the journal');
    const first = readFileSync(join(out, 'fills.csv'), 'utf8');
    await session();
    await session();
    expect(readFileSync(join(out, 'sessions', 'S9', 'fills.csv'), 'utf8')).toBe(first);
    expect(summaryOf(join(out, 'sessions', 'S9')).complete).toBe(true);
    expect(readdirSync(join(out, 'sessions')).sort()).toEqual(['S9', 'S9~2']);
    expect(readdirSync(join(out, 'sessions', 'S9~2')).sort()).toEqual(readdirSync(join(out, 'sessions', 'S9')).sort());
    expect(readFileSync(join(out, 'journal.qfj'), 'utf8')).toBe('the journal');
    expect(lines(join(out, 'fills.csv'))).toHaveLength(21);
  });
});
