/**
 * Summarises a V8 CPU profile (from `node --cpu-prof`): the functions with the
 * most self time and the most total (inclusive) time, as percentages of the
 * profile.
 *
 *   node --cpu-prof --cpu-prof-dir=bench/out/prof bin/quantflow.js backtest ...
 *   npx tsx bench/profile-summary.ts bench/out/prof/<file>.cpuprofile [--top 25] [--filter dist/]
 *
 * --filter keeps only rows whose location contains the text (the percentages
 * stay relative to the whole profile).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const argv = process.argv.slice(2);
let top = 25;
let filter: string | undefined;
const files: string[] = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i] as string;
  if (a === '--top') top = Number(argv[++i]);
  else if (a === '--filter') filter = argv[++i];
  else files.push(a);
}
if (files.length !== 1 || !(top > 0)) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--filter TEXT]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(files[0] as string, 'utf8')) as CpuProfile;
const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const n of profile.nodes) byId.set(n.id, n);
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function location(cf: CallFrame): string {
  if (cf.url === '') return '';
  let path = cf.url;
  if (path.startsWith('file://')) {
    try {
      path = relative(process.cwd(), fileURLToPath(path.replace(/\?.*$/, '')));
    } catch {
      // keep the URL
    }
  }
  return `${path}:${cf.lineNumber + 1}`;
}

function key(n: ProfileNode): string {
  const name = n.callFrame.functionName === '' ? '(anonymous)' : n.callFrame.functionName;
  const loc = location(n.callFrame);
  return loc === '' ? name : `${name}  ${loc}`;
}

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
  all += dt;
  let id: number | undefined = profile.samples[i];
  const seen = new Set<string>();
  let first = true;
  while (id !== undefined) {
    const node = byId.get(id);
    if (node === undefined) break;
    const k = key(node);
    if (first) {
      self.set(k, (self.get(k) ?? 0) + dt);
      first = false;
    }
    if (!seen.has(k)) {
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
    id = parent.get(id);
  }
}

function table(title: string, m: Map<string, number>): void {
  const rows = [...m.entries()].filter(([k]) => filter === undefined || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`\n${title}`);
  console.log('   %      ms  function  location');
  for (const [k, us] of rows) {
    console.log(`${((100 * us) / all).toFixed(1).padStart(5)}  ${(us / 1000).toFixed(0).padStart(6)}  ${k}`);
  }
}

console.log(`${files[0]}: ${(all / 1000).toFixed(0)} ms sampled, ${profile.samples.length} samples`);
table('self time', self);
table('total time (inclusive)', total);
