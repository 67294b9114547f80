import { describe, expect, it } from 'vitest';
import { correlationWithIndex, excessKurtosis, mean, percentile, skewness, std, variance, withoutNaN } from './stats.js';

describe('statistics as NumPy and SciPy compute them', () => {
  it('mean, variance and std with ddof', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(variance([1, 2, 3, 4], 0)).toBe(1.25);
    expect(variance([1, 2, 3, 4], 1)).toBeCloseTo(5 / 3, 15);
    expect(std([2, 4, 4, 4, 5, 5, 7, 9], 0)).toBe(2);
    expect(mean([])).toBeNaN();
    expect(variance([1], 1)).toBeNaN();
  });

  it('percentiles by linear interpolation between ranks (numpy default)', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5], 5)).toBeCloseTo(1.2, 15);
    expect(percentile([1, 2, 3, 4, 5], 95)).toBeCloseTo(4.8, 15);
    expect(percentile([1, 2, 3, 4, 5], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4, 5], 100)).toBe(5);
    expect(percentile([7], 5)).toBe(7);
    expect(percentile([], 5)).toBeNaN();
  });

  it('skewness and excess kurtosis (biased) with NaN for no spread', () => {
    // 0, 0, 0, 1: mean 1/4, m2 = 3/16, m3 = (3 * -1/64 + 27/64) / 4 = 24/256, m4 = (3/256 + 81/256) / 4 = 84/1024
    expect(skewness([0, 0, 0, 1])).toBeCloseTo(24 / 256 / (3 / 16) ** 1.5, 14);
    expect(excessKurtosis([0, 0, 0, 1])).toBeCloseTo(84 / 1024 / (3 / 16) ** 2 - 3, 14);
    expect(skewness([3, 3, 3])).toBeNaN();
    expect(excessKurtosis([0.1, 0.1])).toBeNaN();
    expect(skewness([])).toBeNaN();
  });

  it('correlation with the index', () => {
    expect(correlationWithIndex([1, 3, 5, 7])).toBeCloseTo(1, 15);
    expect(correlationWithIndex([7, 5, 3, 1])).toBeCloseTo(-1, 15);
    expect(correlationWithIndex([1, 1, 1])).toBeNaN();
    expect(correlationWithIndex([1])).toBeNaN();
  });

  it('NaN is left out, infinities are kept', () => {
    expect(Array.from(withoutNaN([1, NaN, Infinity]))).toEqual([1, Infinity]);
    const clean = Float64Array.of(1, 2);
    expect(withoutNaN(clean)).toBe(clean); // no copy when there is nothing to leave out
  });
});
