import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccxtLib } from '../ccxt/ccxt-lib.js';

const ccxt = ccxtLib();
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InputError, InvariantError } from '../../core/errors.js';
import { Xoshiro128 } from '../../core/random.js';
import type { Micros } from '../../core/time.js';
import type { Liquidity } from '../../model/events.js';
import type { ExecutionReports, OrderChanges } from '../../model/execution.js';
import { makeInstrument } from '../../model/instrument.js';
import { draftOrder, isLive, type AmendRejectReason, type CancelReason, type Order, type RejectReason } from '../../model/order.js';
import { JOURNAL_FILE, OrderJournal, replayJournal } from '../journal/index.js';
import { scanFrames, JOURNAL_MAGIC } from '../journal/frames.js';
import { decodeRecord, type JournalRecord } from '../journal/records.js';
import type { LocalExchange, LocalExchangeOptions } from '../local-exchange/server.js';
import type { Incident } from '../source.js';
import { NO_MARKET_DATA, VenueHarness } from '../../../test/helpers/venue-harness.js';
import { localBinanceClient, localVenueOptions, pumpUntil, sampleBarsFile, startTestExchange } from '../../../test/helpers/local-binance.js';
import { createCcxtVenue, type CcxtExchange, type CcxtVenue, type CcxtVenueOptions } from './ccxt-venue.js';
import { sessionRunId, type CcxtTradeLike } from './mapping.js';

// The ccxt venue against a local exchange on 127.0.0.1: nothing here touches the internet.
const KEY = 'venue-test-key-7Q2x';
const SECRET = 'venue-test-secret-Zk91Pw';
const ACCOUNT = { key: KEY, secret: SECRET };

type Reported =
  | { kind: 'accepted'; id: number; venueOrderId: string }
  | { kind: 'rejected'; id: number; reason: RejectReason }
  | { kind: 'filled'; id: number; quantity: number; price: number; liquidity: Liquidity; fee: number | undefined }
  | { kind: 'cancelled'; id: number; reason: CancelReason }
  | { kind: 'expired'; id: number }
  | { kind: 'cancelRejected' | 'modifyRejected'; id: number; reason: AmendRejectReason }
  | { kind: 'modified'; id: number; changes: OrderChanges }
  | { kind: 'other'; id: number };

/** ExecutionReports that keep what they are told. */
function recorder(): { reports: ExecutionReports; seen: Reported[] } {
  const seen: Reported[] = [];
  const other = (id: number): void => void seen.push({ kind: 'other', id });
  const reports: ExecutionReports = {
    accepted: (id, venueOrderId) => void seen.push({ kind: 'accepted', id, venueOrderId }),
    rejected: (id, _t, reason) => void seen.push({ kind: 'rejected', id, reason }),
    filled: (id, _t, quantity, price, liquidity, fee) => void seen.push({ kind: 'filled', id, quantity, price, liquidity, fee }),
    triggered: other,
    triggerMoved: other,
    expired: (id) => void seen.push({ kind: 'expired', id }),
    cancelled: (id, _t, reason) => void seen.push({ kind: 'cancelled', id, reason }),
    cancelRejected: (id, _t, reason) => void seen.push({ kind: 'cancelRejected', id, reason }),
    modified: (id: number, _t: Micros, changes: OrderChanges) => void seen.push({ kind: 'modified', id, changes }),
    modifyRejected: (id, _t, reason) => void seen.push({ kind: 'modifyRejected', id, reason }),
  };
  return { reports, seen };
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function until(what: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await what())) await new Promise((r) => setTimeout(r, 10));
}

/** The journal's records as they are on disk now, with each record's end offset. */
function journalOnDisk(runDir: string): { records: JournalRecord[]; ends: number[]; bytes: Buffer } {
  const bytes = readFileSync(join(runDir, JOURNAL_FILE));
  const scan = scanFrames(bytes, JOURNAL_MAGIC.length);
  const records: JournalRecord[] = [];
  const ends: number[] = [];
  scan.payloads.forEach((p, i) => {
    const decoded = decodeRecord(new TextDecoder().decode(p));
    if (!decoded.ok) throw new Error(decoded.reason);
    records.push(decoded.record);
    ends.push((scan.offsets[i] as number) + 12 + p.length);
  });
  return { records, ends, bytes };
}

const BTC = makeInstrument('BTC/USDT');
let nextId = 0;
function order(runId: string, fields: Partial<Order> & Pick<Order, 'side' | 'quantity'>): Order {
  const id = ++nextId;
  return draftOrder({ symbol: 'BTC/USDT', id, clientOrderId: `${runId}-${id}`, ...fields });
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setUp(options: Partial<LocalExchangeOptions> = {}): Promise<{ exchange: LocalExchange; dir: string }> {
  const dir = tempDir('qf-venue-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const exchange = await startTestExchange(sampleBarsFile(dir), ACCOUNT, options);
  cleanup.push(() => exchange.close());
  return { exchange, dir };
}

async function openVenue(exchange: LocalExchange, runDir: string, incidents: Incident[], extra: Partial<CcxtVenueOptions> = {}) {
  const venue = createCcxtVenue(localVenueOptions(exchange, ACCOUNT, runDir, incidents, extra));
  cleanup.push(() => venue.close());
  const rec = recorder();
  venue.connect(rec.reports);
  const start = await venue.open([BTC]);
  return { venue, start, seen: rec.seen };
}

/** An order manager (VenueHarness) over a ccxt venue on `runDir`, as the kernel has it: connected first, then the venue opened and its streams up. */
async function harnessOver(exchange: LocalExchange, runDir: string, incidents: Incident[], extra: Partial<CcxtVenueOptions> = {}) {
  const venue = createCcxtVenue(localVenueOptions(exchange, ACCOUNT, runDir, incidents, extra));
  cleanup.push(() => venue.close());
  const runId = sessionRunId(runDir, 1);
  const h = new VenueHarness({ client: venue, data: NO_MARKET_DATA }, { symbols: ['BTC/USDT'], runId });
  await venue.open([BTC]);
  await until(() => exchange.status().userSubscriptions === 1);
  return { venue, h, runId };
}

/** Each trade the stream gives comes after a fill of 0.004 of the same order (as the replaced order's fills in a modify's window do). */
function tradeBeforeEach(ex: CcxtExchange): void {
  const watch = ex.watchMyTrades.bind(ex);
  ex.watchMyTrades = async () => (await watch()).flatMap((t) => [{ ...t, id: `${t.id}x`, amount: 0.004 }, t]);
}

const filledOf = (seen: readonly Reported[], id: number): number => seen.reduce((n, r) => (r.kind === 'filled' && r.id === id ? n + r.quantity : n), 0);

describe('the ccxt venue', () => {
  it("carries an order's whole life: accepted, partial fills, filled, modify, cancel, the exchange's reject; intents journalled before they are sent", async () => {
    const { exchange, dir } = await setUp({ partialFills: true });
    const runDir = join(dir, 'run');
    const incidents: Incident[] = [];
    const sent: string[] = [];
    const { venue, start, seen } = await openVenue(exchange, (mkdirRun(runDir), runDir), incidents, {
      onExchange: (ex) => hookCreateOrder(ex, runDir, sent),
    });
    expect(start.runId).toMatch(/^run[0-9a-f]{6}s1$/);
    expect(start.stop).toBe(false);
    expect(start.balances).toEqual({ BTC: 1, USDT: 100000 });
    expect(start.cash).toBe(100000);
    expect(start.positions).toEqual([{ symbol: 'BTC/USDT', quantity: 1, averagePrice: NaN }]);
    expect(start.workingOrders).toEqual([]);
    expect(incidents).toEqual([]);
    // A new run's journal has no balances note: it takes the exchange's, no adjustment.
    expect(start.incidents).toEqual([]);

    const market = order(start.runId, { side: 'buy', quantity: 0.1 });
    const resting = order(start.runId, { side: 'buy', type: 'limit', price: 1000, quantity: 0.01 });
    const tooBig = order(start.runId, { side: 'buy', type: 'limit', price: 40000, quantity: 10 });
    const trailing = order(start.runId, { side: 'sell', type: 'trailing_stop', trailOffset: 100, quantity: 0.01 });
    for (const o of [market, resting, tooBig, trailing]) venue.submit(o, Date.now() * 1000);
    await pumpUntil(venue, () => seen.filter((r) => r.kind === 'accepted' || r.kind === 'rejected').length === 4);
    const accepted = seen.filter((r) => r.kind === 'accepted');
    expect(accepted.map((r) => r.id).sort()).toEqual([market.id, resting.id]);
    expect(accepted.every((r) => r.kind === 'accepted' && /^\d+$/.test(r.venueOrderId))).toBe(true);
    expect(seen.filter((r) => r.kind === 'rejected').sort((a, b) => a.id - b.id)).toEqual([
      { kind: 'rejected', id: tooBig.id, reason: 'venue_rejected' },
      { kind: 'rejected', id: trailing.id, reason: 'venue_rejected' },
    ]);
    const refused = incidents.filter((i) => i.kind === 'order_refused').map((i) => i.detail);
    expect(refused).toHaveLength(2);
    expect(refused.find((d) => d.includes(tooBig.clientOrderId))).toMatch(/insufficient balance/i);
    expect(refused.find((d) => d.includes(trailing.clientOrderId))).toMatch(/trailing_stop orders are not available/);
    // Only what was journalled first reached createOrder; the trailing stop never left.
    expect(sent.sort()).toEqual([market.clientOrderId, resting.clientOrderId, tooBig.clientOrderId].sort());

    venue.modify(resting.id, { price: 1001 }, Date.now() * 1000);
    venue.cancel(resting.id, Date.now() * 1000);
    exchange.start();
    await pumpUntil(venue, () => filledOf(seen, market.id) === 0.1 && seen.some((r) => r.kind === 'cancelled'));
    expect(seen.filter((r) => r.id === market.id).map((r) => r.kind)).toEqual(['accepted', 'filled', 'filled']);
    // The cancel asked for while the modify was at the exchange goes to the replacement.
    expect(seen.filter((r) => r.id === resting.id).map((r) => r.kind)).toEqual(['accepted', 'modified', 'cancelled']);

    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const trades = await glass.fetchMyTrades('BTC/USDT');
    // Each fill as the exchange made it, with the commission it charged (in USDT, the account's currency).
    expect(seen.filter((r) => r.kind === 'filled').map((r) => r.kind === 'filled' && [r.quantity, r.price, r.fee])).toEqual(trades.map((t) => [t.amount, t.price, t.fee?.cost]));
    expect(trades.every((t) => t.fee?.currency === 'USDT' && (t.fee.cost ?? 0) > 0)).toBe(true);

    await venue.close();
    const { records } = journalOnDisk(runDir);
    const state = replayJournal(records);
    expect([...state.fills.keys()].sort()).toEqual(trades.map((t) => String(t.id)).sort());
    expect(state.orders.get(market.clientOrderId)?.filledQuantity).toBe(0.1);
    expect(state.orders.get(resting.clientOrderId)?.terminal).toBe('cancelled');
    expect(state.orders.get(tooBig.clientOrderId)?.reason).toMatch(/insufficient balance/i);
    expect(state.orders.has(trailing.clientOrderId)).toBe(false);
    // The credentials are nowhere: not in the journal, not in an incident.
    const written = readFileSync(join(runDir, JOURNAL_FILE)).toString('latin1') + JSON.stringify([...incidents, ...start.incidents]);
    expect(written).not.toContain(KEY);
    expect(written).not.toContain(SECRET);
  });
});

function mkdirRun(runDir: string): void {
  mkdirSync(runDir, { recursive: true });
}

/** Records each createOrder's client order id, after checking its submit is already in the journal file. */
function hookCreateOrder(ex: CcxtExchange, runDir: string, sent: string[]): void {
  const create = ex.createOrder.bind(ex);
  ex.createOrder = (symbol, type, side, amount, price, params) => {
    const id = String(params?.newClientOrderId);
    const journalled = journalOnDisk(runDir).records.some((r) => r.kind === 'submit' && r.clientOrderId === id);
    if (!journalled) throw new Error(`createOrder for ${id} before its submit was journalled`);
    sent.push(id);
    return create(symbol, type, side, amount, price, params);
  };
}

describe('the ccxt venue: reports the stream drops, unknown orders, credentials', () => {
  it('recovers every dropped report by polling: no fill lost, none twice', async () => {
    const { exchange, dir } = await setUp({ partialFills: true, dropReportsEvery: 3 });
    const incidents: Incident[] = [];
    const { venue, start, seen } = await openVenue(exchange, join(dir, 'run'), incidents);
    await until(() => exchange.status().userSubscriptions === 1);
    const orders = [0.01, 0.02, 0.03, 0.04, 0.05].map((q, i) => order(start.runId, { side: i % 2 === 0 ? 'buy' : 'sell', quantity: q }));
    for (const o of orders) venue.submit(o, Date.now() * 1000);
    await until(() => exchange.status().orders === orders.length); // at the matcher before the data plays
    exchange.start();
    await until(() => exchange.status().done);
    await pumpUntil(venue, () => orders.every((o) => filledOf(seen, o.id) >= o.quantity));
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const trades = await glass.fetchMyTrades('BTC/USDT');
    expect(exchange.status().reportsDropped).toBeGreaterThan(0);
    // Let late stream reports arrive: a fill reported again (stream and polling) must not come through twice.
    let polls = 0;
    await pumpUntil(venue, () => ++polls >= 50);
    for (const o of orders) expect(filledOf(seen, o.id)).toBe(o.quantity);
    expect(seen.filter((r) => r.kind === 'filled')).toHaveLength(trades.length);
    expect(seen.filter((r) => r.kind === 'accepted')).toHaveLength(orders.length);
    expect(incidents.some((i) => i.kind === 'report_recovered')).toBe(true);
    await venue.close();
    const state = replayJournal(journalOnDisk(join(dir, 'run')).records);
    expect([...state.fills.keys()].sort()).toEqual(trades.map((t) => String(t.id)).sort());
  });

  it('adopts, cancels or stops at open orders it does not know (--unknown-orders)', async () => {
    const { exchange, dir } = await setUp();
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const manual = await glass.createOrder('BTC/USDT', 'limit', 'buy', 0.02, 1000, { clientOrderId: 'by-hand-1' });

    const stopped = await openVenue(exchange, join(dir, 'stop'), [], { unknownOrders: 'stop' });
    expect(stopped.start.stop).toBe(true);
    expect(stopped.start.incidents.find((i) => i.detail.startsWith('stop:'))?.detail).toContain('by-hand-1');
    await stopped.venue.close();

    const adopting = await openVenue(exchange, join(dir, 'adopt'), [], { unknownOrders: 'adopt' });
    expect(adopting.start.stop).toBe(false);
    expect(adopting.start.workingOrders).toEqual([
      { clientOrderId: 'by-hand-1', venueOrderId: manual.id, request: { symbol: 'BTC/USDT', side: 'buy', type: 'limit', quantity: 0.02, price: 1000 }, filledQuantity: 0 },
    ]);
    adopting.venue.adopt('by-hand-1', 41);
    adopting.venue.cancel(41, Date.now() * 1000);
    await pumpUntil(adopting.venue, () => adopting.seen.some((r) => r.kind === 'cancelled' && r.id === 41));
    expect((await glass.fetchOpenOrders('BTC/USDT')).length).toBe(0);
    await adopting.venue.close();

    const other = await glass.createOrder('BTC/USDT', 'limit', 'buy', 0.03, 1000, { clientOrderId: 'by-hand-2' });
    const cancelling = await openVenue(exchange, join(dir, 'cancel'), [], { unknownOrders: 'cancel' });
    expect(cancelling.start.workingOrders).toEqual([]);
    expect(cancelling.start.incidents.some((i) => i.detail.startsWith('cancelUnknownOrder:') && i.detail.includes(String(other.id)))).toBe(true);
    expect((await glass.fetchOrder(other.id as string, 'BTC/USDT')).status).toBe('canceled');
  });

  it('refuses a wrong secret with a one-line InputError that does not contain it', async () => {
    const { exchange, dir } = await setUp();
    const venue = createCcxtVenue({ ...localVenueOptions(exchange, ACCOUNT, join(dir, 'run'), []), credentials: { apiKey: KEY, secret: 'not-the-secret-3xQ' } });
    cleanup.push(() => venue.close());
    const error = await venue.open([BTC]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^field 'credentials': the exchange refused the API key/);
    expect((error as Error).message).not.toContain('not-the-secret-3xQ');
    expect((error as Error).message).not.toContain(KEY);
  });
});

describe('the ccxt venue over a long session', () => {
  it('forgets a done order retainDoneMicros after it is done; working orders stay; a trade no order of the run made is dropped with an unknown_trade incident', async () => {
    const { exchange, dir } = await setUp({ partialFills: true });
    const runDir = join(dir, 'run');
    const incidents: Incident[] = [];
    // Wall time the test moves on: the retention window passes without waiting for it.
    let ahead = 0;
    const { venue, start, seen } = await openVenue(exchange, runDir, incidents, { retainDoneMicros: 60_000_000, wallNow: () => Date.now() * 1000 + ahead });
    await until(() => exchange.status().userSubscriptions === 1);
    const done = [0.01, 0.02, 0.03, 0.04].map((q, i) => order(start.runId, { side: i % 2 === 0 ? 'buy' : 'sell', quantity: q }));
    const resting = order(start.runId, { side: 'buy', type: 'limit', price: 1000, quantity: 0.01 });
    for (const o of [...done, resting]) venue.submit(o, Date.now() * 1000);
    // Another client of the same account trades too.
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const manual = await glass.createOrder('BTC/USDT', 'market', 'buy', 0.05, undefined, { clientOrderId: 'by-hand-9' });
    await until(() => exchange.status().orders === done.length + 2);
    exchange.start();
    await until(() => exchange.status().done);
    await pumpUntil(venue, () => done.every((o) => filledOf(seen, o.id) >= o.quantity) && seen.some((r) => r.kind === 'accepted' && r.id === resting.id));
    const trades = await glass.fetchMyTrades('BTC/USDT');
    const foreign = trades.filter((t) => t.order === manual.id);
    expect(foreign.length).toBeGreaterThan(0);
    await until(() => venue.retained().earlyTrades === foreign.length);
    const mine = trades.length - foreign.length;
    expect(venue.retained()).toEqual({ orders: 5, working: 1, clientIds: 5, venueIds: 5, orderIds: 5, tradeIds: mine, earlyTrades: foreign.length, reports: 0 });
    expect(incidents.filter((i) => i.kind === 'unknown_trade')).toEqual([]);

    ahead = 61_000_000;
    await until(() => venue.retained().orders === 1);
    expect(venue.retained()).toEqual({ orders: 1, working: 1, clientIds: 1, venueIds: 1, orderIds: 1, tradeIds: 0, earlyTrades: 0, reports: 0 });
    const unknown = incidents.filter((i) => i.kind === 'unknown_trade');
    expect(unknown.map((i) => i.detail.match(/^trade (\S+) /)?.[1]).sort()).toEqual(foreign.map((t) => String(t.id)).sort());
    expect(unknown[0]?.detail).toMatch(/^trade \S+ \(buy 0\.0\d* at [\d.]+\) not applied: no order of this run has exchange id \d+; the account's position differs from the run's by it$/);
    // The working order is still the venue's: its cancel goes through.
    venue.cancel(resting.id, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'cancelled' && r.id === resting.id));
    await until(() => venue.retained().working === 0);
    for (const o of done) expect(filledOf(seen, o.id)).toBe(o.quantity);
    await venue.close();

    // The next session: the journal's fills are known for a window from its start, then forgotten too.
    const next = await openVenue(exchange, runDir, incidents, { retainDoneMicros: 60_000_000, wallNow: () => Date.now() * 1000 + ahead });
    expect(next.start.workingOrders).toEqual([]);
    expect(next.venue.retained()).toMatchObject({ orders: 0, tradeIds: mine });
    ahead += 61_000_000;
    await until(() => next.venue.retained().tradeIds === 0);
  });
});

describe('the ccxt venue: a fill of an order the run has ended', () => {
  it('a submit lost on the network, refused when the exchange did not show it, then filled there: no fill reaches the kernel (its order is over), an unknown_trade incident names it', async () => {
    const { exchange, dir } = await setUp();
    const incidents: Incident[] = [];
    let lost = '';
    const { venue, start, seen } = await openVenue(exchange, join(dir, 'run'), incidents, {
      lostOrderMicros: 1,
      onExchange: (ex) => {
        const create = ex.createOrder.bind(ex);
        const fetch = ex.fetchOrder.bind(ex);
        const watch = ex.watchOrders.bind(ex);
        // The order reaches the exchange, its answer is lost, and the exchange does not show it when asked (yet).
        ex.createOrder = async (...args) => {
          await create(...args);
          throw new ccxt.NetworkError('connection reset');
        };
        ex.fetchOrder = async (id, symbol, params) => {
          if (params?.origClientOrderId === lost) throw new ccxt.OrderNotFound('Order does not exist.');
          return fetch(id, symbol, params);
        };
        ex.watchOrders = async () => (await watch()).filter((o) => o.clientOrderId !== lost);
      },
    });
    await until(() => exchange.status().userSubscriptions === 1);
    const buy = order(start.runId, { side: 'buy', quantity: 0.01 });
    lost = buy.clientOrderId;
    venue.submit(buy, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'rejected'));
    exchange.start();
    await until(() => exchange.status().done);
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const trades = await glass.fetchMyTrades('BTC/USDT');
    expect(trades).toHaveLength(1);
    // The stream's report of the trade: as an incident, or (wrongly) as a fill.
    await pumpUntil(venue, () => incidents.some((i) => i.kind === 'unknown_trade') || seen.some((r) => r.kind === 'filled'));
    let polls = 0;
    await pumpUntil(venue, () => ++polls >= 30);
    expect(seen).toEqual([{ kind: 'rejected', id: buy.id, reason: 'venue_rejected' }]);
    expect(incidents.filter((i) => i.kind === 'unknown_trade').map((i) => i.detail)).toEqual([
      `trade ${trades[0]?.id} (buy 0.01 at ${trades[0]?.price}) not applied: its order ${buy.clientOrderId} is over in this run (rejected); the account's position differs from the run's by it`,
    ]);
  });
});

describe('the ccxt venue: an exchange that fills more than the order', () => {
  it("gives the kernel's order fills up to its total, the commission whole; the rest is an overfill incident, and the journal keeps what the exchange did", async () => {
    const { exchange, dir } = await setUp();
    const runDir = join(dir, 'run');
    const incidents: Incident[] = [];
    // 0.014 filled of 0.01.
    const { venue, start, seen } = await openVenue(exchange, runDir, incidents, { onExchange: tradeBeforeEach });
    await until(() => exchange.status().userSubscriptions === 1);
    const buy = order(start.runId, { side: 'buy', quantity: 0.01 });
    venue.submit(buy, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    exchange.start();
    await pumpUntil(venue, () => incidents.some((i) => i.kind === 'overfill') || filledOf(seen, buy.id) > 0.01);
    let polls = 0;
    await pumpUntil(venue, () => ++polls >= 30);
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const [trade] = await glass.fetchMyTrades('BTC/USDT');
    expect(seen.filter((r) => r.kind === 'filled')).toEqual([
      { kind: 'filled', id: buy.id, quantity: 0.004, price: trade?.price, liquidity: 'taker', fee: trade?.fee?.cost },
      { kind: 'filled', id: buy.id, quantity: 0.006, price: trade?.price, liquidity: 'taker', fee: trade?.fee?.cost },
    ]);
    expect(incidents.filter((i) => i.kind === 'overfill').map((i) => i.detail)).toEqual([
      `fill ${trade?.id} of ${buy.clientOrderId} (buy 0.01 at ${trade?.price}) with 0.006 of the order left: the run takes 0.006, the account 0.004 more`,
    ]);
    await venue.close();
    expect(replayJournal(journalOnDisk(runDir).records).orders.get(buy.clientOrderId)?.filledQuantity).toBe(0.014);
  });

  it('the order manager takes it without a broken rule (a fill beyond what is open would stop the run)', async () => {
    const { exchange, dir } = await setUp();
    const runDir = join(dir, 'run');
    const incidents: Incident[] = [];
    const { h } = await harnessOver(exchange, runDir, incidents, { onExchange: tradeBeforeEach });
    const buy = h.submit({ symbol: 'BTC/USDT', side: 'buy', quantity: 0.01 }, Date.now() * 1000);
    await pumpUntil(h, () => h.order(buy.id).status !== 'submitted');
    exchange.start();
    await pumpUntil(h, () => !isLive(h.order(buy.id).status));
    let polls = 0;
    await pumpUntil(h, () => ++polls >= 30);
    expect(h.violations()).toEqual([]);
    expect(h.order(buy.id)).toMatchObject({ status: 'filled', filledQuantity: 0.01 });
    expect(h.fillsOf(buy.id).map(([q]) => q)).toEqual([0.004, 0.006]);
    expect(incidents.filter((i) => i.kind === 'overfill')).toHaveLength(1);
  });
});

describe('the ccxt venue: trades the exchange states in part', () => {
  it("takes a trade's missing symbol and side from its order, refuses one without a quantity as an incident, and writes only records the journal reads back", async () => {
    const { exchange, dir } = await setUp();
    const runDir = join(dir, 'run');
    const incidents: Incident[] = [];
    // Each trade comes twice, from the stream and from polling: once without a quantity, once without symbol and side.
    const partial = (trades: CcxtTradeLike[]): CcxtTradeLike[] => trades.flatMap((t) => [{ ...t, id: `${t.id}q`, amount: undefined }, { ...t, symbol: undefined, side: undefined }]);
    const { h, venue } = await harnessOver(exchange, runDir, incidents, {
      onExchange: (ex) => {
        const watch = ex.watchMyTrades.bind(ex);
        const fetch = ex.fetchOrderTrades.bind(ex);
        ex.watchMyTrades = async () => partial(await watch());
        ex.fetchOrderTrades = async (...args) => partial(await fetch(...args));
      },
    });
    const sell = h.submit({ symbol: 'BTC/USDT', side: 'sell', quantity: 0.01 }, Date.now() * 1000);
    await pumpUntil(h, () => h.order(sell.id).status !== 'submitted');
    exchange.start();
    await pumpUntil(h, () => !isLive(h.order(sell.id).status));
    let polls = 0;
    await pumpUntil(h, () => ++polls >= 30);
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const [trade] = await glass.fetchMyTrades('BTC/USDT');
    expect(h.violations()).toEqual([]);
    expect(h.order(sell.id)).toMatchObject({ status: 'filled', filledQuantity: 0.01 });
    expect(incidents.filter((i) => i.kind === 'unknown_trade').map((i) => i.detail)).toEqual([
      `trade ${trade?.id}q (sell ? at ${trade?.price}) not applied: its quantity is undefined, which no fill of ${h.order(sell.id).clientOrderId} can have; the account's position differs from the run's by it`,
    ]);
    await venue.close();
    // The journal opens again (a record it could not read would stop the next start) and has the fill as the order's.
    const { journal, records } = OrderJournal.open(join(runDir, JOURNAL_FILE));
    journal.close();
    expect(records.filter((r) => r.kind === 'fill')).toEqual([
      expect.objectContaining({ tradeId: trade?.id, symbol: 'BTC/USDT', side: 'sell', quantity: 0.01, price: trade?.price }),
    ]);
  });
});

describe('the ccxt venue: a broken invariant in a background task', () => {
  it('stops the run: the next poll throws it, the stream does not retry on a state it left half-changed', async () => {
    const { exchange, dir } = await setUp();
    const incidents: Incident[] = [];
    const { venue, start } = await openVenue(exchange, join(dir, 'run'), incidents, {
      onExchange: (ex) => {
        const create = ex.createOrder.bind(ex);
        const watch = ex.watchOrders.bind(ex);
        // The answer is lost; the stream then shows the order with an empty exchange id, which the journal cannot hold.
        ex.createOrder = async (...args) => {
          await create(...args);
          throw new ccxt.NetworkError('connection reset');
        };
        ex.watchOrders = async () => (await watch()).map((o) => ({ ...o, id: '' }));
      },
    });
    await until(() => exchange.status().userSubscriptions === 1);
    venue.submit(order(start.runId, { side: 'buy', quantity: 0.01, type: 'limit', price: 1 }), Date.now() * 1000);
    const stopped = pumpUntil(venue, () => false, 15_000);
    await expect(stopped).rejects.toThrow(InvariantError);
    await expect(stopped).rejects.toThrow(/'accepted' journal record that could not be read back is not written \(venueOrderId: /);
    expect(() => venue.poll()).toThrow(InvariantError);
    expect(incidents.filter((i) => i.kind === 'disconnected')).toEqual([]);
  });
});

describe('the ccxt venue: an order the exchange answers REJECTED', () => {
  /** The harness (an order manager) over a venue whose createOrder answers with status rejected, after `delayMs`; `hideStream`: the stream does not show the order. */
  async function rejectedAnswer(hideStream: boolean, delayMs: number) {
    const { exchange, dir } = await setUp();
    const runDir = join(dir, 'run');
    const incidents: Incident[] = [];
    let refusedId = '';
    const { h, runId } = await harnessOver(exchange, runDir, incidents, {
      onExchange: (ex) => {
        const create = ex.createOrder.bind(ex);
        const watch = ex.watchOrders.bind(ex);
        ex.createOrder = async (...args) => {
          const o = await create(...args);
          await new Promise((r) => setTimeout(r, delayMs));
          return { ...o, status: 'rejected' };
        };
        ex.watchOrders = async () => (await watch()).filter((o) => !hideStream || o.clientOrderId !== refusedId);
      },
    });
    refusedId = `${runId}-1`;
    const resting = h.submit({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', price: 1000, quantity: 0.01 }, Date.now() * 1000);
    expect(resting.clientOrderId).toBe(refusedId);
    await pumpUntil(h, () => !isLive(h.order(resting.id).status));
    expect(h.violations()).toEqual([]);
    return { h, id: resting.id, incidents };
  }

  it('first seen so (no acknowledgement before it): the kernel gets rejected, never accepted', async () => {
    const { h, id, incidents } = await rejectedAnswer(true, 0);
    expect(h.kinds(id)).toEqual(['submitted', 'rejected venue_rejected']);
    expect(incidents).toEqual([]);
  });

  it('after the stream acknowledged it: the kernel ends it expired (an accepted order is never rejected), with an incident', async () => {
    const { h, id, incidents } = await rejectedAnswer(false, 300);
    expect(h.kinds(id)).toEqual(['submitted', 'accepted', 'expired']);
    expect(incidents.map((i) => [i.kind, i.detail])).toEqual([['order_refused', `order ${h.order(id).clientOrderId} rejected by the exchange after it was accepted: the run ends it as expired`]]);
  });
});

describe('the ccxt venue: a trade ahead of its order', () => {
  it("the stream's trade comes before any acknowledgement (the answer slow, the order's reports dropped): the kernel gets accepted, then the fill", async () => {
    const { exchange, dir } = await setUp();
    const runDir = join(dir, 'run');
    const incidents: Incident[] = [];
    let hidden = '';
    let answered = false;
    let trades = 0;
    const { venue, h, runId } = await harnessOver(exchange, runDir, incidents, {
      pollIntervalMs: 60_000,
      onExchange: (ex) => {
        const create = ex.createOrder.bind(ex);
        const watch = ex.watchOrders.bind(ex);
        ex.createOrder = async (...args) => {
          const o = await create(...args);
          // The order is at the exchange and fills there; its answer comes once the trade has been seen.
          exchange.start();
          await until(() => trades > 0);
          await new Promise((r) => setTimeout(r, 100));
          answered = true;
          return o;
        };
        ex.watchOrders = async () => (await watch()).filter((o) => o.clientOrderId !== hidden);
        const watchTrades = ex.watchMyTrades.bind(ex);
        ex.watchMyTrades = async () => {
          const got = await watchTrades();
          trades += got.length;
          return got;
        };
      },
    });
    hidden = `${runId}-1`;
    const buy = h.submit({ symbol: 'BTC/USDT', side: 'buy', quantity: 0.01 }, Date.now() * 1000);
    await pumpUntil(h, () => answered && !isLive(h.order(buy.id).status));
    expect(h.violations()).toEqual([]);
    expect(h.kinds(buy.id)).toEqual(['submitted', 'accepted', 'filled']);
    expect(h.order(buy.id).venueOrderId).toMatch(/^\d+$/);
    expect(incidents).toEqual([]);
    await venue.close();
    const journalled = replayJournal(journalOnDisk(runDir).records).orders.get(buy.clientOrderId);
    expect(journalled).toMatchObject({ venueOrderId: h.order(buy.id).venueOrderId, filledQuantity: 0.01 });
  });
});

describe('the ccxt venue closed right after it opened', () => {
  it('closes while its user data stream is still connecting: no unhandled rejection (it ended the process), no hang', async () => {
    const { exchange, dir } = await setUp();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let i = 0; i < 4; i++) {
        const venue = createCcxtVenue(localVenueOptions(exchange, ACCOUNT, join(dir, `run${i}`), []));
        venue.connect(recorder().reports);
        await venue.open([BTC]);
        await venue.close();
      }
      // A rejection nothing handles is reported after the turn it happened in.
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled.map(String)).toEqual([]);
  });
});

describe('the ccxt venue when the exchange goes away mid-run', () => {
  it('reports the user data stream down and keeps polling: no unhandled rejection (it ended the process)', async () => {
    const { exchange, dir } = await setUp();
    const incidents: Incident[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { venue } = await harnessOver(exchange, join(dir, 'run'), incidents);
      await exchange.close();
      // The stream's retries (one a second) each fail to connect; give them several rounds.
      const end = Date.now() + 4500;
      while (Date.now() < end) {
        venue.poll();
        await new Promise((r) => setTimeout(r, 50));
      }
      await venue.close();
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled.map(String)).toEqual([]);
    const down = incidents.filter((i) => i.kind === 'disconnected').map((i) => i.channel);
    expect(down).toContain('orders');
    expect(down).toContain('myTrades');
  }, 20_000);
});

describe('the ccxt venue under the order manager', () => {
  it('gives the order manager reports it takes without a broken rule, with partial fills, dropped reports and a refusal', async () => {
    const { exchange, dir } = await setUp({ partialFills: true, dropReportsEvery: 3 });
    const venue = createCcxtVenue(localVenueOptions(exchange, ACCOUNT, join(dir, 'run'), []));
    cleanup.push(() => venue.close());
    // The order manager connects the venue itself: open after that, as the kernel does.
    const harnessFor = (runId: string): VenueHarness => new VenueHarness({ client: venue, data: NO_MARKET_DATA }, { symbols: ['BTC/USDT'], runId });
    const runId = sessionRunId(join(dir, 'run'), 1);
    const h = harnessFor(runId);
    const start = await venue.open([BTC]);
    expect(start.runId).toBe(runId);
    const now = Date.now() * 1000;
    // Quantities whose two halves add up exactly in floating point: the harness's check sums fills with +.
    const buy = h.submit({ symbol: 'BTC/USDT', side: 'buy', quantity: 0.03 }, now);
    const sell = h.submit({ symbol: 'BTC/USDT', side: 'sell', quantity: 0.02 }, now);
    const resting = h.submit({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', price: 1000, quantity: 0.01 }, now);
    const refused = h.submit({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', price: 40000, quantity: 100 }, now);
    await pumpUntil(h, () => [buy, sell, resting, refused].every((o) => h.order(o.id).status !== 'submitted'));
    exchange.start();
    h.cancel(resting.id, now);
    await pumpUntil(h, () => [buy, sell, resting, refused].every((o) => !isLive(h.order(o.id).status)));
    expect(h.violations()).toEqual([]);
    expect([buy, sell, resting, refused].map((o) => h.order(o.id).status)).toEqual(['filled', 'filled', 'cancelled', 'rejected']);
    expect(h.kinds(refused.id)).toEqual(['submitted', 'rejected venue_rejected']);
    expect(h.fillsOf(buy.id)).toHaveLength(2);
  });
});

describe('the ccxt venue: instruments', () => {
  it('refuses instruments without one common quote currency before it opens anything', async () => {
    const dir = tempDir('qf-venue-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const venue = createCcxtVenue({ ...localVenueOptions({ url: 'http://127.0.0.1:9' } as LocalExchange, ACCOUNT, join(dir, 'run'), []) });
    const error = await venue.open([BTC, makeInstrument('ETH/BTC')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe("field 'instruments' value 'BTC/USDT,ETH/BTC': the instruments of a live run must share one quote currency");
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });
});

/**
 * A session that dies between a resting limit buy's submit record and its
 * request: the journal it leaves (in `runB`) has the submit, the exchange
 * not the order, so the next session's start sends it again.
 */
async function diedBeforeSending(): Promise<{ exchange: LocalExchange; runB: string; resting: Order }> {
  const { exchange, dir } = await setUp();
  const runA = join(dir, 'a');
  const runB = join(dir, 'b');
  let dieBeforeSend = '';
  const a = await openVenue(exchange, runA, [], {
    onExchange: (ex) => {
      const create = ex.createOrder.bind(ex);
      ex.createOrder = (...args) => (args[5]?.newClientOrderId === dieBeforeSend ? Promise.reject(new Error('the process died before sending')) : create(...args));
    },
  });
  await until(() => exchange.status().userSubscriptions === 1);
  const resting = order(a.start.runId, { side: 'buy', type: 'limit', price: 1000, quantity: 0.01 });
  dieBeforeSend = resting.clientOrderId;
  a.venue.submit(resting, Date.now() * 1000);
  // The process dies here: its journal has the submit (fsynced before the request).
  mkdirRun(runB);
  writeFileSync(join(runB, JOURNAL_FILE), readFileSync(join(runA, JOURNAL_FILE)));
  await a.venue.close();
  return { exchange, runB, resting };
}

describe('the ccxt venue: an order sent again at the start whose answer is lost', () => {
  it('is looked for before the start ends: found, the kernel is given it as a working order, and nothing of it is held back for later', async () => {
    const { exchange, runB, resting } = await diedBeforeSending();

    let resent = false;
    let misses = 0;
    const incidents: Incident[] = [];
    const b = await openVenue(exchange, runB, incidents, {
      lostOrderMicros: 20_000_000,
      onExchange: (ex) => {
        const create = ex.createOrder.bind(ex);
        const fetch = ex.fetchOrder.bind(ex);
        // Sent again, it reaches the exchange and its answer is lost; the first lookup after that does not find it yet.
        ex.createOrder = async (...args) => {
          await create(...args);
          resent = true;
          throw new ccxt.NetworkError('connection reset');
        };
        ex.fetchOrder = async (id, symbol, params) => {
          if (params?.origClientOrderId === resting.clientOrderId && resent && misses++ === 0) throw new ccxt.OrderNotFound('Order does not exist.');
          return fetch(id, symbol, params);
        };
      },
    });
    expect(misses).toBeGreaterThanOrEqual(2);
    expect(b.start.incidents.map((i) => i.detail.split(':')[0])).toContain('resubmit');
    expect(b.start.workingOrders).toEqual([
      { clientOrderId: resting.clientOrderId, venueOrderId: expect.stringMatching(/^\d+$/), request: expect.objectContaining({ type: 'limit', price: 1000, quantity: 0.01 }), filledQuantity: 0 },
    ]);
    expect(incidents.map((i) => i.kind)).toEqual(['report_recovered']);
    b.venue.adopt(resting.clientOrderId, 9);
    b.venue.cancel(9, Date.now() * 1000);
    await pumpUntil(b.venue, () => b.seen.length > 0);
    let polls = 0;
    await pumpUntil(b.venue, () => ++polls >= 20);
    expect(b.seen).toEqual([{ kind: 'cancelled', id: 9, reason: 'user' }]);
  });
});

describe('the ccxt venue: an order sent again at the start and found only after it', () => {
  it("is not the kernel's: its reports come as incidents, none reaches the kernel or stays held; the next start takes it over", async () => {
    const { exchange, runB, resting } = await diedBeforeSending();

    // Sent again, it reaches the exchange and its answer is lost; looking it up fails on the network until 1 s after the start's wait.
    let resentAt = Infinity;
    const incidents: Incident[] = [];
    const b = await openVenue(exchange, runB, incidents, {
      lostOrderMicros: 1000,
      onExchange: (ex) => {
        const create = ex.createOrder.bind(ex);
        const fetch = ex.fetchOrder.bind(ex);
        ex.createOrder = async (...args) => {
          await create(...args);
          resentAt = Date.now();
          throw new ccxt.NetworkError('connection reset');
        };
        ex.fetchOrder = async (id, symbol, params) => {
          if (params?.origClientOrderId === resting.clientOrderId && resentAt < Infinity && Date.now() < resentAt + 6_000) throw new ccxt.NetworkError('connection reset');
          return fetch(id, symbol, params);
        };
      },
    });
    expect(b.start.workingOrders).toEqual([]);
    await pumpUntil(b.venue, () => incidents.some((i) => i.kind === 'reconciled'), 15_000);
    let polls = 0;
    await pumpUntil(b.venue, () => ++polls >= 20);
    expect(b.seen).toEqual([]);
    expect(b.venue.retained()).toMatchObject({ working: 1, reports: 0 });
    const found = incidents.find((i) => i.kind === 'reconciled')?.detail;
    expect(found).toMatch(new RegExp(`^order ${resting.clientOrderId}, sent again at the start and not found before it ended, is not the run's: it works at the exchange as \\d+ \\(the next start takes it over: the journal has it\\)$`));
    await b.venue.close();

    const c = await openVenue(exchange, runB, []);
    expect(c.start.workingOrders.map((w) => w.clientOrderId)).toEqual([resting.clientOrderId]);
  }, 30_000);
});

describe('the ccxt venue: a crash between journalling a submit and sending it, in a replay of old data', () => {
  it("the intent carries the wall clock, not the kernel's (market data) time: the next start sends it again", async () => {
    const { exchange, dir } = await setUp();
    const run = join(dir, 'run');
    const a = await openVenue(exchange, run, [], {
      onExchange: (ex) => {
        ex.createOrder = () => Promise.reject(new Error('the process died before sending'));
      },
    });
    const resting = order(a.start.runId, { side: 'buy', quantity: 0.01, type: 'limit', price: 1000 });
    a.venue.submit(resting, 1_640_992_200_000_000); // the kernel's time: 2022-01-01, the replayed data's
    await a.venue.close();
    // The process died right after the intent reached the disk: the journal ends with it.
    const disk = journalOnDisk(run);
    const at = disk.records.findIndex((r) => r.kind === 'submit' && r.clientOrderId === resting.clientOrderId);
    expect(at).toBeGreaterThanOrEqual(0);
    writeFileSync(join(run, JOURNAL_FILE), disk.bytes.subarray(0, disk.ends[at]));
    const b = await openVenue(exchange, run, []);
    const actions = b.start.incidents.map((i) => i.detail.split(':')[0]);
    expect(actions).toContain('resubmit');
    expect(actions).not.toContain('dropIntent');
    expect(b.start.workingOrders.map((w) => w.clientOrderId)).toEqual([resting.clientOrderId]);
  }, 30_000);
});

describe('the ccxt venue after a crash', () => {
  /**
   * Session A runs a scripted sequence and dies after a random step: its
   * journal is taken as it is on disk at that moment, cut at a random
   * record after the last durable one (reports not yet fsynced may be lost
   * with the machine), and, at random, the step's submit dies between its
   * journal record and the request. Session B opens on that journal.
   */
  let lostReports = 0;
  afterAll(() => {
    // The cuts must have thrown away reports somewhere, or the test proves nothing about recovering them.
    expect(lostReports).toBeGreaterThan(0);
  });

  async function crashAndRestart(seed: number): Promise<void> {
    const rng = new Xoshiro128(seed);
    const pick = (n: number): number => Math.floor(rng.nextFloat() * n);
    const { exchange, dir } = await setUp({ partialFills: seed % 2 === 0, speed: 2400 });
    const runA = join(dir, 'a');
    const runB = join(dir, 'b');
    let dieBeforeSend: string | undefined;
    const a = await openVenue(exchange, runA, [], {
      onExchange: (ex) => {
        const create = ex.createOrder.bind(ex);
        ex.createOrder = (symbol, type, side, amount, price, params) => {
          if (params?.newClientOrderId === dieBeforeSend) return Promise.reject(new Error('the process died before sending'));
          return create(symbol, type, side, amount, price, params);
        };
      },
    });
    const steps = 3 + pick(6);
    exchange.start(); // 30 one-minute bars in about 0.75 s: orders fill while the sequence runs
    const resting: Order[] = [];
    const submitted: string[] = [];
    let crashCopy: Buffer | undefined;
    for (let step = 0; step < steps && crashCopy === undefined; step++) {
      const crashNow = step === steps - 1;
      const roll = pick(4);
      if (crashNow && roll >= 1) {
        // Dies some time after its last request: the reports since are on disk, not all of them durable.
        let polls = 5 + pick(25);
        await pumpUntil(a.venue, () => polls-- <= 0);
      } else if (roll === 3 && resting.length > 0) a.venue.cancel((resting.shift() as Order).id, Date.now() * 1000);
      else {
        const o = roll === 2 ? order(a.start.runId, { side: 'buy', type: 'limit', price: 1000 + step, quantity: 0.01 }) : order(a.start.runId, { side: roll === 0 ? 'buy' : 'sell', quantity: 0.01 * (1 + pick(3)) });
        if (o.type === 'limit') resting.push(o);
        // Dies between the submit's journal record and its request.
        if (crashNow) dieBeforeSend = o.clientOrderId;
        submitted.push(o.clientOrderId);
        a.venue.submit(o, Date.now() * 1000);
      }
      if (crashNow) {
        const { ends, records, bytes } = journalOnDisk(runA);
        let durable = JOURNAL_MAGIC.length;
        records.forEach((r, i) => {
          if (r.kind === 'submit' || r.kind === 'cancel' || r.kind === 'modify' || r.kind === 'balances' || r.kind === 'session' || r.kind === 'adopted') durable = ends[i] as number;
        });
        const cuts = [durable, ...ends.filter((e) => e > durable)];
        crashCopy = bytes.subarray(0, cuts[pick(cuts.length)] as number);
        lostReports += ends.filter((e) => e > crashCopy!.length).length;
      } else {
        let polls = pick(15);
        await pumpUntil(a.venue, () => polls-- <= 0);
      }
    }
    // What A had sent still reaches the exchange, which trades on while the run is down.
    await a.venue.close();
    await until(() => exchange.status().done);
    mkdirSync(runB);
    writeFileSync(join(runB, JOURNAL_FILE), crashCopy as Buffer);

    const incidents: Incident[] = [];
    const b = await openVenue(exchange, runB, incidents, { unknownOrders: 'stop' });
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const where = `seed ${seed}`;
    expect(b.start.stop, where).toBe(false);
    expect(b.start.runId, where).toMatch(/s2$/);
    const balance = (await glass.fetchBalance()) as unknown as { total: Record<string, number> };
    const totals = Object.fromEntries(Object.entries(balance.total).filter(([, v]) => v !== 0));
    expect(b.start.balances, where).toEqual(totals);
    expect(b.start.cash, where).toBe(totals.USDT);
    expect(b.start.positions[0]?.quantity, where).toBe(totals.BTC);
    // No order twice; every order the run journalled is on the exchange once, the one that died before its request included.
    const all = await glass.fetchOrders('BTC/USDT');
    const ids = all.map((o) => o.clientOrderId);
    expect(new Set(ids).size, where).toBe(ids.length);
    expect([...ids].sort(), where).toEqual([...submitted].sort());
    // The working orders are the exchange's open ones.
    const open = await glass.fetchOpenOrders('BTC/USDT');
    expect(b.start.workingOrders.map((w) => w.clientOrderId).sort(), where).toEqual(open.map((o) => o.clientOrderId).sort());
    // Every fill of the account is in B's journal, once.
    const trades = await glass.fetchMyTrades('BTC/USDT');
    for (const w of b.start.workingOrders) b.venue.adopt(w.clientOrderId, 1000 + b.start.workingOrders.indexOf(w));
    await until(async () => {
      b.venue.poll();
      const fills = replayJournal(journalOnDisk(runB).records).fills;
      return trades.every((t) => fills.has(String(t.id)));
    });
    await b.venue.close();
    const state = replayJournal(journalOnDisk(runB).records);
    expect([...state.fills.keys()].sort(), where).toEqual(trades.map((t) => String(t.id)).sort());
    for (const o of await glass.fetchOrders('BTC/USDT')) expect(state.orders.get(o.clientOrderId as string)?.filledQuantity, `${where} ${o.clientOrderId}`).toBe(o.filled);
    const journalCredentials = readFileSync(join(runB, JOURNAL_FILE)).toString('latin1') + JSON.stringify([...incidents, ...b.start.incidents]);
    expect(journalCredentials).not.toContain(SECRET);
    expect(journalCredentials).not.toContain(KEY);
  }

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) it(`restarts from a journal cut at a random point (seed ${seed}): balances, positions and orders equal the exchange's, no order twice, no fill lost`, () => crashAndRestart(seed));
});

describe('the ccxt venue: modify (editOrder, a cancel-replace at Binance spot)', () => {
  it('modifies a resting limit (price and quantity) as one kernel order; the replacement fills to it; the intent is journalled before editOrder', async () => {
    const { exchange, dir } = await setUp();
    const runDir = join(dir, 'run');
    const incidents: Incident[] = [];
    const edits: string[] = [];
    const { venue, start, seen } = await openVenue(exchange, (mkdirRun(runDir), runDir), incidents, {
      onExchange: (ex) => {
        const edit = ex.editOrder.bind(ex);
        ex.editOrder = (id, symbol, type, side, amount, price, params) => {
          const journalled = journalOnDisk(runDir).records.some((r) => r.kind === 'modify' && r.replacement?.clientOrderId === params?.newClientOrderId);
          if (!journalled) throw new Error('editOrder before its modify was journalled');
          edits.push(`${String(params?.newClientOrderId)} ${amount} ${price}`);
          return edit(id, symbol, type, side, amount, price, params);
        };
      },
    });
    const resting = order(start.runId, { side: 'buy', type: 'limit', price: 1000, quantity: 0.01 });
    venue.submit(resting, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    const first = seen.find((r) => r.kind === 'accepted');
    venue.modify(resting.id, { price: 60000, quantity: 0.03 }, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'modified'));
    expect(edits).toEqual([`${resting.clientOrderId}m1 0.03 60000`]);
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    const working = await glass.fetchOpenOrders('BTC/USDT');
    expect(working.map((o) => [o.clientOrderId, o.price, o.amount])).toEqual([[`${resting.clientOrderId}m1`, 60000, 0.03]]);
    expect(working[0]?.id).not.toBe(first?.kind === 'accepted' ? first.venueOrderId : '');
    exchange.start();
    await pumpUntil(venue, () => filledOf(seen, resting.id) === 0.03);
    expect(seen.map((r) => r.kind)).toEqual(['accepted', 'modified', 'filled']);
    expect(seen[1]).toEqual({ kind: 'modified', id: resting.id, changes: { price: 60000, quantity: 0.03 } });
    expect(incidents).toEqual([]);
    await venue.close();
    const order1 = replayJournal(journalOnDisk(runDir).records).orders.get(resting.clientOrderId);
    expect(order1).toMatchObject({ exchangeClientOrderId: `${resting.clientOrderId}m1`, filledQuantity: 0.03, pendingModify: undefined });
    expect(order1?.request).toMatchObject({ price: 60000, quantity: 0.03 });
  });

  it("a modify the exchange refuses gives modifyRejected and the exchange's reason; STOP_ON_FAILURE had cancelled the order, so it ends cancelled", async () => {
    const { exchange, dir } = await setUp();
    const incidents: Incident[] = [];
    const { venue, start, seen } = await openVenue(exchange, join(dir, 'run'), incidents);
    const resting = order(start.runId, { side: 'buy', type: 'limit', price: 1000, quantity: 0.01 });
    venue.submit(resting, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    // 0.01 at 20,000,000 costs more than the account holds.
    venue.modify(resting.id, { price: 20_000_000 }, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'cancelled'));
    expect(seen.map((r) => r.kind)).toEqual(['accepted', 'modifyRejected', 'cancelled']);
    expect(seen[1]).toEqual({ kind: 'modifyRejected', id: resting.id, reason: 'not_modifiable' });
    expect(incidents.map((i) => i.detail)).toEqual([expect.stringMatching(/modify of .* refused: Order cancel-replace partially failed\. Account has insufficient balance/)]);
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    expect(await glass.fetchOpenOrders('BTC/USDT')).toEqual([]);
  });

  it('a modify of an order already done at the exchange is refused as not live (the cancel failed: nothing placed)', async () => {
    const { exchange, dir } = await setUp();
    const { venue, start, seen } = await openVenue(exchange, join(dir, 'run'), []);
    const resting = order(start.runId, { side: 'buy', type: 'limit', price: 1000, quantity: 0.01 });
    venue.submit(resting, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    const glass = await localBinanceClient(exchange, ACCOUNT);
    cleanup.push(() => glass.close());
    await glass.cancelOrder('', 'BTC/USDT', { origClientOrderId: resting.clientOrderId }); // by hand, behind the run's back
    venue.modify(resting.id, { price: 1001 }, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'modifyRejected') && seen.some((r) => r.kind === 'cancelled'));
    expect(seen.find((r) => r.kind === 'modifyRejected')).toEqual({ kind: 'modifyRejected', id: resting.id, reason: 'not_live' });
    expect(await glass.fetchOpenOrders('BTC/USDT')).toEqual([]);
  });

  for (const reached of [true, false]) {
    it(`a crash between the modify's intent and its answer (${reached ? 'the exchange replaced the order' : 'the edit never reached the exchange'}): the next session works exactly one order, the one the kernel is given`, async () => {
      const { exchange, dir } = await setUp();
      const runDir = join(dir, 'run');
      const crashed = join(dir, 'crashed');
      const { venue, start, seen } = await openVenue(exchange, (mkdirRun(runDir), runDir), [], {
        // A replacement not found 2 s after the failure counts as never made (the default waits 30 s).
        lostOrderMicros: 2_000_000,
        onExchange: (ex) => {
          const edit = ex.editOrder.bind(ex);
          ex.editOrder = async (id, symbol, type, side, amount, price, params) => {
            // The process dies here: the journal as it is on disk, the modify intent in it and no answer.
            mkdirRun(crashed);
            writeFileSync(join(crashed, JOURNAL_FILE), readFileSync(join(runDir, JOURNAL_FILE)));
            if (!reached) throw new ccxt.NetworkError('connection reset');
            return edit(id, symbol, type, side, amount, price, params);
          };
        },
      });
      const resting = order(start.runId, { side: 'buy', type: 'limit', price: 1000, quantity: 0.02 });
      venue.submit(resting, Date.now() * 1000);
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
      venue.modify(resting.id, { price: 1001, quantity: 0.03 }, Date.now() * 1000);
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'modified' || r.kind === 'modifyRejected'));
      await venue.close();
      expect(journalOnDisk(crashed).records.at(-1)).toMatchObject({ kind: 'modify', replacement: { clientOrderId: `${resting.clientOrderId}m1`, quantity: 0.03 } });

      const next = await openVenue(exchange, crashed, []);
      expect(next.start.stop).toBe(false);
      const glass = await localBinanceClient(exchange, ACCOUNT);
      cleanup.push(() => glass.close());
      const working = await glass.fetchOpenOrders('BTC/USDT');
      expect(working).toHaveLength(1);
      const w = working[0] as (typeof working)[number];
      expect(next.start.workingOrders).toEqual([
        { clientOrderId: resting.clientOrderId, venueOrderId: w.id, request: expect.objectContaining({ price: w.price, quantity: w.amount }), filledQuantity: 0 },
      ]);
      expect([w.clientOrderId, w.price, w.amount]).toEqual(reached ? [`${resting.clientOrderId}m1`, 1001, 0.03] : [resting.clientOrderId, 1000, 0.02]);
      expect(next.start.incidents.map((i) => i.detail)).toContainEqual(expect.stringMatching(reached ? /^applyModified: the exchange has the replacement/ : /^dropIntent: the exchange never replaced the order/));
      // The adopted order fills as one order.
      next.venue.adopt(resting.clientOrderId, 77);
      next.venue.modify(77, { price: 60000 }, Date.now() * 1000);
      await pumpUntil(next.venue, () => next.seen.length > 0);
      exchange.start();
      await pumpUntil(next.venue, () => filledOf(next.seen, 77) === w.amount);
      expect(next.seen.map((r) => r.kind)).toEqual(['modified', 'filled']);
      expect(await glass.fetchOpenOrders('BTC/USDT')).toEqual([]);
    });
  }
});
