/**
 * What an order costs in memory: bytes allocated per order over a run, and
 * bytes still held per order when the run has ended (the result's orders,
 * fills and trades), by kind. Figures that do not depend on the machine's
 * speed or load, unlike the timings of `npm run bench`: the measure of the
 * order path's garbage and of what each order keeps alive.
 *
 *   npm run build && node --predictable --import tsx bench/order-memory.ts
 *
 * `--predictable` (no concurrent compiling: the same code is optimized, and
 * inlined, the same way every run) makes the allocated figures repeat to the
 * byte; without it, which calls are inlined when varies, and with it whether
 * some doubles crossing calls are boxed (sma-cross: 5.0 to 9.5 KB per order).
 *
 * Two strategies over generated bars held in memory (cash 1e9): `flip`, an
 * order on every bar (buy 100 when flat, else sell the position), and
 * examples/sma-cross.ts (fast 10, slow 30), an order every 26 bars or so.
 *
 * - allocated: V8's sampling heap profiler over one run (objects collected
 *   by the garbage collector included; 128-byte sampling interval), after a
 *   warm-up run, over the orders of the run;
 * - held: two heap snapshots, before the run and after it with its result
 *   kept, the difference by kind of heap node: JavaScript objects, boxed
 *   doubles (a number field that holds a double is a 16-byte heap number of
 *   its own in each object), strings, and native memory (typed arrays'
 *   buffers: the equity curve and the other columns, per bar rather than
 *   per order).
 *
 * Results go to bench/order-memory-results.json.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BacktestEngine,
  ColumnsFeed,
  Strategy,
  generateBarColumns,
  instantiateStrategy,
  loadStrategyFile,
  type Bar,
  type BacktestResult,
  type StrategyClass,
  type StrategyContext,
} from '../dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'order-memory-results.json');

/** An order on every bar: the order path and nothing else. */
class Flip extends Strategy<Record<string, never>> {
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (ctx.hasOpenOrders()) return;
    const p = ctx.position();
    if (p === 0) ctx.buy(100);
    else ctx.sell(p);
  }
}

interface Case {
  readonly name: string;
  readonly cls: StrategyClass<object>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly bars: number;
}

function run(c: Case): BacktestResult {
  const cols = generateBarColumns({ bars: c.bars, seed: 20240611 });
  return new BacktestEngine({ strategy: instantiateStrategy(c.cls, c.params), feeds: [new ColumnsFeed('SYN', cols, 'generated')], cash: 1e9 }).run();
}

interface ProfileNode {
  selfSize: number;
  children: ProfileNode[];
}

async function allocated(session: Session, c: Case): Promise<{ bytes: number; orders: number }> {
  run(c); // warm-up: the code is compiled, the strategy module loaded
  await session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const result = run(c);
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  let bytes = 0;
  const walk = (n: ProfileNode): void => {
    bytes += n.selfSize;
    n.children.forEach(walk);
  };
  walk(profile.head);
  return { bytes, orders: result.orders.length };
}

type Kinds = Record<'objects' | 'boxed_doubles' | 'strings' | 'native' | 'other', { count: number; bytes: number }>;

async function heapByKind(session: Session): Promise<Kinds> {
  const chunks: string[] = [];
  const onChunk = (m: { params: { chunk: string } }): void => {
    chunks.push(m.params.chunk);
  };
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await session.post('HeapProfiler.collectGarbage');
  await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snap = JSON.parse(chunks.join('')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[] };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iSize = fields.indexOf('self_size');
  const kinds: Kinds = { objects: { count: 0, bytes: 0 }, boxed_doubles: { count: 0, bytes: 0 }, strings: { count: 0, bytes: 0 }, native: { count: 0, bytes: 0 }, other: { count: 0, bytes: 0 } };
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType] as number];
    const kind = type === 'object' ? 'objects' : type === 'number' ? 'boxed_doubles' : type === 'string' || type === 'concatenated string' || type === 'sliced string' ? 'strings' : type === 'native' ? 'native' : 'other';
    kinds[kind].count++;
    kinds[kind].bytes += snap.nodes[i + iSize] as number;
  }
  return kinds;
}

const rows: { name: string; value: number; unit: string }[] = [];
const session = new Session();
session.connect();
const smaCross = await loadStrategyFile(join(ROOT, 'examples', 'sma-cross.ts'));
const cases: Case[] = [
  { name: 'flip', cls: Flip as unknown as StrategyClass<object>, params: {}, bars: 20_000 },
  { name: 'sma_cross', cls: smaCross, params: { fast: 10, slow: 30, size: 100 }, bars: 300_000 },
];
/** One case; in a function of its own, so that nothing of it is still held when the next one takes its "before" snapshot. */
async function measure(c: Case): Promise<void> {
  const a = await allocated(session, c);
  const before = await heapByKind(session);
  const kept = run(c);
  const after = await heapByKind(session);
  const n = kept.orders.length;
  console.log(`\n${c.name}: ${c.bars.toLocaleString('en-US')} bars, ${n.toLocaleString('en-US')} orders, ${kept.fills.length.toLocaleString('en-US')} fills, ${kept.closedTrades.length.toLocaleString('en-US')} closed trades`);
  console.log(`  allocated over the run: ${(a.bytes / 1e6).toFixed(1)} MB, ${Math.round(a.bytes / a.orders)} B per order`);
  rows.push({ name: `${c.name}_allocated_bytes_per_order`, value: Math.round(a.bytes / a.orders), unit: 'B' });
  let total = 0;
  for (const kind of Object.keys(after) as (keyof Kinds)[]) {
    const bytes = after[kind].bytes - before[kind].bytes;
    const count = after[kind].count - before[kind].count;
    total += bytes;
    console.log(`  held after the run, ${kind.padEnd(13)} ${(bytes / 1e6).toFixed(2).padStart(7)} MB  ${(count / n).toFixed(1).padStart(5)} per order  ${Math.round(bytes / n).toString().padStart(5)} B per order`);
    if (kind !== 'other') rows.push({ name: `${c.name}_held_${kind}_bytes_per_order`, value: Math.round(bytes / n), unit: 'B' });
  }
  console.log(`  held after the run, in all     ${(total / 1e6).toFixed(2).padStart(7)} MB               ${Math.round(total / n).toString().padStart(5)} B per order`);
  rows.push({ name: `${c.name}_boxed_doubles_per_order`, value: Math.round(((after.boxed_doubles.count - before.boxed_doubles.count) / n) * 10) / 10, unit: 'count' });
}

for (const c of cases) await measure(c);
session.disconnect();
writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
console.log(`\nwrote ${RESULTS.slice(ROOT.length + 1)}`);
