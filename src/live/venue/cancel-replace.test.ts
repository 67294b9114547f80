import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccxtLib } from '../ccxt/ccxt-lib.js';
import { afterEach, describe, expect, it } from 'vitest';
import { addExact } from '../../core/decimal.js';
import type { Micros } from '../../core/time.js';
import type { ExecutionReports, OrderChanges } from '../../model/execution.js';
import { makeInstrument } from '../../model/instrument.js';
import { draftOrder, isLive, type AmendRejectReason, type CancelReason, type Order } from '../../model/order.js';
import { JOURNAL_FILE, readJournal, replayJournal, type JournalRecord } from '../journal/index.js';
import type { LocalExchange, LocalExchangeOptions } from '../local-exchange/server.js';
import type { Incident } from '../source.js';
import { NO_MARKET_DATA, VenueHarness } from '../../../test/helpers/venue-harness.js';
import { localBinanceClient, localVenueOptions, pumpUntil, sampleBarsFile, startTestExchange, type BinanceClient } from '../../../test/helpers/local-binance.js';
import { createCcxtVenue, type CcxtExchange, type CcxtVenue, type CcxtVenueOptions } from './ccxt-venue.js';
import { sessionRunId } from './mapping.js';

// A modify on an exchange without editOrder (cancel, then the replacement), and a modify of a partly
// filled order in both ways, through ccxt against a local exchange on 127.0.0.1: nothing here touches the internet.
// The venue checks ccxt's error classes from ccxtLib(): errors made here must be of that copy.
const ccxt = ccxtLib();
const KEY = 'cr-venue-key-4Hq';
const SECRET = 'cr-venue-secret-9Vd2';
const ACCOUNT = { key: KEY, secret: SECRET };

type Reported =
  | { kind: 'accepted'; id: number }
  | { kind: 'filled'; id: number; quantity: number; price: number }
  | { kind: 'cancelled'; id: number; reason: CancelReason }
  | { kind: 'cancelRejected' | 'modifyRejected'; id: number; reason: AmendRejectReason }
  | { kind: 'modified'; id: number; changes: OrderChanges }
  | { kind: 'other'; id: number };

function recorder(): { reports: ExecutionReports; seen: Reported[] } {
  const seen: Reported[] = [];
  const other = (id: number): void => void seen.push({ kind: 'other', id });
  const reports: ExecutionReports = {
    accepted: (id) => void seen.push({ kind: 'accepted', id }),
    rejected: other,
    filled: (id, _t, quantity, price) => void seen.push({ kind: 'filled', id, quantity, price }),
    triggered: other,
    triggerMoved: other,
    expired: other,
    cancelled: (id, _t, reason) => void seen.push({ kind: 'cancelled', id, reason }),
    cancelRejected: (id, _t, reason) => void seen.push({ kind: 'cancelRejected', id, reason }),
    modified: (id: number, _t: Micros, changes: OrderChanges) => void seen.push({ kind: 'modified', id, changes }),
    modifyRejected: (id, _t, reason) => void seen.push({ kind: 'modifyRejected', id, reason }),
  };
  return { reports, seen };
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/**
 * BTC/USDT quotes whose ask sizes fill a resting buy in parts: at 100 only
 * 0.01 is offered (a buy of 0.03 at 100 fills 0.01), then the ask moves to
 * 101, 0.01 at a time.
 */
function quotesFile(dir: string): string {
  const file = join(dir, 'quotes.csv');
  const rows = ['timestamp,bid,ask,bid_size,ask_size', '1641000000000000,99,100,1,0.01', '1641000001000000,100,101,1,0.01'];
  for (let i = 2; i < 8; i++) rows.push(`${1641000000000000 + i * 1_000_000},100,101,1,0.01`);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

async function setUp(data: 'bars' | 'quotes', options: Partial<LocalExchangeOptions> = {}): Promise<{ exchange: LocalExchange; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'qf-venue-cr-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const exchange = await startTestExchange(data === 'bars' ? sampleBarsFile(dir) : quotesFile(dir), ACCOUNT, options);
  cleanup.push(() => exchange.close());
  return { exchange, dir };
}

/** The ccxt exchange as one without editOrder (ccxt's `has` stated by the exchange class). */
const withoutEditOrder = (ex: CcxtExchange): void => {
  ex.has = { ...ex.has, editOrder: false };
};

async function openVenue(exchange: LocalExchange, runDir: string, extra: Partial<CcxtVenueOptions> = {}) {
  const incidents: Incident[] = [];
  const venue = createCcxtVenue(localVenueOptions(exchange, ACCOUNT, runDir, incidents, extra));
  cleanup.push(() => venue.close());
  const rec = recorder();
  venue.connect(rec.reports);
  const start = await venue.open([makeInstrument('BTC/USDT')]);
  return { venue, start, seen: rec.seen, incidents };
}

async function glassOf(exchange: LocalExchange): Promise<BinanceClient> {
  const c = await localBinanceClient(exchange, ACCOUNT);
  cleanup.push(() => c.close());
  return c;
}


const journalOf = (runDir: string): JournalRecord[] => readJournal(join(runDir, JOURNAL_FILE));
const filledOf = (seen: readonly Reported[], id: number): number => seen.reduce((n, r) => (r.kind === 'filled' && r.id === id ? addExact(n, r.quantity) : n), 0);
const kindsOf = (seen: readonly Reported[]): string[] => seen.map((r) => r.kind);

let nextId = 0;
function limitBuy(runId: string, price: number, quantity: number): Order {
  const id = ++nextId;
  return draftOrder({ symbol: 'BTC/USDT', id, clientOrderId: `${runId}-${id}`, side: 'buy', type: 'limit', price, quantity });
}

/** Records the order in which the venue journals and calls the exchange (the journal as it is on disk at each call). */
function watchCalls(ex: CcxtExchange, runDir: string, calls: string[]): void {
  const onDisk = (): string => journalOf(runDir).map((r) => r.kind).join(' ');
  const create = ex.createOrder.bind(ex);
  ex.createOrder = (symbol, type, side, amount, price, params) => {
    calls.push(`createOrder ${String(params?.newClientOrderId)} ${amount} | ${onDisk()}`);
    return create(symbol, type, side, amount, price, params);
  };
  const cancel = ex.cancelOrder.bind(ex);
  ex.cancelOrder = (id, symbol, params) => {
    calls.push(`cancelOrder | ${onDisk()}`);
    return cancel(id, symbol, params);
  };
  const edit = ex.editOrder.bind(ex);
  ex.editOrder = (...args) => {
    calls.push('editOrder');
    return edit(...args);
  };
}

describe('the ccxt venue: modify by hand on an exchange without editOrder (cancel, then the replacement)', () => {
  it('cancels, and once the exchange confirms it places the replacement (each intent journalled first); one kernel order, filled by the replacement; the cancel-replace endpoint never called', async () => {
    const { exchange, dir } = await setUp('bars', { cancelReplace: false });
    const runDir = join(dir, 'run');
    mkdirSync(runDir);
    const calls: string[] = [];
    const { venue, start, seen, incidents } = await openVenue(exchange, runDir, {
      onExchange: (ex) => {
        withoutEditOrder(ex);
        watchCalls(ex, runDir, calls);
      },
    });
    const resting = limitBuy(start.runId, 1000, 0.01);
    venue.submit(resting, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    venue.modify(resting.id, { price: 60000, quantity: 0.03 }, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'modified' || r.kind === 'modifyRejected'));
    const id = resting.clientOrderId;
    expect(calls).toEqual([
      `createOrder ${id} 0.01 | session balances submit`,
      'cancelOrder | session balances submit accepted modify',
      `createOrder ${id}m1 0.03 | session balances submit accepted modify replace`,
    ]);
    const glass = await glassOf(exchange);
    expect((await glass.fetchOpenOrders('BTC/USDT')).map((o) => [o.clientOrderId, o.price, o.amount])).toEqual([[`${id}m1`, 60000, 0.03]]);
    exchange.start();
    await pumpUntil(venue, () => filledOf(seen, resting.id) === 0.03);
    expect(seen).toEqual([
      { kind: 'accepted', id: resting.id },
      { kind: 'modified', id: resting.id, changes: { price: 60000, quantity: 0.03 } },
      { kind: 'filled', id: resting.id, quantity: 0.03, price: expect.any(Number) },
    ]);
    expect(incidents).toEqual([]);
    expect(exchange.status().cancelReplaceRequests).toBe(0);
    expect(await glass.fetchOpenOrders('BTC/USDT')).toEqual([]);
    await venue.close();
    const order = replayJournal(journalOf(runDir)).orders.get(id);
    expect(order).toMatchObject({ exchangeClientOrderId: `${id}m1`, filledQuantity: 0.03, pendingModify: undefined, terminal: undefined });
    expect(order?.request).toMatchObject({ price: 60000, quantity: 0.03 });
  });

  it('a replacement whose request fails on the network but reaches the exchange late: it is looked for until it is there, and the kernel gets it as modified (not cancelled)', async () => {
    const { exchange, dir } = await setUp('bars', { cancelReplace: false });
    let sent: Promise<unknown> | undefined;
    const { venue, start, seen } = await openVenue(exchange, join(dir, 'run'), {
      onExchange: (ex) => {
        withoutEditOrder(ex);
        const create = ex.createOrder.bind(ex);
        ex.createOrder = async (symbol, type, side, amount, price, params) => {
          if (!String(params?.newClientOrderId).endsWith('m1')) return create(symbol, type, side, amount, price, params);
          // The connection fails at once; the request itself reaches the exchange 1.5 s later.
          sent = new Promise((r) => setTimeout(r, 1500)).then(() => create(symbol, type, side, amount, price, params));
          throw new ccxt.NetworkError('connection reset');
        };
      },
    });
    const resting = limitBuy(start.runId, 1000, 0.02);
    venue.submit(resting, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    venue.modify(resting.id, { price: 1001 }, Date.now() * 1000);
    await pumpUntil(venue, () => seen.length > 1);
    await sent;
    expect(seen).toEqual([
      { kind: 'accepted', id: resting.id },
      { kind: 'modified', id: resting.id, changes: { price: 1001 } },
    ]);
    const working = await (await glassOf(exchange)).fetchOpenOrders('BTC/USDT');
    expect(working.map((o) => [o.clientOrderId, o.price, o.amount])).toEqual([[`${resting.clientOrderId}m1`, 1001, 0.02]]);
  });

  it("a replacement the exchange refuses: modifyRejected with the exchange's reason, then the order ends cancelled (the original is gone); nothing works", async () => {
    const { exchange, dir } = await setUp('bars', { cancelReplace: false });
    const { venue, start, seen, incidents } = await openVenue(exchange, join(dir, 'run'), { modifyBy: 'cancel-replace' });
    const resting = limitBuy(start.runId, 1000, 0.01);
    venue.submit(resting, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    // 0.01 at 20,000,000 costs more than the account holds.
    venue.modify(resting.id, { price: 20_000_000 }, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'cancelled'));
    expect(seen).toEqual([
      { kind: 'accepted', id: resting.id },
      { kind: 'modifyRejected', id: resting.id, reason: 'not_modifiable' },
      { kind: 'cancelled', id: resting.id, reason: 'user' },
    ]);
    expect(incidents.map((i) => i.detail)).toEqual([expect.stringMatching(/^modify of .* refused: .*insufficient balance/i)]);
    expect(await (await glassOf(exchange)).fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect(exchange.status().cancelReplaceRequests).toBe(0);
  });

  it('the original filled completely before the cancel landed: the modify is refused (not live), the kernel gets the fill, no replacement is sent', async () => {
    const { exchange, dir } = await setUp('bars', { cancelReplace: false });
    const { venue, start, seen } = await openVenue(exchange, join(dir, 'run'), {
      onExchange: (ex) => {
        withoutEditOrder(ex);
        const cancel = ex.cancelOrder.bind(ex);
        ex.cancelOrder = (id, symbol, params) => {
          exchange.step(1); // the next bar fills the order while the cancel is on its way
          return cancel(id, symbol, params);
        };
      },
    });
    const marketable = limitBuy(start.runId, 60000, 0.02);
    venue.submit(marketable, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    venue.modify(marketable.id, { price: 59000 }, Date.now() * 1000);
    await pumpUntil(venue, () => filledOf(seen, marketable.id) === 0.02 && seen.some((r) => r.kind === 'modifyRejected'));
    expect(seen.filter((r) => r.kind === 'modifyRejected')).toEqual([{ kind: 'modifyRejected', id: marketable.id, reason: 'not_live' }]);
    expect(seen.some((r) => r.kind === 'modified' || r.kind === 'cancelled')).toBe(false);
    expect(exchange.status().ordersReceived).toBe(1);
    expect(await (await glassOf(exchange)).fetchOpenOrders('BTC/USDT')).toEqual([]);
  });

  it('a cancel of the order while its modify is under way: the cancel that goes through is that one, the modify is refused (cancel pending), no replacement is placed', async () => {
    const { exchange, dir } = await setUp('bars', { cancelReplace: false });
    const { venue, start, seen } = await openVenue(exchange, join(dir, 'run'), { modifyBy: 'cancel-replace' });
    const resting = limitBuy(start.runId, 1000, 0.01);
    venue.submit(resting, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
    venue.modify(resting.id, { price: 1001 }, Date.now() * 1000);
    venue.cancel(resting.id, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.kind === 'cancelled'));
    expect(seen).toEqual([
      { kind: 'accepted', id: resting.id },
      { kind: 'modifyRejected', id: resting.id, reason: 'cancel_pending' },
      { kind: 'cancelled', id: resting.id, reason: 'user' },
    ]);
    expect([exchange.status().ordersReceived, exchange.status().orders]).toEqual([1, 1]);
    expect(await (await glassOf(exchange)).fetchOpenOrders('BTC/USDT')).toEqual([]);
  });

  for (const crashAt of ['cancel', 'replacement'] as const) {
    it(`a crash after the ${crashAt === 'cancel' ? "cancel was sent (it lands; no answer journalled)" : 'cancel was confirmed, the replacement never received'}: the next session sends the replacement once and gives the kernel that order`, async () => {
      const { exchange, dir } = await setUp('bars', { cancelReplace: false });
      const runDir = join(dir, 'run');
      const crashed = join(dir, 'crashed');
      mkdirSync(runDir);
      let died = false;
      const dieHere = (): void => {
        // The process dies here: the journal as it is on disk.
        mkdirSync(crashed);
        writeFileSync(join(crashed, JOURNAL_FILE), readFileSync(join(runDir, JOURNAL_FILE)));
        died = true;
      };
      const { venue, start, seen } = await openVenue(exchange, runDir, {
        onExchange: (ex) => {
          withoutEditOrder(ex);
          const create = ex.createOrder.bind(ex);
          ex.createOrder = async (symbol, type, side, amount, price, params) => {
            if (crashAt === 'replacement' && String(params?.newClientOrderId).endsWith('m1')) {
              dieHere();
              throw new ccxt.NetworkError('connection reset');
            }
            return create(symbol, type, side, amount, price, params);
          };
          const cancel = ex.cancelOrder.bind(ex);
          ex.cancelOrder = async (id, symbol, params) => {
            if (crashAt === 'cancel' && !died) {
              dieHere();
              await cancel(id, symbol, params);
              throw new ccxt.NetworkError('connection reset');
            }
            return cancel(id, symbol, params);
          };
        },
      });
      const resting = limitBuy(start.runId, 1000, 0.02);
      venue.submit(resting, Date.now() * 1000);
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
      venue.modify(resting.id, { price: 1001, quantity: 0.03 }, Date.now() * 1000);
      await pumpUntil(venue, () => died);
      await venue.close();
      const last = journalOf(crashed).at(-1);
      expect(last).toMatchObject(crashAt === 'cancel' ? { kind: 'modify', modifyBy: 'cancel-replace' } : { kind: 'replace', replacement: { clientOrderId: `${resting.clientOrderId}m1`, quantity: 0.03 } });

      const glass = await glassOf(exchange);
      expect(await glass.fetchOpenOrders('BTC/USDT')).toEqual([]); // between the two: nothing works
      const next = await openVenue(exchange, crashed, { onExchange: withoutEditOrder });
      const working = await glass.fetchOpenOrders('BTC/USDT');
      expect(working.map((o) => [o.clientOrderId, o.price, o.amount])).toEqual([[`${resting.clientOrderId}m1`, 1001, 0.03]]);
      expect(next.start.workingOrders).toEqual([
        { clientOrderId: resting.clientOrderId, venueOrderId: working[0]?.id, request: expect.objectContaining({ price: 1001, quantity: 0.03 }), filledQuantity: 0 },
      ]);
      expect(next.start.incidents.map((i) => i.detail)).toContainEqual(expect.stringMatching(/^sendReplacement: the order's cancel went through/));
      // A second restart finds it and sends nothing.
      await next.venue.close();
      const received = exchange.status().ordersReceived;
      const third = await openVenue(exchange, crashed, { onExchange: withoutEditOrder });
      expect(exchange.status().ordersReceived).toBe(received);
      expect(third.start.workingOrders.map((w) => w.venueOrderId)).toEqual([working[0]?.id]);
      // The kernel's order goes on: changed again (its second replacement), it fills as one order.
      third.venue.adopt(resting.clientOrderId, 77);
      third.venue.modify(77, { price: 60000 }, Date.now() * 1000);
      await pumpUntil(third.venue, () => third.seen.length > 0);
      expect((await glass.fetchOpenOrders('BTC/USDT')).map((o) => [o.clientOrderId, o.price, o.amount])).toEqual([[`${resting.clientOrderId}m2`, 60000, 0.03]]);
      exchange.start();
      await pumpUntil(third.venue, () => filledOf(third.seen, 77) === 0.03);
      expect(kindsOf(third.seen)).toEqual(['modified', 'filled']);
      expect(await glass.fetchOpenOrders('BTC/USDT')).toEqual([]);
    });
  }
});

describe('the ccxt venue: modify of a partly filled order', () => {
  for (const modifyBy of ['edit', 'cancel-replace'] as const) {
    it(`${modifyBy === 'edit' ? 'by editOrder' : 'by hand'}: the replacement is for what remains with the change applied, later fills go to the same kernel order, its filled quantity equals the exchange's trades, nothing stays working`, async () => {
      const { exchange, dir } = await setUp('quotes', modifyBy === 'edit' ? {} : { cancelReplace: false });
      const runDir = join(dir, 'run');
      const { venue, start, seen } = await openVenue(exchange, runDir, { modifyBy });
      const resting = limitBuy(start.runId, 100, 0.03);
      venue.submit(resting, Date.now() * 1000);
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted'));
      exchange.step(1); // ask 100 for 0.01: a third of it fills
      await pumpUntil(venue, () => filledOf(seen, resting.id) === 0.01);
      // Raised to 0.04 at 101: 0.03 remain.
      venue.modify(resting.id, { price: 101, quantity: 0.04 }, Date.now() * 1000);
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'modified' || r.kind === 'modifyRejected'));
      const glass = await glassOf(exchange);
      const id = resting.clientOrderId;
      expect((await glass.fetchOpenOrders('BTC/USDT')).map((o) => [o.clientOrderId, o.price, o.amount])).toEqual([[`${id}m1`, 101, 0.03]]);
      exchange.start();
      await pumpUntil(venue, () => filledOf(seen, resting.id) === 0.04);
      expect(kindsOf(seen)).toEqual(['accepted', 'filled', 'modified', 'filled', 'filled', 'filled']);
      // The exchange's trades: 0.01 of the original; the replacement meets the ask still at 100 for 0.01, then 101.
      const trades = await glass.fetchMyTrades('BTC/USDT');
      const replacement = (await glass.fetchOrder('', 'BTC/USDT', { origClientOrderId: `${id}m1` })).id;
      const original = seen[0]?.kind === 'accepted' ? (await glass.fetchOrder('', 'BTC/USDT', { origClientOrderId: id })).id : '';
      expect(trades.map((t) => [t.order, t.price, t.amount])).toEqual([
        [original, 100, 0.01],
        [replacement, 100, 0.01],
        [replacement, 101, 0.01],
        [replacement, 101, 0.01],
      ]);
      // Every one of them went to the one kernel order, as the exchange states them.
      expect(seen.filter((r) => r.kind === 'filled').map((r) => (r.kind === 'filled' ? [r.id, r.price, r.quantity] : []))).toEqual(trades.map((t) => [resting.id, t.price, t.amount]));
      expect(trades.reduce((n, t) => addExact(n, t.amount as number), 0)).toBe(filledOf(seen, resting.id));
      expect(await glass.fetchOpenOrders('BTC/USDT')).toEqual([]);
      expect(exchange.status().cancelReplaceRequests).toBe(modifyBy === 'edit' ? 1 : 0);
      await pumpUntil(venue, () => true);
      await venue.close();
      const order = replayJournal(journalOf(runDir)).orders.get(id);
      expect(order).toMatchObject({ filledQuantity: 0.04, legBase: 0.01, pendingModify: undefined });
      expect(order?.request).toMatchObject({ price: 101, quantity: 0.04 });
    });
  }
});

describe('the ccxt venue under the order manager: modify by hand', () => {
  it('partly filled then changed, and changed to a refused replacement: the reports keep every order-state rule; one order fills through its replacement, the other ends cancelled', async () => {
    const { exchange, dir } = await setUp('quotes', { cancelReplace: false });
    const runDir = join(dir, 'run');
    const venue = createCcxtVenue({
      exchange: 'binance',
      url: exchange.url,
      credentials: { apiKey: KEY, secret: SECRET },
      runDir,
      unknownOrders: 'stop',
      wallNow: () => Date.now() * 1000,
      onIncident: () => {},
      pollIntervalMs: 200,
      onExchange: withoutEditOrder,
    });
    cleanup.push(() => venue.close());
    const h = new VenueHarness({ client: venue, data: NO_MARKET_DATA }, { symbols: ['BTC/USDT'], runId: sessionRunId(runDir, 1) });
    await venue.open([makeInstrument('BTC/USDT')]);
    const now = Date.now() * 1000;
    const partly = h.submit({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', price: 100, quantity: 0.03 }, now);
    const refused = h.submit({ symbol: 'BTC/USDT', side: 'buy', type: 'limit', price: 50, quantity: 0.01 }, now);
    await pumpUntil(h, () => [partly, refused].every((o) => h.order(o.id).status === 'accepted'));
    exchange.step(1);
    await pumpUntil(h, () => h.order(partly.id).filledQuantity === 0.01);
    h.modify(partly.id, { price: 101, quantity: 0.04 }, now);
    h.modify(refused.id, { price: 20_000_000 }, now); // more than the account holds
    await pumpUntil(h, () => h.order(partly.id).status === 'partially_filled' && !isLive(h.order(refused.id).status));
    exchange.start();
    await pumpUntil(h, () => !isLive(h.order(partly.id).status));
    expect(h.violations()).toEqual([]);
    expect([h.order(partly.id).status, h.order(partly.id).filledQuantity, h.order(partly.id).price]).toEqual(['filled', 0.04, 101]);
    expect(h.kinds(refused.id).slice(-3)).toEqual(['pending_modify', 'modify_rejected not_modifiable', 'cancelled user']);
    expect(await (await glassOf(exchange)).fetchOpenOrders('BTC/USDT')).toEqual([]);
  });
});
