/**
 * A MarketSource for tests: replays columns (read from the bundled samples
 * by the data readers, or generated) as live events, in time order across
 * streams, a batch at a time with a pause between batches so that timers
 * (flushes) run meanwhile, until the data ends or the signal aborts.
 */
import type { BarColumns, BookColumns, QuoteColumns, TradeColumns } from '../../src/model/market.js';
import type { LiveMarket, MarketEventSink, MarketSource, MarketSubscription } from '../../src/live/source.js';

export type StreamColumns = TradeColumns | QuoteColumns | BarColumns | BookColumns;

export interface ColumnStream {
  /** Index into the subscription's symbols. */
  readonly symbol: number;
  readonly columns: StreamColumns;
}

export interface ColumnSourceOptions {
  /** Events per batch (default 200). */
  readonly batch?: number;
  /** Pause between batches, ms (default 0: the next macrotask). */
  readonly pauseMs?: number;
  /** Receive time of an event: its exchange time plus this (µs). */
  readonly receiveDelay?: number;
  /** Awaited after each batch (a test flushes there, so that flushes fall at known places). */
  readonly afterBatch?: () => Promise<unknown>;
}

export class ColumnSource implements MarketSource {
  /** Events handed to sinks so far. */
  sent = 0;

  constructor(
    private readonly streams: readonly ColumnStream[],
    private readonly options: ColumnSourceOptions = {},
  ) {}

  async markets(symbols: readonly string[]): Promise<readonly LiveMarket[]> {
    return symbols.map((symbol) => {
      const [base = symbol, quote = ''] = symbol.split('/');
      return { symbol, id: symbol.replace('/', ''), base, quote, tickSize: '0', lotSize: '0' };
    });
  }

  async run(_subscription: MarketSubscription, sink: MarketEventSink, signal: AbortSignal): Promise<void> {
    const batch = this.options.batch ?? 200;
    const delay = this.options.receiveDelay ?? 0;
    const at = this.streams.map(() => 0);
    for (;;) {
      for (let k = 0; k < batch; k++) {
        // The stream whose next row is earliest goes next (ties: the first listed).
        let best = -1;
        let bestTime = Infinity;
        this.streams.forEach((s, i) => {
          const row = at[i] as number;
          if (row < s.columns.length && (s.columns.time[row] as number) < bestTime) {
            best = i;
            bestTime = s.columns.time[row] as number;
          }
        });
        if (best < 0) return;
        const s = this.streams[best] as ColumnStream;
        const i = at[best] as number;
        // A book event goes whole: its rows up to the one flagged last.
        const c = s.columns;
        const t = c.time[i] as number;
        let next = i + 1;
        switch (c.kind) {
          case 'trade':
            sink.trade(s.symbol, t, t + delay, c.price[i] as number, c.size[i] as number, c.side[i] as number);
            break;
          case 'quote':
            sink.quote(s.symbol, t, t + delay, c.bid[i] as number, c.ask[i] as number, c.bidSize[i] as number, c.askSize[i] as number);
            break;
          case 'bar':
            sink.bar(s.symbol, t, t + delay, c.open[i] as number, c.high[i] as number, c.low[i] as number, c.close[i] as number, c.volume[i] as number);
            break;
          case 'book':
            for (let j = i; j < c.length; j++) {
              sink.bookLevel(s.symbol, c.time[j] as number, (c.time[j] as number) + delay, c.side[j] as number, c.price[j] as number, c.size[j] as number, c.flags[j] as number, c.sequence[j] as number);
              next = j + 1;
              if (((c.flags[j] as number) & 4) !== 0) break;
            }
            break;
        }
        at[best] = next;
        this.sent++;
      }
      if (signal.aborted) return;
      await this.options.afterBatch?.();
      await new Promise((r) => setTimeout(r, this.options.pauseMs ?? 0));
      if (signal.aborted) return;
    }
  }
}
