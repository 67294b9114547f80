import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/cli.js';
import { parseRunConfig } from '../../backtest/config.js';
import { GuardedStrategy } from '../../backtest/guarded-strategy.js';
import { StrategyError } from '../../backtest/strategy-error.js';
import { MICROS_PER_SECOND } from '../../core/time.js';
import type { Bar } from '../../model/market.js';
import type { StrategyContext } from '../../strategy/context.js';
import { Strategy } from '../../strategy/strategy.js';
import type { LiveMarket, MarketEventSink, MarketSource, MarketSubscription } from '../source.js';
import { LatencyHistogram } from '../feed/latency.js';
import { runPaper, type PaperRunOptions } from './paper-run.js';

const T0 = Date.UTC(2024, 0, 2) * 1000;
const MIN = 60 * MICROS_PER_SECOND;

/** Buys on even bars, sells on odd ones (from the second bar). */
class Flipper extends Strategy<Record<string, unknown>> {
  n = 0;
  throwAt = -1;
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (++this.n === this.throwAt) throw new Error('strategy bug');
    if (this.n % 2 === 0) ctx.buy(1);
    else if (ctx.position() > 0) ctx.sell(1);
  }
}

/** Rests a buy limit far below the market on the first bar, then flips as Flipper; cancels the resting order when told. */
class RestingThenFlipper extends Flipper {
  private resting: number | undefined;
  cancelNext = false;
  override onBar(bar: Bar, ctx: StrategyContext): void {
    if (this.resting === undefined) this.resting = ctx.buy(1, { type: 'limit', limit: 1 }).id;
    if (this.cancelNext) {
      this.cancelNext = false;
      ctx.cancel(this.resting);
    }
    super.onBar(bar, ctx);
  }
}

/**
 * A live-like source: `n` bars at once, one a minute of market time, then
 * more only when `more()` is called; it runs until aborted, as an exchange
 * feed does.
 */
class ScriptedSource implements MarketSource {
  sent = 0;
  private sink: MarketEventSink | undefined;
  constructor(private readonly first: number) {}
  markets(symbols: readonly string[]): Promise<readonly LiveMarket[]> {
    return Promise.resolve(symbols.map((s) => ({ symbol: s, id: s, base: s, quote: '', tickSize: '0', lotSize: '0' })));
  }
  async run(_sub: MarketSubscription, sink: MarketEventSink, signal: AbortSignal): Promise<void> {
    this.sink = sink;
    this.more(this.first);
    sink.incident({ time: T0, kind: 'connected', symbol: '', channel: 'bars', detail: 'connected, "quoted", to the feed' });
    // The run may have stopped during the burst above (a strategy error).
    if (signal.aborted) return;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  more(n: number): void {
    for (let i = 0; i < n; i++, this.sent++) {
      const p = 100 + (this.sent % 5);
      this.sink?.bar(0, T0 + this.sent * MIN, Date.now() * 1000, p, p + 1, p - 1, p, 10);
    }
  }
}

function options(out: string, source: MarketSource, strategy: Strategy<object>, extra: Partial<PaperRunOptions> = {}): PaperRunOptions {
  const config = parseRunConfig({ strategy: 'flipper.ts', data: ['live'], cash: 10_000, feeRate: 0.001 });
  return {
    config,
    strategy: new GuardedStrategy(strategy, 'flipper.ts'),
    strategyName: 'Flipper',
    params: {},
    source,
    sourceName: 'scripted',
    subscription: { symbols: ['BTC/USDT'], channels: ['bars'], timeframe: '1m' },
    timeRate: 0,
    out,
    summaryEveryMs: 20,
    tickEveryMs: 5,
    ...extra,
  };
}

const lines = (path: string): string[] => readFileSync(path, 'utf8').trim().split('\n');
const summary = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('runPaper', () => {
  it('writes its files as the run goes, and completes them when stopped by a signal', async () => {
    const out = tempDir('qf-paper-run-');
    const source = new ScriptedSource(10);
    const stop = new AbortController();
    const running = runPaper(options(out, source, new Flipper({}), { signal: stop.signal }));
    // While running: fills appended, summary.json refreshed (whole JSON each time), marked incomplete.
    await until(() => existsSync(join(out, 'fills.csv')) && lines(join(out, 'fills.csv')).length >= 9);
    await until(() => ((summary(out).live as { events: { bars: number } }).events.bars === 10));
    const s1 = summary(out);
    expect(s1.complete).toBe(false);
    expect(s1.incomplete_reason).toBe('running');
    expect(lines(join(out, 'incidents.csv'))).toEqual(['time,kind,symbol,channel,detail', '2024-01-02T00:00:00Z,connected,,bars,"connected, ""quoted"", to the feed"']);
    source.more(10);
    await until(() => lines(join(out, 'fills.csv')).length >= 19);
    stop.abort();
    const run = await running;
    expect(run.stopReason).toBe('signal');
    const s = summary(out);
    expect(s.complete).toBe(true);
    const live = s.live as { stop_reason: string; events: { bars: number }; incidents: number; market_data: string[]; latency_us: { receive_to_strategy: { count: number } } };
    expect(live.stop_reason).toBe('signal');
    expect(live.events.bars).toBe(20);
    expect(live.incidents).toBe(1);
    expect(live.latency_us.receive_to_strategy.count).toBe(20);
    expect(live.market_data).toEqual(['market-data/BTC-USDT_bars.csv']);
    expect(lines(join(out, 'market-data/BTC-USDT_bars.csv'))).toHaveLength(21);
    // Complete: every bar's equity row, the orders in id order, each order once.
    expect(lines(join(out, 'equity.csv'))).toHaveLength(21);
    const orders = lines(join(out, 'orders.csv')).slice(1).map((l) => Number(l.split(',')[0]));
    expect(orders).toEqual(orders.map((_, i) => i + 1));
    expect(orders.length).toBe(run.result.orders.length);
    expect(lines(join(out, 'fills.csv')).length - 1).toBe(run.result.fills.length);
  });

  it('appends each order to orders.csv once it is done, while an earlier one stays open across flushes', async () => {
    const out = tempDir('qf-paper-run-');
    const source = new ScriptedSource(10);
    const stop = new AbortController();
    const strategy = new RestingThenFlipper({});
    const running = runPaper(options(out, source, strategy, { signal: stop.signal }));
    const ids = (): number[] => lines(join(out, 'orders.csv')).slice(1).map((l) => Number(l.split(',')[0]));
    // Order 1 rests (a buy limit far below the market); the flips after it fill and are written, in id order, without it.
    await until(() => existsSync(join(out, 'orders.csv')) && ids().length >= 5);
    expect(ids()).toEqual(Array.from({ length: ids().length }, (_, i) => i + 2));
    const before = ids().length;
    strategy.cancelNext = true;
    source.more(4);
    // The resting order's row comes once it is cancelled, after the rows written before; no order twice.
    await until(() => ids().includes(1));
    const during = ids();
    expect(during.slice(0, before)).toEqual(Array.from({ length: before }, (_, i) => i + 2));
    expect(new Set(during).size).toBe(during.length);
    stop.abort();
    const run = await running;
    // At the end orders.csv is rewritten whole, in id order, as a backtest writes it.
    expect(ids()).toEqual(run.result.orders.map((o) => o.id));
    expect(run.result.orders.find((o) => o.id === 1)?.status).toBe('cancelled');
  });

  it('finishes without a source that does not stop when asked: an incident, its later events dropped', async () => {
    const out = tempDir('qf-paper-run-');
    let sink: MarketEventSink | undefined;
    let release: () => void = () => {};
    const stuck: MarketSource = {
      markets: () => Promise.resolve([]),
      run: (_sub, s) => {
        sink = s;
        s.bar(0, T0, Date.now() * 1000, 100, 101, 99, 100, 1);
        return new Promise<void>((resolve) => (release = resolve)); // ignores the signal
      },
    };
    const stop = new AbortController();
    const running = runPaper(options(out, stuck, new Flipper({}), { signal: stop.signal, stopGraceMs: 30 }));
    await until(() => sink !== undefined);
    stop.abort();
    const run = await running;
    expect(run.stopReason).toBe('signal');
    expect(run.result.bars).toBe(1);
    sink?.bar(0, T0 + MIN, Date.now() * 1000, 100, 101, 99, 100, 1); // after the end: dropped
    release();
    expect(run.result.bars).toBe(1);
    expect(summary(out).complete).toBe(true);
    expect(lines(join(out, 'incidents.csv'))[1]).toMatch(/,error,,,the market source did not stop within 30 ms of being asked to; its later events are dropped$/);
  });

  it('stops after --duration', async () => {
    const out = tempDir('qf-paper-run-');
    const run = await runPaper(options(out, new ScriptedSource(3), new Flipper({}), { duration: 50_000 }));
    expect(run.stopReason).toBe('duration');
    expect((summary(out).live as { stop_reason: string }).stop_reason).toBe('duration');
    expect(summary(out).complete).toBe(true);
  });

  it('stops at a strategy error: outputs written up to it, marked incomplete, the error returned', async () => {
    const out = tempDir('qf-paper-run-');
    const strategy = new Flipper({});
    strategy.throwAt = 6;
    const run = await runPaper(options(out, new ScriptedSource(10), strategy));
    expect(run.stopReason).toBe('strategy_error');
    expect(run.failure).toBeInstanceOf(StrategyError);
    const s = summary(out);
    expect(s.complete).toBe(false);
    expect(String(s.incomplete_reason)).toMatch(/strategy bug/);
    expect(lines(join(out, 'equity.csv'))).toHaveLength(7);
  });
});

describe('LatencyHistogram', () => {
  it('reads quantiles within 2% and keeps negative values apart', () => {
    const h = new LatencyHistogram();
    expect(h.percentile(0.5)).toBeNaN();
    for (let i = 1; i <= 1000; i++) h.record(i * 10);
    h.record(-5);
    h.record(NaN);
    expect(h.count).toBe(1001);
    expect(h.summary().negative).toBe(1);
    expect(Math.abs(h.percentile(0.5) - 5000) / 5000).toBeLessThan(0.02);
    expect(Math.abs(h.percentile(0.99) - 9900) / 9900).toBeLessThan(0.02);
    expect(h.percentile(1)).toBeLessThanOrEqual(10_000);
  });
});
