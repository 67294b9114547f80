import type { RawData, WebSocket } from 'ws';
import { verifySigned, type Account } from './accounts.js';
import { StreamConnection } from './stream-connection.js';

/** Faults of the user data stream: drop every Nth report of a connection (0: none); delay every message. */
export interface UserStreamFaults {
  readonly dropEvery: number;
  readonly delayMs: number;
}

interface Subscription {
  readonly id: number;
  readonly account: Account;
}

/**
 * Binance spot's WebSocket API (/ws-api/v3) as far as ccxt's binance uses it
 * for the user data stream: `userDataStream.subscribe.signature` (signed like
 * a REST request: apiKey, timestamp, signature of the sorted params) and
 * `userDataStream.unsubscribe`; then every executionReport and
 * outboundAccountPosition of the account, as {"subscriptionId": N, "event": {...}}.
 */
export class UserStreams {
  private readonly connections = new Map<StreamConnection, Subscription[]>();
  private nextSubscription = 0;

  constructor(
    private readonly accounts: ReadonlyMap<string, Account>,
    private readonly faults: UserStreamFaults,
    /** The server's clock (ms): what a subscription's timestamp is checked against. */
    private readonly serverNowMs: () => number,
  ) {}

  /** Reports sent and dropped so far on open connections, and their user data subscriptions. */
  get counts(): { sent: number; dropped: number; subscriptions: number } {
    let sent = 0;
    let dropped = 0;
    let subscriptions = 0;
    for (const [c, subs] of this.connections) {
      sent += c.sent;
      dropped += c.dropped;
      subscriptions += subs.length;
    }
    return { sent, dropped, subscriptions };
  }

  accept(ws: WebSocket): void {
    const c = new StreamConnection(ws, false, this.faults);
    this.connections.set(c, []);
    ws.on('message', (data) => this.onMessage(c, data));
    const forget = (): void => {
      this.connections.delete(c);
      c.dispose();
    };
    ws.on('close', forget);
    ws.on('error', forget);
  }

  /** Sends one event (JSON text) to every subscription of the account. */
  publish(account: Account, event: string): void {
    for (const [c, subs] of this.connections) {
      for (const s of subs) if (s.account === account) c.deliver('user', `{"subscriptionId":${s.id},"event":${event}}`);
    }
  }

  closeAll(): void {
    for (const c of [...this.connections.keys()]) {
      this.connections.delete(c);
      c.dispose();
      c.ws.terminate();
    }
  }

  private onMessage(c: StreamConnection, data: RawData): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      c.send(JSON.stringify({ id: null, status: 400, error: { code: -1000, msg: 'The request is not JSON.' } }));
      return;
    }
    const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : null;
    const answer = (status: number, body: { result: unknown } | { error: { code: number; msg: string } }): void => c.send(JSON.stringify({ id, status, ...body }));
    const params = typeof msg.params === 'object' && msg.params !== null ? (msg.params as Record<string, unknown>) : {};
    switch (msg.method) {
      case 'userDataStream.subscribe.signature': {
        const text = (k: string): string | undefined => (params[k] === undefined ? undefined : String(params[k]));
        const payload = Object.keys(params)
          .filter((k) => k !== 'signature')
          .sort()
          .map((k) => `${k}=${String(params[k])}`)
          .join('&');
        const verdict = verifySigned(this.accounts, text('apiKey'), payload, { signature: text('signature'), timestamp: text('timestamp'), recvWindow: text('recvWindow') }, this.serverNowMs());
        if ('code' in verdict) return answer(verdict.status, { error: { code: verdict.code, msg: verdict.msg } });
        const subscriptionId = this.nextSubscription++;
        (this.connections.get(c) ?? []).push({ id: subscriptionId, account: verdict });
        return answer(200, { result: { subscriptionId } });
      }
      case 'userDataStream.unsubscribe': {
        const subs = this.connections.get(c) ?? [];
        const which = params.subscriptionId;
        this.connections.set(c, which === undefined ? [] : subs.filter((s) => s.id !== Number(which)));
        return answer(200, { result: {} });
      }
      case 'ping':
        return answer(200, { result: {} });
      default:
        return answer(400, { error: { code: -1000, msg: `The local exchange's WebSocket API serves the user data stream only, not ${String(msg.method)}.` } });
    }
  }
}
