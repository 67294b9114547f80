import type { MarketSource, MarketSubscription } from '../source.js';
import type { CatalogRecorder, FlushReport, RecorderStats } from './catalog-recorder.js';

export interface RecordMarketOptions {
  readonly source: MarketSource;
  readonly subscription: MarketSubscription;
  readonly recorder: CatalogRecorder;
  /** A flush every so many ms (the most a killed recorder loses). */
  readonly flushEveryMs: number;
  /** Stop after this long (ms); default: until the source ends or `signal` aborts. */
  readonly durationMs?: number;
  /** Stops the recording cleanly: the source closes, then a last flush. */
  readonly signal?: AbortSignal;
  /** Told after every flush. */
  readonly onFlush?: (report: FlushReport) => void;
}

/**
 * Runs a market source into a catalog recorder: flushes every
 * `flushEveryMs` while the source runs, and once more when it ends (its
 * data ran out, the duration passed, or `signal` aborted). A source that
 * fails for good is rethrown after that last flush, so what it delivered is
 * kept.
 */
export async function recordMarket(options: RecordMarketOptions): Promise<RecorderStats> {
  const { recorder } = options;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  if (options.signal?.aborted === true) stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const flush = async (): Promise<void> => {
    const report = await recorder.flush();
    options.onFlush?.(report);
  };
  // A flush that is still running when the next is due is not started twice (flush() queues behind it).
  let ticking = false;
  const tick = setInterval(() => {
    if (ticking) return;
    ticking = true;
    flush().finally(() => {
      ticking = false;
    });
  }, options.flushEveryMs);
  const deadline = options.durationMs !== undefined ? setTimeout(() => stop.abort(), options.durationMs) : undefined;
  let failure: unknown;
  try {
    await options.source.run(options.subscription, recorder, stop.signal);
  } catch (e) {
    failure = e;
  } finally {
    clearInterval(tick);
    if (deadline !== undefined) clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onAbort);
  }
  await flush();
  if (failure !== undefined) throw failure;
  return recorder.stats();
}
