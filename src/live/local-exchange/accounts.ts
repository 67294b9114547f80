import { createHmac, timingSafeEqual } from 'node:crypto';
import { addExact, subExact } from '../../core/decimal.js';
import { InputError } from '../../core/errors.js';

/** One account of the local exchange: its API key and secret, and starting balances (asset -> amount). */
export interface AccountSpec {
  readonly key: string;
  readonly secret: string;
  /** Starting free balances, asset -> amount (USDT -> '10000'); default: LocalExchangeOptions.balances. */
  readonly balances?: Readonly<Record<string, string | number>>;
}

/** An account's balances (free and locked per asset, exact decimals) and the client order ids it has used. */
export class Account {
  readonly free = new Map<string, number>();
  readonly locked = new Map<string, number>();
  readonly clientIds = new Set<string>();
  updateTime = 0;

  constructor(
    readonly key: string,
    readonly secret: string,
    balances: Readonly<Record<string, number>>,
  ) {
    for (const [asset, amount] of Object.entries(balances)) this.free.set(asset, amount);
  }

  freeOf(asset: string): number {
    return this.free.get(asset) ?? 0;
  }

  lockedOf(asset: string): number {
    return this.locked.get(asset) ?? 0;
  }

  /** Adds `amount` (may be negative) to the free balance of `asset`. */
  addFree(asset: string, amount: number): void {
    this.free.set(asset, addExact(this.freeOf(asset), amount));
  }

  addLocked(asset: string, amount: number): void {
    this.locked.set(asset, addExact(this.lockedOf(asset), amount));
  }

  /** Moves `amount` from free to locked. */
  lock(asset: string, amount: number): void {
    this.free.set(asset, subExact(this.freeOf(asset), amount));
    this.addLocked(asset, amount);
  }

  /** Moves `amount` from locked back to free. */
  unlock(asset: string, amount: number): void {
    this.locked.set(asset, subExact(this.lockedOf(asset), amount));
    this.addFree(asset, amount);
  }

  /** Every asset the account has held, sorted. */
  assets(): string[] {
    return [...new Set([...this.free.keys(), ...this.locked.keys()])].sort();
  }
}

/** A Binance error answer: HTTP status, code and message. */
export interface ApiError {
  readonly status: number;
  readonly code: number;
  readonly msg: string;
}

const AMOUNT = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** Checks the specs and builds the accounts, keyed by API key; InputError naming the flag and value for anything wrong. */
export function buildAccounts(specs: readonly AccountSpec[], defaults: Readonly<Record<string, string | number>>): Map<string, Account> {
  const accounts = new Map<string, Account>();
  for (const spec of specs) {
    const shown = `${spec.key}:…`; // never echo a secret
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(spec.key)) throw new InputError({ code: 'invalid_option', field: '--account', value: spec.key, message: 'expected KEY:SECRET with a key of 1..64 letters, digits, _ or -' });
    if (spec.secret.length === 0) throw new InputError({ code: 'invalid_option', field: '--account', value: shown, message: 'expected KEY:SECRET with a non-empty secret' });
    if (accounts.has(spec.key)) throw new InputError({ code: 'invalid_option', field: '--account', value: shown, message: 'this API key is given twice' });
    accounts.set(spec.key, new Account(spec.key, spec.secret, parseBalances(spec.balances ?? defaults)));
  }
  return accounts;
}

function parseBalances(given: Readonly<Record<string, string | number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [asset, raw] of Object.entries(given)) {
    const text = String(raw);
    if (!/^[A-Z0-9]{1,20}$/.test(asset)) throw new InputError({ code: 'invalid_option', field: '--balance', value: `${asset}=${text}`, message: 'expected ASSET=AMOUNT with an upper-case asset (USDT=10000)' });
    if (!AMOUNT.test(text)) throw new InputError({ code: 'invalid_option', field: '--balance', value: `${asset}=${text}`, message: 'expected ASSET=AMOUNT with a decimal amount >= 0 (USDT=10000)' });
    out[asset] = Number(text);
  }
  return out;
}

/** recvWindow when a request gives none, and the most Binance accepts (ms). */
const DEFAULT_RECV_WINDOW = 5000;
const MAX_RECV_WINDOW = 60000;
/** How far ahead of the server's clock a timestamp may be (ms), as Binance. */
const AHEAD_MS = 1000;

/**
 * Checks a signed request as Binance does: a known API key, the HMAC-SHA256
 * (hex) of `payload` with the account's secret equal to `signature`, and a
 * `timestamp` no more than 1 s ahead of `nowMs` and no older than
 * `recvWindow` (default 5000, at most 60000). `nowMs` is the server's clock
 * (the wall clock plus any injected skew), never the replay's data time,
 * which is years behind any client's clock (docs/live.md).
 */
export function verifySigned(
  accounts: ReadonlyMap<string, Account>,
  apiKey: string | undefined,
  payload: string,
  params: { readonly signature?: string | undefined; readonly timestamp?: string | undefined; readonly recvWindow?: string | undefined },
  nowMs: number,
): Account | ApiError {
  if (apiKey === undefined || apiKey === '') return { status: 401, code: -2014, msg: 'API-key format invalid.' };
  const account = accounts.get(apiKey);
  if (account === undefined) return { status: 401, code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' };
  if (params.timestamp === undefined) return { status: 400, code: -1102, msg: "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed." };
  if (params.signature === undefined) return { status: 400, code: -1102, msg: "Mandatory parameter 'signature' was not sent, was empty/null, or malformed." };
  const expected = createHmac('sha256', account.secret).update(payload).digest();
  const given = /^[0-9a-fA-F]{64}$/.test(params.signature) ? Buffer.from(params.signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 400, code: -1022, msg: 'Signature for this request is not valid.' };
  const timestamp = Number(params.timestamp);
  const recvWindow = params.recvWindow === undefined ? DEFAULT_RECV_WINDOW : Number(params.recvWindow);
  if (!Number.isSafeInteger(recvWindow) || recvWindow <= 0 || recvWindow > MAX_RECV_WINDOW) return { status: 400, code: -1131, msg: 'recvWindow must be less than 60000' };
  if (!Number.isSafeInteger(timestamp)) return { status: 400, code: -1100, msg: "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'." };
  if (timestamp > nowMs + AHEAD_MS) return { status: 400, code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time." };
  if (nowMs - timestamp > recvWindow) return { status: 400, code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' };
  return account;
}

/** The raw `k=v&...` text without its `signature` pair, as Binance signs it. */
export function withoutSignature(raw: string): string {
  return raw
    .split('&')
    .filter((pair) => pair !== '' && !pair.startsWith('signature='))
    .join('&');
}
