import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { BacktestResult } from '../backtest/engine.js';
import { csvField, formatNumber as n, formatTime as t } from './format.js';
import { EQUITY_HEADER, FILLS_HEADER, HEDGING_POSITIONS_HEADER, ORDERS_HEADER, POSITIONS_HEADER, TRADES_HEADER, writeEquity, writeFills, writeOrders, writePositions, writeTrades } from './writers.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The rows as the CSV files define them, one string per row (the writers'
 * earlier form): the byte writers must write exactly this.
 */
function expected(r: BacktestResult): Record<string, string> {
  const hedging = r.positionMode === 'hedging';
  const file = (header: string, rows: string[]): string => [header, ...rows].map((l) => `${l}\n`).join('');
  const e = r.equity;
  const p = r.positions;
  return {
    trades: file(
      TRADES_HEADER,
      r.closedTrades.map((x) =>
        [x.tradeId, csvField(x.symbol), x.direction, n(x.quantity), t(x.entryTime), n(x.entryPrice), t(x.exitTime), n(x.exitPrice), n(x.grossPnl), n(x.fees), n(x.netPnl), x.barsHeld, n(x.mae), n(x.mfe)].join(','),
      ),
    ),
    orders: file(
      hedging ? `${ORDERS_HEADER},position_side` : ORDERS_HEADER,
      r.orders.map((o) => {
        const row = [
          o.id, csvField(o.symbol), o.type, o.side, n(o.quantity), n(Number.isNaN(o.price) ? o.triggerPrice : o.price), o.status, csvField(o.reason), t(o.createdTime), t(o.filledTime),
          n(o.fillPrice), o.filledQuantity > 0 ? n(o.fee) : '', n(o.triggerPrice), o.timeInForce, n(o.filledQuantity), o.parentId > 0 ? o.parentId : '', csvField(o.tag),
        ];
        if (hedging) row.push(o.positionSide ?? '');
        return row.join(',');
      }),
    ),
    equity: file(
      EQUITY_HEADER,
      Array.from(e.time, (_, i) => `${t(e.time[i] as number)},${n(e.equity[i] as number)},${n(e.cash[i] as number)},${n(e.positionValue[i] as number)},${n(e.margin[i] as number)}`),
    ),
    fills: file(
      hedging ? `${FILLS_HEADER},position_side` : FILLS_HEADER,
      r.fills.map((f) => {
        const line = [f.orderId, csvField(f.symbol), t(f.time), f.quantity > 0 ? 'buy' : 'sell', n(Math.abs(f.quantity)), n(f.price), n(f.fee), f.liquidity].join(',');
        return hedging ? `${line},${r.orders[f.orderId - 1]?.positionSide ?? ''}` : line;
      }),
    ),
    positions: file(
      hedging ? HEDGING_POSITIONS_HEADER : POSITIONS_HEADER,
      Array.from(p.time, (_, i) => {
        const symbol = r.symbols[p.symbol[i] as number] ?? '';
        const where = hedging ? `${csvField(symbol)},${(p.side[i] as number) < 0 ? 'short' : 'long'}` : csvField(symbol);
        return [t(p.time[i] as number), where, n(p.quantity[i] as number), n(p.averagePrice[i] as number), n(p.price[i] as number), n(p.marketValue[i] as number), n(p.unrealizedPnl[i] as number), n(p.realizedPnl[i] as number), n(p.fees[i] as number), ].join(',');
      }),
    ),
  };
}

const value = fc.oneof(fc.double(), fc.integer({ min: -1e6, max: 1e6 }), fc.tuple(fc.integer({ min: -1e7, max: 1e7 }), fc.integer({ min: 0, max: 8 })).map(([m, d]) => m / 10 ** d));
const time = fc.oneof(fc.integer({ min: 0, max: 4e15 }), fc.constant(NaN), fc.integer({ min: 0, max: 4e15 }).map((x) => x - (x % 60_000_000)));
const text = fc.oneof(fc.constantFrom('', 'AAPL', 'a,b', 'say "hi"', 'line\nbreak', 'ünï', 'tag-'.repeat(40)), fc.string({ maxLength: 80 }));
const column = (len: number, gen: fc.Arbitrary<number>): fc.Arbitrary<Float64Array> => fc.array(gen, { minLength: len, maxLength: len }).map((xs) => Float64Array.from(xs));

/** A result with the fields the CSV writers read, every one of them free. */
const result = fc.record({ steps: fc.nat(40), rows: fc.nat(20), hedging: fc.boolean(), symbols: fc.array(text, { minLength: 1, maxLength: 3 }) }).chain(({ steps, rows, hedging, symbols }) =>
  fc.record({
    positionMode: fc.constant(hedging ? 'hedging' : 'netting'),
    symbols: fc.constant(symbols),
    equity: fc.record({ time: column(steps, time), equity: column(steps, value), cash: column(steps, value), positionValue: column(steps, value), margin: column(steps, value) }),
    positions: fc.record({
      length: fc.constant(rows),
      time: column(rows, time),
      symbol: column(rows, fc.integer({ min: 0, max: symbols.length })),
      quantity: column(rows, value),
      averagePrice: column(rows, value),
      price: column(rows, value),
      marketValue: column(rows, value),
      unrealizedPnl: column(rows, value),
      realizedPnl: column(rows, value),
      fees: column(rows, value),
      side: column(rows, fc.constantFrom(0, 1, -1)),
    }),
    closedTrades: fc.array(
      fc.record({
        tradeId: fc.nat(), symbol: text, direction: fc.constantFrom('long', 'short'), quantity: value, entryTime: time, entryPrice: value, exitTime: time, exitPrice: value,
        grossPnl: value, fees: value, netPnl: value, barsHeld: fc.nat(), mae: value, mfe: value,
      }),
      { maxLength: rows },
    ),
    orders: fc.array(
      fc.record({
        id: fc.nat(), symbol: text, type: fc.constantFrom('market', 'limit', 'stop'), side: fc.constantFrom('buy', 'sell'), quantity: value, price: value, triggerPrice: value,
        status: fc.constantFrom('filled', 'rejected', 'cancelled'), reason: text, createdTime: time, filledTime: time, fillPrice: value, fee: value, timeInForce: fc.constantFrom('gtc', 'day'),
        filledQuantity: value, parentId: fc.integer({ min: -1, max: 5 }), tag: text, positionSide: hedging ? fc.constantFrom('long', 'short', undefined) : fc.constant(undefined),
      }),
      { maxLength: rows },
    ),
    fills: fc.array(
      fc.record({ orderId: fc.integer({ min: 0, max: rows + 1 }), symbol: text, time, quantity: value, price: value, fee: value, liquidity: fc.constantFrom('maker', 'taker') }),
      { maxLength: rows },
    ),
  }),
);

describe('CSV writers', () => {
  it('write exactly the rows of the CSV definitions, for any values (quoted text, NaN, hedging columns)', () => {
    fc.assert(
      fc.property(result, (raw) => {
        const r = raw as unknown as BacktestResult;
        const want = expected(r);
        const writers = { trades: writeTrades, orders: writeOrders, equity: writeEquity, fills: writeFills, positions: writePositions };
        for (const [name, write] of Object.entries(writers)) {
          const path = join(dir, `${name}.csv`);
          write(path, r);
          expect(readFileSync(path, 'utf8'), name).toBe(want[name]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
