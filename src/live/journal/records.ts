/**
 * What the journal holds: intents (written and fsynced before they are sent)
 * and reports (written when they arrive), one JSON object per frame. Times
 * are Micros since the epoch; money and quantities are plain numbers as the
 * venue states them.
 */

import { z } from 'zod';
import { InvariantError } from '../../core/errors.js';
import type { Micros } from '../../core/time.js';
import type { OrderChanges } from '../../model/execution.js';
import type { OrderRequest, OrderSide } from '../../model/order.js';

/** An order request as journalled: the instrument is always named. */
export type JournalOrderRequest = OrderRequest & { readonly symbol: string };

/** The order an exchange puts in place of a modified one: its client order id and quantity. */
export interface ReplacementLeg {
  readonly clientOrderId: string;
  readonly quantity: number;
}

/** How a modify was sent when not in one request: a cancel, then the replacement. */
export type ModifyBy = 'cancel-replace';

/** Balances per currency ('USDT' -> 1000, 'BTC' -> 0.5). */
export type Balances = Readonly<Record<string, number>>;

export interface JournalFill {
  readonly tradeId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: number;
  readonly quantity: number;
  readonly fee: number;
  /** Defaults to the symbol's quote currency. */
  readonly feeCurrency?: string;
}

export type JournalIntent =
  | { readonly kind: 'submit'; readonly time: Micros; readonly clientOrderId: string; readonly request: JournalOrderRequest }
  | { readonly kind: 'cancel'; readonly time: Micros; readonly clientOrderId: string }
  /**
   * A change. When the exchange replaces the order to change it (cancel-replace),
   * `replacement` names the new order's client order id and quantity (the
   * remaining quantity with the change applied) before it is sent.
   */
  | {
      readonly kind: 'modify';
      readonly time: Micros;
      readonly clientOrderId: string;
      readonly changes: OrderChanges;
      readonly replacement?: ReplacementLeg;
      /** 'cancel-replace': changed by hand, a cancel and then a new order (`replace`); absent: one request (editOrder). */
      readonly modifyBy?: ModifyBy;
    }
  /**
   * A modify by hand (`modifyBy: 'cancel-replace'`): the exchange confirmed
   * the cancel of the order; its replacement, for the remaining quantity
   * with the change applied, is sent now.
   */
  | { readonly kind: 'replace'; readonly time: Micros; readonly clientOrderId: string; readonly replacement: ReplacementLeg };

export type JournalReport =
  | { readonly kind: 'accepted'; readonly time: Micros; readonly clientOrderId: string; readonly venueOrderId: string }
  | { readonly kind: 'rejected'; readonly time: Micros; readonly clientOrderId: string; readonly reason: string }
  | ({ readonly kind: 'fill'; readonly time: Micros; readonly clientOrderId: string } & JournalFill)
  | { readonly kind: 'cancelled'; readonly time: Micros; readonly clientOrderId: string }
  | { readonly kind: 'expired'; readonly time: Micros; readonly clientOrderId: string }
  /** The change is in force; `venueOrderId` is the replacement's exchange id when the exchange replaced the order. */
  | { readonly kind: 'modified'; readonly time: Micros; readonly clientOrderId: string; readonly changes: OrderChanges; readonly replacement?: ReplacementLeg; readonly venueOrderId?: string }
  | { readonly kind: 'cancelRejected'; readonly time: Micros; readonly clientOrderId: string; readonly reason: string }
  | { readonly kind: 'modifyRejected'; readonly time: Micros; readonly clientOrderId: string; readonly reason: string };

/**
 * Run bookkeeping: `balances` is the account as the exchange stated it (at
 * start, after a reconciliation); `session` marks a session's start; `adopted` takes an order the run did not
 * place into the run (reconciliation's `adopt`).
 */
export type JournalNote =
  | { readonly kind: 'balances'; readonly time: Micros; readonly balances: Balances }
  | {
      readonly kind: 'adopted';
      readonly time: Micros;
      readonly clientOrderId: string;
      readonly venueOrderId: string;
      readonly request: JournalOrderRequest;
    }
  /** A session of the run started; its client order ids are `<runId>-<order id>`. */
  | { readonly kind: 'session'; readonly time: Micros; readonly runId: string };

export type JournalRecord = JournalIntent | JournalReport | JournalNote;
export type JournalRecordKind = JournalRecord['kind'];

export const INTENT_KINDS: ReadonlySet<JournalRecordKind> = new Set(['submit', 'cancel', 'modify', 'replace']);

export function isIntent(record: JournalRecord): record is JournalIntent {
  return INTENT_KINDS.has(record.kind);
}

const time = z.number().int();
const id = z.string().min(1);
const finite = z.number().finite();
const side = z.enum(['buy', 'sell']);
const request = z.looseObject({ symbol: id, side, type: z.string().min(1), quantity: finite.positive() });
const replacementLeg = z.strictObject({ clientOrderId: id, quantity: finite.positive() });
const replacement = replacementLeg.optional();
const changes = z.strictObject({ price: finite.optional(), triggerPrice: finite.optional(), quantity: finite.positive().optional() });

const RecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('submit'), time, clientOrderId: id, request }),
  z.strictObject({ kind: z.literal('cancel'), time, clientOrderId: id }),
  z.strictObject({ kind: z.literal('modify'), time, clientOrderId: id, changes, replacement, modifyBy: z.literal('cancel-replace').optional() }),
  z.strictObject({ kind: z.literal('replace'), time, clientOrderId: id, replacement: replacementLeg }),
  z.strictObject({ kind: z.literal('accepted'), time, clientOrderId: id, venueOrderId: id }),
  z.strictObject({ kind: z.literal('rejected'), time, clientOrderId: id, reason: z.string() }),
  z.strictObject({
    kind: z.literal('fill'),
    time,
    clientOrderId: id,
    tradeId: id,
    symbol: id,
    side,
    price: finite,
    quantity: finite.positive(),
    fee: finite,
    feeCurrency: id.optional(),
  }),
  z.strictObject({ kind: z.literal('cancelled'), time, clientOrderId: id }),
  z.strictObject({ kind: z.literal('expired'), time, clientOrderId: id }),
  z.strictObject({ kind: z.literal('modified'), time, clientOrderId: id, changes, replacement, venueOrderId: id.optional() }),
  z.strictObject({ kind: z.literal('cancelRejected'), time, clientOrderId: id, reason: z.string() }),
  z.strictObject({ kind: z.literal('modifyRejected'), time, clientOrderId: id, reason: z.string() }),
  z.strictObject({ kind: z.literal('balances'), time, balances: z.record(z.string(), finite) }),
  z.strictObject({ kind: z.literal('adopted'), time, clientOrderId: id, venueOrderId: id, request }),
  z.strictObject({ kind: z.literal('session'), time, runId: id }),
]);

/**
 * The JSON text of `record` as the journal writes it, checked to read back as
 * this record: a record the reader would refuse must never be written, since
 * one would make the whole journal unreadable (a run that cannot start
 * again). An InvariantError names the record and the field.
 */
export function encodeRecord(record: JournalRecord): string {
  const json = JSON.stringify(record);
  const decoded = decodeRecord(json);
  if (!decoded.ok) throw new InvariantError(`a '${String(record.kind)}' journal record that could not be read back is not written (${decoded.reason}): ${json}`);
  return json;
}

/** The record in `json`, or a one-line reason why it is not one. */
export function decodeRecord(json: string): { ok: true; record: JournalRecord } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = RecordSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: first ? `${first.path.join('.') || 'record'}: ${first.message}` : 'not a journal record' };
  }
  return { ok: true, record: parsed.data as JournalRecord };
}
