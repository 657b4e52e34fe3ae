import { describe, expect, it } from 'vitest';
import { chartColumns } from './chart-data';

const a = { steps: [0, 2, 4], values: [4, 2, 1], times: [1000, 3000, 5000] };
const b = { steps: [1, 2], values: [3, -1], times: [2000, 4000] };

describe('chartColumns', () => {
  it('aligns lines on the union of their x values', () => {
    const c = chartColumns([a, b], { mode: 'step', smoothing: 0, logY: false });
    expect(c.x).toEqual([0, 1, 2, 4]);
    expect(c.lines[0]![0]).toEqual([4, null, 2, 1]);
    expect(c.lines[1]![0]).toEqual([null, 3, -1, null]);
    expect(c.lines[0]![1]).toEqual(c.lines[0]![0]);
  });

  it('uses seconds since the earliest point in relative mode, wall seconds in time mode', () => {
    expect(chartColumns([a, b], { mode: 'relative', smoothing: 0, logY: false }).x).toEqual([0, 1, 2, 3, 4]);
    expect(chartColumns([b], { mode: 'time', smoothing: 0, logY: false }).x).toEqual([2, 4]);
  });

  it('drops non-positive values on a log scale', () => {
    const c = chartColumns([b], { mode: 'step', smoothing: 0, logY: true });
    expect(c.lines[0]![0]).toEqual([3, null]);
  });

  it('smooths each line over its own points, not over the gaps of others', () => {
    const c = chartColumns([a, b], { mode: 'step', smoothing: 0.5, logY: false });
    // a smoothed: 4, (0.5*2 + 0.5*... debiased) = (1 + 1)/0.75 = 2.6667
    expect(c.lines[0]![1]![0]).toBeCloseTo(4, 12);
    expect(c.lines[0]![1]![1]).toBeNull();
    expect(c.lines[0]![1]![2]).toBeCloseTo(8 / 3, 12);
  });
});
