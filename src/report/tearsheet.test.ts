import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MICROS_PER_SECOND } from '../core/time.js';
import { VISIBLE_MARKS_JS, escapeHtml, jsonScript, lightweightChartsSource, scriptText } from './assets.js';
import { htmlPage, sha256Source } from './html-page.js';
import { OhlcDownsampler } from './prices.js';
import { splitCsvLine } from './run-dir.js';
import { axisPrecision, chartPoints, decimalsOf, fmtNumber, fmtPercent } from './tearsheet.js';

describe('page building blocks', () => {
  it('inlines the standalone chart library', () => {
    const lib = lightweightChartsSource();
    expect(lib).toContain('window.LightweightCharts');
    expect(lib.length).toBeGreaterThan(100_000);
  });

  it('escapes what would end a script element or start a comment', () => {
    expect(scriptText('a="</script>";b="<!--"')).toBe('a="<\\/script>";b="<\\!--"');
    const json = jsonScript({ s: '</script><b>\u2028' });
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toEqual({ s: '</script><b>\u2028' });
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });

  it('a page lists the hash of each inline script and style as the browser sees it (line ends as LF)', () => {
    const html = htmlPage({ title: '<t>', style: 'b{}\r\ni{}', body: '<main></main>', data: { s: '</script>' }, scripts: ['var a = 1;\r\nvar b = "</script>";\r'] });
    const script = 'var a = 1;\nvar b = "<\\/script>";\n';
    expect(html).toContain(`<script>${script}</script>`);
    expect(html).toContain('<style>b{}\ni{}</style>');
    expect(html).toContain(`script-src ${sha256Source(script).replace(/'/g, '&#39;')};`);
    expect(html).toContain(`style-src ${sha256Source('b{}\ni{}').replace(/'/g, '&#39;')};`);
    expect(html).toContain('<title>&lt;t&gt;</title>');
    expect(html).not.toContain('"</script>"');
  });

  it('formats figures, with a dash for undefined and no negative zero', () => {
    expect(fmtNumber(1234.567)).toBe('1,234.57');
    expect(fmtNumber(-0.001)).toBe('0.00');
    expect(fmtNumber(null)).toBe('\u2014');
    expect(fmtPercent(0.1234)).toBe('12.34%');
    expect(fmtPercent(NaN)).toBe('\u2014');
  });

  it('decimals of prices as written, and of an axis', () => {
    expect(decimalsOf([2.37037, 3.1])).toBe(5);
    expect(decimalsOf([10, 11])).toBe(0);
    expect(axisPrecision([40.5, 41.25])).toBe(2);
    expect(axisPrecision([1.10412, 1.10398])).toBe(5);
    expect(axisPrecision([0.00012345])).toBe(8);
  });

  it('chart points: one per second, at most a given number', () => {
    const s = MICROS_PER_SECOND;
    expect(chartPoints([0, 1, 2, s, 2 * s + 5])).toEqual([2, 3, 4]);
    const many = Array.from({ length: 1000 }, (_, i) => i * s);
    const pts = chartPoints(many, 100);
    expect(pts.length).toBeLessThanOrEqual(100);
    expect(pts[pts.length - 1]).toBe(999);
    expect(pts).toEqual([...pts].sort((a, b) => a - b));
  });

  it('splits CSV lines with quoted fields', () => {
    expect(splitCsvLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitCsvLine('1,"x, ""y""",2')).toEqual(['1', 'x, "y"', '2']);
  });
});

describe('OhlcDownsampler', () => {
  it('keeps short series as they are', () => {
    const d = new OhlcDownsampler('X', 10);
    for (let i = 0; i < 5; i++) d.push(i, 10 + i, 11 + i, 9 + i, 10.5 + i);
    const s = d.finish();
    expect(s.time).toEqual([0, 1, 2, 3, 4]);
    expect(s.close).toEqual([10.5, 11.5, 12.5, 13.5, 14.5]);
  });

  it('merges neighbours into true OHLC bars when there are too many', () => {
    const d = new OhlcDownsampler('X', 2); // at most 4 bars
    const rows = Array.from({ length: 16 }, (_, i) => ({ t: i, o: i, h: i + 0.5, l: i - 0.5, c: i + 0.25 }));
    for (const r of rows) d.push(r.t, r.o, r.h, r.l, r.c);
    const s = d.finish();
    expect(s.time.length).toBeLessThanOrEqual(4);
    // Every bar covers consecutive rows: open of its first, close and time of its last, extreme high and low.
    let first = 0;
    s.time.forEach((t, k) => {
      const covered = rows.slice(first, t + 1);
      expect(s.open[k]).toBe(covered[0]!.o);
      expect(s.close[k]).toBe(covered[covered.length - 1]!.c);
      expect(s.high[k]).toBe(Math.max(...covered.map((r) => r.h)));
      expect(s.low[k]).toBe(Math.min(...covered.map((r) => r.l)));
      first = t + 1;
    });
    expect(first).toBe(16);
  });
});

interface PriceMarks {
  t: number[];
  marks: { bar: number[]; flag: number[] };
}
type Item = { bar: number; flag: number } | { bar: number; entries: number; exits: number };
interface InView {
  mode: 'each' | 'counts';
  inView: number;
  unit: string | null;
  items: Item[];
}
/** The page's own function, run as the page runs it. */
const visibleMarks = new Function(`${VISIBLE_MARKS_JS}; return visibleMarks;`)() as (p: PriceMarks, entriesBefore: Int32Array, a: number, b: number, max: number, buckets: number) => InView;

function entriesBefore(p: PriceMarks): Int32Array {
  const out = new Int32Array(p.marks.flag.length + 1);
  p.marks.flag.forEach((f, k) => (out[k + 1] = out[k]! + (f & 1)));
  return out;
}

/** Bars at increasing whole seconds (gaps of a minute to a few days) with marks on some of them. */
const priceMarks = fc
  .array(fc.record({ gap: fc.oneof(fc.constant(60), fc.integer({ min: 60, max: 4 * 86_400 })), marks: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }) }), { minLength: 1, maxLength: 400 })
  .map((rows) => {
    const p: PriceMarks = { t: [], marks: { bar: [], flag: [] } };
    let t = 1_577_836_800 + 3_600; // 2020-01-01T01:00Z
    rows.forEach((r, i) => {
      t += r.gap;
      p.t.push(t);
      for (const f of r.marks) {
        p.marks.bar.push(i);
        p.marks.flag.push(f);
      }
    });
    return p;
  });

describe('trade marks in view (the page script)', () => {
  it('up to the limit: exactly the marks of the bars in view; beyond it: every one of them counted once, in few buckets', () => {
    fc.assert(
      fc.property(priceMarks, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 2, max: 20 }), (p, x, y, max, buckets) => {
        const n = p.t.length;
        const [a, b] = [Math.min(x % n, y % n), Math.max(x % n, y % n)];
        const inRange = p.marks.bar.map((bar, k) => ({ bar, flag: p.marks.flag[k]! })).filter((m) => m.bar >= a && m.bar <= b);
        const v = visibleMarks(p, entriesBefore(p), a, b, max, buckets);
        expect(v.inView).toBe(inRange.length);
        if (inRange.length <= max) {
          expect(v.mode).toBe('each');
          expect(v.items).toEqual(inRange);
          return;
        }
        expect(v.mode).toBe('counts');
        const counts = v.items as { bar: number; entries: number; exits: number }[];
        expect(counts.reduce((s, c) => s + c.entries, 0)).toBe(inRange.filter((m) => (m.flag & 1) === 1).length);
        expect(counts.reduce((s, c) => s + c.entries + c.exits, 0)).toBe(inRange.length);
        // A calendar unit with at most `buckets` of them over the range touches at most two more (its ends, months' lengths).
        expect(counts.length).toBeLessThanOrEqual(buckets + 2);
        for (let k = 0; k < counts.length; k++) {
          const c = counts[k]!;
          expect(c.entries + c.exits).toBeGreaterThan(0);
          expect(c.bar).toBeGreaterThanOrEqual(a);
          expect(c.bar).toBeLessThanOrEqual(b);
          if (k > 0) expect(c.bar).toBeGreaterThan(counts[k - 1]!.bar);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counts per calendar unit: weeks from Monday, months, years', () => {
    const day = 86_400;
    const monday = Date.UTC(2024, 0, 1) / 1000; // 2024-01-01 was a Monday
    const p: PriceMarks = { t: Array.from({ length: 120 }, (_, i) => monday + i * day), marks: { bar: [], flag: [] } };
    for (let i = 0; i < 120; i++) {
      p.marks.bar.push(i, i);
      p.marks.flag.push(1, 0);
    }
    const eb = entriesBefore(p);
    const weeks = visibleMarks(p, eb, 0, 27, 10, 4); // four weeks, Monday to Sunday
    expect(weeks.unit).toBe('week');
    expect(weeks.items.map((c) => ('entries' in c ? [c.entries, c.exits] : []))).toEqual([[7, 7], [7, 7], [7, 7], [7, 7]]);
    const months = visibleMarks(p, eb, 0, 119, 10, 4); // January to April 29
    expect(months.unit).toBe('month');
    expect(months.items.map((c) => ('entries' in c ? c.entries : 0))).toEqual([31, 29, 31, 29]);
    const years = visibleMarks(p, eb, 0, 119, 10, 1);
    expect(years.unit).toBe('year');
    // At the middle of the part of the bucket in view.
    expect(years.items).toEqual([{ bar: 60, entries: 120, exits: 120 }]);
    expect(weeks.items.map((c) => c.bar)).toEqual([4, 11, 18, 24]);
  });
});
