/**
 * Crash and restart, as a property: a scripted order sequence against a tiny
 * in-memory venue, a crash at a random point (between any two steps, inside
 * a journal write, or a power cut that loses what was not fsynced), the
 * venue trading on meanwhile, then restart: open the journal, reconcile with
 * the venue's snapshot, carry out the actions. Afterwards no client order id
 * is on the venue twice, every venue fill is in the journal once, and the
 * journal's balances equal the venue's without any adjustment.
 */

import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderJournal, type JournalFs } from './order-journal.js';
import { journalRecordsFor, reconcile, type ExchangeSnapshot, type VenueFill, type VenueOrder } from './reconcile.js';
import type { JournalIntent, JournalOrderRequest, JournalRecord, JournalReport } from './records.js';

function reopen(path: string): readonly JournalRecord[] {
  const { journal, records } = OrderJournal.open(path);
  journal.close();
  return records;
}
import { isOrderDone, ordersToLookUp, replayJournal } from './replay.js';

const SECOND = 1_000_000;
const SYMBOL = 'BTC/USDT';
const START_BALANCES = { BTC: 10, USDT: 10_000 };

interface TinyOrder {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly request: JournalOrderRequest;
  filled: number;
  status: VenueOrder['status'];
}

/** Accepts, fills and cancels deterministically; prices are integers and quantities quarters, so sums are exact. */
class TinyVenue {
  price = 100;
  readonly orders: TinyOrder[] = [];
  readonly fills: VenueFill[] = [];
  readonly balances = new Map<string, number>(Object.entries(START_BALANCES));

  submit(clientOrderId: string, request: JournalOrderRequest, time: number): JournalReport[] {
    const order: TinyOrder = { clientOrderId, venueOrderId: `V${this.orders.length + 1}`, request, filled: 0, status: 'open' };
    this.orders.push(order);
    const reports: JournalReport[] = [{ kind: 'accepted', time, clientOrderId, venueOrderId: order.venueOrderId }];
    if (request.type === 'market') reports.push(this.fill(order, request.quantity, this.price, time));
    else if (this.crosses(order)) reports.push(this.fill(order, request.quantity, request.price as number, time));
    return reports;
  }

  cancel(clientOrderId: string, time: number): JournalReport[] {
    const order = this.orders.find((o) => o.clientOrderId === clientOrderId);
    if (!order || order.status !== 'open') return [{ kind: 'cancelRejected', time, clientOrderId, reason: 'not open' }];
    order.status = 'cancelled';
    return [{ kind: 'cancelled', time, clientOrderId }];
  }

  /** The price moves; each crossing limit order fills up to half a unit. */
  move(delta: number, time: number): JournalReport[] {
    this.price = Math.max(1, this.price + delta);
    const reports: JournalReport[] = [];
    for (const order of this.orders) {
      if (order.status === 'open' && this.crosses(order)) reports.push(this.fill(order, Math.min(0.5, order.request.quantity - order.filled), order.request.price as number, time));
    }
    return reports;
  }

  snapshot(lookUp: readonly string[], time: number): ExchangeSnapshot {
    const wanted = new Set(lookUp);
    const orders = this.orders
      .filter((o) => o.status === 'open' || wanted.has(o.clientOrderId))
      .map((o): VenueOrder => ({ clientOrderId: o.clientOrderId, venueOrderId: o.venueOrderId, symbol: SYMBOL, side: o.request.side, type: o.request.type, quantity: o.request.quantity, filled: o.filled, status: o.status }));
    return { time, orders, fills: this.fills.slice(), balances: Object.fromEntries(this.balances) };
  }

  private crosses(order: TinyOrder): boolean {
    const limit = order.request.price as number;
    return order.request.side === 'buy' ? this.price <= limit : this.price >= limit;
  }

  private fill(order: TinyOrder, quantity: number, price: number, time: number): JournalReport {
    order.filled += quantity;
    if (order.filled >= order.request.quantity) order.status = 'filled';
    const fee = quantity / 4;
    const fill: VenueFill = { tradeId: `T${this.fills.length + 1}`, clientOrderId: order.clientOrderId, venueOrderId: order.venueOrderId, symbol: SYMBOL, side: order.request.side, price, quantity, fee, time };
    this.fills.push(fill);
    const sign = order.request.side === 'buy' ? 1 : -1;
    this.balances.set('BTC', (this.balances.get('BTC') as number) + sign * quantity);
    this.balances.set('USDT', (this.balances.get('USDT') as number) - sign * price * quantity - fee);
    const { venueOrderId: _v, ...rest } = fill;
    return { kind: 'fill', ...rest };
  }
}

class Crash extends Error {}

/** node:fs that crashes the run after a budget of steps (a write may be cut short) and counts what was fsynced. */
class CrashingFs implements JournalFs {
  written = 0;
  synced = 0;
  private budget = Number.POSITIVE_INFINITY;
  private dead = false;
  constructor(private readonly tornBytes: number) {}
  /** From now on, crash after `steps` steps. */
  arm(steps: number): void {
    this.budget = steps;
    this.synced = this.written;
  }
  step(): void {
    if (this.dead || this.budget-- <= 0) this.die();
  }
  /** The process is gone: nothing after this point happens. */
  private die(): never {
    this.dead = true;
    throw new Crash();
  }
  existsSync = (p: string) => fs.existsSync(p);
  readFileSync = (p: string) => fs.readFileSync(p);
  openSync = (p: string, flags: string) => fs.openSync(p, flags);
  writeSync = (fd: number, b: Uint8Array, o: number, l: number): number => {
    if (this.dead) this.die();
    if (this.budget-- <= 0) {
      const part = this.tornBytes % l;
      fs.writeSync(fd, b, o, part);
      this.written += part;
      this.die();
    }
    this.written += fs.writeSync(fd, b, o, l);
    return l;
  };
  // Durability is simulated by `synced`; the disk's own fsync would only slow the property down.
  fsyncSync = () => {
    this.synced = this.written;
  };
  ftruncateSync = (fd: number, l: number) => (this.dead ? this.die() : fs.ftruncateSync(fd, l));
  closeSync = (fd: number) => fs.closeSync(fd);
}

type Op =
  | { readonly op: 'submit'; readonly type: 'market' | 'limit'; readonly side: 'buy' | 'sell'; readonly quarters: number; readonly offset: number }
  | { readonly op: 'cancel'; readonly which: number }
  | { readonly op: 'move'; readonly delta: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('submit' as const), type: fc.constantFrom('market' as const, 'limit' as const), side: fc.constantFrom('buy' as const, 'sell' as const), quarters: fc.integer({ min: 1, max: 8 }), offset: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ op: fc.constant('cancel' as const), which: fc.nat() }),
  fc.record({ op: fc.constant('move' as const), delta: fc.integer({ min: -3, max: 3 }) }),
);

/** The live run: journal each intent durably, then send it; journal each report as it comes back. */
function runScript(ops: readonly Op[], venue: TinyVenue, journal: OrderJournal, crashFs: CrashingFs): number {
  let time = 0;
  const sent: string[] = [];
  const report = (reports: readonly JournalReport[]) => {
    crashFs.step(); // the venue has acted; the reports are not journalled yet
    for (const r of reports) journal.appendReport(r);
  };
  try {
    for (const op of ops) {
      time += SECOND;
      if (op.op === 'submit') {
        const clientOrderId = `run-${sent.length + 1}`;
        const request: JournalOrderRequest = { symbol: SYMBOL, side: op.side, type: op.type, quantity: op.quarters / 4, ...(op.type === 'limit' ? { price: venue.price + op.offset } : {}) };
        journal.appendIntent({ kind: 'submit', time, clientOrderId, request });
        sent.push(clientOrderId);
        crashFs.step(); // journalled, not sent yet
        report(venue.submit(clientOrderId, request, time));
      } else if (op.op === 'cancel' && sent.length > 0) {
        const clientOrderId = sent[op.which % sent.length] as string;
        journal.appendIntent({ kind: 'cancel', time, clientOrderId });
        crashFs.step();
        report(venue.cancel(clientOrderId, time));
      } else if (op.op === 'move') {
        report(venue.move(op.delta, time));
      }
    }
    journal.close();
  } catch (e) {
    if (!(e instanceof Crash)) throw e;
  }
  return time;
}

/** Restart: open what is left of the journal, reconcile, carry out the actions; returns how many actions were not explained by the journal and the venue (balance adjustments, stops). */
function restart(path: string, venue: TinyVenue, now: number): number {
  const { journal, records } = OrderJournal.open(path);
  const state = replayJournal(records);
  const snapshot = venue.snapshot(ordersToLookUp(state), now);
  const result = reconcile(state, snapshot, { unknownOrders: 'stop', resubmitWithinMicros: 60 * SECOND });
  let adjusted = 0;
  for (const action of result.actions) {
    const records = journalRecordsFor(action, now);
    if (action.kind === 'resubmit' || action.kind === 'resendCancel') {
      journal.appendIntents(records as JournalIntent[]);
      const reports = action.kind === 'resubmit' ? venue.submit(action.clientOrderId, action.request, now) : venue.cancel(action.clientOrderId, now);
      for (const r of reports) journal.appendReport(r);
    } else if (action.kind === 'adjustBalance' || action.kind === 'stop') adjusted++;
    else for (const r of records) (r.kind === 'adopted' || r.kind === 'balances' ? journal.appendNote(r) : journal.appendReport(r as JournalReport));
  }
  journal.close();
  return adjusted;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-journal-crash-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crash and restart', () => {
  it('leaves no duplicated order, no lost fill, and the venue\'s position and cash', () => {
    let trial = 0;
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 3, maxLength: 25 }),
        fc.nat({ max: 40 }),
        fc.nat(),
        fc.boolean(),
        fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 4 }),
        fc.boolean(),
        (ops, crashAfter, tornBytes, powerCut, movesWhileDown, soon) => {
          const path = join(dir, `journal-${trial++}.qfj`);
          const venue = new TinyVenue();
          const crashFs = new CrashingFs(tornBytes);
          const { journal } = OrderJournal.open(path, { fs: crashFs });
          // A run starts from the exchange's balances, journalled before it trades.
          journal.appendNote({ kind: 'balances', time: 0, balances: START_BALANCES });
          crashFs.arm(crashAfter);
          let time = runScript(ops, venue, journal, crashFs);
          if (powerCut) fs.truncateSync(path, crashFs.synced + (tornBytes % (crashFs.written - crashFs.synced + 1)));
          for (const delta of movesWhileDown) venue.move(delta, (time += SECOND));
          const adjusted = restart(path, venue, time + (soon ? SECOND : 600 * SECOND));

          const perClientId = new Map<string, number>();
          for (const o of venue.orders) perClientId.set(o.clientOrderId, (perClientId.get(o.clientOrderId) ?? 0) + 1);
          expect([...perClientId.values()].filter((n) => n > 1)).toEqual([]);

          const after = replayJournal(reopen(path));
          expect([...after.fills.keys()].sort()).toEqual(venue.fills.map((f) => f.tradeId).sort());
          expect(adjusted).toBe(0);
          expect(Object.fromEntries(after.balances)).toEqual(Object.fromEntries(venue.balances));
          const open = venue.orders.filter((o) => o.status === 'open').map((o) => o.clientOrderId);
          expect([...after.orders.values()].filter((o) => !isOrderDone(o)).map((o) => o.clientOrderId)).toEqual(open);
        },
      ),
      { numRuns: 200, seed: 17 },
    );
  });
});
