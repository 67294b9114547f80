import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { MICROS_PER_SECOND } from '../core/time.js';
import type { OrderEvent } from '../model/events.js';
import type { ExecutionReports } from '../model/execution.js';
import type { MutableOrder, Order, OrderSide, RejectReason } from '../model/order.js';
import { RISK_REJECT_REASONS, draftOrder } from '../model/order.js';
import { NoFee } from '../execution/models/fee.js';
import { OrderManager, type ManagedVenue, type NewOrder, type PreTradeCheck } from '../execution/order-manager.js';
import { RISK_RULE_ORDER, RiskEngine, costPriceOf } from './engine.js';
import { RiskLimits, parseRiskLimits, type RiskLimitsInput } from './limits.js';
import { MapRiskView } from './view.js';

/** Rows of a sample CSV, split plainly (header dropped). */
function sampleRows(name: string): string[][] {
  const text = readFileSync(new URL(`../../data/samples/${name}`, import.meta.url), 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
}

// Real last prices: ORCL's close on 2002-12-31, and the first close of the FUT minute file.
const orclRow = sampleRows('ORCL-1995-2014.csv').find((r) => r[0] === '2002-12-31') as string[];
const ORCL = Number(orclRow[4]);
const FUT = Number((sampleRows('FUT-2006-min.csv')[0] as string[])[5]);

let nextId = 1;
function order(o: Partial<MutableOrder> & { side: OrderSide }): Order {
  return draftOrder({ id: nextId++, symbol: 'ORCL', quantity: 1, createdTime: 0, referencePrice: o.symbol === 'FUT' ? FUT : ORCL, ...o });
}
const buy = (quantity: number, extra: Partial<MutableOrder> = {}): Order => order({ side: 'buy', quantity, ...extra });
const sell = (quantity: number, extra: Partial<MutableOrder> = {}): Order => order({ side: 'sell', quantity, ...extra });

/** ORCL (tick 0.01, lot 1) and FUT (tick 1, lot 1, multiplier 10) at their real prices, flat, equity 100,000. */
function market(): MapRiskView {
  const v = new MapRiskView({ time: 0, equity: 100_000 });
  v.instruments.set('ORCL', { tickSize: 0.01, lotSize: 1, multiplier: 1 });
  v.instruments.set('FUT', { tickSize: 1, lotSize: 1, multiplier: 10 });
  v.prices.set('ORCL', ORCL);
  v.prices.set('FUT', FUT);
  v.positions.set('ORCL', 0);
  v.positions.set('FUT', 0);
  return v;
}

const engine = (limits: RiskLimitsInput): RiskEngine => new RiskEngine(limits);

describe('the real prices used below', () => {
  it('are ORCL 10.80 and FUT 3599', () => {
    expect(ORCL).toBe(10.8);
    expect(FUT).toBe(3599);
  });
});

describe('RiskLimits', () => {
  it('is a zod schema in which every limit is optional', () => {
    // Only the grids (prices on the tick, quantities on the lot) and the run's order count are checked by default.
    expect(RiskLimits.parse({})).toEqual({ enforceTick: 'reject', enforceLot: 'reject', maxOrders: 1_000_000 });
    expect(RiskLimits.safeParse({ maxPosition: { default: 100, symbols: { FUT: 0 } }, maxDailyLoss: { fraction: 0.02 } }).success).toBe(true);
    expect(RiskLimits.safeParse({ maxDrawdown: 1.5 }).success).toBe(false);
    expect(RiskLimits.safeParse({ maxOrderQuantity: -1 }).success).toBe(false);
    expect(RiskLimits.safeParse({ maxOrderQuantity: Infinity }).success).toBe(false);
    expect(RiskLimits.safeParse({ orderRate: { count: 1.5, windowMicros: 10 } }).success).toBe(false);
    expect(RiskLimits.safeParse({ maxPositon: 10 }).success).toBe(false); // a misspelt name is an error, not ignored
  });

  it('names the bad field in an InputError', () => {
    try {
      parseRiskLimits({ maxDrawdown: 1.5, enforceTick: 'sometimes' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      const issues = (e as InputError).issues;
      expect(issues.map((i) => i.field)).toEqual(['risk.maxDrawdown', 'risk.enforceTick']);
      expect(issues[0]?.value).toBe('1.5');
      expect(issues.every((i) => i.code === 'invalid_option')).toBe(true);
    }
    expect(() => new RiskEngine({ priceBand: 0 })).toThrow(InputError);
  });
});

describe('RiskEngine.check: each rule denies with its reason and passes just inside', () => {
  it('max_order_quantity', () => {
    const r = engine({ maxOrderQuantity: 500 });
    const v = market();
    expect(r.check(buy(500), v)).toBeUndefined();
    expect(r.check(buy(501), v)).toBe('max_order_quantity');
    expect(r.check(sell(501), v)).toBe('max_order_quantity'); // reducing or not: it is the order's own size
  });

  it('max_order_notional, with the cost price and the multiplier', () => {
    const r = engine({ maxOrderNotional: 71_980 });
    const v = market();
    // FUT: 2 x 3599 x 10 = 71,980 (market order costed at its reference price, the last close)
    expect(r.check(buy(2, { symbol: 'FUT' }), v)).toBeUndefined();
    expect(r.check(buy(3, { symbol: 'FUT' }), v)).toBe('max_order_notional');
    // ORCL limit at 10.80: 6664 x 10.8 = 71,971.2 passes, 6665 x 10.8 = 71,982 does not
    expect(r.check(buy(6664, { type: 'limit', price: 10.8 }), v)).toBeUndefined();
    expect(r.check(buy(6665, { type: 'limit', price: 10.8 }), v)).toBe('max_order_notional');
    // The cost the order manager gives overrides the order's own.
    expect(r.check(buy(6665, { type: 'limit', price: 10.8 }), v, { price: 10.79 })).toBeUndefined();
    // Exact decimals: 0.7 x 102828.57142857 would not be a float trap, but 3 x 0.1 is; a limit of 0.3 passes 3 x 0.1.
    expect(engine({ maxOrderNotional: 0.3 }).check(buy(3, { type: 'limit', price: 0.1 }), v)).toBeUndefined();
  });

  it('max_position, one limit for all and per-symbol overrides; live orders count when the view gives them', () => {
    const r = engine({ maxPosition: 1000 });
    const v = market();
    v.positions.set('ORCL', 600);
    expect(r.check(buy(400), v)).toBeUndefined();
    expect(r.check(buy(401), v)).toBe('max_position');
    expect(r.check(sell(1600), v)).toBeUndefined(); // to -1000
    expect(r.check(sell(1601), v)).toBe('max_position');
    // Above the limit already (the limit was lowered): a reducing order still passes, an increasing one does not.
    v.positions.set('ORCL', 1500);
    expect(r.check(sell(100), v)).toBeUndefined();
    expect(r.check(buy(1), v)).toBe('max_position');
    // Open buy orders of 300 with a position of 600: 100 more fits, 101 does not.
    v.positions.set('ORCL', 600);
    v.open.set('ORCL', [300, 0]);
    expect(r.check(buy(100), v)).toBeUndefined();
    expect(r.check(buy(101), v)).toBe('max_position');

    const o = engine({ maxPosition: { default: 1000, symbols: { FUT: 2 } } });
    expect(o.maxPositionFor('FUT')).toBe(2);
    expect(o.maxPositionFor('ORCL')).toBe(1000);
    expect(o.check(buy(2, { symbol: 'FUT' }), market())).toBeUndefined();
    expect(o.check(buy(3, { symbol: 'FUT' }), market())).toBe('max_position');
    const none = engine({ maxPosition: { symbols: { FUT: 0 } } });
    expect(none.check(buy(1, { symbol: 'FUT' }), market())).toBe('max_position');
    expect(none.check(buy(1_000_000), market())).toBeUndefined(); // no default: ORCL unlimited
  });

  it('max_gross_exposure: the instrument valued at the last price, the order at its cost price', () => {
    const v = market();
    v.positions.set('ORCL', 1000); // 10,800
    v.positions.set('FUT', 1); // 35,990
    expect(v.grossExposure()).toBe(46_790);
    const r = engine({ maxGrossExposure: 50_030 }); // 46,790 + 300 x 10.8
    expect(r.check(buy(300), v)).toBeUndefined();
    expect(r.check(buy(301), v)).toBe('max_gross_exposure');
    // A limit below the market is costed at its limit: 301 x 10.76 = 3238.76 fits.
    expect(r.check(buy(301, { type: 'limit', price: 10.76 }), v)).toBeUndefined();
    // Above the limit, an order that lowers gross exposure passes; a flip that raises it does not.
    const tight = engine({ maxGrossExposure: 40_000 });
    expect(tight.check(sell(1, { symbol: 'FUT' }), v)).toBeUndefined();
    expect(tight.check(sell(3, { symbol: 'FUT' }), v)).toBe('max_gross_exposure'); // +1 -> -2
  });

  it('max_net_exposure: |net| after the order', () => {
    const v = market();
    v.positions.set('ORCL', 1000); // +10,800
    v.positions.set('FUT', -1); // -35,990
    expect(v.netExposure()).toBe(-25_190);
    const r = engine({ maxNetExposure: 25_570 }); // -25,190 + 4700 x 10.8 = 25,570
    expect(r.check(buy(4700), v)).toBeUndefined();
    expect(r.check(buy(4701), v)).toBe('max_net_exposure');
    expect(r.check(buy(2000), v)).toBeUndefined(); // |net| falls to 3590
    expect(engine({ maxNetExposure: 20_000 }).check(buy(100), v)).toBeUndefined(); // above the limit, but lowering |net|
    expect(engine({ maxNetExposure: 20_000 }).check(sell(1), v)).toBe('max_net_exposure');
  });

  it('max_leverage: gross exposure after / (equity - fee)', () => {
    const v = market();
    v.positions.set('ORCL', 1000);
    v.positions.set('FUT', 1);
    v.equityValue = 20_012; // 2.5 x 20,012 = 50,030 = 46,790 + 300 x 10.8
    const r = engine({ maxLeverage: 2.5 });
    expect(r.check(buy(300), v)).toBeUndefined();
    expect(r.check(buy(301), v)).toBe('max_leverage');
    expect(r.check(buy(300), v, { price: ORCL, fee: 1 })).toBe('max_leverage'); // the fee leaves 20,011
    expect(r.check(sell(1, { symbol: 'FUT' }), v)).toBeUndefined(); // lowers gross exposure
    v.equityValue = -5;
    expect(r.check(buy(1), v)).toBe('max_leverage'); // no equity: nothing may add exposure
    expect(r.check(sell(10), v)).toBeUndefined();
  });

  it('price_band: limit and trigger prices within a fraction of the last price', () => {
    const r = engine({ priceBand: 0.1 });
    const v = market();
    // 10.80 x 0.1 = 1.08: from 9.72 to 11.88 inclusive
    expect(r.check(buy(1, { type: 'limit', price: 11.88 }), v)).toBeUndefined();
    expect(r.check(buy(1, { type: 'limit', price: 11.89 }), v)).toBe('price_band');
    expect(r.check(sell(1, { type: 'limit', price: 9.72 }), v)).toBeUndefined();
    expect(r.check(sell(1, { type: 'limit', price: 9.71 }), v)).toBe('price_band');
    expect(r.check(buy(1, { type: 'stop', triggerPrice: 11.89 }), v)).toBe('price_band');
    expect(r.check(buy(1, { type: 'stop_limit', triggerPrice: 11.8, price: 11.89 }), v)).toBe('price_band');
    expect(r.check(buy(1), v)).toBeUndefined(); // a market order has no price to check
    v.prices.delete('ORCL');
    expect(r.check(buy(1, { type: 'limit', price: 100 }), v)).toBeUndefined(); // no last price: not checked
  });

  it('rate_limit: at most N accepted orders in a rolling window; denied orders do not count', () => {
    const r = engine({ orderRate: { count: 3, windowMicros: 60 * MICROS_PER_SECOND }, maxOrderQuantity: 100 });
    const v = market();
    for (const s of [0, 10, 20]) {
      v.time = s * MICROS_PER_SECOND;
      expect(r.check(buy(1), v)).toBeUndefined();
    }
    v.time = 60 * MICROS_PER_SECOND - 1;
    expect(r.ordersInWindow(v.time)).toBe(3);
    expect(r.check(buy(1), v)).toBe('rate_limit');
    expect(r.check(buy(1000), v)).toBe('max_order_quantity'); // an earlier rule wins
    v.time = 60 * MICROS_PER_SECOND; // the order at 0 leaves the window (it covers (now - 60 s, now])
    expect(r.check(buy(1), v)).toBeUndefined();
    expect(r.check(buy(1), v)).toBe('rate_limit');
    v.time = 70 * MICROS_PER_SECOND;
    expect(r.check(buy(1), v)).toBeUndefined();
    // evaluate is pure: it never counts.
    v.time = 1000 * MICROS_PER_SECOND;
    for (let i = 0; i < 10; i++) expect(r.evaluate(buy(1), v)).toBeUndefined();
    expect(r.ordersInWindow(v.time)).toBe(0);
  });

  it('off_tick and off_lot in exact decimals; rejected by default, unless turned off', () => {
    const v = market();
    v.instruments.set('ORCL', { tickSize: 0.05, lotSize: 100, multiplier: 1 });
    const r = engine({ enforceTick: 'reject', enforceLot: 'reject' });
    expect(r.check(buy(200, { type: 'limit', price: 10.15 }), v)).toBeUndefined(); // 10.15 = 203 x 0.05
    expect(r.check(buy(200, { type: 'limit', price: 10.17 }), v)).toBe('off_tick');
    expect(r.check(sell(200, { type: 'stop', triggerPrice: 10.17 }), v)).toBe('off_tick');
    expect(r.check(sell(200, { type: 'stop_limit', triggerPrice: 10.15, price: 10.12 }), v)).toBe('off_tick');
    expect(r.check(sell(200, { type: 'trailing_stop', trailPercent: 0.03, triggerPrice: 10.476 }), v)).toBeUndefined(); // a derived trigger is not checked
    expect(r.check(buy(250), v)).toBe('off_lot');
    v.instruments.set('ORCL', { tickSize: 0.05, lotSize: 0.05, multiplier: 1 });
    expect(r.check(buy(10.15), v)).toBeUndefined();
    expect(r.check(buy(10.17), v)).toBe('off_lot');
    // The default rejects; 'off' checks nothing.
    expect(engine({}).check(buy(10.17, { type: 'limit', price: 10.17 }), v)).toBe('off_tick');
    expect(engine({ enforceTick: 'off', enforceLot: 'off' }).check(buy(10.17, { type: 'limit', price: 10.17 }), v)).toBeUndefined();
    // Round mode still checks, in case an order was not rounded.
    expect(engine({ enforceTick: 'round' }).check(buy(1, { type: 'limit', price: 10.17 }), v)).toBe('off_tick');
  });

  it('trading states: halted denies everything, reducing only what reduces the position', () => {
    const r = engine({});
    const v = market();
    v.positions.set('ORCL', 600);
    v.time = 5;
    r.setState({ symbol: 'ORCL' }, 'reducing', 5);
    expect(r.check(sell(600), v)).toBeUndefined(); // to flat
    expect(r.check(sell(601), v)).toBe('trading_reducing'); // would flip
    expect(r.check(buy(1), v)).toBe('trading_reducing');
    expect(r.check(buy(1, { symbol: 'FUT' }), v)).toBeUndefined(); // other instruments are not affected
    v.positions.set('ORCL', 0);
    expect(r.check(sell(1), v)).toBe('trading_reducing'); // flat: nothing reduces
    r.setState('account', 'halted', 6);
    v.positions.set('ORCL', 600);
    expect(r.check(sell(100), v)).toBe('trading_halted'); // halted: reducing orders too
    expect(r.check(buy(1, { symbol: 'FUT' }), v)).toBe('trading_halted');
    expect(r.effectiveState('FUT')).toBe('halted');
    r.setState('account', 'active', 7);
    expect(r.effectiveState('ORCL')).toBe('reducing'); // the stricter of account and instrument
    expect(r.state({ symbol: 'ORCL' })).toBe('reducing');
    expect(r.setState({ symbol: 'ORCL' }, 'reducing')).toBeUndefined(); // no change, no event
    r.setState({ symbol: 'ORCL' }, 'active', 8);
    expect(r.events).toEqual([
      { time: 5, scope: 'instrument', symbol: 'ORCL', from: 'active', to: 'reducing', reason: 'manual' },
      { time: 6, scope: 'account', from: 'active', to: 'halted', reason: 'manual' },
      { time: 7, scope: 'account', from: 'halted', to: 'active', reason: 'manual' },
      { time: 8, scope: 'instrument', symbol: 'ORCL', from: 'reducing', to: 'active', reason: 'manual' },
    ]);
  });

  it('applies the rules in the documented order', () => {
    expect(RISK_RULE_ORDER).toEqual([
      'trading_state', 'off_tick', 'off_lot', 'price_band', 'max_order_quantity', 'max_order_notional',
      'max_position', 'max_gross_exposure', 'max_net_exposure', 'max_leverage', 'rate_limit',
    ]);
    // One order that breaks every rule; lifting the rules one by one reveals them in order.
    const v = market();
    v.instruments.set('ORCL', { tickSize: 0.05, lotSize: 100, multiplier: 1 });
    v.equityValue = 1;
    v.time = 10;
    const bad = buy(250, { type: 'limit', price: 20.01 });
    const all: RiskLimitsInput = {
      enforceTick: 'reject',
      enforceLot: 'reject',
      priceBand: 0.1,
      maxOrderQuantity: 100,
      maxOrderNotional: 1000,
      maxPosition: 100,
      maxGrossExposure: 1000,
      maxNetExposure: 1000,
      maxLeverage: 1,
      orderRate: { count: 1, windowMicros: 100 },
    };
    const lift: [keyof RiskLimitsInput | 'state', RejectReason][] = [
      ['state', 'trading_halted'],
      ['enforceTick', 'off_tick'],
      ['enforceLot', 'off_lot'],
      ['priceBand', 'price_band'],
      ['maxOrderQuantity', 'max_order_quantity'],
      ['maxOrderNotional', 'max_order_notional'],
      ['maxPosition', 'max_position'],
      ['maxGrossExposure', 'max_gross_exposure'],
      ['maxNetExposure', 'max_net_exposure'],
      ['maxLeverage', 'max_leverage'],
      ['orderRate', 'rate_limit'],
    ];
    const limits: Record<string, unknown> = { ...all };
    let halted = true;
    for (const [key, reason] of lift) {
      const r = new RiskEngine(limits as RiskLimitsInput);
      r.recordAccepted(5); // fills the rate window
      if (halted) r.setState('account', 'halted', 0);
      expect(r.evaluate(bad, v)).toBe(reason);
      if (key === 'state') halted = false;
      else if (key === 'enforceTick' || key === 'enforceLot') limits[key] = 'off';
      else delete limits[key];
    }
    expect(new RiskEngine(limits as RiskLimitsInput).evaluate(bad, v)).toBeUndefined();
    // Every reason the engine gives is a declared risk reason.
    for (const [, reason] of lift) expect((RISK_REJECT_REASONS as readonly string[]).includes(reason)).toBe(true);
  });
});

describe('roundOrder', () => {
  const inst = { tickSize: 0.05, lotSize: 100, multiplier: 1 };
  it('rounds limits never more aggressive, triggers to the nearest tick, quantities down to the lot', () => {
    const r = engine({ enforceTick: 'round', enforceLot: 'round' });
    expect(r.roundOrder({ side: 'buy', type: 'limit', quantity: 250, price: 10.17 }, inst)).toEqual({ quantity: 200, price: 10.15, triggerPrice: NaN, changed: true });
    expect(r.roundOrder({ side: 'sell', type: 'limit', quantity: 200, price: 10.17 }, inst)).toEqual({ quantity: 200, price: 10.2, triggerPrice: NaN, changed: true });
    expect(r.roundOrder({ side: 'sell', type: 'stop', quantity: 200, triggerPrice: 10.17 }, inst).triggerPrice).toBe(10.15);
    expect(r.roundOrder({ side: 'sell', type: 'stop', quantity: 200, triggerPrice: 10.18 }, inst).triggerPrice).toBe(10.2);
    expect(r.roundOrder({ side: 'buy', type: 'stop_limit', quantity: 200, triggerPrice: 10.18, price: 10.24 }, inst)).toEqual({ quantity: 200, price: 10.2, triggerPrice: 10.2, changed: true });
    expect(r.roundOrder({ side: 'buy', type: 'limit', quantity: 200, price: 10.15 }, inst).changed).toBe(false);
    expect(r.roundOrder({ side: 'buy', type: 'market', quantity: 99 }, inst)).toEqual({ quantity: 0, price: NaN, triggerPrice: NaN, changed: true });
    // A rounded order passes the grid checks.
    const v = market();
    v.instruments.set('ORCL', inst);
    const rounded = r.roundOrder({ side: 'buy', type: 'limit', quantity: 250, price: 10.17 }, inst);
    expect(r.check(buy(rounded.quantity, { type: 'limit', price: rounded.price }), v)).toBeUndefined();
  });

  it('leaves everything alone in other modes and without a grid', () => {
    expect(engine({ enforceTick: 'reject', enforceLot: 'off' }).roundOrder({ side: 'buy', type: 'limit', quantity: 250, price: 10.17 }, inst)).toEqual({ quantity: 250, price: 10.17, triggerPrice: NaN, changed: false });
    expect(engine({ enforceTick: 'round', enforceLot: 'round' }).roundOrder({ side: 'buy', type: 'limit', quantity: 250, price: 10.17 }, undefined).changed).toBe(false);
  });

  it('with enforceLot reject, takes an order for all of a position off the lot grid down to the lot (the rest is dust); other orders stay', () => {
    const r = engine({ enforceLot: 'reject' });
    const lot = { tickSize: 0, lotSize: 0.00001, multiplier: 1 };
    // 0.01234 bought, 0.00001234 paid in kind: 0.01232766 held.
    expect(r.roundOrder({ side: 'sell', type: 'market', quantity: 0.01232766 }, lot, 0.01232766)).toEqual({ quantity: 0.01232, price: NaN, triggerPrice: NaN, changed: true });
    expect(r.roundOrder({ side: 'buy', type: 'market', quantity: 0.01232766 }, lot, -0.01232766).quantity).toBe(0.01232);
    // Not all of it, the wrong side, or no position: refused later as off the lot, as before.
    expect(r.roundOrder({ side: 'sell', type: 'market', quantity: 0.01232765 }, lot, 0.01232766).changed).toBe(false);
    expect(r.roundOrder({ side: 'buy', type: 'market', quantity: 0.01232766 }, lot, 0.01232766).changed).toBe(false);
    expect(r.roundOrder({ side: 'sell', type: 'market', quantity: 0.01232766 }, lot).changed).toBe(false);
    // enforceLot off: quantities are not the risk engine's business.
    expect(engine({ enforceLot: 'off' }).roundOrder({ side: 'sell', type: 'market', quantity: 0.01232766 }, lot, 0.01232766).changed).toBe(false);
  });
});

describe('wiring', () => {
  it('costs orders as the order manager does', () => {
    expect(costPriceOf(buy(1, { type: 'limit', price: 10.5 }))).toBe(10.5);
    expect(costPriceOf(buy(1, { type: 'stop', triggerPrice: 11 }))).toBe(11);
    expect(costPriceOf(buy(1, { type: 'stop_limit', triggerPrice: 11, price: 11.2 }))).toBe(11.2);
    expect(costPriceOf(buy(1))).toBe(ORCL);
  });

  it('plugs into the order manager as its PreTradeCheck: a denial is a rejected event with the reason', () => {
    const view = market();
    const risk = engine({ maxOrderQuantity: 100 });
    const check: PreTradeCheck = risk.preTradeCheck(view);
    const events: OrderEvent[] = [];
    const sent: number[] = [];
    const om = new OrderManager(new NoFee(), check, { event: (e) => events.push(e), fill: () => {}, released: () => {} });
    // A venue that acknowledges at once.
    let reports: ExecutionReports | undefined;
    const venue: ManagedVenue = {
      connect: (r) => (reports = r),
      submit: (o, t) => {
        sent.push(o.id);
        reports?.accepted(o.id, `V-${o.id}`, t);
      },
      cancel: () => {},
      modify: () => {},
    };
    om.connect(venue);
    const req = (quantity: number): NewOrder => ({
      symbol: 'ORCL', side: 'buy', type: 'market', quantity, price: NaN, triggerPrice: NaN, trailOffset: 0, trailPercent: 0,
      timeInForce: 'gtc', expireTime: NaN, validBars: 0, reduceOnly: false, postOnly: false, tag: '', multiplier: 1,
    });
    const denied = om.submit(req(101), 0, ORCL);
    const accepted = om.submit(req(100), 0, ORCL);
    expect(denied.status).toBe('rejected');
    expect(denied.reason).toBe('max_order_quantity');
    expect(accepted.status).toBe('accepted');
    expect(sent).toEqual([accepted.id]);
    expect(events.map((e) => [e.order.id, e.kind, e.reason])).toEqual([
      [denied.id, 'submitted', ''],
      [denied.id, 'rejected', 'max_order_quantity'],
      [accepted.id, 'submitted', ''],
      [accepted.id, 'accepted', ''],
    ]);
  });
});
