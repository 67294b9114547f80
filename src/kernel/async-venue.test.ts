/**
 * The kernel does not care where orders go: the example strategies run
 * through a venue that answers out of step with the kernel's calls (every
 * acknowledgement, fill and cancel waits until the kernel polls, as a live
 * gateway's answers do) and, matching like the simulated exchange, trade
 * exactly as they do against it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AsyncVenue } from '../../test/helpers/async-venue.js';
import { BacktestEngine, type BacktestResult } from '../backtest/engine.js';
import { instantiateStrategy, loadStrategyFile } from '../backtest/strategy-loader.js';
import { openCsvFeed } from '../data/index.js';
import { PercentFee } from '../execution/models/fee.js';
import { makeInstrument } from '../model/instrument.js';

const ROOT = join(import.meta.dirname, '../..');
const sample = (f: string): string => join(ROOT, 'data/samples', f);

async function run(example: string, files: readonly string[], venue: 'simulated' | 'async'): Promise<{ result: BacktestResult; stub: AsyncVenue | undefined }> {
  const cls = await loadStrategyFile(join(ROOT, 'examples', `${example}.ts`));
  const feeds = files.map((f) => openCsvFeed(sample(f)));
  const symbols = [...new Set(feeds.map((f) => f.symbol))];
  const stub = venue === 'async' ? new AsyncVenue(symbols.map((s) => makeInstrument(s))) : undefined;
  const engine = new BacktestEngine({
    strategy: instantiateStrategy(cls, {}),
    feeds,
    cash: 100_000,
    fees: new PercentFee(0.001),
    ...(stub !== undefined ? { venue: { client: stub, marketData: stub, fillModel: 'classic', ambiguousFills: () => stub.inner.ambiguousFills } } : {}),
  });
  return { result: engine.run(), stub };
}

/** What a run traded: every order's outcome, every fill, every round trip, and the equity curve. */
function trading(r: BacktestResult): unknown {
  return {
    orders: r.orders.map((o) => [o.id, o.symbol, o.side, o.type, o.quantity, o.status, o.reason, o.createdTime, o.filledTime, o.fillPrice, o.filledQuantity, o.fee]),
    fills: r.fills,
    trades: r.closedTrades.map((t) => ({ ...t })),
    equity: Array.from(r.equity.equity),
    finalEquity: r.finalEquity,
  };
}

describe('a strategy through a venue that answers out of step', () => {
  for (const [example, files] of [
    ['sma-cross', ['ORCL-1995-2014.csv']],
    ['rsi-bracket', ['YHOO-1996-2014.csv']],
    ['limit-entry', ['ORCL-1995-2014.csv']],
    ['equal-weight', ['ORCL-1995-2014.csv', 'NVDA-1999-2014.csv', 'YHOO-1996-2014.csv']],
  ] as const) {
    it(`${example}: the same orders, fills, trades and equity as through the simulated exchange`, async () => {
      const sync = await run(example, files, 'simulated');
      const late = await run(example, files, 'async');
      expect(sync.result.fills.length).toBeGreaterThan(0);
      expect(trading(late.result)).toEqual(trading(sync.result));
      // The answers really came late: every one of them through a poll.
      const stub = late.stub as AsyncVenue;
      expect(stub.delivered).toBeGreaterThanOrEqual(2 * sync.result.orders.filter((o) => o.status === 'filled').length);
      expect(stub.waiting).toBe(0);
    });
  }

  it('until an answer arrives, the order waits: submitted (not yet accepted), then pending_cancel', async () => {
    const { Strategy } = await import('../strategy/strategy.js');
    const seen: string[] = [];
    class Probe extends Strategy<object> {
      private bar = 0;
      private id = 0;
      override onBar(_b: unknown, ctx: import('../strategy/context.js').StrategyContext): void {
        this.bar++;
        if (this.bar === 1) {
          const o = ctx.buy(1, { limit: 1 }); // never fills
          this.id = o.id;
          seen.push(`bar 1 after buy: ${o.status} '${o.venueOrderId}'`);
        } else if (this.bar === 3) {
          ctx.cancel(this.id);
          seen.push(`bar 3 after cancel: ${ctx.openOrders()[0]?.status}`);
        }
      }
      override onOrderEvent(e: import('../model/events.js').OrderEvent): void {
        seen.push(`${e.kind}${e.kind === 'accepted' ? ` ${e.order.venueOrderId}` : ''} (bar ${this.bar})`);
      }
    }
    const feeds = [openCsvFeed(sample('KO-1997-1998.csv'))];
    const stub = new AsyncVenue([makeInstrument('KO')]);
    const r = new BacktestEngine({ strategy: new Probe({}), feeds, cash: 10_000, venue: { client: stub, marketData: stub } }).run();
    // The acknowledgement comes at the next poll (the next bar's data), the cancel's answer likewise.
    expect(seen).toEqual([
      "bar 1 after buy: submitted ''",
      'submitted (bar 1)',
      'accepted SIM-1 (bar 1)',
      'bar 3 after cancel: pending_cancel',
      'pending_cancel (bar 3)',
      'cancelled (bar 3)',
    ]);
    expect(r.orders[0]).toMatchObject({ status: 'cancelled', reason: 'user', clientOrderId: 'QF-1', venueOrderId: 'SIM-1' });
  });
});
