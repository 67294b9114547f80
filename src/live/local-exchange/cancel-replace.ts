/**
 * POST /api/v3/order/cancelReplace, as Binance spot answers it (ccxt's
 * binance `editOrder` for spot): cancel an open order, then place a new one.
 * `cancelReplaceMode` STOP_ON_FAILURE places the new order only if the
 * cancel succeeded; ALLOW_FAILURE places it either way. The new order's
 * parameters are checked before anything is done (a malformed request
 * changes nothing). Answers: both done, 200 with both responses; the cancel
 * failed, 400 -2022 "Order cancel-replace failed." (new order NOT_ATTEMPTED
 * under STOP_ON_FAILURE); one of the two failed under ALLOW_FAILURE, or the
 * new order failed after the cancel, 409 -2021 "Order cancel-replace
 * partially failed."; each with `data` stating both results. The user data
 * stream carries the cancel's execution report, then the new order's.
 */

import type { Account } from './accounts.js';
import type { ExchangeOrder, OrderMatcher } from './matcher.js';
import { fail, missing, newOrderOf, newOrderResponse, ok, orderFields } from './private-rest.js';
import type { MarketReplay } from './replay.js';
import type { RestAnswer } from './rest.js';

type Result = 'SUCCESS' | 'FAILURE' | 'NOT_ATTEMPTED';

export function cancelReplace(replay: MarketReplay, matcher: OrderMatcher, account: Account, q: URLSearchParams): RestAnswer {
  const symbol = q.get('symbol');
  if (symbol === null) return missing('symbol');
  const state = replay.states.find((s) => s.market.id === symbol.toUpperCase());
  if (state === undefined) return fail(-1121, 'Invalid symbol.');
  const mode = q.get('cancelReplaceMode');
  if (mode === null) return missing('cancelReplaceMode');
  if (mode !== 'STOP_ON_FAILURE' && mode !== 'ALLOW_FAILURE') return fail(-1100, "Illegal characters found in parameter 'cancelReplaceMode'; legal range is 'STOP_ON_FAILURE, ALLOW_FAILURE'.");
  const id = q.get('cancelOrderId');
  const clientId = q.get('cancelOrigClientOrderId');
  if (id === null && clientId === null) return fail(-1102, "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be sent, but both were empty/null!");
  const request = newOrderOf(state, q);
  if ('status' in request) return request;

  const old = matcher.orders.find((o) => o.account === account && o.state === state && (id !== null ? o.id === Number(id) : o.clientId === clientId));
  const cancelled = old !== undefined && matcher.cancel(old);
  const cancelResponse = cancelled ? cancelFields(old, q) : { code: -2011, msg: 'Unknown order sent.' };
  let newResult: Result = 'NOT_ATTEMPTED';
  let newOrderResponseBody: Record<string, unknown> | null = null;
  if (cancelled || mode === 'ALLOW_FAILURE') {
    const placed = matcher.place(account, request);
    newResult = 'code' in placed ? 'FAILURE' : 'SUCCESS';
    newOrderResponseBody = 'code' in placed ? { code: placed.code, msg: placed.msg } : newOrderResponse(matcher, placed, q);
  }
  const data = { cancelResult: cancelled ? 'SUCCESS' : 'FAILURE', newOrderResult: newResult, cancelResponse, newOrderResponse: newOrderResponseBody };
  if (cancelled && newResult === 'SUCCESS') return ok(data);
  if (!cancelled && newResult !== 'SUCCESS') return { status: 400, body: JSON.stringify({ code: -2022, msg: 'Order cancel-replace failed.', data }) };
  return { status: 409, body: JSON.stringify({ code: -2021, msg: 'Order cancel-replace partially failed.', data }) };
}

function cancelFields(o: ExchangeOrder, q: URLSearchParams): Record<string, unknown> {
  return {
    ...orderFields(o),
    origClientOrderId: o.clientId,
    clientOrderId: q.get('cancelNewClientOrderId') ?? `cancel-${o.id}`,
    transactTime: o.updateTime,
    selfTradePreventionMode: 'NONE',
  };
}
