import { describe, expect, it } from 'vitest';
import { ClassicBarFill, tickFillPrice } from './fill.js';

describe('classic bar fill (docs/bar-execution.md table)', () => {
  const m = new ClassicBarFill();
  // bar: open 100, high 110, low 90, close 105
  const f = (type: 'market' | 'limit' | 'stop', side: 'buy' | 'sell', price: number, open = 100): number =>
    m.fillPrice(type, side, price, open, Math.max(110, open), Math.min(90, open), 105);

  it('market orders fill at the open', () => {
    expect(f('market', 'buy', NaN)).toBe(100);
    expect(f('market', 'sell', NaN)).toBe(100);
  });
  it('limit buy: open when open <= L, else L when low <= L, else none', () => {
    expect(f('limit', 'buy', 101)).toBe(100);
    expect(f('limit', 'buy', 95)).toBe(95);
    expect(f('limit', 'buy', 90)).toBe(90);
    expect(f('limit', 'buy', 89)).toBeNaN();
  });
  it('limit sell: open when open >= L, else L when high >= L, else none', () => {
    expect(f('limit', 'sell', 99)).toBe(100);
    expect(f('limit', 'sell', 108)).toBe(108);
    expect(f('limit', 'sell', 111)).toBeNaN();
  });
  it('stop sell: open when gapped through (open <= S), else S when low <= S', () => {
    expect(f('stop', 'sell', 101)).toBe(100);
    expect(f('stop', 'sell', 92)).toBe(92);
    expect(f('stop', 'sell', 80)).toBeNaN();
  });
  it('stop buy: open when open >= S, else S when high >= S', () => {
    expect(f('stop', 'buy', 99)).toBe(100);
    expect(f('stop', 'buy', 109)).toBe(109);
    expect(f('stop', 'buy', 120)).toBeNaN();
  });
});

describe('tick fills', () => {
  it('buys at the ask, sells at the bid, limits only at or better', () => {
    expect(tickFillPrice('market', 'buy', NaN, 1.1, 1.2)).toBe(1.2);
    expect(tickFillPrice('market', 'sell', NaN, 1.1, 1.2)).toBe(1.1);
    expect(tickFillPrice('limit', 'buy', 1.15, 1.1, 1.2)).toBeNaN();
    expect(tickFillPrice('limit', 'buy', 1.2, 1.1, 1.2)).toBe(1.2);
    expect(tickFillPrice('stop', 'sell', 1.1, 1.1, 1.2)).toBe(1.1);
  });
});
