import { describe, expect, it } from 'vitest';
import { ClassicBarFill, IntrabarFill } from './fill.js';

// A bar: open 100, high 110, low 90, close 105.
const O = 100, H = 110, L = 90, C = 105;

describe('classic bar model (docs/bar-execution.md table)', () => {
  const m = new ClassicBarFill();
  const at = (down: boolean, level: number, open = O): number => (Number.isNaN(m.touch(down, level, 0, open, Math.max(H, open), Math.min(L, open), C)) ? NaN : m.price);

  it('a level the open is already through fills at the open (a gap gives the better price)', () => {
    expect(at(true, 101)).toBe(100); // limit buy 101 / stop sell 101
    expect(at(false, 99)).toBe(100); // limit sell 99 / stop buy 99
  });
  it('a level inside the range fills at the level', () => {
    expect(at(true, 95)).toBe(95);
    expect(at(true, 90)).toBe(90);
    expect(at(false, 108)).toBe(108);
    expect(at(false, 110)).toBe(110);
  });
  it('a level outside the range does not fill', () => {
    expect(at(true, 89)).toBeNaN();
    expect(at(false, 111)).toBeNaN();
  });
  it('cannot tell what came first inside the bar', () => {
    expect(m.touch(true, 95, 0, O, H, L, C)).toBe(m.touch(false, 108, 0, O, H, L, C));
  });
});

describe('intrabar model: open, nearer extreme, other extreme, close', () => {
  const m = new IntrabarFill();
  it('orders touches along the path: the low (nearer) before the high', () => {
    // open 100, low 95 is nearer than high 110
    const tLow = m.touch(true, 96, 0, 100, 110, 95, 105);
    const tHigh = m.touch(false, 109, 0, 100, 110, 95, 105);
    expect(tLow).toBeLessThan(tHigh);
    expect(m.touch(true, 96, 0, 100, 110, 95, 105)).toBeCloseTo(0.8, 12);
    expect(m.price).toBe(96);
  });
  it('gives the same prices as classic for a single level', () => {
    const c = new ClassicBarFill();
    for (const [down, level] of [[true, 101], [true, 95], [true, 89], [false, 99], [false, 108], [false, 111]] as const) {
      const a = m.touch(down, level, 0, O, H, L, C);
      const b = c.touch(down, level, 0, O, H, L, C);
      expect(Number.isNaN(a)).toBe(Number.isNaN(b));
      if (!Number.isNaN(a)) expect(m.price).toBe(c.price);
    }
  });
  it('continues from a later time (after a trigger)', () => {
    // triggered at the high (t=2 on path 100 -> 90 -> 110 -> 105), a limit buy at 107 is reached on the way to the close
    const t = m.touch(true, 107, 2, 100, 110, 90, 105);
    expect(t).toBeGreaterThan(2);
    expect(m.price).toBe(107);
    // ...but not a limit at 104, below the close
    expect(m.touch(true, 104, 2, 100, 110, 90, 105)).toBeNaN();
  });
});
