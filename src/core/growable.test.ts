import { describe, expect, it } from 'vitest';
import { Float64Pool, ScratchFloat64, sharedFloat64 } from './growable.js';

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

describe('ScratchFloat64', () => {
  it('gives views of one buffer, grown when a longer one is asked, so a second use of the same size touches no new memory', () => {
    const scratch = new ScratchFloat64();
    const a = scratch.view(100);
    expect(a.length).toBe(100);
    a.fill(3);
    const b = scratch.view(50);
    expect(b.length).toBe(50);
    // The same memory: what the last use left is there (callers write before they read).
    expect(b.buffer).toBe(a.buffer);
    expect(b[49]).toBe(3);
    const c = scratch.view(1000);
    expect(c.length).toBe(1000);
    expect(c.buffer).not.toBe(a.buffer);
    expect(scratch.view(1000).buffer).toBe(c.buffer);
  });

  it('does not keep a buffer over its limit: each view of one is a new array', () => {
    const scratch = new ScratchFloat64(64);
    const small = scratch.view(64);
    const big = scratch.view(65);
    expect(big.length).toBe(65);
    expect(big.buffer).not.toBe(small.buffer);
    expect(scratch.view(65).buffer).not.toBe(big.buffer);
    expect(scratch.view(10).buffer).toBe(small.buffer);
  });
});

describe('sharedFloat64', () => {
  it('is a zeroed array of that length in shared memory (empty too)', () => {
    const a = sharedFloat64(5);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(a)).toEqual([0, 0, 0, 0, 0]);
    expect(sharedFloat64(0).length).toBe(0);
  });
});
