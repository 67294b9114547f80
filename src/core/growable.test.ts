import { describe, expect, it } from 'vitest';
import { Float64Pool } from './growable.js';

describe('Float64Pool', () => {
  it('hands back an array given back, of the length asked, zeroed; otherwise a new one', () => {
    const pool = new Float64Pool();
    const a = pool.take(5);
    a.fill(7);
    pool.give(a);
    expect(pool.take(4)).not.toBe(a);
    const again = pool.take(5);
    expect(again).toBe(a);
    expect(Array.from(again)).toEqual([0, 0, 0, 0, 0]);
    // Taken: no longer in the pool.
    expect(pool.take(5)).not.toBe(a);
  });
});
