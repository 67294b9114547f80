/**
 * Checks of what a strategy passes to the context's order calls. The rule
 * (docs/architecture.md): an argument no venue could ever receive is a bug
 * in the strategy's code and an InputError naming the call, the argument and
 * the value (a quantity or price that is not a finite number, an unknown
 * order type, side or time in force, options of the wrong type, an unknown
 * option); a well-formed order the venue or the risk rules refuse (a
 * quantity or price <= 0, a bad good-for-bars count, too large, no cash) is a
 * rejected order with its reason, as a venue would answer.
 */
import { argumentError, booleanArg, numberArg, oneOfArg } from '../core/arguments.js';
import type { OrderChanges } from '../model/execution.js';
import type { Order, OrderType, PositionSide, TimeInForce } from '../model/order.js';
import { ORDER_TYPES } from '../model/order.js';
import type { BracketOptions, OrderOptions } from '../strategy/context.js';

const SIDES: readonly ('buy' | 'sell')[] = ['buy', 'sell'];
const TIME_IN_FORCE: readonly TimeInForce[] = ['gtc', 'day', 'ioc', 'fok', 'gtd'];
const POSITION_SIDES: readonly PositionSide[] = ['long', 'short'];

const ORDER_OPTIONS = ['symbol', 'type', 'limit', 'stop', 'trailOffset', 'trailPercent', 'timeInForce', 'expire', 'validBars', 'reduceOnly', 'postOnly', 'tag', 'parent', 'positionSide'];
const REQUEST_FIELDS = ['symbol', 'side', 'type', 'quantity', 'price', 'triggerPrice', 'trailOffset', 'trailPercent', 'timeInForce', 'expire', 'validBars', 'reduceOnly', 'postOnly', 'tag', 'positionSide'];
const BRACKET_OPTIONS = ['symbol', 'side', 'quantity', 'limit', 'stop', 'stopLoss', 'takeProfit', 'timeInForce', 'expire', 'validBars', 'tag', 'positionSide'];
const CHANGES = ['price', 'triggerPrice', 'quantity'];

// These checks run for every order: an argument's name (`options.limit`) is
// put together only for the error, and a well-formed call allocates nothing.

/** An object argument with only the `known` keys, else an InputError. */
function fieldsOf(call: string, name: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw argumentError(call, name, value, `${name} must be an object`);
  const o = value as Record<string, unknown>;
  // for-in reads V8's cached keys of the object's shape (Object.keys makes an array per call); own keys only.
  for (const key in o) {
    if (!Object.hasOwn(o, key)) continue;
    if (!known.includes(key)) throw argumentError(call, `${name}.${key}`, o[key], `unknown option; ${name} takes ${known.join(', ')}`);
  }
  return o;
}

/** A number, when given: finite (whether it is > 0 is for the venue to judge). */
function finiteIfGiven(call: string, prefix: string, field: string, v: unknown): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) numberArg(call, `${prefix}.${field}`, v);
}

/** A time (µs since the epoch, or ISO text, read by the context), when given. */
function timeIfGiven(call: string, prefix: string, field: string, v: unknown): void {
  if (v === undefined || typeof v === 'string') return;
  finiteIfGiven(call, prefix, field, v);
}

function textIfGiven(call: string, prefix: string, field: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'string') throw argumentError(call, `${prefix}.${field}`, v, `${prefix}.${field} must be text`);
}

function booleanIfGiven(call: string, prefix: string, field: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') booleanArg(call, `${prefix}.${field}`, v, false);
}

function oneOfIfGiven<T extends string>(call: string, prefix: string, field: string, v: unknown, allowed: readonly T[]): void {
  if (v !== undefined && !(typeof v === 'string' && (allowed as readonly string[]).includes(v))) oneOfArg(call, `${prefix}.${field}`, v, allowed);
}

/** The fields every order call shares (`prefix` names the argument holding them). */
function checkCommon(call: string, prefix: string, o: Record<string, unknown>): void {
  textIfGiven(call, prefix, 'symbol', o.symbol);
  oneOfIfGiven(call, prefix, 'timeInForce', o.timeInForce, TIME_IN_FORCE);
  timeIfGiven(call, prefix, 'expire', o.expire);
  finiteIfGiven(call, prefix, 'validBars', o.validBars);
  textIfGiven(call, prefix, 'tag', o.tag);
  oneOfIfGiven(call, prefix, 'positionSide', o.positionSide, POSITION_SIDES);
}

/** The options of a `ctx.buy(quantity)` without any (shared: nothing is allocated for them). */
export const NO_ORDER_OPTIONS: OrderOptions = Object.freeze({});

/** An order's prices (named `price` and `trigger` here), trailing amounts and flags, each when given. */
function checkPricesAndFlags(call: string, prefix: string, o: Record<string, unknown>, price: string, trigger: string): void {
  finiteIfGiven(call, prefix, price, o[price]);
  finiteIfGiven(call, prefix, trigger, o[trigger]);
  finiteIfGiven(call, prefix, 'trailOffset', o.trailOffset);
  finiteIfGiven(call, prefix, 'trailPercent', o.trailPercent);
  booleanIfGiven(call, prefix, 'reduceOnly', o.reduceOnly);
  booleanIfGiven(call, prefix, 'postOnly', o.postOnly);
}

/** `ctx.buy(quantity, options)` / `ctx.sell(...)`. */
export function checkOrderOptions(call: string, quantity: unknown, options: unknown): OrderOptions {
  numberArg(call, 'quantity', quantity);
  if (options === undefined) return NO_ORDER_OPTIONS;
  const o = fieldsOf(call, 'options', options, ORDER_OPTIONS);
  checkCommon(call, 'options', o);
  oneOfIfGiven<OrderType>(call, 'options', 'type', o.type, ORDER_TYPES);
  checkPricesAndFlags(call, 'options', o, 'limit', 'stop');
  if (o.parent !== undefined) orderIdOf(call, 'options.parent', o.parent);
  return o as OrderOptions;
}

/** `ctx.submit(request, link)`. */
export function checkOrderRequest(call: string, request: unknown, link: unknown): void {
  const r = fieldsOf(call, 'request', request, REQUEST_FIELDS);
  oneOfArg(call, 'request.side', r.side, SIDES);
  oneOfArg<OrderType>(call, 'request.type', r.type, ORDER_TYPES);
  numberArg(call, 'request.quantity', r.quantity);
  checkCommon(call, 'request', r);
  checkPricesAndFlags(call, 'request', r, 'price', 'triggerPrice');
  if (link === undefined) return;
  const l = fieldsOf(call, 'link', link, ['parent']);
  if (l.parent !== undefined) orderIdOf(call, 'link.parent', l.parent);
}

/** `ctx.bracket(options)`. */
export function checkBracketOptions(call: string, options: unknown): BracketOptions {
  const o = fieldsOf(call, 'options', options, BRACKET_OPTIONS);
  if (o.side !== undefined) oneOfArg(call, 'options.side', o.side, SIDES);
  numberArg(call, 'options.quantity', o.quantity);
  numberArg(call, 'options.stopLoss', o.stopLoss);
  numberArg(call, 'options.takeProfit', o.takeProfit);
  finiteIfGiven(call, 'options', 'limit', o.limit);
  finiteIfGiven(call, 'options', 'stop', o.stop);
  checkCommon(call, 'options', o);
  return o as unknown as BracketOptions;
}

/** `ctx.modify(order, changes)`: the changes, each a finite number when given. */
export function checkChanges(call: string, changes: unknown): OrderChanges {
  const c = fieldsOf(call, 'changes', changes, CHANGES);
  for (const key of CHANGES) finiteIfGiven(call, 'changes', key, c[key]);
  return c as OrderChanges;
}

/** The id of an order argument: an order the context returned, or its id (0: an order that was never recorded). */
export function orderIdOf(call: string, name: string, order: unknown): number {
  const id = typeof order === 'number' ? order : order !== null && typeof order === 'object' ? (order as Order).id : undefined;
  if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return id;
  throw argumentError(call, name, order, `${name} must be an order (as ctx.buy, ctx.sell or ctx.submit return it) or its id`);
}
