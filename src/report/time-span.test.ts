import { describe, expect, it } from 'vitest';
import { defaultRollingWindow } from './metrics.js';
import { stepsAsCount, stepsAsTime } from './time-span.js';

describe('time steps as calendar time', () => {
  it('the default rolling window is six months at any bar size', () => {
    for (const ppy of [252, 365, 252 * 390, 365 * 1440, 252 * 6.5 * 12, 52]) expect(stepsAsTime(defaultRollingWindow(ppy), ppy), String(ppy)).toBe('6 months');
  });

  it('years, months, weeks and days', () => {
    expect(stepsAsTime(504, 252)).toBe('2 years');
    expect(stepsAsTime(252, 252)).toBe('12 months');
    expect(stepsAsTime(21, 252)).toBe('1 month');
    expect(stepsAsTime(630, 252)).toBe('30 months');
    expect(stepsAsTime(10, 252)).toBe('2 weeks');
    expect(stepsAsTime(2, 365)).toBe('2 days');
    expect(stepsAsTime(60, 365 * 1440)).toBe('1 day');
    expect(stepsAsTime(0, 252)).toBe('0 steps');
  });

  it('counts: trading days, days or bars', () => {
    expect(stepsAsCount(126, 252)).toBe('126 trading days');
    expect(stepsAsCount(183, 365)).toBe('183 days');
    expect(stepsAsCount(262_800, 525_600)).toBe('262,800 bars');
    expect(stepsAsCount(1, 98_280)).toBe('1 bar');
  });
});
