/**
 * Random structures of linked orders over real bars (ORCL's daily file):
 * OCO groups of two or three, OTO parents with children, brackets and plain
 * orders, every time in force (gtc, day, gtd, good for N bars, ioc, fok),
 * prices around the bar's close, random cancels, modifies and re-links, with
 * and without latency, classic and intrabar fills. Whatever the script:
 * - the run completes (no invariant breaks);
 * - each order's events follow ORDER_TRANSITIONS, and it ends final, working,
 *   or held by a parent that is live or has filled;
 * - no OCO group has fills on two members;
 * - no child is accepted before the data after its parent's first fill, nor
 *   fills before it is accepted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barFeed, type BarRow } from '../../test/helpers/feeds.js';
import { readYahoo } from '../../test/helpers/sample-bars.js';
import { runBacktest, type BacktestOptions } from '../backtest/engine.js';
import { MICROS_PER_DAY, MICROS_PER_HOUR } from '../core/time.js';
import type { OrderEvent } from '../model/events.js';
import type { Bar } from '../model/market.js';
import type { Order, OrderStatus, OrderType, TimeInForce } from '../model/order.js';
import { ORDER_TRANSITIONS, isLive, isWorking } from '../model/order.js';
import type { OrderOptions, StrategyContext } from '../strategy/context.js';
import { Strategy } from '../strategy/strategy.js';
import { ClassicBarFill, IntrabarFill } from './models/fill.js';
import { FixedLatency } from './models/latency.js';

const ORCL: BarRow[] = readYahoo('ORCL-1995-2014.csv').map((b) => [b.date, b.open, b.high, b.low, b.close, b.volume] as const);

/** How long an order may live: gtc, day, gtd (1..3 days after now), good for 1..3 bars, ioc, fok. */
type Life = { tif: 'gtc' | 'day' | 'ioc' | 'fok' } | { tif: 'gtd'; days: number } | { tif: 'bars'; bars: number };

interface Spec {
  readonly side: 'buy' | 'sell';
  readonly type: OrderType;
  readonly qty: number;
  /** Limit or trigger distance from the close, in tenths of a percent. */
  readonly off: number;
  /** Limit of a stop-limit or limit-if-touched order, from its trigger. */
  readonly off2: number;
  readonly life: Life;
}

type Command =
  | { kind: 'plain'; spec: Spec }
  | { kind: 'oco'; specs: Spec[] }
  | { kind: 'oto'; parent: Spec; children: Spec[] }
  | { kind: 'bracket'; side: 'buy' | 'sell'; qty: number; entry: 'market' | 'limit' | 'stop'; off: number; sl: number; tp: number; life: Life }
  | { kind: 'cancel'; pick: number }
  | { kind: 'modify'; pick: number; off: number; qty: number; what: 'price' | 'trigger' | 'quantity' }
  | { kind: 'relink'; a: number; b: number }
  | { kind: 'none' };

const TYPES: OrderType[] = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop', 'market_on_open', 'market_on_close', 'market_if_touched', 'limit_if_touched'];

const life: fc.Arbitrary<Life> = fc.oneof(
  fc.record({ tif: fc.constantFrom('gtc' as const, 'day' as const, 'ioc' as const, 'fok' as const) }),
  fc.record({ tif: fc.constant('gtd' as const), days: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ tif: fc.constant('bars' as const), bars: fc.integer({ min: 1, max: 3 }) }),
);

const spec: fc.Arbitrary<Spec> = fc.record({
  side: fc.constantFrom('buy' as const, 'sell' as const),
  type: fc.constantFrom(...TYPES),
  qty: fc.integer({ min: 1, max: 300 }),
  off: fc.integer({ min: -60, max: 60 }),
  off2: fc.integer({ min: -20, max: 20 }),
  life,
});

const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('plain' as const), spec }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('oco' as const), specs: fc.array(spec, { minLength: 2, maxLength: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('oto' as const), parent: spec, children: fc.array(spec, { minLength: 1, maxLength: 2 }) }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('bracket' as const),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      qty: fc.integer({ min: 1, max: 300 }),
      entry: fc.constantFrom('market' as const, 'limit' as const, 'stop' as const),
      off: fc.integer({ min: -30, max: 30 }),
      sl: fc.integer({ min: 1, max: 60 }),
      tp: fc.integer({ min: 1, max: 60 }),
      life,
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('modify' as const),
      pick: fc.nat(),
      off: fc.integer({ min: -40, max: 40 }),
      qty: fc.integer({ min: 1, max: 300 }),
      what: fc.constantFrom('price' as const, 'trigger' as const, 'quantity' as const),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('relink' as const), a: fc.nat(), b: fc.nat() }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 2 },
);

interface Seen {
  readonly kind: OrderEvent['kind'];
  readonly time: number;
  readonly reason: string;
}

class Linker extends Strategy<{ script: Command[][] }> {
  private i = 0;
  readonly events = new Map<number, Seen[]>();
  /** OCO groups as linked (ctx.oco returned true), and bracket exits. */
  readonly groups: number[][] = [];

  override onOrderEvent(e: OrderEvent): void {
    let list = this.events.get(e.order.id);
    if (list === undefined) this.events.set(e.order.id, (list = []));
    list.push({ kind: e.kind, time: e.time, reason: e.reason });
  }

  override onBar(bar: Bar, ctx: StrategyContext): void {
    for (const c of this.params.script[this.i++] ?? []) this.act(c, bar.close, ctx);
  }

  private act(c: Command, close: number, ctx: StrategyContext): void {
    const at = (tenths: number): number => Math.max(0.01, Math.round(close * (1000 + tenths) * 0.1) / 100);
    const options = (s: Spec): OrderOptions => {
      const limitOf = s.type === 'limit' ? at(s.off) : at(s.off + s.off2);
      const o: Record<string, unknown> = { type: s.type };
      if (s.type === 'limit' || s.type === 'stop_limit' || s.type === 'limit_if_touched') o.limit = limitOf;
      if (s.type === 'stop' || s.type === 'stop_limit' || s.type === 'market_if_touched' || s.type === 'limit_if_touched') o.stop = at(s.off);
      if (s.type === 'trailing_stop') o.trailOffset = Math.max(0.01, Math.round(Math.abs(s.off) * close * 0.1) / 100);
      Object.assign(o, lifeOptions(s.life, ctx.time));
      return o as OrderOptions;
    };
    const place = (s: Spec, parent?: Order): Order => {
      const o = { ...options(s), ...(parent !== undefined ? { parent } : {}) };
      return s.side === 'buy' ? ctx.buy(s.qty, o) : ctx.sell(s.qty, o);
    };
    const live = ctx.openOrders();
    switch (c.kind) {
      case 'plain':
        place(c.spec);
        break;
      case 'oco': {
        const members = c.specs.map((s) => place(s));
        if (ctx.oco(...members)) this.groups.push(members.map((m) => m.id));
        break;
      }
      case 'oto': {
        const parent = place(c.parent);
        for (const s of c.children) place(s, parent);
        break;
      }
      case 'bracket': {
        const up = c.side === 'buy' ? 1 : -1;
        const b = ctx.bracket({
          side: c.side,
          quantity: c.qty,
          ...(c.entry === 'limit' ? { limit: at(c.off) } : c.entry === 'stop' ? { stop: at(c.off) } : {}),
          stopLoss: at(-up * c.sl),
          takeProfit: at(up * c.tp),
          ...lifeOptions(c.life, ctx.time),
        });
        this.groups.push([b.stopLoss.id, b.takeProfit.id]);
        break;
      }
      case 'cancel':
        if (live.length > 0) ctx.cancel(live[c.pick % live.length] as Order);
        break;
      case 'modify':
        if (live.length > 0) {
          const o = live[c.pick % live.length] as Order;
          if (c.what === 'quantity') ctx.modify(o, { quantity: Math.max(o.filledQuantity + 1, c.qty) });
          else if (c.what === 'price' && !Number.isNaN(o.price)) ctx.modify(o, { price: at(c.off) });
          else if (c.what === 'trigger' && !Number.isNaN(o.triggerPrice) && o.type !== 'trailing_stop') ctx.modify(o, { triggerPrice: at(c.off) });
        }
        break;
      case 'relink':
        // Linking orders that may already belong to a group: refused then, so groups never overlap.
        if (live.length > 1) {
          const a = live[c.a % live.length] as Order;
          const b = live[c.b % live.length] as Order;
          if (a !== b && ctx.oco(a, b)) this.groups.push([a.id, b.id]);
        }
        break;
      case 'none':
        break;
    }
  }
}

function lifeOptions(l: Life, now: number): { timeInForce?: TimeInForce; expire?: number; validBars?: number } {
  if (l.tif === 'gtd') return { expire: now + l.days * MICROS_PER_DAY };
  if (l.tif === 'bars') return { validBars: l.bars };
  return { timeInForce: l.tif };
}

const FINAL: ReadonlySet<OrderStatus> = new Set(['rejected', 'filled', 'cancelled', 'expired']);

/**
 * Follows an order's status through its events. A pending cancel or change
 * leaves the working status underneath (fills and triggers move that on);
 * its answer (`cancel_rejected`, `modify_rejected`, `updated`) returns to it.
 */
class StatusModel {
  status: OrderStatus | undefined;
  private under: OrderStatus | undefined;
  private modifies = 0;

  /** The status an event moves the order to (undefined: no visible change). */
  next(kind: OrderEvent['kind'], reason: string): OrderStatus | undefined {
    const current = this.status ?? 'submitted';
    const pending = current === 'pending_cancel' || current === 'pending_modify';
    switch (kind) {
      case 'submitted':
      case 'accepted':
      case 'rejected':
      case 'filled':
      case 'cancelled':
      case 'expired':
        return kind === 'accepted' && pending ? this.moveUnder('accepted') : kind;
      case 'partially_filled':
        return pending ? this.moveUnder('partially_filled') : kind;
      case 'triggered': {
        const working = pending ? this.under : current;
        if (working !== 'accepted') return undefined;
        return pending ? this.moveUnder('triggered') : 'triggered';
      }
      case 'pending_cancel':
        if (!pending) this.under = current;
        return 'pending_cancel';
      case 'pending_modify':
        this.modifies++;
        if (pending) return undefined;
        this.under = current;
        return 'pending_modify';
      case 'cancel_rejected':
        // A second cancel refused at once leaves the first on its way.
        if (reason === 'cancel_pending') return undefined;
        return current === 'pending_cancel' ? (this.modifies > 0 ? 'pending_modify' : this.under) : undefined;
      case 'modify_rejected':
      case 'updated':
        // A change refused before it left (the order being cancelled) was never pending.
        if (kind === 'modify_rejected' && reason === 'cancel_pending') return undefined;
        if (current !== 'pending_modify' && !(current === 'pending_cancel' && this.modifies > 0)) return undefined;
        this.modifies--;
        return current === 'pending_modify' && this.modifies === 0 ? this.under : undefined;
      default:
        return undefined;
    }
  }

  private moveUnder(to: OrderStatus): undefined {
    this.under = to;
    return undefined;
  }
}

function checkRun(r: ReturnType<typeof runBacktest>, s: Linker): void {
  const byId = (id: number): Order => r.orders[id - 1] as Order;
  for (const o of r.orders) {
    // The events follow the table; 'held' has no event of its own and sits between submitted and what comes next.
    const model = new StatusModel();
    let status: OrderStatus | undefined;
    let last = -Infinity;
    for (const e of s.events.get(o.id) ?? []) {
      expect(e.time).toBeGreaterThanOrEqual(last);
      last = e.time;
      const next = model.next(e.kind, e.reason);
      if (next === undefined) continue;
      if (status === undefined) {
        expect(next).toBe('submitted');
      } else if (next === 'partially_filled' && status === 'partially_filled') {
        // another partial fill
      } else if (!ORDER_TRANSITIONS[status].includes(next)) {
        expect(o.parentId).not.toBe(0);
        expect(ORDER_TRANSITIONS[status]).toContain('held');
        // From held: ended there, or sent (held -> submitted) and answered.
        expect(ORDER_TRANSITIONS.held.includes(next) || ORDER_TRANSITIONS.submitted.includes(next)).toBe(true);
      }
      status = next;
      model.status = next;
    }
    if (o.status === 'held') {
      const parent = byId(o.parentId);
      expect(isLive(parent.status) || parent.filledQuantity > 0).toBe(true);
      expect(status).toBe('submitted');
    } else {
      expect(status).toBe(o.status);
      expect(FINAL.has(o.status) || isWorking(o.status)).toBe(true);
    }
    expect(o.filledQuantity + (isLive(o.status) ? o.quantity - o.filledQuantity : 0) + o.cancelledQuantity).toBeCloseTo(o.quantity, 9);
  }
  // One fill at most per OCO group.
  for (const g of s.groups) expect(g.filter((id) => byId(id).filledQuantity > 0).length).toBeLessThanOrEqual(1);
  // Children arm only after their parent's first fill, and fill only after they are armed.
  const firstFill = new Map<number, number>();
  for (const f of r.fills) if (!firstFill.has(f.orderId)) firstFill.set(f.orderId, f.time);
  for (const o of r.orders) {
    if (o.parentId === 0) continue;
    const accepted = (s.events.get(o.id) ?? []).find((e) => e.kind === 'accepted');
    const parentFill = firstFill.get(o.parentId);
    if (accepted !== undefined) {
      expect(parentFill).toBeDefined();
      expect(accepted.time).toBeGreaterThan(parentFill as number);
    }
    // A child is armed by the data after its parent's fill (accepted at that data's time) and may trade on that data.
    const own = firstFill.get(o.id);
    if (own !== undefined) {
      expect(accepted).toBeDefined();
      expect(own).toBeGreaterThanOrEqual((accepted as Seen).time);
      expect(own).toBeGreaterThan(parentFill as number);
    }
  }
}

const SETUPS: { name: string; options: Partial<BacktestOptions> }[] = [
  { name: 'classic', options: { fillModel: new ClassicBarFill() } },
  { name: 'intrabar', options: { fillModel: new IntrabarFill() } },
  { name: 'classic, requests delayed 1 hour', options: { fillModel: new ClassicBarFill(), latency: new FixedLatency(MICROS_PER_HOUR) } },
  { name: 'intrabar, requests delayed 1 day', options: { fillModel: new IntrabarFill(), latency: new FixedLatency(MICROS_PER_DAY) } },
];

describe.each(SETUPS)('random linked orders over ORCL daily bars: $name', ({ options }) => {
  it('never throw, follow the state table, fill one member per OCO group, and arm children after their parent fills', () => {
    const window = fc.record({ start: fc.integer({ min: 0, max: ORCL.length - 60 }), length: fc.integer({ min: 10, max: 50 }) });
    fc.assert(
      fc.property(window, fc.array(fc.array(command, { maxLength: 3 }), { maxLength: 50 }), ({ start, length }, script) => {
        const strategy = new Linker({ script });
        const r = runBacktest({ strategy, feeds: [barFeed('ORCL', ORCL.slice(start, start + length), 16)], cash: 100_000_000, ...options });
        checkRun(r, strategy);
      }),
      { numRuns: 400 },
    );
  });
});
