/**
 * Helpers of a modify through the ccxt venue: the replacement's client order
 * id, and what an exchange's refusal of a cancel-replace says.
 */

import type { AmendRejectReason } from '../../model/order.js';

/** Binance's longest client order id. */
export const MAX_CLIENT_ORDER_ID = 36;

/** The n-th replacement of an order: `<clientOrderId>m<n>`; undefined when longer than the exchange takes. */
export function replacementClientOrderId(clientOrderId: string, n: number): string | undefined {
  const id = `${clientOrderId}m${n}`;
  return id.length <= MAX_CLIENT_ORDER_ID ? id : undefined;
}

/** What a refused cancel-replace did: whether the cancel went through, the filled quantity it stated, and the exchange's reason. */
export interface EditRefusal {
  /** The order was cancelled and its replacement refused (Binance -2021 with cancelResult SUCCESS): the order is over. */
  readonly cancelled: boolean;
  /** The cancelled order's filled quantity as the cancel stated it (0 when not stated). */
  readonly cancelledFilled: number;
  readonly reason: AmendRejectReason;
  readonly text: string;
}

/** Reads a ccxt error of editOrder (`binance {"code":-2021,"msg":...,"data":{...}}`, or any other error). */
export function editRefusalOf(message: string): EditRefusal {
  const body = jsonOf(message);
  const data = body?.data as { cancelResult?: unknown; cancelResponse?: { executedQty?: unknown; msg?: unknown }; newOrderResponse?: { msg?: unknown } | null } | undefined;
  const cancelled = data?.cancelResult === 'SUCCESS';
  const part = cancelled ? data?.newOrderResponse?.msg : data?.cancelResponse?.msg;
  const text = typeof part === 'string' ? `${String(body?.msg ?? '')} ${part}`.trim() : message;
  let reason: AmendRejectReason = 'not_modifiable';
  if (data?.cancelResult === 'FAILURE') reason = 'not_live';
  else if (/PRICE_FILTER|PERCENT_PRICE|price/i.test(text)) reason = 'invalid_price';
  else if (/LOT_SIZE|NOTIONAL|quantity/i.test(text)) reason = 'invalid_quantity';
  const executed = Number(data?.cancelResponse?.executedQty ?? 0);
  return { cancelled, cancelledFilled: Number.isFinite(executed) ? executed : 0, reason, text };
}

function jsonOf(message: string): Record<string, unknown> | undefined {
  const at = message.indexOf('{');
  if (at < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(at));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
