// Turns metric series into the column layout uPlot draws: one shared, sorted x column and, per
// line, the raw values and their smoothed copy (null where a line has no point at that x).
import { smoothEma } from './smoothing';

export type XMode = 'step' | 'time' | 'relative';

export interface SeriesPoints {
  steps: number[];
  values: (number | null)[];
  /** Unix ms. */
  times: number[];
}

export interface ChartColumns {
  x: number[];
  /** Per line: [raw, smoothed]. */
  lines: [(number | null)[], (number | null)[]][];
}

/** x of every point in the chosen mode: step, wall time in seconds, or seconds since start. */
export function xValues(s: SeriesPoints, mode: XMode, t0: number): number[] {
  if (mode === 'step') return s.steps;
  if (mode === 'time') return s.times.map((t) => t / 1000);
  return s.times.map((t) => (t - t0) / 1000);
}

export function chartColumns(
  series: readonly SeriesPoints[],
  options: { mode: XMode; smoothing: number; logY: boolean },
): ChartColumns {
  const t0 = Math.min(...series.map((s) => s.times[0] ?? Number.POSITIVE_INFINITY));
  const xs = series.map((s) => xValues(s, options.mode, Number.isFinite(t0) ? t0 : 0));
  const x = [...new Set(xs.flat())].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const clean = (v: number | null) => (v === null || (options.logY && !(v > 0)) ? null : v);
  const lines = series.map((s, k): [(number | null)[], (number | null)[]] => {
    const values = s.values.map(clean);
    const smoothed = smoothEma(values, options.smoothing);
    const raw = new Array<number | null>(x.length).fill(null);
    const smooth = new Array<number | null>(x.length).fill(null);
    xs[k]!.forEach((xv, i) => {
      const at = index.get(xv)!;
      raw[at] = values[i] ?? null;
      smooth[at] = smoothed[i] ?? null;
    });
    return [raw, smooth];
  });
  return { x, lines };
}

/** At most this many curves on a run page (also the API's limit of keys per series request). */
export const MAX_CHARTS = 24;

/** The metric keys a run page charts: in name order, the first MAX_CHARTS. */
export function chartKeys(metrics: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(metrics).sort().slice(0, MAX_CHARTS);
}
