/**
 * The SimulatedExchange on its own: orders made with draftOrder, reports
 * written down by a recording ExecutionReports, no order manager. The fill
 * table of docs/bar-execution.md and docs/execution.md for every order type
 * and side, when an order may first trade, expiry, withdraw, and requests
 * on their way (latency) taking effect in the order they arrived.
 */
import { describe, expect, it } from 'vitest';
import { MICROS_PER_DAY } from '../core/time.js';
import type { ExecutionReports, OrderChanges } from '../model/execution.js';
import { draftOrder, type MutableOrder, type Order } from '../model/order.js';
import { FixedLatency } from './models/latency.js';
import { SimulatedExchange, type SimulatedExchangeOptions } from './simulated-exchange.js';

const MINUTE = 60_000_000;
const T0 = Date.UTC(2024, 0, 2, 14, 30) * 1000;

/** Reports as `kind id detail @time` lines; fills as `filled id qty@price liquidity @time`. */
class Recorder implements ExecutionReports {
  readonly seen: string[] = [];
  /** The orders sent, updated as the order manager would: fills and changes (the venue reads them). */
  readonly orders = new Map<number, MutableOrder>();
  accepted(id: number, venueId: string, t: number): void {
    this.seen.push(`accepted ${id} ${venueId} @${t - T0}`);
  }
  rejected(id: number, t: number, reason: string): void {
    this.seen.push(`rejected ${id} ${reason} @${t - T0}`);
  }
  filled(id: number, t: number, q: number, p: number, liquidity: string): void {
    this.seen.push(`filled ${id} ${q}@${p} ${liquidity} @${t - T0}`);
    const o = this.orders.get(id);
    if (o !== undefined) o.filledQuantity += q;
  }
  triggered(id: number, t: number): void {
    this.seen.push(`triggered ${id} @${t - T0}`);
  }
  triggerMoved(id: number, p: number): void {
    this.seen.push(`triggerMoved ${id} ${p}`);
  }
  expired(id: number, t: number): void {
    this.seen.push(`expired ${id} @${t - T0}`);
  }
  cancelled(id: number, t: number, reason: string): void {
    this.seen.push(`cancelled ${id} ${reason} @${t - T0}`);
  }
  cancelRejected(id: number, t: number, reason: string): void {
    this.seen.push(`cancelRejected ${id} ${reason} @${t - T0}`);
  }
  modified(id: number, t: number, c: OrderChanges): void {
    this.seen.push(`modified ${id} ${JSON.stringify(c)} @${t - T0}`);
    const o = this.orders.get(id);
    if (o !== undefined && c.price !== undefined) o.price = c.price;
    if (o !== undefined && c.quantity !== undefined) o.quantity = c.quantity;
  }
  modifyRejected(id: number, t: number, reason: string): void {
    this.seen.push(`modifyRejected ${id} ${reason} @${t - T0}`);
  }
  /** Reports other than the acknowledgements. */
  get outcomes(): string[] {
    return this.seen.filter((s) => !s.startsWith('accepted'));
  }
}

function exchange(options: SimulatedExchangeOptions = {}): { ex: SimulatedExchange; rec: Recorder; submit: (fields: Partial<Order> & Pick<Order, 'side'>, time?: number) => MutableOrder } {
  const rec = new Recorder();
  const ex = new SimulatedExchange([{ symbol: 'AAA', tickSize: 0.01, lotSize: 1 }], rec, options);
  let id = 0;
  const submit = (fields: Partial<Order> & Pick<Order, 'side'>, time = T0): MutableOrder => {
    const o = draftOrder({ symbol: 'AAA', quantity: 10, id: ++id, createdTime: time, activatedTime: time, referencePrice: 100, ...fields });
    o.status = 'accepted'; // the manager's view after the acknowledgement: the venue does not read it
    rec.orders.set(o.id, o);
    ex.submit(o, time);
    return o;
  };
  return { ex, rec, submit };
}

type Bar = readonly [number, number, number, number];
/** One order on one bar after it: the fill price (NaN for none). */
interface Row {
  readonly name: string;
  readonly order: Partial<Order> & Pick<Order, 'side'>;
  readonly bar: Bar;
  readonly price: number;
}

const ROWS: Row[] = [
  { name: 'market buy: the open', order: { side: 'buy' }, bar: [100, 101, 99, 100], price: 100 },
  { name: 'market sell: the open', order: { side: 'sell' }, bar: [100, 101, 99, 100], price: 100 },
  { name: 'limit buy 99: the limit when the low reaches it', order: { side: 'buy', type: 'limit', price: 99 }, bar: [100, 101, 98, 100], price: 99 },
  { name: 'limit buy 99: a gap below gives the open', order: { side: 'buy', type: 'limit', price: 99 }, bar: [98, 100, 97, 99], price: 98 },
  { name: 'limit buy 99: the open at the limit', order: { side: 'buy', type: 'limit', price: 99 }, bar: [99, 100, 99, 100], price: 99 },
  { name: 'limit buy 99: not reached', order: { side: 'buy', type: 'limit', price: 99 }, bar: [100, 101, 99.5, 100], price: NaN },
  { name: 'limit sell 101: the limit when the high reaches it', order: { side: 'sell', type: 'limit', price: 101 }, bar: [100, 102, 99, 100], price: 101 },
  { name: 'limit sell 101: a gap above gives the open', order: { side: 'sell', type: 'limit', price: 101 }, bar: [102, 103, 101.5, 102], price: 102 },
  { name: 'limit sell 101: not reached', order: { side: 'sell', type: 'limit', price: 101 }, bar: [100, 100.5, 99, 100], price: NaN },
  { name: 'stop sell 99: the stop when the low reaches it', order: { side: 'sell', type: 'stop', triggerPrice: 99 }, bar: [100, 101, 98, 100], price: 99 },
  { name: 'stop sell 99: a gap through gives the open', order: { side: 'sell', type: 'stop', triggerPrice: 99 }, bar: [98, 99.5, 97, 98], price: 98 },
  { name: 'stop sell 99: not reached', order: { side: 'sell', type: 'stop', triggerPrice: 99 }, bar: [100, 101, 99.5, 100], price: NaN },
  { name: 'stop buy 101: the stop when the high reaches it', order: { side: 'buy', type: 'stop', triggerPrice: 101 }, bar: [100, 102, 99, 100], price: 101 },
  { name: 'stop buy 101: a gap through gives the open', order: { side: 'buy', type: 'stop', triggerPrice: 101 }, bar: [102, 103, 101.5, 102], price: 102 },
  { name: 'stop buy 101: not reached', order: { side: 'buy', type: 'stop', triggerPrice: 101 }, bar: [100, 100.5, 99, 100], price: NaN },
  { name: 'stop-limit buy 101/101.5: at the trigger, within the limit', order: { side: 'buy', type: 'stop_limit', triggerPrice: 101, price: 101.5 }, bar: [100, 102, 99, 100], price: 101 },
  { name: 'stop-limit buy 101/101.5: gapped above the limit, not back to it', order: { side: 'buy', type: 'stop_limit', triggerPrice: 101, price: 101.5 }, bar: [102, 103, 101.8, 102], price: NaN },
  { name: 'stop-limit sell 99/98.5: at the trigger', order: { side: 'sell', type: 'stop_limit', triggerPrice: 99, price: 98.5 }, bar: [100, 101, 98, 100], price: 99 },
  { name: 'stop-limit sell 99/99.5: gapped below the limit, back up to it', order: { side: 'sell', type: 'stop_limit', triggerPrice: 99, price: 99.5 }, bar: [98, 100, 97, 99], price: 99.5 },
  { name: 'market-if-touched buy 99: the trigger', order: { side: 'buy', type: 'market_if_touched', triggerPrice: 99 }, bar: [100, 101, 98, 100], price: 99 },
  { name: 'market-if-touched buy 99: a gap below gives the open', order: { side: 'buy', type: 'market_if_touched', triggerPrice: 99 }, bar: [98, 99.5, 97, 98], price: 98 },
  { name: 'market-if-touched sell 101: the trigger', order: { side: 'sell', type: 'market_if_touched', triggerPrice: 101 }, bar: [100, 102, 99, 100], price: 101 },
  { name: 'limit-if-touched buy 99/98.5: the limit after the touch', order: { side: 'buy', type: 'limit_if_touched', triggerPrice: 99, price: 98.5 }, bar: [100, 101, 98, 100], price: 98.5 },
  { name: 'limit-if-touched sell 101/101.5: the limit after the touch', order: { side: 'sell', type: 'limit_if_touched', triggerPrice: 101, price: 101.5 }, bar: [100, 102, 99, 100], price: 101.5 },
  { name: 'limit-if-touched sell 101/101.5: touched, limit not reached', order: { side: 'sell', type: 'limit_if_touched', triggerPrice: 101, price: 101.5 }, bar: [100, 101.2, 99, 100], price: NaN },
  { name: 'trailing stop sell, offset 2 from 100: 98', order: { side: 'sell', type: 'trailing_stop', trailOffset: 2 }, bar: [100, 100, 97, 99], price: 98 },
  { name: 'trailing stop buy, 2% from 100: 102', order: { side: 'buy', type: 'trailing_stop', trailPercent: 0.02 }, bar: [100, 103, 100, 101], price: 102 },
  { name: 'trailing stop buy, offset 2 from 100: a gap through gives the open', order: { side: 'buy', type: 'trailing_stop', trailOffset: 2 }, bar: [103, 104, 102.5, 103], price: 103 },
];

describe('SimulatedExchange on its own', () => {
  describe('the classic fill table, one bar after the order', () => {
    for (const row of ROWS) {
      it(row.name, () => {
        const { ex, rec, submit } = exchange();
        submit(row.order);
        const [open, high, low, close] = row.bar;
        ex.onBar(0, T0 + MINUTE, open, high, low, close, 1_000);
        const fills = rec.seen.filter((s) => s.startsWith('filled'));
        if (Number.isNaN(row.price)) expect(fills).toEqual([]);
        else expect(fills).toEqual([expect.stringMatching(new RegExp(`^filled 1 10@${row.price} (maker|taker) @${MINUTE}$`))]);
        expect(rec.seen[0]).toBe('accepted 1 SIM-1 @0');
      });
    }

    it('liquidity: a resting limit is a maker, everything else a taker', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'buy', type: 'limit', price: 99 });
      submit({ side: 'buy' });
      submit({ side: 'sell', type: 'stop', triggerPrice: 99 });
      ex.onBar(0, T0 + MINUTE, 100, 101, 98, 100, 1_000);
      expect(rec.outcomes).toEqual([`filled 1 10@99 maker @${MINUTE}`, `filled 2 10@100 taker @${MINUTE}`, `filled 3 10@99 taker @${MINUTE}`]);
    });

    it('a stop-limit triggered on one bar without reaching its limit fills on a later bar at the limit (maker)', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'buy', type: 'stop_limit', triggerPrice: 101, price: 101.5 });
      ex.onBar(0, T0 + MINUTE, 102, 103, 101.8, 102, 1_000);
      ex.onBar(0, T0 + 2 * MINUTE, 102, 102.5, 101, 101.2, 1_000);
      expect(rec.outcomes).toEqual([`triggered 1 @${MINUTE}`, `filled 1 10@101.5 maker @${2 * MINUTE}`]);
    });

    it('a trailing stop moves its trigger after each bar that did not reach it, then fills at the moved trigger', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'sell', type: 'trailing_stop', trailOffset: 2 });
      ex.onBar(0, T0 + MINUTE, 100, 103, 99, 102, 1_000); // trigger 98 not reached; then 103 - 2
      ex.onBar(0, T0 + 2 * MINUTE, 102, 102.5, 100, 100.5, 1_000);
      expect(rec.outcomes).toEqual(['triggerMoved 1 101', `filled 1 10@101 taker @${2 * MINUTE}`]);
    });

    it('market-on-open waits for the first bar of the next session; market-on-close fills at the close of its session last bar', () => {
      const { ex, rec, submit } = exchange();
      const day = Math.floor(T0 / MICROS_PER_DAY) * MICROS_PER_DAY;
      ex.onBar(0, day + 10 * 3_600_000_000, 100, 100, 100, 100, 1_000);
      submit({ side: 'buy', type: 'market_on_open' }, day + 10 * 3_600_000_000);
      submit({ side: 'sell', type: 'market_on_close' }, day + 10 * 3_600_000_000);
      ex.onBar(0, day + 11 * 3_600_000_000, 101, 102, 100, 101.5, 1_000);
      expect(rec.outcomes).toEqual([]);
      ex.onBar(0, day + MICROS_PER_DAY - 1, 102, 103, 101, 102.5, 1_000); // stamped at the session end: its last bar
      ex.onBar(0, day + MICROS_PER_DAY + 10 * 3_600_000_000, 104, 105, 103, 104, 1_000);
      expect(rec.outcomes).toEqual([`filled 2 10@102.5 taker @${day + MICROS_PER_DAY - 1 - T0}`, `filled 1 10@104 taker @${day + MICROS_PER_DAY + 10 * 3_600_000_000 - T0}`]);
    });

    it('quotes: buys at the ask, sells at the bid; trades: both at the print', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'buy' });
      submit({ side: 'sell' });
      ex.onQuote(0, T0 + 1, 99.9, 100.1, 50, 50);
      submit({ side: 'buy', type: 'limit', price: 99 }, T0 + 1);
      ex.onTrade(0, T0 + 2, 98.5, 5);
      expect(rec.outcomes).toEqual(['filled 1 10@100.1 taker @1', 'filled 2 10@99.9 taker @1', 'filled 3 10@98.5 maker @2']);
    });
  });

  describe('when an order may first trade', () => {
    it('only on data stamped after its activation time, never on data of that time', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'buy' }, T0);
      ex.onBar(0, T0, 100, 101, 99, 100, 1_000);
      expect(rec.outcomes).toEqual([]);
      ex.onBar(0, T0 + 1, 101, 101, 101, 101, 1_000);
      expect(rec.outcomes).toEqual(['filled 1 10@101 taker @1']);
    });

    it('with latency, only on data stamped after the activation time plus the delay', () => {
      const L = 5_000_000;
      const { ex, rec, submit } = exchange({ latency: new FixedLatency(L) });
      submit({ side: 'buy' }, T0);
      ex.onBar(0, T0 + L, 100, 101, 99, 100, 1_000);
      expect(rec.outcomes).toEqual([]);
      ex.onBar(0, T0 + L + 1, 101, 101, 101, 101, 1_000);
      expect(rec.outcomes).toEqual([`filled 1 10@101 taker @${L + 1}`]);
    });

    it('an order active before it was submitted (a child armed on this data, its parent filled earlier) trades on this data', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'sell', type: 'limit', price: 101, activatedTime: T0 }, T0 + MINUTE);
      ex.onBar(0, T0 + MINUTE, 100, 102, 99, 100, 1_000);
      expect(rec.outcomes).toEqual([`filled 1 10@101 maker @${MINUTE}`]);
    });
  });

  describe('expiry', () => {
    it('good till a time: may fill on data of that time, expires on the first data stamped later (before any fill)', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'buy', type: 'limit', price: 90, timeInForce: 'gtd', expireTime: T0 + MINUTE });
      submit({ side: 'buy', type: 'limit', price: 99, timeInForce: 'gtd', expireTime: T0 + MINUTE });
      ex.onBar(0, T0 + MINUTE, 100, 101, 98, 100, 1_000);
      expect(rec.outcomes).toEqual([`filled 2 10@99 maker @${MINUTE}`]);
      ex.onBar(0, T0 + MINUTE + 1, 80, 81, 79, 80, 1_000);
      expect(rec.outcomes.slice(1)).toEqual([`expired 1 @${MINUTE + 1}`]);
    });

    it('good for 2 bars: fills possible on both, expired at the third; quotes do not count as bars', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'buy', type: 'limit', price: 90, validBars: 2 });
      ex.onBar(0, T0 + MINUTE, 100, 101, 98, 100, 1_000);
      ex.onQuote(0, T0 + MINUTE + 1, 99, 99.5, 10, 10);
      ex.onBar(0, T0 + 2 * MINUTE, 100, 101, 98, 100, 1_000);
      expect(rec.outcomes).toEqual([]);
      ex.onBar(0, T0 + 3 * MINUTE, 80, 81, 79, 80, 1_000);
      expect(rec.outcomes).toEqual([`expired 1 @${3 * MINUTE}`]);
    });

    it('a day order ends with its session', () => {
      const { ex, rec, submit } = exchange();
      const day = Math.floor(T0 / MICROS_PER_DAY) * MICROS_PER_DAY;
      submit({ side: 'buy', type: 'limit', price: 90, timeInForce: 'day' });
      ex.onBar(0, day + MICROS_PER_DAY - 1, 100, 101, 98, 100, 1_000);
      expect(rec.outcomes).toEqual([]);
      ex.onBar(0, day + MICROS_PER_DAY + 1, 80, 81, 79, 80, 1_000);
      expect(rec.outcomes).toEqual([`expired 1 @${day + MICROS_PER_DAY + 1 - T0}`]);
    });
  });

  describe('withdraw', () => {
    it('takes a working order off at once and silently; false for an unknown or finished one', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'buy', type: 'limit', price: 99 });
      submit({ side: 'buy' });
      expect(ex.withdraw(1)).toBe(true);
      expect(ex.withdraw(1)).toBe(false);
      expect(ex.withdraw(99)).toBe(false);
      ex.onBar(0, T0 + MINUTE, 100, 101, 98, 100, 1_000);
      expect(rec.outcomes).toEqual([`filled 2 10@100 taker @${MINUTE}`]);
      expect(ex.withdraw(2)).toBe(false);
      expect(ex.hasWorking(0)).toBe(false);
    });

    it('one-cancels-other held at the venue: the partner of an order that filled is cancelled in the same pass', () => {
      const { ex, rec, submit } = exchange();
      const a = submit({ side: 'sell', type: 'stop', triggerPrice: 95 });
      const b = submit({ side: 'sell', type: 'limit', price: 105 });
      // Linked after they were sent: the venue learns the group through link (the shared order objects say nothing).
      ex.link([a.id, b.id]);
      ex.onBar(0, T0 + MINUTE, 100, 106, 94, 100, 1_000);
      expect(rec.outcomes).toEqual([`filled 1 10@95 taker @${MINUTE}`, `cancelled 2 oco @${MINUTE}`]);
      expect(ex.ambiguousFills).toBe(1);
    });
  });

  describe('requests on their way (latency)', () => {
    const L = 10_000_000;

    it('take effect before data stamped after their arrival, in the order they arrived, whatever the order of the book', () => {
      const { ex, rec, submit } = exchange({ latency: new FixedLatency(L) });
      submit({ side: 'buy', type: 'limit', price: 90 });
      submit({ side: 'buy', type: 'limit', price: 91 });
      ex.cancel(2, T0);
      ex.modify(1, { price: 92 }, T0 + 5);
      ex.cancel(1, T0 + 6);
      ex.beforeData(0, T0 + L); // nothing has arrived strictly before
      expect(rec.outcomes).toEqual([]);
      ex.beforeData(0, T0 + L + 100);
      expect(rec.outcomes).toEqual([`cancelled 2 user @${L}`, `modified 1 {"price":92} @${L + 5}`, `cancelled 1 user @${L + 6}`]);
      expect(ex.hasWorking(0)).toBe(false);
    });

    it('a second cancel while one travels is refused at once (cancel_pending); a request for an order that filled meanwhile is refused (not_live)', () => {
      const { ex, rec, submit } = exchange({ latency: new FixedLatency(L) });
      submit({ side: 'buy' });
      ex.cancel(1, T0 + MINUTE - L); // arrives with the bar: too late for it
      ex.cancel(1, T0 + MINUTE - L + 1);
      ex.beforeData(0, T0 + MINUTE);
      ex.onBar(0, T0 + MINUTE, 100, 101, 99, 100, 1_000);
      expect(rec.outcomes).toEqual([`cancelRejected 1 cancel_pending @${MINUTE - L + 1}`, `filled 1 10@100 taker @${MINUTE}`, `cancelRejected 1 not_live @${MINUTE}`]);
    });

    it('without latency, cancel and modify are answered at once; for an unknown order, not_live', () => {
      const { ex, rec, submit } = exchange();
      submit({ side: 'buy', type: 'limit', price: 90 });
      ex.modify(1, { price: 91 }, T0 + 1);
      ex.cancel(1, T0 + 2);
      ex.cancel(1, T0 + 3);
      ex.modify(7, { price: 1 }, T0 + 4);
      expect(rec.outcomes).toEqual(['modified 1 {"price":91} @1', 'cancelled 1 user @2', 'cancelRejected 1 not_live @3', 'modifyRejected 7 not_live @4']);
    });
  });

  describe('volume limit', () => {
    it('at most the fraction of each bar volume, in whole lots, across the instrument orders in submission order', () => {
      const { ex, rec, submit } = exchange({ volumeLimit: 0.1 });
      submit({ side: 'buy', quantity: 8 });
      submit({ side: 'buy', quantity: 8 });
      ex.onBar(0, T0 + MINUTE, 100, 101, 99, 100, 125); // 12.5 -> 12
      ex.onBar(0, T0 + 2 * MINUTE, 101, 101, 99, 100, 125);
      expect(rec.outcomes).toEqual([`filled 1 8@100 taker @${MINUTE}`, `filled 2 4@100 taker @${MINUTE}`, `filled 2 4@101 taker @${2 * MINUTE}`]);
    });
  });

  it('an order for an instrument the venue does not list is rejected (unknown_symbol), not thrown', () => {
    const { ex, rec } = exchange();
    ex.submit(draftOrder({ id: 1, symbol: 'ZZZ', side: 'buy', quantity: 1, activatedTime: T0 }), T0);
    expect(rec.seen).toEqual(['rejected 1 unknown_symbol @0']);
    expect(ex.hasWorking(0)).toBe(false);
  });
});
