/**
 * `quantflow record` in a process of its own, over a generated market source
 * (`--exchange synthetic`): trades three to a millisecond, the same sequence
 * on every run, sent at a steady pace. Environment: SYNTH_TOTAL (events, then
 * the source ends; default: endless), SYNTH_BATCH (events per 10 ms, default 50).
 * Used by the recorder's crash and concurrency tests: run with tsx.
 */
import { run } from '../../src/cli/main.js';
import { processIO } from '../../src/cli/io.js';
import { registerMarketSource } from '../../src/live/sources.js';
import type { MarketEventSink, MarketSource, MarketSubscription } from '../../src/live/source.js';
import { synthTrade } from './synthetic-trades.js';


class SyntheticSource implements MarketSource {
  async markets(symbols: readonly string[]) {
    return symbols.map((symbol) => ({ symbol, id: symbol, base: symbol, quote: '', tickSize: '0', lotSize: '0' }));
  }

  async run(_s: MarketSubscription, sink: MarketEventSink, signal: AbortSignal): Promise<void> {
    const total = Number(process.env.SYNTH_TOTAL ?? Infinity);
    const batch = Number(process.env.SYNTH_BATCH ?? 50);
    for (let i = 0; i < total && !signal.aborted; ) {
      for (let k = 0; k < batch && i < total; k++, i++) {
        const [t, price, size, side] = synthTrade(i);
        sink.trade(0, t, t, price, size, side);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

registerMarketSource('synthetic', () => ({ source: new SyntheticSource(), name: 'synthetic', timeRate: 1 }));
process.exitCode = await run(process.argv.slice(2), processIO);
