import { describe, expect, it } from 'vitest';
import { niceTicks } from './axis-ticks';

describe('bar chart axis', () => {
  it('ticks cover the data at round steps, the top tick at or above the highest whisker', () => {
    expect(niceTicks(0, 24.36)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(0, 1.8393 + 0.3586)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(-3, 7)).toEqual([-5, -2.5, 0, 2.5, 5, 7.5]);
    // A flat series still gets an axis.
    expect(niceTicks(0, 0)).toEqual([0, 0.25]);
  });
});
