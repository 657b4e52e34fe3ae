import { describe, expect, it } from 'vitest';
import { smoothEma } from './smoothing';

describe('smoothEma', () => {
  it('returns the values unchanged at weight 0', () => {
    expect(smoothEma([3, 1, 2], 0)).toEqual([3, 1, 2]);
  });

  it('hand-worked: [1, 2] at weight 0.5 gives [1, 5/3]', () => {
    const [a, b] = smoothEma([1, 2], 0.5);
    expect(a).toBeCloseTo(1, 12);
    // ema = 0.25 + 1 = 1.25, debias 1 - 0.25 = 0.75
    expect(b).toBeCloseTo(5 / 3, 12);
  });

  it('keeps a constant series constant (debiasing) and passes gaps through', () => {
    const out = smoothEma([2, null, 2, Number.NaN, 2], 0.9);
    expect(out[0]).toBeCloseTo(2, 12);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeCloseTo(2, 12);
    expect(out[3]).toBeNaN();
    expect(out[4]).toBeCloseTo(2, 12);
  });

  it('stays within the range of the values seen so far', () => {
    const values = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 10 + i / 10);
    const out = smoothEma(values, 0.95);
    for (let i = 0; i < values.length; i++) {
      const seen = values.slice(0, i + 1);
      expect(out[i]!).toBeGreaterThanOrEqual(Math.min(...seen) - 1e-9);
      expect(out[i]!).toBeLessThanOrEqual(Math.max(...seen) + 1e-9);
    }
  });

  it('rejects a weight outside [0, 1)', () => {
    expect(() => smoothEma([1], 1)).toThrow(RangeError);
  });
});
