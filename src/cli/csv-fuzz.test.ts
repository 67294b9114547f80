/**
 * The CSV fuzz (issue 13): every sample format of data/samples, mutated the
 * ways real files go wrong, through the command line's run(argv, io) in this
 * process. Whatever the bytes: never exit 1, never a stack trace; and never
 * silently wrong: a run that says 0 read exactly the rows an independent
 * count of the file's lines expects, with the values its text holds, and
 * under --on-invalid skip every data line is either a row or a reported
 * issue. A fixed seed and a bounded number of runs keep it reproducible and
 * fast.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLES, tempDir } from '../../test/helpers/cli.js';
import { runCli, type InProcessRun } from '../../test/helpers/run-cli.js';
import { openCsvFeed } from '../data/csv/open.js';
import type { Columns } from '../model/market.js';

/** A sample format: its file, the lines of it fuzzed, and what it holds. */
interface Sample {
  readonly file: string;
  readonly lines: number;
  readonly kind: 'bar' | 'quote' | 'trade' | 'book';
  readonly header: boolean;
}

const FORMATS: readonly Sample[] = [
  { file: 'KO-1997-1998.csv', lines: 40, kind: 'bar', header: true }, // Yahoo daily
  { file: 'FUT-2006-min.csv', lines: 40, kind: 'bar', header: true }, // futures minutes, date and time split (CR LF)
  { file: 'FUT-2015-ticks.csv', lines: 40, kind: 'bar', header: true }, // tick bars, ms times
  { file: 'BTC-PERP-2022-01-1m.csv', lines: 40, kind: 'bar', header: true }, // crypto 1m
  { file: 'GBPUSD-2012-m1-bid.csv', lines: 40, kind: 'bar', header: true }, // FX bid bars
  { file: 'USDJPY-2013-ticks.csv', lines: 40, kind: 'quote', header: true }, // TrueFX quotes
  { file: 'EURUSD-2020-01-ticks-histdata.csv', lines: 40, kind: 'quote', header: false }, // HistData quotes, no header
  { file: 'tardis-bitmex-trades-XBTUSD.csv', lines: 11, kind: 'trade', header: true }, // Tardis trades
  { file: 'binance-btcusdt-depth-snap.csv', lines: 30, kind: 'book', header: true }, // Binance depth snapshot
  { file: 'binance-btcusdt-depth-update.csv', lines: 30, kind: 'book', header: true }, // Binance depth updates
  { file: 'tardis-binance-futures-book-snapshot-25.csv', lines: 6, kind: 'book', header: true }, // Tardis book snapshots
];

/** The head of a sample as latin1 text (one char per byte), LF line ends. */
const BASE = FORMATS.map((f) => readFileSync(join(SAMPLES, f.file), 'latin1').replace(/\r\n/g, '\n').split('\n').slice(0, f.lines).join('\n') + '\n');

/** Field values that go wrong in real files. */
const BAD_VALUES = ['', 'NaN', 'nan', 'Infinity', '-Infinity', '1e400', '99999999999999999999999', '1e308', '-1', '0', ' 5 ', '1,5', '0x10', '\xff\xfe', '\xc3', '\xe9', '"7"', '1.2.3', '-', '+3', '.5', '12e', 'null'];

type Mutation =
  | { op: 'flip'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'delete' | 'duplicate'; line: number }
  | { op: 'swap'; line: number; other: number }
  | { op: 'removeField'; line: number; field: number }
  | { op: 'addField'; line: number; field: number; value: string }
  | { op: 'setField'; line: number; field: number; value: string }
  | { op: 'delimiter'; line: number | 'all'; to: string }
  | { op: 'ends'; to: '\r\n' | '\r' }
  | { op: 'bom' }
  | { op: 'insertBytes'; at: number; bytes: string }
  | { op: 'blank'; line: number; text: string };

const unit = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const lineIdx = fc.nat({ max: 60 });
const fieldIdx = fc.nat({ max: 12 });
const value = fc.oneof(fc.constantFrom(...BAD_VALUES), fc.string({ maxLength: 6 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: unit, byte: fc.nat({ max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: unit }),
  fc.record({ op: fc.constantFrom('delete' as const, 'duplicate' as const), line: lineIdx }),
  fc.record({ op: fc.constant('swap' as const), line: lineIdx, other: lineIdx }),
  fc.record({ op: fc.constant('removeField' as const), line: lineIdx, field: fieldIdx }),
  fc.record({ op: fc.constant('addField' as const), line: lineIdx, field: fieldIdx, value }),
  fc.record({ op: fc.constant('setField' as const), line: lineIdx, field: fieldIdx, value }),
  fc.record({ op: fc.constant('delimiter' as const), line: fc.oneof(lineIdx, fc.constant('all' as const)), to: fc.constantFrom(';', '\t', '|', ' ') }),
  fc.record({ op: fc.constant('ends' as const), to: fc.constantFrom('\r\n' as const, '\r' as const) }),
  fc.record({ op: fc.constant('bom' as const) }),
  fc.record({ op: fc.constant('insertBytes' as const), at: unit, bytes: fc.constantFrom('\xff', '\xc3\x28', '\x00', '\xef\xbb\xbf', '\r', '\n', '"') }),
  fc.record({ op: fc.constant('blank' as const), line: lineIdx, text: fc.constantFrom('', ' ', '\t', ',,,') }),
);

/** Applies mutations to a latin1 text; line mutations on LF lines, byte mutations on the whole. */
function mutate(text: string, ms: readonly Mutation[]): string {
  let t = text;
  for (const m of ms) {
    const lines = t.split('\n');
    const li = (n: number): number => n % Math.max(1, lines.length - 1);
    switch (m.op) {
      case 'flip': {
        const i = Math.floor(m.at * t.length);
        t = t.slice(0, i) + String.fromCharCode(m.byte) + t.slice(i + 1);
        break;
      }
      case 'truncate':
        t = t.slice(0, Math.floor(m.at * t.length));
        break;
      case 'delete':
        lines.splice(li(m.line), 1);
        t = lines.join('\n');
        break;
      case 'duplicate':
        lines.splice(li(m.line), 0, lines[li(m.line)] ?? '');
        t = lines.join('\n');
        break;
      case 'swap': {
        const a = li(m.line);
        const b = li(m.other);
        [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
        t = lines.join('\n');
        break;
      }
      case 'removeField':
      case 'addField':
      case 'setField': {
        const i = li(m.line);
        const fields = (lines[i] ?? '').split(',');
        const f = m.field % (fields.length + (m.op === 'addField' ? 1 : 0));
        if (m.op === 'removeField') fields.splice(f, 1);
        else if (m.op === 'addField') fields.splice(f, 0, m.value);
        else fields[f] = m.value;
        lines[i] = fields.join(',');
        t = lines.join('\n');
        break;
      }
      case 'delimiter':
        if (m.line === 'all') t = t.replaceAll(',', m.to);
        else {
          lines[li(m.line)] = (lines[li(m.line)] ?? '').replaceAll(',', m.to);
          t = lines.join('\n');
        }
        break;
      case 'ends':
        t = t.replace(/\r?\n/g, m.to);
        break;
      case 'bom':
        t = '\xef\xbb\xbf' + t;
        break;
      case 'insertBytes': {
        const i = Math.floor(m.at * t.length);
        t = t.slice(0, i) + m.bytes + t.slice(i);
        break;
      }
      case 'blank':
        lines.splice(li(m.line), 0, m.text);
        t = lines.join('\n');
        break;
    }
  }
  return t;
}

/**
 * The independent reading of a file's lines, as the data format defines
 * them: a UTF-8 byte order mark is dropped; the first line break says how
 * lines end (LF or CR LF: on LF, one CR before it dropped; CR alone: every
 * CR and LF ends a line); empty lines are not rows. 1-based line numbers.
 */
function fileLines(text: string): { line: number; text: string }[] {
  const t = text.startsWith('\xef\xbb\xbf') ? text.slice(3) : text;
  const first = /\r\n?|\n/.exec(t);
  const crOnly = first !== null && first[0] === '\r';
  const raw = crOnly ? t.split(/\r|\n/) : t.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  return raw.map((l, i) => ({ line: i + 1, text: l })).filter((l) => l.text !== '');
}

/** How many data rows the file holds by that reading; undefined when its header was changed (then the reader may see one more or one fewer). */
function expectedRows(sample: Sample, base: string, text: string): { rows: number; exact: boolean } {
  const lines = fileLines(text);
  if (!sample.header) return { rows: lines.length, exact: true };
  const header = base.split('\n')[0];
  return lines[0]?.text === header ? { rows: lines.length - 1, exact: true } : { rows: Math.max(0, lines.length - 1), exact: false };
}

/** No stack trace and no "internal error" anywhere in what the user sees. */
function expectClean(r: InProcessRun, what: string): void {
  expect([0, 2], `${what}: exit ${r.status}\n${r.stderr}`).toContain(r.status);
  expect(r.stderr, what).not.toMatch(/internal error|^\s+at .+:\d+:\d+\)?$/m);
}

const CHECK_LINE = /^.*: format (\S+), .* (\d+) rows, .*, (\d+) invalid$/;

/** The numbers `data check` prints for one file. */
function checked(stdout: string): { rows: number; invalid: number } | undefined {
  const m = CHECK_LINE.exec(stdout.split('\n')[0] ?? '');
  return m === null ? undefined : { rows: Number(m[2]), invalid: Number(m[3]) };
}

/**
 * A time as the formats define it, by a separate reading: ISO 8601 dates
 * (the last microsecond of the day) and date-times (a space or 'T', seconds
 * and a fraction optional, Z or an offset, UTC otherwise), or epoch
 * microseconds. Undefined when the text is none of these.
 */
function referenceTime(text: string, format: string): number | undefined {
  if (format === 'epoch_us') return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
  if (format !== 'iso') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = Date.UTC(y, mo - 1, d);
  const back = new Date(day);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  if (m[4] === undefined) return day * 1000 + 86_400_000_000 - 1;
  const [h, mi, sec] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || sec > 59) return undefined;
  const micros = Number(((m[7] ?? '') + '000000').slice(0, 6));
  let offset = 0;
  if (m[8] !== undefined && m[8] !== 'Z') {
    const o = m[8].replace(':', '');
    offset = (o[0] === '-' ? -1 : 1) * (Number(o.slice(1, 3)) * 60 + Number(o.slice(3, 5))) * 60_000_000;
  }
  return day * 1000 + ((h * 60 + mi) * 60 + sec) * 1_000_000 + micros - offset;
}

/** A field's value: inside its quotes when it is exactly one quoted text, else as written. */
function unquote(field: string): string {
  return /^"[^"]*"$/.test(field) ? field.slice(1, -1) : field;
}

/** A plain decimal as the format defines numbers: sign, digits, point, exponent, surrounding spaces. */
const DECIMAL = /^[ \t]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[ \t]*$/;

/** Each row a feed reads from `path` holds the values its line's text says (numbers as written; unchanged lines exactly as the sample read). */
function expectRowsMatchText(path: string, text: string, original: Map<string, number[]>): number {
  const feed = openCsvFeed(path);
  const byLine = new Map(fileLines(text).map((l) => [l.line, l.text]));
  const names = feed.kind === 'bar' ? ['open', 'high', 'low', 'close', 'volume'] : feed.kind === 'quote' ? ['bid', 'ask', 'bidSize', 'askSize'] : ['price', 'size'];
  const index = feed.format.columns as unknown as Record<string, number>;
  let n = 0;
  try {
    for (let cols = feed.next(); cols !== null; cols = feed.next()) {
      const c = cols as Columns & Record<string, Float64Array>;
      for (let i = 0; i < cols.length; i++, n++) {
        const lineText = byLine.get(cols.line[i] as number);
        expect(lineText, `line ${cols.line[i]} of ${path} is a row, but not a line`).toBeDefined();
        const values = [cols.time[i] as number, ...names.map((k) => c[k]![i] as number)];
        const same = original.get(lineText as string);
        if (same !== undefined) {
          expect(values, `line ${cols.line[i]}: ${lineText}`).toEqual(same);
          continue;
        }
        const fields = (lineText as string).split(feed.format.delimiter).map(unquote);
        const timeCol = index.time ?? -1;
        if (timeCol >= 0 && feed.format.timeFormat !== 'compact') {
          const t = referenceTime(fields[timeCol] ?? '', feed.format.timeFormat);
          expect(t, `line ${cols.line[i]} time '${fields[timeCol]}' was read as ${values[0]}`).toBe(values[0]);
        }
        names.forEach((k, j) => {
          const col = index[k] ?? -1;
          if (col < 0) return;
          const field = fields[col] ?? '';
          expect(DECIMAL.test(field), `line ${cols.line[i]} field ${k} '${field}' was read as ${values[j + 1]}`).toBe(true);
          expect(values[j + 1], `line ${cols.line[i]} field ${k} '${field}'`).toBe(Number(field.trim()));
        });
      }
    }
  } finally {
    feed.close();
  }
  return n;
}

/** The sample's own rows by line text: what unchanged lines must read as. */
function originalRows(path: string): Map<string, number[]> {
  const text = readFileSync(path, 'latin1');
  const lines = new Map(fileLines(text).map((l) => [l.line, l.text]));
  const feed = openCsvFeed(path);
  const names = feed.kind === 'bar' ? ['open', 'high', 'low', 'close', 'volume'] : feed.kind === 'quote' ? ['bid', 'ask', 'bidSize', 'askSize'] : ['price', 'size'];
  const out = new Map<string, number[]>();
  try {
    for (let cols = feed.next(); cols !== null; cols = feed.next()) {
      const c = cols as Columns & Record<string, Float64Array>;
      for (let i = 0; i < cols.length; i++) out.set(lines.get(cols.line[i] as number) as string, [cols.time[i] as number, ...names.map((k) => c[k]![i] as number)]);
    }
  } finally {
    feed.close();
  }
  return out;
}

const root = tempDir('qf-fuzz-');
const STRATEGY = join(root, 'Idle.ts');
writeFileSync(
  STRATEGY,
  `import { Strategy, type Bar, type StrategyContext } from 'quantflow';
export default class Idle extends Strategy {
  override onBar(_bar: Bar, _ctx: StrategyContext): void {}
}
`,
);
let seq = 0;
const counts = { cases: 0, exit0: 0, exit2: 0, imports: 0 };
afterAll(() => {
  // What the run exercised (for whoever reads the test output).
  console.log(`csv fuzz: ${counts.cases} cases, ${counts.exit0} read whole, ${counts.exit2} refused, ${counts.imports} imports`);
});

describe('CSV fuzz through the command line', () => {
  it('mutated sample files: exit 0 or 2, no stack, never silently wrong', async () => {
    const originals = new Map<string, Map<string, number[]>>();
    const base = (s: Sample): Map<string, number[]> => {
      let m = originals.get(s.file);
      if (m === undefined) {
        const dir = join(root, 'orig');
        mkdirSync(dir, { recursive: true });
        const p = join(dir, s.file);
        writeFileSync(p, BASE[FORMATS.indexOf(s)] as string, 'latin1');
        m = originalRows(p);
        originals.set(s.file, m);
      }
      return m;
    };
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: FORMATS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (k, ms) => {
        const sample = FORMATS[k] as Sample;
        const text = mutate(BASE[k] as string, ms);
        const dir = join(root, `case-${++seq}`);
        mkdirSync(dir);
        const path = join(dir, sample.file);
        writeFileSync(path, text, 'latin1');
        counts.cases++;
        const what = `${sample.file} after ${JSON.stringify(ms)}`;
        const expected = expectedRows(sample, BASE[k] as string, text);

        const check = await runCli(['data', 'check', path]);
        expectClean(check, `data check ${what}`);
        const skip = await runCli(['data', 'check', path, '--on-invalid', 'skip']);
        expectClean(skip, `data check --on-invalid skip ${what}`);
        if (check.status === 0) counts.exit0++;
        else counts.exit2++;

        if (sample.kind !== 'book') {
          const strict = checked(check.stdout);
          if (check.status === 0) {
            expect(strict, what).toBeDefined();
            if (expected.exact) expect(strict!.rows, `rows of ${what}`).toBe(expected.rows);
            // Unchanged lines read as in the sample only under the sample's own header (another header may name other columns).
            expect(expectRowsMatchText(path, text, expected.exact ? base(sample) : new Map()), what).toBe(strict!.rows);
          }
          const lenient = checked(skip.stdout);
          if (lenient !== undefined) {
            // Every data line is a row or a reported issue: none dropped without a word.
            const total = lenient.rows + lenient.invalid;
            if (expected.exact) expect(total, `rows + invalid of ${what}`).toBe(expected.rows);
            else expect([expected.rows, expected.rows + 1], `rows + invalid of ${what}`).toContain(total);
            expect(skip.status === 0, what).toBe(lenient.invalid === 0);
          }
        } else {
          // A line with another number of fields than the header is a bad row: never read past in silence.
          const lines = fileLines(text);
          const width = (BASE[k] as string).split('\n')[0]!.split(',').length;
          if (lines.length > 0 && lines[0]!.text === (BASE[k] as string).split('\n')[0] && lines.slice(1).some((l) => l.text.split(',').length !== width)) {
            expect(check.status, `a line with a wrong field count in ${what}`).toBe(2);
          }
          expectClean(await runCli(['book', '--data', path]), `book ${what}`);
        }

        const out = join(dir, 'run');
        const bt = await runCli(['backtest', '--strategy', STRATEGY, '--data', path, '--out', out, '--no-progress']);
        expectClean(bt, `backtest ${what}`);
        if (bt.status === 0 && sample.kind !== 'book') {
          const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
          expect((summary.bars ?? 0) + (summary.quotes ?? 0) + (summary.trades ?? 0), `events of ${what}`).toBe(checked(check.stdout)?.rows);
        }
        if (seq % 15 === 0) {
          counts.imports++;
          const imp = await runCli(['data', 'import', path, '--catalog', join(dir, 'catalog'), '--no-progress']);
          expectClean(imp, `data import ${what}`);
          if (imp.status === 0 && sample.kind !== 'book' && expected.exact) {
            expect(imp.stdout, `data import ${what}`).toContain(`: ${expected.rows} rows, ${expected.rows} added`);
          }
        }
      }),
      // Fixed by default; QF_FUZZ_SEED and QF_FUZZ_RUNS explore further.
      { seed: Number(process.env.QF_FUZZ_SEED ?? 20_240_611), numRuns: Number(process.env.QF_FUZZ_RUNS ?? 600) },
    );
  }, 120_000);
});
