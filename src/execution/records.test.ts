import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../model/events.js';
import { NO_OCO_IDS, ORDER_TYPES, type MutableOrder } from '../model/order.js';
import type { ClosedTrade } from '../portfolio/trade-book.js';
import { TradeRecords } from '../portfolio/trade-records.js';
import { FillRecords } from './fill-records.js';
import { OrderRecords } from './order-records.js';
import { blankOrder } from '../model/order.js';

const num = fc.oneof(fc.double(), fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom(NaN, Infinity, -0, 0.1 + 0.2));
const text = fc.string({ maxLength: 12 });

const order = (id: number): fc.Arbitrary<MutableOrder> =>
  fc
    .record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      type: fc.constantFrom(...ORDER_TYPES),
      quantity: num,
      price: num,
      triggerPrice: num,
      trailOffset: num,
      trailPercent: num,
      timeInForce: fc.constantFrom('gtc' as const, 'day' as const, 'ioc' as const, 'fok' as const, 'gtd' as const),
      expireTime: num,
      validBars: fc.nat(),
      reduceOnly: fc.boolean(),
      postOnly: fc.boolean(),
      tag: text,
      positionSide: fc.constantFrom(undefined, 'long' as const, 'short' as const),
      status: fc.constantFrom('filled' as const, 'cancelled' as const, 'rejected' as const, 'expired' as const, 'accepted' as const),
      reason: text,
      createdTime: num,
      activatedTime: num,
      referencePrice: num,
      filledTime: num,
      filledQuantity: num,
      cancelledQuantity: num,
      fillPrice: num,
      fee: num,
      contingency: fc.constantFrom('none' as const, 'oco' as const, 'oto' as const, 'bracket' as const),
      parentId: fc.nat(),
      ocoIds: fc.oneof(fc.constant(NO_OCO_IDS), fc.array(fc.nat(), { maxLength: 3 })),
      triggered: fc.boolean(),
      venueOrderId: fc.oneof(text, fc.nat().map((n) => `SIM-${n}`), fc.stringMatching(/^[0-9]{1,20}$/), fc.stringMatching(/^[a-f0-9-]{0,20}$/)),
      symbol: text,
    })
    .map(
      (f): MutableOrder => ({
        // The field order of OrderManager.create, which a JSON dump of an order shows.
        id,
        clientOrderId: `R-${id}`,
        venueOrderId: f.venueOrderId,
        symbol: f.symbol,
        side: f.side,
        type: f.type,
        quantity: f.quantity,
        price: f.price,
        triggerPrice: f.triggerPrice,
        trailOffset: f.trailOffset,
        trailPercent: f.trailPercent,
        timeInForce: f.timeInForce,
        expireTime: f.expireTime,
        validBars: f.validBars,
        reduceOnly: f.reduceOnly,
        postOnly: f.postOnly,
        tag: f.tag,
        positionSide: f.positionSide,
        status: f.status,
        reason: f.reason,
        createdTime: f.createdTime,
        activatedTime: f.activatedTime,
        referencePrice: f.referencePrice,
        filledTime: f.filledTime,
        filledQuantity: f.filledQuantity,
        cancelledQuantity: f.cancelledQuantity,
        fillPrice: f.fillPrice,
        fee: f.fee,
        contingency: f.contingency,
        parentId: f.parentId,
        ocoIds: f.ocoIds,
        triggered: f.triggered,
      }),
    );

describe('OrderRecords', () => {
  it('gives back each order written, field for field and in the same field order, whatever order they were written in', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()), { maxLength: 60 }), fc.infiniteStream(order(0)), (writes, arbitrary) => {
        const records = new OrderRecords('R');
        const model = new Map<number, MutableOrder>();
        const stream = arbitrary[Symbol.iterator]();
        for (const [id, own] of writes) {
          const o: MutableOrder = { ...(stream.next().value as MutableOrder), id, clientOrderId: own ? `R-${id}` : `foreign-${id}` };
          records.put(o, own);
          model.set(id, o);
        }
        const scratch = blankOrder();
        for (const [id, o] of model) {
          expect(records.readInto(id, scratch)).toEqual(o);
          const back = records.at(id);
          expect(back).toStrictEqual(o);
          expect(Object.keys(back as object)).toEqual(Object.keys(o));
        }
        for (let id = 1; id <= 3001; id += 37) if (!model.has(id)) expect(records.at(id)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('gives back runs of alike orders and the one different field among them (a code table remembers the string before)', () => {
    const records = new OrderRecords('R');
    const base: MutableOrder = { ...blankOrder(), symbol: 'A', tag: 't', reason: '', status: 'filled', clientOrderId: '' };
    const variants: Partial<MutableOrder>[] = [{}, {}, { side: 'sell' }, { type: 'limit' }, { timeInForce: 'ioc' }, { reduceOnly: true }, { postOnly: true }, { positionSide: 'short' }, { status: 'cancelled', reason: 'user' }, { contingency: 'oco' }, { triggered: true }, { symbol: 'B' }, { tag: '' }, {}];
    const written = variants.map((v, i) => ({ ...base, ...v, id: i + 1, clientOrderId: `R-${i + 1}` }));
    for (const o of written) records.put(o, true);
    for (const o of written) expect(records.at(o.id)).toStrictEqual(o);
  });

  it('gives back venue ids of every shape, beyond the prefixes it keeps codes for', () => {
    const records = new OrderRecords('R');
    const ids = [
      '',
      'SIM-1',
      'SIM-0',
      '0',
      '007',
      '9007199254740993',
      '123456789012345',
      '1234567890123456',
      'x-',
      ...Array.from({ length: 2100 }, (_, i) => `${(i * 2654435761) % 1e9}-abc${i}z`),
      ...Array.from({ length: 50 }, (_, i) => `ord-${i}-${1e9 + i}`),
    ];
    ids.forEach((venueOrderId, i) => records.put({ ...blankOrder(), id: i + 1, clientOrderId: `R-${i + 1}`, venueOrderId }, true));
    ids.forEach((venueOrderId, i) => expect(records.at(i + 1)?.venueOrderId).toBe(venueOrderId));
  });
});

describe('FillRecords', () => {
  it('gives back each fill in the order pushed, with feeInKind only where it had one', () => {
    const fill = fc.record(
      { orderId: fc.nat(), symbol: text, time: num, quantity: num, price: num, fee: num, liquidity: fc.constantFrom('maker' as const, 'taker' as const), feeInKind: fc.double({ min: 1e-9, max: 1e6, noNaN: true }) },
      { requiredKeys: ['orderId', 'symbol', 'time', 'quantity', 'price', 'fee', 'liquidity'] },
    ).map((f): Fill => ({ ...f }));
    fc.assert(
      fc.property(fc.array(fill, { maxLength: 200 }), (fills: Fill[]) => {
        const records = new FillRecords();
        for (const f of fills) records.push(f);
        expect(records.length).toBe(fills.length);
        expect([...records]).toStrictEqual(fills);
      }),
      { numRuns: 100 },
    );
  });
});

describe('TradeRecords', () => {
  it('gives back each closed trade in order, and counts them by symbol and direction', () => {
    const trade = fc.record({
      tradeId: fc.nat(),
      symbol: fc.constantFrom('A', 'B'),
      direction: fc.constantFrom('long' as const, 'short' as const),
      quantity: num,
      entryTime: num,
      entryPrice: num,
      exitTime: num,
      exitPrice: num,
      grossPnl: num,
      fees: num,
      netPnl: num,
      barsHeld: fc.nat(),
      mae: num,
      mfe: num,
    }).map((t): ClosedTrade => ({ ...t }));
    fc.assert(
      fc.property(fc.array(trade, { maxLength: 200 }), (trades: ClosedTrade[]) => {
        const records = new TradeRecords();
        for (const t of trades) records.push(t);
        expect([...records]).toStrictEqual(trades);
        for (const s of ['A', 'B', 'C']) {
          expect(records.count(s)).toBe([...records].filter((t) => t.symbol === s).length);
          expect(records.count(s, 'short')).toBe([...records].filter((t) => t.symbol === s && t.direction === 'short').length);
        }
      }),
      { numRuns: 100 },
    );
  });
});
