import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccxtLib } from '../ccxt/ccxt-lib.js';
import { afterEach, describe, expect, it } from 'vitest';
import { addExact, mulExact, subExact } from '../../core/decimal.js';
import type { ExecutionReports } from '../../model/execution.js';
import { makeInstrument } from '../../model/instrument.js';
import { draftOrder, type Order } from '../../model/order.js';
import { JOURNAL_FILE, baseFeeOf, readJournal, replayJournal } from '../journal/index.js';
import { pointCcxtAt } from '../local-exchange/ccxt-urls.js';
import type { LocalExchange, LocalExchangeOptions } from '../local-exchange/server.js';
import type { Incident } from '../source.js';
import { createCcxtVenue, type CcxtExchange, type CcxtVenue, type CcxtVenueOptions } from './ccxt-venue.js';
import { ServerClock } from './server-clock.js';
import type { CcxtTradeLike } from './mapping.js';
import { localVenueOptions, pumpUntil, sampleBarsFile, startTestExchange } from '../../../test/helpers/local-binance.js';

// The venue's clock offset and its fees in the base asset, against a local exchange on 127.0.0.1 only.
const KEY = 'clock-venue-key';
const SECRET = 'clock-venue-secret';
const ACCOUNT = { key: KEY, secret: SECRET };
const BTC = makeInstrument('BTC/USDT');

type Seen = { kind: string; id: number; quantity?: number; price?: number; fee?: number | undefined; feeInKind?: number | undefined };
function recorder(): { reports: ExecutionReports; seen: Seen[] } {
  const seen: Seen[] = [];
  const note = (kind: string) => (id: number) => void seen.push({ kind, id });
  const reports: ExecutionReports = {
    accepted: note('accepted'),
    rejected: note('rejected'),
    filled: (id, _t, quantity, price, _l, fee, feeInKind) => void seen.push({ kind: 'filled', id, quantity, price, fee, feeInKind }),
    triggered: note('triggered'),
    triggerMoved: note('triggerMoved'),
    expired: note('expired'),
    cancelled: note('cancelled'),
    cancelRejected: note('cancelRejected'),
    modified: note('modified'),
    modifyRejected: note('modifyRejected'),
  };
  return { reports, seen };
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setUp(options: Partial<LocalExchangeOptions>): Promise<{ exchange: LocalExchange; runDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'qf-venue-clock-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const exchange = await startTestExchange(sampleBarsFile(dir), ACCOUNT, options);
  cleanup.push(() => exchange.close());
  return { exchange, runDir: join(dir, 'run') };
}

async function openVenue(exchange: LocalExchange, runDir: string, incidents: Incident[], extra: Partial<CcxtVenueOptions> = {}) {
  let raw: CcxtExchange | undefined;
  const venue: CcxtVenue = createCcxtVenue({
    ...localVenueOptions(exchange, ACCOUNT, runDir, incidents, extra),
    onExchange: (ex) => {
      raw = ex;
      extra.onExchange?.(ex);
    },
  });
  cleanup.push(() => venue.close());
  const rec = recorder();
  venue.connect(rec.reports);
  const start = await venue.open([BTC]);
  return { venue, start, seen: rec.seen, raw: raw as CcxtExchange };
}

let nextId = 0;
function order(runId: string, fields: Partial<Order> & Pick<Order, 'side' | 'quantity'>): Order {
  const id = ++nextId;
  return draftOrder({ symbol: 'BTC/USDT', id, clientOrderId: `${runId}-${id}`, ...fields });
}


// The venue checks ccxt's error classes from ccxtLib(): errors made here must be of that copy.
const ccxt = ccxtLib();

describe("the venue and the exchange's clock", () => {
  for (const skew of [30_000, -30_000]) {
    it(`an exchange ${skew > 0 ? 'ahead' : 'behind'} by 30 s: the offset is measured (within 1 s) and the venue trades normally`, async () => {
      const { exchange, runDir } = await setUp({ clockSkewMs: skew });
      // A plain ccxt client, signing with this machine's clock, is refused.
      const plain = new ccxt.pro.binance({ apiKey: KEY, secret: SECRET });
      cleanup.push(() => plain.close().then(() => undefined));
      await pointCcxtAt(plain, exchange.url);
      await expect(plain.fetchBalance()).rejects.toThrow(ccxt.InvalidNonce);

      const incidents: Incident[] = [];
      const { venue, start, seen, raw } = await openVenue(exchange, runDir, incidents);
      expect(Math.abs(-(raw.options.timeDifference as number) - skew)).toBeLessThanOrEqual(1000);
      expect(start.balances).toEqual({ BTC: 1, USDT: 100000 });
      exchange.step(1);
      const buy = order(start.runId, { side: 'buy', quantity: 0.1 });
      venue.submit(buy, Date.now() * 1000);
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted' && r.id === buy.id));
      exchange.step(1);
      // The fill comes on the user data stream or by polling: both signed.
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'filled' && r.id === buy.id));
      expect(seen.filter((r) => r.id === buy.id).map((r) => r.kind)).toEqual(['accepted', 'filled']);
      expect(incidents.filter((i) => i.kind === 'order_refused' || i.kind === 'error')).toEqual([]);
    });
  }

  it('a request refused with -1021 measures the offset again and is sent once more: one order at the exchange, one submit journalled', async () => {
    const { exchange, runDir } = await setUp({});
    let measured = 0;
    const incidents: Incident[] = [];
    const { venue, start, seen, raw } = await openVenue(exchange, runDir, incidents, {
      onExchange: (ex) => {
        const load = ex.loadTimeDifference.bind(ex);
        ex.loadTimeDifference = () => (measured++, load());
      },
    });
    exchange.step(1);
    // This machine's clock jumps 2 minutes ahead of what was measured: the next signed request is refused.
    raw.options.timeDifference = -120_000;
    const buy = order(start.runId, { side: 'buy', quantity: 0.1 });
    venue.submit(buy, Date.now() * 1000);
    await pumpUntil(venue, () => seen.some((r) => r.id === buy.id));
    expect(seen.filter((r) => r.id === buy.id).map((r) => r.kind)).toEqual(['accepted']);
    expect(measured).toBeGreaterThanOrEqual(1);
    expect(Math.abs(raw.options.timeDifference as number)).toBeLessThan(1000);
    expect(exchange.status().orders).toBe(1);
    const state = replayJournal(readJournal(join(runDir, JOURNAL_FILE)));
    expect([...state.orders.keys()]).toEqual([buy.clientOrderId]);
    expect(incidents.filter((i) => i.kind === 'order_refused')).toEqual([]);
  });

  it('measures the offset again every clockResyncMs, and stops when closed', async () => {
    const { exchange, runDir } = await setUp({});
    let measured = 0;
    const { venue } = await openVenue(exchange, runDir, [], {
      clockResyncMs: 50,
      onExchange: (ex) => {
        const load = ex.loadTimeDifference.bind(ex);
        ex.loadTimeDifference = () => (measured++, load());
      },
    });
    const end = Date.now() + 20_000;
    while (measured < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(measured).toBeGreaterThanOrEqual(2);
    await pumpUntil(venue, () => exchange.status().userSubscriptions > 0);
    await venue.close();
    const after = measured;
    await new Promise((r) => setTimeout(r, 200));
    expect(measured).toBe(after);
  });

  it('ServerClock.once: a second -1021 is not retried again; other errors are not retried', async () => {
    let measured = 0;
    const clock = new ServerClock({ options: {}, loadTimeDifference: async () => void measured++ }, () => undefined);
    let calls = 0;
    await expect(clock.once(async () => (calls++, Promise.reject(new ccxt.InvalidNonce('-1021'))))).rejects.toThrow(ccxt.InvalidNonce);
    expect([calls, measured]).toEqual([2, 1]);
    calls = 0;
    await expect(clock.once(async () => (calls++, Promise.reject(new ccxt.InvalidOrder('-2010'))))).rejects.toThrow(ccxt.InvalidOrder);
    expect([calls, measured]).toEqual([1, 1]);
  });
});

/** Sends a market order, lets it be accepted, steps the exchange one bar and waits for its fill; the order. */
async function marketFill(venue: CcxtVenue, exchange: LocalExchange, seen: readonly Seen[], o: Order): Promise<Order> {
  venue.submit(o, Date.now() * 1000);
  await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted' && r.id === o.id));
  exchange.step(1);
  await pumpUntil(venue, () => seen.some((r) => r.kind === 'filled' && r.id === o.id));
  return o;
}

describe('commissions in the base asset through the venue (--fee-asset base)', () => {
  it("a buy's commission in the base asset is reported in kind (the position keeps the rest); a sell's in the quote; the journal's balances equal the exchange's", async () => {
    const { exchange, runDir } = await setUp({ feeAsset: 'base', feeRate: 0.001 });
    const incidents: Incident[] = [];
    const { venue, start, seen } = await openVenue(exchange, runDir, incidents);
    exchange.step(1);
    const buy = await marketFill(venue, exchange, seen, order(start.runId, { side: 'buy', quantity: 0.5 }));
    const sell = await marketFill(venue, exchange, seen, order(start.runId, { side: 'sell', quantity: 0.2 }));
    const bought = seen.find((r) => r.kind === 'filled' && r.id === buy.id) as Seen;
    const sold = seen.find((r) => r.kind === 'filled' && r.id === sell.id) as Seen;
    // 0.5 BTC x 0.001 = 0.0005 BTC taken from the 0.5 bought: the order fills 0.5, the position grows by 0.4995.
    expect(bought).toMatchObject({ quantity: 0.5, fee: undefined, feeInKind: 0.0005 });
    expect(sold.fee).toBe(Math.round(mulExact(mulExact(sold.price as number, 0.2), 0.001) * 1e8) / 1e8);
    expect(sold.feeInKind).toBeUndefined();
    expect(incidents.filter((i) => i.kind === 'fee_estimated' || i.kind === 'fee_from_cash')).toEqual([]);
    await venue.close();

    const state = replayJournal(readJournal(join(runDir, JOURNAL_FILE)));
    const fills = [...state.fills.values()];
    expect(fills.map((f) => [f.side, f.feeCurrency])).toEqual([
      ['buy', 'BTC'],
      ['sell', 'USDT'],
    ]);
    expect(fills.reduce((sum, f) => sum + baseFeeOf(f), 0)).toBe(0.0005);
    // The exchange holds the traded quantity less the commission paid in BTC; the journal says the same.
    expect(exchange.status().fills).toBe(2);
    expect(state.balances.get('BTC')).toBe(subExact(1.3, 0.0005));
    // Started again: the run's position is the exchange's balance (the commission paid in BTC is not there), no mismatch.
    const again = await openVenue(exchange, runDir, []);
    expect(again.start.positions[0]?.quantity).toBe(subExact(1.3, 0.0005));
    expect(again.start.incidents.filter((i) => /adjustBalance/.test(i.detail))).toEqual([]);
    // (Closed once its user data stream is up: ccxt cannot close a WebSocket still connecting.)
    await pumpUntil(again.venue, () => exchange.status().userSubscriptions > 0);
  });

  it("commissions the run cannot take in kind: a sell's in the base asset comes out of cash (fee_from_cash), one in a third currency is priced by the fee model (fee_estimated)", async () => {
    const { exchange, runDir } = await setUp({ feeRate: 0.001 });
    const incidents: Incident[] = [];
    // The exchange is made to charge a sell in BTC and a buy in BNB (neither of which the local exchange does).
    const charged = (trade: CcxtTradeLike): CcxtTradeLike => ({
      ...trade,
      fee: trade.side === 'sell' ? { cost: 0.00002, currency: 'BTC' } : { cost: 0.003, currency: 'BNB' },
    });
    const { venue, start, seen } = await openVenue(exchange, runDir, incidents, {
      onExchange: (ex) => {
        const watch = ex.watchMyTrades.bind(ex);
        ex.watchMyTrades = async () => (await watch()).map(charged);
        const fetch = ex.fetchOrderTrades.bind(ex);
        ex.fetchOrderTrades = async (id, symbol) => (await fetch(id, symbol)).map(charged);
      },
    });
    exchange.step(1);
    const sell = await marketFill(venue, exchange, seen, order(start.runId, { side: 'sell', quantity: 0.02 }));
    const buy = await marketFill(venue, exchange, seen, order(start.runId, { side: 'buy', quantity: 0.01 }));
    const sold = seen.find((r) => r.kind === 'filled' && r.id === sell.id) as Seen;
    const bought = seen.find((r) => r.kind === 'filled' && r.id === buy.id) as Seen;
    // The sell's 0.00002 BTC is worth 0.00002 x its price, taken from cash; nothing in kind.
    expect(sold).toMatchObject({ quantity: 0.02, fee: mulExact(0.00002, sold.price as number), feeInKind: undefined });
    // The buy's BNB: no fee given, so the kernel's fee model prices the fill.
    expect(bought).toMatchObject({ quantity: 0.01, fee: undefined, feeInKind: undefined });
    expect(incidents.filter((i) => i.kind === 'fee_from_cash' || i.kind === 'fee_estimated').map((i) => [i.kind, i.channel])).toEqual([
      ['fee_from_cash', 'fee'],
      ['fee_estimated', 'fee'],
    ]);
    expect(incidents.find((i) => i.kind === 'fee_estimated')?.detail).toMatch(/0\.003 BNB is in neither currency of BTC\/USDT/);
  });

  it('started again after buys that paid in BTC, the position is the balance at the average price of what the fills kept', async () => {
    const { exchange, runDir } = await setUp({ feeAsset: 'base', feeRate: 0.001, balances: { USDT: '100000' } });
    const { venue, start, seen } = await openVenue(exchange, runDir, []);
    exchange.step(1);
    const prices: number[] = [];
    for (const quantity of [0.5, 0.25]) {
      const buy = order(start.runId, { side: 'buy', quantity });
      venue.submit(buy, Date.now() * 1000);
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'accepted' && r.id === buy.id));
      exchange.step(1);
      await pumpUntil(venue, () => seen.some((r) => r.kind === 'filled' && r.id === buy.id));
      prices.push((seen.find((r) => r.kind === 'filled' && r.id === buy.id) as Seen).price as number);
    }
    await venue.close();
    const again = await openVenue(exchange, runDir, []);
    const kept = [subExact(0.5, 0.0005), subExact(0.25, 0.00025)] as const;
    expect(again.start.positions[0]?.quantity).toBe(addExact(kept[0], kept[1]));
    expect(again.start.positions[0]?.averagePrice).toBeCloseTo(((prices[0] as number) * kept[0] + (prices[1] as number) * kept[1]) / (kept[0] + kept[1]), 8);
    await pumpUntil(again.venue, () => exchange.status().userSubscriptions > 0);
  });
});
