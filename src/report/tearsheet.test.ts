import { describe, expect, it } from 'vitest';
import { MICROS_PER_SECOND } from '../core/time.js';
import { escapeHtml, jsonScript, lightweightChartsSource, scriptText } from './assets.js';
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
