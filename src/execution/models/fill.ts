import type { OrderSide, OrderType } from '../../model/order.js';

/**
 * Decides whether and where an order fills on a bar. Returns the fill price,
 * or NaN for no fill. Pure: the same order and bar give the same answer.
 */
export interface BarFillModel {
  readonly name: string;
  fillPrice(type: OrderType, side: OrderSide, price: number, open: number, high: number, low: number, close: number): number;
}

/**
 * The `classic` model (docs/bar-execution.md): market at the open; limits and
 * stops at the open when it gapped through, else at their own price when the
 * bar's range reached it. Volume is ignored.
 */
export class ClassicBarFill implements BarFillModel {
  readonly name = 'classic';
  fillPrice(type: OrderType, side: OrderSide, price: number, open: number, high: number, low: number, _close: number): number {
    if (type === 'market') return open;
    if (type === 'limit') {
      if (side === 'buy') return open <= price ? open : low <= price ? price : NaN;
      return open >= price ? open : high >= price ? price : NaN;
    }
    // stop
    if (side === 'sell') return open <= price ? open : low <= price ? price : NaN;
    return open >= price ? open : high >= price ? price : NaN;
  }
}

/**
 * Fills against ticks: buys at the ask (or trade price), sells at the bid.
 * A limit fills when the touch is at or better than its price; a stop when
 * the touch reaches its trigger.
 */
export function tickFillPrice(type: OrderType, side: OrderSide, price: number, bid: number, ask: number): number {
  const touch = side === 'buy' ? ask : bid;
  if (type === 'market') return touch;
  if (type === 'limit') return side === 'buy' ? (touch <= price ? touch : NaN) : touch >= price ? touch : NaN;
  return side === 'buy' ? (touch >= price ? touch : NaN) : touch <= price ? touch : NaN;
}
