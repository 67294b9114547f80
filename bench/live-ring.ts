/**
 * The live feed's I/O thread and event ring (part of `npm run bench`; alone:
 * `npm run build && npx tsx bench/live-ring.ts`). Not pinned to one core: the
 * producer (the I/O worker thread) and the consumer (this thread) run in
 * parallel by design. Measures the built package (dist/).
 *
 *   live_ring_events_per_sec   events/s from a SyntheticSource on the I/O thread, through the ring (65,536
 *                              records), to a sink on this thread (drain in a waitForEvents loop, latency
 *                              recording on): 5,000,000 numbered trades per repetition (the source's `sequence`
 *                              pattern, so the generator costs little) (floor 2,000,000)
 *   live_ring_p50_us           receive -> handed-to-sink latency, median, with the source paced at 100,000
 *                              events/s for 3 s (wall-clock receive stamps, I/O thread; hand-over stamps, this thread)
 *   live_ring_p99_us           the same, 99th percentile
 *
 * Options: --reps N (default 3), --events N (throughput run, default 5,000,000), --rate N (paced run,
 * default 100,000 events/s), --seconds S (paced run, default 3). Writes bench/live-ring-results.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SyntheticSource, startIoThread, type IoThread, type MarketEventSink, type MarketSubscription } from '../dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'live-ring-results.json');
const SOURCE = pathToFileURL(join(ROOT, 'dist', 'live', 'feed', 'synthetic-source.js')).href;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`bench/live-ring.ts: ${name} needs a positive number`);
    process.exit(2);
  }
  return v;
}
const REPS = arg('--reps', 3);
const EVENTS = arg('--events', 5_000_000);
const RATE = arg('--rate', 100_000);
const SECONDS = arg('--seconds', 3);
const SUBSCRIPTION: MarketSubscription = { symbols: ['BTC/USDT', 'ETH/USDT'], channels: ['trades', 'quotes'], timeframe: '1m' };

interface Row {
  name: string;
  value: number;
  unit: string;
  bound?: { kind: 'min' | 'max'; value: number; label: string };
  detail: string;
}
const rows: Row[] = [];
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (x: number, d = 1): string => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** A sink that does the least a consumer does: read the values. */
class ChecksumSink implements MarketEventSink {
  sum = 0;
  events = 0;
  trade(_s: number, _e: number, _r: number, price: number): void {
    this.sum += price;
    this.events++;
  }
  quote(_s: number, _e: number, _r: number, bid: number): void {
    this.sum += bid;
    this.events++;
  }
  bar(_s: number, _e: number, _r: number, _o: number, _h: number, _l: number, close: number): void {
    this.sum += close;
    this.events++;
  }
  bookLevel(_s: number, _e: number, _r: number, _side: number, price: number): void {
    this.sum += price;
    this.events++;
  }
  incident(): void {}
}

async function pumpToEnd(io: IoThread, sink: MarketEventSink): Promise<void> {
  while (!io.finished) {
    await io.waitForEvents(1000);
    io.drain(sink);
  }
}

/** The source alone, in-process, into the same sink: the producer's own ceiling. */
async function sourceAlone(): Promise<number> {
  const sink = new ChecksumSink();
  const t0 = performance.now();
  await new SyntheticSource({ events: EVENTS, batch: 4096, pattern: 'sequence' }).run(SUBSCRIPTION, sink, new AbortController().signal);
  return EVENTS / ((performance.now() - t0) / 1000);
}

async function throughputOnce(): Promise<{ rate: number; waits: number }> {
  const io = startIoThread({ source: { module: SOURCE, export: 'SyntheticSource', options: { events: EVENTS, batch: 4096, pattern: 'sequence' } }, subscription: SUBSCRIPTION });
  const sink = new ChecksumSink();
  await io.markets; // the thread is up; its first events may already be in the ring (at most 65,536)
  const t0 = performance.now();
  await pumpToEnd(io, sink);
  const secs = (performance.now() - t0) / 1000;
  await io.exit();
  if (sink.events !== EVENTS) throw new Error(`the sink got ${sink.events} events, expected ${EVENTS}`);
  return { rate: EVENTS / secs, waits: io.stats().producerWaits };
}

async function benchThroughput(): Promise<void> {
  console.log(`\n--- live_ring_events_per_sec: ${fmt(EVENTS, 0)} events, I/O thread -> ring -> sink`);
  await throughputOnce(); // warm-up
  const rates: number[] = [];
  let waits = 0;
  for (let i = 0; i < REPS; i++) {
    const r = await throughputOnce();
    rates.push(r.rate);
    waits = r.waits;
    console.log(`  rep ${i + 1}: ${fmt(r.rate / 1e6, 2)} M events/s (producer waited for space ${r.waits} times)`);
  }
  const alone = await sourceAlone();
  rows.push({
    name: 'live_ring_events_per_sec',
    value: Math.round(median(rates)),
    unit: 'events/s',
    bound: { kind: 'min', value: 2_000_000, label: '>= 2,000,000' },
    detail: `best ${fmt(Math.max(...rates) / 1e6, 2)} M, worst ${fmt(Math.min(...rates) / 1e6, 2)} M (${REPS} reps); the source alone in-process: ${fmt(alone / 1e6, 2)} M/s; ring full ${waits} times in the last rep`,
  });
}

async function benchLatency(): Promise<void> {
  console.log(`\n--- live_ring_p50_us / p99_us: ${fmt(RATE, 0)} events/s for ${SECONDS} s, receive -> sink`);
  const io = startIoThread({
    source: { module: SOURCE, export: 'SyntheticSource', options: { seed: 2, events: RATE * SECONDS, ratePerSecond: RATE, clock: 'wall', batch: 4096 } },
    subscription: SUBSCRIPTION,
  });
  const sink = new ChecksumSink();
  await pumpToEnd(io, sink);
  await io.exit();
  const s = io.latency!.receiveToSink.summary();
  if (sink.events !== RATE * SECONDS) throw new Error(`the sink got ${sink.events} events, expected ${RATE * SECONDS}`);
  const detail = `${fmt(sink.events, 0)} events paced at ${fmt(RATE, 0)}/s (bursts of about ${fmt(RATE / 1000, 0)} per 1 ms timer), ${fmt(s.count, 0)} sampled; mean ${fmt(s.mean, 1)} us, max ${fmt(s.max, 0)} us`;
  console.log(`  p50 ${fmt(s.p50, 1)} us, p99 ${fmt(s.p99, 1)} us, ${detail}`);
  rows.push({ name: 'live_ring_p50_us', value: s.p50, unit: 'us', detail });
  rows.push({ name: 'live_ring_p99_us', value: s.p99, unit: 'us', detail: 'same run' });
}

console.log(`QuantFlow live ring benchmarks: node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
await benchThroughput();
await benchLatency();

let failures = 0;
const table = rows.map((r) => {
  let status = '';
  if (r.bound !== undefined) {
    const ok = r.bound.kind === 'min' ? r.value >= r.bound.value : r.value <= r.bound.value;
    if (!ok) failures++;
    status = ok ? 'PASS' : 'FAIL';
  }
  return [r.name, fmt(r.value, r.unit === 'us' ? 1 : 0), r.unit, r.bound?.label ?? '', status, r.detail];
});
const head = ['benchmark', 'value', 'unit', 'bound', 'status', 'detail'];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] as string).length)));
const line = (c: string[]): string => c.map((x, i) => (i === 1 ? x.padStart(widths[i] as number) : x.padEnd(widths[i] as number))).join('  ').trimEnd();
console.log('');
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const t of table) console.log(line(t));
writeFileSync(RESULTS, `${JSON.stringify(rows.map(({ name, value, unit }) => ({ name, value: Math.round(value * 10) / 10, unit })), null, 2)}\n`);
console.log(`\nwrote bench/live-ring-results.json`);
if (failures > 0) console.log(`${failures} bound(s) not met`);
