/**
 * ccxt pro creates some futures that nothing awaits: binance's user data
 * stream authentication makes an `authenticate:signature:…` future ahead of
 * its request (for concurrent callers to wait on) and, when the connection
 * fails with no such caller, the client's reset rejects it: an unhandled
 * rejection, which ends the Node process (an exchange that stops mid-run did
 * this). Every future of the exchange's WebSocket clients is therefore given
 * a handler that ignores the rejection; whoever awaits one still gets it.
 */
import { InvariantError } from '../../core/errors.js';

/** What this reads of a ccxt pro client (ccxt's Client, not typed by ccxt's declarations). */
interface FutureMaker {
  future(messageHash: string): Promise<unknown>;
}

const guarded = new WeakSet<object>();

export function guardOrphanFutures(exchange: object): void {
  const target = exchange as { client?: (url: string) => FutureMaker };
  const makeClient = target.client;
  if (typeof makeClient !== 'function') throw new InvariantError('a ccxt pro exchange has no client(url) method');
  target.client = function (this: unknown, url: string): FutureMaker {
    const client = makeClient.call(this, url);
    if (!guarded.has(client)) {
      guarded.add(client);
      const future = client.future;
      client.future = function (this: unknown, messageHash: string): Promise<unknown> {
        const f = future.call(this, messageHash);
        f.catch(() => undefined);
        return f;
      };
    }
    return client;
  };
}
