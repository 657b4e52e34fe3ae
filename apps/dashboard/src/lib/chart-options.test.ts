import { describe, expect, it } from 'vitest';
import {
  chartOptions,
  chartPlan,
  effectiveSmoothing,
  type FirstCharts,
  firstChartsJson,
} from './chart-options';

const line = (label: string, n: number) => ({
  label,
  steps: Array.from({ length: n }, (_, i) => i),
  values: Array.from({ length: n }, (_, i) => 1 / (1 + i)),
  times: Array.from({ length: n }, (_, i) => 1_000 * i),
});
const smoothed = { smoothing: 0.6, xMode: 'step' as const, logY: false };

describe('chart options shared by LineChart and the first-paint script', () => {
  it('smooths only when every line has at least 10 points', () => {
    expect(effectiveSmoothing([line('a', 10)], 0.6)).toBe(0.6);
    expect(effectiveSmoothing([line('a', 10), line('b', 9)], 0.6)).toBe(0);
    expect(effectiveSmoothing([line('a', 3)], 0)).toBe(0);
  });

  it('plans [x, raw, smoothed] columns and a key that changes only with the options', () => {
    const plan = chartPlan([line('loss', 2)], smoothed, 220);
    // Two points: drawn as logged, so the "smoothed" copy is the raw values (EMA weight 0).
    expect(plan.data).toEqual([
      [0, 1],
      [1, 0.5],
      [1, 0.5],
    ]);
    const more = { ...line('loss', 2), values: [3, 4] };
    expect(chartPlan([more], smoothed, 220).key).toBe(plan.key);
    expect(chartPlan([line('loss', 2)], { ...smoothed, logY: true }, 220).key).not.toBe(plan.key);
    expect(chartPlan([line('loss', 2)], smoothed, 160).key).not.toBe(plan.key);
    // Times do not matter on the step axis (the first paint sends none).
    expect(chartPlan([{ ...line('loss', 2), times: [] }], smoothed, 220)).toEqual(plan);
  });

  it('draws a smoothed line faint as logged and solid smoothed; bands fill between their edges', () => {
    const o = chartOptions([line('loss', 20)], smoothed, { width: 600, height: 220 });
    expect(o.series.map((s) => [s.label, s.show ?? true])).toEqual([
      [undefined, true],
      ['loss (raw)', true],
      ['loss', true],
    ]);
    const banded = chartOptions(
      [
        { ...line('mean', 20), color: '#112233' },
        { ...line('mean', 20), color: '#112233', band: 'hi' as const },
        { ...line('mean', 20), color: '#112233', band: 'lo' as const },
      ],
      { ...smoothed, smoothing: 0 },
      { width: 600, height: 220 },
    );
    // x, mean raw + smoothed, hi + hidden, lo + hidden: the band fills from hi (3) to lo (5).
    expect(banded.series).toHaveLength(7);
    expect(banded.bands).toEqual([{ series: [3, 5], fill: '#11223326' }]);
  });

  it("puts a run's curves in the page as JSON that cannot end its script element", () => {
    const series = new Map([
      ['a</script><script>alert(1)</script>', line('x', 3)],
      ['single', line('x', 1)],
      ['b', line('x', 2)],
    ]);
    const json = firstChartsJson([...series.keys()].sort(), series, smoothed, 220)!;
    expect(json).not.toContain('<');
    const first = JSON.parse(json) as FirstCharts;
    // One-point metrics are not charted; the rest in page order, steps and values only.
    expect(first.charts.map((c) => c.testId)).toEqual([
      'chart-a</script><script>alert(1)</script>',
      'chart-b',
    ]);
    expect(first.charts[1]!.lines).toEqual([{ label: 'b', steps: [0, 1], values: [1, 0.5], times: [] }]);
    expect(first.settings).toEqual(smoothed);
    expect(firstChartsJson(['single'], series, smoothed, 220)).toBeNull();
    expect(firstChartsJson(['b'], null, smoothed, 220)).toBeNull();
  });
});
