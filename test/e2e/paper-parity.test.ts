import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, readCsv, summaryOf, tempDir } from '../helpers/cli.js';
import { runCli } from '../helpers/run-cli.js';

/** The files a paper run shares with a backtest, which must match byte for byte. */
const SHARED = ['fills.csv', 'trades.csv', 'orders.csv', 'equity.csv', 'positions.csv'];

/** A strategy that trades on ticks (trade prints and book updates): every `every` ticks it flips between long and flat with a market order. */
function tickStrategy(dir: string): string {
  const file = join(dir, 'tick-flipper.ts');
  writeFileSync(
    file,
    `import { Strategy, z, type OrderBook, type TradeTick, type StrategyContext } from 'quantflow';
const params = z.object({ every: z.number().int().positive().default(3), size: z.number().positive().default(1) }).strict();
export default class TickFlipper extends Strategy<z.infer<typeof params>> {
  static params = params;
  private n = 0;
  override onTrade(_t: TradeTick, ctx: StrategyContext): void {
    this.tick(ctx);
  }
  override onBook(_b: OrderBook, ctx: StrategyContext): void {
    this.tick(ctx);
  }
  private tick(ctx: StrategyContext): void {
    if (++this.n % this.params.every !== 0) return;
    if (ctx.position() === 0) ctx.buy(this.params.size);
    else ctx.sell(ctx.position());
  }
}
`,
  );
  return file;
}

/**
 * Trade prints in Tardis's layout from the closes of BTC-PERP's first 3,000
 * minute bars (the bundled trades sample has 10 prints, 9 of them in one
 * millisecond: no order could fill on it).
 */
function tradesFile(dir: string): string {
  const file = join(dir, 'btc-trades.csv');
  const bars = readFileSync(join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), 'utf8').trim().split('\n').slice(1, 3001);
  const rows = bars.map((line, i) => {
    const [time, , , , close] = line.split(',');
    const us = Date.parse(`${(time as string).slice(0, 19).replace(' ', 'T')}Z`) * 1000 + (i % 7) * 1000;
    return `ftx,BTC-PERP,${us},${us + 150},${i},${i % 3 === 0 ? 'sell' : 'buy'},${close},${(i % 5) + 1}`;
  });
  writeFileSync(file, ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', ...rows].join('\n') + '\n');
  return file;
}

interface Case {
  readonly name: string;
  readonly strategy: (dir: string) => string;
  readonly files: (dir: string) => readonly string[];
  readonly symbol: string;
  readonly channels: string;
  readonly flags: readonly string[];
  /** Fills expected at least (a parity of nothing proves nothing). */
  readonly minFills: number;
}

const CASES: Case[] = [
  {
    name: 'minute bars, sma-cross',
    strategy: () => join(ROOT, 'examples/sma-cross.ts'),
    files: () => [join(SAMPLES, 'BTC-PERP-2022-01-1m.csv')],
    symbol: 'BTC-PERP',
    channels: 'bars',
    flags: ['--cash', '100000', '--fee-rate', '0.001', '--param', 'size=1'],
    minFills: 1000,
  },
  {
    name: 'trade prints, a strategy trading on ticks (with latency and slippage)',
    strategy: tickStrategy,
    files: (dir) => [tradesFile(dir)],
    symbol: 'BTC-PERP',
    channels: 'trades',
    flags: ['--cash', '1000000', '--fee-rate', '0.0005', '--latency-ms', '50', '--slippage', 'ticks:1', '--tick-size', '1', '--param', 'every=7'],
    minFills: 400,
  },
  {
    name: 'Tardis book snapshots, a strategy trading on book updates',
    strategy: tickStrategy,
    files: () => [join(SAMPLES, 'tardis-binance-futures-book-snapshot-25.csv')],
    symbol: 'BTCUSDT',
    channels: 'book',
    flags: ['--cash', '1000000', '--fee-rate', '0.0004', '--param', 'every=2', '--param', 'size=0.5'],
    minFills: 4,
  },
  {
    name: 'quote ticks, quote-reversion',
    strategy: () => join(ROOT, 'examples/quote-reversion.ts'),
    files: () => [join(SAMPLES, 'EURUSD-2020-01-ticks-histdata.csv')],
    symbol: 'EURUSD',
    channels: 'quotes',
    flags: ['--cash', '100000', '--fee-rate', '0.0001'],
    minFills: 50,
  },
  {
    name: 'a Binance L2 book, book-maker (book fills with queue position)',
    strategy: () => join(ROOT, 'examples/book-maker.ts'),
    files: () => [join(SAMPLES, 'binance-btcusdt-depth-snap.csv'), join(SAMPLES, 'binance-btcusdt-depth-update.csv')],
    symbol: 'BTCUSDT',
    channels: 'book',
    flags: ['--cash', '100000', '--fee-rate', '0.001', '--on-gap', 'warn'],
    minFills: 0,
  },
];

describe.each(CASES)('paper on a replayed file = backtest of the file: $name', (c) => {
  const dir = tempDir('qf-paper-parity-');
  const strategy = c.strategy(dir);
  const files = c.files(dir);
  const paper = join(dir, 'paper');
  const backtest = join(dir, 'backtest');
  const recorded = join(dir, 'recorded');

  it('gives the same orders, fills, trades, equity and positions, byte for byte', async () => {
    const p = await runCli(['paper', '--strategy', strategy, '--exchange', `replay:${files.join(',')}`, '--symbol', c.symbol, '--data', c.channels, ...c.flags, '--out', paper]);
    expect(p.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([]);
    expect(p.status).toBe(0);
    const b = await runCli(['backtest', '--strategy', strategy, ...files.flatMap((f) => ['--data', f]), '--symbol', c.symbol, ...c.flags, '--out', backtest]);
    expect(b.status).toBe(0);
    for (const f of SHARED) expect(readFileSync(join(paper, f), 'utf8'), f).toBe(readFileSync(join(backtest, f), 'utf8'));
    expect(readCsv(join(paper, 'fills.csv')).length).toBeGreaterThanOrEqual(c.minFills);
    const ps = summaryOf(paper);
    const bs = summaryOf(backtest);
    for (const k of ['final_equity', 'orders', 'orders_filled', 'closed_trades', 'fees', 'bars', 'start', 'end']) expect(ps[k], k).toEqual(bs[k]);
    expect(ps.complete).toBe(true);
    expect((ps.live as { stop_reason: string }).stop_reason).toBe('end_of_data');
  });

  it('records market data that a backtest reads and that reproduces the paper run', async () => {
    const live = summaryOf(paper).live as { market_data: string[] };
    expect(live.market_data.length).toBe(1);
    const file = join(paper, live.market_data[0] as string);
    expect(existsSync(file)).toBe(true);
    // The recorded file names its symbol: no --symbol needed.
    const r = await runCli(['backtest', '--strategy', strategy, '--data', file, ...c.flags, '--out', recorded]);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error'))).toEqual([]);
    expect(r.status).toBe(0);
    for (const f of SHARED) expect(readFileSync(join(recorded, f), 'utf8'), f).toBe(readFileSync(join(paper, f), 'utf8'));
  });
});
