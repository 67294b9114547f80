import { InvariantError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import type { ExecutionClient, ExecutionReports } from '../model/execution.js';
import type { Order } from '../model/order.js';
import type { BarFillModel } from './models/fill.js';
import { ClassicBarFill, tickFillPrice } from './models/fill.js';

/**
 * A venue that works orders against market data in simulated time. Orders
 * are visited in submission order; an order is eligible only for data
 * stamped strictly after it was created, so nothing fills on the bar that
 * produced it.
 */
export class SimulatedExchange implements ExecutionClient {
  private working: Order[] = [];
  /** Working orders per instrument index: lets the hot path skip instruments with none. */
  private readonly countBySymbol: Int32Array;
  private readonly symbolIndex = new Map<string, number>();
  private visiting = false;

  constructor(
    symbols: readonly string[],
    private readonly reports: ExecutionReports,
    private readonly fillModel: BarFillModel = new ClassicBarFill(),
  ) {
    this.countBySymbol = new Int32Array(symbols.length);
    symbols.forEach((s, i) => this.symbolIndex.set(s, i));
  }

  submit(order: Order): void {
    const idx = this.indexOf(order.symbol);
    this.working.push(order);
    this.countBySymbol[idx] = (this.countBySymbol[idx] as number) + 1;
  }

  cancel(orderId: number): boolean {
    const i = this.working.findIndex((o) => o.id === orderId);
    if (i < 0) return false;
    this.remove(i);
    return true;
  }

  hasWorking(symbolIdx: number): boolean {
    return (this.countBySymbol[symbolIdx] as number) > 0;
  }

  /** Broker phase of one bar: expiry first, then the fill rule, per order in submission order. */
  onBar(symbolIdx: number, symbol: string, time: Micros, open: number, high: number, low: number, close: number): void {
    if (this.countBySymbol[symbolIdx] === 0) return;
    this.visit(symbol, time, (o) => this.fillModel.fillPrice(o.type, o.side, o.price, open, high, low, close));
  }

  /** Quotes: buys at the ask, sells at the bid. */
  onQuote(symbolIdx: number, symbol: string, time: Micros, bid: number, ask: number): void {
    if (this.countBySymbol[symbolIdx] === 0) return;
    this.visit(symbol, time, (o) => tickFillPrice(o.type, o.side, o.price, bid, ask));
  }

  /** Trade prints: both sides at the print. */
  onTrade(symbolIdx: number, symbol: string, time: Micros, price: number): void {
    if (this.countBySymbol[symbolIdx] === 0) return;
    this.visit(symbol, time, (o) => tickFillPrice(o.type, o.side, o.price, price, price));
  }

  private visit(symbol: string, time: Micros, priceOf: (o: Order) => number): void {
    if (this.visiting) throw new InvariantError('re-entrant broker phase');
    this.visiting = true;
    try {
      // Snapshot the length: orders created while reporting are first eligible on later data.
      const list = this.working;
      for (let i = 0; i < list.length; i++) {
        const o = list[i] as Order;
        if (o.symbol !== symbol || !(time > o.createdTime)) continue;
        if (time > o.expireTime) {
          this.remove(i--);
          this.reports.expired(o.id, time);
          continue;
        }
        const price = priceOf(o);
        if (Number.isNaN(price)) continue;
        this.remove(i--);
        this.reports.filled(o.id, time, price);
      }
    } finally {
      this.visiting = false;
    }
  }

  private remove(i: number): void {
    const [o] = this.working.splice(i, 1);
    if (o === undefined) throw new InvariantError(`no working order at ${i}`);
    const idx = this.indexOf(o.symbol);
    this.countBySymbol[idx] = (this.countBySymbol[idx] as number) - 1;
  }

  private indexOf(symbol: string): number {
    const idx = this.symbolIndex.get(symbol);
    if (idx === undefined) throw new InvariantError(`exchange has no instrument ${symbol}`);
    return idx;
  }
}
