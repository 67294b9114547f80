import type { CcxtOrderLike, CcxtTradeLike } from './mapping.js';

/** What the venue uses of a ccxt pro exchange. */
export interface CcxtExchange {
  has: Record<string, unknown>;
  markets: Record<string, { info?: unknown }> | undefined;
  options: Record<string, unknown>;
  loadMarkets(): Promise<unknown>;
  loadTimeDifference(): Promise<unknown>;
  createOrder(symbol: string, type: string, side: string, amount: number, price?: number, params?: Record<string, unknown>): Promise<CcxtOrderLike>;
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrderLike>;
  editOrder(id: string, symbol: string, type: string, side: string, amount?: number, price?: number, params?: Record<string, unknown>): Promise<CcxtOrderLike>;
  fetchOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<CcxtOrderLike>;
  fetchOpenOrders(symbol?: string): Promise<CcxtOrderLike[]>;
  fetchOrderTrades(id: string, symbol?: string): Promise<CcxtTradeLike[]>;
  fetchBalance(): Promise<{ total?: unknown }>;
  watchOrders(): Promise<CcxtOrderLike[]>;
  watchMyTrades(): Promise<CcxtTradeLike[]>;
  close(): Promise<unknown>;
}
