import { describe, expect, it } from 'vitest';
import { draftOrder } from '../../model/order.js';
import { ccxtOrderArgs, redact, sessionRunId, venueOrderOf } from './mapping.js';

const BINANCE_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'];
const base = { symbol: 'BTC/USDT', side: 'buy' as const, quantity: 0.5, clientOrderId: 'r-1' };

describe('ccxt order arguments (binance spot)', () => {
  it('sends the client order id with every order, and limit orders with their time in force', () => {
    expect(ccxtOrderArgs(draftOrder(base), BINANCE_TYPES)).toEqual({ ok: true, type: 'market', price: undefined, params: { newClientOrderId: 'r-1' } });
    expect(ccxtOrderArgs(draftOrder({ ...base, type: 'limit', price: 100, timeInForce: 'ioc' }), BINANCE_TYPES)).toEqual({
      ok: true,
      type: 'limit',
      price: 100,
      params: { newClientOrderId: 'r-1', timeInForce: 'IOC' },
    });
    expect(ccxtOrderArgs(draftOrder({ ...base, type: 'limit', price: 100, postOnly: true }), BINANCE_TYPES)).toMatchObject({ ok: true, type: 'LIMIT_MAKER', price: 100 });
  });

  it('sends stops as STOP_LOSS and stop-limits as STOP_LOSS_LIMIT with their trigger, where the market lists them', () => {
    expect(ccxtOrderArgs(draftOrder({ ...base, type: 'stop', triggerPrice: 105 }), BINANCE_TYPES)).toEqual({
      ok: true,
      type: 'STOP_LOSS',
      price: undefined,
      params: { newClientOrderId: 'r-1', stopPrice: 105 },
    });
    expect(ccxtOrderArgs(draftOrder({ ...base, type: 'stop', price: 104 }), BINANCE_TYPES)).toMatchObject({ ok: true, params: { stopPrice: 104 } });
    expect(ccxtOrderArgs(draftOrder({ ...base, type: 'stop_limit', triggerPrice: 105, price: 106 }), BINANCE_TYPES)).toEqual({
      ok: true,
      type: 'STOP_LOSS_LIMIT',
      price: 106,
      params: { newClientOrderId: 'r-1', stopPrice: 105, timeInForce: 'GTC' },
    });
    expect(ccxtOrderArgs(draftOrder({ ...base, type: 'stop', triggerPrice: 105 }), ['LIMIT', 'MARKET'])).toEqual({ ok: false, reason: 'the exchange has no stop orders for BTC/USDT' });
  });

  it('refuses what spot binance cannot do, with a reason', () => {
    expect(ccxtOrderArgs(draftOrder({ ...base, type: 'trailing_stop', trailOffset: 1 }), BINANCE_TYPES)).toEqual({ ok: false, reason: 'trailing_stop orders are not available through the ccxt venue' });
    expect(ccxtOrderArgs(draftOrder({ ...base, type: 'limit', price: 1, timeInForce: 'day' }), BINANCE_TYPES)).toEqual({ ok: false, reason: 'time in force day is not available on the exchange' });
    expect(ccxtOrderArgs(draftOrder({ ...base, reduceOnly: true }), BINANCE_TYPES)).toEqual({ ok: false, reason: 'reduce-only orders are not available on spot markets' });
  });
});

describe('session run ids', () => {
  it('are short, Binance-safe, differ by session and by run folder, and are the same for the same folder', () => {
    const id = sessionRunId('/tmp/runs/2026-01-05 my strategy!', 12345);
    expect(id).toMatch(/^[A-Za-z0-9]{1,16}s12345$/);
    expect(`${id}-${999_999_999_999}`.length).toBeLessThanOrEqual(36);
    expect(`${id}-${999_999_999_999}`).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
    expect(sessionRunId('/tmp/runs/a', 1)).toBe(sessionRunId('/tmp/runs/a', 1));
    expect(sessionRunId('/tmp/runs/a', 1)).not.toBe(sessionRunId('/tmp/runs/a', 2));
    expect(sessionRunId('/tmp/x/a', 1)).not.toBe(sessionRunId('/tmp/y/a', 1));
  });
});

describe('exchange orders and credentials', () => {
  it("maps ccxt's order states and binance's types onto the journal's", () => {
    expect(venueOrderOf({ id: '7', clientOrderId: 'c', symbol: 'BTC/USDT', side: 'sell', type: 'stop_loss_limit', status: 'canceled', amount: 1, filled: 0.5, price: 9, triggerPrice: 10 })).toEqual({
      clientOrderId: 'c',
      venueOrderId: '7',
      symbol: 'BTC/USDT',
      side: 'sell',
      type: 'stop_limit',
      quantity: 1,
      price: 9,
      triggerPrice: 10,
      filled: 0.5,
      status: 'cancelled',
    });
    expect(venueOrderOf({ id: '8', status: 'closed', type: 'market', price: 0 })).toMatchObject({ status: 'filled', clientOrderId: '' });
  });

  it('blanks every credential out of a text', () => {
    expect(redact('key k3y and secret s3c and k3y again', ['k3y', 's3c', ''])).toBe('key *** and secret *** and *** again');
  });
});
