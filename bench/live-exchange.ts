/**
 * Receive -> strategy latency of a paper run on the local exchange (part of
 * `npm run bench`; alone: `npm run build && npx tsx bench/live-exchange.ts`).
 * The whole live path as a user runs it: `quantflow exchange` replays
 * generated trade prints at a steady pace, `quantflow paper --exchange
 * binance --url ...` reads them through ccxt pro on its I/O thread, and a
 * strategy's onTrade sees each one. The figures are the paper run's own
 * summary.json (`live.latency_us.receive_to_strategy`: from the I/O thread's
 * receive stamp to the strategy's hook, every event). Unpinned: the exchange,
 * the I/O thread and the kernel are three threads in two processes.
 *
 *   live_exchange_p50_us   receive -> onTrade, median, 2,000 trades/s for 10 s
 *   live_exchange_p99_us   the same, 99th percentile
 *
 * Options: --rate N (trades/s, default 2,000), --seconds S (default 10). Writes bench/live-exchange-results.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'out', 'live-exchange');
const CLI = join(ROOT, 'bin', 'quantflow.js');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`bench/live-exchange.ts: ${name} needs a positive number`);
    process.exit(2);
  }
  return v;
}
const RATE = arg('--rate', 2000);
const SECONDS = arg('--seconds', 10);

/** Trade prints in Tardis's layout, RATE per second of data time, a random walk around 40,000 (seeded). */
function tradesFile(): string {
  const file = join(OUT, 'trades.csv');
  const rows = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount'];
  const t0 = Date.UTC(2024, 0, 2) * 1000;
  let price = 4_000_000; // cents
  let seed = 7;
  const n = RATE * SECONDS;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    price += (seed % 21) - 10;
    const t = t0 + Math.floor((i * 1_000_000) / RATE);
    rows.push(`binance,BTCUSDT,${t},${t},${i + 1},${seed % 2 === 0 ? 'buy' : 'sell'},${(price / 100).toFixed(2)},${((seed % 1000) / 1000 + 0.001).toFixed(3)}`);
  }
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

/** A strategy that sees every trade and trades now and then (so the venue works too). */
function strategyFile(): string {
  const file = join(OUT, 'every-trade.ts');
  writeFileSync(
    file,
    `import { Strategy, type TradeTick, type StrategyContext } from 'quantflow';
export default class EveryTrade extends Strategy {
  private n = 0;
  override onTrade(_t: TradeTick, ctx: StrategyContext): void {
    if (++this.n % 500 !== 0) return;
    if (ctx.position() === 0) ctx.buy(0.01);
    else ctx.sell(ctx.position());
  }
}
`,
  );
  return file;
}

mkdirSync(OUT, { recursive: true });
console.log(`QuantFlow live exchange latency: node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const data = tradesFile();
const strategy = strategyFile();
const exchange = spawn(process.execPath, [CLI, 'exchange', '--data', `${data}=BTC/USDT`, '--speed', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolveUrl, reject) => {
  let text = '';
  exchange.stdout.on('data', (d: Buffer) => {
    text += d.toString();
    const nl = text.indexOf('\n');
    if (nl >= 0) resolveUrl(text.slice(0, nl).trim());
  });
  exchange.on('exit', (code) => reject(new Error(`the exchange exited (${code})`)));
});
const out = join(OUT, 'paper');
const paper = spawn(
  process.execPath,
  [CLI, 'paper', '--strategy', strategy, '--exchange', 'binance', '--url', url, '--symbol', 'BTC/USDT', '--data', 'trades', '--cash', '1000000', '--out', out, '--duration', `${SECONDS + 4}s`],
  { stdio: ['ignore', 'ignore', 'ignore'] },
);
const code = await new Promise<number | null>((r) => paper.on('exit', r));
exchange.kill('SIGINT');
if (code !== 0) {
  console.error(`the paper run exited with status ${code}`);
  process.exit(1);
}
const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
  live: { events: { trades: number }; latency_us: { receive_to_strategy: { count: number; p50: number; p99: number } } };
};
const lat = summary.live.latency_us.receive_to_strategy;
console.log(`  ${summary.live.events.trades} of ${RATE * SECONDS} trades reached onTrade; receive -> onTrade p50 ${lat.p50} us, p99 ${lat.p99} us (${lat.count} samples)`);
const results = [
  { name: 'live_exchange_p50_us', value: lat.p50, unit: 'us', detail: `receive -> onTrade, ${RATE} trades/s for ${SECONDS} s from the local exchange through ccxt on the I/O thread` },
  { name: 'live_exchange_p99_us', value: lat.p99, unit: 'us', detail: `the same, 99th percentile; ${summary.live.events.trades} trades` },
];
writeFileSync(join(ROOT, 'bench', 'live-exchange-results.json'), JSON.stringify({ node: process.version, cpus: cpus().length, results }, null, 2) + '\n');
console.log('wrote bench/live-exchange-results.json');
