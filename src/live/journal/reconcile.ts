/**
 * Start-up reconciliation: the journal's state against the exchange's
 * snapshot, as a list of actions with reasons. Pure: no I/O; the caller
 * journals and carries out the actions (`journalRecordsFor` gives what to
 * append for each).
 *
 * Rules (docs/live.md#the-order-journal-and-reconciliation):
 * 1. A fill the exchange lists and the journal lacks (by trade id) is applied.
 * 2. An order the journal does not know is done is compared with the
 *    exchange's copy, looked up by client order id: a missing acceptance or
 *    an end (cancelled, expired, rejected) is applied; a pending modify the
 *    exchange shows is applied.
 * 3. A submit the exchange never received is sent again, with the same
 *    client order id, only if it is younger than `resubmitWithinMicros` and
 *    still valid; otherwise it is dropped. A cancel whose order is gone is
 *    dropped, else sent again; a modify is sent again under the same rule as
 *    a submit, dropped when its order is gone. A modify by cancel-replace
 *    (a replacement's client order id journalled with it): the replacement
 *    the exchange has (looked up by that id) is the order from then on
 *    (`applyModified` with it); without it the modify is dropped, and the
 *    original goes on as the exchange has it (open, or ended). Never sent
 *    again: neither both nor the replacement twice. A modify by hand
 *    (`modifyBy: 'cancel-replace'`: a cancel, then the replacement) whose
 *    cancel went through (the original cancelled on the exchange) and whose
 *    replacement the exchange does not have is completed: the replacement is
 *    sent under its journalled client order id for the remaining quantity
 *    with the change applied (`sendReplacement`), unless a cancel followed,
 *    nothing remains, or it is older than `resubmitWithinMicros` or no longer
 *    valid (then dropped, and the order ends cancelled).
 * 4. An open order the run does not know is adopted, cancelled, or stops the
 *    run (`unknownOrders`).
 * 5. Balances the fills do not explain are set to the exchange's
 *    (`adjustBalance`), so the run's position and cash equal the exchange's.
 */

import { addExact, subExact } from '../../core/decimal.js';
import type { Micros } from '../../core/time.js';
import type { OrderChanges } from '../../model/execution.js';
import type { OrderSide } from '../../model/order.js';
import type { Balances, JournalFill, JournalOrderRequest, JournalRecord, ReplacementLeg } from './records.js';
import { applyFillToBalances, isOrderDone, orderStatus, type JournalOrder, type JournalState } from './replay.js';

export type VenueOrderStatus = 'open' | 'filled' | 'cancelled' | 'expired' | 'rejected';

/** An order as the exchange reports it (fetchOpenOrders, fetchOrder by client order id). */
export interface VenueOrder {
  /** '' when the order was placed without one (by hand, another program). */
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: string;
  readonly quantity: number;
  readonly price?: number;
  readonly triggerPrice?: number;
  readonly filled: number;
  readonly status: VenueOrderStatus;
  readonly reason?: string;
}

/** A fill as the exchange reports it (fetchMyTrades). */
export interface VenueFill extends JournalFill {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly time: Micros;
}

export interface ExchangeSnapshot {
  readonly time: Micros;
  /** Open orders, plus every order `ordersToLookUp` named that the exchange knows. */
  readonly orders: readonly VenueOrder[];
  /** Recent fills: at least since the oldest order the journal does not know to be done. */
  readonly fills: readonly VenueFill[];
  readonly balances: Balances;
}

export type UnknownOrderPolicy = 'adopt' | 'cancel' | 'stop';

export interface ReconcileOptions {
  readonly unknownOrders: UnknownOrderPolicy;
  /** A submit or modify the exchange never received is sent again only if younger than this. */
  readonly resubmitWithinMicros: Micros;
  /** Whether a request may still be sent at `time` (e.g. not past its expiry); default: yes unless its `expire` passed. */
  readonly stillValid?: (request: JournalOrderRequest, time: Micros) => boolean;
}

export type ReconcileAction =
  | { readonly kind: 'applyFill'; readonly fill: VenueFill; readonly reason: string }
  | { readonly kind: 'applyAccepted'; readonly clientOrderId: string; readonly venueOrderId: string; readonly reason: string }
  | { readonly kind: 'applyEnd'; readonly clientOrderId: string; readonly end: 'cancelled' | 'expired' | 'rejected'; readonly reason: string }
  | {
      readonly kind: 'applyModified';
      readonly clientOrderId: string;
      readonly changes: OrderChanges;
      /** The exchange replaced the order: the replacement found by its client order id. */
      readonly replacement?: { readonly clientOrderId: string; readonly quantity: number; readonly venueOrderId: string };
      readonly reason: string;
    }
  | { readonly kind: 'resubmit'; readonly clientOrderId: string; readonly request: JournalOrderRequest; readonly reason: string }
  | { readonly kind: 'resendCancel'; readonly clientOrderId: string; readonly venueOrderId: string; readonly reason: string }
  | { readonly kind: 'resendModify'; readonly clientOrderId: string; readonly venueOrderId: string; readonly changes: OrderChanges; readonly reason: string }
  /**
   * A modify by hand whose cancel the exchange confirmed (the order is
   * cancelled there) and whose replacement it never received: the
   * replacement is sent, for the remaining quantity with the change applied.
   */
  | { readonly kind: 'sendReplacement'; readonly clientOrderId: string; readonly changes: OrderChanges; readonly replacement: ReplacementLeg; readonly reason: string }
  | { readonly kind: 'dropIntent'; readonly intent: 'submit' | 'cancel' | 'modify'; readonly clientOrderId: string; readonly reason: string }
  | { readonly kind: 'adoptOrder'; readonly order: VenueOrder; readonly reason: string }
  | { readonly kind: 'cancelUnknownOrder'; readonly order: VenueOrder; readonly reason: string }
  | { readonly kind: 'stop'; readonly order: VenueOrder; readonly reason: string }
  | { readonly kind: 'adjustBalance'; readonly currency: string; readonly journal: number; readonly exchange: number; readonly reason: string };

export interface Reconciliation {
  readonly actions: readonly ReconcileAction[];
  /** True when an unknown order must stop the run (`unknownOrders: 'stop'`). */
  readonly stop: boolean;
  /** Balances from the journal and the fills it lacked, before any adjustment. */
  readonly journalBalances: Balances;
  /** The exchange's: the run's balances after reconciliation. */
  readonly balances: Balances;
}

/** What the rules for one order read (the snapshot's time, the resubmit limit, the validity test) and where they put their actions. */
interface Rules {
  readonly now: Micros;
  readonly ttl: Micros;
  readonly stillValid: (request: JournalOrderRequest, time: Micros) => boolean;
  readonly actions: ReconcileAction[];
}

export function reconcile(state: JournalState, snapshot: ExchangeSnapshot, options: ReconcileOptions): Reconciliation {
  const actions: ReconcileAction[] = [];
  const rules: Rules = { now: snapshot.time, ttl: options.resubmitWithinMicros, stillValid: options.stillValid ?? notExpired, actions };
  const byClientId = new Map<string, VenueOrder>();
  const byVenueId = new Map<string, VenueOrder>();
  const knownVenueIds = new Set<string>();
  for (const o of snapshot.orders) {
    if (o.clientOrderId !== '') byClientId.set(o.clientOrderId, o);
    byVenueId.set(o.venueOrderId, o);
  }
  for (const o of state.orders.values()) if (o.venueOrderId !== '') knownVenueIds.add(o.venueOrderId);

  // 1. Fills the journal lacks.
  const balances = new Map(state.balances);
  const applied = new Set<string>();
  const newlyFilled = new Map<string, number>();
  for (const fill of snapshot.fills) {
    if (state.fills.has(fill.tradeId) || applied.has(fill.tradeId)) continue;
    applied.add(fill.tradeId);
    newlyFilled.set(fill.clientOrderId, addExact(newlyFilled.get(fill.clientOrderId) ?? 0, fill.quantity));
    applyFillToBalances(balances, fill);
    const known = state.orders.has(fill.clientOrderId) || knownVenueIds.has(fill.venueOrderId);
    actions.push({
      kind: 'applyFill',
      fill,
      reason: `fill ${fill.tradeId} (${fill.side} ${fill.quantity} ${fill.symbol} at ${fill.price}) is on the exchange and not in the journal${known ? '' : '; its order is not the run\'s'}`,
    });
  }

  // 2 and 3. Orders the journal does not know to be done, and their intents in flight.
  for (const order of state.orders.values()) {
    if (isOrderDone(order)) continue;
    const leg = order.pendingModify?.replacement;
    const replacement = leg !== undefined ? byClientId.get(leg.clientOrderId) : undefined;
    if (leg !== undefined && replacement !== undefined) {
      // The exchange replaced it before the run stopped: the run goes on with the replacement.
      // By hand, the replacement's quantity is what remained when it was sent: the exchange's is the one.
      const quantity = order.pendingModify?.modifyBy === 'cancel-replace' ? replacement.quantity : leg.quantity;
      actions.push({
        kind: 'applyModified',
        clientOrderId: order.clientOrderId,
        changes: order.pendingModify?.changes ?? {},
        replacement: { clientOrderId: leg.clientOrderId, quantity, venueOrderId: replacement.venueOrderId },
        reason: `the exchange has the replacement ${leg.clientOrderId} (order ${replacement.venueOrderId})`,
      });
      if (replacement.status === 'cancelled' || replacement.status === 'expired' || replacement.status === 'rejected') {
        actions.push({ kind: 'applyEnd', clientOrderId: order.clientOrderId, end: replacement.status, reason: replacement.reason ?? `the replacement is ${replacement.status} on the exchange` });
      }
      continue;
    }
    const venue =
      byClientId.get(order.exchangeClientOrderId) ?? byClientId.get(order.clientOrderId) ?? (order.venueOrderId !== '' ? byVenueId.get(order.venueOrderId) : undefined);
    const filled = addExact(order.filledQuantity, newlyFilled.get(order.clientOrderId) ?? 0);
    if (venue) reconcileKnownOrder(order, venue, filled, rules);
    else {
      if (order.venueOrderId === '' && filled === 0) reconcileUnsent(order, rules);
      else {
        // Acknowledged or traded once, unknown to the exchange now: it is not working any more.
        if (order.pendingCancel !== undefined) actions.push({ kind: 'dropIntent', intent: 'cancel', clientOrderId: order.clientOrderId, reason: 'the order is not on the exchange' });
        if (order.pendingModify !== undefined) actions.push({ kind: 'dropIntent', intent: 'modify', clientOrderId: order.clientOrderId, reason: 'the order is not on the exchange' });
        if (filled < order.request.quantity) actions.push({ kind: 'applyEnd', clientOrderId: order.clientOrderId, end: 'cancelled', reason: 'the exchange does not list the order any more' });
      }
    }
  }

  // 4. Open orders the run does not know.
  for (const venue of snapshot.orders) {
    if (venue.status !== 'open') continue;
    if (state.orders.has(venue.clientOrderId) || state.replacementIds.has(venue.clientOrderId) || knownVenueIds.has(venue.venueOrderId)) continue;
    const what = `open order ${venue.venueOrderId}${venue.clientOrderId ? ` (client id ${venue.clientOrderId})` : ''}: ${venue.side} ${venue.quantity} ${venue.symbol}`;
    if (options.unknownOrders === 'adopt') actions.push({ kind: 'adoptOrder', order: venue, reason: `${what} is not the run's; adopted` });
    else if (options.unknownOrders === 'cancel') actions.push({ kind: 'cancelUnknownOrder', order: venue, reason: `${what} is not the run's; cancelled` });
    else actions.push({ kind: 'stop', order: venue, reason: `${what} is not the run's; stopping (--unknown-orders stop)` });
  }

  // 5. Balances.
  const journalBalances = sortedObject(balances);
  for (const currency of [...new Set([...balances.keys(), ...Object.keys(snapshot.balances)])].sort()) {
    const journal = balances.get(currency) ?? 0;
    const exchange = snapshot.balances[currency] ?? 0;
    // A journal without a balances note (a new run) simply takes the exchange's balances.
    if (journal !== exchange && state.balancesNoted === true) {
      actions.push({ kind: 'adjustBalance', currency, journal, exchange, reason: `${currency}: the journal's fills give ${journal}, the exchange holds ${exchange} (difference ${subExact(exchange, journal)}); set to the exchange's` });
    }
  }
  return { actions, stop: actions.some((a) => a.kind === 'stop'), journalBalances, balances: sortedObject(new Map(Object.entries(snapshot.balances))) };
}

/** Rule 3 for a submit the exchange never received. */
function reconcileUnsent(
  order: JournalOrder,
  rules: Rules,
): void {
  const { now, ttl, stillValid, actions } = rules;
  const age = now - order.submittedAt;
  const id = order.clientOrderId;
  if (age > ttl) actions.push({ kind: 'dropIntent', intent: 'submit', clientOrderId: id, reason: `the exchange never received it and it is ${age} µs old (limit ${ttl})` });
  else if (!stillValid(order.request, now)) actions.push({ kind: 'dropIntent', intent: 'submit', clientOrderId: id, reason: 'the exchange never received it and it is no longer valid' });
  else actions.push({ kind: 'resubmit', clientOrderId: id, request: order.request, reason: 'the exchange never received it; sent again with the same client order id' });
}

function reconcileKnownOrder(
  order: JournalOrder,
  venue: VenueOrder,
  filled: number,
  rules: Rules,
): void {
  const { now, ttl, actions } = rules;
  const id = order.clientOrderId;
  if (order.venueOrderId === '' && venue.venueOrderId !== '') actions.push({ kind: 'applyAccepted', clientOrderId: id, venueOrderId: venue.venueOrderId, reason: 'the exchange has the order; its acknowledgement was not journalled' });
  if (order.pendingModify?.modifyBy === 'cancel-replace' && order.pendingModify.replacement !== undefined && venue.status === 'cancelled') {
    if (reconcileHandReplacement(order, order.pendingModify.replacement, filled, rules)) return;
  } else if (order.pendingModify?.replacement !== undefined) {
    // A replacement the exchange does not have: the cancel-replace never happened (the order is as it was) or its new order failed (the order ended).
    const why = venue.status === 'open' ? 'the exchange never replaced the order; it works as it was' : `the order is ${venue.status} on the exchange and its replacement is not there`;
    actions.push({ kind: 'dropIntent', intent: 'modify', clientOrderId: id, reason: why });
  } else if (order.pendingModify !== undefined) {
    const changes = order.pendingModify.changes;
    if (venueShows(venue, changes)) actions.push({ kind: 'applyModified', clientOrderId: id, changes, reason: 'the exchange shows the modification' });
    else if (venue.status !== 'open') actions.push({ kind: 'dropIntent', intent: 'modify', clientOrderId: id, reason: `the order is ${venue.status} on the exchange` });
    else if (now - order.pendingModify.time > ttl) actions.push({ kind: 'dropIntent', intent: 'modify', clientOrderId: id, reason: `the exchange never applied it and it is ${now - order.pendingModify.time} µs old` });
    else actions.push({ kind: 'resendModify', clientOrderId: id, venueOrderId: venue.venueOrderId, changes, reason: 'the exchange never applied it; sent again' });
  }
  if (order.pendingCancel !== undefined) {
    if (venue.status === 'open') actions.push({ kind: 'resendCancel', clientOrderId: id, venueOrderId: venue.venueOrderId, reason: 'the order is still open on the exchange; cancel sent again' });
    else if (venue.status === 'filled') actions.push({ kind: 'dropIntent', intent: 'cancel', clientOrderId: id, reason: 'the order filled on the exchange' });
  }
  if (venue.status === 'cancelled' || venue.status === 'expired' || venue.status === 'rejected') {
    actions.push({ kind: 'applyEnd', clientOrderId: id, end: venue.status, reason: venue.reason ?? `the order is ${venue.status} on the exchange` });
  }
}

/**
 * A modify by hand, its cancel confirmed (the order is cancelled on the
 * exchange), its replacement not there: sent unless a cancel of the order
 * followed, nothing remains, it is older than the resubmit limit or no
 * longer valid (then the modify is dropped and the order ends cancelled).
 * Whether the replacement is sent.
 */
function reconcileHandReplacement(
  order: JournalOrder,
  leg: ReplacementLeg,
  filled: number,
  rules: Rules,
): boolean {
  const { now, ttl, stillValid, actions } = rules;
  const id = order.clientOrderId;
  const modify = order.pendingModify as NonNullable<JournalOrder['pendingModify']>;
  const changed: JournalOrderRequest = { ...order.request, ...modify.changes };
  const quantity = subExact(changed.quantity, filled);
  const age = now - modify.time;
  let why: string | undefined;
  if (order.pendingCancel !== undefined) why = 'the order was cancelled, and a cancel of it followed the modify';
  else if (!(quantity > 0)) why = `the order was cancelled and nothing remains to replace (filled ${filled} of ${changed.quantity})`;
  else if (age > ttl) why = `the order was cancelled and its replacement never reached the exchange; it is ${age} µs old (limit ${ttl})`;
  else if (!stillValid(changed, now)) why = 'the order was cancelled and its replacement is no longer valid';
  if (why !== undefined) {
    actions.push({ kind: 'dropIntent', intent: 'modify', clientOrderId: id, reason: why });
    return false;
  }
  actions.push({
    kind: 'sendReplacement',
    clientOrderId: id,
    changes: modify.changes,
    replacement: { clientOrderId: leg.clientOrderId, quantity },
    reason: `the order's cancel went through and the exchange never received its replacement ${leg.clientOrderId}; sent (${quantity} remaining)`,
  });
  return true;
}

function venueShows(venue: VenueOrder, changes: OrderChanges): boolean {
  return (
    (changes.price === undefined || venue.price === changes.price) &&
    (changes.triggerPrice === undefined || venue.triggerPrice === changes.triggerPrice) &&
    (changes.quantity === undefined || venue.quantity === changes.quantity)
  );
}

function notExpired(request: JournalOrderRequest, time: Micros): boolean {
  return typeof request.expire !== 'number' || time <= request.expire;
}

function sortedObject(map: ReadonlyMap<string, number>): Balances {
  const out: Record<string, number> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key) as number;
  return out;
}

/** What to journal for an action: reports and notes now; a resend's intent is journalled by `appendIntent` before it is sent. */
export function journalRecordsFor(action: ReconcileAction, time: Micros): JournalRecord[] {
  switch (action.kind) {
    case 'applyFill': {
      const { venueOrderId: _v, time: fillTime, ...fill } = action.fill;
      return [{ kind: 'fill', ...fill, time: fillTime }];
    }
    case 'applyAccepted':
      return [{ kind: 'accepted', time, clientOrderId: action.clientOrderId, venueOrderId: action.venueOrderId }];
    case 'applyEnd':
      return action.end === 'rejected'
        ? [{ kind: 'rejected', time, clientOrderId: action.clientOrderId, reason: action.reason }]
        : [{ kind: action.end, time, clientOrderId: action.clientOrderId }];
    case 'applyModified': {
      const r = action.replacement;
      if (r === undefined) return [{ kind: 'modified', time, clientOrderId: action.clientOrderId, changes: action.changes }];
      return [{ kind: 'modified', time, clientOrderId: action.clientOrderId, changes: action.changes, replacement: { clientOrderId: r.clientOrderId, quantity: r.quantity }, venueOrderId: r.venueOrderId }];
    }
    case 'dropIntent':
      if (action.intent === 'submit') return [{ kind: 'rejected', time, clientOrderId: action.clientOrderId, reason: `dropped at start: ${action.reason}` }];
      return [{ kind: action.intent === 'cancel' ? 'cancelRejected' : 'modifyRejected', time, clientOrderId: action.clientOrderId, reason: `dropped at start: ${action.reason}` }];
    case 'adoptOrder': {
      const o = action.order;
      const request: JournalOrderRequest = { symbol: o.symbol, side: o.side, type: o.type as JournalOrderRequest['type'], quantity: o.quantity, ...(o.price !== undefined ? { price: o.price } : {}) };
      const clientOrderId = o.clientOrderId !== '' ? o.clientOrderId : `venue-${o.venueOrderId}`;
      return [{ kind: 'adopted', time, clientOrderId, venueOrderId: o.venueOrderId, request }];
    }
    case 'resubmit':
      return [{ kind: 'submit', time, clientOrderId: action.clientOrderId, request: action.request }];
    case 'resendCancel':
      return [{ kind: 'cancel', time, clientOrderId: action.clientOrderId }];
    case 'resendModify':
      return [{ kind: 'modify', time, clientOrderId: action.clientOrderId, changes: action.changes }];
    case 'sendReplacement':
      return [{ kind: 'replace', time, clientOrderId: action.clientOrderId, replacement: action.replacement }];
    case 'cancelUnknownOrder':
    case 'stop':
    case 'adjustBalance':
      return [];
  }
}
