import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBarHistory } from './bar-history.js';

describe('RingBarHistory', () => {
  it('holds the last `capacity` bars, growing its buffers and then wrapping, as a plain list would', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 1, max: 2000 }), (capacity, bars, initial) => {
        const h = new RingBarHistory('X', capacity, initial);
        for (let k = 0; k < bars; k++) h.push(k * 10, k + 0.1, k + 0.2, k + 0.3, k + 0.4, k + 0.5);
        const kept = Math.min(bars, capacity);
        expect(h.length).toBe(kept);
        // Every bar kept, from the latest back; nothing beyond.
        for (let ago = 0; ago < kept; ago++) {
          const k = bars - 1 - ago;
          expect([h.time(ago), h.open(ago), h.high(ago), h.low(ago), h.close(ago), h.volume(ago)]).toEqual([k * 10, k + 0.1, k + 0.2, k + 0.3, k + 0.4, k + 0.5]);
        }
        expect(h.close(kept)).toBeNaN();
      }),
      { numRuns: 60 },
    );
  });
});
