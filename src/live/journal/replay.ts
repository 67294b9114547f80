/**
 * Replay: the run's order state from its journal records. Reports may come
 * in any order (a fill before its acceptance, a fill after the cancel that
 * followed it on the venue): an order's status is derived from everything
 * known about it, so the order of reports does not change the result, and a
 * fill seen twice (same trade id) counts once.
 */

import { addExact, mulExact, subExact } from '../../core/decimal.js';
import type { Micros } from '../../core/time.js';
import type { OrderChanges } from '../../model/execution.js';
import type { Balances, JournalFill, JournalOrderRequest, JournalRecord, ModifyBy, ReplacementLeg } from './records.js';

export type JournalOrderStatus = 'sent' | 'accepted' | 'partially_filled' | 'filled' | 'cancelled' | 'expired' | 'rejected';
type TerminalReport = 'cancelled' | 'expired' | 'rejected';

export interface JournalOrder {
  readonly clientOrderId: string;
  /** The request with every confirmed modification applied. */
  request: JournalOrderRequest;
  /** '' until the venue acknowledged it; after a cancel-replace, the replacement's. */
  venueOrderId: string;
  /** The client order id the exchange knows the order by now: `clientOrderId`, or its last replacement's. */
  exchangeClientOrderId: string;
  /** Exchange ids of the orders it replaced (their late fills are its fills). */
  replacedVenueOrderIds: string[];
  /** Filled before its current exchange order was placed: the request's quantity less that order's. */
  legBase: number;
  /** Modify intents with a replacement journalled so far (numbers the replacements' client order ids). */
  replacements: number;
  filledQuantity: number;
  /** When the submit was (last) journalled. */
  submittedAt: Micros;
  /** A cancel sent and not answered: its time. */
  pendingCancel: Micros | undefined;
  pendingModify: PendingModify | undefined;
  terminal: TerminalReport | undefined;
  reason: string;
  adopted: boolean;
}

/** A modify journalled and not answered. */
export interface PendingModify {
  readonly time: Micros;
  readonly changes: OrderChanges;
  /** The order the exchange puts in its place (a cancel-replace); after a `replace` record, the one sent. */
  readonly replacement?: ReplacementLeg | undefined;
  readonly modifyBy?: ModifyBy | undefined;
  /** By hand: the exchange confirmed the cancel and the replacement was sent (`replace`). */
  readonly replacing?: boolean;
}

export interface RecordedFill extends JournalFill {
  readonly clientOrderId: string;
  readonly time: Micros;
}

export type InFlightIntent =
  | { readonly kind: 'submit'; readonly clientOrderId: string; readonly time: Micros }
  | { readonly kind: 'cancel'; readonly clientOrderId: string; readonly time: Micros }
  | { readonly kind: 'modify'; readonly clientOrderId: string; readonly time: Micros; readonly changes: OrderChanges; readonly replacement?: ReplacementLeg | undefined };

export interface JournalState {
  /** By client order id, in the order they were first journalled. */
  readonly orders: Map<string, JournalOrder>;
  /** By the venue's trade id. */
  readonly fills: Map<string, RecordedFill>;
  /** The last balances note plus every fill recorded after it. */
  readonly balances: Map<string, number>;
  /** Whether the journal has a balances note (a new run's has none: its balances are the exchange's). */
  balancesNoted?: boolean;
  /** Reports (other than fills) for orders the journal never had. */
  orphanReports: number;
  /** Replacements' client order ids -> the order's own (`clientOrderId`). */
  readonly replacementIds: Map<string, string>;
}

export function emptyJournalState(): JournalState {
  return { orders: new Map(), fills: new Map(), balances: new Map(), orphanReports: 0, replacementIds: new Map() };
}

export function replayJournal(records: readonly JournalRecord[]): JournalState {
  const state = emptyJournalState();
  for (const record of records) applyRecord(state, record);
  return state;
}

/** Folds one record into the state (replay, and the live run as it journals). */
export function applyRecord(state: JournalState, record: JournalRecord): void {
  switch (record.kind) {
    case 'session':
      return;
    case 'balances':
      state.balancesNoted = true;
      state.balances.clear();
      for (const [currency, amount] of Object.entries(record.balances)) state.balances.set(currency, amount);
      return;
    case 'submit': {
      const known = state.orders.get(record.clientOrderId);
      if (known) known.submittedAt = record.time; // re-sent after a restart: same order, same id
      else state.orders.set(record.clientOrderId, newOrder(record.clientOrderId, record.request, record.time, '', false));
      return;
    }
    case 'adopted': {
      if (state.orders.has(record.clientOrderId)) return;
      const order = newOrder(record.clientOrderId, record.request, record.time, record.venueOrderId, true);
      state.orders.set(record.clientOrderId, order);
      return;
    }
    case 'fill':
      if (state.fills.has(record.tradeId)) return;
      state.fills.set(record.tradeId, fillOf(record));
      applyFillToBalances(state.balances, record);
      {
        const order = state.orders.get(record.clientOrderId);
        if (order) order.filledQuantity = addExact(order.filledQuantity, record.quantity);
      }
      return;
  }
  const order = state.orders.get(record.clientOrderId);
  if (!order) {
    state.orphanReports++;
    return;
  }
  switch (record.kind) {
    case 'cancel':
      order.pendingCancel = record.time;
      return;
    case 'modify':
      order.pendingModify = { time: record.time, changes: record.changes, replacement: record.replacement, modifyBy: record.modifyBy };
      if (record.replacement !== undefined) {
        order.replacements++;
        state.replacementIds.set(record.replacement.clientOrderId, order.clientOrderId);
      }
      return;
    case 'replace':
      if (order.pendingModify === undefined) return;
      order.pendingModify = { ...order.pendingModify, replacement: record.replacement, replacing: true };
      state.replacementIds.set(record.replacement.clientOrderId, order.clientOrderId);
      return;
    case 'accepted':
      order.venueOrderId = record.venueOrderId;
      return;
    case 'rejected':
    case 'cancelled':
    case 'expired':
      order.terminal ??= record.kind;
      if (record.kind === 'rejected' && order.reason === '') order.reason = record.reason;
      order.pendingCancel = undefined;
      order.pendingModify = undefined;
      return;
    case 'modified':
      order.request = { ...order.request, ...record.changes };
      order.pendingModify = undefined;
      if (record.replacement !== undefined) {
        state.replacementIds.set(record.replacement.clientOrderId, order.clientOrderId);
        order.exchangeClientOrderId = record.replacement.clientOrderId;
        order.legBase = subExact(order.request.quantity, record.replacement.quantity);
        if (record.venueOrderId !== undefined && record.venueOrderId !== order.venueOrderId) {
          if (order.venueOrderId !== '') order.replacedVenueOrderIds.push(order.venueOrderId);
          order.venueOrderId = record.venueOrderId;
        }
      }
      return;
    case 'cancelRejected':
      order.pendingCancel = undefined;
      return;
    case 'modifyRejected':
      order.pendingModify = undefined;
      return;
  }
}

export function orderStatus(order: JournalOrder): JournalOrderStatus {
  if (order.filledQuantity > 0 && order.filledQuantity >= order.request.quantity) return 'filled';
  if (order.terminal) return order.terminal;
  if (order.filledQuantity > 0) return 'partially_filled';
  return order.venueOrderId !== '' ? 'accepted' : 'sent';
}

export function isOrderDone(order: JournalOrder): boolean {
  const s = orderStatus(order);
  return s === 'filled' || s === 'cancelled' || s === 'expired' || s === 'rejected';
}

/** Intents journalled and never answered: in flight when the run stopped. */
export function inFlightIntents(state: JournalState): InFlightIntent[] {
  const out: InFlightIntent[] = [];
  for (const order of state.orders.values()) {
    if (orderStatus(order) === 'sent' && !order.adopted) out.push({ kind: 'submit', clientOrderId: order.clientOrderId, time: order.submittedAt });
    if (order.pendingCancel !== undefined && !isOrderDone(order)) out.push({ kind: 'cancel', clientOrderId: order.clientOrderId, time: order.pendingCancel });
    if (order.pendingModify !== undefined && !isOrderDone(order)) {
      out.push({ kind: 'modify', clientOrderId: order.clientOrderId, time: order.pendingModify.time, changes: order.pendingModify.changes, replacement: order.pendingModify.replacement });
    }
  }
  return out;
}

/** Client order ids to look up on the exchange at start: every order the journal does not know to be done. */
export function ordersToLookUp(state: JournalState): string[] {
  const out: string[] = [];
  for (const order of state.orders.values()) if (!isOrderDone(order)) out.push(order.clientOrderId);
  return out;
}

/** 'BTC/USDT' and 'BTC/USDT:USDT' -> ['BTC', 'USDT']. */
export function currenciesOf(symbol: string): [base: string, quote: string] {
  const slash = symbol.indexOf('/');
  if (slash < 0) return [symbol, ''];
  const colon = symbol.indexOf(':', slash);
  return [symbol.slice(0, slash), symbol.slice(slash + 1, colon < 0 ? undefined : colon)];
}

/**
 * A fill's fee in its symbol's quote currency (the account's), exact: as
 * charged when charged in the quote; a fee charged in the base asset (a
 * Binance buy without BNB) at the fill's price; undefined when charged in
 * a third currency (a fee token such as BNB).
 */
export function quoteFeeOf(fill: Pick<JournalFill, 'symbol' | 'price' | 'fee' | 'feeCurrency'>): number | undefined {
  const [base, quote] = currenciesOf(fill.symbol);
  if (fill.feeCurrency === undefined || fill.feeCurrency === quote) return fill.fee;
  return fill.feeCurrency === base ? mulExact(fill.fee, fill.price) : undefined;
}

/** The fee a fill took from the base asset (0 when charged in another currency): the exchange's base balance is short of the traded quantity by it. */
export function baseFeeOf(fill: Pick<JournalFill, 'symbol' | 'fee' | 'feeCurrency'>): number {
  return fill.feeCurrency !== undefined && fill.feeCurrency === currenciesOf(fill.symbol)[0] ? fill.fee : 0;
}

/**
 * How a fill's commission reaches the kernel (ExecutionReports.filled):
 * - a buy's commission in the bought (base) asset, less than the quantity,
 *   in kind: the position keeps the rest, so it stays the exchange's balance;
 * - one in the quote, or another base commission (a sell's, or one not less
 *   than the fill) at its value in the quote, taken from cash (`note`
 *   fee_from_cash: the position then exceeds the exchange's balance by it);
 * - one in a third currency (a fee token): no fee, the run's fee model
 *   prices the fill (`note` fee_estimated).
 */
export function kernelFeeOf(fill: Pick<JournalFill, 'symbol' | 'side' | 'price' | 'quantity' | 'fee' | 'feeCurrency'>): {
  readonly fee: number | undefined;
  readonly feeInKind: number | undefined;
  readonly note?: { readonly kind: 'fee_from_cash' | 'fee_estimated'; readonly text: string };
} {
  const inBase = baseFeeOf(fill);
  if (inBase > 0 && fill.side === 'buy' && inBase < fill.quantity) return { fee: undefined, feeInKind: inBase };
  const fee = quoteFeeOf(fill);
  const charged = `commission ${fill.fee} ${fill.feeCurrency ?? ''}`;
  if (inBase > 0) {
    const why = fill.side === 'buy' ? `is not less than the fill's ${fill.quantity}` : 'is on a sell';
    return { fee, feeInKind: undefined, note: { kind: 'fee_from_cash', text: `${charged} ${why}; the run takes its value from cash, and its position exceeds the exchange's balance by it` } };
  }
  if (fee === undefined && fill.fee !== 0) {
    return { fee, feeInKind: undefined, note: { kind: 'fee_estimated', text: `${charged} is in neither currency of ${fill.symbol}; the run's fee model prices it` } };
  }
  return { fee, feeInKind: undefined };
}

/** Spot accounting: a buy adds base and pays quote, a sell the reverse; the fee leaves its currency. */
export function applyFillToBalances(balances: Map<string, number>, fill: JournalFill): void {
  const [base, quote] = currenciesOf(fill.symbol);
  const notional = mulExact(fill.price, fill.quantity);
  const sign = fill.side === 'buy' ? 1 : -1;
  balances.set(base, addExact(balances.get(base) ?? 0, sign * fill.quantity));
  balances.set(quote, subExact(balances.get(quote) ?? 0, sign * notional));
  if (fill.fee !== 0) {
    const feeCurrency = fill.feeCurrency ?? quote;
    balances.set(feeCurrency, subExact(balances.get(feeCurrency) ?? 0, fill.fee));
  }
}

export function balancesObject(balances: ReadonlyMap<string, number>): Balances {
  const out: Record<string, number> = {};
  for (const key of [...balances.keys()].sort()) out[key] = balances.get(key) as number;
  return out;
}

function newOrder(clientOrderId: string, request: JournalOrderRequest, time: Micros, venueOrderId: string, adopted: boolean): JournalOrder {
  return {
    clientOrderId,
    request,
    venueOrderId,
    exchangeClientOrderId: clientOrderId,
    replacedVenueOrderIds: [],
    legBase: 0,
    replacements: 0,
    filledQuantity: 0,
    submittedAt: time,
    pendingCancel: undefined,
    pendingModify: undefined,
    terminal: undefined,
    reason: '',
    adopted,
  };
}

function fillOf(record: RecordedFill & { kind: 'fill' }): RecordedFill {
  const { kind: _kind, ...fill } = record;
  return fill;
}
