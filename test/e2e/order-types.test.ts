/**
 * Every order type, time in force and link between orders, on real daily
 * bars (ORCL, 2003), against expectations computed here from the file text.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestOptions } from '../../src/backtest/engine.js';
import { mulExact } from '../../src/core/decimal.js';
import { formatIso } from '../../src/core/time.js';
import { openCsvFeed } from '../../src/data/index.js';
import { MakerTakerFee, PercentFee } from '../../src/execution/models/fee.js';
import { IntrabarFill } from '../../src/execution/models/fill.js';
import { FixedLatency } from '../../src/execution/models/latency.js';
import { FixedTickSlippage } from '../../src/execution/models/slippage.js';
import type { OrderEvent, TimerEvent } from '../../src/model/events.js';
import type { Bar } from '../../src/model/market.js';
import { isLive, type Order } from '../../src/model/order.js';
import type { StrategyContext } from '../../src/strategy/context.js';
import { Strategy } from '../../src/strategy/strategy.js';
import { SAMPLES } from '../helpers/cli.js';
import { firstTouch, readYahoo, type RawBar } from '../helpers/sample-bars.js';

const FROM = '2003-01-01';
const TO = '2003-12-31';
const bars: RawBar[] = readYahoo('ORCL-1995-2014.csv', FROM, TO);

type Step = (ctx: StrategyContext, bar: Bar, s: Scripted) => void;

class Scripted extends Strategy<{ steps: Record<number | string, Step> }> {
  i = -1;
  events: OrderEvent[] = [];
  orders: Order[] = [];
  override onBar(bar: Bar, ctx: StrategyContext): void {
    this.i++;
    this.params.steps[this.i]?.(ctx, bar, this);
  }
  override onOrderEvent(e: OrderEvent): void {
    this.events.push(e);
  }
  override onTimer(t: TimerEvent, ctx: StrategyContext): void {
    this.params.steps[`timer:${t.name}`]?.(ctx, undefined as unknown as Bar, this);
  }
  kinds(id: number): string[] {
    return this.events.filter((e) => e.order.id === id).map((e) => (e.reason ? `${e.kind}:${e.reason}` : e.kind));
  }
}

function run(steps: Record<number | string, Step>, options: Partial<BacktestOptions> = {}): { s: Scripted; r: ReturnType<typeof runBacktest> } {
  const s = new Scripted({ steps });
  const feed = openCsvFeed(join(SAMPLES, 'ORCL-1995-2014.csv'), { symbol: 'ORCL', from: Date.parse(`${FROM}T00:00:00Z`) * 1000, to: Date.parse(`${TO}T23:59:59.999Z`) * 1000 + 999 });
  const r = runBacktest({ strategy: s, feeds: [feed], cash: 1_000_000_000, ...options });
  return { s, r };
}

const dateOf = (o: Order): string => formatIso(o.filledTime).slice(0, 10);
const b = (i: number): RawBar => bars[i] as RawBar;

describe('order types on ORCL 2003 daily bars', () => {
  it('has the data this suite expects', () => {
    expect(bars.length).toBe(252);
    expect(b(0).date).toBe('2003-01-02');
  });

  it('market: the next open', () => {
    const { r } = run({ 10: (ctx) => ctx.buy(100) });
    expect(r.orders[0]).toMatchObject({ status: 'filled', fillPrice: b(11).open });
    expect(dateOf(r.orders[0]!)).toBe(b(11).date);
  });

  it('limit buy below the market: the first bar whose open or low reaches it', () => {
    const level = mulExact(b(10).close, 0.95);
    const { r, s } = run({ 10: (ctx) => ctx.buy(100, { limit: level }) });
    const want = firstTouch(bars, 10, level, true)!;
    expect(r.orders[0]).toMatchObject({ status: 'filled', fillPrice: want.price });
    expect(dateOf(r.orders[0]!)).toBe(b(want.index).date);
    expect(r.fills[0]?.liquidity).toBe('maker');
    expect(s.kinds(1)).toEqual(['submitted', 'accepted', 'filled']);
  });

  it('stop sell below the market: triggers on the low, fills at the stop or the gapped open', () => {
    const { r } = run({ 5: (ctx) => ctx.buy(100), 6: (ctx) => ctx.sell(100, { stop: mulExact(b(6).close, 0.93) }) });
    const want = firstTouch(bars, 6, mulExact(b(6).close, 0.93), true)!;
    expect(r.orders[1]).toMatchObject({ type: 'stop', status: 'filled', fillPrice: want.price });
    expect(dateOf(r.orders[1]!)).toBe(b(want.index).date);
    expect(r.fills[1]?.liquidity).toBe('taker');
  });

  it('stop-limit: triggered on one bar, filled at the limit on a later one when the trigger bar never reached it', () => {
    // A buy stop-limit: trigger above the market, limit a little above the trigger.
    const trigger = mulExact(b(20).close, 1.03);
    const limit = mulExact(b(20).close, 1.04);
    const { r, s } = run({ 20: (ctx) => ctx.buy(100, { stop: trigger, limit }) });
    const t = firstTouch(bars, 20, trigger, false)!;
    const o = r.orders[0]!;
    expect(s.kinds(1).slice(0, 3)).toEqual(['submitted', 'accepted', 'triggered']);
    expect(s.events.find((e) => e.kind === 'triggered')?.time).toBe(Date.parse(`${b(t.index).date}T23:59:59.999Z`) * 1000 + 999);
    // On the trigger bar the limit fills at the trigger price (or the open) when that is <= the limit.
    const p = t.price <= limit ? t.price : undefined;
    if (p !== undefined) expect(o).toMatchObject({ status: 'filled', fillPrice: p });
    expect(o.fillPrice).toBeLessThanOrEqual(limit);
  });

  it('trailing stop by offset: trails the highest high, fills when a bar falls to the trail', () => {
    const offset = 0.5;
    const { r } = run({ 30: (ctx) => ctx.buy(100), 31: (ctx) => ctx.sell(100, { trailOffset: offset }) });
    // Expected: seeded at bar 31's close; each later bar first checks the trail from earlier bars, then raises it by its high.
    let extreme = b(31).close;
    let fill: { index: number; price: number } | undefined;
    for (let j = 32; j < bars.length && fill === undefined; j++) {
      const stop = extreme - offset;
      if (b(j).open <= stop) fill = { index: j, price: b(j).open };
      else if (b(j).low <= stop) fill = { index: j, price: stop };
      extreme = Math.max(extreme, b(j).high);
    }
    expect(fill).toBeDefined();
    expect(r.orders[1]).toMatchObject({ type: 'trailing_stop', status: 'filled' });
    expect(r.orders[1]!.fillPrice).toBeCloseTo(fill!.price, 12);
    expect(dateOf(r.orders[1]!)).toBe(b(fill!.index).date);
  });

  it('trailing stop by percent', () => {
    const { r } = run({ 30: (ctx) => ctx.buy(100), 31: (ctx) => ctx.sell(100, { trailPercent: 0.05 }) });
    let extreme = b(31).close;
    let fill: { index: number; price: number } | undefined;
    for (let j = 32; j < bars.length && fill === undefined; j++) {
      const stop = extreme * 0.95;
      if (b(j).open <= stop) fill = { index: j, price: b(j).open };
      else if (b(j).low <= stop) fill = { index: j, price: stop };
      extreme = Math.max(extreme, b(j).high);
    }
    expect(dateOf(r.orders[1]!)).toBe(b(fill!.index).date);
    expect(r.orders[1]!.fillPrice).toBeCloseTo(fill!.price, 12);
  });

  it('market-on-open and market-on-close: the next session open, the next session close', () => {
    const { r } = run({ 40: (ctx) => { ctx.buy(100, { type: 'market_on_open' }); ctx.buy(100, { type: 'market_on_close' }); } });
    expect(r.orders[0]).toMatchObject({ status: 'filled', fillPrice: b(41).open });
    expect(r.orders[1]).toMatchObject({ status: 'filled', fillPrice: b(41).close });
  });

  it('market-if-touched and limit-if-touched: a buy below the market when touched', () => {
    const touch = mulExact(b(50).close, 0.97);
    const { r } = run({
      50: (ctx) => {
        ctx.buy(100, { type: 'market_if_touched', stop: touch });
        ctx.buy(100, { type: 'limit_if_touched', stop: touch, limit: mulExact(touch, 1.001) });
      },
    });
    const t = firstTouch(bars, 50, touch, true)!;
    expect(r.orders[0]).toMatchObject({ status: 'filled', fillPrice: t.price });
    expect(dateOf(r.orders[0]!)).toBe(b(t.index).date);
    expect(r.orders[1]).toMatchObject({ status: 'filled' });
    expect(r.orders[1]!.fillPrice).toBeLessThanOrEqual(mulExact(touch, 1.001));
  });
});

describe('time in force on ORCL 2003', () => {
  it('day: valid for the next session only', () => {
    const far = mulExact(b(60).close, 0.5);
    const { r, s } = run({ 60: (ctx) => ctx.buy(100, { limit: far, timeInForce: 'day' }) });
    expect(r.orders[0]).toMatchObject({ status: 'expired' });
    const expiredAt = s.events.find((e) => e.kind === 'expired')!.time;
    expect(formatIso(expiredAt).slice(0, 10)).toBe(b(62).date);
  });

  it('gtd: fills until its time, expires on the first bar after it', () => {
    const far = mulExact(b(60).close, 0.5);
    const { r, s } = run({ 60: (ctx) => ctx.buy(100, { limit: far, expire: b(65).date }) });
    expect(r.orders[0]).toMatchObject({ status: 'expired', timeInForce: 'gtd' });
    expect(formatIso(s.events.find((e) => e.kind === 'expired')!.time).slice(0, 10)).toBe(b(66).date);
  });

  it('good for N bars: can fill on those N bars, expires at the start of the next', () => {
    const far = mulExact(b(70).close, 0.5);
    const { s } = run({ 70: (ctx) => ctx.buy(100, { limit: far, validBars: 3 }) });
    expect(formatIso(s.events.find((e) => e.kind === 'expired')!.time).slice(0, 10)).toBe(b(74).date);
  });

  it('ioc: what can fill on the first bar, the rest cancelled; fok: all or nothing', () => {
    const far = mulExact(b(80).close, 0.5);
    const { r } = run({
      80: (ctx) => {
        ctx.buy(100, { limit: far, timeInForce: 'ioc' });
        ctx.buy(100, { limit: far, timeInForce: 'fok' });
        ctx.buy(100, { timeInForce: 'ioc' });
      },
    });
    expect(r.orders.map((o) => [o.status, o.reason])).toEqual([
      ['cancelled', 'ioc_remainder'],
      ['cancelled', 'fok_unfilled'],
      ['filled', ''],
    ]);
    // With a volume limit, an ioc fills part and cancels the rest; a fok fills nothing.
    const vol = b(81).volume;
    const big = Math.floor(vol * 0.02);
    const limited = run({ 80: (ctx) => { ctx.buy(big, { timeInForce: 'ioc' }); ctx.buy(big, { timeInForce: 'fok' }); } }, { volumeLimit: 0.01 });
    expect(limited.r.orders[0]).toMatchObject({ status: 'cancelled', reason: 'ioc_remainder', filledQuantity: Math.floor(vol * 0.01) });
    expect(limited.r.orders[0]!.cancelledQuantity).toBe(big - Math.floor(vol * 0.01));
    expect(limited.r.orders[1]).toMatchObject({ status: 'cancelled', reason: 'fok_unfilled', filledQuantity: 0 });
  });
});

describe('flags, amendments and links on ORCL 2003', () => {
  it('reduce-only: refused when it would open; clamped to the position when larger', () => {
    const { r } = run({ 10: (ctx) => ctx.sell(100, { reduceOnly: true }), 11: (ctx) => ctx.buy(100), 13: (ctx) => ctx.sell(300, { reduceOnly: true }) });
    expect(r.orders[0]).toMatchObject({ status: 'rejected', reason: 'reduce_only_would_increase' });
    expect(r.orders[2]).toMatchObject({ filledQuantity: 100 });
    expect(r.closedTrades).toHaveLength(1);
  });

  it('post-only: refused when the limit would take on arrival', () => {
    const { r } = run({ 10: (ctx, bar) => { ctx.buy(100, { limit: bar.close + 1, postOnly: true }); ctx.buy(100, { limit: bar.close - 1, postOnly: true }); } });
    expect(r.orders[0]).toMatchObject({ status: 'rejected', reason: 'post_only_would_take' });
    expect(isLive(r.orders[1]!.status) || r.orders[1]!.status === 'filled').toBe(true);
  });

  it('modify and cancel are answered by events; a bad modify is refused with a reason', () => {
    const far = mulExact(b(10).close, 0.5);
    const near = mulExact(b(10).close, 0.99);
    const { r, s } = run({
      10: (ctx) => ctx.buy(100, { limit: far }),
      11: (ctx, _b, me) => {
        const o = ctx.openOrders()[0]!;
        ctx.modify(o, { price: -1 });
        ctx.modify(o, { price: near, quantity: 50 });
        me.orders.push(o);
      },
      12: (ctx) => ctx.cancel(1),
    });
    expect(s.kinds(1)).toContain('modify_rejected:invalid_price');
    expect(s.kinds(1)).toContain('updated');
    const o = r.orders[0]!;
    expect(o.quantity).toBe(50);
    expect(o.price).toBe(near);
    // Either the new price filled on bar 12, or the cancel on bar 12 took it out.
    if (o.status === 'filled') expect(o.fillPrice).toBeLessThanOrEqual(near);
    else expect(s.kinds(1).at(-1)).toBe('cancelled:user');
    const again = run({ 10: (ctx) => ctx.buy(100), 12: (ctx) => ctx.cancel(1) });
    expect(again.s.kinds(1).at(-1)).toBe('cancel_rejected:not_live');
  });

  it('oco: when one fills the other is cancelled in the same pass', () => {
    const up = mulExact(b(90).close, 1.02);
    const down = mulExact(b(90).close, 0.98);
    const { r, s } = run({
      89: (ctx) => ctx.buy(100),
      90: (ctx) => {
        const a = ctx.sell(100, { limit: up });
        const c = ctx.sell(100, { stop: down });
        ctx.oco(a, c);
      },
    });
    const filled = r.orders.slice(1).filter((o) => o.status === 'filled');
    const cancelled = r.orders.slice(1).filter((o) => o.status === 'cancelled');
    expect(filled).toHaveLength(1);
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]!.reason).toBe('oco');
    const cancelEvent = s.events.find((e) => e.kind === 'cancelled')!;
    expect(cancelEvent.time).toBe(filled[0]!.filledTime);
  });

  it('oto: the child is held until the parent fills, then trades from the next bar', () => {
    const { r, s } = run({
      100: (ctx) => {
        const parent = ctx.buy(100, { limit: mulExact(b(100).close, 0.99) });
        ctx.sell(100, { parent });
      },
    });
    const [parent, child] = r.orders;
    expect(child).toMatchObject({ status: 'filled', parentId: 1 });
    const pIdx = bars.findIndex((x) => x.date === dateOf(parent!));
    expect(dateOf(child!)).toBe(b(pIdx + 1).date);
    expect(child!.fillPrice).toBe(b(pIdx + 1).open);
    expect(s.kinds(2)).toEqual(['submitted', 'accepted', 'filled']);
  });

  it('bracket: exits arm on the bar after the entry fills; the first exit touched wins, the other is cancelled', () => {
    const sl = mulExact(b(120).close, 0.97);
    const tp = mulExact(b(120).close, 1.03);
    const { r } = run({ 120: (ctx) => { ctx.bracket({ quantity: 100, stopLoss: sl, takeProfit: tp }); } });
    const [entry, stop, target] = r.orders;
    expect(entry).toMatchObject({ status: 'filled', fillPrice: b(121).open, contingency: 'bracket' });
    // Exits are live from bar 122 on.
    let k = 122;
    for (; k < bars.length; k++) if (b(k).open <= sl || b(k).low <= sl || b(k).open >= tp || b(k).high >= tp) break;
    const slHit = b(k).open <= sl || b(k).low <= sl;
    const winner = slHit ? stop! : target!;
    const loser = slHit ? target! : stop!;
    expect(winner.status).toBe('filled');
    expect(dateOf(winner)).toBe(b(k).date);
    expect(loser).toMatchObject({ status: 'cancelled', reason: 'oco' });
  });
});

describe('models', () => {
  it('latency: an order reaches the venue later, and a cancel can lose the race to a fill', () => {
    // One day of latency: a market order sent on bar 10 arrives during bar 11 and fills at bar 12's open.
    const day = 86_400_000_000;
    const { r } = run({ 10: (ctx) => ctx.buy(100) }, { latency: new FixedLatency(day) });
    expect(r.orders[0]).toMatchObject({ status: 'filled', fillPrice: b(12).open });
    // One hour of latency: the order sent at bar 10's close arrives before bar 11; a cancel sent half an hour
    // before bar 11's stamp arrives half an hour after it, so bar 11 fills the order first.
    const hour = 3_600_000_000;
    const bar11 = Date.parse(`${b(11).date}T23:59:59.999Z`) * 1000 + 999;
    const race = run(
      { 10: (ctx) => { ctx.buy(100); ctx.setTimer('cancel', bar11 - hour / 2); }, 'timer:cancel': (ctx) => ctx.cancel(1) },
      { latency: new FixedLatency(hour) },
    );
    expect(race.r.orders[0]).toMatchObject({ status: 'filled', fillPrice: b(11).open });
    expect(race.s.kinds(1)).toEqual(['submitted', 'accepted', 'pending_cancel', 'filled', 'cancel_rejected:not_live']);
    // The same cancel sent an hour and a half earlier wins.
    const early = run(
      { 10: (ctx) => { ctx.buy(100); ctx.setTimer('cancel', bar11 - 3 * hour); }, 'timer:cancel': (ctx) => ctx.cancel(1) },
      { latency: new FixedLatency(hour) },
    );
    expect(early.r.orders[0]).toMatchObject({ status: 'cancelled', reason: 'user' });
  });

  it('slippage moves taker fills against the order, never outside the bar; limits are not slipped', () => {
    const { r } = run({ 10: (ctx) => { ctx.buy(100); ctx.buy(100, { limit: mulExact(b(10).close, 1.1) }); } }, { slippage: new FixedTickSlippage(2, 0.01) });
    expect(r.orders[0]!.fillPrice).toBeCloseTo(Math.min(b(11).open + 0.02, b(11).high), 12);
    expect(r.orders[1]!.fillPrice).toBe(b(11).open);
  });

  it('volume limit: fills at most the fraction of each bar, the rest carries to later bars', () => {
    const qty = Math.ceil(b(11).volume * 0.025);
    const { r } = run({ 10: (ctx) => ctx.buy(qty) }, { volumeLimit: 0.01 });
    const fills = r.fills;
    expect(fills[0]!.quantity).toBe(Math.floor(b(11).volume * 0.01));
    expect(fills[0]!.price).toBe(b(11).open);
    expect(fills[1]!.price).toBe(b(12).open);
    expect(fills.reduce((a, f) => a + f.quantity, 0)).toBe(qty);
    expect(r.orders[0]).toMatchObject({ status: 'filled', filledQuantity: qty });
  });

  it('maker/taker fees follow the liquidity of each fill', () => {
    const { r } = run({ 10: (ctx) => { ctx.buy(100); ctx.buy(100, { limit: mulExact(b(10).close, 0.99) }); } }, { fees: new MakerTakerFee(-0.0001, 0.001) });
    expect(r.fills[0]).toMatchObject({ liquidity: 'taker', fee: mulExact(mulExact(100, b(11).open), 0.001) });
    const maker = r.fills.find((f) => f.liquidity === 'maker');
    if (maker !== undefined) expect(maker.fee).toBeLessThan(0);
  });

  it('intrabar: a bracket whose stop and target are both in one bar resolves by the path; classic by submission order', () => {
    // Find a bar after entry where both exits are inside the range and neither gapped at the open.
    const found = (() => {
      for (let i = 5; i < bars.length - 3; i++) {
        const c = b(i).close;
        for (const w of [0.01, 0.015, 0.02, 0.03]) {
          const sl = mulExact(c, 1 - w);
          const tp = mulExact(c, 1 + w);
          const k = i + 2; // exits live from the bar after the entry bar
          const x = b(k);
          const firstLive = [i + 2].every(() => true);
          const untouchedBefore = true;
          if (firstLive && untouchedBefore && x.low <= sl && x.high >= tp && x.open > sl && x.open < tp) return { i, sl, tp, k };
        }
      }
      return undefined;
    })();
    expect(found).toBeDefined();
    const { i, sl, tp, k } = found!;
    const steps = { [i]: (ctx: StrategyContext) => { ctx.bracket({ quantity: 100, stopLoss: sl, takeProfit: tp }); } };
    const classic = run(steps);
    expect(classic.r.orders[1]).toMatchObject({ status: 'filled', fillPrice: sl }); // the stop-loss was submitted first
    expect(classic.r.ambiguousFills).toBe(1);
    const path = run(steps, { fillModel: new IntrabarFill() });
    const x = b(k);
    const lowFirst = x.high - x.open >= x.open - x.low;
    expect(path.r.orders[lowFirst ? 1 : 2]).toMatchObject({ status: 'filled', fillPrice: lowFirst ? sl : tp });
    expect(path.r.ambiguousFills).toBe(1);
  });

  it('percent fees are charged on every partial fill', () => {
    const { r } = run({ 10: (ctx) => ctx.buy(Math.ceil(b(11).volume * 0.015)) }, { volumeLimit: 0.01, fees: new PercentFee(0.001) });
    for (const f of r.fills) expect(f.fee).toBe(mulExact(mulExact(Math.abs(f.quantity), f.price), 0.001));
  });
});
