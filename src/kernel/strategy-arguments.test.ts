/**
 * What a strategy passes to the context: an argument that no venue could
 * receive (not a finite number, an unknown type, side, option, time in
 * force, a bad timeframe or period) is an InputError naming the call, the
 * argument and the value; a well-formed order the venue refuses (a quantity
 * or price <= 0) stays a rejected order with its reason.
 */
import { describe, expect, it } from 'vitest';
import { barFeed, dailyRows } from '../../test/helpers/feeds.js';
import { InputError } from '../core/errors.js';
import type { OrderEvent } from '../model/events.js';
import type { Order } from '../model/order.js';
import type { StrategyContext } from '../strategy/context.js';
import { SMA } from '../strategy/indicators/sma.js';
import { Strategy } from '../strategy/strategy.js';
import { runBacktest } from '../backtest/engine.js';

const days = dailyRows('2020-01-01', [
  [10, 11, 9, 10.5],
  [10.6, 12, 10.2, 11.5],
  [11.4, 11.8, 10.9, 11],
  [11.2, 11.4, 10, 10.1],
]);

/** Runs `act` on the first bar (after `setup` in onStart) and returns the first issue of the InputError it raised. */
function issueOf(act: (ctx: StrategyContext) => unknown, setup?: (ctx: StrategyContext) => void): { code: string; field?: string; value?: string; message: string; text: string } {
  class Once extends Strategy<object> {
    private done = false;
    override onStart(ctx: StrategyContext): void {
      setup?.(ctx);
    }
    override onBar(_bar: unknown, ctx: StrategyContext): void {
      if (this.done) return;
      this.done = true;
      act(ctx);
    }
  }
  try {
    runBacktest({ strategy: new Once({}), feeds: [barFeed('X', days)], cash: 100_000 });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const err = e as InputError;
    expect(err.issues).toHaveLength(1);
    return { ...(err.issues[0] as { code: string; message: string }), text: err.message };
  }
  throw new Error('the run raised nothing');
}

describe('indicators from the context', () => {
  it('ctx.sma(0): one line naming the call, the argument and the value', () => {
    const i = issueOf(() => undefined, (ctx) => ctx.sma(0));
    expect(i).toMatchObject({ code: 'invalid_param', field: 'ctx.sma(period)', value: '0' });
    expect(i.text).toBe("field 'ctx.sma(period)' value '0': period must be an integer >= 1");
  });

  it.each([
    ['ctx.ema(1.5)', (ctx: StrategyContext) => ctx.ema(1.5), 'ctx.ema(period)', '1.5'],
    ['ctx.rsi(NaN)', (ctx: StrategyContext) => ctx.rsi(NaN), 'ctx.rsi(period)', 'NaN'],
    ['ctx.sma("20")', (ctx: StrategyContext) => ctx.sma('20' as never), 'ctx.sma(period)', '"20"'],
    ['ctx.sma(-1)', (ctx: StrategyContext) => ctx.sma(-1), 'ctx.sma(period)', '-1'],
    ['ctx.sma(Infinity)', (ctx: StrategyContext) => ctx.sma(Infinity), 'ctx.sma(period)', 'Infinity'],
    ['ctx.sma(1e9)', (ctx: StrategyContext) => ctx.sma(1e9), 'ctx.sma(period)', '1000000000'],
    ["ctx.indicator('SMA', { timeperiod: 0 })", (ctx: StrategyContext) => ctx.indicator('SMA', { timeperiod: 0 }), "ctx.indicator('SMA', { timeperiod })", '0'],
    ["ctx.indicator('MACD', { fastperiod: NaN })", (ctx: StrategyContext) => ctx.indicator('MACD', { fastperiod: NaN }), "ctx.indicator('MACD', { fastperiod })", 'NaN'],
    ["ctx.indicator('SMA', { period: 5 })", (ctx: StrategyContext) => ctx.indicator('SMA', { period: 5 }), "ctx.indicator('SMA', { period })", '5'],
    ["ctx.indicator('NOPE')", (ctx: StrategyContext) => ctx.indicator('NOPE'), 'ctx.indicator(name)', '"NOPE"'],
    ['ctx.register({})', (ctx: StrategyContext) => ctx.register({} as never), 'ctx.register(indicator)', '{}'],
    ['new SMA(0) registered', (ctx: StrategyContext) => ctx.register(new SMA(0)), 'new SMA(period)', '0'],
    ["ctx.sma(5, { source: 'hlc3' })", (ctx: StrategyContext) => ctx.sma(5, { source: 'hlc3' as never }), 'ctx.sma(options.source)', '"hlc3"'],
    ["ctx.sma(5, { timeframe: '7m' })", (ctx: StrategyContext) => ctx.sma(5, { timeframe: '7m' }), 'ctx.sma(options.timeframe)', '"7m"'],
    ["ctx.subscribe('7m')", (ctx: StrategyContext) => ctx.subscribe('7m'), 'ctx.subscribe(timeframe)', '"7m"'],
    ['ctx.subscribe(5)', (ctx: StrategyContext) => ctx.subscribe(5 as never), 'ctx.subscribe(timeframe)', '5'],
    ["ctx.bars('Y')", (ctx: StrategyContext) => ctx.bars('Y'), 'ctx.bars(symbol)', '"Y"'],
  ])('%s', (_label, call, field, value) => {
    expect(issueOf(() => undefined, call)).toMatchObject({ field, value });
  });
});

describe('order requests with arguments no venue could receive', () => {
  it.each([
    ['ctx.buy(NaN)', (ctx: StrategyContext) => ctx.buy(NaN), 'ctx.buy(quantity)', 'NaN'],
    ['ctx.buy(Infinity)', (ctx: StrategyContext) => ctx.buy(Infinity), 'ctx.buy(quantity)', 'Infinity'],
    ["ctx.sell('10')", (ctx: StrategyContext) => ctx.sell('10' as never), 'ctx.sell(quantity)', '"10"'],
    ['ctx.buy(1, { limit: NaN })', (ctx: StrategyContext) => ctx.buy(1, { limit: NaN }), 'ctx.buy(options.limit)', 'NaN'],
    ['ctx.buy(1, { stop: -Infinity })', (ctx: StrategyContext) => ctx.buy(1, { stop: -Infinity }), 'ctx.buy(options.stop)', '-Infinity'],
    ['ctx.sell(1, { trailPercent: NaN })', (ctx: StrategyContext) => ctx.sell(1, { trailPercent: NaN }), 'ctx.sell(options.trailPercent)', 'NaN'],
    ['ctx.buy(1, { limt: 5 })', (ctx: StrategyContext) => ctx.buy(1, { limt: 5 } as never), 'ctx.buy(options.limt)', '5'],
    ["ctx.buy(1, { timeInForce: 'gtx' })", (ctx: StrategyContext) => ctx.buy(1, { timeInForce: 'gtx' as never }), 'ctx.buy(options.timeInForce)', '"gtx"'],
    ["ctx.buy(1, { type: 'markt' })", (ctx: StrategyContext) => ctx.buy(1, { type: 'markt' as never }), 'ctx.buy(options.type)', '"markt"'],
    ['ctx.buy(1, { expire: NaN })', (ctx: StrategyContext) => ctx.buy(1, { expire: NaN }), 'ctx.buy(options.expire)', 'NaN'],
    ["ctx.buy(1, { expire: 'soon' })", (ctx: StrategyContext) => ctx.buy(1, { expire: 'soon' }), 'ctx.buy(options.expire)', '"soon"'],
    ['ctx.buy(1, { validBars: NaN })', (ctx: StrategyContext) => ctx.buy(1, { validBars: NaN }), 'ctx.buy(options.validBars)', 'NaN'],
    ["ctx.buy(1, { reduceOnly: 'yes' })", (ctx: StrategyContext) => ctx.buy(1, { reduceOnly: 'yes' as never }), 'ctx.buy(options.reduceOnly)', '"yes"'],
    ["ctx.buy(1, { positionSide: 'both' })", (ctx: StrategyContext) => ctx.buy(1, { positionSide: 'both' as never }), 'ctx.buy(options.positionSide)', '"both"'],
    ['ctx.buy(1, { parent: {} })', (ctx: StrategyContext) => ctx.buy(1, { parent: {} as never }), 'ctx.buy(options.parent)', '{}'],
    ["ctx.buy(1, { symbol: 'Y' })", (ctx: StrategyContext) => ctx.buy(1, { symbol: 'Y' }), 'ctx.buy(options.symbol)', '"Y"'],
    ['ctx.buy(1, 5)', (ctx: StrategyContext) => ctx.buy(1, 5 as never), 'ctx.buy(options)', '5'],
    ["ctx.submit({ side: 'long' })", (ctx: StrategyContext) => ctx.submit({ side: 'long' as never, type: 'market', quantity: 1 }), 'ctx.submit(request.side)', '"long"'],
    ['ctx.submit({ quantity: NaN })', (ctx: StrategyContext) => ctx.submit({ side: 'buy', type: 'market', quantity: NaN }), 'ctx.submit(request.quantity)', 'NaN'],
    ["ctx.submit({ type: 'limit', price: Infinity })", (ctx: StrategyContext) => ctx.submit({ side: 'buy', type: 'limit', quantity: 1, price: Infinity }), 'ctx.submit(request.price)', 'Infinity'],
    ['ctx.bracket({ stopLoss: NaN })', (ctx: StrategyContext) => ctx.bracket({ quantity: 1, stopLoss: NaN, takeProfit: 12 }), 'ctx.bracket(options.stopLoss)', 'NaN'],
    ['ctx.bracket({ quantity: undefined })', (ctx: StrategyContext) => ctx.bracket({ stopLoss: 9, takeProfit: 12 } as never), 'ctx.bracket(options.quantity)', 'undefined'],
    ['ctx.targetPosition(NaN)', (ctx: StrategyContext) => ctx.targetPosition(NaN), 'ctx.targetPosition(quantity)', 'NaN'],
    ['ctx.cancel(undefined)', (ctx: StrategyContext) => ctx.cancel(undefined as never), 'ctx.cancel(order)', 'undefined'],
    ['ctx.cancel(1.5)', (ctx: StrategyContext) => ctx.cancel(1.5), 'ctx.cancel(order)', '1.5'],
    ['ctx.oco(order, undefined)', (ctx: StrategyContext) => ctx.oco(ctx.buy(1, { limit: 5 }), undefined as never), 'ctx.oco(orders[1])', 'undefined'],
    ['ctx.modify(order, { price: NaN })', (ctx: StrategyContext) => ctx.modify(ctx.buy(1, { limit: 5 }), { price: NaN }), 'ctx.modify(changes.price)', 'NaN'],
    ['ctx.modify(order, { size: 2 })', (ctx: StrategyContext) => ctx.modify(ctx.buy(1, { limit: 5 }), { size: 2 } as never), 'ctx.modify(changes.size)', '2'],
  ])('%s', (_label, call, field, value) => {
    expect(issueOf(call)).toMatchObject({ field, value });
  });
});

describe('other context calls', () => {
  it.each([
    ["ctx.setTimer('t', NaN)", (ctx: StrategyContext) => ctx.setTimer('t', NaN), 'ctx.setTimer(at)', 'NaN'],
    ["ctx.setTimer('t', 'later')", (ctx: StrategyContext) => ctx.setTimer('t', 'later'), 'ctx.setTimer(at)', '"later"'],
    ["ctx.setTimer('', 5)", (ctx: StrategyContext) => ctx.setTimer('', 5), 'ctx.setTimer(name)', '""'],
    ["ctx.setInterval('t', 0)", (ctx: StrategyContext) => ctx.setInterval('t', 0), 'ctx.setInterval(everyMicros)', '0'],
    ["ctx.setInterval('t', 1.5)", (ctx: StrategyContext) => ctx.setInterval('t', 1.5), 'ctx.setInterval(everyMicros)', '1.5'],
    ["ctx.setTradingState('paused')", (ctx: StrategyContext) => ctx.setTradingState('paused' as never), 'ctx.setTradingState(state)', '"paused"'],
    ["ctx.position(undefined, 'flat')", (ctx: StrategyContext) => ctx.position(undefined, 'flat' as never), 'ctx.position(side)', '"flat"'],
    ['ctx.size.percentOfEquity(NaN)', (ctx: StrategyContext) => ctx.size.percentOfEquity(NaN), 'ctx.size.percentOfEquity(fraction)', 'NaN'],
    ['ctx.size.fixed(-1)', (ctx: StrategyContext) => ctx.size.fixed(-1), 'ctx.size.fixed(quantity)', '-1'],
    ['ctx.size.percentOfEquity(0.1, { limit: -5 })', (ctx: StrategyContext) => ctx.size.percentOfEquity(0.1, { limit: -5 }), 'ctx.size.percentOfEquity(options.limit)', '-5'],
    ["ctx.size.notional(1000, { side: 'long' })", (ctx: StrategyContext) => ctx.size.notional(1000, { side: 'long' as never }), 'ctx.size.notional(options.side)', '"long"'],
    ['ctx.size.kelly(1.2, 2, 0.5)', (ctx: StrategyContext) => ctx.size.kelly(1.2, 2, 0.5), 'ctx.size.kelly(winRate)', '1.2'],
    ['ctx.size.volatilityTarget(0.01, { period: 0 })', (ctx: StrategyContext) => ctx.size.volatilityTarget(0.01, { period: 0 }), 'ctx.size.volatilityTarget(options.period)', '0'],
  ])('%s', (_label, call, field, value) => {
    expect(issueOf(call)).toMatchObject({ field, value });
  });
});

describe('well-formed orders a venue refuses stay rejections', () => {
  it('quantity or prices <= 0, a bad good-for-bars count: rejected with a reason, the run goes on', () => {
    const events: string[] = [];
    class Refused extends Strategy<object> {
      private done = false;
      override onBar(_bar: unknown, ctx: StrategyContext): void {
        if (this.done) return;
        this.done = true;
        ctx.buy(0);
        ctx.sell(-5);
        ctx.buy(1, { limit: -1 });
        ctx.buy(1, { stop: 0 });
        ctx.buy(1, { validBars: 1.5 });
        ctx.modify(ctx.buy(1, { limit: 5 }) as Order, { price: -1 });
      }
      override onOrderEvent(e: OrderEvent): void {
        if (e.kind === 'rejected' || e.kind === 'modify_rejected') events.push(`${e.order.id} ${e.kind} ${e.reason}`);
      }
    }
    const r = runBacktest({ strategy: new Refused({}), feeds: [barFeed('X', days)], cash: 100_000 });
    expect(events).toEqual([
      '1 rejected invalid_quantity',
      '2 rejected invalid_quantity',
      '3 rejected invalid_price',
      '4 rejected invalid_trigger',
      '5 rejected invalid_expiry',
      '6 modify_rejected invalid_price',
    ]);
    expect(r.orders[5]?.status).toBe('accepted');
  });
});
