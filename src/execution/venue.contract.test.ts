/**
 * The venue contract: the same cases run against every ExecutionClient, at
 * the order manager's level (test/helpers/venue-harness.ts drives them the
 * way the kernel does). A venue may answer at once, after a latency, or only
 * when polled; the outcomes (statuses, fills, prices, quantities) are the
 * same, and every run keeps the harness's invariants: filled + open +
 * cancelled = ordered, no event after a final one, no order filled twice,
 * venue order ids set and unique once accepted, client order ids stable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsyncVenue } from '../../test/helpers/async-venue.js';
import { MINUTE, VenueHarness, at, type VenueUnderTest } from '../../test/helpers/venue-harness.js';
import { FixedLatency } from './models/latency.js';
import { SimulatedExchange, type SimulatedExchangeOptions, type VenueInstrument } from './simulated-exchange.js';

const INSTRUMENTS: readonly VenueInstrument[] = [
  { symbol: 'AAA', tickSize: 0.01, lotSize: 1 },
  { symbol: 'BBB', tickSize: 0.01, lotSize: 1 },
];
/** A quarter of a bar: requests sent at a bar's close reach the venue before the next bar. */
const LATENCY = MINUTE / 4;

interface Made extends VenueUnderTest {
  /** Delay of requests to the venue, µs. */
  readonly latency: number;
  /** Answers only when polled. */
  readonly async: boolean;
}
type Make = (options?: SimulatedExchangeOptions) => Made;

function venueContract(name: string, make: Make): void {
  const harness = (options?: SimulatedExchangeOptions): { h: VenueHarness; v: Made } => {
    const v = make(options);
    const h = new VenueHarness(v, { symbols: ['AAA', 'BBB'] });
    h.bar(at(0), 100, 100, 100, 100);
    return { h, v };
  };

  describe(`venue contract: ${name}`, () => {
    describe('lifecycle', () => {
      it('a market order: submitted, accepted (with the venue id), filled at the next bar open', () => {
        const { h, v } = harness();
        const o = h.submit({ side: 'buy', quantity: 10 });
        expect(o.clientOrderId).toBe('QF-1');
        expect(o.status).toBe(v.async ? 'submitted' : 'accepted');
        h.bar(at(1), 101, 103, 100, 102);
        expect(h.kinds(1)).toEqual(['submitted', 'accepted', 'filled']);
        expect(h.fillsOf(1)).toEqual([[10, 101]]);
        expect(o).toMatchObject({ status: 'filled', filledQuantity: 10, fillPrice: 101, filledTime: at(1), clientOrderId: 'QF-1' });
        expect(o.venueOrderId).not.toBe('');
        // An ended order comes from the records: equal to the one the strategy holds, not the same object.
        expect(h.orders.byClientOrderId('QF-1')).toEqual(o);
        expect(Object.keys(h.orders.byClientOrderId('QF-1') as object)).toEqual(Object.keys(o));
        expect(h.violations()).toEqual([]);
      });

      it('a limit order rests until the range reaches it, then fills at the limit, or at an open that gapped through it', () => {
        const { h } = harness();
        const buy = h.submit({ side: 'buy', quantity: 5, type: 'limit', price: 99 });
        const sell = h.submit({ side: 'sell', quantity: 5, type: 'limit', price: 105 });
        h.bar(at(1), 100, 101, 99.5, 100.5);
        expect([buy.status, sell.status]).toEqual(['accepted', 'accepted']);
        h.bar(at(2), 100, 100.5, 98, 99);
        h.bar(at(3), 106, 107, 105.5, 106);
        expect(h.kinds(buy.id)).toEqual(['submitted', 'accepted', 'filled']);
        expect(h.fillsOf(buy.id)).toEqual([[5, 99]]);
        expect(h.fillsOf(sell.id)).toEqual([[5, 106]]);
        expect([buy.filledTime, sell.filledTime]).toEqual([at(2), at(3)]);
        expect(h.fills.map((f) => f.liquidity)).toEqual(['maker', 'maker']);
        expect(h.violations()).toEqual([]);
      });

      it('stops: a sell stop fills at its trigger, a gap through it at the open; a stop-limit triggers, then fills at its limit', () => {
        const { h } = harness();
        const stop = h.submit({ side: 'sell', quantity: 3, type: 'stop', triggerPrice: 95 });
        const gapped = h.submit({ side: 'buy', quantity: 3, type: 'stop', triggerPrice: 104 });
        const stopLimit = h.submit({ side: 'buy', quantity: 3, type: 'stop_limit', triggerPrice: 102, price: 101 });
        h.bar(at(1), 100, 101, 96, 100);
        expect(h.fills).toEqual([]);
        h.bar(at(2), 101, 103, 101.5, 102.8); // the stop-limit triggers at 102; its limit 101 is not reached
        expect(stopLimit.status).toBe('triggered');
        h.bar(at(3), 102, 102.5, 94, 95); // sell stop at 95; the stop-limit's limit at 101
        h.bar(at(4), 106, 107, 105, 106); // the buy stop gapped through 104
        expect(h.fillsOf(stop.id)).toEqual([[3, 95]]);
        expect(h.fillsOf(stopLimit.id)).toEqual([[3, 101]]);
        expect(h.fillsOf(gapped.id)).toEqual([[3, 106]]);
        expect(h.kinds(stopLimit.id)).toEqual(['submitted', 'accepted', 'triggered', 'filled']);
        expect(h.eventsOf(stopLimit.id).find((e) => e.kind === 'triggered')?.time).toBe(at(2));
        expect(h.violations()).toEqual([]);
      });

      it('expiry: good-till-date ends on the first data stamped after the date, good-for-2-bars at the third bar', () => {
        const { h } = harness();
        const gtd = h.submit({ side: 'buy', quantity: 2, type: 'limit', price: 90, timeInForce: 'gtd', expireTime: at(2) });
        const bars = h.submit({ side: 'buy', quantity: 2, type: 'limit', price: 90, validBars: 2 });
        h.bar(at(1), 100, 101, 99, 100);
        h.bar(at(2), 100, 101, 99, 100);
        expect([gtd.status, bars.status]).toEqual(['accepted', 'accepted']);
        h.bar(at(3), 100, 101, 99, 100);
        for (const o of [gtd, bars]) {
          expect(h.kinds(o.id)).toEqual(['submitted', 'accepted', 'expired']);
          expect(h.eventsOf(o.id).at(-1)?.time).toBe(at(3));
          expect(o).toMatchObject({ status: 'expired', cancelledQuantity: 2, filledQuantity: 0 });
        }
        expect(h.violations()).toEqual([]);
      });

      it('a bar of another instrument neither fills nor expires an order', () => {
        const { h } = harness();
        const o = h.submit({ side: 'buy', quantity: 1, type: 'limit', price: 99, validBars: 1 });
        h.bar(at(1), 50, 60, 40, 50, 1_000_000, 'BBB');
        h.bar(at(2), 50, 60, 40, 50, 1_000_000, 'BBB');
        expect(o.status).toBe('accepted');
        h.bar(at(3), 100, 101, 98, 100);
        expect(h.fillsOf(o.id)).toEqual([[1, 99]]);
        expect(h.violations()).toEqual([]);
      });
    });

    describe('cancel and modify', () => {
      it('a working order: pending_cancel, then cancelled; a bar that would have filled it later does not', () => {
        const { h } = harness();
        const o = h.submit({ side: 'buy', quantity: 4, type: 'limit', price: 99 });
        h.bar(at(1), 100, 101, 99.5, 100);
        expect(h.cancel(o.id)).toBe(true);
        h.bar(at(2), 100, 100, 95, 96);
        h.poll();
        expect(h.kinds(o.id)).toEqual(['submitted', 'accepted', 'pending_cancel', 'cancelled user']);
        expect(o).toMatchObject({ status: 'cancelled', reason: 'user', filledQuantity: 0, cancelledQuantity: 4 });
        expect(h.fills).toEqual([]);
        expect(h.violations()).toEqual([]);
      });

      it('cancelling a final order is refused (not_live) without asking the venue; an unknown id is refused quietly', () => {
        const { h } = harness();
        const o = h.submit({ side: 'buy', quantity: 1 });
        h.bar(at(1), 101, 102, 100, 101);
        expect(o.status).toBe('filled');
        const asked = h.requests.length;
        expect(h.cancel(o.id)).toBe(false);
        expect(h.cancel(999)).toBe(false);
        expect(h.kinds(o.id).at(-1)).toBe('cancel_rejected not_live');
        expect(h.requests.length).toBe(asked);
        expect(h.events.some((e) => e.id === 999)).toBe(false);
        expect(h.violations()).toEqual([]);
      });

      it('the venue itself answers a cancel of an order it does not know with cancel_rejected not_live', () => {
        const v = make();
        const seen: string[] = [];
        v.client.connect(recordingReports(seen));
        v.client.cancel(42, at(0));
        v.client.modify(43, { price: 1 }, at(0));
        v.client.poll?.();
        expect(seen).toEqual(['cancelRejected 42 not_live', 'modifyRejected 43 not_live']);
      });

      it('a second cancel while the first travels is refused (cancel_pending); the order is cancelled once', () => {
        const { h, v } = harness();
        const o = h.submit({ side: 'buy', quantity: 4, type: 'limit', price: 90 });
        h.bar(at(1), 100, 101, 99, 100);
        h.cancel(o.id);
        const travelling = o.status === 'pending_cancel';
        expect(travelling).toBe(v.latency > 0 || v.async);
        expect(h.cancel(o.id)).toBe(false);
        expect(h.kinds(o.id).at(-1)).toBe(travelling ? 'cancel_rejected cancel_pending' : 'cancel_rejected not_live');
        h.bar(at(2), 100, 101, 99, 100);
        expect(h.kinds(o.id).filter((k) => k.startsWith('cancelled'))).toEqual(['cancelled user']);
        expect(h.requests.filter((r) => r === `cancel ${o.id}`)).toHaveLength(1);
        expect(h.violations()).toEqual([]);
      });

      it('modify: pending_modify, updated, then fills at the new price', () => {
        const { h, v } = harness();
        const o = h.submit({ side: 'buy', quantity: 4, type: 'limit', price: 95 });
        h.bar(at(1), 100, 101, 98, 100);
        expect(h.modify(o.id, { price: 99 })).toBe(true);
        expect(o.status).toBe(v.latency > 0 || v.async ? 'pending_modify' : 'accepted');
        h.bar(at(2), 100, 100.5, 98, 99);
        expect(h.kinds(o.id)).toEqual(['submitted', 'accepted', 'pending_modify', 'updated', 'filled']);
        expect(h.fillsOf(o.id)).toEqual([[4, 99]]);
        expect(h.violations()).toEqual([]);
      });

      it('modify of a final order is refused (not_live)', () => {
        const { h } = harness();
        const o = h.submit({ side: 'buy', quantity: 1, type: 'limit', price: 101 });
        h.bar(at(1), 100, 101, 99, 100);
        expect(o.status).toBe('filled');
        expect(h.modify(o.id, { price: 99 })).toBe(false);
        expect(h.kinds(o.id).at(-1)).toBe('modify_rejected not_live');
        expect(h.violations()).toEqual([]);
      });
    });

    it('cancel races: a cancel sent while the venue fills ends the order either filled (the cancel refused, not_live) or cancelled, as the times decide', () => {
      const L = make().latency;
      const order = fc.oneof(
        fc.record({ type: fc.constant('market' as const), level: fc.constant(NaN) }),
        fc.record({ type: fc.constant('limit' as const), level: fc.integer({ min: 94, max: 100 }) }),
        fc.record({ type: fc.constant('stop' as const), level: fc.integer({ min: 94, max: 100 }) }),
      );
      const bar = fc.record({ open: fc.integer({ min: 93, max: 103 }), down: fc.integer({ min: 0, max: 4 }), up: fc.integer({ min: 0, max: 4 }), pollAfter: fc.boolean() });
      fc.assert(
        fc.property(order, fc.array(bar, { minLength: 1, maxLength: 6 }), fc.nat(), ({ type, level }, bars, k) => {
          const { h } = harness();
          const o = h.submit(type === 'market' ? { side: 'buy', quantity: 7 } : type === 'limit' ? { side: 'buy', quantity: 7, type, price: level } : { side: 'sell', quantity: 7, type, triggerPrice: level });
          // The cancel leaves at a quarter-bar step between the order and one bar after the last.
          const tc = at(0) + (k % (4 * (bars.length + 1) + 1)) * (MINUTE / 4);
          // What the classic rule fills, with no cancel: a market order at the first open, the others at the first down-touch.
          let fillTime = Infinity;
          let fillPrice = NaN;
          bars.forEach((b, i) => {
            if (fillTime !== Infinity) return;
            const low = b.open - b.down;
            if (type === 'market' || b.open <= level) [fillTime, fillPrice] = [at(i + 1), b.open];
            else if (low <= level) [fillTime, fillPrice] = [at(i + 1), level];
          });
          let sent = false;
          bars.forEach((b, i) => {
            if (!sent && tc < at(i + 1)) {
              h.cancel(o.id, tc);
              sent = true;
            }
            h.bar(at(i + 1), b.open, b.open + b.up, b.open - b.down, b.open, 1_000_000, 'AAA', b.pollAfter);
          });
          if (!sent) h.cancel(o.id, tc);
          h.bar(at(bars.length + 2), 200, 201, 199, 200); // far from every level: the last requests arrive
          h.poll();
          const kinds = h.kinds(o.id);
          if (tc + L < fillTime) {
            expect(o).toMatchObject({ status: 'cancelled', reason: 'user', filledQuantity: 0, cancelledQuantity: 7 });
            expect(kinds.filter((x) => x.startsWith('cancel'))).toEqual(['cancelled user']);
            expect(h.fills).toEqual([]);
          } else {
            expect(o).toMatchObject({ status: 'filled', filledQuantity: 7, fillPrice, filledTime: fillTime });
            expect(kinds.filter((x) => x.startsWith('cancel'))).toEqual(['cancel_rejected not_live']);
            expect(kinds.indexOf('filled')).toBeLessThan(kinds.indexOf('cancel_rejected not_live'));
          }
          expect(h.violations()).toEqual([]);
        }),
        { seed: 20240102, numRuns: 150 },
      );
    });

    describe('partial fills (volume limit)', () => {
      it('several partially_filled, then filled: the fills add up to the quantity, none beyond what was open', () => {
        const { h } = harness({ volumeLimit: 0.1 });
        const o = h.submit({ side: 'buy', quantity: 35 });
        for (let i = 1; i <= 5; i++) h.bar(at(i), 100 + i, 110, 90, 100, 100);
        expect(h.kinds(o.id)).toEqual(['submitted', 'accepted', 'partially_filled', 'partially_filled', 'partially_filled', 'filled']);
        expect(h.fillsOf(o.id)).toEqual([
          [10, 101],
          [10, 102],
          [10, 103],
          [5, 104],
        ]);
        expect(h.eventsOf(o.id).filter((e) => e.fillQuantity > 0).map((e) => e.openBefore)).toEqual([35, 25, 15, 5]);
        expect(o).toMatchObject({ status: 'filled', filledQuantity: 35, fillPrice: (10 * 101 + 10 * 102 + 10 * 103 + 5 * 104) / 35 });
        expect(h.violations()).toEqual([]);
      });

      it('a partly filled order cancelled: filled + cancelled = ordered', () => {
        const { h } = harness({ volumeLimit: 0.1 });
        const o = h.submit({ side: 'buy', quantity: 30, type: 'limit', price: 99 });
        h.bar(at(1), 100, 101, 98, 100, 100);
        h.bar(at(2), 100, 101, 98, 100, 100);
        expect(o.status).toBe('partially_filled');
        h.cancel(o.id);
        h.bar(at(3), 100, 101, 98, 100, 100);
        h.poll();
        expect(o).toMatchObject({ status: 'cancelled', filledQuantity: 20, cancelledQuantity: 10 });
        expect(h.kinds(o.id)).toEqual(['submitted', 'accepted', 'partially_filled', 'partially_filled', 'pending_cancel', 'cancelled user']);
        expect(h.violations()).toEqual([]);
      });
    });

    describe('one-cancels-other and brackets', () => {
      it('a pair where one fills: the other is cancelled (oco)', () => {
        const { h } = harness();
        const stop = h.submit({ side: 'sell', quantity: 5, type: 'stop', triggerPrice: 95 });
        const target = h.submit({ side: 'sell', quantity: 5, type: 'limit', price: 105 });
        expect(h.orders.oco([stop.id, target.id], h.now)).toBe(true);
        h.bar(at(1), 100, 106, 99, 105);
        h.poll();
        expect(h.fillsOf(target.id)).toEqual([[5, 105]]);
        expect(stop).toMatchObject({ status: 'cancelled', reason: 'oco', cancelledQuantity: 5 });
        h.bar(at(2), 100, 100, 90, 92); // would have hit the stop
        expect(h.fills).toHaveLength(1);
        expect(h.violations()).toEqual([]);
      });

      it('one bar that could fill both: the first submitted fills, the other is cancelled (oco), one fill in the group', () => {
        const { h } = harness();
        const stop = h.submit({ side: 'sell', quantity: 5, type: 'stop', triggerPrice: 95 });
        const target = h.submit({ side: 'sell', quantity: 5, type: 'limit', price: 105 });
        h.orders.oco([stop.id, target.id], h.now);
        h.bar(at(1), 100, 106, 94, 100);
        h.poll();
        expect(h.fills.map((f) => [f.orderId, f.quantity, f.price])).toEqual([[stop.id, -5, 95]]);
        expect(target).toMatchObject({ status: 'cancelled', reason: 'oco' });
        expect(h.violations()).toEqual([]);
      });

      it('a bracket: exits held until the entry fills, armed on the next data (not the fill bar), one exit fills, the other is cancelled', () => {
        const { h } = harness();
        const [entry, sl, tp] = h.bracket({ side: 'buy', quantity: 10 }, { side: 'sell', quantity: 10, type: 'stop', triggerPrice: 95 }, { side: 'sell', quantity: 10, type: 'limit', price: 105 });
        expect([sl.status, tp.status]).toEqual(['held', 'held']);
        h.bar(at(1), 100, 106, 94, 100); // the entry fills; its range would reach both exits
        expect(entry).toMatchObject({ status: 'filled', fillPrice: 100 });
        expect([sl.status, tp.status]).toEqual(['held', 'held']);
        expect(h.requests).toEqual([`submit ${entry.id}`]);
        h.bar(at(2), 100, 104, 96, 103);
        expect([sl.activatedTime, tp.activatedTime]).toEqual([at(1), at(1)]);
        expect(h.requests.slice(1, 3)).toEqual([`submit ${sl.id}`, `submit ${tp.id}`]);
        expect(h.fills).toHaveLength(1);
        h.bar(at(3), 103, 106, 102, 105.5);
        h.poll();
        expect(h.fillsOf(tp.id)).toEqual([[10, 105]]);
        expect(sl).toMatchObject({ status: 'cancelled', reason: 'oco' });
        expect(h.kinds(sl.id)).toEqual(['submitted', 'accepted', 'cancelled oco']);
        expect(h.violations()).toEqual([]);
      });

      it('a bracket whose exits could both fill on one bar: the stop-loss (submitted first) wins', () => {
        const { h } = harness();
        const [, sl, tp] = h.bracket({ side: 'buy', quantity: 10 }, { side: 'sell', quantity: 10, type: 'stop', triggerPrice: 95 }, { side: 'sell', quantity: 10, type: 'limit', price: 105 });
        h.bar(at(1), 100, 101, 99, 100);
        h.bar(at(2), 100, 106, 94, 100);
        h.poll();
        expect(h.fillsOf(sl.id)).toEqual([[10, 95]]);
        expect(tp).toMatchObject({ status: 'cancelled', reason: 'oco' });
        expect(h.violations()).toEqual([]);
      });
    });

    describe('rejects', () => {
      it('an order for a symbol the venue does not list comes back rejected (unknown_symbol)', () => {
        const { h } = harness();
        const o = h.submit({ symbol: 'ZZZ', side: 'buy', quantity: 1, type: 'limit', price: 10 });
        h.bar(at(1), 100, 101, 99, 100);
        expect(h.requests).toEqual([`submit ${o.id}`]);
        expect(o).toMatchObject({ status: 'rejected', reason: 'unknown_symbol', cancelledQuantity: 1, venueOrderId: '' });
        expect(h.kinds(o.id)).toEqual(['submitted', 'rejected unknown_symbol']);
        // The venue goes on working for the symbols it lists.
        const next = h.submit({ side: 'buy', quantity: 1 });
        h.bar(at(2), 101, 102, 100, 101);
        expect(next.status).toBe('filled');
        expect(h.violations()).toEqual([]);
      });

      it('an order refused by the pre-trade check is rejected with its reason and never reaches the venue', () => {
        const v = make();
        const h = new VenueHarness(v, { symbols: ['AAA', 'BBB'], check: (order) => (order.quantity > 100 ? 'max_order_quantity' : undefined) });
        h.bar(at(0), 100, 100, 100, 100);
        const big = h.submit({ side: 'buy', quantity: 101 });
        const small = h.submit({ side: 'buy', quantity: 100 });
        expect(big).toMatchObject({ status: 'rejected', reason: 'max_order_quantity' });
        expect(h.kinds(big.id)).toEqual(['submitted', 'rejected max_order_quantity']);
        h.bar(at(1), 101, 102, 100, 101);
        expect(h.requests).toEqual([`submit ${small.id}`]);
        expect(small.status).toBe('filled');
        expect(h.violations()).toEqual([]);
      });
    });
  });
}

/** Reports written as `kind id detail` lines. */
function recordingReports(seen: string[]): import('../model/execution.js').ExecutionReports {
  return {
    accepted: (id, venueId) => seen.push(`accepted ${id} ${venueId}`),
    rejected: (id, _t, reason) => seen.push(`rejected ${id} ${reason}`),
    filled: (id, _t, q, p) => seen.push(`filled ${id} ${q}@${p}`),
    triggered: (id) => seen.push(`triggered ${id}`),
    triggerMoved: (id, p) => seen.push(`triggerMoved ${id} ${p}`),
    expired: (id) => seen.push(`expired ${id}`),
    cancelled: (id, _t, reason) => seen.push(`cancelled ${id} ${reason}`),
    cancelRejected: (id, _t, reason) => seen.push(`cancelRejected ${id} ${reason}`),
    modified: (id) => seen.push(`modified ${id}`),
    modifyRejected: (id, _t, reason) => seen.push(`modifyRejected ${id} ${reason}`),
  };
}

venueContract('SimulatedExchange', (options = {}) => {
  const v = new SimulatedExchange(INSTRUMENTS, undefined, options);
  return { client: v, data: v, latency: 0, async: false };
});
venueContract('SimulatedExchange with FixedLatency', (options = {}) => {
  const v = new SimulatedExchange(INSTRUMENTS, undefined, { ...options, latency: new FixedLatency(LATENCY) });
  return { client: v, data: v, latency: LATENCY, async: false };
});
venueContract('AsyncVenue (answers only when polled)', (options = {}) => {
  const v = new AsyncVenue(INSTRUMENTS, options);
  return { client: v, data: v, latency: 0, async: true };
});
venueContract('AsyncVenue with latency', (options = {}) => {
  const v = new AsyncVenue(INSTRUMENTS, { ...options, latency: new FixedLatency(LATENCY) });
  return { client: v, data: v, latency: LATENCY, async: true };
});
