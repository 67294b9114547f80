/**
 * Commissions a venue takes in units of the instrument (Binance: a buy's
 * commission in the bought base asset), through the whole kernel: the
 * position is what the account holds, selling all of it sells what the lot
 * grid allows, and a commission in kind on anything but a buy into a long
 * position is a broken invariant.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BacktestEngine, type BacktestResult } from '../backtest/engine.js';
import { mulExact, subExact } from '../core/decimal.js';
import { InvariantError } from '../core/errors.js';
import { openCsvFeed } from '../data/index.js';
import { SimulatedExchange } from '../execution/simulated-exchange.js';
import type { ExecutionClient, ExecutionReports, OrderChanges } from '../model/execution.js';
import { makeInstrument, type Instrument } from '../model/instrument.js';
import type { Order } from '../model/order.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';

const SAMPLE = join(import.meta.dirname, '../../data/samples/ORCL-1995-2014.csv');
const RATE = 0.001;

/** Binance's commission on a quantity received: the rate, to 8 decimals. */
const commissionOf = (quantity: number): number => Math.floor(mulExact(quantity, RATE) * 1e8) / 1e8;

/** The simulated exchange, whose fills pay their commission in kind: buys (`buys`) or every fill (`all`, a venue's bug). */
class InKindVenue implements ExecutionClient {
  readonly inner: SimulatedExchange;
  private reports: ExecutionReports | undefined;
  constructor(instrument: Instrument, inKind: 'buys' | 'all') {
    const to = (): ExecutionReports => this.reports as ExecutionReports;
    const forward: ExecutionReports = {
      accepted: (...a) => to().accepted(...a),
      rejected: (...a) => to().rejected(...a),
      filled: (id, t, q, p, l) => {
        const buy = this.sides.get(id) === 'buy';
        if (buy || inKind === 'all') to().filled(id, t, q, p, l, undefined, commissionOf(q));
        else to().filled(id, t, q, p, l, mulExact(mulExact(q, p), RATE));
      },
      triggered: (...a) => to().triggered(...a),
      triggerMoved: (...a) => to().triggerMoved(...a),
      expired: (...a) => to().expired(...a),
      cancelled: (...a) => to().cancelled(...a),
      cancelRejected: (...a) => to().cancelRejected(...a),
      modified: (...a) => to().modified(...a),
      modifyRejected: (...a) => to().modifyRejected(...a),
    };
    this.inner = new SimulatedExchange([instrument], forward);
  }
  private readonly sides = new Map<number, string>();
  connect(reports: ExecutionReports): void {
    this.reports = reports;
  }
  submit(order: Order, time: number): void {
    this.sides.set(order.id, order.side);
    this.inner.submit(order, time);
  }
  cancel(orderId: number, time: number): void {
    this.inner.cancel(orderId, time);
  }
  modify(orderId: number, changes: OrderChanges, time: number): void {
    this.inner.modify(orderId, changes, time);
  }
}

/** Buys `quantity` on bar 2, sells `ctx.position()` on bar 6 (and again on bar 10: what is left is dust). */
class BuyThenSellAll extends Strategy<{ quantity: number }> {
  private bar = 0;
  readonly positions: number[] = [];
  override onBar(_b: unknown, ctx: StrategyContext): void {
    this.bar++;
    if (this.bar === 2) ctx.buy(this.params.quantity);
    if (this.bar === 6 || this.bar === 10) ctx.sell(ctx.position());
    this.positions.push(ctx.position());
  }
}

function run(quantity: number, inKind: 'buys' | 'all', lotSize: number): { result: BacktestResult; strategy: BuyThenSellAll } {
  const feed = openCsvFeed(SAMPLE);
  const instrument = makeInstrument(feed.symbol, { lotSize });
  const venue = new InKindVenue(instrument, inKind);
  const strategy = new BuyThenSellAll({ quantity });
  const engine = new BacktestEngine({ strategy, feeds: [feed], instruments: [instrument], cash: 100_000, venue: { client: venue, marketData: venue.inner } });
  return { result: engine.run(), strategy };
}

describe('a venue that takes commissions in kind', () => {
  it('keeps the bought quantity less the commission, records the commission x price as the fee, and completes the order', () => {
    const { result } = run(100, 'buys', 1);
    const [buy] = result.orders;
    expect(buy).toMatchObject({ side: 'buy', status: 'filled', filledQuantity: 100 });
    const fill = result.fills[0];
    expect(fill).toMatchObject({ quantity: 100, feeInKind: 0.1 });
    expect(fill?.fee).toBe(mulExact(0.1, fill?.price ?? NaN));
  });

  it('sells the whole position, rounded down to the lot: the order is filled, the rest is dust below the lot', () => {
    // Lot 1 share: 100 bought pay 0.1 in kind; ctx.sell(99.9) sells 99 and 0.9 stays.
    const { result, strategy } = run(100, 'buys', 1);
    const sells = result.orders.filter((o) => o.side === 'sell');
    expect(sells[0]).toMatchObject({ status: 'filled', quantity: 99, filledQuantity: 99 });
    expect(strategy.positions[4]).toBe(99.9);
    // The dust cannot be sold: an order of 0 is refused with a reason, and the position stays.
    expect(sells[1]).toMatchObject({ status: 'rejected', quantity: 0 });
    expect(strategy.positions.at(-1)).toBeCloseTo(subExact(99.9, 99), 12);
    // The round trip is still open (the dust); realised P&L of the 99 sold is in it.
    expect(result.closedTrades).toEqual([]);
  });

  it('sells all of a position that is on the lot grid as before', () => {
    // Lot 0.001: 100 - 0.1 is on the grid, so the whole 99.9 goes and the round trip closes.
    const { result } = run(100, 'buys', 0.001);
    const sell = result.orders.find((o) => o.side === 'sell');
    expect(sell).toMatchObject({ status: 'filled', quantity: 99.9 });
    expect(result.closedTrades).toHaveLength(1);
    const trade = result.closedTrades[0];
    expect(trade?.quantity).toBe(99.9);
    expect(trade?.netPnl).toBeCloseTo((trade?.grossPnl ?? NaN) - (trade?.fees ?? NaN), 9);
    expect(result.finalEquity).toBeCloseTo(100_000 + (trade?.netPnl ?? NaN), 6);
  });

  it('throws InvariantError when a sell reports a commission in kind', () => {
    expect(() => run(100, 'all', 1)).toThrow(InvariantError);
    expect(() => run(100, 'all', 1)).toThrow(/commission in kind .* on a sell/);
  });
});
