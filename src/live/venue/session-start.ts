/**
 * What a session of the live venue starts from: the exchange's side for
 * start-up reconciliation (open orders, the journal's unfinished orders
 * looked up by client order id, their fills, balances), and the positions
 * the run takes over.
 */
import type { Micros } from '../../core/time.js';
import { ccxtLib } from '../ccxt/ccxt-lib.js';
import { ordersToLookUp, type ExchangeSnapshot, type JournalOrder, type JournalState, type ReconcileAction, type VenueFill, type VenueOrder } from '../journal/index.js';
import { baseFeeOf } from '../journal/replay.js';
import type { LivePosition } from '../live-venue.js';
import type { CcxtExchange } from './ccxt-exchange.js';
import { tradeDefect, venueFillOf, venueOrderOf, type CcxtTradeLike } from './mapping.js';

/** The exchange's side for start-up reconciliation: open orders of the instruments, the journal's unfinished orders by client id (a replacement in flight first), their fills, balances. */
export async function fetchExchangeSnapshot(
  exchange: CcxtExchange,
  state: JournalState,
  symbols: readonly string[],
  now: Micros,
  onUnusableTrade: (trade: CcxtTradeLike, why: string) => void,
): Promise<ExchangeSnapshot> {
  const orders = new Map<string, VenueOrder>();
  // Per instrument: Binance weighs open orders of all symbols 80, of one 6.
  for (const symbol of symbols) for (const o of await exchange.fetchOpenOrders(symbol)) orders.set(o.id ?? '', venueOrderOf(o));
  const byClient = new Map([...orders.values()].map((o) => [o.clientOrderId, o]));
  for (const clientOrderId of ordersToLookUp(state)) {
    const journalled = state.orders.get(clientOrderId);
    if (journalled === undefined) continue;
    // A modify by cancel-replace in flight: its replacement first, then the order as the exchange knew it.
    const ids = [journalled.pendingModify?.replacement?.clientOrderId, journalled.exchangeClientOrderId, clientOrderId];
    for (const id of new Set(ids)) {
      if (id === undefined || byClient.has(id)) continue;
      const found = await lookUpOrder(exchange, id, journalled.request.symbol);
      if (found === undefined) continue;
      orders.set(found.venueOrderId, found);
      byClient.set(id, found);
    }
  }
  const fills: VenueFill[] = [];
  const fetched = new Set<string>();
  const tradesOf = async (venueOrderId: string, order: JournalOrder): Promise<void> => {
    if (fetched.has(venueOrderId)) return;
    fetched.add(venueOrderId);
    for (const t of await exchange.fetchOrderTrades(venueOrderId, order.request.symbol)) {
      const defect = tradeDefect(t);
      if (defect === undefined) fills.push(venueFillOf(t, order.clientOrderId, order.request));
      else onUnusableTrade(t, `${defect}, which no fill of ${order.clientOrderId} can have`);
    }
  };
  for (const o of orders.values()) {
    // A replacement's fills are its order's (the journal's client order id).
    const root = state.replacementIds.get(o.clientOrderId) ?? o.clientOrderId;
    const journalled = state.orders.get(root);
    if (journalled === undefined) continue;
    const replaced = root !== o.clientOrderId || journalled.replacedVenueOrderIds.length > 0 || journalled.pendingModify?.replacement !== undefined;
    if (!replaced && o.filled <= journalled.filledQuantity) continue;
    await tradesOf(o.venueOrderId, journalled);
    // Late fills of the exchange orders it replaced.
    if (replaced) for (const old of [journalled.venueOrderId, ...journalled.replacedVenueOrderIds]) if (old !== '') await tradesOf(old, journalled);
  }
  return { time: now, orders: [...orders.values()], fills, balances: balancesOf(await exchange.fetchBalance()) };
}

/** An order the exchange knows by its client order id, or undefined. */
export async function lookUpOrder(exchange: CcxtExchange, clientOrderId: string, symbol: string): Promise<VenueOrder | undefined> {
  try {
    return venueOrderOf(await exchange.fetchOrder('', symbol, { origClientOrderId: clientOrderId }));
  } catch (error) {
    if (error instanceof ccxtLib().OrderNotFound) return undefined;
    throw error;
  }
}

/** The exchange's balances (ccxt `total`), non-zero ones, by currency in order. */
export function balancesOf(balance: { total?: unknown }): Record<string, number> {
  const out: Record<string, number> = {};
  const total = (balance.total ?? {}) as Record<string, unknown>;
  for (const currency of Object.keys(total).sort()) {
    const amount = total[currency];
    if (typeof amount === 'number' && amount !== 0) out[currency] = amount;
  }
  return out;
}

/** The instrument a reconciliation action concerns, for its incident line. */
export function symbolOfAction(action: ReconcileAction, state: JournalState): string {
  if ('fill' in action) return action.fill.symbol;
  if ('order' in action) return action.order.symbol;
  if ('clientOrderId' in action) return state.orders.get(action.clientOrderId)?.request.symbol ?? '';
  return '';
}

/**
 * The run's position in `symbol`: the exchange's base balance, at the
 * average price of the journal's fills when they make up all of it (NaN
 * when part of it was held before the run).
 */
export function positionOf(symbol: string, base: number, state: JournalState): LivePosition {
  let quantity = 0;
  let average = 0;
  for (const fill of state.fills.values()) {
    if (fill.symbol !== symbol) continue;
    // A commission in the base asset left the balance with it (the kernel keeps a buy's in kind too).
    const baseFee = baseFeeOf(fill);
    if (fill.side === 'buy') {
      const kept = fill.quantity - baseFee;
      average = quantity + kept > 0 ? (average * quantity + fill.price * kept) / (quantity + kept) : 0;
      quantity += kept;
    } else quantity -= fill.quantity + baseFee;
  }
  const explained = Math.abs(quantity - base) < 1e-9;
  return { symbol, quantity: base, averagePrice: base === 0 ? 0 : explained ? average : NaN };
}
