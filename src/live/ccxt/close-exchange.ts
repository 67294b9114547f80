/**
 * Closing a ccxt pro exchange whose WebSocket is still connecting (a run
 * stopped right after it started) makes ccxt reject a future that nothing
 * awaits: an unhandled rejection, which ends the Node process. So each
 * client still connecting is let connect first, for up to `waitMs` (ccxt
 * never settles a failed connection's promise: that one waits the bound).
 */

/** What this reads of a ccxt pro client (ccxt's Client, not typed by ccxt's declarations). */
interface WsClientLike {
  readonly startedConnecting?: boolean;
  readonly connected?: Promise<unknown>;
  isOpen?(): boolean;
}

export async function closeCcxtExchange(exchange: { close(): Promise<unknown> }, waitMs = 2000): Promise<void> {
  const clients = Object.values(((exchange as { clients?: unknown }).clients ?? {}) as Record<string, WsClientLike>);
  const connecting = clients.filter((c) => c.startedConnecting === true && c.isOpen?.() !== true && c.connected !== undefined);
  if (connecting.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(connecting.map((c) => (c.connected as Promise<unknown>).catch(() => undefined))), timeout]);
    clearTimeout(timer);
  }
  await exchange.close();
}
