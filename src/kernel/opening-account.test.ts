/**
 * A live run opens with the account the exchange states: positions held
 * before the run (at their average price, or the first mark when unknown)
 * and orders already working there. The kernel takes them over so that the
 * run's P&L, cash and equity add up as in any backtest.
 */
import { describe, expect, it } from 'vitest';
import { connectSimulatedExchange } from '../backtest/engine.js';
import { MICROS_PER_SECOND } from '../core/time.js';
import type { ExecutionClient, ExecutionReports } from '../model/execution.js';
import type { OrderEvent } from '../model/events.js';
import { makeInstrument } from '../model/instrument.js';
import type { Bar } from '../model/market.js';
import type { Order } from '../model/order.js';
import type { StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { TradingKernel } from './kernel.js';
import type { OpeningPosition } from './opening-account.js';
import { buildResult } from './result.js';

const T0 = Date.UTC(2024, 0, 2) * 1000;
const M = 60 * MICROS_PER_SECOND;

/** Sells what it holds at the first bar it sees a position, and records what it saw. */
class SellHoldings extends Strategy<Record<string, unknown>> {
  readonly positionsSeen: number[] = [];
  readonly events: OrderEvent[] = [];
  sell = true;
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    const q = ctx.position();
    this.positionsSeen.push(q);
    if (this.sell && q > 0) {
      ctx.sell(q);
      this.sell = false;
    }
  }
  override onOrderEvent(e: OrderEvent): void {
    this.events.push(e);
  }
}

function kernelWith(strategy: SellHoldings, cash: number, openingPositions: readonly OpeningPosition[]): TradingKernel {
  strategy.callOnBarBeforeReady = true;
  const instruments = [makeInstrument('BTC/USDT')];
  const kernel = new TradingKernel({ strategy, instruments, cash, openingPositions, runId: 'S2' });
  connectSimulatedExchange(kernel, instruments, {});
  return kernel;
}

function bars(kernel: TradingKernel, closes: readonly number[], from = 0): void {
  closes.forEach((c, i) => {
    const t = T0 + (from + i) * M;
    kernel.advanceTo(t);
    kernel.onBar(0, t, c, c, c, c, 10);
  });
}

/** Equity changes by realised plus unrealised P&L less fees, from the opening equity. */
function expectIdentities(kernel: TradingKernel): void {
  const r = buildResult(kernel, { end: kernel.stepTime, ambiguousFills: 0, fillModel: 'classic', unpairedQuoteBars: 0, skipped: [] });
  expect(r.finalEquity - r.initialCash).toBeCloseTo(r.realizedPnl + r.unrealizedPnl - r.fees, 9);
}

describe('the kernel opening with an account held before the run', () => {
  it('takes over a position at its average price: closing it books the P&L against that price', () => {
    const s = new SellHoldings({});
    const kernel = kernelWith(s, 1000, [{ symbol: 'BTC/USDT', quantity: 2, averagePrice: 100 }]);
    kernel.start();
    bars(kernel, [110, 120, 125]);
    kernel.finish();
    // The strategy sees the holding from the instrument's first mark on, and sells it: filled at the next bar's open (120).
    expect(s.positionsSeen[0]).toBe(2);
    const fill = kernel.orders.fills.at(0);
    expect(fill).toMatchObject({ quantity: -2, price: 120 });
    const pos = kernel.portfolio.position('BTC/USDT');
    expect(pos.quantity).toBe(0);
    expect(pos.realizedPnl).toBe(40);
    expect(kernel.portfolio.cash).toBe(1240);
    expect(kernel.portfolio.closedTrades).toHaveLength(1);
    expect(kernel.portfolio.closedTrades.at(0)).toMatchObject({ direction: 'long', quantity: 2, entryPrice: 100, exitPrice: 120, grossPnl: 40, netPnl: 40 });
    // Opening equity: the cash plus the holding at its cost; taking it over is no trade.
    expect(kernel.initialEquity).toBe(1200);
    expect(kernel.portfolio.tradedVolume).toBe(240);
    expectIdentities(kernel);
  });

  it('takes over a position of unknown average price at its first mark', () => {
    const s = new SellHoldings({});
    s.sell = false;
    const kernel = kernelWith(s, 500, [{ symbol: 'BTC/USDT', quantity: 0.5, averagePrice: NaN }]);
    kernel.start();
    expect(kernel.portfolio.position('BTC/USDT').quantity).toBe(0); // not before its first mark
    bars(kernel, [200, 210]);
    kernel.finish();
    const pos = kernel.portfolio.position('BTC/USDT');
    expect(pos.quantity).toBe(0.5);
    expect(pos.averagePrice).toBe(200);
    expect(pos.unrealizedPnl).toBe(5);
    expect(kernel.portfolio.cash).toBe(500);
    expect(kernel.initialEquity).toBe(600);
    // The first equity row is the opening equity: no P&L appears from taking the holding over.
    const r = buildResult(kernel, { end: kernel.stepTime, ambiguousFills: 0, fillModel: 'classic', unpairedQuoteBars: 0, skipped: [] });
    expect(Array.from(r.equity.equity)).toEqual([600, 605]);
    expectIdentities(kernel);
  });

  it('refuses an opening position in an instrument the run does not trade', () => {
    expect(() => kernelWith(new SellHoldings({}), 10, [{ symbol: 'ETH/USDT', quantity: 1, averagePrice: 5 }])).toThrow(/ETH\/USDT.*does not trade/);
  });
});

/** A venue that only records requests; the test reports back as the exchange would. */
class RecordingVenue implements ExecutionClient {
  reports: ExecutionReports | undefined;
  readonly submitted: Order[] = [];
  readonly cancelled: number[] = [];
  connect(reports: ExecutionReports): void {
    this.reports = reports;
  }
  submit(order: Order): void {
    this.submitted.push(order);
  }
  cancel(orderId: number): void {
    this.cancelled.push(orderId);
  }
  modify(): void {}
}

describe('the kernel adopting orders working at the venue', () => {
  function setup(filledBefore: number) {
    const s = new SellHoldings({});
    s.sell = false;
    s.callOnBarBeforeReady = true;
    const instruments = [makeInstrument('BTC/USDT')];
    const kernel = new TradingKernel({ strategy: s, instruments, cash: 1000, openingPositions: [{ symbol: 'BTC/USDT', quantity: 3, averagePrice: 100 }], runId: 'R7' });
    const venue = new RecordingVenue();
    kernel.connectVenue(venue);
    const order = kernel.adoptOrder(
      { clientOrderId: 'R6-4', venueOrderId: '9001', request: { symbol: 'BTC/USDT', side: 'sell', type: 'limit', quantity: 3, price: 130 }, filledQuantity: filledBefore },
      T0 - M,
    );
    kernel.start();
    return { s, kernel, venue, order };
  }

  it("applies an adopted order's later fill: position, cash, order record", () => {
    const { s, kernel, venue, order } = setup(0);
    expect(order).toMatchObject({ id: 1, clientOrderId: 'R6-4', venueOrderId: '9001', status: 'accepted', price: 130, quantity: 3 });
    expect(s.events.map((e) => e.kind)).toEqual(['accepted']);
    expect(venue.submitted).toHaveLength(0); // it works at the exchange already
    expect(kernel.orders.byClientOrderId('R6-4')).toBe(order);
    bars(kernel, [120, 131]);
    (venue.reports as ExecutionReports).filled(order.id, T0 + M, 3, 130, 'maker');
    bars(kernel, [132], 2);
    kernel.finish();
    expect(order.status).toBe('filled');
    expect(order.fillPrice).toBe(130);
    const pos = kernel.portfolio.position('BTC/USDT');
    expect(pos.quantity).toBe(0);
    expect(pos.realizedPnl).toBe(90);
    expect(kernel.portfolio.cash).toBe(1390);
    // New orders of this session carry its own prefix, numbered after the adopted one.
    expectIdentities(kernel);
  });

  it('an adopted order filled in part before: the rest fills, the fill price covers the run fills only', () => {
    const { kernel, venue, order } = setup(1);
    expect(order).toMatchObject({ status: 'partially_filled', filledQuantity: 1 });
    bars(kernel, [120]);
    (venue.reports as ExecutionReports).filled(order.id, T0 + M, 1.5, 131, 'maker');
    (venue.reports as ExecutionReports).filled(order.id, T0 + M, 0.5, 135, 'maker');
    bars(kernel, [130], 1);
    kernel.finish();
    expect(order.status).toBe('filled');
    expect(order.filledQuantity).toBe(3);
    expect(order.fillPrice).toBe(132);
    // The holding of 3 was taken over; the run's fills sold 2 of it.
    expect(kernel.portfolio.position('BTC/USDT').quantity).toBe(1);
    expectIdentities(kernel);
  });

  it('an adopted order filling before any market data: the held position is taken over first, then the fill reduces it', () => {
    const { kernel, venue, order } = setup(0);
    (venue.reports as ExecutionReports).filled(order.id, T0, 1, 130, 'maker');
    bars(kernel, [125]);
    kernel.finish();
    const pos = kernel.portfolio.position('BTC/USDT');
    expect(pos.quantity).toBe(2);
    expect(pos.averagePrice).toBe(100);
    expect(pos.realizedPnl).toBe(30);
    // One round trip, long from the price held at, partly exited: no short opened by the fill.
    expect(kernel.portfolio.closedTrades).toHaveLength(0);
    expect(pos.openTrade?.direction).toBe('long');
    expect(kernel.portfolio.cash).toBe(1130);
    expect(kernel.initialEquity).toBe(1300);
    expectIdentities(kernel);
  });

  it("new orders go out under the session's client order id prefix", () => {
    const { kernel, venue } = setup(0);
    kernel.ctx.buy(1, { limit: 90 });
    expect(venue.submitted[0]).toMatchObject({ id: 2, clientOrderId: 'R7-2' });
  });
});
