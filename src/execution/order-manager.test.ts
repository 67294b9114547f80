/**
 * The OrderManager on its own, against a scripted venue: the venue records
 * the requests it gets and answers nothing by itself; each test answers as
 * and when it chooses (late acknowledgements, refusals, fills while a cancel
 * or change travels), and checks the order's status, its events and the
 * requests that went out.
 */
import { describe, expect, it } from 'vitest';
import { newOrder } from '../../test/helpers/venue-harness.js';
import { InvariantError } from '../core/errors.js';
import type { Fill, OrderEvent } from '../model/events.js';
import type { ExecutionClient, ExecutionReports, OrderChanges } from '../model/execution.js';
import type { Order } from '../model/order.js';
import { NoFee, PercentFee } from './models/fee.js';
import { OrderManager, type NewOrder, type OrderManagerOptions, type PreTradeCheck } from './order-manager.js';

/** A venue that only records: `submit 1`, `cancel 1`, `modify 1 {"price":99}`, `withdraw 1`. */
class ScriptedVenue implements ExecutionClient {
  readonly requests: string[] = [];
  /** Orders as they were sent. */
  readonly sent = new Map<number, { status: string; activatedTime: number; time: number }>();
  reports!: ExecutionReports;
  withdraw?: (orderId: number) => boolean;

  /** `withdrawing`: the venue holds links and pulls every order asked for (true) or none (false); absent: no withdraw at all. */
  constructor(withdrawing?: boolean) {
    if (withdrawing !== undefined) {
      this.withdraw = (id) => {
        this.requests.push(`withdraw ${id}`);
        return withdrawing;
      };
    }
  }
  connect(reports: ExecutionReports): void {
    this.reports = reports;
  }
  submit(order: Order, time: number): void {
    this.requests.push(`submit ${order.id}`);
    this.sent.set(order.id, { status: order.status, activatedTime: order.activatedTime, time });
  }
  cancel(orderId: number): void {
    this.requests.push(`cancel ${orderId}`);
  }
  modify(orderId: number, changes: OrderChanges): void {
    this.requests.push(`modify ${orderId} ${JSON.stringify(changes)}`);
  }
}

const T = 1_000_000;

function setup(venue = new ScriptedVenue(true), options: OrderManagerOptions = {}, check: PreTradeCheck = () => undefined) {
  const events: string[] = [];
  const fills: Fill[] = [];
  const released: number[] = [];
  const om = new OrderManager(
    new NoFee(),
    check,
    {
      event: (e: OrderEvent) => events.push(`${e.order.id} ${e.kind}${e.reason === '' ? '' : ` ${e.reason}`} @${e.time} (${e.order.status})`),
      fill: (_o, f) => fills.push(f),
      released: (o) => released.push(o.id),
    },
    options,
  );
  om.connect(venue);
  const submit = (fields: Partial<NewOrder> & Pick<NewOrder, 'side' | 'quantity'>, time = T, parent?: Order): Order => om.submit(newOrder(fields), time, 100, parent);
  /** Submits and acknowledges a resting limit buy. */
  const working = (quantity = 10, time = T): Order => {
    const o = submit({ side: 'buy', quantity, type: 'limit', price: 95 }, time);
    venue.reports.accepted(o.id, `V-${o.id}`, time);
    return o;
  };
  return { om, venue, events, fills, released, submit, working, r: venue.reports };
}

describe('OrderManager against a scripted venue', () => {
  describe('acknowledgements and rejections', () => {
    it('an order is submitted until the venue acknowledges it, later, with its own id', () => {
      const { submit, venue, events, r } = setup();
      const o = submit({ side: 'buy', quantity: 5 });
      expect(o).toMatchObject({ status: 'submitted', venueOrderId: '', clientOrderId: 'QF-1' });
      expect(venue.requests).toEqual(['submit 1']);
      expect(venue.sent.get(1)).toEqual({ status: 'submitted', activatedTime: T, time: T });
      r.accepted(1, 'EX-77', T + 500);
      expect(o).toMatchObject({ status: 'accepted', venueOrderId: 'EX-77' });
      expect(events).toEqual([`1 submitted @${T} (submitted)`, `1 accepted @${T + 500} (accepted)`]);
    });

    it('a venue rejection ends the order with the venue reason and releases it', () => {
      const { submit, events, released, r } = setup();
      const o = submit({ side: 'sell', quantity: 5 });
      r.rejected(1, T + 1, 'insufficient_margin');
      expect(o).toMatchObject({ status: 'rejected', reason: 'insufficient_margin', cancelledQuantity: 5 });
      expect(events.at(-1)).toBe(`1 rejected insufficient_margin @${T + 1} (rejected)`);
      expect(released).toEqual([1]);
    });

    it('a pre-trade refusal never reaches the venue', () => {
      const { submit, venue, events } = setup(new ScriptedVenue(true), {}, () => 'max_position');
      const o = submit({ side: 'buy', quantity: 5 });
      expect(o).toMatchObject({ status: 'rejected', reason: 'max_position' });
      expect(venue.requests).toEqual([]);
      expect(events).toEqual([`1 submitted @${T} (submitted)`, `1 rejected max_position @${T} (rejected)`]);
    });
  });

  describe('cancel', () => {
    it('of an order not yet acknowledged: pending_cancel; the acknowledgement keeps it there; the cancel ends it', () => {
      const { submit, venue, events, om, r } = setup();
      const o = submit({ side: 'buy', quantity: 5, type: 'limit', price: 90 });
      expect(om.cancel(o.id, T + 1)).toBe(true);
      expect(o.status).toBe('pending_cancel');
      expect(venue.requests).toEqual(['submit 1', 'cancel 1']);
      r.accepted(1, 'V-1', T + 2);
      expect(o).toMatchObject({ status: 'pending_cancel', venueOrderId: 'V-1' });
      r.cancelled(1, T + 3, 'user');
      expect(o).toMatchObject({ status: 'cancelled', reason: 'user', cancelledQuantity: 5 });
      expect(events.map((e) => e.split(' @')[0])).toEqual(['1 submitted', '1 pending_cancel', '1 accepted', '1 cancelled user']);
    });

    it('of an order not yet acknowledged, refused: back to submitted, then accepted when the acknowledgement comes', () => {
      const { submit, om, r } = setup();
      const o = submit({ side: 'buy', quantity: 5, type: 'limit', price: 90 });
      om.cancel(o.id, T + 1);
      r.cancelRejected(1, T + 2, 'not_live');
      expect(o.status).toBe('submitted');
      r.accepted(1, 'V-1', T + 3);
      expect(o.status).toBe('accepted');
    });

    it('of an order the venue then rejects: rejected', () => {
      const { submit, om, r } = setup();
      const o = submit({ side: 'buy', quantity: 5, type: 'limit', price: 90 });
      om.cancel(o.id, T + 1);
      r.rejected(1, T + 2, 'invalid_price');
      expect(o).toMatchObject({ status: 'rejected', reason: 'invalid_price' });
    });

    it('a partial fill while the cancel travels; the cancel refused: back to partially_filled', () => {
      const { working, om, r, events } = setup();
      const o = working(10);
      om.cancel(o.id, T + 1);
      r.filled(o.id, T + 2, 3, 95, 'maker');
      expect(o).toMatchObject({ status: 'pending_cancel', filledQuantity: 3 });
      r.cancelRejected(o.id, T + 3, 'not_modifiable');
      expect(o.status).toBe('partially_filled');
      expect(events.slice(-2)).toEqual([`1 partially_filled @${T + 2} (pending_cancel)`, `1 cancel_rejected not_modifiable @${T + 3} (partially_filled)`]);
      // The rest can still be cancelled.
      om.cancel(o.id, T + 4);
      r.cancelled(o.id, T + 5, 'user');
      expect(o).toMatchObject({ status: 'cancelled', filledQuantity: 3, cancelledQuantity: 7 });
    });

    it('a full fill while the cancel travels: filled; the late refusal is reported and changes nothing', () => {
      const { working, om, r, events, fills } = setup();
      const o = working(10);
      om.cancel(o.id, T + 1);
      r.filled(o.id, T + 2, 10, 95, 'maker');
      expect(o.status).toBe('filled');
      r.cancelRejected(o.id, T + 3, 'not_live');
      expect(o.status).toBe('filled');
      expect(events.at(-1)).toBe(`1 cancel_rejected not_live @${T + 3} (filled)`);
      expect(fills.map((f) => f.quantity)).toEqual([10]);
    });

    it('a second cancel while one travels is refused at once (cancel_pending) and not sent', () => {
      const { working, om, venue, events } = setup();
      const o = working();
      expect(om.cancel(o.id, T + 1)).toBe(true);
      expect(om.cancel(o.id, T + 2)).toBe(false);
      expect(venue.requests.filter((q) => q.startsWith('cancel'))).toEqual(['cancel 1']);
      expect(events.at(-1)).toBe(`1 cancel_rejected cancel_pending @${T + 2} (pending_cancel)`);
    });
  });

  describe('modify', () => {
    it('a partial fill while the change travels; the change refused: back to partially_filled, the price unchanged', () => {
      const { working, om, r } = setup();
      const o = working(10);
      expect(om.modify(o.id, { price: 96 }, T + 1)).toBe(true);
      expect(o.status).toBe('pending_modify');
      r.filled(o.id, T + 2, 4, 95, 'maker');
      expect(o.status).toBe('pending_modify');
      r.modifyRejected(o.id, T + 3, 'invalid_price');
      expect(o).toMatchObject({ status: 'partially_filled', price: 95, filledQuantity: 4 });
    });

    it('a change accepted by the venue after fills made it impossible is refused when it arrives (invalid_quantity)', () => {
      const { working, om, r, events } = setup();
      const o = working(10);
      om.modify(o.id, { quantity: 5 }, T + 1);
      r.filled(o.id, T + 2, 6, 95, 'maker');
      r.modified(o.id, T + 3, { quantity: 5 });
      expect(o).toMatchObject({ status: 'partially_filled', quantity: 10, filledQuantity: 6 });
      expect(events.at(-1)).toBe(`1 modify_rejected invalid_quantity @${T + 3} (partially_filled)`);
    });

    it('two changes in flight: pending_modify until both are answered, each applied in turn', () => {
      const { working, om, r, venue } = setup();
      const o = working();
      om.modify(o.id, { price: 96 }, T + 1);
      om.modify(o.id, { price: 97 }, T + 2);
      expect(venue.requests.slice(-2)).toEqual(['modify 1 {"price":96}', 'modify 1 {"price":97}']);
      r.modified(o.id, T + 3, { price: 96 });
      expect(o).toMatchObject({ status: 'pending_modify', price: 96 });
      r.modifyRejected(o.id, T + 4, 'invalid_price');
      expect(o).toMatchObject({ status: 'accepted', price: 96 });
    });

    it('a change while a cancel travels is refused (cancel_pending); a cancel while a change travels overrides it', () => {
      const { working, om, r, venue, events } = setup();
      const a = working();
      om.cancel(a.id, T + 1);
      expect(om.modify(a.id, { price: 96 }, T + 2)).toBe(false);
      expect(events.at(-1)).toBe(`1 modify_rejected cancel_pending @${T + 2} (pending_cancel)`);
      expect(venue.requests.some((q) => q.startsWith('modify'))).toBe(false);

      const b = working(10, T + 3);
      om.modify(b.id, { price: 96 }, T + 4);
      om.cancel(b.id, T + 5);
      expect(b.status).toBe('pending_cancel');
      r.modified(b.id, T + 6, { price: 96 });
      expect(b).toMatchObject({ status: 'pending_cancel', price: 96 });
      r.cancelRejected(b.id, T + 7, 'not_modifiable');
      expect(b.status).toBe('accepted');
    });

    it('a cancel refused while a change still travels: back to pending_modify, then accepted', () => {
      const { working, om, r } = setup();
      const o = working();
      om.modify(o.id, { price: 96 }, T + 1);
      om.cancel(o.id, T + 2);
      r.cancelRejected(o.id, T + 3, 'not_modifiable');
      expect(o.status).toBe('pending_modify');
      r.modified(o.id, T + 4, { price: 96 });
      expect(o).toMatchObject({ status: 'accepted', price: 96 });
    });
  });

  describe('one-cancels-other', () => {
    it('with a venue without withdraw: the partner of a filled order gets a cancel request and ends when the venue answers', () => {
      const { working, om, r, venue, events } = setup(new ScriptedVenue());
      const a = working(5);
      const b = working(5);
      expect(om.oco([a.id, b.id], T)).toBe(true);
      r.filled(a.id, T + 1, 5, 95, 'maker');
      expect(venue.requests.at(-1)).toBe(`cancel ${b.id}`);
      expect(b.status).toBe('pending_cancel');
      // The venue answers the cancel request as any other (it cannot know why it was sent).
      r.cancelled(b.id, T + 2, 'user');
      expect(b).toMatchObject({ status: 'cancelled', reason: 'oco', cancelledQuantity: 5 });
      expect(events.filter((e) => e.startsWith(`${b.id} `)).map((e) => e.split(' @')[0])).toEqual([
        `${b.id} submitted`,
        `${b.id} accepted`,
        `${b.id} updated`,
        `${b.id} pending_cancel`,
        `${b.id} cancelled oco`,
      ]);
    });

    it('with a venue without withdraw: a partner the venue filled before the cancel reached it is filled too, the cancel refused', () => {
      const { working, om, r } = setup(new ScriptedVenue());
      const a = working(5);
      const b = working(5);
      om.oco([a.id, b.id], T);
      r.filled(a.id, T + 1, 5, 95, 'maker');
      r.filled(b.id, T + 1, 5, 95, 'maker');
      r.cancelRejected(b.id, T + 2, 'not_live');
      expect([a.status, b.status]).toEqual(['filled', 'filled']);
    });

    it('with a venue that withdraws: the partner ends at once, with no request but the withdraw', () => {
      const { working, om, r, venue } = setup(new ScriptedVenue(true));
      const a = working(5);
      const b = working(5);
      om.oco([a.id, b.id], T);
      r.filled(a.id, T + 1, 5, 95, 'maker');
      expect(b).toMatchObject({ status: 'cancelled', reason: 'oco' });
      expect(venue.requests.slice(-1)).toEqual([`withdraw ${b.id}`]);
    });

    it('with a venue that had already moved on the partner (withdraw false): the partner waits for the venue to tell', () => {
      const { working, om, r } = setup(new ScriptedVenue(false));
      const a = working(5);
      const b = working(5);
      om.oco([a.id, b.id], T);
      r.filled(a.id, T + 1, 5, 95, 'maker');
      expect(b.status).toBe('accepted');
      r.cancelled(b.id, T + 1, 'oco');
      expect(b).toMatchObject({ status: 'cancelled', reason: 'oco' });
    });
  });

  describe('held children', () => {
    it('arm on data of their instrument after the parent filled, active from the parent fill time', () => {
      const { om, r, venue } = setup();
      const [entry, sl, tp] = om.bracket(
        newOrder({ side: 'buy', quantity: 10 }),
        newOrder({ side: 'sell', quantity: 10, type: 'stop', triggerPrice: 90 }),
        newOrder({ side: 'sell', quantity: 10, type: 'limit', price: 110 }),
        T,
        100,
      );
      expect([entry.status, sl.status, tp.status]).toEqual(['submitted', 'held', 'held']);
      r.accepted(entry.id, 'V-1', T);
      om.beforeData('AAA', T + 10);
      expect(venue.requests).toEqual(['submit 1']);
      r.filled(entry.id, T + 20, 10, 100.5, 'taker');
      om.beforeData('AAA', T + 20); // not on data of the fill's own time
      om.beforeData('BBB', T + 30); // nor on another instrument's
      expect([sl.status, tp.status]).toEqual(['held', 'held']);
      expect(venue.requests).toEqual(['submit 1']);
      om.beforeData('AAA', T + 40);
      expect(venue.requests).toEqual(['submit 1', `submit ${sl.id}`, `submit ${tp.id}`]);
      expect([sl.status, tp.status]).toEqual(['submitted', 'submitted']);
      expect([sl.activatedTime, tp.activatedTime]).toEqual([T + 20, T + 20]);
      expect(venue.sent.get(sl.id)).toEqual({ status: 'submitted', activatedTime: T + 20, time: T + 40 });
      expect([sl.ocoIds, tp.ocoIds]).toEqual([[tp.id], [sl.id]]);
    });

    it('a parent cancelled after a partial fill arms its child with the filled quantity; one cancelled unfilled takes it along', () => {
      const { submit, om, r } = setup();
      const p1 = submit({ side: 'buy', quantity: 10, type: 'limit', price: 95 });
      const c1 = submit({ side: 'sell', quantity: 10, type: 'limit', price: 105 }, T, p1);
      const p2 = submit({ side: 'buy', quantity: 10, type: 'limit', price: 95 });
      const c2 = submit({ side: 'sell', quantity: 10, type: 'limit', price: 105 }, T, p2);
      expect([c1.status, c2.status]).toEqual(['held', 'held']);
      r.accepted(p1.id, 'V-1', T);
      r.accepted(p2.id, 'V-2', T);
      r.filled(p1.id, T + 1, 4, 95, 'maker');
      om.cancel(p1.id, T + 2);
      r.cancelled(p1.id, T + 3, 'user');
      om.cancel(p2.id, T + 2);
      r.cancelled(p2.id, T + 3, 'user');
      expect(c2).toMatchObject({ status: 'cancelled', reason: 'parent_cancelled' });
      om.beforeData('AAA', T + 4);
      expect(c1).toMatchObject({ status: 'submitted', quantity: 4, activatedTime: T + 3 });
    });
  });

  describe('ids', () => {
    it('client order ids are <run id>-<n>, and byClientOrderId finds only those', () => {
      const { submit, om } = setup(new ScriptedVenue(true), { runId: 'RUN7' });
      const a = submit({ side: 'buy', quantity: 1 });
      const b = submit({ side: 'buy', quantity: 1 });
      expect([a.clientOrderId, b.clientOrderId]).toEqual(['RUN7-1', 'RUN7-2']);
      expect(om.byClientOrderId('RUN7-2')).toBe(b);
      for (const id of ['QF-1', 'RUN7-0', 'RUN7-3', 'RUN7-x', 'RUN7-1.5', 'RUN71', '']) expect(om.byClientOrderId(id)).toBeUndefined();
    });
  });

  describe('impossible reports are invariant errors', () => {
    it('a fill for an unknown order, beyond the open quantity, or of an order not yet acknowledged', () => {
      const { working, submit, r } = setup();
      const o = working(5);
      expect(() => r.filled(99, T, 1, 95, 'maker')).toThrow(InvariantError);
      expect(() => r.filled(o.id, T, 6, 95, 'maker')).toThrow(InvariantError);
      expect(() => r.filled(o.id, T, 0, 95, 'maker')).toThrow(InvariantError);
      r.filled(o.id, T, 5, 95, 'maker');
      expect(() => r.filled(o.id, T, 1, 95, 'maker')).toThrow(InvariantError);
      const fresh = submit({ side: 'buy', quantity: 1 });
      expect(() => r.filled(fresh.id, T, 1, 95, 'maker')).toThrow(InvariantError);
    });

    it('an acknowledgement twice or of an unknown order, a rejection after acceptance, a cancel of a final order', () => {
      const { working, r } = setup();
      const o = working(5);
      expect(() => r.accepted(o.id, 'V-again', T)).toThrow(InvariantError);
      expect(() => r.accepted(99, 'V-99', T)).toThrow(InvariantError);
      expect(() => r.rejected(o.id, T, 'invalid_price')).toThrow(InvariantError);
      r.cancelled(o.id, T, 'user');
      expect(() => r.cancelled(o.id, T, 'user')).toThrow(InvariantError);
      expect(() => r.expired(o.id, T)).toThrow(InvariantError);
      expect(() => r.triggered(o.id, T)).toThrow(InvariantError);
    });
  });

  describe("the venue's fee", () => {
    it("a fill that states what the venue charged pays that; one without is priced by the run's fee model", () => {
      const venue = new ScriptedVenue(true);
      const fills: Fill[] = [];
      const om = new OrderManager(new PercentFee(0.001), () => undefined, { event: () => {}, fill: (_o, f) => fills.push(f), released: () => {} });
      om.connect(venue);
      const o = om.submit(newOrder({ side: 'buy', quantity: 2, type: 'limit', price: 100 }), T, 100);
      venue.reports.accepted(o.id, 'V-1', T);
      venue.reports.filled(o.id, T + 1, 1, 100, 'maker', 0.0731);
      venue.reports.filled(o.id, T + 2, 1, 100, 'maker');
      expect(fills.map((f) => f.fee)).toEqual([0.0731, 0.1]);
      expect(o.fee).toBeCloseTo(0.1731, 12);
      const m = om.submit(newOrder({ side: 'buy', quantity: 1 }), T, 100);
      venue.reports.accepted(m.id, 'V-2', T);
      expect(() => venue.reports.filled(m.id, T + 3, 1, 100, 'taker', NaN)).toThrow(/the venue's fee NaN is not a number/);
    });
  });
});
