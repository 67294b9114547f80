import { describe, expect, it } from 'vitest';
import { BarCloser } from './bar-closer.js';

function collect(): { out: (t: number, o: number, h: number, l: number, c: number, v: number) => void; bars: number[][] } {
  const bars: number[][] = [];
  return { bars, out: (t, o, h, l, c, v) => bars.push([t, o, h, l, c, v]) };
}
const never = (): boolean => false;

describe('BarCloser', () => {
  it('holds the forming candle and sends it with its last values when a later one appears', () => {
    const { out, bars } = collect();
    const b = new BarCloser();
    b.push([[60, 1, 2, 1, 2, 5]], never, out);
    b.push([[60, 1, 3, 1, 3, 6]], never, out);
    expect(bars).toEqual([]);
    b.push([[60, 1, 3, 0.5, 2.5, 7], [120, 2.5, 2.5, 2.5, 2.5, 1]], never, out);
    expect(bars).toEqual([[60, 1, 3, 0.5, 2.5, 7]]);
  });

  it('sends a candle when the exchange closes it, and never again', () => {
    const { out, bars } = collect();
    const b = new BarCloser();
    const closed = new Set([60]);
    b.push([[60, 1, 2, 1, 2, 5]], (t) => closed.has(t), out);
    b.push([[60, 1, 2, 1, 2, 5]], (t) => closed.has(t), out);
    b.push([[60, 1, 2, 1, 2, 5], [120, 2, 2, 2, 2, 1]], never, out);
    expect(bars).toEqual([[60, 1, 2, 1, 2, 5]]);
  });

  it('dropPending forgets the forming candle so it is not sent from stale values', () => {
    const { out, bars } = collect();
    const b = new BarCloser();
    b.push([[60, 1, 2, 1, 2, 5]], never, out);
    expect(b.dropPending()).toBe(60);
    b.push([[120, 2, 2, 2, 2, 1], [180, 2, 2, 2, 2, 1]], never, out);
    expect(bars).toEqual([[120, 2, 2, 2, 2, 1]]);
  });
});
