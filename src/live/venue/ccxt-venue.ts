/**
 * The ccxt live venue: the kernel's orders sent to an exchange through ccxt
 * pro, every intent journalled (fsynced) before it is sent and every report
 * journalled when it arrives. Reports come from the user data stream
 * (watchOrders / watchMyTrades) and from REST polling (fetchOrder /
 * fetchOrderTrades) every few seconds and whenever a stream fails; a fill is
 * keyed by its trade id, so one seen on both is applied once. Everything the
 * exchange says is buffered and handed to the kernel when it calls poll().
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ccxtLib } from '../ccxt/ccxt-lib.js';
import { closeCcxtExchange } from '../ccxt/close-exchange.js';
import { guardOrphanFutures } from '../ccxt/orphan-futures.js';
import { addExact, subExact } from '../../core/decimal.js';
import { InputError, InvariantError } from '../../core/errors.js';
import type { Micros } from '../../core/time.js';
import type { ExecutionReports, OrderChanges } from '../../model/execution.js';
import type { Instrument } from '../../model/instrument.js';
import type { AmendRejectReason, Order } from '../../model/order.js';
import type { Liquidity } from '../../model/events.js';
import {
  JOURNAL_FILE,
  OrderJournal,
  journalRecordsFor,
  reconcile,
  replayJournal,
  applyRecord,
  isOrderDone,
  isIntent,
  type JournalRecord,
  type JournalOrderRequest,
  type JournalState,
  type ReplacementLeg,
  type ReconcileAction,
} from '../journal/index.js';
import { currenciesOf, kernelFeeOf } from '../journal/replay.js';
import { pointCcxtAt } from '../local-exchange/ccxt-urls.js';
import type { LivePosition, LiveVenue, LiveVenueFactory, LiveVenueOptions, LiveVenueStart, LiveWorkingOrder } from '../live-venue.js';
import type { Incident, IncidentKind } from '../source.js';
import {
  ccxtOrderArgs,
  clientIdOfTrade,
  journalRequestOf,
  orderOfRequest,
  redact,
  sessionRunId,
  tradeDefect,
  venueFillOf,
  venueOrderOf,
  type CcxtOrderLike,
  type CcxtTradeLike,
} from './mapping.js';
import { editRefusalOf, replacementClientOrderId } from './replacement.js';
import { CLOCK_RESYNC_MS, ServerClock } from './server-clock.js';
import type { CcxtExchange } from './ccxt-exchange.js';
import { balancesOf, fetchExchangeSnapshot, positionOf, symbolOfAction } from './session-start.js';

export type { CcxtExchange };


export interface CcxtVenueOptions extends LiveVenueOptions {
  /** REST polling period (default 3000 ms); polling also runs whenever a stream fails. */
  readonly pollIntervalMs?: number;
  /** A submit the exchange never received is sent again at start only if younger than this (default 60 s). */
  readonly resubmitWithinMicros?: Micros;
  /** How long an order whose request failed on the network is looked for before it counts as refused (default 30 s). */
  readonly lostOrderMicros?: Micros;
  /** How often the exchange's clock offset is measured again (default 30 min); also after any -1021 refusal. */
  readonly clockResyncMs?: number;
  /**
   * How a modify reaches the exchange: 'edit', one editOrder request (Binance
   * spot: cancelReplace); 'cancel-replace', by hand: the order cancelled,
   * then its replacement placed once the exchange confirms the cancel.
   * Default: 'edit' when the exchange has editOrder, else 'cancel-replace'.
   */
  readonly modifyBy?: 'edit' | 'cancel-replace';
  /**
   * How long an order is remembered after it is done (default 10 min): its
   * ids still recognize a late or repeated report (dropped), and its trade
   * ids a fill seen again. Then it is forgotten, so a session that runs for
   * days holds only its working orders and the last few minutes' done ones.
   * A trade of an order the run does not know (placed by another client of
   * the account) is held as long, for an acknowledgement that comes after
   * it, then dropped with an `unknown_trade` incident.
   */
  readonly retainDoneMicros?: Micros;
  /** Seam for tests: called with the exchange after it is built, before anything is sent. */
  readonly onExchange?: (exchange: CcxtExchange) => void;
}

/** One order of the run at the exchange. */
interface Tracked {
  /** The kernel's order id; 0 until the kernel adopted a working order. */
  orderId: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  /** The kernel's order: its total quantity (every change applied). */
  quantity: number;
  request: JournalOrderRequest;
  /** The exchange order working it now (after a modify, the replacement). */
  venueOrderId: string;
  exchangeClientId: string;
  /** Filled before the current exchange order was placed: the exchange's filled quantity of it counts from here. */
  legBase: number;
  /** Replacements made so far (numbers the next one's client order id). */
  replacements: number;
  /** A modify is at the exchange: the current order's cancel is the modify's, not the order's end. */
  editing: boolean;
  /** A cancel asked for during a modify, sent when the modify is answered. */
  cancelAfterEdit: boolean;
  /** A modify by hand under way: the cancel of `previous`, then the replacement. */
  byHand: HandModify | undefined;
  filled: number;
  /** The exchange's filled quantity when it ended the order: its end is reported once every fill is. */
  endFilled: number;
  end: 'cancelled' | 'expired' | 'rejected' | undefined;
  reason: string;
  done: boolean;
  /** The kernel was told the exchange has the order (accepted, or adopted working): its end cannot be a rejection any more. */
  acknowledged: boolean;
  /**
   * Not the kernel's: sent again at the start, its answer lost, and not
   * found before the start ended. Its reports are journalled as any order's
   * and reach the kernel only as incidents.
   */
  orphan: boolean;
  /** When it was done (wall time): it is forgotten retainDoneMicros later. */
  doneAt: Micros;
  /** Its keys in byClientId and byVenueId, and its trades in tradesSeen: what forgetting it removes. */
  readonly clientIds: string[];
  readonly venueIds: string[];
  readonly tradeIds: string[];
  /** The submit failed on the network at this time: looked up until found or too old. */
  lostSince: Micros | undefined;
}

/** A modify by hand (cancel, then the replacement) of one order. */
interface HandModify {
  readonly changes: OrderChanges;
  /** The replacement's client order id, and its quantity as journalled with the intent. */
  readonly leg: ReplacementLeg;
  /** The exchange order being cancelled. */
  readonly previous: string;
  /** The cancel is confirmed and the replacement sent. */
  placing: boolean;
  /** The order's filled quantity (every leg) when the exchange confirmed the cancel. */
  filledAtCancel: number;
}

type Report =
  | { readonly kind: 'accepted'; readonly order: Tracked; readonly venueOrderId: string; readonly time: Micros }
  | { readonly kind: 'rejected'; readonly order: Tracked; readonly time: Micros }
  | { readonly kind: 'filled'; readonly order: Tracked; readonly time: Micros; readonly quantity: number; readonly price: number; readonly liquidity: Liquidity; readonly fee: number | undefined; readonly feeInKind: number | undefined }
  | { readonly kind: 'cancelled' | 'expired'; readonly order: Tracked; readonly time: Micros }
  | { readonly kind: 'cancelRejected'; readonly order: Tracked; readonly time: Micros }
  | { readonly kind: 'modified'; readonly order: Tracked; readonly time: Micros; readonly changes: OrderChanges }
  | { readonly kind: 'modifyRejected'; readonly order: Tracked; readonly time: Micros; readonly reason: AmendRejectReason };

const DEFAULT_POLL_MS = 3000;
const STREAM_RETRY_MS = 1000;
/** How long an order whose request failed on the network is looked for before it counts as never received (µs). */
const LOST_ORDER_MICROS = 30_000_000;
/** How long a done order (and a trade of an unknown order) is remembered (µs). */
const RETAIN_DONE_MICROS = 600_000_000;

/** What the venue remembers now (CcxtVenue.retained). */
export interface CcxtVenueRetained {
  /** Orders tracked: working, or done within the retention window. */
  readonly orders: number;
  readonly working: number;
  /** Keys of the lookups: client order ids (replacements' included), exchange order ids, kernel order ids. */
  readonly clientIds: number;
  readonly venueIds: number;
  readonly orderIds: number;
  /** Trade ids remembered to apply each fill once. */
  readonly tradeIds: number;
  /** Trades held for an acknowledgement still to come. */
  readonly earlyTrades: number;
  /** Reports waiting for the kernel's next poll (or for it to adopt their order). */
  readonly reports: number;
}

export class CcxtVenue implements LiveVenue {
  private exchange: CcxtExchange | undefined;
  private clock: ServerClock | undefined;
  private journal: OrderJournal | undefined;
  private reports: ExecutionReports | undefined;
  private readonly byClientId = new Map<string, Tracked>();
  private readonly byOrderId = new Map<number, Tracked>();
  private readonly byVenueId = new Map<string, Tracked>();
  /** Orders not finished: what polling looks at. */
  private readonly working = new Set<Tracked>();
  private readonly tradesSeen = new Set<string>();
  /** Trades that arrived before their order's acknowledgement, by venue order id, with when the first came. */
  private readonly earlyTrades = new Map<string, { readonly since: Micros; readonly trades: CcxtTradeLike[] }>();
  /** Done orders in the order they were done, from `retiredHead` on: forgotten retainDoneMicros later. */
  private retired: Tracked[] = [];
  private retiredHead = 0;
  /** Trade ids of the journal's fills not tracked by a working order, and when the session started: forgotten as a done order is. */
  private startTradeIds: string[] = [];
  private startedAt: Micros = 0;
  private outbox: Report[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private closed = false;
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly secrets: string[];

  constructor(private readonly options: CcxtVenueOptions) {
    const c = options.credentials;
    this.secrets = [c.apiKey, c.secret, c.password ?? ''];
  }

  connect(reports: ExecutionReports): void {
    this.reports = reports;
  }

  async open(instruments: readonly Instrument[]): Promise<LiveVenueStart> {
    const symbols = instruments.map((i) => i.symbol);
    const quotes = new Set(symbols.map((s) => currenciesOf(s)[1]));
    if (quotes.size > 1) {
      throw new InputError({ code: 'invalid_option', field: 'instruments', value: symbols.join(','), message: 'the instruments of a live run must share one quote currency' });
    }
    try {
      return await this.start(symbols, [...quotes][0] ?? '');
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private async start(symbols: readonly string[], quote: string): Promise<LiveVenueStart> {
    const o = this.options;
    mkdirSync(o.runDir, { recursive: true });
    const { journal, records } = OrderJournal.open(join(o.runDir, JOURNAL_FILE));
    this.journal = journal;
    const state = replayJournal(records);
    const session = records.filter((r) => r.kind === 'session').length + 1;
    const runId = sessionRunId(o.runDir, session);

    // Trades of the journal's orders that cannot be fills: incidents, not fills.
    const incidents: Incident[] = [];
    const snapshot = await this.cleanErrors(async () => {
      await this.buildExchange();
      return fetchExchangeSnapshot(this.ready(), state, symbols, this.options.wallNow(), (trade, why) => incidents.push(this.tradeIncident(trade, why)));
    });
    const result = reconcile(state, snapshot, { unknownOrders: o.unknownOrders, resubmitWithinMicros: o.resubmitWithinMicros ?? 60_000_000 });
    const now = o.wallNow();
    journal.appendNote({ kind: 'session', time: now, runId });
    for (const action of result.actions) {
      incidents.push(this.incident('reconciled', symbolOfAction(action, state), 'reconcile', `${action.kind}: ${action.reason}`));
      this.journalAction(action, now, state);
    }
    const balancesNote = { kind: 'balances', time: now, balances: result.balances } as const;
    journal.appendNote(balancesNote);
    applyRecord(state, balancesNote);
    // The journal's state now equals the exchange's; track what still works.
    const after = state;
    for (const order of after.orders.values()) {
      if (isOrderDone(order)) continue;
      const t = this.track(0, order.clientOrderId, order.request, order.venueOrderId, order.filledQuantity);
      t.exchangeClientId = order.exchangeClientOrderId;
      t.legBase = order.legBase;
      t.replacements = order.replacements;
      if (order.exchangeClientOrderId !== order.clientOrderId) this.indexClient(t, order.exchangeClientOrderId);
      for (const old of order.replacedVenueOrderIds) this.indexVenue(t, old);
    }
    // A working order's trades stay known while it works (polling fetches them all again); the rest as a done order's.
    this.startedAt = now;
    for (const [tradeId, fill] of after.fills) {
      this.tradesSeen.add(tradeId);
      const t = this.byClientId.get(fill.clientOrderId);
      if (t !== undefined && !t.done) t.tradeIds.push(tradeId);
      else this.startTradeIds.push(tradeId);
    }
    const sent = await this.carryOut(result.actions, after);
    await this.settleLostAtStart();
    for (const t of this.working) if (t.venueOrderId === '') t.orphan = true;
    let balances = result.balances;
    if (sent) {
      // What was sent again may have traded already: the account as it is now.
      balances = await this.cleanErrors(async () => balancesOf(await this.ready().fetchBalance()));
      journal.appendNote({ kind: 'balances', time: o.wallNow(), balances });
    }

    const positions: LivePosition[] = symbols.map((symbol) => positionOf(symbol, balances[currenciesOf(symbol)[0]] ?? 0, after));
    const workingOrders: LiveWorkingOrder[] = [];
    // A replaced order is in the map under each of its client order ids: each once.
    for (const t of new Set(this.byClientId.values())) {
      const order = after.orders.get(t.clientOrderId);
      if (t.done || order === undefined || t.venueOrderId === '') continue;
      workingOrders.push({ clientOrderId: t.clientOrderId, venueOrderId: t.venueOrderId, request: order.request, filledQuantity: t.filled });
    }
    // The working orders state all that was reported so far; the kernel hears only what comes after.
    this.outbox = [];
    journal.flush();
    if (!result.stop) this.startReports();
    return { balances, cash: balances[quote] ?? 0, positions, workingOrders, incidents, runId, stop: result.stop };
  }

  /**
   * An order sent again at the start whose answer was lost on the network:
   * looked for (by its client order id, as polling does) until found or
   * refused before the start ends, so that the kernel is given it as a
   * working order, or (refused) not at all. Bounded by the time a lost order
   * is looked for, and a little more: an order still not settled then (the
   * network down all along) is an `orphan`, whose reports are incidents.
   */
  private async settleLostAtStart(): Promise<void> {
    const lost = (): boolean => [...this.working].some((t) => t.venueOrderId === '' && t.lostSince !== undefined);
    const until = this.options.wallNow() + (this.options.lostOrderMicros ?? LOST_ORDER_MICROS) + 5_000_000;
    while (!this.closed && lost() && this.options.wallNow() < until) {
      await new Promise((r) => setTimeout(r, STREAM_RETRY_MS));
      // One polling round at a time (a failed request started one already): this one, or the one under way.
      this.requestPoll();
      await this.polling;
    }
  }

  adopt(clientOrderId: string, orderId: number): void {
    const t = this.byClientId.get(clientOrderId);
    if (t === undefined) throw new InvariantError(`adopt: ${clientOrderId} is not a working order of the session`);
    t.orderId = orderId;
    this.byOrderId.set(orderId, t);
  }

  /** What the venue remembers now: working orders and what the retention window keeps (tests, diagnostics). */
  retained(): CcxtVenueRetained {
    return {
      orders: new Set(this.byClientId.values()).size,
      working: this.working.size,
      clientIds: this.byClientId.size,
      venueIds: this.byVenueId.size,
      orderIds: this.byOrderId.size,
      tradeIds: this.tradesSeen.size,
      earlyTrades: [...this.earlyTrades.values()].reduce((n, e) => n + e.trades.length, 0),
      reports: this.outbox.length,
    };
  }

  // Intents are journalled at the wall clock (options.wallNow), as reports are: a restart ages them against
  // the wall clock, and `time` is the kernel's (the market data's, which a replay puts years back).
  submit(order: Order, time: Micros): void {
    const exchange = this.ready();
    const args = ccxtOrderArgs(order, orderTypesOf(exchange, order.symbol));
    const t = this.track(order.id, order.clientOrderId, journalRequestOf(order), '', 0);
    if (!args.ok) {
      // Refused before anything was sent: nothing is journalled.
      this.refuse(t, time, args.reason, false);
      return;
    }
    this.journal?.appendIntent({ kind: 'submit', time: this.options.wallNow(), clientOrderId: order.clientOrderId, request: journalRequestOf(order) });
    this.send(t, () => exchange.createOrder(order.symbol, args.type, order.side, order.quantity, args.price, args.params));
  }

  cancel(orderId: number, time: Micros): void {
    const t = this.byOrderId.get(orderId);
    if (t === undefined || t.done) {
      if (t !== undefined) this.outbox.push({ kind: 'cancelRejected', order: t, time });
      return;
    }
    this.journal?.appendIntent({ kind: 'cancel', time: this.options.wallNow(), clientOrderId: t.clientOrderId });
    // During a modify the exchange order to cancel is not known yet: the cancel waits for the modify's answer.
    if (t.editing) t.cancelAfterEdit = true;
    else this.sendCancel(t);
  }

  private sendCancel(t: Tracked): void {
    const exchange = this.ready();
    this.run(
      // By the exchange's id once known (an adopted order placed without a client id has none of its own there).
      (t.venueOrderId !== '' ? exchange.cancelOrder(t.venueOrderId, t.symbol) : exchange.cancelOrder('', t.symbol, { origClientOrderId: t.exchangeClientId })).then(
        (o) => this.ingestOrder(o),
        (error: unknown) => {
          if (error instanceof ccxtLib().NetworkError) this.requestPoll();
          else {
            this.journal?.appendReport({ kind: 'cancelRejected', time: this.options.wallNow(), clientOrderId: t.clientOrderId, reason: this.text(error) });
            this.outbox.push({ kind: 'cancelRejected', order: t, time: this.options.wallNow() });
            this.requestPoll(); // its fills or end may be on their way
          }
        },
      ),
    );
  }

  /**
   * A change through the exchange's editOrder (Binance spot: cancel-replace,
   * STOP_ON_FAILURE): the order is replaced by a new exchange order for the
   * remaining quantity with the change applied (the changed total less what
   * is filled), under the client order id `<clientOrderId>m<n>`; the
   * kernel's order stays one order. The intent, with the replacement's id
   * and quantity, is journalled before it is sent.
   */
  modify(orderId: number, changes: OrderChanges, time: Micros): void {
    const t = this.byOrderId.get(orderId);
    if (t === undefined) return;
    const refuse = (reason: AmendRejectReason, why: string): void => {
      this.options.onIncident(this.incident('order_refused', t.symbol, 'rest', `modify of ${t.clientOrderId} refused: ${why}`));
      this.outbox.push({ kind: 'modifyRejected', order: t, time, reason });
    };
    if (t.done) return refuse('not_live', 'the order is done');
    if (t.venueOrderId === '') return refuse('not_modifiable', 'the exchange has not acknowledged the order yet');
    if (t.editing) return refuse('not_modifiable', 'a modify of it is still at the exchange');
    const exchange = this.ready();
    const by = this.options.modifyBy ?? (exchange.has.editOrder === true ? 'edit' : 'cancel-replace');
    if (by === 'edit' && exchange.has.editOrder !== true) return refuse('not_modifiable', `${this.options.exchange} has no editOrder`);
    const quantity = subExact(changes.quantity ?? t.quantity, t.filled);
    if (!(quantity > 0)) return refuse('invalid_quantity', `nothing would remain (filled ${t.filled})`);
    const clientId = replacementClientOrderId(t.clientOrderId, t.replacements + 1);
    if (clientId === undefined) return refuse('not_modifiable', `the replacement's client order id would be longer than the exchange takes`);
    const request: JournalOrderRequest = { ...t.request, ...changes, quantity };
    const args = ccxtOrderArgs(orderOfRequest(clientId, request), orderTypesOf(exchange, t.symbol));
    if (!args.ok) return refuse('not_modifiable', args.reason);
    t.replacements++;
    t.editing = true;
    const replacement = { clientOrderId: clientId, quantity };
    if (by === 'cancel-replace') {
      this.journal?.appendIntent({ kind: 'modify', time: this.options.wallNow(), clientOrderId: t.clientOrderId, changes, replacement, modifyBy: 'cancel-replace' });
      t.byHand = { changes, leg: replacement, previous: t.venueOrderId, placing: false, filledAtCancel: 0 };
      this.sendHandCancel(t, t.byHand);
      return;
    }
    this.journal?.appendIntent({ kind: 'modify', time: this.options.wallNow(), clientOrderId: t.clientOrderId, changes, replacement });
    const previous = t.venueOrderId;
    this.run(
      exchange.editOrder(previous, t.symbol, args.type, request.side, quantity, args.price, args.params).then(
        (o) => this.replaced(t, changes, replacement, previous, o),
        (error: unknown) => this.editFailed(t, changes, replacement, previous, error),
      ),
    );
  }

  /**
   * A modify by hand, step 1: the order's cancel. What the exchange says of
   * the order (this answer, the stream, polling) decides in `handReport`.
   */
  private sendHandCancel(t: Tracked, hand: HandModify): void {
    this.run(
      this.ready().cancelOrder(hand.previous, t.symbol).then(
        (o) => this.ingestOrder(o),
        (error: unknown) => {
          if (!this.cancelling(t, hand)) return;
          if (error instanceof ccxtLib().NetworkError) this.run(this.recheckHandCancel(t, hand));
          else {
            // Refused: the order is no longer open (filled or ended); its reports say how.
            this.modifyRefused(t, 'not_live', `its cancel was refused: ${this.text(error)}`, this.options.wallNow());
            this.requestPoll();
          }
        },
      ),
    );
  }

  /** The cancel's request failed on the network: the order looked at, and the cancel sent again while it is open. */
  private async recheckHandCancel(t: Tracked, hand: HandModify): Promise<void> {
    await new Promise((r) => setTimeout(r, STREAM_RETRY_MS));
    if (!this.cancelling(t, hand)) return;
    const o = await this.ready().fetchOrder(hand.previous, t.symbol).catch(() => undefined);
    if (!this.cancelling(t, hand)) return;
    if (o !== undefined) this.ingestOrder(o);
    if (this.cancelling(t, hand) && (o === undefined || venueOrderOf(o).status === 'open')) this.sendHandCancel(t, hand);
  }

  /** Whether `hand` is still the order's modify by hand, at its cancel (not placing the replacement yet), and the venue is open. */
  private cancelling(t: Tracked, hand: HandModify): boolean {
    return t.byHand === hand && !hand.placing && !this.closed;
  }

  /**
   * A modify by hand, the order's state as the exchange reports it while its
   * cancel is under way: cancelled, the replacement goes out; filled or
   * ended before the cancel landed, the modify is refused and the order's
   * own reports follow. Whether the report was the cancel's.
   */
  private handReport(t: Tracked, hand: HandModify, status: string, filled: number, now: Micros): boolean {
    if (status === 'open') return false;
    if (status !== 'cancelled') {
      this.modifyRefused(t, 'not_live', `the order is ${status} at the exchange before its cancel landed`, now);
      return false;
    }
    hand.filledAtCancel = filled;
    const endCancelled = (reason: AmendRejectReason, why: string): true => {
      this.modifyRefused(t, reason, why, now);
      t.end ??= 'cancelled';
      t.endFilled = filled;
      this.settle(t, now);
      if (!t.done) this.requestPoll(); // fills of it are still to come
      return true;
    };
    if (t.cancelAfterEdit) {
      // The kernel cancelled the order meanwhile: the cancel that went through is that one; nothing is placed.
      t.cancelAfterEdit = false;
      return endCancelled('cancel_pending', 'the order was cancelled meanwhile');
    }
    const request: JournalOrderRequest = { ...t.request, ...hand.changes };
    const quantity = subExact(request.quantity, filled);
    if (!(quantity > 0)) return endCancelled('invalid_quantity', `nothing remains after the cancel (filled ${filled} of ${request.quantity})`);
    const exchange = this.ready();
    const leg: ReplacementLeg = { clientOrderId: hand.leg.clientOrderId, quantity };
    const args = ccxtOrderArgs(orderOfRequest(leg.clientOrderId, { ...request, quantity }), orderTypesOf(exchange, t.symbol));
    if (!args.ok) return endCancelled('not_modifiable', args.reason);
    // Step 2: the replacement, its intent journalled first.
    hand.placing = true;
    this.journal?.appendIntent({ kind: 'replace', time: now, clientOrderId: t.clientOrderId, replacement: leg });
    this.placeReplacement(t, hand, leg, request.side, args);
    return true;
  }

  private placeReplacement(t: Tracked, hand: HandModify, leg: ReplacementLeg, side: string, args: { type: string; price?: number | undefined; params: Record<string, unknown> }): Promise<void> {
    const task = this.ready()
      .createOrder(t.symbol, args.type, side, leg.quantity, args.price, args.params)
      .then(
        (o) => this.replaced(t, hand.changes, leg, hand.previous, o),
        (error: unknown) => this.editFailed(t, hand.changes, leg, hand.previous, error),
      );
    this.run(task);
    return task;
  }

  /** A journalled modify the exchange refused (or that could not go on): journalled, an incident, `reason` for the kernel; the order is no longer being changed. */
  private modifyRefused(t: Tracked, reason: AmendRejectReason, why: string, now: Micros): void {
    t.byHand = undefined;
    t.editing = false;
    this.journal?.appendReport({ kind: 'modifyRejected', time: now, clientOrderId: t.clientOrderId, reason: why });
    this.options.onIncident(this.incident('order_refused', t.symbol, 'rest', `modify of ${t.clientOrderId} refused: ${why}`));
    this.outbox.push({ kind: 'modifyRejected', order: t, time: now, reason });
    this.afterEdit(t);
  }

  /** The exchange put `o` in place of the order's exchange order `previous`. */
  private replaced(t: Tracked, changes: OrderChanges, leg: { clientOrderId: string; quantity: number }, previous: string, o: CcxtOrderLike): void {
    t.editing = false;
    t.byHand = undefined;
    if (t.done || o.id === undefined) return;
    this.afterEdit(t);
    const now = this.options.wallNow();
    t.request = { ...t.request, ...changes };
    t.quantity = t.request.quantity;
    t.legBase = subExact(t.quantity, leg.quantity);
    t.venueOrderId = o.id;
    t.exchangeClientId = leg.clientOrderId;
    this.indexVenue(t, o.id);
    this.indexClient(t, leg.clientOrderId);
    this.journal?.appendReport({ kind: 'modified', time: now, clientOrderId: t.clientOrderId, changes, replacement: leg, venueOrderId: o.id });
    this.outbox.push({ kind: 'modified', order: t, time: now, changes });
    this.takeEarlyTrades(o.id);
    this.ingestOrder(o);
    // Fills of the replaced order whose reports are still on their way are the order's too.
    this.run(this.ready().fetchOrderTrades(previous, t.symbol).then((trades) => trades.forEach((trade) => this.ingestTrade(trade, true)), () => this.requestPoll()));
  }

  private editFailed(t: Tracked, changes: OrderChanges, leg: { clientOrderId: string; quantity: number }, previous: string, error: unknown): void {
    if (error instanceof ccxtLib().NetworkError) {
      // It may have happened: the replacement is looked for by its client order id.
      this.run(this.findReplacement(t, changes, leg, previous));
      return;
    }
    // By hand, the order was cancelled before its replacement was refused.
    const hand = t.byHand;
    const now = this.options.wallNow();
    const refusal = editRefusalOf(this.text(error));
    this.modifyRefused(t, refusal.reason, refusal.text, now);
    if (refusal.cancelled || hand !== undefined) {
      // STOP_ON_FAILURE (or the cancel by hand) cancelled the order before its replacement was refused: the order is over.
      t.end ??= 'cancelled';
      t.endFilled = hand !== undefined ? hand.filledAtCancel : addExact(t.legBase, refusal.cancelledFilled);
      this.settle(t, now);
    }
    this.requestPoll();
  }

  /** A cancel asked for during the modify goes now, to the exchange order the modify left working (sent after this turn's bookkeeping). */
  private afterEdit(t: Tracked): void {
    if (!t.cancelAfterEdit) return;
    t.cancelAfterEdit = false;
    queueMicrotask(() => {
      if (!t.done && !this.closed) this.sendCancel(t);
    });
  }

  /**
   * A replacement whose request failed on the network, looked for by its
   * client order id. A request can still reach the exchange after its
   * connection failed (latency on the way), so "not found" counts only after
   * as long as a lost submit is looked for (lostOrderMicros), as pollRound
   * does for one.
   */
  private async findReplacement(t: Tracked, changes: OrderChanges, leg: { clientOrderId: string; quantity: number }, previous: string): Promise<void> {
    const since = this.options.wallNow();
    while (!this.closed) {
      try {
        const found = await this.ready().fetchOrder('', t.symbol, { origClientOrderId: leg.clientOrderId });
        this.replaced(t, changes, leg, previous, found);
        return;
      } catch (error) {
        if (error instanceof ccxtLib().OrderNotFound && this.options.wallNow() - since > (this.options.lostOrderMicros ?? LOST_ORDER_MICROS)) {
          this.editFailed(t, changes, leg, previous, new Error('the request failed on the network and the exchange has no replacement'));
          return;
        }
        await new Promise((r) => setTimeout(r, STREAM_RETRY_MS));
      }
    }
  }

  poll(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.outbox.length === 0) return;
    const reports = this.reports;
    if (reports === undefined) throw new InvariantError('CcxtVenue.poll before connect');
    // Reports are durable before the kernel acts on them.
    this.journal?.flush();
    const pending = this.outbox;
    this.outbox = [];
    for (const r of pending) {
      const id = r.order.orderId;
      if (id === 0) {
        if (r.order.orphan) this.orphanReport(r);
        else this.outbox.push(r); // a working order the kernel has not adopted yet
        continue;
      }
      switch (r.kind) {
        case 'accepted':
          reports.accepted(id, r.venueOrderId, r.time);
          break;
        case 'rejected':
          reports.rejected(id, r.time, 'venue_rejected');
          break;
        case 'filled':
          reports.filled(id, r.time, r.quantity, r.price, r.liquidity, r.fee, r.feeInKind);
          break;
        case 'cancelled':
          reports.cancelled(id, r.time, 'user');
          break;
        case 'expired':
          reports.expired(id, r.time);
          break;
        case 'cancelRejected':
          reports.cancelRejected(id, r.time, 'not_live');
          break;
        case 'modified':
          reports.modified(id, r.time, r.changes);
          break;
        case 'modifyRejected':
          reports.modifyRejected(id, r.time, r.reason);
          break;
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.clock?.stop();
    const exchange = this.exchange;
    const settled = Promise.allSettled([...this.tasks]).then(() => true);
    if (exchange !== undefined) {
      // A stream whose authentication was under way may connect after a close: closed again until every task has ended.
      do await closeCcxtExchange(exchange).catch(() => undefined);
      while (!(await Promise.race([settled, new Promise<false>((r) => setTimeout(() => r(false), 250))])));
    }
    await settled;
    this.journal?.close();
  }

  // ---- the exchange ----

  /** Runs `work`; a refused key becomes an InputError, and no error leaves with a credential in its text. */
  private async cleanErrors<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ccxtLib().AuthenticationError) {
        throw new InputError({ code: 'invalid_option', field: 'credentials', message: `the exchange refused the API key: ${this.text(error)}` });
      }
      if (error instanceof InputError || error instanceof InvariantError) throw error;
      throw new Error(this.text(error));
    }
  }

  private async buildExchange(): Promise<CcxtExchange> {
    const o = this.options;
    const Pro = (ccxtLib().pro as unknown as Record<string, new (config: object) => CcxtExchange>)[o.exchange];
    if (Pro === undefined) throw new InvariantError(`ccxt pro has no exchange ${o.exchange}`);
    const c = o.credentials;
    const exchange = new Pro({
      apiKey: c.apiKey,
      secret: c.secret,
      ...(c.password !== undefined ? { password: c.password } : {}),
      enableRateLimit: true,
      options: { warnOnFetchOpenOrdersWithoutSymbol: false },
    });
    guardOrphanFutures(exchange);
    if (o.url !== undefined) await pointCcxtAt(exchange as unknown as Parameters<typeof pointCcxtAt>[0], o.url);
    // Signed requests carry the exchange's time, not this machine's: measured now, every clockResyncMs, and after a -1021.
    const clock = new ServerClock(exchange, (error) => {
      if (!this.closed) this.options.onIncident(this.incident('error', '', 'rest', `measuring the exchange's clock failed: ${this.text(error)}; the last offset stays`));
    });
    this.clock = clock;
    this.exchange = clock.wrap(exchange);
    await clock.measure();
    clock.start(o.clockResyncMs ?? CLOCK_RESYNC_MS);
    o.onExchange?.(exchange);
    await exchange.loadMarkets();
    return this.exchange;
  }

  /** Journals a reconciliation action's records (reports, notes, and the intents of what is sent again). */
  private journalAction(action: ReconcileAction, time: Micros, state: JournalState): void {
    const journal = this.journal as OrderJournal;
    for (const record of journalRecordsFor(action, time)) {
      appendRecord(journal, record);
      applyRecord(state, record);
    }
  }

  /** Sends what reconciliation decided: unknown orders cancelled, intents sent again; whether anything was sent. */
  private async carryOut(actions: readonly ReconcileAction[], state: JournalState): Promise<boolean> {
    const exchange = this.ready();
    let sent = false;
    for (const action of actions) {
      if (action.kind === 'cancelUnknownOrder' || action.kind === 'resubmit' || action.kind === 'resendCancel' || action.kind === 'sendReplacement') sent = true;
      if (action.kind === 'cancelUnknownOrder') {
        await exchange.cancelOrder(action.order.venueOrderId, action.order.symbol).catch((error: unknown) => {
          this.options.onIncident(this.incident('order_refused', action.order.symbol, 'rest', `cancelling unknown order ${action.order.venueOrderId}: ${this.text(error)}`));
        });
      } else if (action.kind === 'resubmit') {
        const t = this.byClientId.get(action.clientOrderId);
        const args = ccxtOrderArgs(orderOfRequest(action.clientOrderId, action.request), orderTypesOf(exchange, action.request.symbol));
        if (t !== undefined && args.ok) this.send(t, () => exchange.createOrder(action.request.symbol, args.type, action.request.side, action.request.quantity, args.price, args.params));
      } else if (action.kind === 'resendCancel') {
        const t = this.byClientId.get(action.clientOrderId);
        const symbol = state.orders.get(action.clientOrderId)?.request.symbol;
        const exchangeClientId = state.orders.get(action.clientOrderId)?.exchangeClientOrderId ?? action.clientOrderId;
        if (t !== undefined && symbol !== undefined) await exchange.cancelOrder('', symbol, { origClientOrderId: exchangeClientId }).then((o) => this.ingestOrder(o), () => this.requestPoll());
      } else if (action.kind === 'sendReplacement') {
        await this.sendReplacementAtStart(action, state);
      }
    }
    await Promise.allSettled([...this.tasks]);
    return sent;
  }

  /**
   * A modify by hand the last session left between its cancel (confirmed)
   * and its replacement (never received): the replacement is placed now; the
   * kernel is given the order as the replacement works it, or, refused, not
   * at all (the order ended cancelled).
   */
  private async sendReplacementAtStart(action: Extract<ReconcileAction, { kind: 'sendReplacement' }>, state: JournalState): Promise<void> {
    const t = this.byClientId.get(action.clientOrderId);
    const order = state.orders.get(action.clientOrderId);
    if (t === undefined || order === undefined) return;
    const leg = action.replacement;
    const hand: HandModify = { changes: action.changes, leg, previous: t.venueOrderId, placing: true, filledAtCancel: order.filledQuantity };
    t.editing = true;
    t.byHand = hand;
    const request: JournalOrderRequest = { ...order.request, ...action.changes, quantity: leg.quantity };
    const args = ccxtOrderArgs(orderOfRequest(leg.clientOrderId, request), orderTypesOf(this.ready(), request.symbol));
    if (!args.ok) this.editFailed(t, action.changes, leg, hand.previous, new Error(args.reason));
    else await this.placeReplacement(t, hand, leg, request.side, args);
    if (!t.done && t.exchangeClientId === leg.clientOrderId) {
      applyRecord(state, { kind: 'modified', time: this.options.wallNow(), clientOrderId: t.clientOrderId, changes: action.changes, replacement: leg, venueOrderId: t.venueOrderId });
    }
  }

  // ---- reports ----

  private send(t: Tracked, request: () => Promise<CcxtOrderLike>): void {
    this.run(
      request().then(
        (o) => this.ingestOrder(o),
        (error: unknown) => {
          if (error instanceof ccxtLib().NetworkError) {
            // It may have reached the exchange: looked up by client order id until found or too old.
            t.lostSince = this.options.wallNow();
            this.requestPoll();
          } else this.refuse(t, this.options.wallNow(), this.text(error));
        },
      ),
    );
  }

  private refuse(t: Tracked, time: Micros, reason: string, journalled = true): void {
    if (t.done) return;
    t.end = 'rejected';
    this.finish(t);
    if (journalled) this.journal?.appendReport({ kind: 'rejected', time, clientOrderId: t.clientOrderId, reason });
    this.options.onIncident(this.incident('order_refused', t.symbol, 'rest', `order ${t.clientOrderId} refused: ${reason}`));
    this.outbox.push({ kind: 'rejected', order: t, time });
  }

  /** An order state from any source (an answer, the stream, polling). */
  private ingestOrder(o: CcxtOrderLike, recovered = false): void {
    const t = (o.clientOrderId !== undefined ? this.byClientId.get(o.clientOrderId) : undefined) ?? (o.id !== undefined ? this.byVenueId.get(o.id) : undefined);
    if (t === undefined || t.done || o.id === undefined) return;
    const now = this.options.wallNow();
    t.lostSince = undefined;
    const status = venueOrderOf(o).status;
    if (t.venueOrderId === '') {
      // First seen refused (an answer with status REJECTED): the submit's answer is that, below, not an acceptance.
      if (status !== 'rejected') this.acknowledge(t, o.id, now, recovered);
      else {
        t.venueOrderId = o.id;
        this.indexVenue(t, o.id);
      }
    }
    // A replaced exchange order: its fills count (by trade), its cancel is the modify's.
    if (o.id !== t.venueOrderId) return;
    const filled = addExact(t.legBase, o.filled ?? 0);
    const hand = t.byHand;
    if (hand !== undefined && !hand.placing) {
      if (this.handReport(t, hand, status, filled, now)) return;
    } else if (t.editing && status === 'cancelled') return; // the edit's (or the replacement's) answer says what became of it
    if (status === 'cancelled' || status === 'expired' || status === 'rejected') {
      t.end ??= status;
      t.endFilled = filled;
      this.settle(t, now);
      if (!t.done) this.requestPoll(); // fills of it are still to come
    } else if (filled > t.filled) this.requestPoll();
  }

  private ingestTrade(trade: CcxtTradeLike, recovered = false): void {
    const tradeId = trade.id;
    if (tradeId === undefined || this.tradesSeen.has(tradeId)) return;
    const byClient = this.byClientId.get(clientIdOfTrade(trade));
    const t = (trade.order !== undefined ? this.byVenueId.get(trade.order) : undefined) ?? byClient;
    if (t === undefined) {
      // Its order's acknowledgement may still be on its way: held (forget() drops it when none comes).
      if (trade.order === undefined) this.unknownTrade(trade, 'it names no order');
      else {
        const early = this.earlyTrades.get(trade.order);
        if (early === undefined) this.earlyTrades.set(trade.order, { since: this.options.wallNow(), trades: [trade] });
        else if (!early.trades.some((e) => e.id === tradeId)) early.trades.push(trade);
      }
      return;
    }
    this.tradesSeen.add(tradeId);
    t.tradeIds.push(tradeId);
    if (t.done) {
      // The kernel has the order ended (a submit lost on the network and refused, then found filled; an end counted
      // before a fill the exchange had made): a fill now would break its order state. The account has it, the run not.
      this.unknownTrade(trade, `its order ${t.clientOrderId} is over in this run (${t.end ?? 'filled'})`);
      return;
    }
    // A trade ahead of its order's acknowledgement (found by its client order id): it shows the exchange has the order.
    if (t.venueOrderId === '' && trade.order !== undefined) {
      this.acknowledge(t, trade.order, this.options.wallNow(), recovered);
      // Trades held for it came in first and completed it.
      if (t.done) return this.unknownTrade(trade, `its order ${t.clientOrderId} is over in this run (filled)`);
    }
    const defect = tradeDefect(trade);
    if (defect !== undefined) return this.unknownTrade(trade, `${defect}, which no fill of ${t.clientOrderId} can have`);
    const fill = venueFillOf(trade, t.clientOrderId, t.request);
    const { venueOrderId: _v, ...journalled } = fill;
    this.journal?.appendReport({ kind: 'fill', ...journalled });
    // The kernel's order takes fills up to its total: an exchange that fills more (the replaced order's fills in a
    // modify's window, docs/live.md) gives it what is left, and the rest is an incident.
    const left = subExact(t.quantity, t.filled);
    const taken = fill.quantity > left ? Math.max(left, 0) : fill.quantity;
    t.filled = addExact(t.filled, fill.quantity);
    const now = this.options.wallNow();
    const liquidity = trade.takerOrMaker === 'maker' ? 'maker' : 'taker';
    if (taken < fill.quantity) {
      const more = subExact(fill.quantity, taken);
      this.options.onIncident(this.incident('overfill', t.symbol, 'myTrades', `fill ${tradeId} of ${t.clientOrderId} (${fill.side} ${fill.quantity} at ${fill.price}) with ${taken} of the order left: the run takes ${taken}, the account ${more} more`));
    }
    if (taken > 0) {
      // The commission as the kernel takes it (kernelFeeOf: in kind, from cash, or priced by the model), the whole of it.
      const charged = kernelFeeOf(taken === fill.quantity ? fill : { ...fill, quantity: taken });
      if (charged.note !== undefined) this.options.onIncident(this.incident(charged.note.kind, t.symbol, 'fee', `fill ${tradeId} of ${t.clientOrderId}: ${charged.note.text}`));
      this.outbox.push({ kind: 'filled', order: t, time: now, quantity: taken, price: fill.price, liquidity, fee: charged.fee, feeInKind: charged.feeInKind });
    }
    if (recovered) this.options.onIncident(this.incident('report_recovered', t.symbol, 'rest', `fill ${tradeId} of ${t.clientOrderId} found by polling`));
    if (t.filled >= t.quantity) this.finish(t);
    else this.settle(t, now);
  }

  /** Reports an order's end once every fill it had is reported. */
  private settle(t: Tracked, now: Micros): void {
    if (t.done || t.end === undefined || t.filled < t.endFilled) return;
    this.finish(t);
    const kind = t.end;
    if (kind === 'rejected') this.journal?.appendReport({ kind, time: now, clientOrderId: t.clientOrderId, reason: t.reason || 'rejected by the exchange' });
    else this.journal?.appendReport({ kind, time: now, clientOrderId: t.clientOrderId });
    if (kind === 'rejected' && t.acknowledged) {
      // An accepted order cannot be rejected in the kernel's order states: ended by the exchange, it expired.
      this.options.onIncident(this.incident('order_refused', t.symbol, 'rest', `order ${t.clientOrderId} rejected by the exchange after it was accepted: the run ends it as expired`));
      this.outbox.push({ kind: 'expired', order: t, time: now });
    } else this.outbox.push({ kind, order: t, time: now });
  }

  private startReports(): void {
    const exchange = this.ready();
    this.watch('orders', () => exchange.watchOrders(), (orders) => {
      for (const o of orders) this.ingestOrder(o);
    });
    this.watch('myTrades', () => exchange.watchMyTrades(), (trades) => {
      for (const t of trades) this.ingestTrade(t);
    });
    this.pollTimer = setInterval(() => this.requestPoll(), this.options.pollIntervalMs ?? DEFAULT_POLL_MS);
    this.requestPoll();
  }

  private watch<T>(channel: string, next: () => Promise<T>, apply: (value: T) => void): void {
    const loop = async (): Promise<void> => {
      while (!this.closed) {
        try {
          apply(await next());
        } catch (error) {
          if (this.closed || this.broke(error)) return;
          this.options.onIncident(this.incident('disconnected', '', channel, `user data stream failed (${this.text(error)}); polling, retrying in ${STREAM_RETRY_MS} ms`));
          this.requestPoll();
          await new Promise((r) => setTimeout(r, STREAM_RETRY_MS));
        }
      }
    };
    this.run(loop());
  }

  /** A polling round now (or right after the one under way). */
  private requestPoll(): void {
    if (this.closed) return;
    if (this.polling !== undefined) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.pollRound()
      .catch((error: unknown) => {
        if (!this.closed && !this.broke(error)) this.options.onIncident(this.incident('error', '', 'rest', `polling failed: ${this.text(error)}`));
      })
      .finally(() => {
        this.polling = undefined;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.requestPoll();
        }
      });
    this.run(this.polling);
  }

  /** Every unfinished order fetched, and its trades when the exchange has more filled than reported. */
  private async pollRound(): Promise<void> {
    const exchange = this.ready();
    this.forget(this.options.wallNow());
    for (const t of [...this.working]) {
      if (this.closed) return;
      if (t.done) continue;
      if (t.venueOrderId === '') {
        if (t.lostSince === undefined) continue; // its createOrder answer is still to come
        const found = await exchange.fetchOrder('', t.symbol, { origClientOrderId: t.clientOrderId }).catch((error: unknown) => {
          if (error instanceof ccxtLib().OrderNotFound) return undefined;
          throw error;
        });
        if (found !== undefined) this.ingestOrder(found, true);
        else if (this.options.wallNow() - t.lostSince > (this.options.lostOrderMicros ?? LOST_ORDER_MICROS)) {
          this.refuse(t, this.options.wallNow(), 'the request failed on the network and the exchange does not have the order');
        }
        continue;
      }
      const o = await exchange.fetchOrder(t.venueOrderId, t.symbol);
      if (addExact(t.legBase, o.filled ?? 0) > t.filled) for (const trade of await exchange.fetchOrderTrades(t.venueOrderId, t.symbol)) this.ingestTrade(trade, true);
      this.ingestOrder(o, true);
    }
  }

  // ---- helpers ----

  private track(orderId: number, clientOrderId: string, request: JournalOrderRequest, venueOrderId: string, filled: number): Tracked {
    const t: Tracked = {
      orderId,
      clientOrderId,
      symbol: request.symbol,
      quantity: request.quantity,
      request,
      venueOrderId,
      exchangeClientId: clientOrderId,
      legBase: 0,
      replacements: 0,
      editing: false,
      cancelAfterEdit: false,
      byHand: undefined,
      filled,
      endFilled: 0,
      end: undefined,
      reason: '',
      done: false,
      acknowledged: venueOrderId !== '',
      orphan: false,
      lostSince: undefined,
      doneAt: 0,
      clientIds: [],
      venueIds: [],
      tradeIds: [],
    };
    this.indexClient(t, clientOrderId);
    if (orderId !== 0) this.byOrderId.set(orderId, t);
    if (venueOrderId !== '') this.indexVenue(t, venueOrderId);
    this.working.add(t);
    return t;
  }

  private indexClient(t: Tracked, clientOrderId: string): void {
    this.byClientId.set(clientOrderId, t);
    t.clientIds.push(clientOrderId);
  }

  private indexVenue(t: Tracked, venueOrderId: string): void {
    this.byVenueId.set(venueOrderId, t);
    t.venueIds.push(venueOrderId);
  }

  private finish(t: Tracked): void {
    t.done = true;
    t.doneAt = this.options.wallNow();
    this.working.delete(t);
    this.retired.push(t);
  }

  /** The exchange has the order, as `venueOrderId`: journalled, the kernel told, and trades held for it taken. */
  private acknowledge(t: Tracked, venueOrderId: string, now: Micros, recovered: boolean): void {
    t.venueOrderId = venueOrderId;
    t.acknowledged = true;
    t.lostSince = undefined;
    this.indexVenue(t, venueOrderId);
    this.journal?.appendReport({ kind: 'accepted', time: now, clientOrderId: t.clientOrderId, venueOrderId });
    this.outbox.push({ kind: 'accepted', order: t, venueOrderId, time: now });
    if (recovered) this.options.onIncident(this.incident('report_recovered', t.symbol, 'rest', `acceptance of ${t.clientOrderId} found by polling`));
    this.takeEarlyTrades(venueOrderId);
  }

  /** A report of an order the kernel was never given (`orphan`): an incident, not a report. */
  private orphanReport(r: Report): void {
    const t = r.order;
    const whose = `order ${t.clientOrderId}, sent again at the start and not found before it ended, is not the run's`;
    if (r.kind === 'accepted') this.options.onIncident(this.incident('reconciled', t.symbol, 'rest', `${whose}: it works at the exchange as ${r.venueOrderId} (the next start takes it over: the journal has it)`));
    else if (r.kind === 'filled') this.options.onIncident(this.incident('unknown_trade', t.symbol, 'myTrades', `a fill of ${r.quantity} at ${r.price} not applied: ${whose}; the account's position differs from the run's by it`));
  }

  /** Trades held for the exchange order `venueOrderId`, now that it is known. */
  private takeEarlyTrades(venueOrderId: string): void {
    const early = this.earlyTrades.get(venueOrderId);
    if (early === undefined) return;
    this.earlyTrades.delete(venueOrderId);
    for (const trade of early.trades) this.ingestTrade(trade);
  }

  /**
   * Forgets what the retention window no longer keeps: orders done longer
   * ago (their ids and trade ids), the journal's fills of done orders, and
   * trades whose order never became known (each an incident).
   */
  private forget(now: Micros): void {
    const keep = this.options.retainDoneMicros ?? RETAIN_DONE_MICROS;
    const retired = this.retired;
    let head = this.retiredHead;
    for (; head < retired.length; head++) {
      const t = retired[head] as Tracked;
      if (now - t.doneAt < keep) break;
      for (const id of t.clientIds) if (this.byClientId.get(id) === t) this.byClientId.delete(id);
      for (const id of t.venueIds) if (this.byVenueId.get(id) === t) this.byVenueId.delete(id);
      if (t.orderId !== 0 && this.byOrderId.get(t.orderId) === t) this.byOrderId.delete(t.orderId);
      for (const id of t.tradeIds) this.tradesSeen.delete(id);
    }
    // The queue's front is dropped once it is most of the array (amortized O(1)).
    if (head > 64 && head * 2 > retired.length) {
      this.retired = retired.slice(head);
      head = 0;
    }
    this.retiredHead = head;
    if (this.startTradeIds.length > 0 && now - this.startedAt >= keep) {
      for (const id of this.startTradeIds) this.tradesSeen.delete(id);
      this.startTradeIds = [];
    }
    // Held in arrival order: the first young enough ends the sweep.
    for (const [venueOrderId, early] of this.earlyTrades) {
      if (now - early.since < keep) break;
      this.earlyTrades.delete(venueOrderId);
      for (const trade of early.trades) this.unknownTrade(trade, `no order of this run has exchange id ${venueOrderId}`);
    }
  }

  /** A trade that is not the run's: not applied; the account's position moved without the run. */
  private unknownTrade(trade: CcxtTradeLike, why: string): void {
    this.options.onIncident(this.tradeIncident(trade, why));
  }

  /** An `unknown_trade` incident: the account has a trade the run does not take. */
  private tradeIncident(trade: CcxtTradeLike, why: string): Incident {
    const what = `${trade.side ?? ''} ${trade.amount ?? '?'} at ${trade.price ?? '?'}`.trim();
    return this.incident('unknown_trade', trade.symbol ?? '', 'myTrades', `trade ${trade.id ?? '?'} (${what}) not applied: ${why}; the account's position differs from the run's by it`);
  }

  private run(task: Promise<unknown>): void {
    const settled = task.catch((error: unknown) => void this.broke(error));
    this.tasks.add(settled);
    void settled.finally(() => this.tasks.delete(settled));
  }

  /**
   * Whether `error` is a broken invariant (a bug, or a record the journal
   * would not read back): kept, and thrown by the next poll() so the run
   * stops on it, instead of an incident and a retry that would go on
   * forever on a state it left half-changed.
   */
  private broke(error: unknown): boolean {
    if (!(error instanceof InvariantError)) return false;
    this.failure ??= error;
    return true;
  }

  /** The first broken invariant of a background task (reports, polling): poll() throws it. */
  private failure: InvariantError | undefined;

  private ready(): CcxtExchange {
    if (this.exchange === undefined) throw new InvariantError('the ccxt venue is used before open()');
    return this.exchange;
  }

  /** An error's message with every credential blanked out. */
  private text(error: unknown): string {
    return redact(error instanceof Error ? error.message : String(error), this.secrets);
  }

  private incident(kind: IncidentKind, symbol: string, channel: string, detail: string): Incident {
    return { time: this.options.wallNow(), kind, symbol, channel, detail: redact(detail, this.secrets) };
  }
}

/** The ccxt venue (LiveVenue over a ccxt pro exchange). */
export function createCcxtVenue(options: CcxtVenueOptions): CcxtVenue {
  return new CcxtVenue(options);
}
createCcxtVenue satisfies LiveVenueFactory;

function appendRecord(journal: OrderJournal, record: JournalRecord): void {
  if (isIntent(record)) journal.appendIntent(record);
  else if (record.kind === 'balances' || record.kind === 'adopted' || record.kind === 'session') journal.appendNote(record);
  else journal.appendReport(record);
}

function orderTypesOf(exchange: CcxtExchange, symbol: string): readonly string[] | undefined {
  const info = exchange.markets?.[symbol]?.info as { orderTypes?: unknown } | undefined;
  return Array.isArray(info?.orderTypes) ? (info.orderTypes as string[]) : undefined;
}

